import AWSConfigFile
import CredentialResolution
import ProcessControl
import SystemAccess
import TerminalAccess
import TextFormats

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether the AWS CLI and the SDKs can use keys stored in the keyring: only through a
/// `credential_process` that runs this tool, for the profile itself or for a profile whose chain starts
/// with those keys. `import` and `store` add that setting where nothing else gives the profile
/// credentials; `doctor` reports stored keys nothing reaches.
package struct ProfileRouting {
    package let files: AWSConfigFiles
    package let environment: [String: String]
    package let executablePath: String?
    /// `reachedKeyringProfiles()`, found once for the files: every profile's question reads it, so asking
    /// about P profiles of a config with N costs one pass over the N, not P of them.
    private let reached: Set<String>

    package init(
        files: AWSConfigFiles, environment: [String: String], executablePath: String? = CurrentExecutable.path
    ) {
        self.files = files
        self.environment = environment
        self.executablePath = executablePath
        reached = Self.reachedKeyringProfiles(
            files: files, environment: environment, executablePath: executablePath)
    }

    /// The profiles whose stored keys some profile's `credential_process` (this tool) leads to.
    package func reachedKeyringProfiles() -> Set<String> {
        reached
    }

    private static func reachedKeyringProfiles(
        files: AWSConfigFiles, environment: [String: String], executablePath: String?
    ) -> Set<String> {
        let resolver = ProfileResolver(
            files: files, environment: environment, executablePath: executablePath)
        var reached: Set<String> = []
        for (name, settings) in files.profiles {
            guard let command = settings.value("credential_process"),
                let target = try? HelperInvocation.target(
                    of: command, profile: name, executablePath: executablePath, environment: environment),
                let chain = try? resolver.chain(for: target),
                case .keyring(let source, _) = chain.source
            else { continue }
            reached.insert(source)
        }
        return reached
    }

    /// What gives `profile` credentials in the config files other than keys stored for it, in words; nil
    /// when nothing does. Keys written in the credentials file are left out when `ignoringFileKeys`
    /// (they are being moved into the keyring).
    package func otherSource(of profile: String, ignoringFileKeys: Bool) -> String? {
        var settings = files.configFileProfiles[profile] ?? [:]
        for (key, value) in files.credentialsFileProfiles[profile] ?? [:] {
            if ignoringFileKeys, CredentialsFileEditor.keyOptions.contains(key) || key == "aws_session_token"
            {
                continue
            }
            settings[key] = value
        }
        for option in [
            "credential_process", "role_arn", "credential_source", "web_identity_token_file", "sso_session",
            "sso_start_url",
        ] where settings.value(option) != nil {
            return "its \(option)"
        }
        if settings.value("aws_access_key_id") != nil, settings.value("aws_secret_access_key") != nil {
            return "keys written in plain text in it"
        }
        return nil
    }

    /// The profile's own credential_process when it runs another program than this tool; nil otherwise.
    package func otherProgram(of profile: String) -> String? {
        guard let command = files.profiles[profile]?.value("credential_process") else { return nil }
        let target = try? HelperInvocation.target(
            of: command, profile: profile, executablePath: executablePath, environment: environment)
        return target == nil ? command : nil
    }

    /// Whether `profile`'s stored keys need a `credential_process` of their own to be used: nothing
    /// reaches them yet and nothing else gives the profile credentials.
    package func needsRoute(_ profile: String, ignoringFileKeys: Bool) -> Bool {
        !reached.contains(profile)
            && otherSource(of: profile, ignoringFileKeys: ignoringFileKeys) == nil
    }

    /// The setting's value: `awskeyring-helper --profile NAME`, with the bare program name when
    /// `awskeyring-helper` on `PATH` is this installation's, else its absolute path.
    package func command(for profile: String) -> String {
        let program = Self.helperProgram(executablePath: executablePath, searchPath: environment["PATH"])
        return "\(program) --profile \(ShellQuoting.word(profile))"
    }

    /// `option = value` as the line it becomes.
    package func settingLine(for profile: String) -> String {
        "credential_process = \(command(for: profile))"
    }

    static func helperProgram(executablePath: String?, searchPath: String?) -> String {
        let name = HelperInvocation.executableName
        guard let executablePath, let slash = executablePath.lastIndex(of: "/") else { return name }
        let directory = String(executablePath[..<slash])
        let candidates = [
            directory + "/" + name, directory + "/../../bin/" + name,
        ]
        guard
            let helper = candidates.lazy.compactMap(CurrentExecutable.realPath).first(where: {
                access($0, X_OK) == 0
            })
        else { return name }
        if let onPath = Processes.executablePath(name, searchPath: searchPath),
            CurrentExecutable.realPath(onPath) == helper
        {
            return name
        }
        return ShellQuoting.word(helper)
    }
}

