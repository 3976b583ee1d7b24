import TestSupport
import Testing

@testable import AWSQuery
@testable import CredentialResolution

@Suite struct InstanceMetadataSourceTests {
    static let config = """
        [profile ec2]
        role_arn = arn:aws:iam::123456789012:role/from-ec2
        credential_source = Ec2InstanceMetadata
        region = eu-west-1
        [profile slow]
        role_arn = arn:aws:iam::123456789012:role/from-ec2
        credential_source = Ec2InstanceMetadata
        metadata_service_timeout = 4
        metadata_service_num_attempts = 3
        """
    let fixture: SourceFixture
    init() throws { fixture = try SourceFixture() }

    @Test func theMetadataServiceFollowsTheProxyVariablesAsInBotocore() throws {
        let transport = ScriptedTransport([
            ok("the-token"), ok("instance-role"),
            ok(metadataDocument(id: "ASIAIMDS", expiration: SourceFixture.start + 6 * 3600)),
            STSReply.credentials("AssumeRole", id: "ASIAROLE", expiration: SourceFixture.start + 3600),
        ])
        _ = try fixture.provider(
            Self.config, transport: transport,
            environment: ["http_proxy": "http://proxy:3128", "NO_PROXY": "example.com"]
        ).credentials(profile: "ec2")
        #expect(transport.options.prefix(3).allSatisfy { $0.proxy == "http://proxy:3128" })
        // STS over https takes https_proxy, which is not set.
        #expect(transport.options[3].proxy == nil)
    }

