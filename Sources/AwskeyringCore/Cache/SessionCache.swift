import Keyring

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Cached temporary credentials, in two tiers.
///
/// The Secret Service holds every entry (MFA sessions, each role of a chain), encrypted at rest and
/// locked with the person's keyring. The kernel's per-user keyring holds a copy of the final answers
/// for as long as they may be handed out: a cached call then costs two system calls instead of a
/// D-Bus conversation. Its entries live in kernel memory only, are readable by the same user alone,
/// and vanish by themselves when their time is up (15 minutes before the credentials expire).
public struct SessionCache {
    public var keyring: CredentialKeyring
    /// nil when the kernel tier is off (`AWSKEYRING_HELPER_KERNEL_CACHE=off`) or in tests.
    public var kernel: KernelKeyring?
    /// Ties kernel entries to the Secret Service they copy: the kernel keyring is shared by all of the
    /// user's sessions (and containers), the Secret Service is not.
    public var scope: String

    static let kernelPrefix = "awskeyring-helper:"

    public init(keyring: CredentialKeyring, kernel: KernelKeyring?, scope: String = "") {
        self.keyring = keyring
        self.kernel = kernel
        self.scope = scope
    }

    /// The tiers a process with this environment uses.
    public static func standard(keyring: CredentialKeyring, environment: [String: String]) -> SessionCache {
        let off = ["off", "0", "false", "no"].contains(
            environment["AWSKEYRING_HELPER_KERNEL_CACHE"]?.lowercased() ?? "")
        return SessionCache(
            keyring: keyring, kernel: off ? nil : KernelKeyring(),
            scope: environment["DBUS_SESSION_BUS_ADDRESS"] ?? "")
    }

    /// A final answer, from the kernel tier when it has it, else from the Secret Service (and then
    /// copied to the kernel tier). nil unless more than `minimumRemaining` seconds remain.
    func answer(_ key: CacheKey, profile: String, sourceProfile: String, now: Int, minimumRemaining: Int)
        throws(HelperError) -> AWSCredentials?
    {
        let description = kernelDescription(key, profile: profile, sourceProfile: sourceProfile)
        if let kernel, let bytes = kernel.read(description: description),
            let credentials = Self.decode(bytes), let expiration = credentials.expiration,
            expiration - now > minimumRemaining
        {
            return credentials
        }
        guard let credentials = try entry(key, now: now, minimumRemaining: minimumRemaining) else {
            return nil
        }
        copyToKernel(credentials, description: description, now: now, minimumRemaining: minimumRemaining)
        return credentials
    }

    /// An entry from the Secret Service tier with more than `minimumRemaining` seconds left.
    func entry(_ key: CacheKey, now: Int, minimumRemaining: Int) throws(HelperError) -> AWSCredentials? {
        guard let credentials = try keyring.cachedCredentials(cacheKey: key.digest),
            let expiration = credentials.expiration, expiration - now > minimumRemaining
        else { return nil }
        return credentials
    }

    /// Caches credentials in the Secret Service; a final answer also goes to the kernel tier.
    func store(
        _ credentials: AWSCredentials, key: CacheKey, profile: String, sourceProfile: String,
        description: String,
        final: Bool, now: Int, minimumRemaining: Int
    ) throws(HelperError) {
        try keyring.storeCachedCredentials(
            credentials, cacheKey: key.digest, profile: profile, sourceProfile: sourceProfile,
            description: description)
        if final {
            copyToKernel(
                credentials,
                description: kernelDescription(key, profile: profile, sourceProfile: sourceProfile),
                now: now, minimumRemaining: minimumRemaining)
        }
    }

    /// Drops cached sessions from both tiers: all, or those of `profile` (as asked for or as the
    /// source of keys). Returns how many Secret Service entries went.
    @discardableResult
    public func clear(profile: String?) throws(HelperError) -> Int {
        if let kernel {
            let names = profile.map { [Self.hex($0)] } ?? []
            kernel.remove(descriptionsWithPrefix: Self.kernelPrefix) { description in
                guard !names.isEmpty else { return true }
                let fields = description.split(separator: ":")
                return fields.count == 4
                    && (names.contains(String(fields[2])) || names.contains(String(fields[3])))
            }
        }
        return try keyring.deleteCachedSessions(profile: profile)
    }

    func removeExpired(now: Int) {
        _ = try? keyring.deleteCachedSessions(profile: nil, expiredBefore: now)
    }

    private func copyToKernel(
        _ credentials: AWSCredentials, description: String, now: Int, minimumRemaining: Int
    ) {
        guard let kernel, let expiration = credentials.expiration, let bytes = Self.encode(credentials) else {
            return
        }
        kernel.store(bytes, description: description, lifetime: expiration - now - minimumRemaining)
    }

    /// `awskeyring-helper:<digest>:<hex source profile>:<hex profile>`: the digest covers the entry's
    /// cache key and the scope; names are hex-encoded so any profile name fits, and `clear --profile`
    /// can find its entries.
    func kernelDescription(_ key: CacheKey, profile: String, sourceProfile: String) -> String {
        Self.kernelPrefix + CacheKey([key.digest, scope]).digest + ":" + Self.hex(sourceProfile) + ":"
            + Self.hex(profile)
    }

    static func hex(_ text: String) -> String {
        text.utf8.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }

    /// The kernel payload: `v1`, the key id, the secret, the token (empty for none) and the expiry in
    /// epoch seconds, one a line. A plain format, decoded without Codable's run-time type machinery.
    static func encode(_ credentials: AWSCredentials) -> [UInt8]? {
        guard let expiration = credentials.expiration else { return nil }
        let fields = [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken ?? ""]
        guard fields.allSatisfy({ !$0.contains("\n") }) else { return nil }
        return Array((["v1"] + fields + [String(expiration)]).joined(separator: "\n").utf8)
    }

    static func decode(_ bytes: [UInt8]) -> AWSCredentials? {
        let fields = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard fields.count == 5, fields[0] == "v1", !fields[1].isEmpty, !fields[2].isEmpty,
            let expiration = Int(fields[4])
        else { return nil }
        let token = fields[3].isEmpty ? nil : fields[3]
        return AWSCredentials(
            accessKeyId: fields[1], secretAccessKey: fields[2], sessionToken: token, expiration: expiration)
    }
}
