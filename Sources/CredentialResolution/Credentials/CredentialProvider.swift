import AWSConfigFile
import AWSQuery
import AWSXML
import CredentialValues
import KeyringItems
import SystemAccess
import TerminalAccess
import TextFormats

/// Produces the credentials for a profile: resolves its chain, answers from the session cache when it
/// can, and otherwise takes the source keys, gets an MFA session if the profile needs one, and assumes
/// the roles along the chain, caching what it gets.
///
/// Many processes asking at once (a tool starting a dozen SDK clients) are serialised per source of
/// keys by a process lock, so exactly one of them asks for an MFA code and calls STS; the others wait
/// and find the answer in the cache.
package struct CredentialProvider {
    package var files: AWSConfigFiles
    package var keyring: CredentialKeyring
    package var cache: SessionCache
    package var environment: [String: String]
    /// Where notes for the person go (stderr); never the credential document.
    package var diagnostics: (String) -> Void
    package var transport: any HTTPTransport
    /// Reads the JSON documents of credential_process and metadata sources.
    package var json: any JSONDecoding
    /// The time: expirations, session names and signing dates, the lock wait, the MFA prompt's and
    /// mfa_process's limits, STS's deadline and the waits between tries.
    package var clock: any TimeSource
    /// Opens the controlling terminal when a question must be asked; nil when there is none.
    package var openTerminal: () -> (any Terminal)?
    /// How long a process waits for another that is getting the same credentials.
    package var lockTimeout: Double = 180
    /// Whether the profile asked for may take its web identity settings from `AWS_WEB_IDENTITY_TOKEN_FILE`,
    /// `AWS_ROLE_ARN` and `AWS_ROLE_SESSION_NAME`: botocore does so unless the profile was named
    /// explicitly, so the command sets this when there was no `--profile`.
    package var webIdentityFromEnvironment = false

    package init(
        files: AWSConfigFiles, keyring: CredentialKeyring, cache: SessionCache? = nil,
        environment: [String: String], json: any JSONDecoding,
        diagnostics: @escaping (String) -> Void, transport: any HTTPTransport, clock: any TimeSource,
        openTerminal: @escaping () -> (any Terminal)?
    ) {
        self.files = files
        self.keyring = keyring
        self.cache = cache ?? SessionCache(keyring: keyring)
        self.environment = environment
        self.json = json
        self.diagnostics = diagnostics
        self.transport = transport
        self.clock = clock
        self.openTerminal = openTerminal
    }

    /// How STS is reached: this provider's transport and clock, the standard limits.
    package var stsConnection: QueryConnection { QueryConnection(transport: transport, clock: clock) }

    /// AWS limits a role session assumed with another role's credentials to one hour.
    static let roleChainingLimit = 3600
    /// botocore refreshes credentials that expire within 15 minutes, so handing out less would make
    /// every SDK call the helper again at once.
    static let minimumRemaining = 15 * 60
    /// An MFA session is still good for assuming roles while it has this much left.
    static let minimumSessionRemaining = 2 * 60

    package func credentials(profile: String, refresh: Bool = false) throws -> AWSCredentials {
        let (chain, plan) = try prepare(profile)
        guard let finalKey = plan.finalKey, plan.sts != nil else {
            return try sourceCredentials(chain, plan: plan)
        }
        if !refresh, let cached = try answer(finalKey, chain: chain) {
            return cached
        }

        let lock = try ProcessLock.acquire(
            name: plan.lockKey.digest, directory: PrivateDirectory.runtime(environment: environment),
            timeout: lockTimeout, clock: clock
        ) { holder in
            let note = """
                Waiting for another awskeyring-helper\(holder.map { " (pid \($0))" } ?? "") that is getting \
                credentials for '\(chain.source.profile)'...\n
                """
            // On the terminal, on a line of its own: the holder may be showing its MFA prompt there, and
            // the note must not continue that prompt's line.
            if let terminal = openTerminal() { terminal.write("\n" + note) } else { diagnostics(note) }
        }
        defer { withExtendedLifetime(lock) {} }

        // Another process may have done the work while this one waited.
        if !refresh, let cached = try answer(finalKey, chain: chain) {
            return cached
        }
        let result = try fetch(plan: plan, chain: chain, refresh: refresh)
        cache.removeExpired(now: clock.epochSeconds)
        return result
    }

    /// The credentials when the keyring alone has them: the cached final answer with enough time left,
    /// or the stored keys of a chain that makes no STS call. nil when they need STS, a prompt, a source
    /// program or a metadata service; the cached path of the awskeyring-helper program.
    package func credentialsFromKeyring(profile: String) throws -> AWSCredentials? {
        let (chain, plan) = try prepare(profile)
        guard let finalKey = plan.finalKey, plan.sts != nil else {
            if case .keyring = chain.source { return try sourceCredentials(chain, plan: plan) }
            return nil
        }
        return try answer(finalKey, chain: chain)
    }

    /// The chain and the plan for `profile`, once a chain through this helper is known not to loop.
    private func prepare(_ profile: String) throws -> (CredentialChain, CredentialPlan) {
        let chain = try resolver.chain(for: profile)
        let plan = try CredentialPlan(chain: chain, files: files, environment: environment)
        try HelperCallChain.check(chain, environment: environment)
        // A person answering the keyring provider's own dialog gets as long as for an MFA code.
        keyring.allowDialogs(seconds: plan.mfaTimeout)
        return (chain, plan)
    }

    /// The cached final answer for the chain, with enough time left to hand out.
    private func answer(_ key: CacheKey, chain: CredentialChain) throws -> AWSCredentials? {
        let source: CachedSource
        switch chain.source {
        case .keyring(let profile, _): source = .storedKeys(profile: profile)
        case .plainTextKeys(let profile): source = .fixed(plainTextSourceKey(profile))
        default: source = .fixed(nil)
        }
        return try cache.answer(
            key, profile: chain.profile, sourceProfile: chain.source.profile, source: source,
            now: clock.epochSeconds,
            minimumRemaining: Self.minimumRemaining)
    }

    /// A cached intermediate step (an MFA session, a role early in the chain) made from `sourceKey` and
    /// still good to build on.
    private func validCached(_ key: CacheKey, sourceKey: String?, minimum: Int) throws
        -> AWSCredentials?
    {
        try cache.entry(key, sourceKey: sourceKey, now: clock.epochSeconds, minimumRemaining: minimum)
    }

    /// The long-lived keys a chain starts from, read once per fetch, and the digest that binds cached
    /// sessions to them (nil where the cache key names the source exactly).
    private func boundSource(_ chain: CredentialChain, plan: CredentialPlan) throws -> (
        keys: AWSCredentials?, sourceKey: String?
    ) {
        switch chain.source {
        case .keyring:
            let keys = try sourceCredentials(chain, plan: plan)
            return (keys, SessionCache.sourceKey(keys))
        case .plainTextKeys(let profile):
            return (nil, plainTextSourceKey(profile))
        default:
            return (nil, nil)
        }
    }

    private func plainTextSourceKey(_ profile: String) -> String {
        let settings = files.profiles[profile] ?? [:]
        return SessionCache.sourceKey(
            AWSCredentials(
                accessKeyId: settings.value("aws_access_key_id") ?? "",
                secretAccessKey: settings.value("aws_secret_access_key") ?? "",
                sessionToken: settings.value("aws_session_token")))
    }

    private func fetch(plan: CredentialPlan, chain: CredentialChain, refresh: Bool)
        throws
        -> AWSCredentials
    {
        var mfa = MFATokenSource(
            mfaProcess: plan.mfaProcess, terminal: plan.mfaSerial == nil ? nil : mfaPrompt(chain, plan: plan),
            profile: chain.profile, environment: environment, clock: clock)
        mfa.timeout = plan.mfaTimeout

        let source = try boundSource(chain, plan: plan)
        // The deepest role step still cached lets the walk start after it, with no MFA.
        if !refresh {
            for index in stride(from: plan.roleKeys.count - 2, through: 0, by: -1) {
                if let cached = try validCached(
                    plan.roleKeys[index], sourceKey: source.sourceKey, minimum: Self.minimumSessionRemaining)
                {
                    return try assumeRoles(
                        plan: plan, chain: chain, from: index + 1, credentials: cached, chained: true,
                        sourceKey: source.sourceKey, mfa: mfa)
                }
            }
        }

        var credentials: AWSCredentials
        if let keys = source.keys {
            credentials = keys
        } else {
            credentials = try sourceCredentials(chain, plan: plan)
        }
        if let sessionKey = plan.mfaSessionKey, let serial = plan.mfaSerial,
            let configuration = plan.sourceSTS
        {
            let sts = STSClient(configuration: configuration, connection: stsConnection)
            // A session that is itself the answer must have as much time left as any answer.
            let minimum = chain.roles.isEmpty ? Self.minimumRemaining : Self.minimumSessionRemaining
            if let cached = try validCached(sessionKey, sourceKey: source.sourceKey, minimum: minimum) {
                credentials = cached
            } else {
                let session = try withMFACode(serial: serial, source: mfa) { code throws(AWSQueryError) in
                    try sts.getSessionToken(
                        durationSeconds: plan.mfaSessionDuration, serialNumber: serial, tokenCode: code,
                        with: credentials)
                }.credentials
                store(
                    session, key: sessionKey, profile: chain.source.profile, chain: chain,
                    sourceKey: source.sourceKey, what: "MFA session of \(serial)", final: chain.roles.isEmpty)
                credentials = session
            }
        }
        return try assumeRoles(
            plan: plan, chain: chain, from: 0, credentials: credentials,
            chained: chain.source.givesRoleCredentials, sourceKey: source.sourceKey, mfa: mfa)
    }

    private func assumeRoles(
        plan: CredentialPlan, chain: CredentialChain, from start: Int, credentials: AWSCredentials,
        chained: Bool, sourceKey: String?, mfa: MFATokenSource
    ) throws -> AWSCredentials {
        var credentials = credentials
        var chained = chained
        for index in start..<chain.roles.count {
            let role = chain.roles[index]
            let sts = STSClient(configuration: plan.roleSTS[index], connection: stsConnection)
            var parameters = Self.parameters(for: role, chained: chained, now: clock.epochSeconds)
            if let asked = role.durationSeconds, let capped = parameters.durationSeconds, capped < asked {
                diagnostics(
                    """
                    note: profile '\(role.profile)' asks for duration_seconds = \(asked), but a role assumed with \
                    another role's credentials lasts at most \(capped) s (AWS's limit on role chaining); asking \
                    for \(capped) s
                    """)
            }
            let result: STSCredentialsResult
            if let serial = plan.directMFASerials[index] {
                let source = credentials
                result = try withMFACode(serial: serial, source: mfa) { code throws(AWSQueryError) in
                    parameters.serialNumber = serial
                    parameters.tokenCode = code
                    return try sts.assumeRole(parameters, with: source)
                }
            } else {
                result = try sts.assumeRole(parameters, with: credentials)
            }
            credentials = result.credentials
            store(
                credentials, key: plan.roleKeys[index], profile: role.profile, chain: chain,
                sourceKey: sourceKey, what: role.roleArn, final: index == chain.roles.count - 1)
            chained = true
        }
        return credentials
    }

    /// Gets a code and makes the call, asking again (up to three tries) when STS rejects the code and a
    /// person can type a new one.
    private func withMFACode<T>(
        serial: String, source: MFATokenSource, _ call: (String) throws(AWSQueryError) -> T
    ) throws -> T {
        var rejected = false
        var tries = 0
        while true {
            tries += 1
            let code = try source.code(serial: serial, previousRejected: rejected)
            do throws(AWSQueryError) {
                return try call(code)
            } catch {
                guard error.serviceError?.isRejectedMFACode == true, source.canAskAgain, tries < 3 else {
                    throw error
                }
                rejected = true
            }
        }
    }

    private func store(
        _ credentials: AWSCredentials, key: CacheKey, profile: String, chain: CredentialChain,
        sourceKey: String?, what: String, final: Bool
    ) {
        do {
            try cache.store(
                credentials, key: key, profile: profile, sourceProfile: chain.source.profile,
                sourceKey: sourceKey, description: what,
                final: final, now: clock.epochSeconds, minimumRemaining: Self.minimumRemaining)
        } catch {
            // The credentials are good; failing to cache them only costs a later call.
            diagnostics("note: could not cache the session: \(error)")
        }
    }

    /// The session name when the profile names none (`role_session_name`), as for every role this tool
    /// assumes: the tool and the time, so CloudTrail tells the sessions apart.
    static func defaultSessionName(now: Int) -> String { "awskeyring-helper-\(now)" }

    /// The AssumeRole call for a step: the default session name, and the one-hour cap AWS puts on a
    /// role assumed with role credentials (asking for more would fail the call).
    package static func parameters(for role: RoleStep, chained: Bool, now: Int)
        -> STSClient.AssumeRoleParameters
    {
        var duration = role.durationSeconds
        if chained, let requested = duration, requested > roleChainingLimit {
            duration = roleChainingLimit
        }
        return STSClient.AssumeRoleParameters(
            roleArn: role.roleArn,
            sessionName: role.sessionName ?? defaultSessionName(now: now),
            durationSeconds: duration,
            externalId: role.externalId
        )
    }

    package var resolver: ProfileResolver {
        ProfileResolver(
            files: files, environment: environment, webIdentityFromEnvironment: webIdentityFromEnvironment)
    }

    /// The first credentials of a chain. Those with an expiry from IMDS, the container endpoint, a
    /// credential_process or web identity are not cached themselves; the roles assumed with them are.
    package func sourceCredentials(_ chain: CredentialChain, plan: CredentialPlan) throws
        -> AWSCredentials
    {
        try chain.source.fetcher.credentials(for: chain, plan: plan, provider: self)
    }

    /// Why a chain whose source is keyring keys cannot start. For a profile in no file: a typo in a
    /// `source_profile` is named as such (storing keys under the typo would be the wrong fix), and the
    /// nearest known names (from the files and `storedProfiles`) are suggested.
    package static func missingKeysMessage(
        profile: String, inConfig: Bool, files: AWSConfigFiles, sourceProfileOf: String? = nil,
        storedProfiles: [String] = []
    ) -> String {
        if inConfig {
            return """
                no keys are stored in the keyring for profile '\(profile)'; store them with \
                'awskeyring-helper store --profile \(ShellQuoting.word(profile))'
                """
        }
        let suggestions = NameSuggestion.closest(
            to: profile, among: Array(files.profiles.keys) + storedProfiles)
        let question = suggestions.isEmpty ? "" : NameSuggestion.question(suggestions) + " "
        if let sourceProfileOf {
            // With a near name it is a typo: storing keys under it would be the wrong fix. Without one,
            // the name may be meant for keys kept only in the keyring.
            let fix =
                suggestions.isEmpty
                ? """
                correct source_profile in profile '\(sourceProfileOf)', or, if '\(profile)' is meant to hold \
                keys kept only in the keyring, store them with 'awskeyring-helper store --profile \(ShellQuoting.word(profile))'
                """
                : "\(question)correct source_profile in profile '\(sourceProfileOf)'"
            return """
                source_profile '\(profile)' of profile '\(sourceProfileOf)' does not exist: no such profile \
                in \(files.configPath) or \(files.credentialsPath), and no keys are stored under that name; \
                \(fix)
                """
        }
        if !suggestions.isEmpty {
            return """
                profile '\(profile)' is not in \(files.configPath) or \(files.credentialsPath), and no keys \
                are stored in the keyring under that name; \(question)(to use this name, store keys with \
                'awskeyring-helper store --profile \(ShellQuoting.word(profile))')
                """
        }
        return """
            profile '\(profile)' is not in \(files.configPath) or \(files.credentialsPath), and no keys are \
            stored in the keyring under that name; store them with 'awskeyring-helper store --profile \
            \(ShellQuoting.word(profile))', or check the profile name
            """
    }
}