    @Test func imdsV2TokenRoleNameCredentialsThenAssumeRole() throws {
        let transport = ScriptedTransport([
            ok("the-token"), ok("instance-role"),
            ok(metadataDocument(id: "ASIAIMDS", expiration: SourceFixture.start + 6 * 3600)),
            STSReply.credentials("AssumeRole", id: "ASIAROLE", expiration: SourceFixture.start + 3600),
        ])
        let credentials = try fixture.provider(Self.config, transport: transport).credentials(profile: "ec2")
        #expect(credentials.accessKeyId == "ASIAROLE")
        let requests = transport.requests
        #expect(requests.map(\.method) == ["PUT", "GET", "GET", "POST"])
        #expect(requests[0].url == "http://169.254.169.254/latest/api/token")
        #expect(header(requests[0], "X-aws-ec2-metadata-token-ttl-seconds") == "21600")
        #expect(requests[1].url == "http://169.254.169.254/latest/meta-data/iam/security-credentials/")
        #expect(
            requests[2].url
                == "http://169.254.169.254/latest/meta-data/iam/security-credentials/instance-role")
        #expect(header(requests[1], "X-aws-ec2-metadata-token") == "the-token")
        #expect(header(requests[2], "X-aws-ec2-metadata-token") == "the-token")
        // The role is assumed with the instance's credentials, and (role chaining) for at most an hour.
        #expect(header(requests[3], "Authorization")?.contains("Credential=ASIAIMDS/") == true)
        #expect(header(requests[3], "X-Amz-Security-Token") == "token-of-ASIAIMDS")
        // Only the role's credentials are cached, not the instance's.
        #expect(fixture.store.all.filter { $0.attributes["kind"] != "access-key" }.count == 1)
    }

    @Test func theEndpointVariableAndTheProfileTimeoutsApply() throws {
        let transport = ScriptedTransport([
            .failure(HTTPFailure(kind: .connect, detail: "refused")), ok("t"),
            STSReply.status(500), ok("r"),
            ok(metadataDocument(id: "ASIAIMDS", expiration: SourceFixture.start + 6 * 3600)),
            STSReply.credentials("AssumeRole", id: "ASIAROLE", expiration: SourceFixture.start + 3600),
        ])
        let provider = try fixture.provider(
            Self.config, transport: transport,
            environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:8111"])
        #expect(try provider.credentials(profile: "slow").accessKeyId == "ASIAROLE")
        #expect(transport.requests[0].url == "http://127.0.0.1:8111/latest/api/token")
        #expect(transport.requests.map(\.method) == ["PUT", "PUT", "GET", "GET", "GET", "POST"])
        let metadata = try InstanceMetadataSource(
            profile: "slow", files: try configFiles(Self.config), environment: [:])
        #expect(metadata.timeout == 4 && metadata.attempts == 3)
        #expect(metadata.options.totalTimeout == 4)
    }

    @Test func theEnvironmentWinsOverTheProfileForTimeoutAndAttempts() throws {
        let metadata = try InstanceMetadataSource(
            profile: "slow", files: try configFiles(Self.config),
            environment: ["AWS_METADATA_SERVICE_TIMEOUT": "2", "AWS_METADATA_SERVICE_NUM_ATTEMPTS": "5"])
        #expect(metadata.timeout == 2 && metadata.attempts == 5)
        let defaults = try InstanceMetadataSource(
            profile: "ec2", files: try configFiles(Self.config), environment: [:])
        #expect(defaults.timeout == 1 && defaults.attempts == 1)
        #expect(defaults.endpoint == "http://169.254.169.254/")
        let message = expectedMessage {
            _ = try InstanceMetadataSource(
                profile: "ec2", files: try configFiles(Self.config),
                environment: ["AWS_METADATA_SERVICE_TIMEOUT": "soon"])
        }
        #expect(message?.contains("AWS_METADATA_SERVICE_TIMEOUT") == true)
    }

    @Test func aRefusedTokenRequestFallsBackToIMDSv1() throws {
        let transport = ScriptedTransport([
            STSReply.status(403), ok("r"),
            ok(metadataDocument(id: "ASIAIMDS", expiration: SourceFixture.start + 6 * 3600)),
            STSReply.credentials("AssumeRole", id: "ASIAROLE", expiration: SourceFixture.start + 3600),
        ])
        #expect(
            try fixture.provider(Self.config, transport: transport).credentials(profile: "ec2").accessKeyId
                == "ASIAROLE")
        #expect(header(transport.requests[1], "X-aws-ec2-metadata-token") == nil)
    }

    @Test func imdsV1CanBeForbidden() throws {
        let transport = ScriptedTransport([STSReply.status(404)])
        let message = expectedMessage {
            _ = try fixture.provider(
                Self.config, transport: transport, environment: ["AWS_EC2_METADATA_V1_DISABLED": "true"]
            ).credentials(profile: "ec2")
        }
        #expect(message?.contains("ec2_metadata_v1_disabled") == true)
        #expect(transport.requests.count == 1)
    }

    @Test func disabledMetadataIsAClearErrorWithoutARequest() throws {
        let transport = ScriptedTransport([])
        let message = expectedMessage {
            _ = try fixture.provider(
                Self.config, transport: transport, environment: ["AWS_EC2_METADATA_DISABLED": "TRUE"]
            ).credentials(profile: "ec2")
        }
        #expect(message?.contains("AWS_EC2_METADATA_DISABLED=true") == true)
        #expect(transport.requests.isEmpty)
    }

    @Test func aServiceThatNeverAnswersFailsAfterTheConfiguredAttempts() throws {
        let timeout = Result<HTTPResponse, HTTPFailure>.failure(HTTPFailure(kind: .timeout, detail: "1 s"))
        let transport = ScriptedTransport(Array(repeating: timeout, count: 10))
        let message = expectedMessage {
            _ = try fixture.provider(Self.config, transport: transport).credentials(profile: "slow")
        }
        #expect(message?.contains("role name could not be read") == true)
        #expect(message?.contains("3 attempts of 4 s") == true)
        // The token PUT gives up on its first timeout (as botocore), then three GETs.
        #expect(transport.requests.map(\.method) == ["PUT", "GET", "GET", "GET"])
    }

    @Test func anErrorDocumentIsReportedWithoutItsContents() throws {
        let transport = ScriptedTransport([
            ok("t"), ok("r"), ok(#"{"Code": "AssumeRoleUnauthorizedAccess", "Message": "no"}"#),
        ])
        let message = expectedMessage {
            _ = try fixture.provider(Self.config, transport: transport).credentials(profile: "ec2")
        }
        #expect(message?.contains("without AccessKeyId") == true)
    }
}
