import TestSupport
import Testing

@testable import CredentialResolution
@testable import CredentialValues

@Suite struct CredentialEnvironmentTests {
    static let longLived = AWSCredentials(
        accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let temporary = AWSCredentials(
        accessKeyId: "ASIA1", secretAccessKey: "s/e+c", sessionToken: "tok", expiration: 1_795_827_723)

    @Test func temporaryCredentialsSetTokenExpiryAndRegion() {
        let variables = CredentialEnvironment(
            credentials: Self.temporary, profileRegion: "eu-west-1", environment: ["PATH": "/bin"])
        #expect(
            variables.variables.map(\.name) == [
                "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                "AWS_CREDENTIAL_EXPIRATION",
                "AWS_REGION", "AWS_DEFAULT_REGION",
            ])
        #expect(variables.variables[3].value == "2026-11-28T01:02:03Z")
        #expect(variables.variables[4].value == "eu-west-1")
        #expect(variables.removed.isEmpty)
    }

    @Test func execEnvironmentRemovesCompetingVariablesAndKeepsTheRest() {
        let environment = [
            "PATH": "/bin", "AWS_PROFILE": "other", "AWS_DEFAULT_PROFILE": "x", "AWS_SESSION_TOKEN": "stale",
            "AWS_SECURITY_TOKEN": "stale", "AWS_CREDENTIAL_EXPIRATION": "old", "AWS_REGION": "us-west-2",
            "AWS_CONFIG_FILE": "/c",
        ]
        let child = CredentialEnvironment(
            credentials: Self.longLived, profileRegion: "eu-west-1", environment: environment
        ).applied(to: environment)
        #expect(
            child == [
                "PATH": "/bin", "AWS_CONFIG_FILE": "/c", "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
                "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                // A region chosen in the environment wins over the profile's, for both variables.
                "AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "us-west-2",
            ])
    }

    @Test func noRegionAnywhereSetsNone() {
        let variables = CredentialEnvironment(
            credentials: Self.longLived, profileRegion: nil, environment: [:])
        #expect(!variables.variables.contains { $0.name.contains("REGION") })
    }

    @Test func regionComesFromTheProfileInTheFiles() throws {
        let files = try configFiles("[profile p]\nregion = ap-south-1\n")
        let variables = CredentialEnvironment(
            credentials: Self.longLived, profile: "p", files: files, environment: [:])
        #expect(variables.variables.last?.value == "ap-south-1")
    }

    @Test func shellQuoting() {
        #expect(CredentialEnvironment.shQuoted("a'b") == #"'a'\''b'"#)
        #expect(CredentialEnvironment.shQuoted("$x `y` \\n") == #"'$x `y` \n'"#)
        #expect(CredentialEnvironment.fishQuoted(#"a'b\c"#) == #"'a\'b\\c'"#)
    }

    @Test func formats() {
        let variables = CredentialEnvironment(
            credentials: Self.temporary, profileRegion: nil, environment: ["AWS_PROFILE": "p"])
        #expect(
            variables.text(format: .sh) == """
                export AWS_ACCESS_KEY_ID='ASIA1'
                export AWS_SECRET_ACCESS_KEY='s/e+c'
                export AWS_SESSION_TOKEN='tok'
                export AWS_CREDENTIAL_EXPIRATION='2026-11-28T01:02:03Z'
                unset AWS_PROFILE

                """)
        #expect(
            variables.text(format: .fish) == """
                set -gx AWS_ACCESS_KEY_ID 'ASIA1'
                set -gx AWS_SECRET_ACCESS_KEY 's/e+c'
                set -gx AWS_SESSION_TOKEN 'tok'
                set -gx AWS_CREDENTIAL_EXPIRATION '2026-11-28T01:02:03Z'
                set -e AWS_PROFILE

                """)
        #expect(
            variables.text(format: .json)
                == #"{"AWS_ACCESS_KEY_ID": "ASIA1", "AWS_SECRET_ACCESS_KEY": "s/e+c", "AWS_SESSION_TOKEN": "tok", "AWS_CREDENTIAL_EXPIRATION": "2026-11-28T01:02:03Z"}"#
                + "\n")
    }
}
