import AWSConfigFile
import AWSQuery
import CredentialResolution
import Keyring
import KeyringItems
import ProcessControl
import SystemAccess
import TextFormats

/// One check of `doctor`: what was checked, how it stands, and what to do when it is a problem.
package struct DoctorFinding: Sendable, Equatable {
    package var ok: Bool
    package var subject: String
    package var detail: String
    package var fix: String?

    package init(ok: Bool, subject: String, detail: String, fix: String? = nil) {
        self.ok = ok
        self.subject = subject
        self.detail = detail
        self.fix = fix
    }

    /// `ok      subject: detail` or `problem subject: detail -- fix: ...`, one line.
    package var line: String {
        let text = "\(ok ? "ok     " : "problem") \(subject): \(detail)"
        guard let fix else { return text }
        return text + " -- fix: " + fix
    }
}

/// `doctor`: checks what the tool needs, from the D-Bus session bus to each profile's chain. Everything it
/// looks at comes in as parameters. Only the IAM check (see `DoctorLeftovers`) reads stored secrets, to
/// sign ListAccessKeys, and only when given a transport.
package struct DoctorChecks {
    package var health: SecretServiceHealth
    /// Which program answers as the Secret Service (see DoctorProvider.swift); nil: not looked at.
    package var provider: Result<SecretServiceProvider, KeyringError>?
    package var keyring: CredentialKeyring
    package var environment: [String: String]
    package var readFile: (String) throws(ConfigFileError) -> [UInt8]?
    /// Finds a credential_process program as execvp would, in the environment's PATH.
    var findProgram: (String, String?) -> String? = Processes.executablePath
    /// The gnome-keyring-daemons keeping the keyring files this environment names.
    var daemonsSharingKeyring: ([String: String]) -> [KeyringDaemons.Daemon] = {
        KeyringDaemons.sharingKeyring(environment: $0)
    }
    /// Lists a directory's entry names (nil when it cannot be read); for leftover backups.
    package var listDirectory: (String) -> [String]? = DoctorChecks.directoryEntries
    /// How IAM is reached to look for spare access keys; nil asks nothing (offline).
    package var iamTransport: (any HTTPTransport)?
    /// Stored keys whose IAM CreateDate is older than this many days are a problem (online only).
    package var maxKeyAgeDays = 90
    /// Times the IAM check against its budget, and signs and paces its calls.
    package var clock: any TimeSource

    package init(
        health: SecretServiceHealth, keyring: CredentialKeyring, environment: [String: String],
        clock: any TimeSource,
        readFile: @escaping (String) throws(ConfigFileError) -> [UInt8]? = ConfigFileAccess.readFile(atPath:)
    ) {
        self.health = health
        self.keyring = keyring
        self.environment = environment
        self.clock = clock
        self.readFile = readFile
    }

    package func findings() -> [DoctorFinding] {
        var findings = keyringFindings()
        switch health {
        case .noSessionBus, .noService: break
        default: findings += providerFindings()
        }
        let profilesWithKeys: Set<String>?
        if case .defaultCollection = health {
            profilesWithKeys = (try? keyring.profilesWithKeys()).map(Set.init)
        } else {
            profilesWithKeys = nil
        }
        let (fileFindings, files) = fileChecks()
        findings += fileFindings
        if let files {
            let plainText = plainTextKeyFindings(files)
            findings += plainText
            // A profile whose plain-text keys are a problem is not also "ok" for resolving to them.
            let reported = Set(plainText.map(\.subject))
            findings += profileFindings(files, profilesWithKeys: profilesWithKeys).filter {
                !($0.ok && reported.contains($0.subject))
            }
        }
        findings += [lockDirectoryFinding()] + backupFindings()
        if let files { findings += accessKeyFindings(files) }
        return findings
    }

    // MARK: - The keyring

    func keyringFindings() -> [DoctorFinding] {
        var findings = serviceFindings()
        if let diagnosis = KeyringDaemons.diagnosis(of: daemonsSharingKeyring(environment)) {
            findings.append(
                DoctorFinding(
                    ok: false, subject: "keyring daemons", detail: diagnosis.cause, fix: diagnosis.fix))
        }
        return findings
    }

    func serviceFindings() -> [DoctorFinding] {
        let bus = environment["DBUS_SESSION_BUS_ADDRESS"].map { " (\($0))" } ?? ""
        let busOK = DoctorFinding(ok: true, subject: "D-Bus session bus", detail: "reachable\(bus)")
        let serviceOK = DoctorFinding(
            ok: true, subject: "Secret Service", detail: "available on the session bus")
        switch health {
        case .noSessionBus(let error):
            return [
                DoctorFinding(
                    ok: false, subject: "D-Bus session bus",
                    detail: "not reachable\(bus): \(Self.detail(of: error))",
                    fix: """
                        run inside a desktop session, or start a bus with 'dbus-run-session -- $SHELL' \
                        (DBUS_SESSION_BUS_ADDRESS must point at it)
                        """)
            ]
        case .noService(let error):
            return [
                busOK,
                DoctorFinding(
                    ok: false, subject: "Secret Service",
                    detail: "not on the session bus: \(Self.detail(of: error))",
                    fix: """
                        install gnome-keyring (D-Bus starts it when needed) or enable KeePassXC's Secret \
                        Service integration, then run 'awskeyring-helper unlock'
                        """),
            ]
        case .noDefaultCollection:
            return [
                busOK, serviceOK,
                DoctorFinding(
                    ok: false, subject: "default keyring",
                    detail: "the Secret Service has no default collection",
                    fix: "create one with 'awskeyring-helper unlock' (it asks for a new keyring password)"),
            ]
        case .defaultCollection(let label, let locked):
            let name = label.isEmpty ? "default keyring" : "default keyring '\(label)'"
            if locked {
                return [
                    busOK, serviceOK,
                    DoctorFinding(
                        ok: false, subject: name, detail: "locked",
                        fix: "unlock it with 'awskeyring-helper unlock' (or log in to the desktop)"),
                ]
            }
            return [busOK, serviceOK, DoctorFinding(ok: true, subject: name, detail: "unlocked")]
        case .failed(let error):
            return [
                busOK,
                DoctorFinding(
                    ok: false, subject: "Secret Service", detail: Self.detail(of: error),
                    fix: "check the keyring daemon's log; restarting it often helps"),
            ]
        }
    }

    private static func detail(of error: KeyringError) -> String {
        switch error {
        case .noSessionBus(let detail), .serviceUnavailable(let detail), .locked(let detail),
            .unsupported(let detail), .promptDismissed(let detail), .itemVanished(let detail),
            .noAnswer(let detail), .badReply(let detail), .accessNotConfirmed(let detail):
            return detail
        case .noDefaultCollection: return "no default keyring"
        case .wrongPassword: return "wrong keyring password"
        case .failed(_, _, let message): return message
        }
    }

    // MARK: - Files

    func fileChecks() -> ([DoctorFinding], AWSConfigFiles?) {
        let paths = AWSConfigFiles.filePaths(environment: environment)
        var findings: [DoctorFinding] = []
        var contents: [[UInt8]?] = []
        var failed = false
        for (kind, variable, path) in [
            ("config file", "AWS_CONFIG_FILE", paths.config),
            ("credentials file", "AWS_SHARED_CREDENTIALS_FILE", paths.credentials),
        ] {
            let display = ConfigFileAccess.displayPath(path, environment: environment)
            let subject = "\(kind) \(display)"
            do throws(ConfigFileError) {
                let bytes = try readFile(path)
                contents.append(bytes)
                guard let bytes else {
                    findings.append(
                        DoctorFinding(ok: true, subject: subject, detail: "not present (read as empty)"))
                    continue
                }
                let sections = try ConfigFileParser.sectionCount(of: bytes, path: display)
                findings.append(
                    DoctorFinding(
                        ok: true, subject: subject,
                        detail: "parses (\(sections) section\(sections == 1 ? "" : "s"))"))
            } catch {
                failed = true
                let fix =
                    error.line.map { "correct line \($0) of \(display); botocore rejects this file too" }
                    ?? "make the file readable, or point \(variable) at another file"
                findings.append(
                    DoctorFinding(ok: false, subject: subject, detail: error.description, fix: fix))
            }
        }
        guard !failed, contents.count == 2 else { return (findings, nil) }
        do throws(ConfigFileError) {
            let files = try AWSConfigFiles.parse(
                config: contents[0], credentials: contents[1], configPath: paths.config,
                credentialsPath: paths.credentials,
                configDisplayPath: ConfigFileAccess.displayPath(paths.config, environment: environment),
                credentialsDisplayPath: ConfigFileAccess.displayPath(
                    paths.credentials, environment: environment))
            return (findings, files)
        } catch {
            findings.append(DoctorFinding(ok: false, subject: "config files", detail: error.description))
            return (findings, nil)
        }
    }

    func plainTextKeyFindings(_ files: AWSConfigFiles) -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        let credentialsDisplay = ConfigFileAccess.displayPath(files.credentialsPath, environment: environment)
        let configDisplay = ConfigFileAccess.displayPath(files.configPath, environment: environment)
        for (profiles, display, inCredentialsFile) in [
            (files.credentialsFileProfiles, credentialsDisplay, true),
            (files.configFileProfiles, configDisplay, false),
        ] {
            for name in profiles.keys.sorted() {
                guard let settings = profiles[name], let id = settings.value("aws_access_key_id"),
                    settings.value("aws_secret_access_key") != nil, settings.value("aws_session_token") == nil
                else { continue }
                let fix =
                    inCredentialsFile
                    ? "awskeyring-helper import --profile \(ShellQuoting.word(name)) --remove-from-file"
                    : "awskeyring-helper store --profile \(ShellQuoting.word(name)), then delete the keys from \(display)"
                findings.append(
                    DoctorFinding(
                        ok: false, subject: "profile \(name)",
                        detail: "access key \(id) is written in plain text in \(display)", fix: fix))
            }
        }
        return findings
    }

    // MARK: - Profiles

    func profileFindings(_ files: AWSConfigFiles, profilesWithKeys: Set<String>?) -> [DoctorFinding] {
        let sources = Set(files.profiles.values.compactMap { $0.value("source_profile") })
        let routing = ProfileRouting(files: files, environment: environment)
        let reached = routing.reachedKeyringProfiles()
        var findings: [DoctorFinding] = []
        for name in files.profiles.keys.sorted() {
            let settings = files.profiles[name] ?? [:]
            let subject = "profile \(name)"
            if let command = settings.value("credential_process"), settings.value("role_arn") == nil,
                !Self.runsThisTool(command, profile: name, environment: environment)
            {
                findings.append(
                    commandFinding(command, of: name)
                        ?? DoctorFinding(ok: true, subject: subject, detail: "uses credential_process"))
                continue
            }
            if settings.value("sso_session") != nil || settings.value("sso_start_url") != nil {
                findings.append(
                    DoctorFinding(
                        ok: true, subject: subject, detail: "uses IAM Identity Center (SSO), not this tool"))
                continue
            }
            let chain: CredentialChain
            do {
                chain = try ProfileResolver(files: files).chain(for: name)
                try CredentialPlan.check(chain: chain, files: files, environment: environment)
            } catch {
                findings.append(DoctorFinding(ok: false, subject: subject, detail: "\(error)"))
                continue
            }
            let roles = chain.roles.map(\.roleArn)
            let via = roles.isEmpty ? "" : ", then " + roles.joined(separator: " -> ")
            if case .process(let sourceName, let command) = chain.source,
                let missing = commandFinding(command, of: sourceName)
            {
                findings.append(
                    DoctorFinding(ok: false, subject: subject, detail: missing.detail, fix: missing.fix))
                continue
            }
            if case .keyring(let source, false) = chain.source, let namedBy = chain.missingSourceProfileOf,
                profilesWithKeys?.contains(source) != true
            {
                // Most likely a typo in source_profile: with a near name, storing keys under the typo is
                // not offered as a fix; without one, the name may be meant for keys kept in the keyring only.
                let suggestions = NameSuggestion.closest(
                    to: source, among: Array(files.profiles.keys) + Array(profilesWithKeys ?? []))
                let unchecked =
                    profilesWithKeys == nil ? " (keys stored under that name not checked: no keyring)" : ""
                findings.append(
                    DoctorFinding(
                        ok: false, subject: subject,
                        detail:
                            "source_profile '\(source)' of profile '\(namedBy)' does not exist\(unchecked)",
                        fix: suggestions.isEmpty
                            ? """
                            correct source_profile in profile '\(namedBy)', or store keys for '\(source)': \
                            awskeyring-helper store --profile \(ShellQuoting.word(source))
                            """
                            : NameSuggestion.question(suggestions)
                                + " correct source_profile in profile '\(namedBy)'"))
                continue
            }
            guard case .keyring(let source, _) = chain.source else {
                findings.append(
                    DoctorFinding(
                        ok: true, subject: subject, detail: "resolves: \(Self.describe(chain.source))\(via)"))
                continue
            }
            guard let profilesWithKeys else {
                findings.append(
                    DoctorFinding(
                        ok: true, subject: subject,
                        detail:
                            "resolves: keys of '\(source)' from the keyring\(via) (not checked: no keyring)"))
                continue
            }
            if profilesWithKeys.contains(source), source == name, !reached.contains(name) {
                findings.append(unreachedKeys(name, routing: routing, files: files))
            } else if profilesWithKeys.contains(source) {
                findings.append(
                    DoctorFinding(
                        ok: true, subject: subject,
                        detail: "resolves: keys of '\(source)' from the keyring\(via)"))
            } else if chain.roles.isEmpty && !sources.contains(name) && !Self.asksForCredentials(settings) {
                findings.append(
                    DoctorFinding(
                        ok: true, subject: subject,
                        detail: """
                            settings only: no keys are stored for it (add some with \
                            'awskeyring-helper store --profile \(ShellQuoting.word(name))' to use it for credentials)
                            """))
            } else {
                let what = via.isEmpty ? "" : " (the source of its roles)"
                findings.append(
                    DoctorFinding(
                        ok: false, subject: subject,
                        detail: "no keys are stored in the keyring for '\(source)'\(what)",
                        fix: "awskeyring-helper store --profile \(ShellQuoting.word(source))"))
            }
        }
        return findings
    }

    /// Keys stored for `profile` that no credential_process leads to: the AWS CLI and SDKs never see them.
    private func unreachedKeys(_ profile: String, routing: ProfileRouting, files: AWSConfigFiles)
        -> DoctorFinding
    {
        let display = ConfigFileAccess.displayPath(files.configPath, environment: environment)
        return DoctorFinding(
            ok: false, subject: "profile \(profile)",
            detail: """
                keys are stored in the keyring, but no credential_process reaches them: the AWS CLI and SDKs \
                cannot use them
                """,
            fix: """
                add '\(routing.settingLine(for: profile))' to \(ConfigSectionEditor.header(forProfile: profile)) \
                in \(display)
                """)
    }

    /// Whether a credential_process runs this tool, so its chain is followed (and a loop found).
    private static func runsThisTool(_ command: String, profile: String, environment: [String: String])
        -> Bool
    {
        do {
            return try HelperInvocation.target(
                of: command, profile: profile, executablePath: CurrentExecutable.path,
                environment: environment)
                != nil
        } catch {
            // The chain's walk reports the same error.
            return true
        }
    }

    /// Settings that only make sense for a profile meant to give credentials.
    private static func asksForCredentials(_ settings: ConfigSettings) -> Bool {
        ["mfa_serial", "mfa_process", "role_arn", "source_profile"].contains { settings.value($0) != nil }
    }

    /// A source in words (never Swift's debug text).
    static func describe(_ source: CredentialSource) -> String {
        switch source {
        case .keyring(let profile, _): return "keys of '\(profile)' from the keyring"
        case .plainTextKeys(let profile): return "plain-text keys of '\(profile)'"
        case .environment: return "keys from the environment (credential_source = Environment)"
        case .instanceMetadata(let profile):
            return
                "the EC2 instance role from the instance metadata service (credential_source of '\(profile)')"
        case .containerEndpoint(let profile):
            return "the container credentials endpoint (credential_source of '\(profile)')"
        case .webIdentity(let web):
            return "web identity token \(web.tokenFile) for \(web.roleArn) (profile '\(web.profile)')"
        case .process(let profile, let command):
            return "the credential_process of '\(profile)': \(command)"
        }
    }

    /// A problem when a credential_process command cannot be run as written: its program is not on
    /// PATH (botocore runs it without a shell, so PATH is searched as execvp searches it), or it does
    /// not split. nil when it can be found.
    func commandFinding(_ command: String, of profile: String) -> DoctorFinding? {
        let subject = "profile \(profile)"
        guard let words = ShellWords.split(command), let program = words.first else {
            return DoctorFinding(
                ok: false, subject: subject,
                detail: "credential_process has an unclosed quote, a trailing backslash or no command",
                fix: "correct credential_process in profile '\(profile)'")
        }
        if findProgram(program, environment["PATH"]) != nil { return nil }
        let where_ = program.contains("/") ? "" : " on PATH"
        return DoctorFinding(
            ok: false, subject: subject,
            detail: "credential_process runs '\(program)', which is not an executable file\(where_)",
            fix: program.contains("/")
                ? "correct the path in credential_process of profile '\(profile)'"
                : "install it, or write its full path in credential_process of profile '\(profile)'")
    }
}
