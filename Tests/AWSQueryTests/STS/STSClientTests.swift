import Synchronization
import TestSupport
import Testing

@testable import AWSQuery
@testable import AWSXML
@testable import CredentialValues

@Suite struct STSClientTests {
    static let keys = AWSCredentials(
        accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let role = "arn:aws:iam::123456789012:role/dev"
    static let now = 1_795_827_723

    func client(
        _ transport: ScriptedTransport, config: String = "[profile p]\nregion = eu-west-1\n",
        environment: [String: String] = [:], clock: TestClock = TestClock(now)
    ) throws -> STSClient {
        let configuration = try STSConfiguration(
            profile: "p", files: try configFiles(config), environment: environment)
        return STSClient(
            configuration: configuration,
            connection: QueryConnection(transport: transport, clock: clock, random: { 0.5 }))
    }

    func assume(_ client: STSClient) throws -> STSCredentialsResult {
        try client.assumeRole(
            .init(roleArn: Self.role, sessionName: "s", durationSeconds: 1800, externalId: "x y"),
            with: Self.keys)
    }

    @Test func aSignedFormPostToTheRegionalEndpoint() throws {
        let transport = ScriptedTransport([
            STSReply.credentials("AssumeRole", id: "ASIA1", expiration: Self.now + 1800)
        ])
        let result = try assume(try client(transport))
        #expect(
            result.credentials
                == AWSCredentials(
                    accessKeyId: "ASIA1", secretAccessKey: "secret-of-ASIA1", sessionToken: "token-of-ASIA1",
                    expiration: Self.now + 1800))
        let request = try #require(transport.requests.first)
        #expect(request.method == "POST")
        #expect(request.url == "https://sts.eu-west-1.amazonaws.com/")
        #expect(
            transport.forms[0] == [
                "Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": Self.role, "RoleSessionName": "s",
                "DurationSeconds": "1800", "ExternalId": "x y",
            ])
        let authorization = try #require(request.headers.first { $0.name == "Authorization" }?.value)
        #expect(
            authorization.hasPrefix(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/eu-west-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="
            ))
        #expect(request.headers.contains(SigningHeader(name: "Host", value: "sts.eu-west-1.amazonaws.com")))
    }

    @Test func serverErrorsAndThrottlingAreRetriedWithBackoff() throws {
        let transport = ScriptedTransport([
            STSReply.status(500), STSReply.error("Throttling", "Rate exceeded", status: 400),
            STSReply.credentials("AssumeRole", id: "ASIA2", expiration: Self.now + 3600),
        ])
        let clock = TestClock(Self.now)
        #expect(try assume(try client(transport, clock: clock)).credentials.accessKeyId == "ASIA2")
        #expect(transport.requests.count == 3)
        #expect(clock.waits == [0.5, 1.0])
    }

    /// The whole call is bounded (15 s): with ten attempts allowed, the retries stop when the next wait
    /// would reach past the deadline on the clock.
    @Test func theDeadlineEndsTheRetriesBeforeMaxAttempts() throws {
        let transport = ScriptedTransport(Array(repeating: STSReply.status(503), count: 10))
        let clock = TestClock(Self.now)
        let config = "[profile p]\nregion = eu-west-1\nmax_attempts = 10\n"
        let error = #expect(
            throws: AWSQueryError.httpStatus(
                503, service: "STS", call: "AssumeRole \(Self.role)", attempts: 5)
        ) { try assume(try client(transport, config: config, clock: clock)) }
        #expect(
            error?.description == "AssumeRole \(Self.role) failed: STS answered HTTP 503 (after 5 attempts)")
        #expect(clock.waits == [0.5, 1.0, 2.0, 4.0])
        #expect(transport.options.map(\.totalTimeout) == [6, 6, 6, 6, 6])
    }

    @Test func givesUpAfterMaxAttempts() throws {
        let transport = ScriptedTransport(Array(repeating: STSReply.status(503), count: 5))
        let error = #expect(
            throws: AWSQueryError.httpStatus(
                503, service: "STS", call: "AssumeRole \(Self.role)", attempts: 3)
        ) { try assume(try client(transport)) }
        #expect(
            error?.description == "AssumeRole \(Self.role) failed: STS answered HTTP 503 (after 3 attempts)")
        #expect(transport.requests.count == 3)
    }

    @Test func maxAttemptsFromTheEnvironment() throws {
        let transport = ScriptedTransport(
            Array(repeating: .failure(HTTPFailure(kind: .dropped, detail: "reset")), count: 5))
        let error = #expect(throws: AWSQueryError.self) {
            try assume(try client(transport, environment: ["AWS_MAX_ATTEMPTS": "1"]))
        }
        guard case .transport(let failure, _, _, attempts: 1)? = error else {
            Issue.record("expected one failed attempt, got \(String(describing: error))")
            return
        }
        #expect(failure.kind == .dropped)
        #expect(transport.requests.count == 1)
    }

    @Test func refusalsAreNotRetriedAndNameTheRole() throws {
        let transport = ScriptedTransport([STSReply.error("AccessDenied", "not allowed", status: 403)])
        let refusal = AWSServiceError(
            code: "AccessDenied", message: "not allowed", type: "Sender", httpStatus: 403, requestId: "r")
        let error = #expect(
            throws: AWSQueryError.service(refusal, call: "AssumeRole \(Self.role)", attempts: 1)
        ) {
            try assume(try client(transport))
        }
        #expect(error?.description == "AssumeRole \(Self.role) failed: AccessDenied: not allowed")
        #expect(transport.requests.count == 1)
    }

    @Test func anErrorDocumentInA200IsTheServicesError() throws {
        let transport = ScriptedTransport([STSReply.error("AccessDenied", "not allowed", status: 200)])
        let error = #expect(throws: AWSQueryError.self) { try assume(try client(transport)) }
        #expect(error?.description == "AssumeRole \(Self.role) failed: AccessDenied: not allowed")
        #expect(error?.serviceError?.code == "AccessDenied")
        #expect(error?.serviceError?.httpStatus == 200)
        #expect(transport.requests.count == 1)

        let retried = ScriptedTransport([
            STSReply.error("Throttling", "slow down", status: 200),
            STSReply.credentials("AssumeRole", id: "ASIA3", expiration: Self.now + 3600),
        ])
        #expect(try assume(try client(retried)).credentials.accessKeyId == "ASIA3")
        #expect(retried.requests.count == 2)
    }

    @Test func tlsFailuresAreNotRetried() throws {
        let transport = ScriptedTransport([.failure(HTTPFailure(kind: .tls, detail: "bad certificate"))])
        let error = #expect(throws: AWSQueryError.self) { try assume(try client(transport)) }
        guard case .transport(let failure, _, _, attempts: 1)? = error else {
            Issue.record("expected one failed attempt, got \(String(describing: error))")
            return
        }
        #expect(failure == HTTPFailure(kind: .tls, detail: "bad certificate"))
        #expect(error?.description.contains("AWS_CA_BUNDLE") == true)
        #expect(transport.requests.count == 1)
    }

    @Test func unreadableAnswersFailWithoutEchoingTheBody() throws {
        let transport = ScriptedTransport([
            STSReply.status(200, body: "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA")
        ])
        let error = #expect(throws: AWSQueryError.self) { try assume(try client(transport)) }
        guard case .unreadableResponse(service: "STS", call: "AssumeRole \(Self.role)", _)? = error else {
            Issue.record("expected an unreadable answer, got \(String(describing: error))")
            return
        }
        #expect(error?.description.contains("could not be read") == true)
        #expect(error?.description.contains("ASIA") == false)
    }

    @Test func signedRequestsNeverGoOverPlainHTTPToAnotherHost() throws {
        let transport = ScriptedTransport([])
        let error = #expect(
            throws: AWSQueryError.plainHTTPRefused(service: "STS", host: "sts.example.com", signed: true)
        ) {
            try assume(try client(transport, environment: ["AWS_ENDPOINT_URL": "http://sts.example.com"]))
        }
        #expect(error?.description.contains("refusing to send signed STS requests over plain http") == true)
        #expect(transport.requests.isEmpty)
    }

    @Test func plainHTTPToLoopbackIsAllowed() throws {
        let transport = ScriptedTransport([
            STSReply.credentials("GetSessionToken", id: "ASIA3", expiration: Self.now + 900)
        ])
        let sts = try client(transport, environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:5000"])
        let result = try sts.getSessionToken(
            durationSeconds: 900, serialNumber: "arn:aws:iam::123456789012:mfa/me", tokenCode: "123456",
            with: Self.keys)
        #expect(result.credentials.accessKeyId == "ASIA3")
        #expect(transport.requests[0].url == "http://127.0.0.1:5000/")
        #expect(transport.forms[0]["TokenCode"] == "123456")
        #expect(transport.forms[0]["SerialNumber"] == "arn:aws:iam::123456789012:mfa/me")
    }
}

