import AWSQuery
import CredentialValues
import Keyring
import KeyringItems
import TextFormats

/// The opt-in kernel tier of the session cache (`AWSKEYRING_HELPER_KERNEL_CACHE=on`): a copy of final
/// answers in the login session's kernel keyring, so a cached call needs no D-Bus conversation.
///
/// What it trades away: for up to 15 minutes a copied answer is handed out without asking the Secret
/// Service, so it does not follow the keyring's lock, nor a change of the stored keys made by another
/// tool, within that time. What it keeps: entries are visible to the login session's processes only
/// (possessor-only permissions in the session keyring), never touch disk, always carry a timeout of at
/// most 15 minutes, go with `clear`, `store`, `import`, `rotate`, `remove` and `lock`, and take at most
/// `maximumEntries` keys and `maximumBytes` of the user's kernel key quota. A process without a login
/// session keyring of its own (some containers, cron) does not use the tier.
package struct KernelCacheTier {
    static let prefix = "awskeyring-helper:"
    static let maximumLifetime = 15 * 60
    static let maximumEntries = 16
    /// Well under the kernel's default quota of 20000 bytes per user, which other programs share.
    static let maximumBytes = 8192

    private let kernel = KernelKeyring()

    package init() {}

    static func isEnabled(_ environment: [String: String]) -> Bool {
        ["on", "1", "true", "yes"].contains(environment["AWSKEYRING_HELPER_KERNEL_CACHE"]?.lowercased() ?? "")
    }

    /// `awskeyring-helper:<cache key>:<hex source profile>:<hex profile>`: names are hex-encoded so any
    /// profile name fits, and `clear --profile` can find its entries.
    struct EntryName {
        var description: String

        init(key: CacheKey, profile: String, sourceProfile: String) {
            description =
                KernelCacheTier.prefix + key.digest + ":" + ASCIIText.hex(Array(sourceProfile.utf8)) + ":"
                + ASCIIText.hex(Array(profile.utf8))
        }
    }

    func read(_ name: EntryName) -> AWSCredentials? {
        guard var bytes = kernel.read(description: name.description) else { return nil }
        defer { bytes.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        return CachedSessionText.decode(String(decoding: bytes, as: UTF8.self))?.credentials
    }

    /// Copies a final answer, for as long as it may be handed out but at most 15 minutes; skipped when
    /// the tier's own limits or the kernel's quota leave no room.
    func store(_ credentials: AWSCredentials, as name: EntryName, now: Int, minimumRemaining: Int) {
        guard let expiration = credentials.expiration,
            let text = CachedSessionText.encode(CachedSession(credentials: credentials, sourceKey: nil))
        else { return }
        var payload = Array(text.utf8)
        defer { payload.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        let others = kernel.entries(withPrefix: Self.prefix).filter { $0.description != name.description }
        let used = others.reduce(0) { $0 + $1.size + $1.description.utf8.count }
        guard others.count < Self.maximumEntries,
            used + payload.count + name.description.utf8.count <= Self.maximumBytes
        else { return }
        kernel.store(
            payload, description: name.description,
            lifetime: min(Self.maximumLifetime, expiration - now - minimumRemaining))
    }

    /// Drops the tier's entries: all, or those of `profile` (as asked for or as the source of keys).
    /// Entries that earlier versions kept in the per-user keyring go too.
    package static func remove(profile: String?) {
        let name = profile.map { ASCIIText.hex(Array($0.utf8)) }
        for inUserKeyring in [false, true] {
            KernelKeyring().remove(descriptionsWithPrefix: prefix, inUserKeyring: inUserKeyring) {
                description in
                guard let name else { return true }
                let fields = description.split(separator: ":")
                return fields.count == 4 && (fields[2] == name || fields[3] == name)
            }
        }
    }
}
