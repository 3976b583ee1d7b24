/// What `explain` shows: the files read, a profile's merged settings, and the steps that produce its
/// credentials. Values of secret settings are replaced by a marker: `explain` output is meant to be
/// pasted into tickets.
public struct ProfileExplanation {
    public static let redacted = "<redacted>"
    static let secretSettings: Set<String> = [
        "aws_secret_access_key", "aws_session_token", "aws_security_token",
    ]

    public var profile: String
    public var files: AWSConfigFiles
    public var chain: CredentialChain
    var plan: CredentialPlan
    /// Whether keys are stored for the chain's source profile; nil when the keyring was not consulted.
    public var sourceKeysStored: Bool?

    public init(
        profile: String, files: AWSConfigFiles, environment: [String: String], sourceKeysStored: Bool?
    ) throws(HelperError) {
        self.profile = profile
        self.files = files
        self.chain = try ProfileResolver(files: files).chain(for: profile)
        self.plan = try CredentialPlan(chain: chain, files: files, environment: environment)
        self.sourceKeysStored = sourceKeysStored
        if case .keyring(let name, false) = chain.source, sourceKeysStored != true {
            throw HelperError(
                CredentialProvider.missingKeysMessage(profile: name, inConfig: false, files: files))
        }
    }

    /// The profile's merged settings (botocore's map), secret values redacted.
    public var settings: ConfigSettings {
        var settings = files.profiles[profile] ?? [:]
        for key in settings.keys where Self.secretSettings.contains(key) {
            settings[key] = .string(Self.redacted)
        }
        return settings
    }

    public var json: JSONValue {
        .object(
            [
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
                + (plan.sts.map { sts in
                    [
                        (
                            "sts",
                            JSONValue.object([
                                ("endpoint", .string(sts.endpoint)),
                                ("signingRegion", .string(sts.signingRegion)),
                                ("endpointSource", .string(sts.endpointSource)),
                                ("maxAttempts", .integer(sts.maxAttempts)),
                            ])
                        )
                    ]
                } ?? []))
    }

    public var text: String {
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
        lines.append("Credentials:")
        for (index, step) in steps.enumerated() {
            lines.append("  \(index + 1). \(step.text)")
        }
        if let sts = plan.sts {
            lines.append("")
            lines.append("STS: \(sts.endpoint), signed for \(sts.signingRegion) (\(sts.endpointSource))")
        }
        if plan.finalKey != nil {
            lines.append(
                "Results are cached in the keyring and handed out while more than 15 minutes remain.")
        }
        return lines.joined(separator: "\n")
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
        var steps = [Step(source: chain.source, keysStored: sourceKeysStored)]
        if let serial = plan.mfaSerial, let duration = plan.mfaSessionDuration {
            steps.append(Step(mfaSessionSerial: serial, duration: duration, codeFrom: plan.mfaProcess))
        }
        for (index, role) in chain.roles.enumerated() {
            let chained = index > 0
            let parameters = CredentialProvider.parameters(for: role, chained: chained, now: 0)
            steps.append(
                Step(
                    role: role, effectiveDuration: parameters.durationSeconds,
                    directMFA: plan.directMFASerials[index]))
        }
        return steps
    }

    private struct Step {
        var json: JSONValue
        var text: String

        init(source: CredentialSource, keysStored: Bool?) {
            switch source {
            case .keyring(let profile, _):
                let state = keysStored.map {
                    $0 ? "stored" : "NOT stored: run 'awskeyring-helper store --profile \(profile)'"
                }
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
