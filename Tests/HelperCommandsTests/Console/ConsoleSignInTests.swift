import TestSupport
import Testing

@testable import AWSQuery
@testable import CredentialValues
@testable import HelperCommands

@Suite struct ConsoleSignInTests {
    @Test func thePartitionComesFromTheRoleArnThenTheRegion() {
        #expect(
            ConsoleSignIn.partition(roleArn: "arn:aws-cn:iam::123456789012:role/r", region: "eu-west-1")
                == .china)
        #expect(
            ConsoleSignIn.partition(roleArn: "arn:aws-us-gov:iam::123456789012:role/r", region: nil)
                == .govCloud)
        #expect(
            ConsoleSignIn.partition(roleArn: "arn:aws:iam::123456789012:role/r", region: "cn-north-1") == .aws
        )
        #expect(ConsoleSignIn.partition(roleArn: nil, region: "cn-northwest-1") == .china)
        #expect(ConsoleSignIn.partition(roleArn: nil, region: "us-gov-west-1") == .govCloud)
        #expect(ConsoleSignIn.partition(roleArn: nil, region: "eu-west-1") == .aws)
        #expect(ConsoleSignIn.partition(roleArn: nil, region: nil) == .aws)
    }

    @Test func eachPartitionHasItsFederationEndpoint() throws {
        #expect(
            try ConsoleSignIn.federationEndpoint(partition: .aws, environment: [:])
                == "https://signin.aws.amazon.com/federation")
        #expect(
            try ConsoleSignIn.federationEndpoint(partition: .china, environment: [:])
                == "https://signin.amazonaws.cn/federation")
        #expect(
            try ConsoleSignIn.federationEndpoint(partition: .govCloud, environment: [:])
                == "https://signin.amazonaws-us-gov.com/federation")
    }

    @Test func theOverrideIsHTTPSOrLoopback() throws {
        let loopback = ["AWSKEYRING_HELPER_FEDERATION_URL": "http://127.0.0.1:8080/federation"]
        #expect(
            try ConsoleSignIn.federationEndpoint(partition: .china, environment: loopback)
                == "http://127.0.0.1:8080/federation")
        let proxy = ["AWSKEYRING_HELPER_FEDERATION_URL": "https://signin.example.com/federation"]
        #expect(
            try ConsoleSignIn.federationEndpoint(partition: .aws, environment: proxy)
                == "https://signin.example.com/federation")
        #expect(
            throws: ConsoleError.plainHTTPFederationEndpoint(
                variable: "AWSKEYRING_HELPER_FEDERATION_URL", value: "http://example.com/federation")
        ) {
            try ConsoleSignIn.federationEndpoint(
                partition: .aws,
                environment: ["AWSKEYRING_HELPER_FEDERATION_URL": "http://example.com/federation"])
        }
    }

    @Test func theSigninTokenRequestCarriesTheSessionDocument() {
        let credentials = AWSCredentials(
            accessKeyId: "ASIA1", secretAccessKey: "s/e+c=r&t", sessionToken: "tok/en+", expiration: 1)
        let url = ConsoleSignIn.signinTokenURL(
            endpoint: "https://signin.aws.amazon.com/federation", credentials: credentials,
            sessionDuration: 3600)
        #expect(
            url
                == "https://signin.aws.amazon.com/federation?Action=getSigninToken&SessionDuration=3600&Session="
                + "%7B%22sessionId%22%3A%20%22ASIA1%22%2C%20%22sessionKey%22%3A%20%22s%2Fe%2Bc%3Dr%26t%22%2C%20"
                + "%22sessionToken%22%3A%20%22tok%2Fen%2B%22%7D")
        let withoutDuration = ConsoleSignIn.signinTokenURL(
            endpoint: "https://x/federation", credentials: credentials, sessionDuration: nil)
        #expect(!withoutDuration.contains("SessionDuration"))
    }

    @Test func theLoginURLEncodesEveryValue() {
        let url = ConsoleSignIn.loginURL(
            endpoint: "https://signin.aws.amazon.com/federation", issuer: "awskeyring-helper",
            destination: "https://console.aws.amazon.com/console/home?region=eu-west-1", signinToken: "a+b/c")
        #expect(
            url
                == "https://signin.aws.amazon.com/federation?Action=login&Issuer=awskeyring-helper&Destination="
                + "https%3A%2F%2Fconsole.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Deu-west-1&SigninToken=a%2Bb%2Fc"
        )
    }

    @Test func theDefaultDestinationIsTheConsoleHomeInTheRegion() {
        #expect(
            ConsoleSignIn.defaultDestination(partition: .aws, region: "eu-west-1")
                == "https://console.aws.amazon.com/console/home?region=eu-west-1")
        #expect(
            ConsoleSignIn.defaultDestination(partition: .china, region: nil)
                == "https://console.amazonaws.cn/")
        #expect(
            ConsoleSignIn.defaultDestination(partition: .govCloud, region: "bad region&x")
                == "https://console.amazonaws-us-gov.com/")
    }

    @Test func theSigninTokenIsReadFromTheAnswer() {
        #expect(ConsoleSignIn.signinToken(from: Array(#"{"SigninToken":"abc-DEF_1"}"#.utf8)) == "abc-DEF_1")
        #expect(ConsoleSignIn.signinToken(from: Array(#"{"SigninToken":""}"#.utf8)) == nil)
        #expect(ConsoleSignIn.signinToken(from: Array("<html>".utf8)) == nil)
        #expect(ConsoleSignIn.signinToken(from: Array(#"{"Other":"x"}"#.utf8)) == nil)
    }

    @Test func federatedUserNamesFitAWSRules() {
        #expect(ConsoleSignIn.federatedUserName(profile: "prod-admin") == "prod-admin")
        #expect(ConsoleSignIn.federatedUserName(profile: "my profile!") == "myprofile")
        #expect(ConsoleSignIn.federatedUserName(profile: "é") == "awskeyring-helper")
        #expect(ConsoleSignIn.federatedUserName(profile: String(repeating: "a", count: 40)).count == 32)
    }
}

