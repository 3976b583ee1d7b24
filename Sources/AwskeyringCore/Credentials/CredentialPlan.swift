/// The decisions behind one credentials call that depend only on the config: which STS endpoint, how
/// MFA is done, and the cache keys of each step. Cheap to make, so the cached path can make it before
/// touching the keyring.
struct CredentialPlan {
    /// nil when the chain makes no STS call (long-lived keys alone).
    var sts: STSConfiguration?
    /// The MFA device whose GetSessionToken session stands in for the source keys (session mode).
    var mfaSerial: String?
    var mfaProcess: String?
    /// How long to wait for an MFA code (`mfa_prompt_timeout`).
    var mfaTimeout = MFATokenSource.defaultTimeout
    var mfaSessionDuration: Int?
    var mfaSessionKey: CacheKey?
    /// Role steps (by index) that pass an MFA code to AssumeRole themselves (`mfa_with_assume_role`).
    var directMFASerials: [Int: String] = [:]
    var roleKeys: [CacheKey] = []
    /// Serialises the processes that need the same source keys and MFA device.
    var lockKey: CacheKey
    /// The entry that holds the answer; nil when there is nothing to cache (long-lived keys).
    var finalKey: CacheKey?

    static let defaultMFASessionDuration = 8 * 3600

    init(chain: CredentialChain, files: AWSConfigFiles, environment: [String: String]) throws(HelperError) {
        let source = chain.source.profile
        // Settings are looked up on the profile asked for, then on the roles from the top down, then on
        // the source profile: the nearest one wins.
        let searchOrder = [chain.profile] + chain.roles.reversed().map(\.profile) + [source]
        func setting(_ key: String) -> (value: String, profile: String)? {
            for name in searchOrder {
                if let value = files.profiles[name]?.value(key) { return (value, name) }
            }
            return nil
        }

        let sourceDescriptor: String
        switch chain.source {
        case .keyring(let profile, _):
            sourceDescriptor = "keyring:" + profile
        case .plainTextKeys(let profile):
            sourceDescriptor =
                "plain:" + profile + ":" + (files.profiles[profile]?.value("aws_access_key_id") ?? "")
        case .environment:
            // The secret too: other keys under the same id must not be answered from this cache. The
            // descriptor is only ever hashed, never stored.
            sourceDescriptor =
                "environment:" + (environment["AWS_ACCESS_KEY_ID"] ?? "") + "\u{1F}"
                + (environment["AWS_SECRET_ACCESS_KEY"] ?? "")
        case .instanceMetadata:
            let metadata = try InstanceMetadataSource(
                profile: chain.profile, files: files, environment: environment)
            sourceDescriptor = "imds:" + metadata.endpoint
        case .containerEndpoint:
            // The endpoint tells one task's or pod's role from another's; the token is a secret.
            sourceDescriptor =
                "container:" + (ContainerEndpointSource.Location(environment: environment)?.descriptor ?? "")
        case .webIdentity(let web):
            sourceDescriptor = [
                "web-identity", web.profile, web.roleArn, web.tokenFile, web.sessionName ?? "-",
                web.durationSeconds.map(String.init) ?? "-",
            ].joined(separator: "\u{1F}")
        case .process(let profile, let command):
            sourceDescriptor = "process:" + profile + "\u{1F}" + command
        }
        // Temporary credentials cannot get an MFA session (GetSessionToken): their roles take the code.
        let longLived = chain.source.givesLongLivedKeys
        let direct = setting("mfa_with_assume_role")?.value.lowercased() == "true" || !longLived
        let serial =
            chain.roles.first?.mfaSerial ?? (longLived ? files.profiles[source]?.value("mfa_serial") : nil)
        mfaProcess = setting("mfa_process")?.value
        if let text = setting("mfa_prompt_timeout") {
            guard let seconds = Int(text.value), (1...3600).contains(seconds) else {
                throw HelperError(
                    "profile '\(text.profile)': mfa_prompt_timeout = \(text.value) must be a whole number of seconds from 1 to 3600"
                )
            }
            mfaTimeout = Double(seconds)
        }
        lockKey = CacheKey(["lock", sourceDescriptor])
        var needsSTS = !chain.roles.isEmpty || serial != nil
        if case .webIdentity = chain.source { needsSTS = true }
        guard needsSTS else { return }

        let sts = try STSConfiguration(profile: chain.profile, files: files, environment: environment)
        self.sts = sts
        let endpoint = sts.endpoint + " " + sts.signingRegion

        if direct && !chain.roles.isEmpty {
            for (index, role) in chain.roles.enumerated() {
                if let roleSerial = role.mfaSerial { directMFASerials[index] = roleSerial }
            }
            mfaSerial = directMFASerials[0]
        } else if let serial, longLived {
            mfaSerial = serial
            if let text = setting("mfa_session_duration") {
                guard let seconds = Int(text.value), (900...129_600).contains(seconds) else {
                    throw HelperError(
                        "profile '\(text.profile)': mfa_session_duration = \(text.value) must be a whole number from 900 to 129600"
                    )
                }
                mfaSessionDuration = seconds
            } else {
                mfaSessionDuration = Self.defaultMFASessionDuration
            }
            mfaSessionKey = CacheKey([
                "mfa-session", sourceDescriptor, serial, mfaSessionDuration.map(String.init), endpoint,
            ])
        }

        lockKey = CacheKey(["lock", sourceDescriptor, mfaSerial])
        var previous = mfaSessionKey?.digest ?? sourceDescriptor
        for (index, role) in chain.roles.enumerated() {
            let key = CacheKey([
                "role", previous, role.roleArn, role.externalId, role.sessionName,
                role.durationSeconds.map(String.init),
                endpoint, directMFASerials[index],
            ])
            roleKeys.append(key)
            previous = key.digest
        }
        finalKey = roleKeys.last ?? mfaSessionKey
    }
}
