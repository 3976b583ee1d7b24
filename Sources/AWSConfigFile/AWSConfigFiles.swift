/// The AWS config and credentials files, read the way botocore reads them.
package struct AWSConfigFiles: Sendable, Equatable {
    /// Expanded paths of the two files, and whether each existed.
    package var configPath: String
    package var credentialsPath: String
    package var configFileFound: Bool
    package var credentialsFileFound: Bool

    /// botocore's `full_config['profiles']`: config-file profiles with the credentials file's values
    /// laid over them.
    package var profiles: ConfigProfiles
    /// The profiles of each file alone, before merging (for `explain`).
    package var configFileProfiles: ConfigProfiles
    package var credentialsFileProfiles: ConfigProfiles
    /// `[services NAME]` and `[sso-session NAME]` sections of the config file.
    package var services: ConfigProfiles
    package var ssoSessions: ConfigProfiles

    package init(
        configPath: String, credentialsPath: String, configFileFound: Bool, credentialsFileFound: Bool,
        profiles: [String: ConfigSettings], configFileProfiles: [String: ConfigSettings],
        credentialsFileProfiles: [String: ConfigSettings], services: [String: ConfigSettings],
        ssoSessions: [String: ConfigSettings]
    ) {
        self.configPath = configPath
        self.credentialsPath = credentialsPath
        self.configFileFound = configFileFound
        self.credentialsFileFound = credentialsFileFound
        self.profiles = ConfigProfiles(profiles)
        self.configFileProfiles = ConfigProfiles(configFileProfiles)
        self.credentialsFileProfiles = ConfigProfiles(credentialsFileProfiles)
        self.services = ConfigProfiles(services)
        self.ssoSessions = ConfigProfiles(ssoSessions)
    }

    private init(
        configPath: String, credentialsPath: String, config: ConfigFileIndex?, credentials: ConfigFileIndex?
    ) {
        self.configPath = configPath
        self.credentialsPath = credentialsPath
        configFileFound = config != nil
        credentialsFileFound = credentials != nil
        configFileProfiles = ConfigProfiles(config: config, credentials: nil, source: .configFile(.profile))
        // With no profile in the credentials file the merged profiles are the config file's: they share
        // the settings built so far (`doctor` reads every profile through both).
        if let credentials, !credentials.sections.isEmpty {
            profiles = ConfigProfiles(config: config, credentials: credentials, source: .merged)
        } else {
            profiles = configFileProfiles
        }
        credentialsFileProfiles = ConfigProfiles(
            config: nil, credentials: credentials, source: .credentialsFile)
        services = ConfigProfiles(config: config, credentials: nil, source: .configFile(.services))
        ssoSessions = ConfigProfiles(config: config, credentials: nil, source: .configFile(.ssoSession))
    }

    /// Reads both files named by `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE` (defaults
    /// `~/.aws/config`, `~/.aws/credentials`). A missing file reads as empty; a file botocore rejects
    /// throws `ConfigFileError` naming the file and line.
    package static func load(environment: [String: String]) throws(ConfigFileError) -> AWSConfigFiles {
        try load(environment: environment, readFile: ConfigFileAccess.readFile(atPath:))
    }

    /// `load(environment:)` with the file reading supplied: `readFile` returns a file's bytes, or nil
    /// when there is no regular file at the path. Errors name the file with `~` for `HOME`.
    package static func load(
        environment: [String: String],
        readFile: (_ path: String) throws(ConfigFileError) -> [UInt8]?
    ) throws(ConfigFileError) -> AWSConfigFiles {
        let paths = filePaths(environment: environment)
        func read(_ path: String) throws(ConfigFileError) -> [UInt8]? {
            do {
                return try readFile(path)
            } catch {
                var error = error
                if error.path == path {
                    error.path = ConfigFileAccess.displayPath(path, environment: environment)
                }
                throw error
            }
        }
        let configBytes = try read(paths.config)
        let credentialsBytes = try read(paths.credentials)
        return try parse(
            config: configBytes, credentials: credentialsBytes, configPath: paths.config,
            credentialsPath: paths.credentials,
            configDisplayPath: ConfigFileAccess.displayPath(paths.config, environment: environment),
            credentialsDisplayPath: ConfigFileAccess.displayPath(paths.credentials, environment: environment))
    }

    /// The expanded paths of the config and credentials files, as botocore finds them: the
    /// environment variable when set (even to an empty string), else the default, through
    /// `ConfigFileAccess.expandPath`.
    package static func filePaths(environment: [String: String]) -> (config: String, credentials: String) {
        let config = environment["AWS_CONFIG_FILE"] ?? "~/.aws/config"
        let credentials = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "~/.aws/credentials"
        return (
            ConfigFileAccess.expandPath(config, environment: environment),
            ConfigFileAccess.expandPath(credentials, environment: environment)
        )
    }

    /// Builds the result from the two files' contents (nil: the file does not exist). Error messages
    /// name the files by the display paths, which default to the paths.
    ///
    /// Files are indexed in one pass and their sections' settings built only when looked up (see
    /// `ConfigFileIndex`); a file the pass does not prove acceptable is parsed whole, for botocore's
    /// answer or error.
    package static func parse(
        config: [UInt8]?, credentials: [UInt8]?, configPath: String, credentialsPath: String,
        configDisplayPath: String? = nil, credentialsDisplayPath: String? = nil
    ) throws(ConfigFileError) -> AWSConfigFiles {
        let configIndex = config.map { ConfigFileIndex.scan($0, path: configDisplayPath ?? configPath) }
        let credentialsIndex = credentials.map {
            ConfigFileIndex.scan($0, path: credentialsDisplayPath ?? credentialsPath)
        }
        switch (configIndex, credentialsIndex) {
        case (.some(nil), _), (_, .some(nil)):
            break
        default:
            return AWSConfigFiles(
                configPath: configPath, credentialsPath: credentialsPath, config: configIndex ?? nil,
                credentials: credentialsIndex ?? nil)
        }
        return try parseWhole(
            config: config, credentials: credentials, configPath: configPath,
            credentialsPath: credentialsPath,
            configDisplayPath: configDisplayPath, credentialsDisplayPath: credentialsDisplayPath)
    }

    /// `parse` by `ConfigFileParser` alone: every section's settings built at once.
    package static func parseWhole(
        config: [UInt8]?, credentials: [UInt8]?, configPath: String, credentialsPath: String,
        configDisplayPath: String? = nil, credentialsDisplayPath: String? = nil
    ) throws(ConfigFileError) -> AWSConfigFiles {
        let configSections = try config.map { bytes throws(ConfigFileError) in
            try ConfigFileParser.sections(of: bytes, path: configDisplayPath ?? configPath)
        }
        let credentialsSections = try credentials.map { bytes throws(ConfigFileError) in
            try ConfigFileParser.sections(of: bytes, path: credentialsDisplayPath ?? credentialsPath)
        }
        let map = ProfileMap(configSections ?? [])

        // Session.full_config: each credentials-file section is a profile, its options laid over
        // (dict.update) the config file's profile of the same name.
        var credentialsProfiles: [String: ConfigSettings] = [:]
        var profiles = map.profiles
        for section in credentialsSections ?? [] {
            credentialsProfiles[section.name] = section.settings
            profiles[section.name, default: [:]].merge(section.settings) { _, new in new }
        }
        return AWSConfigFiles(
            configPath: configPath, credentialsPath: credentialsPath, configFileFound: config != nil,
            credentialsFileFound: credentials != nil, profiles: profiles, configFileProfiles: map.profiles,
            credentialsFileProfiles: credentialsProfiles, services: map.services,
            ssoSessions: map.ssoSessions)
    }
}

