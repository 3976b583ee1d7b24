internal import CKernelKeyring

#if canImport(Glibc)
    import Glibc
#endif

/// Short-lived secrets in the Linux kernel's per-user keyring: held in kernel memory (never written to
/// disk or swap), dropped by the kernel when their timeout passes, and reachable with two system calls,
/// with no D-Bus round trip. Many containers forbid these calls; every method then reports failure and
/// the caller goes on without this tier.
public struct KernelKeyring: Sendable {
    /// Possessor: everything; same user: view, read, search (a login session that does not link the
    /// user keyring still finds the key). Nobody else.
    static let permissions: UInt32 = 0x3f0b_0000

    public init() {}

    /// Adds or replaces the key `description`, removed by the kernel after `lifetime` seconds.
    @discardableResult
    public func store(_ payload: [UInt8], description: String, lifetime: Int) -> Bool {
        guard lifetime > 0 else { return false }
        let serial = payload.withUnsafeBytes { awskh_key_add_user(description, $0.baseAddress, $0.count) }
        guard serial > 0 else { return false }
        guard awskh_key_set_permissions(serial, Self.permissions) == 0,
            awskh_key_set_timeout(serial, UInt32(min(lifetime, Int(UInt32.max)))) == 0
        else {
            awskh_key_invalidate(serial)
            return false
        }
        return true
    }

    /// The payload of the key `description`, or nil when there is none (or the tier is unavailable).
    public func read(description: String) -> [UInt8]? {
        let serial = awskh_key_search_user(description)
        guard serial > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let length = buffer.withUnsafeMutableBytes { awskh_key_read(serial, $0.baseAddress, $0.count) }
            guard length >= 0 else { return nil }
            if length <= buffer.count { return Array(buffer[..<length]) }
            guard length <= 1 << 20 else { return nil }
            buffer = [UInt8](repeating: 0, count: length)
        }
    }

    /// Removes every key of this user whose description starts with `prefix` and satisfies `matches`;
    /// returns how many were removed.
    @discardableResult
    public func remove(descriptionsWithPrefix prefix: String, where matches: (String) -> Bool = { _ in true })
        -> Int
    {
        var serials = [Int32](repeating: 0, count: 1024)
        let bytes = serials.withUnsafeMutableBytes {
            awskh_user_keyring_list($0.baseAddress?.assumingMemoryBound(to: Int32.self), $0.count)
        }
        guard bytes > 0 else { return 0 }
        var removed = 0
        for serial in serials.prefix(min(bytes / 4, serials.count)) {
            guard let description = describe(serial), description.hasPrefix(prefix), matches(description)
            else { continue }
            if awskh_key_invalidate(serial) == 0 { removed += 1 }
        }
        return removed
    }

    /// The description of a "user" key, or nil for anything else.
    private func describe(_ serial: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 4200)
        let length = buffer.withUnsafeMutableBytes {
            awskh_key_describe(serial, $0.baseAddress?.assumingMemoryBound(to: CChar.self), $0.count)
        }
        guard length > 0, length <= buffer.count else { return nil }
        let text = String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
        let fields = text.split(separator: ";", maxSplits: 4, omittingEmptySubsequences: false)
        guard fields.count == 5, fields[0] == "user" else { return nil }
        return String(fields[4])
    }
}
