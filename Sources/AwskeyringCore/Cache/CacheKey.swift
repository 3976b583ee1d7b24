import Crypto

/// A cache entry's name: a digest of everything that changes the credentials it holds. Only the digest
/// is stored, as a keyring attribute and a lock-file name; it reveals none of its inputs.
public struct CacheKey: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let digest: String

    init(_ parts: [String?]) {
        let text = parts.map { $0.map { "+" + $0 } ?? "-" }.joined(separator: "\u{1F}")
        digest = ASCIIText.hex(Array(SHA256.hash(data: Array(text.utf8)).prefix(20)))
    }

    public var description: String { digest }
}
