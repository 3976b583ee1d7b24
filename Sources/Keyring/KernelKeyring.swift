internal import CKernelKeyring

#if canImport(Glibc)
    import Glibc
#endif

/// Short-lived secrets in the Linux kernel's session keyring: held in kernel memory (never written to
/// disk or swap), usable only by processes that possess the login session's keyring, dropped by the
/// kernel when their timeout passes, and reachable with two system calls, with no D-Bus round trip.
/// Many containers forbid these calls; every method then reports failure and the caller goes on
/// without this tier.
package struct KernelKeyring: Sendable {
    /// Possessors: view, read, write, search, link, set attributes. The user, group and others: nothing,
    /// so another login session of the same user cannot even see the key.
    static let permissions: UInt32 = 0x3f00_0000

    /// A key of the session keyring: its description and payload size.
    package struct Entry: Sendable, Equatable {
        package var serial: Int32
        package var description: String
        package var size: Int
    }

    package init() {}

    /// Whether this process has a session keyring of its own, as every login (PAM's pam_keyinit) and
    /// `keyctl session` give it, owned by this process's user. Without one, keys added to "the session
    /// keyring" would go to a new keyring that dies with the process; in another user's keyring (after
    /// `sudo -u`, or `su` without pam_keyinit) that user's processes could read them.
    package var hasOwnSessionKeyring: Bool { awskh_has_own_session_keyring() == 1 }

    /// Adds or replaces the key `description`, removed by the kernel after `lifetime` seconds. Fails
    /// (false) where the kernel refuses, including a full key quota.
    @discardableResult
    package func store(_ payload: [UInt8], description: String, lifetime: Int) -> Bool {
        guard lifetime > 0 else { return false }
        let serial = payload.withUnsafeBytes {
            awskh_key_add_session(
                description, $0.baseAddress, $0.count, Self.permissions,
                UInt32(min(lifetime, Int(UInt32.max))))
        }
        return serial > 0
    }

    /// The payload of the key `description`, or nil when there is none (or the tier is unavailable).
    package func read(description: String) -> [UInt8]? {
        let serial = awskh_key_search_session(description)
        guard serial > 0 else { return nil }
        return read(serial: serial)
    }

    private func read(serial: Int32) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        defer { buffer.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        while true {
            let length = buffer.withUnsafeMutableBytes { awskh_key_read(serial, $0.baseAddress, $0.count) }
            guard length >= 0 else { return nil }
            if length <= buffer.count { return Array(buffer[..<length]) }
            guard length <= 1 << 20 else { return nil }
            buffer.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) }
            buffer = [UInt8](repeating: 0, count: length)
        }
    }

    /// The "user" keys in the session keyring (or the per-user keyring) whose description starts with
    /// `prefix`.
    package func entries(withPrefix prefix: String, inUserKeyring: Bool = false) -> [Entry] {
        var serials = [Int32](repeating: 0, count: 1024)
        let bytes = serials.withUnsafeMutableBytes {
            awskh_keyring_list(
                inUserKeyring ? 1 : 0, $0.baseAddress?.assumingMemoryBound(to: Int32.self), $0.count)
        }
        guard bytes > 0 else { return [] }
        return serials.prefix(min(bytes / 4, serials.count)).compactMap { serial in
            guard let description = describe(serial), description.hasPrefix(prefix) else { return nil }
            return Entry(serial: serial, description: description, size: awskh_key_read(serial, nil, 0))
        }
    }

    /// Removes every key of the session keyring (or the per-user keyring) whose description starts
    /// with `prefix` and satisfies `matches`; returns how many were removed.
    @discardableResult
    package func remove(
        descriptionsWithPrefix prefix: String, inUserKeyring: Bool = false,
        where matches: (String) -> Bool = { _ in true }
    ) -> Int {
        entries(withPrefix: prefix, inUserKeyring: inUserKeyring).filter {
            matches($0.description) && awskh_key_invalidate($0.serial) == 0
        }.count
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
