import TestSupport
import Testing

@testable import CredentialResolution

@Suite struct WebIdentitySourceTests {
    let fixture: SourceFixture
    let tokenFile: String
    init() throws {
        fixture = try SourceFixture()
        tokenFile = fixture.write("web-token", "eyJ.first.token\n")
    }

    var config: String {
        """
        [profile web]
        role_arn = arn:aws:iam::123456789012:role/web
        web_identity_token_file = \(tokenFile)
        role_session_name = pod
        duration_seconds = 1800
        region = eu-west-1
        [profile above]
        role_arn = arn:aws:iam::123456789012:role/above
        source_profile = web
        duration_seconds = 7200
        """
    }

    @Test func theCallIsUnsignedAndCarriesTheTokenFromTheFile() throws {
        let transport = ScriptedTransport([
            STSReply.credentials(
                "AssumeRoleWithWebIdentity", id: "ASIAWEB", expiration: SourceFixture.start + 1800)
        ])
        let credentials = try fixture.provider(config, transport: transport).credentials(profile: "web")
        #expect(credentials.accessKeyId == "ASIAWEB")
        #expect(credentials.sessionToken == "token-of-ASIAWEB")
        let request = try #require(transport.requests.first)
        #expect(request.url == "https://sts.eu-west-1.amazonaws.com/")
        #expect(header(request, "Authorization") == nil)
        #expect(header(request, "X-Amz-Security-Token") == nil)
        let form = transport.forms[0]
        #expect(form["Action"] == "AssumeRoleWithWebIdentity")
        #expect(form["RoleArn"] == "arn:aws:iam::123456789012:role/web")
        #expect(form["RoleSessionName"] == "pod")
        #expect(form["WebIdentityToken"] == "eyJ.first.token")
        #expect(form["DurationSeconds"] == "1800")
    }

    @Test func theTokenIsReadAgainForEveryCall() throws {
        let transport = ScriptedTransport([
            STSReply.credentials(
                "AssumeRoleWithWebIdentity", id: "ASIAWEB1", expiration: SourceFixture.start + 900),
            STSReply.credentials(
                "AssumeRoleWithWebIdentity", id: "ASIAWEB2", expiration: SourceFixture.start + 900),
        ])
        _ = try fixture.provider(config, transport: transport).credentials(profile: "web")
        _ = fixture.write("web-token", "eyJ.second.token")
        _ = try fixture.provider(config, transport: transport).credentials(profile: "web")
        #expect(transport.forms.map { $0["WebIdentityToken"] } == ["eyJ.first.token", "eyJ.second.token"])
    }

    @Test func aWebIdentityProfileFeedsARoleChain() throws {
        let transport = ScriptedTransport([
            STSReply.credentials(
                "AssumeRoleWithWebIdentity", id: "ASIAWEB", expiration: SourceFixture.start + 3600),
            STSReply.credentials("AssumeRole", id: "ASIAABOVE", expiration: SourceFixture.start + 3600),
        ])
        #expect(
            try fixture.provider(config, transport: transport).credentials(profile: "above").accessKeyId
                == "ASIAABOVE")
        #expect(transport.forms[1]["Action"] == "AssumeRole")
        // Role chaining: AWS allows one hour.
        #expect(transport.forms[1]["DurationSeconds"] == "3600")
        #expect(header(transport.requests[1], "Authorization")?.contains("Credential=ASIAWEB/") == true)
    }

    @Test func theEnvironmentConfiguresTheProfileAskedForOnlyWhenItWasNotNamed() throws {
        let other = fixture.write("env-token", "eyJ.env")
        let environment = [
            "AWS_WEB_IDENTITY_TOKEN_FILE": other, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/env",
            "AWS_ROLE_SESSION_NAME": "env-session",
        ]
        let transport = ScriptedTransport([
            STSReply.credentials(
                "AssumeRoleWithWebIdentity", id: "ASIAENV", expiration: SourceFixture.start + 900)
        ])
        var provider = try fixture.provider(
            "[default]\nregion = us-west-2\n", transport: transport, environment: environment)
        provider.webIdentityFromEnvironment = true
        #expect(try provider.credentials(profile: "default").accessKeyId == "ASIAENV")
        #expect(transport.forms[0]["RoleArn"] == "arn:aws:iam::123456789012:role/env")
        #expect(transport.forms[0]["RoleSessionName"] == "env-session")
        #expect(transport.forms[0]["WebIdentityToken"] == "eyJ.env")

        // Named explicitly (--profile), the variables do not apply: the keyring is asked.
        provider.webIdentityFromEnvironment = false
        let message = expectedMessage { _ = try provider.credentials(profile: "default") }
        #expect(message?.contains("no keys are stored") == true)
    }

    @Test func aMissingTokenFileIsAClearError() throws {
        let config =
            "[profile web]\nrole_arn = arn:aws:iam::123456789012:role/web\nweb_identity_token_file = /nonexistent/t\n"
        let transport = ScriptedTransport([])
        let message = expectedMessage {
            _ = try fixture.provider(config, transport: transport).credentials(profile: "web")
        }
        #expect(message?.contains("/nonexistent/t") == true && message?.contains("does not exist") == true)
        #expect(transport.requests.isEmpty)
    }

    @Test func anSTSRefusalIsReported() throws {
        let transport = ScriptedTransport([
            STSReply.error("InvalidIdentityToken", "expired token", status: 400)
        ])
        let message = expectedMessage {
            _ = try fixture.provider(config, transport: transport).credentials(profile: "web")
        }
        #expect(
            message
                == "AssumeRoleWithWebIdentity arn:aws:iam::123456789012:role/web failed: InvalidIdentityToken: expired token"
        )
    }

    @Test func aTokenFileWithoutARoleIsAConfigError() throws {
        let message = expectedMessage {
            _ = try ProfileResolver(files: try configFiles("[profile w]\nweb_identity_token_file = /t\n"))
                .chain(for: "w")
        }
        #expect(message?.contains("role_arn") == true)
    }
}