/// Adds the `credential_process` setting to a profile's section of the config file.
package struct ProfileConfiguring {
    package var environment: [String: String]
    package var readFile: (String) throws(ConfigFileError) -> [UInt8]?

    package init(
        environment: [String: String],
        readFile: @escaping (String) throws(ConfigFileError) -> [UInt8]? = ConfigFileAccess.readFile(atPath:)
    ) {
        self.environment = environment
        self.readFile = readFile
    }

    /// What was done for one profile.
    package enum Outcome: Sendable, Equatable {
        /// The setting was added (the line, the file as shown).
        case added(line: String, displayPath: String)
        /// Nothing was needed.
        case notNeeded
        /// The file could not be changed: what to add by hand, and why.
        case manual(advice: String)
        /// The profile's credential_process runs another program (aws-vault, say), which the AWS CLI
        /// uses instead of the stored keys: the line that would use them instead.
        case otherProgram(command: String, line: String, displayPath: String)
    }

    /// Adds `credential_process` for each of `profiles` that needs it, re-reading the config file first.
    package func configure(_ profiles: [String], ignoringFileKeys: Bool) -> [String: Outcome] {
        let paths = AWSConfigFiles.filePaths(environment: environment)
        let display = ConfigFileAccess.displayPath(paths.config, environment: environment)
        let files: AWSConfigFiles
        do {
            files = try AWSConfigFiles.load(environment: environment, readFile: readFile)
        } catch {
            return Dictionary(
                profiles.map { ($0, .manual(advice: "\(error)")) }, uniquingKeysWith: { first, _ in first })
        }
        let routing = ProfileRouting(files: files, environment: environment)
        var outcomes: [String: Outcome] = [:]
        var bytes: [UInt8]
        do {
            bytes = try readFile(paths.config) ?? []
        } catch {
            bytes = []
        }
        let original = bytes
        var added: [(String, String)] = []
        var options: [(profile: String, value: String)] = []
        var seen: Set<String> = []
        for profile in profiles where seen.insert(profile).inserted {
            guard routing.needsRoute(profile, ignoringFileKeys: ignoringFileKeys) else {
                outcomes[profile] =
                    routing.otherProgram(of: profile).map {
                        .otherProgram(
                            command: $0, line: routing.settingLine(for: profile), displayPath: display)
                    } ?? .notNeeded
                continue
            }
            options.append((profile, routing.command(for: profile)))
            added.append((profile, routing.settingLine(for: profile)))
        }
        guard !added.isEmpty else { return outcomes }
        bytes = ConfigSectionEditor.addingOption("credential_process", values: options, in: bytes)
        let failure: String?
        if files.configFileFound {
            if (try? readFile(paths.config)) != original {
                failure = "\(display) changed while it was read"
            } else {
                do {
                    try FileReplacement.replace(paths.config, with: bytes)
                    failure = nil
                } catch {
                    failure = "\(error)"
                }
            }
        } else {
            failure = Self.createFile(paths.config, bytes)
        }
        for (profile, line) in added {
            if let failure {
                outcomes[profile] = .manual(
                    advice:
                        "\(failure); add '\(line)' to \(ConfigSectionEditor.header(forProfile: profile)) in \(display)"
                )
            } else {
                outcomes[profile] = .added(line: line, displayPath: display)
            }
        }
        return outcomes
    }

    /// A new config file (and its folder, readable only by the owner, when missing); nil when written.
    private static func createFile(_ path: String, _ bytes: [UInt8]) -> String? {
        let directory = FileReplacement.parentDirectory(of: path)
        if access(directory, F_OK) != 0, mkdir(directory, 0o700) != 0 {
            return "cannot create \(directory): \(String(cString: strerror(errno)))"
        }
        do {
            try FileReplacement.writeNewPrivateFile(bytes, at: path)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// The one line for the person about one profile's outcome (nil when there is nothing to say).
    package static func message(profile: String, _ outcome: Outcome) -> String? {
        switch outcome {
        case .added(let line, let displayPath):
            return """
                Added '\(line)' to \(ConfigSectionEditor.header(forProfile: profile)) in \(displayPath): the AWS \
                CLI and SDKs now take the keys of profile '\(profile)' from the keyring.
                """
        case .notNeeded: return nil
        case .otherProgram(let command, let line, let displayPath):
            return """
                Profile '\(profile)' gets its credentials from its credential_process (\(command)), not from \
                the stored keys: to use them, replace that line with '\(line)' in \
                \(ConfigSectionEditor.header(forProfile: profile)) of \(displayPath).
                """
        case .manual(let advice):
            return "Profile '\(profile)' is not configured yet: \(advice)."
        }
    }
}

extension ProfileConfiguring {
    /// After `store`: adds the profile's `credential_process` when it needs one and `decision` says yes
    /// (nil: asked on `terminal`; without one, the setting to add is only shown).
    package func afterStore(
        profile: String, decision: Bool?, terminal: (any Terminal)?, diagnostics: (String) -> Void
    ) throws(TerminalError) {
        guard let files = try? AWSConfigFiles.load(environment: environment, readFile: readFile) else {
            return
        }
        for (settings, path) in [
            (files.credentialsFileProfiles[profile], files.credentialsPath),
            (files.configFileProfiles[profile], files.configPath),
        ] {
            guard let settings, settings.value("aws_access_key_id") != nil,
                settings.value("aws_secret_access_key") != nil
            else { continue }
            let display = ConfigFileAccess.displayPath(path, environment: environment)
            diagnostics(
                """
                Warning: profile '\(profile)' also has keys written in plain text in \(display), and the AWS CLI \
                and SDKs use those, not the stored ones: delete aws_access_key_id and aws_secret_access_key \
                from that profile in \(display).
                """)
            return
        }
        let routing = ProfileRouting(files: files, environment: environment)
        let display = ConfigFileAccess.displayPath(
            AWSConfigFiles.filePaths(environment: environment).config, environment: environment)
        guard routing.needsRoute(profile, ignoringFileKeys: false) else {
            if let command = routing.otherProgram(of: profile),
                let message = Self.message(
                    profile: profile,
                    .otherProgram(
                        command: command, line: routing.settingLine(for: profile), displayPath: display))
            {
                diagnostics(message)
            }
            return
        }
        let line = routing.settingLine(for: profile)
        let header = ConfigSectionEditor.header(forProfile: profile)
        var yes = decision
        if yes == nil, let terminal {
            yes = try terminal.confirm(
                "Add '\(line)' to \(header) in \(display), so the AWS CLI and SDKs use these keys?")
        }
        guard let yes else {
            diagnostics(
                """
                Nothing uses these keys yet: add '\(line)' to \(header) in \(display) (or run store again \
                with --configure).
                """)
            return
        }
        guard yes else { return }
        if let outcome = configure([profile], ignoringFileKeys: false)[profile],
            let message = Self.message(profile: profile, outcome)
        {
            diagnostics(message)
        }
    }
}
