import TestSupport
import Testing

@testable import CredentialResolution

/// A refusal (401, 403) from the container endpoint or the instance metadata service is final; other
/// failures are still tried again.
@Suite struct RefusedMetadataTests {
    let fixture: SourceFixture
    init() throws { fixture = try SourceFixture() }

    static let container = """
        [profile task]
        role_arn = arn:aws:iam::123456789012:role/from-task
        credential_source = EcsContainer
        """
    static let instance = """
        [profile ec2]
        role_arn = arn:aws:iam::123456789012:role/from-ec2
        credential_source = Ec2InstanceMetadata
        metadata_service_num_attempts = 3
        """

    @Test(arguments: [401, 403])
    func theContainerEndpointIsAskedOnce(status: Int) throws {
        let transport = ScriptedTransport([
            STSReply.status(status), STSReply.status(500), STSReply.status(500),
        ])
        let error = thrown(CredentialSourceError.self) {
            _ = try fixture.provider(
                Self.container, transport: transport,
                environment: ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/c"]
            ).credentials(profile: "task")
        }
        #expect(error == .containerRefused(profile: "task", url: "http://169.254.170.2/c", status: status))
        let message = error?.description
        #expect(transport.requests.count == 1)
        #expect(message?.contains("refused the request (HTTP \(status))") == true)
        #expect(message?.contains("AWS_CONTAINER_AUTHORIZATION_TOKEN") == true)
    }

    @Test(arguments: [401, 403])
    func theMetadataServiceIsAskedOnce(status: Int) throws {
        let transport = ScriptedTransport([
            ok("the-token"), STSReply.status(status), STSReply.status(500), STSReply.status(500),
        ])
        let error = thrown(CredentialSourceError.self) {
            _ = try fixture.provider(Self.instance, transport: transport).credentials(profile: "ec2")
        }
        #expect(
            {
                if case .metadataRefused(profile: "ec2", _, status: status)? = error { true } else { false }
            }())
        let message = error?.description
        #expect(transport.requests.map(\.method) == ["PUT", "GET"])
        #expect(message?.contains("refused the request (HTTP \(status))") == true)
    }

    @Test func otherMetadataFailuresAreStillTriedAgain() throws {
        let transport = ScriptedTransport([
            ok("the-token"), STSReply.status(500), STSReply.status(500), STSReply.status(500),
        ])
        let error = thrown(CredentialSourceError.self) {
            _ = try fixture.provider(Self.instance, transport: transport).credentials(profile: "ec2")
        }
        #expect(
            {
                if case .metadataUnavailable(profile: "ec2", _, _, attempts: 3, _)? = error {
                    true
                } else {
                    false
                }
            }())
        let message = error?.description
        #expect(transport.requests.map(\.method) == ["PUT", "GET", "GET", "GET"])
        #expect(message?.contains("3 attempts of") == true)
        #expect(message?.contains("raise metadata_service_timeout or metadata_service_num_attempts") == true)
        #expect(message?.contains("refused") == false)
    }
}
