import TestSupport
import Testing

@testable import AWSQuery
@testable import CredentialResolution
@testable import CredentialValues

@Suite struct ContainerEndpointSourceTests {
    static let config = """
        [profile task]
        role_arn = arn:aws:iam::123456789012:role/from-task
        credential_source = EcsContainer
        """
    let fixture: SourceFixture
    init() throws { fixture = try SourceFixture() }

    func run(_ environment: [String: String], _ answers: [Result<HTTPResponse, HTTPFailure>]) throws -> (
        AWSCredentials, ScriptedTransport
    ) {
        let transport = ScriptedTransport(
            answers + [
                STSReply.credentials("AssumeRole", id: "ASIAROLE", expiration: SourceFixture.start + 3600)
            ])
        let credentials = try fixture.provider(Self.config, transport: transport, environment: environment)
            .credentials(profile: "task")
        return (credentials, transport)
    }

    @Test func theRelativeURIGoesToTheECSAddress() throws {
        let (credentials, transport) = try run(
            ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc"],
            [ok(metadataDocument(id: "ASIATASK", expiration: SourceFixture.start + 6 * 3600))])
        #expect(credentials.accessKeyId == "ASIAROLE")
        #expect(transport.requests[0].method == "GET")
        #expect(transport.requests[0].url == "http://169.254.170.2/v2/credentials/abc")
        #expect(header(transport.requests[0], "Accept") == "application/json")
        #expect(header(transport.requests[0], "Authorization") == nil)
        #expect(header(transport.requests[1], "Authorization")?.contains("Credential=ASIATASK/") == true)
    }

    @Test func theFullURIWithAToken() throws {
        let (_, transport) = try run(
            [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9000/creds?x=1",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Basic abc",
            ],
            [ok(metadataDocument(id: "ASIATASK", expiration: SourceFixture.start + 6 * 3600))])
        #expect(transport.requests[0].url == "http://127.0.0.1:9000/creds?x=1")
        #expect(header(transport.requests[0], "Authorization") == "Basic abc")
    }

    @Test func neverThroughAProxyAndLocalhostPinned() throws {
        let (_, transport) = try run(
            [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://localhost:9000/creds",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "secret-token",
                "http_proxy": "http://proxy:3128", "ALL_PROXY": "http://proxy:3128",
            ],
            [ok(metadataDocument(id: "ASIATASK", expiration: SourceFixture.start + 6 * 3600))])
        #expect(transport.options[0].proxy == nil)
        #expect(
            transport.options[0].pin
                == AddressPin(host: "localhost", port: 9000, addresses: ["127.0.0.1", "::1"]))
    }

    @Test func theTokenFileWinsAndIsReadEachTime() throws {
        let path = fixture.write("token", "from-file")
        let (_, transport) = try run(
            [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.23/v1/credentials",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "from-variable",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": path,
            ],
            [ok(metadataDocument(id: "ASIATASK", expiration: SourceFixture.start + 6 * 3600))])
        #expect(header(transport.requests[0], "Authorization") == "from-file")
    }

    @Test func aTokenWithALineBreakIsRefused() throws {
        let path = fixture.write("token-nl", "abc\n")
        let error = thrown(CredentialSourceError.self) {
            _ = try run(
                [
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://localhost:9000/c",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": path,
                ], [])
        }
        #expect(error == .containerTokenLineBreak(origin: "in \(path)"))
        let message = error?.description
        #expect(message?.contains("line break") == true)
    }

    @Test(arguments: [
        "http://169.254.169.254/creds", "http://example.com/creds", "http://10.0.0.1/c", "ftp://localhost/c",
        "http://localhost.evil.com/c",
    ])
    func hostsBotocoreRefusesAreRefused(url: String) throws {
        let error = thrown(CredentialSourceError.self) {
            _ = try run(["AWS_CONTAINER_CREDENTIALS_FULL_URI": url], [])
        }
        #expect(
            {
                switch error {
                case .containerHostNotAllowed?, .containerURLInvalid(profile: _, url: url)?: true
                default: false
                }
            }())
        let message = error?.description
        #expect(message?.contains("container credentials URL") == true)
    }

    @Test(arguments: [
        "https://example.com/creds", "http://127.0.0.1:80/c", "http://127.1.2.3/c", "http://[::1]:8080/c",
        "http://localhost/c", "http://169.254.170.2/c", "http://[fd00:ec2::23]/c",
    ])
    func hostsBotocoreAllowsAreAllowed(url: String) throws {
        try ContainerEndpointSource.checkAllowed(url, profile: "p")
    }

    @Test func failuresAreRetriedThreeTimesThenReported() throws {
        let error = thrown(CredentialSourceError.self) {
            _ = try run(
                ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/c"],
                [
                    STSReply.status(500), .failure(HTTPFailure(kind: .connect, detail: "refused")),
                    STSReply.status(503),
                ])
        }
        #expect(
            {
                if case .containerNoCredentials(
                    _, url: "http://169.254.170.2/c", lastProblem: "it answered HTTP 503")? = error
                {
                    true
                } else {
                    false
                }
            }())
        let message = error?.description
        #expect(message?.contains("HTTP 503") == true)
        #expect(message?.contains("EcsContainer") == true)
    }

    @Test func noVariablesIsAClearError() throws {
        let error = thrown(CredentialSourceError.self) { _ = try run([:], []) }
        #expect(
            {
                if case .containerNotConfigured? = error { true } else { false }
            }())
        let message = error?.description
        #expect(message?.contains("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") == true)
    }
}