@Suite struct ConsoleLoginTests {
    static let signin = HTTPResponse(
        status: 200, contentType: "application/json", body: Array(#"{"SigninToken":"TOKEN"}"#.utf8))

    @Test func plainKeysGetAFederationTokenWithAnAllowAllPolicyAndNoSessionDuration() throws {
        let fixture = try SourceFixture()
        let transport = ScriptedTransport([
            STSReply.credentials("GetFederationToken", id: "ASIAFED", expiration: SourceFixture.start + 7200),
            .success(Self.signin),
        ])
        let provider = try fixture.provider("[profile base]\nregion = eu-west-1\n", transport: transport)
        let url = try ConsoleLogin(provider: provider).signInURL(
            profile: "base", destination: nil, duration: 7200)
        #expect(
            url
                == "https://signin.aws.amazon.com/federation?Action=login&Issuer=awskeyring-helper&Destination="
                + "https%3A%2F%2Fconsole.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Deu-west-1&SigninToken=TOKEN"
        )
        #expect(
            transport.forms[0] == [
                "Action": "GetFederationToken", "Version": "2011-06-15", "Name": "base",
                "Policy": ConsoleSignIn.allowAllPolicy, "DurationSeconds": "7200",
            ])
        // Signed with the long-lived keys themselves (no MFA session: GetFederationToken refuses those).
        let authorization = transport.requests[0].headers.first { $0.name == "Authorization" }?.value ?? ""
        #expect(authorization.contains("Credential=AKIAIOSFODNN7EXAMPLE/"))
        let federation = transport.requests[1]
        #expect(federation.method == "GET")
        #expect(
            federation.url.hasPrefix(
                "https://signin.aws.amazon.com/federation?Action=getSigninToken&Session="))
        #expect(federation.url.contains("ASIAFED"))
    }

    @Test func longLivedKeysWithMFASerialAreRefusedBeforeAnyCall() throws {
        let fixture = try SourceFixture()
        let transport = ScriptedTransport([])
        let provider = try fixture.provider(
            "[profile base]\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n", transport: transport)
        let error = #expect(
            throws: ConsoleError.federationTokenCannotCarryMFA(profile: "base", mfaProfile: "base")
        ) {
            _ = try ConsoleLogin(provider: provider).signInURL(
                profile: "base", destination: nil, duration: 3600)
        }
        #expect(error?.description.contains("GetFederationToken") == true)
        #expect(error?.description.contains("role profile") == true)
        #expect(transport.requests.isEmpty)
    }

    @Test func aRoleSignsInWithItsSessionAndASessionDurationUnlessChained() throws {
        let fixture = try SourceFixture()
        let config = """
            [profile role]
            role_arn = arn:aws-cn:iam::123456789012:role/one
            source_profile = base
            region = cn-north-1

            [profile chained]
            role_arn = arn:aws-cn:iam::123456789012:role/two
            source_profile = role
            """
        let transport = ScriptedTransport([
            STSReply.credentials("AssumeRole", id: "ASIAROLE", expiration: SourceFixture.start + 3600),
            .success(Self.signin),
        ])
        let provider = try fixture.provider(config, transport: transport)
        let login = ConsoleLogin(provider: provider)
        _ = try login.signInURL(
            profile: "role", destination: "https://console.amazonaws.cn/ec2/", duration: 900)
        #expect(
            transport.requests[1].url.hasPrefix(
                "https://signin.amazonaws.cn/federation?Action=getSigninToken&SessionDuration=900&Session="))

        let chainedTransport = ScriptedTransport([
            STSReply.credentials("AssumeRole", id: "ASIAONE", expiration: SourceFixture.start + 3600),
            STSReply.credentials("AssumeRole", id: "ASIATWO", expiration: SourceFixture.start + 3600),
            .success(Self.signin),
        ])
        let chainedProvider = try fixture.provider(config, transport: chainedTransport)
        let session = try ConsoleLogin(provider: chainedProvider).consoleSession(
            profile: "chained", chain: try chainedProvider.resolver.chain(for: "chained"), duration: 3600)
        #expect(session.sessionDuration == nil)
        #expect(session.credentials.accessKeyId == "ASIATWO")
    }

    @Test func aRefusalNamesTheStatusAndNeverTheToken() throws {
        let fixture = try SourceFixture()
        let transport = ScriptedTransport([
            STSReply.credentials("GetFederationToken", id: "ASIAFED", expiration: SourceFixture.start + 3600),
            .success(HTTPResponse(status: 400, contentType: "text/plain", body: Array("bad".utf8))),
        ])
        let provider = try fixture.provider("[profile base]\n", transport: transport)
        let error = #expect(
            throws: ConsoleError.federationRefused(
                endpoint: "https://signin.aws.amazon.com/federation", profile: "base", status: 400,
                sessionDurationAsked: false)
        ) {
            _ = try ConsoleLogin(provider: provider).signInURL(
                profile: "base", destination: nil, duration: 3600)
        }
        #expect(error?.description.contains("HTTP 400") == true)
        #expect(error?.description.contains("secret-of-ASIAFED") == false)
    }
}
