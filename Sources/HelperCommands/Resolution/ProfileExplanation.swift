import AWSConfigFile
import AWSQuery
import CredentialResolution
import Keyring
import TextFormats

/// What `explain` shows: the files read, a profile's merged settings, and the steps that produce its
/// credentials. Values of secret settings are replaced by a marker: `explain` output is meant to be
/// pasted into tickets.
///
/// A profile whose chain does not resolve is explained too (it is the one someone wants to diagnose):
/// the settings, the chain as far as it resolves from the profile asked for, and the break itself.
package struct ProfileExplanation {
    package static let redacted = "<redacted>"
    static let secretSettings: Set<String> = [
        "aws_secret_access_key", "aws_session_token", "aws_security_token",
    ]

    /// What the keyring said about stored keys; it is asked only when the chain starts with keyring keys.
    package enum KeyringCheck: Sendable, Equatable {
        case notNeeded
        case read(profilesWithKeys: [String])
        /// The keyring could not be read (no D-Bus session, no Secret Service, locked): why.
        case unreachable(KeyringError)
    }

    /// Where a chain stops resolving, and why.
    package struct ChainBreak: Sendable, Equatable {
        package var profile: String
        package var message: String
    }

    package var profile: String
    package var files: AWSConfigFiles
    package var walk: ChainWalk
    package var keyring: KeyringCheck
    /// nil when the chain does not resolve, or its STS and MFA settings do not work out.
    var plan: CredentialPlan?
    /// nil when the chain resolves.
    package private(set) var chainBreak: ChainBreak?

    var environment: [String: String]

    /// - Parameter webIdentityFromEnvironment: as `CredentialProvider.webIdentityFromEnvironment`.
    /// - Throws: only for a profile that is in neither file and has no keys in the keyring (nothing to
    ///   explain); the message suggests the nearest known names.
    package init(
        profile: String, files: AWSConfigFiles, environment: [String: String], keyring: KeyringCheck,
        webIdentityFromEnvironment: Bool = false
    ) throws {
        self.profile = profile
        self.files = files
        self.environment = environment
        self.keyring = keyring
        self.walk = ProfileResolver(
            files: files, environment: environment, webIdentityFromEnvironment: webIdentityFromEnvironment
        ).walk(from: profile)
        switch walk {
        case .broken(let broken):
            chainBreak = ChainBreak(profile: broken.brokenProfile, message: broken.error.description)
        case .complete(let chain):
            if case .keyring(_, false) = chain.source, case .unreachable(let error) = keyring,
                files.profiles[profile] == nil
            {
                // A profile only the keyring could know cannot be explained without it.
                throw error
            }
            if case .keyring(let name, false) = chain.source, case .unreachable = keyring,
                let namedBy = chain.missingSourceProfileOf
            {
                breakAtSource(of: chain, namedBy: namedBy)
                chainBreak = ChainBreak(
                    profile: namedBy,
                    message: """
                        source_profile '\(name)' of profile '\(namedBy)' does not exist in \(files.configPath) or \
                        \(files.credentialsPath) (the keyring, which could hold keys under that name, could not be \
                        read); correct source_profile in profile '\(namedBy)'
                        """)
                return
            }
            if case .keyring(let name, false) = chain.source, case .read(let stored) = keyring,
                !stored.contains(name)
            {
                let message = CredentialProvider.missingKeysMessage(
                    profile: name, inConfig: false, files: files,
                    sourceProfileOf: chain.missingSourceProfileOf, storedProfiles: stored)
                guard let namedBy = chain.missingSourceProfileOf else {
                    // Only a profile named through the files is worth explaining.
                    if files.profiles[profile] == nil {
                        throw CredentialError.noKeys(profile: name, message: message)
                    }
                    chainBreak = ChainBreak(profile: name, message: message)
                    return
                }
                breakAtSource(of: chain, namedBy: namedBy)
                chainBreak = ChainBreak(profile: namedBy, message: message)
                return
            }
            do {
                plan = try CredentialPlan(chain: chain, files: files, environment: environment)
            } catch {
                chainBreak = ChainBreak(profile: profile, message: "\(error)")
            }
        }
    }

    /// Shows a chain whose source_profile names no profile as broken there: the roles down to it, and
    /// no keyring step (which would suggest storing keys under the mistyped name).
    private mutating func breakAtSource(of chain: CredentialChain, namedBy: String) {
        walk = .broken(
            BrokenChain(
                profile: chain.profile, roles: chain.roles.reversed(),
                handOffs: chain.handOffs.map {
                    HelperHandOff(
                        profile: $0.profile, target: $0.target, position: chain.roles.count - $0.position)
                }, brokenProfile: namedBy,
                error: .sourceProfileNotFound(chain.source.profile, namedBy: namedBy)))
    }

    /// The chain, when it resolves.
    package var chain: CredentialChain? {
        if case .complete(let chain) = walk { return chain }
        return nil
    }

    /// Whether keys are stored for the chain's source profile; nil when the keyring was not consulted
    /// or could not be read.
    package var sourceKeysStored: Bool? {
        guard let chain, case .keyring(let name, _) = chain.source, case .read(let stored) = keyring else {
            return nil
        }
        return stored.contains(name)
    }

    var keyringProblem: String? {
        if case .unreachable(let error) = keyring { return error.description }
        return nil
    }

    /// The profile's merged settings (botocore's map), secret values redacted.
    package var settings: ConfigSettings {
        var settings = files.profiles[profile] ?? [:]
        for key in settings.keys where Self.secretSettings.contains(key) {
            settings[key] = .string(Self.redacted)
        }
        return settings
    }

    package var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("profile", .string(profile)),
            (
                "files",
                .object([
                    (
                        "config",
                        .object([
                            ("path", .string(files.configPath)), ("found", .bool(files.configFileFound)),
                        ])
                    ),
                    (
                        "credentials",
                        .object([
                            ("path", .string(files.credentialsPath)),
                            ("found", .bool(files.credentialsFileFound)),
                        ])
                    ),
                ])
            ),
            ("settings", Self.json(settings)),
            ("chain", .array(steps.map(\.json))),
        ]
        if let chainBreak {
            members.append(
                (
                    "break",
                    .object([
                        ("profile", .string(chainBreak.profile)), ("error", .string(chainBreak.message)),
                    ])
                ))
        }
        switch keyring {
        case .notNeeded: break
        case .read: members.append(("keyring", .object([("reachable", .bool(true))])))
        case .unreachable(let error):
            members.append(
                ("keyring", .object([("reachable", .bool(false)), ("error", .string(error.description))])))
        }
        if let sts = plan?.sts {
            members.append(
                (
                    "sts",
                    JSONValue.object([
                        ("endpoint", .string(sts.endpoint)),
                        ("signingRegion", .string(sts.signingRegion)),
                        ("endpointSource", .string(sts.endpointSource)),
                        ("maxAttempts", .integer(sts.maxAttempts)),
                    ])
                ))
            let below = handOffSTS(differingFrom: sts)
            if !below.isEmpty {
                members.append(
                    (
                        "stsBelowHandOffs",
                        .array(
                            below.map { handOff, own in
                                .object([
                                    ("profile", .string(handOff.profile)),
                                    ("target", .string(handOff.target)),
                                    ("endpoint", .string(own.endpoint)),
                                    ("signingRegion", .string(own.signingRegion)),
                                    ("endpointSource", .string(own.endpointSource)),
                                ])
                            })
                    ))
            }
        }
        return .object(members)
    }

    package var text: String {
        var lines = ["Profile '\(profile)'"]
        lines.append("  config file:      \(files.configPath)\(files.configFileFound ? "" : " (not found)")")
        lines.append(
            "  credentials file: \(files.credentialsPath)\(files.credentialsFileFound ? "" : " (not found)")")
        lines.append("")
        if files.profiles[profile] == nil {
            lines.append("Settings: none (the profile has no section in either file)")
        } else {
            lines.append("Settings (credentials file values override config file values):")
            for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
                switch value {
                case .string(let text): lines.append("  \(key) = \(text)")
                case .nested(let map):
                    lines.append("  \(key) =")
                    for (subkey, subvalue) in map.sorted(by: { $0.key < $1.key }) {
                        lines.append("    \(subkey) = \(subvalue)")
                    }
                }
            }
        }
        lines.append("")
        if case .broken = walk {
            lines.append("Credentials (the chain breaks; from '\(profile)' down to the break):")
        } else if chainBreak != nil {
            lines.append("Credentials (the chain breaks):")
        } else {
            lines.append("Credentials:")
        }
        for (index, step) in steps.enumerated() {
            lines.append("  \(index + 1). \(step.text)")
        }
        if let keyringProblem {
            lines.append("")
            lines.append("Keyring: could not be read, so stored keys were not checked: \(keyringProblem)")
        }
        if let sts = plan?.sts {
            lines.append("")
            lines.append("STS: \(sts.endpoint), signed for \(sts.signingRegion) (\(sts.endpointSource))")
            for (handOff, own) in handOffSTS(differingFrom: sts) {
                lines.append(
                    """
                    STS below '\(handOff.profile)' (its credential_process is this helper for '\(handOff.target)', \
                    whose settings apply there): \(own.endpoint), signed for \(own.signingRegion) (\(own.endpointSource))
                    """)
            }
        }
        if plan?.finalKey != nil {
            lines.append(
                "Results are cached in the keyring and handed out while more than 15 minutes remain.")
        }
        return lines.joined(separator: "\n")
    }

    /// The hand-offs below which STS is called with other settings than the profile asked for's (the
    /// region or endpoint of the profile the credential_process names).
    private func handOffSTS(differingFrom top: STSConfiguration) -> [(HelperHandOff, STSConfiguration)] {
        guard case .complete(let chain) = walk, let plan else { return [] }
        return chain.handOffs.compactMap { handOff in
            guard let own = plan.stsByTopProfile[handOff.target],
                own.endpoint != top.endpoint || own.signingRegion != top.signingRegion
            else { return nil }
            return (handOff, own)
        }
    }

    private static func json(_ settings: ConfigSettings) -> JSONValue {
        .object(
            settings.sorted(by: { $0.key < $1.key }).map { key, value in
                switch value {
                case .string(let text): return (key, .string(text))
                case .nested(let map):
                    return (
                        key, .object(map.sorted(by: { $0.key < $1.key }).map { ($0.key, .string($0.value)) })
                    )
                }
            })
    }

    private var steps: [Step] {
        var steps: [Step]
        switch walk {
        case .broken(let broken):
            // The order of the walk: from the profile asked for towards the source it never reached.
            steps = []
            for (index, role) in broken.roles.enumerated() {
                for handOff in broken.handOffs where handOff.position == index {
                    steps.append(Step(handOff: handOff))
                }
                steps.append(Step(role: role, effectiveDuration: role.durationSeconds, directMFA: nil))
            }
            for handOff in broken.handOffs where handOff.position >= broken.roles.count {
                steps.append(Step(handOff: handOff))
            }
        case .complete(let chain):
            steps = executionSteps(chain)
        }
        if let chainBreak { steps.append(Step(chainBreak: chainBreak)) }
        return steps
    }

    /// A chain that resolves, in the order its calls are made: the source first.
    private func executionSteps(_ chain: CredentialChain) -> [Step] {
        var steps = [
            Step(
                source: chain.source, keysStored: sourceKeysStored, keyringProblem: keyringProblem,
                context: sourceContext(chain))
        ]
        if let plan, let serial = plan.mfaSerial, let duration = plan.mfaSessionDuration {
            steps.append(Step(mfaSessionSerial: serial, duration: duration, codeFrom: plan.mfaProcess))
        }
        func handOffs(at position: Int) {
            for handOff in chain.handOffs where handOff.position == position {
                steps.append(Step(handOff: handOff))
            }
        }
        defer { handOffs(at: chain.roles.count) }
        for (index, role) in chain.roles.enumerated() {
            handOffs(at: index)
            let chained = index > 0 || chain.source.givesRoleCredentials
            let parameters = CredentialProvider.parameters(for: role, chained: chained, now: 0)
            steps.append(
                Step(
                    role: role, effectiveDuration: parameters.durationSeconds,
                    directMFA: plan?.directMFASerials[index]))
        }
        return steps
    }

    /// What the source steps show beyond the chain: where IMDS and the container endpoint are.
    private func sourceContext(_ chain: CredentialChain) -> SourceContext {
        SourceContext(
            instanceMetadata: try? InstanceMetadataSource(
                profile: chain.profile, files: files, environment: environment),
            containerURL: ContainerEndpointSource.Location(environment: environment)?.url,
            containerAuthorization: environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] != nil
                ? "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
                : environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"] != nil
                    ? "AWS_CONTAINER_AUTHORIZATION_TOKEN" : nil)
    }

    private struct SourceContext {
        var instanceMetadata: InstanceMetadataSource?
        var containerURL: String?
        var containerAuthorization: String?
    }

    private struct Step {
        var json: JSONValue
        var text: String

        init(handOff: HelperHandOff) {
            json = .object([
                ("type", .string("helper-credential-process")), ("profile", .string(handOff.profile)),
                ("target", .string(handOff.target)),
            ])
            text =
                "profile '\(handOff.profile)' gets its credentials from awskeyring-helper for '\(handOff.target)': "
                + "resolved here, without starting another process"
        }

        init(chainBreak: ChainBreak) {
            json = .object([
                ("type", .string("break")), ("profile", .string(chainBreak.profile)),
                ("error", .string(chainBreak.message)),
            ])
            text = "BROKEN at profile '\(chainBreak.profile)': \(chainBreak.message)"
        }

        init(source: CredentialSource, keysStored: Bool?, keyringProblem: String?, context: SourceContext) {
            switch source {
            case .instanceMetadata(let profile):
                var members: [(String, JSONValue)] = [
                    ("type", .string("instance-metadata")), ("profile", .string(profile)),
                ]
                var details: [String] = []
                if let metadata = context.instanceMetadata {
                    members += [
                        ("endpoint", .string(metadata.endpoint)),
                        ("timeoutSeconds", .integer(Int(metadata.timeout))),
                        ("attempts", .integer(metadata.attempts)), ("disabled", .bool(metadata.disabled)),
                    ]
                    details.append(
                        "\(metadata.endpoint), timeout \(Int(metadata.timeout)) s, \(metadata.attempts) attempt(s)"
                    )
                    if metadata.disabled { details.append("but AWS_EC2_METADATA_DISABLED=true turns it off") }
                }
                json = .object(members)
                text =
                    "the EC2 instance role's credentials from the instance metadata service (IMDSv2; "
                    + "credential_source of '\(profile)')"
                    + (details.isEmpty ? "" : ": " + details.joined(separator: ", "))
            case .containerEndpoint(let profile):
                json = .object([
                    ("type", .string("container-endpoint")), ("profile", .string(profile)),
                    ("url", context.containerURL.map(JSONValue.string) ?? .null),
                    ("authorization", context.containerAuthorization.map(JSONValue.string) ?? .null),
                ])
                let url =
                    context.containerURL
                    ?? "not set here (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / AWS_CONTAINER_CREDENTIALS_FULL_URI)"
                text =
                    "the task's or pod's role credentials from the container endpoint (credential_source of "
                    + "'\(profile)'): \(url)"
                    + (context.containerAuthorization.map { ", Authorization from \($0)" } ?? "")
            case .webIdentity(let web):
                var members: [(String, JSONValue)] = [
                    ("type", .string("web-identity")), ("profile", .string(web.profile)),
                    ("roleArn", .string(web.roleArn)), ("tokenFile", .string(web.tokenFile)),
                ]
                if let name = web.sessionName { members.append(("sessionName", .string(name))) }
                if let duration = web.durationSeconds {
                    members.append(("durationSeconds", .integer(duration)))
                }
                if !web.fromEnvironment.isEmpty {
                    members.append(("fromEnvironment", .array(web.fromEnvironment.map(JSONValue.string))))
                }
                json = .object(members)
                text =
                    "AssumeRoleWithWebIdentity \(web.roleArn) (profile '\(web.profile)', unsigned) with the token "
                    + "read from \(web.tokenFile)"
                    + (web.fromEnvironment.isEmpty
                        ? "" : "; from the environment: " + web.fromEnvironment.joined(separator: ", "))
            case .process(let profile, let command):
                json = .object([
                    ("type", .string("credential-process")), ("profile", .string(profile)),
                    ("command", .string(command)),
                ])
                text =
                    "the credentials printed by the credential_process of profile '\(profile)': \(command) "
                    + "(run when needed, not cached itself)"
            case .keyring(let profile, _):
                let state =
                    keysStored.map {
                        $0
                            ? "stored"
                            : "NOT stored: run 'awskeyring-helper store --profile \(ShellQuoting.word(profile))'"
                    } ?? keyringProblem.map { _ in "not checked: the keyring could not be read" }
                json = .object(
                    [("type", .string("keyring")), ("profile", .string(profile))]
                        + (keysStored.map { [("stored", JSONValue.bool($0))] } ?? []))
                text =
                    "long-lived keys of profile '\(profile)' from the keyring"
                    + (state.map { " (\($0))" } ?? "")
            case .plainTextKeys(let profile):
                json = .object([("type", .string("plain-text-keys")), ("profile", .string(profile))])
                text =
                    "long-lived keys written in plain text in profile '\(profile)' (move them into the keyring)"
            case .environment(let profile):
                json = .object([("type", .string("environment")), ("profile", .string(profile))])
                text =
                    "keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (credential_source of '\(profile)')"
            }
        }

        init(mfaSessionSerial serial: String, duration: Int, codeFrom process: String?) {
            let source = process == nil ? "typed on the terminal" : "printed by mfa_process"
            json = .object([
                ("type", .string("mfa-session")), ("mfaSerial", .string(serial)),
                ("durationSeconds", .integer(duration)),
                ("code", .string(process == nil ? "terminal" : "mfa_process")),
            ])
            text =
                "GetSessionToken with MFA \(serial), code \(source); the session lasts \(duration) s and serves every role below"
        }

        init(role: RoleStep, effectiveDuration: Int?, directMFA: String?) {
            var members: [(String, JSONValue)] = [
                ("type", .string("assume-role")), ("profile", .string(role.profile)),
                ("roleArn", .string(role.roleArn)),
            ]
            var details: [String] = []
            if let externalId = role.externalId {
                members.append(("externalId", .string(externalId)))
                details.append("external id \(externalId)")
            }
            if let sessionName = role.sessionName {
                members.append(("sessionName", .string(sessionName)))
                details.append("session name \(sessionName)")
            }
            if let duration = effectiveDuration {
                members.append(("durationSeconds", .integer(duration)))
                if let asked = role.durationSeconds, asked != duration {
                    details.append(
                        "\(duration) s (asked \(asked) s; AWS allows one hour for a role assumed with role credentials)"
                    )
                } else {
                    details.append("\(duration) s")
                }
            }
            if let directMFA {
                members.append(("mfaSerial", .string(directMFA)))
                details.append("MFA code passed to AssumeRole (\(directMFA))")
            }
            json = .object(members)
            text =
                "AssumeRole \(role.roleArn) (profile '\(role.profile)')"
                + (details.isEmpty ? "" : ": " + details.joined(separator: ", "))
        }
    }
}
