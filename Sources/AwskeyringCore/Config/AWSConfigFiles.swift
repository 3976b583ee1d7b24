/// The AWS config and credentials files, read the way botocore reads them.
public struct AWSConfigFiles: Sendable, Equatable {
    /// Expanded paths of the two files, and whether each existed.
    public var configPath: String
    public var credentialsPath: String
    public var configFileFound: Bool
    public var credentialsFileFound: Bool

    /// botocore's `full_config['profiles']`: config-file profiles with the credentials file's values
    /// laid over them.
    public var profiles: [String: ConfigSettings]
    /// The profiles of each file alone, before merging (for `explain`).
    public var configFileProfiles: [String: ConfigSettings]
    public var credentialsFileProfiles: [String: ConfigSettings]
    /// `[services NAME]` and `[sso-session NAME]` sections of the config file.
    public var services: [String: ConfigSettings]
    public var ssoSessions: [String: ConfigSettings]

    /// Reads both files named by `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE` (defaults
    /// `~/.aws/config`, `~/.aws/credentials`). A missing file reads as empty; a file botocore rejects
    /// throws `ConfigFileError` naming the file and line.
    public static func load(environment: [String: String]) throws(ConfigFileError) -> AWSConfigFiles {
        fatalError("not implemented")
    }
}

/// Why a config or credentials file could not be used.
public struct ConfigFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    /// 1-based line number, when the problem is on one line.
    public var line: Int?
    public var reason: String

    public init(path: String, line: Int?, reason: String) {
        self.path = path
        self.line = line
        self.reason = reason
    }

    public var description: String {
        if let line { return "\(path), line \(line): \(reason)" }
        return "\(path): \(reason)"
    }
}
