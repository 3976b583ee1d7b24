import TestSupport
import Testing

@testable import AWSConfigFile
@testable import HelperCommands

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct ProfileRoutingTests {
    static let environment = [
        "HOME": "/h", "AWS_CONFIG_FILE": "/h/config", "AWS_SHARED_CREDENTIALS_FILE": "/h/credentials",
    ]

    static let config = """
        [profile direct-keys]
        region = eu-west-1
        [profile direct]
        credential_process = awskeyring-helper --profile direct-keys
        [profile base]
        [profile admin]
        role_arn = arn:aws:iam::123456789012:role/admin
        source_profile = base
        [profile admin-cli]
        credential_process = /usr/local/bin/awskeyring-helper --refresh --profile=admin
        [profile chained-base]
        [profile first-hop]
        role_arn = arn:aws:iam::123456789012:role/first
        source_profile = chained-base
        [profile second-hop]
        role_arn = arn:aws:iam::123456789012:role/second
        source_profile = first-hop
        [profile chained-cli]
        credential_process = awskeyring-helper --profile second-hop
        [profile itself]
        credential_process = awskeyring-helper --profile itself
        [default]
        [profile bare]
        credential_process = awskeyring-helper
        [profile vault]
        credential_process = aws-vault exec vault --json
        [profile vault-role]
        role_arn = arn:aws:iam::123456789012:role/vault
        source_profile = vault
        [profile vault-cli]
        credential_process = awskeyring-helper --profile vault-role
        [profile instance-cli]
        credential_process = awskeyring-helper --profile on-instance
        [profile on-instance]
        role_arn = arn:aws:iam::123456789012:role/instance
        credential_source = Ec2InstanceMetadata
        [profile unsplittable]
        credential_process = awskeyring-helper --profile 'direct-keys
        [profile missing-target]
        credential_process = awskeyring-helper --profile nowhere
        [profile bad-argument]
        credential_process = awskeyring-helper --profile base --no-such-option
        [profile orphan]
        [profile sso]
        sso_session = corp
        [profile web]
        web_identity_token_file = /h/token
        role_arn = arn:aws:iam::123456789012:role/web
        """

    static let credentials = """
        [file-keys]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
        [file-keys-and-token]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
        aws_session_token = token
        [from-credentials-file]
        credential_process = awskeyring-helper --profile credentials-target
        """

    func routing(environment: [String: String] = environment) throws -> ProfileRouting {
        let files = try AWSConfigFiles.load(environment: environment) { path throws(ConfigFileError) in
            switch path {
            case "/h/config": return Array(Self.config.utf8)
            case "/h/credentials": return Array(Self.credentials.utf8)
            default: return nil
            }
        }
        return ProfileRouting(
            files: files, environment: environment, executablePath: "/usr/bin/awskeyring-helper")
    }

    @Test func theProfilesReachedAreThoseWhoseChainEndsInStoredKeys() throws {
        // Through a direct call, one role, two roles, a profile asking for itself, the bare call
        // (AWS_PROFILE unset: default), a profile of the credentials file; not through another program's keys, an instance role, a command that
        // cannot be split, a profile that does not exist as such, or arguments the tool refuses.
        #expect(
            try routing().reachedKeyringProfiles() == [
                "direct-keys", "base", "chained-base", "itself", "default", "nowhere", "credentials-target",
            ])
    }

    @Test func theBareCallFollowsAWSProfile() throws {
        var environment = Self.environment
        environment["AWS_PROFILE"] = "orphan"
        let reached = try routing(environment: environment).reachedKeyringProfiles()
        #expect(reached.contains("orphan"))
        #expect(!reached.contains("default"))
    }

    @Test func needsRouteForEveryProfile() throws {
        let routing = try routing()
        let needing = routing.files.profiles.keys.sorted().filter {
            routing.needsRoute($0, ignoringFileKeys: false)
        }
        #expect(needing == ["orphan"])
        // Keys written in the credentials file, being moved into the keyring, do not count.
        let moving = routing.files.profiles.keys.sorted().filter {
            routing.needsRoute($0, ignoringFileKeys: true)
        }
        #expect(moving == ["file-keys", "file-keys-and-token", "orphan"])
        // Asked in any order and more than once, the answers are the same.
        for name in routing.files.profiles.keys.sorted().reversed() + ["orphan", "direct-keys"] {
            #expect(
                routing.needsRoute(name, ignoringFileKeys: false)
                    == needing.contains(name), "\(name)")
        }
    }

    @Test func whatElseGivesAProfileCredentials() throws {
        let routing = try routing()
        #expect(routing.otherSource(of: "vault", ignoringFileKeys: false) == "its credential_process")
        #expect(routing.otherSource(of: "admin", ignoringFileKeys: false) == "its role_arn")
        #expect(routing.otherSource(of: "sso", ignoringFileKeys: false) == "its sso_session")
        #expect(routing.otherSource(of: "web", ignoringFileKeys: false) == "its role_arn")
        #expect(
            routing.otherSource(of: "file-keys", ignoringFileKeys: false)
                == "keys written in plain text in it")
        #expect(routing.otherSource(of: "file-keys", ignoringFileKeys: true) == nil)
        #expect(routing.otherSource(of: "orphan", ignoringFileKeys: false) == nil)
        #expect(routing.otherProgram(of: "vault") == "aws-vault exec vault --json")
        #expect(routing.otherProgram(of: "direct") == nil)
        #expect(routing.otherProgram(of: "orphan") == nil)
    }

    @Test func configureAddsTheSettingWhereNothingReachesTheKeys() throws {
        let directory = try TemporaryDirectory("profile-routing")
        let environment = [
            "HOME": directory.path, "AWS_CONFIG_FILE": directory.path + "/config",
            "AWS_SHARED_CREDENTIALS_FILE": directory.path + "/credentials",
        ]
        try Self.write(Self.config, to: directory.path + "/config")
        try Self.write(Self.credentials, to: directory.path + "/credentials")
        let before = ProfileRouting(
            files: try AWSConfigFiles.load(environment: environment), environment: environment)
        let asked = ["orphan", "direct-keys", "vault", "file-keys", "base", "admin", "new-profile"]
        let outcomes = ProfileConfiguring(environment: environment).configure(asked, ignoringFileKeys: true)
        let display = ConfigFileAccess.displayPath(directory.path + "/config", environment: environment)
        let line = { (profile: String) in before.settingLine(for: profile) }
        #expect(outcomes["orphan"] == .added(line: line("orphan"), displayPath: display))
        #expect(outcomes["file-keys"] == .added(line: line("file-keys"), displayPath: display))
        #expect(outcomes["new-profile"] == .added(line: line("new-profile"), displayPath: display))
        #expect(outcomes["direct-keys"] == .notNeeded)
        #expect(outcomes["base"] == .notNeeded)
        #expect(outcomes["admin"] == .notNeeded)
        #expect(
            outcomes["vault"]
                == .otherProgram(
                    command: "aws-vault exec vault --json", line: line("vault"), displayPath: display))
        // The lines were added to the file: the keys of those profiles are now reached (not file-keys' while
        // the credentials file still holds its keys, which the AWS CLI takes first), and nothing else moved.
        let after = try AWSConfigFiles.load(environment: environment)
        let reached = ProfileRouting(files: after, environment: environment).reachedKeyringProfiles()
        #expect(reached == before.reachedKeyringProfiles().union(["orphan", "new-profile"]))
        #expect(after.profiles.keys.count == before.files.profiles.keys.count + 1)
    }

    struct WriteFailed: Error { let path: String }

    static func write(_ text: String, to path: String) throws {
        guard let file = fopen(path, "w") else { throw WriteFailed(path: path) }
        defer { fclose(file) }
        guard fputs(text, file) >= 0 else { throw WriteFailed(path: path) }
    }
}
