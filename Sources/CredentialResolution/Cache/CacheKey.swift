import AWSQuery
import TextFormats

/// A cache entry's name: a digest of everything that changes the credentials it holds. Only the digest
/// is stored, as a keyring attribute and a lock-file name; it reveals none of its inputs.
package struct CacheKey: Sendable, Equatable, Hashable, CustomStringConvertible {
    package let digest: String

    init(_ parts: [String?]) {
        var text: [UInt8] = []
        for (index, part) in parts.enumerated() {
            if index > 0 { text.append(0x1F) }
            if let part {
                text.append(UInt8(ascii: "+"))
                text.append(contentsOf: part.utf8)
            } else {
                text.append(UInt8(ascii: "-"))
            }
        }
        digest = ASCIIText.hex(Array(Digest.sha256(text).prefix(20)))
    }

    private init(digest: String) { self.digest = digest }

    /// No key: stands in while a plan is only checked (`CredentialPlan.check`), never used to cache.
    static let unset = CacheKey(digest: "")

    package var description: String { digest }
}
