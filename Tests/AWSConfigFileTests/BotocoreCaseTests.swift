import Testing

@testable import AWSConfigFile

/// A config/credentials pair and botocore's verdict on it (see BotocoreCases.swift).
struct BotocoreCase: Sendable, CustomTestStringConvertible {
    enum File: Sendable {
        case config
        case credentials
    }

    enum Expected: Sendable {
        case files(
            profiles: [String: ConfigSettings], ssoSessions: [String: ConfigSettings],
            services: [String: ConfigSettings])
        /// botocore rejected `file`; `line` is configparser's line number when it reports one.
        case error(file: File, line: Int?)
    }

    var name: String
    var config: [UInt8]?
    var credentials: [UInt8]?
    var expected: Expected

    var testDescription: String { name }
}

@Test(arguments: botocoreCases)
func matchesBotocore(_ testCase: BotocoreCase) {
    let result = Result { () throws(ConfigFileError) -> AWSConfigFiles in
        try AWSConfigFiles.parse(
            config: testCase.config, credentials: testCase.credentials, configPath: "/c/config",
            credentialsPath: "/c/credentials")
    }
    switch (testCase.expected, result) {
    case (.files(let profiles, let ssoSessions, let services), .success(let files)):
        #expect(files.profiles == profiles)
        #expect(files.ssoSessions == ssoSessions)
        #expect(files.services == services)
        #expect(files.configFileFound == (testCase.config != nil))
        #expect(files.credentialsFileFound == (testCase.credentials != nil))
    case (.error(let file, let line), .failure(let error)):
        #expect(error.path == (file == .config ? "/c/config" : "/c/credentials"))
        if let line { #expect(error.line == line) }
    case (.files, .failure(let error)):
        Issue.record("botocore accepts this, but it failed: \(error)")
    case (.error, .success(let files)):
        Issue.record("botocore rejects this, but it parsed: \(files.profiles)")
    }
}
