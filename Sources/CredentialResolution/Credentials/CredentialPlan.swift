import AWSConfigFile
import AWSQuery

/// The decisions behind one credentials call that depend only on the config: which STS endpoint, how
/// MFA is done, and the cache keys of each step. Cheap to make, so the cached path can make it before
/// touching the keyring.
package struct CredentialPlan {
    /// nil when the chain makes no STS call (long-lived keys alone). The profile asked for's: where its
    /// own role is assumed, and what `explain` shows.
    package var sts: STSConfiguration?
    /// Where each role step (by index, from the source up) is assumed: the settings of the profile at
    /// the top of the process that would assume it. Below a profile whose credential_process runs this
    /// helper for another profile, that is the other profile (its own process would make those calls,
    /// with its own region and endpoint), as the SDKs would run it.
    package var roleSTS: [STSConfiguration] = []
    /// Where the MFA session or the web identity role is got: the lowest such process's top profile.
    package var sourceSTS: STSConfiguration?
    /// The STS configuration of each profile at the top of a process: the profile asked for and the
    /// target of each hand-off.
    package var stsByTopProfile: [String: STSConfiguration] = [:]
    /// The MFA device whose GetSessionToken session stands in for the source keys (session mode).
    package var mfaSerial: String?
    package var mfaProcess: String?
    /// How long to wait for an MFA code (`mfa_prompt_timeout`).
    var mfaTimeout = MFATokenSource.defaultTimeout
    /// Where a person is asked for the code (`mfa_prompt`).
    package var mfaPrompt = MFAPromptChoice.auto
    package var mfaSessionDuration: Int?
    var mfaSessionKey: CacheKey?
    /// Role steps (by index) that pass an MFA code to AssumeRole themselves (`mfa_with_assume_role`).
    package var directMFASerials: [Int: String] = [:]
    var roleKeys: [CacheKey] = []
    /// Serialises the processes that need the same source keys and MFA device.
    var lockKey: CacheKey
    /// The entry that holds the answer; nil when there is nothing to cache (long-lived keys).
    package var finalKey: CacheKey?

    static let defaultMFASessionDuration = 8 * 3600

    package init(chain: CredentialChain, files: AWSConfigFiles, environment: [String: String]) throws {
        try self.init(chain: chain, files: files, environment: environment, cacheKeys: true)
    }

    /// Checks what making the plan checks (the MFA settings, the STS configuration, the source), and
    /// throws what `init` would, without working out the cache keys: `doctor` checks every profile.
    package static func check(chain: CredentialChain, files: AWSConfigFiles, environment: [String: String])
        throws
    {
        _ = try CredentialPlan(chain: chain, files: files, environment: environment, cacheKeys: false)
    }

    /// - Parameter cacheKeys: false leaves every key unset (`check` only).
    private init(
        chain: CredentialChain, files: AWSConfigFiles, environment: [String: String], cacheKeys: Bool
    ) throws {
        let source = chain.source.profile
        // Settings are looked up on the profile asked for, then on the roles from the top down, then on
        // the source profile: the nearest one wins.
        let searchOrder = ([chain.profile] + chain.roles.reversed().map(\.profile) + [source]).compactMap {
            name in files.profiles[name].map { (name: name, settings: $0) }
        }
        func setting(_ key: String) -> (value: String, profile: String)? {
            for (name, settings) in searchOrder {
                if let value = settings.value(key) { return (value, name) }
            }
            return nil
        }

        let sourceDescriptor = try Self.sourceDescriptor(chain, files: files, environment: environment)
        // Temporary credentials cannot get an MFA session (GetSessionToken): their roles take the code.
        let longLived = chain.source.givesLongLivedKeys
        let direct = setting("mfa_with_assume_role")?.value.lowercased() == "true" || !longLived
        let serial =
            chain.roles.first?.mfaSerial ?? (longLived ? files.profiles[source]?.value("mfa_serial") : nil)
        mfaProcess = setting("mfa_process")?.value
        if let (value, profile) = setting("mfa_prompt") {
            guard let choice = MFAPromptChoice(rawValue: value.lowercased()) else {
                throw ConfigError.invalidProfileValue(
                    profile: profile, name: "mfa_prompt", value: value, expected: "auto, terminal or pinentry"
                )
            }
            mfaPrompt = choice
        }
        if let seconds = try Self.wholeNumber(
            setting("mfa_prompt_timeout"), named: "mfa_prompt_timeout", in: 1...3600,
            "whole number of seconds")
        {
            mfaTimeout = Double(seconds)
        }
        lockKey = cacheKeys ? CacheKey(["lock", sourceDescriptor]) : .unset
        var needsSTS = !chain.roles.isEmpty || serial != nil
        if case .webIdentity = chain.source { needsSTS = true }
        guard needsSTS else { return }

        // A check makes no STS call: the proxy variables are not read.
        let proxies = cacheKeys ? nil : ProxyEnvironment.direct
        var configurations: [String: STSConfiguration] = [:]
        func configuration(_ profile: String) throws -> STSConfiguration {
            if let known = configurations[profile] { return known }
            let made = try STSConfiguration(
                profile: profile, files: files, environment: environment, proxies: proxies)
            configurations[profile] = made
            return made
        }
        sts = try configuration(chain.profile)
        roleSTS = try chain.roles.indices.map { index in
            try configuration(chain.topProfile(ofRoleAt: index))
        }
        let sourceSTS = try configuration(chain.topProfile(ofRoleAt: -1))
        self.sourceSTS = sourceSTS
        stsByTopProfile = configurations
        // Named by where the sessions are valid, not by the endpoint: roles in different regions of
        // one partition share the MFA session, so one code serves them all.
        let scope = sourceSTS.sessionScope

        if direct && !chain.roles.isEmpty {
            for (index, role) in chain.roles.enumerated() {
                if let roleSerial = role.mfaSerial { directMFASerials[index] = roleSerial }
            }
            mfaSerial = directMFASerials[0]
        } else if let serial, longLived {
            mfaSerial = serial
            mfaSessionDuration =
                try Self.wholeNumber(
                    setting("mfa_session_duration"), named: "mfa_session_duration", in: 900...129_600)
                ?? Self.defaultMFASessionDuration
            guard cacheKeys else { return }
            mfaSessionKey = CacheKey([
                "mfa-session", sourceDescriptor, serial, mfaSessionDuration.map(String.init), scope,
            ])
        }

        guard cacheKeys else { return }
        lockKey = CacheKey(["lock", sourceDescriptor, mfaSerial])
        roleKeys = Self.roleKeys(
            chain.roles, after: mfaSessionKey?.digest ?? sourceDescriptor,
            scopes: roleSTS.map(\.sessionScope),
            directMFASerials: directMFASerials)
        finalKey = roleKeys.last ?? mfaSessionKey
    }

    /// What the chain's credentials start from, as the cache keys name it: the keys themselves (through
    /// their profile or id), or the place temporary credentials come from. Only ever hashed.
    private static func sourceDescriptor(
        _ chain: CredentialChain, files: AWSConfigFiles, environment: [String: String]
    ) throws -> String {
        switch chain.source {
        case .keyring(let profile, _):
            return "keyring:" + profile
        case .plainTextKeys(let profile):
            return
                "plain:" + profile + ":" + (files.profiles[profile]?.value("aws_access_key_id") ?? "")
        case .environment:
            // The secret too: other keys under the same id must not be answered from this cache. The
            // descriptor is only ever hashed, never stored.
            return
                "environment:" + (environment["AWS_ACCESS_KEY_ID"] ?? "") + "\u{1F}"
                + (environment["AWS_SECRET_ACCESS_KEY"] ?? "")
        case .instanceMetadata:
            let metadata = try InstanceMetadataSource(
                profile: chain.profile, files: files, environment: environment)
            return "imds:" + metadata.endpoint
        case .containerEndpoint:
            // The endpoint tells one task's or pod's role from another's; the token is a secret.
            return
                "container:" + (ContainerEndpointSource.Location(environment: environment)?.descriptor ?? "")
        case .webIdentity(let web):
            return [
                "web-identity", web.profile, web.roleArn, web.tokenFile, web.sessionName ?? "-",
                web.durationSeconds.map(String.init) ?? "-",
            ].joined(separator: "\u{1F}")
        case .process(let profile, let command):
            return "process:" + profile + "\u{1F}" + command
        }
    }

    /// Each role step's cache key, chained: a step's key names the one it is assumed with, so nothing
    /// is answered from a session made with other credentials.
    private static func roleKeys(
        _ roles: [RoleStep], after first: String, scopes: [String], directMFASerials: [Int: String]
    ) -> [CacheKey] {
        var keys: [CacheKey] = []
        var previous = first
        for (index, role) in roles.enumerated() {
            let key = CacheKey([
                "role", previous, role.roleArn, role.externalId, role.sessionName,
                role.durationSeconds.map(String.init),
                scopes[index], directMFASerials[index],
            ])
            keys.append(key)
            previous = key.digest
        }
        return keys
    }

    /// A setting that must be a whole number within `range` (`what` says so in the error); nil when
    /// not set.
    private static func wholeNumber(
        _ setting: (value: String, profile: String)?, named key: String, in range: ClosedRange<Int>,
        _ what: String = "whole number"
    ) throws(ConfigError) -> Int? {
        guard let setting else { return nil }
        guard let number = Int(setting.value), range.contains(number) else {
            throw .invalidProfileValue(
                profile: setting.profile, name: key, value: setting.value,
                expected: "a \(what) from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}