/// botocore `configloader.build_profile_map` over a config file's sections.
struct ProfileMap: Equatable {
    var profiles: [String: ConfigSettings] = [:]
    var ssoSessions: [String: ConfigSettings] = [:]
    var services: [String: ConfigSettings] = [:]

    init(_ sections: [ConfigSection]) {
        // In file order; a later section mapping to the same name replaces the earlier one wholesale.
        for section in sections {
            let name = section.name.utf8
            if name.starts(with: "profile".utf8) {
                if let key = Self.sectionKey(section.name) { profiles[key] = section.settings }
            } else if name.starts(with: "sso-session".utf8) {
                if let key = Self.sectionKey(section.name) { ssoSessions[key] = section.settings }
            } else if name.starts(with: "services".utf8) {
                if let key = Self.sectionKey(section.name) { services[key] = section.settings }
            } else if name.elementsEqual("default".utf8) {
                profiles["default"] = section.settings
            }
        }
    }

    /// botocore `_parse_section`: the second word of `shlex.split(name)` when there are exactly two
    /// (so `[profilefoo bar]` is profile `bar`); nil otherwise, or when shlex fails.
    static func sectionKey(_ name: String) -> String? {
        guard let words = ShellWords.split(name), words.count == 2 else { return nil }
        return words[1]
    }
}

/// Why a config or credentials file could not be used.
package struct ConfigFileError: Error, Equatable, Sendable, CustomStringConvertible {
    package var path: String
    /// 1-based line number, when the problem is on one line.
    package var line: Int?
    package var reason: String

    package init(path: String, line: Int?, reason: String) {
        self.path = path
        self.line = line
        self.reason = reason
    }

    package var description: String {
        if let line { return "\(path), line \(line): \(reason)" }
        return "\(path): \(reason)"
    }
}
