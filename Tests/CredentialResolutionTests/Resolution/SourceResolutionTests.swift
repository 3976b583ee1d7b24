import SystemAccess
import TestSupport
import Testing

@testable import CredentialResolution

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct SourceResolutionTests {
    static let config = """
        [profile base]
        region = eu-west-1
        [profile admin-role]
        role_arn = arn:aws:iam::123456789012:role/admin
        source_profile = base
        [profile admin]
        credential_process = awskeyring-helper --profile admin-role
        [profile above-admin]
        role_arn = arn:aws:iam::123456789012:role/above
        source_profile = admin
        [profile by-path]
        credential_process = /opt/tools/awskeyring-helper credentials --profile=base
        [profile self]
        credential_process = awskeyring-helper --profile self
        [profile tool]
        credential_process = other-tool --account 1
        [profile above-tool]
        role_arn = arn:aws:iam::123456789012:role/t
        source_profile = tool
        [profile loop-a]
        role_arn = arn:aws:iam::123456789012:role/a
        source_profile = loop-b
        [profile loop-b]
        credential_process = awskeyring-helper --profile loop-a
        [profile ec2]
        role_arn = arn:aws:iam::123456789012:role/e
        credential_source = Ec2InstanceMetadata
        [profile ecs]
        role_arn = arn:aws:iam::123456789012:role/e
        credential_source = EcsContainer
        [profile web-and-source]
        role_arn = arn:aws:iam::123456789012:role/w
        web_identity_token_file = /t
        source_profile = base
        [profile renamed]
        credential_process = /usr/local/bin/aws-keys --profile base
        [profile bad-args]
        credential_process = awskeyring-helper store --profile base
        [profile no-profile]
        credential_process = awskeyring-helper
        [profile above-no-profile]
        role_arn = arn:aws:iam::123456789012:role/n
        source_profile = no-profile
        """

    func chain(_ profile: String, environment: [String: String] = [:], executable: String? = nil) throws
        -> CredentialChain
    {
        try ProfileResolver(
            files: try configFiles(Self.config), environment: environment, executablePath: executable
        )
        .chain(for: profile)
    }

    @Test func aCredentialProcessRunningThisHelperIsFollowedWithoutStartingIt() throws {
        let result = try chain("above-admin")
        #expect(result.source == .keyring(profile: "base", inConfig: true))
        #expect(result.roles.map(\.profile) == ["admin-role", "above-admin"])
        #expect(result.handOffs == [HelperHandOff(profile: "admin", target: "admin-role", position: 1)])
        #expect(try chain("admin").roles.map(\.profile) == ["admin-role"])
        #expect(try chain("by-path").source == .keyring(profile: "base", inConfig: true))
        #expect(try chain("self").source == .keyring(profile: "self", inConfig: true))
    }

    @Test func theHelperIsRecognisedByItsOwnPathUnderAnotherName() throws {
        let current = try #require(CurrentExecutable.path)
        let config =
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = s\n"
            + "[profile s]\ncredential_process = \(current) --profile base\n"
        let result = try ProfileResolver(files: try configFiles(config)).chain(for: "r")
        #expect(result.source == .keyring(profile: "base", inConfig: false))
        // Another program of another name is run.
        #expect(
            try chain("above-tool", executable: "/usr/bin/awskeyring-helper").source
                == .process(profile: "tool", command: "other-tool --account 1"))
        #expect(try chain("renamed").source == .keyring(profile: "renamed", inConfig: true))
    }

    /// awskeyring-helper-commands runs under its own name: a link of another name to the helper is still the
    /// helper.
    @Test func aLinkOfAnotherNameToTheHelperIsTheHelperInEveryProgram() throws {
        let folder = try TemporaryDirectory("awskeyring-link-tests")
        let helper = folder.path + "/awskeyring-helper"
        fclose(fopen(helper, "w"))
        #expect(symlink(helper, folder.path + "/akh") == 0)
        let config =
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = s\n"
            + "[profile s]\ncredential_process = \(folder.path)/akh --profile base\n"
        let result = try ProfileResolver(
            files: try configFiles(config), environment: [:],
            executablePath: "/usr/libexec/awskeyring-helper/awskeyring-helper-commands"
        ).chain(for: "r")
        #expect(result.source == .keyring(profile: "base", inConfig: false))
    }

    @Test func withoutProfileTheHelpersDefaultRulesApply() throws {
        #expect(try chain("above-no-profile").source == .keyring(profile: "default", inConfig: false))
        #expect(
            try chain("above-no-profile", environment: ["AWS_PROFILE": "base"]).source
                == .keyring(profile: "base", inConfig: true))
    }

    @Test func argumentsThatAreNotACredentialsCallAreRefused() throws {
        let error = thrown(ProfileError.self) { _ = try chain("bad-args") }
        #expect(
            {
                if case .helperArgument(profile: "bad-args", argument: "store")? = error {
                    true
                } else {
                    false
                }
            }())
        let message = error?.description
        #expect(message?.contains("'store'") == true)
    }

    @Test func aLoopThroughTheHelperIsRefusedAtOnce() throws {
        let error = thrown(ProfileError.self) { _ = try chain("loop-a") }
        #expect(
            {
                if case .helperLoop(cycle: "loop-a -> loop-b -> loop-a", _, _)? = error {
                    true
                } else {
                    false
                }
            }())
        let message = error?.description
        #expect(
            message?.hasPrefix("credential_process loop: loop-a -> loop-b -> loop-a") == true,
            "\(message ?? "")")
    }

    @Test func aSourceProfilesOwnCommandIsASourceButNotTheProfileAskedFor() throws {
        #expect(
            try chain("above-tool").source == .process(profile: "tool", command: "other-tool --account 1"))
        // Asked for directly, its credential_process is most likely this helper behind a wrapper.
        #expect(try chain("tool").source == .keyring(profile: "tool", inConfig: true))
    }

    @Test func credentialSourcesAndWebIdentity() throws {
        #expect(try chain("ec2").source == .instanceMetadata(profile: "ec2"))
        #expect(try chain("ecs").source == .containerEndpoint(profile: "ecs"))
        // As botocore: a token file takes the profile out of AssumeRole's hands.
        let web = try chain("web-and-source")
        #expect(web.roles.isEmpty)
        #expect(
            web.source
                == .webIdentity(
                    WebIdentitySource(
                        profile: "web-and-source", roleArn: "arn:aws:iam::123456789012:role/w",
                        tokenFile: "/t")))
    }

    @Test func plainTextKeysComeBeforeACredentialProcess() throws {
        let files = try configFiles(
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = s\n[profile s]\ncredential_process = x\n",
            credentials: "[s]\naws_access_key_id = AKIAPLAIN\naws_secret_access_key = secret\n")
        #expect(try ProfileResolver(files: files).chain(for: "r").source == .plainTextKeys(profile: "s"))
    }
}
