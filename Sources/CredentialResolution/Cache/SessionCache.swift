import CredentialValues
import Keyring
import KeyringItems

/// Cached temporary credentials.
///
/// The Secret Service holds every entry (MFA sessions, each role of a chain), encrypted at rest and
/// locked with the person's keyring: nothing cached is handed out while the keyring is locked, and
/// nothing outlives it. Each entry made from stored keys carries a digest of those keys, checked
/// against the keys stored now in the same round trip, so a session never outlives the keys it came
/// from, whichever tool replaced or removed them.
///
/// The kernel tier is an opt-in (`AWSKEYRING_HELPER_KERNEL_CACHE=on`): a copy of final answers in the
/// login session's kernel keyring, read with two system calls. It trades the keyring's lock for speed
/// for at most 15 minutes; see `KernelCacheTier`.
package struct SessionCache {
    package var keyring: CredentialKeyring
    /// nil unless the kernel tier is turned on.
    package var kernel: KernelCacheTier?

    package init(keyring: CredentialKeyring, kernel: KernelCacheTier? = nil) {
        self.keyring = keyring
        self.kernel = kernel
    }

    /// The tiers a process with this environment uses.
    package static func standard(keyring: CredentialKeyring, environment: [String: String]) -> SessionCache {
        // Without a session keyring of its own, the process would add entries to a new keyring that
        // dies with it.
        let kernel = KernelCacheTier.isEnabled(environment) && KernelKeyring().hasOwnSessionKeyring
        return SessionCache(keyring: keyring, kernel: kernel ? KernelCacheTier() : nil)
    }

    /// The digest that binds cached sessions to the long-lived keys they were made from. It is kept
    /// only inside the (encrypted) cached entries.
    static func sourceKey(_ credentials: AWSCredentials) -> String {
        CacheKey([
            "source-key", credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken,
        ])
        .digest
    }

    /// A final answer with more than `minimumRemaining` seconds left: from the kernel tier when it is on
    /// and has it, else from the Secret Service, bound to `source` (and then copied to the kernel tier).
    func answer(
        _ key: CacheKey, profile: String, sourceProfile: String, source: CachedSource, now: Int,
        minimumRemaining: Int
    ) throws(KeyringError) -> AWSCredentials? {
        let entryName = KernelCacheTier.EntryName(key: key, profile: profile, sourceProfile: sourceProfile)
        if let kernel, let credentials = kernel.read(entryName), let expiration = credentials.expiration,
            expiration - now > minimumRemaining
        {
            return credentials
        }
        let session: CachedSession?
        switch source {
        case .storedKeys(let keysProfile):
            let found = try keyring.cachedSession(cacheKey: key.digest, keysOf: keysProfile)
            guard let keys = found.keys else { return nil }
            session = Self.bound(found.session, to: Self.sourceKey(keys.credentials))
        case .fixed(let sourceKey):
            session = Self.bound(try keyring.cachedSession(cacheKey: key.digest), to: sourceKey)
        }
        guard let credentials = session?.credentials, let expiration = credentials.expiration,
            expiration - now > minimumRemaining
        else { return nil }
        kernel?.store(credentials, as: entryName, now: now, minimumRemaining: minimumRemaining)
        return credentials
    }

    /// An entry from the Secret Service tier made from `sourceKey`, with more than `minimumRemaining`
    /// seconds left.
    func entry(_ key: CacheKey, sourceKey: String?, now: Int, minimumRemaining: Int) throws(KeyringError)
        -> AWSCredentials?
    {
        guard
            let credentials = Self.bound(try keyring.cachedSession(cacheKey: key.digest), to: sourceKey)?
                .credentials,
            let expiration = credentials.expiration, expiration - now > minimumRemaining
        else { return nil }
        return credentials
    }

    /// The session, if it was made from the keys `sourceKey` names (any session when nil).
    private static func bound(_ session: CachedSession?, to sourceKey: String?) -> CachedSession? {
        guard let session, sourceKey == nil || session.sourceKey == sourceKey else { return nil }
        return session
    }

    /// Caches credentials in the Secret Service; a final answer also goes to the kernel tier when on.
    func store(
        _ credentials: AWSCredentials, key: CacheKey, profile: String, sourceProfile: String,
        sourceKey: String?, description: String, final: Bool, now: Int, minimumRemaining: Int
    ) throws(KeyringError) {
        try keyring.storeCachedCredentials(
            credentials, cacheKey: key.digest, profile: profile, sourceProfile: sourceProfile,
            sourceKey: sourceKey, description: description)
        if final {
            kernel?.store(
                credentials,
                as: KernelCacheTier.EntryName(key: key, profile: profile, sourceProfile: sourceProfile),
                now: now, minimumRemaining: minimumRemaining)
        }
    }

    /// Drops cached sessions: all, or those of `profile` (as asked for or as the source of keys).
    /// The kernel tier's entries go too, whether or not this process reads that tier. Returns how many
    /// Secret Service entries went.
    @discardableResult
    package func clear(profile: String?) throws(KeyringError) -> Int {
        KernelCacheTier.remove(profile: profile)
        return try keyring.deleteCachedSessions(profile: profile)
    }

    func removeExpired(now: Int) {
        _ = try? keyring.deleteCachedSessions(profile: nil, expiredBefore: now)
    }
}

/// What a chain's cached entries must have been made from.
enum CachedSource: Equatable {
    /// The keys stored in the keyring for this profile now (read with the entry).
    case storedKeys(profile: String)
    /// A digest known without the keyring (plain-text keys); nil when the cache key already names the
    /// source exactly (environment keys, an endpoint, a command).
    case fixed(String?)
}

extension LongLivedKeys {
    var credentials: AWSCredentials {
        AWSCredentials(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey)
    }
}