@Suite struct EndpointURLTests {
    @Test(arguments: [
        ("http://127.0.0.1:5000", true), ("http://127.1.2.3", true), ("http://localhost:8080/x", true),
        ("http://a.localhost", false), ("http://[::1]:9000", true), ("http://127.example.com", false),
        ("http://127.0.0.1.nip.io", false), ("http://10.1.2.3", false), ("http://127.0.0.256", false),
        ("http://[::ffff:10.1.2.3]", false), ("http://localhost.example.com", false),
        // Not canonical dotted quads: libcurl reads some as octal, others it resolves as names.
        ("http://127.0.0.08", false), ("http://127.000.0.1", false), ("http://0177.0.0.1", false),
        ("http://127.1", false), ("http://2130706433", false), ("http://0x7f.0.0.1", false),
        ("http://[0:0:0:0:0:0:0:1]", true), ("http://[::2]", false),
    ])
    func loopbackMeansThisMachineOnly(url: String, loopback: Bool) throws {
        #expect(try EndpointURL(url).isLoopback == loopback)
    }

    @Test func onlyLocalhostIsPinnedAndToItsLoopbackAddresses() throws {
        #expect(
            try EndpointURL("http://localhost:8080").loopbackPin
                == AddressPin(host: "localhost", port: 8080, addresses: ["127.0.0.1", "::1"]))
        #expect(try EndpointURL("http://LOCALHOST").loopbackPin?.port == 80)
        #expect(try EndpointURL("http://127.0.0.1:8080").loopbackPin == nil)
        #expect(try EndpointURL("https://sts.amazonaws.com").loopbackPin == nil)
    }

    @Test func aContainerURLMayHaveAQueryAndUserInformation() throws {
        let url = try EndpointURL("http://u:p@[::1]:9/creds?x=1", allowingQuery: true)
        #expect(url.bareHost == "::1")
        #expect(url.path == "/creds?x=1")
        #expect(url.isLoopback)
        #expect(throws: EndpointURLError(url: "http://u@h/creds?x=1", problem: .queryOrFragment)) {
            try EndpointURL("http://u@h/creds?x=1")
        }
    }

    @Test func partsAndHostHeader() throws {
        let url = try EndpointURL("HTTPS://STS.Example.com:443/base")
        #expect(url.scheme == "https")
        #expect(url.host == "sts.example.com")
        #expect(url.hostHeader == "sts.example.com")
        #expect(url.path == "/base")
        #expect(try EndpointURL("http://h:8080").hostHeader == "h:8080")
        #expect(throws: EndpointURLError(url: "ftp://h", problem: .notHTTP)) { try EndpointURL("ftp://h") }
        #expect(throws: EndpointURLError(url: "https://h?x=1", problem: .queryOrFragment)) {
            try EndpointURL("https://h?x=1")
        }
        #expect(throws: EndpointURLError(url: "https://user@h", problem: .userInformation)) {
            try EndpointURL("https://user@h")
        }
        #expect(throws: EndpointURLError(url: "https://h:99999", problem: .badPort)) {
            try EndpointURL("https://h:99999")
        }
    }
}
