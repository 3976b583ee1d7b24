import TestSupport
import Testing

@testable import AWSConfigFile
@testable import CredentialServer
@testable import CredentialValues
@testable import ProcessControl
@testable import SystemAccess

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct AuthorizationTokenTests {
    @Test func tokensAre32RandomBytesInHexAndNewEachTime() {
        let first = AuthorizationToken.random()
        let second = AuthorizationToken.random()
        #expect(first.value.count == 64)
        #expect(first.value.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(first != second)
    }

    @Test func onlyTheExactTokenMatches() {
        let token = AuthorizationToken(bytes: Array(repeating: 0xab, count: 32))
        #expect(token.value == String(repeating: "ab", count: 32))
        #expect(token.matches(token.value))
        #expect(!token.matches(nil))
        #expect(!token.matches(""))
        #expect(!token.matches(String(token.value.dropLast())))
        #expect(!token.matches(token.value + "0"))
        #expect(!token.matches(String(token.value.dropLast()) + "c"))
        #expect(!token.matches("Bearer " + token.value))
    }
}

@Suite struct CredentialAnswerTests {
    let token = AuthorizationToken(bytes: Array(0..<32))

    /// A source that has no credentials, saying why as every error of the tool does.
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    func answer(_ result: Result<AWSCredentials, any Error>) -> CredentialAnswer {
        CredentialAnswer(token: token, source: { result }, clock: FixedClock(), workers: nil)
    }

    @Test func theTokenIsCheckedBeforeTheMethod() {
        let answer = answer(.failure(Unavailable(description: "unused")))
        #expect(answer.refusal(method: .GET, authorization: [])?.status == .unauthorized)
        #expect(answer.refusal(method: .POST, authorization: ["wrong"])?.status == .unauthorized)
        #expect(
            answer.refusal(method: .GET, authorization: [token.value, token.value])?.status == .unauthorized)
        #expect(answer.refusal(method: .POST, authorization: [token.value])?.status == .methodNotAllowed)
        #expect(answer.refusal(method: .GET, authorization: [token.value]) == nil)
    }

    @Test func theDocumentIsTheContainerCredentialsFormat() {
        let role = AWSCredentials(
            accessKeyId: "ASIA1", secretAccessKey: "s", sessionToken: "t", expiration: 1_795_831_323)
        let response = answer(.success(role)).credentialsResponse()
        #expect(response.status == .ok)
        #expect(
            response.body
                == #"{"AccessKeyId": "ASIA1", "SecretAccessKey": "s", "Token": "t", "Expiration": "2026-11-28T02:02:03Z"}"#
        )
        // Long-lived keys: botocore needs both members; an empty token and an hour ahead.
        let keys = AWSCredentials(accessKeyId: "AKIA1", secretAccessKey: "s")
        #expect(
            ContainerCredentialsEndpoint.document(keys, now: 1_795_827_723)
                == #"{"AccessKeyId": "AKIA1", "SecretAccessKey": "s", "Token": "", "Expiration": "2026-11-28T02:02:03Z"}"#
        )
    }

    @Test func aFailureIsA500WithTheMessage() {
        let response = answer(.failure(Unavailable(description: "no keys are stored")))
            .credentialsResponse()
        #expect(response.status == .internalServerError)
        #expect(response.body == #"{"Code": "CredentialsUnavailable", "Message": "no keys are stored"}"#)
    }
}

@Suite struct ServerChildEnvironmentTests {
    @Test func competingVariablesGoAndTheEndpointAndRegionCome() throws {
        let files = try AWSConfigFiles.parse(
            config: Array("[profile p]\nregion = eu-west-1\n".utf8), credentials: nil, configPath: "c",
            credentialsPath: "k")
        let token = AuthorizationToken(bytes: Array(repeating: 1, count: 32))
        let environment = ServerChildEnvironment.make(
            environment: [
                "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_SESSION_TOKEN": "x",
                "AWS_SECURITY_TOKEN": "x", "AWS_PROFILE": "q", "AWS_DEFAULT_PROFILE": "q",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/f",
                "AWS_WEB_IDENTITY_TOKEN_FILE": "/t", "AWS_ROLE_ARN": "r", "HOME": "/home/me",
            ], profile: "p", files: files, url: "http://127.0.0.1:1234/", token: token)
        #expect(
            environment == [
                "HOME": "/home/me", "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1234/",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": token.value,
            ])
    }

    @Test func aDefaultProfileWithCredentialsIsNamed() throws {
        let files = try AWSConfigFiles.parse(
            config: Array("[default]\nrole_arn = arn:aws:iam::123456789012:role/r\nregion = x\n".utf8),
            credentials: Array("[default]\naws_access_key_id = A\n".utf8), configPath: "c",
            credentialsPath: "k")
        #expect(
            ServerChildEnvironment.competingDefaultSettings(files: files) == [
                "aws_access_key_id", "role_arn",
            ])
    }
}

@Suite struct ChildSupervisorTests {
    @Test func waitStatusesBecomeShellExitStatuses() {
        #expect(Processes.exitStatus(fromWaitStatus: 7 << 8) == 7)
        #expect(Processes.exitStatus(fromWaitStatus: 0) == 0)
        #expect(Processes.exitStatus(fromWaitStatus: SIGTERM) == 143)
        #expect(Processes.exitStatus(fromWaitStatus: SIGKILL | 0x80) == 137)
    }
}

@Suite struct SignInRedirectTests {
    @Test func theConnectionOwnerComesFromProcNetTCP() {
        let table = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:9C40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1
               1: 0100007F:D431 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 2 1
               2: 0100007F:9C40 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1001        0 3 1
            """
        #expect(SignInRedirect.connectionOwner(clientPort: 0xD431, serverPort: 0x9C40, table: table) == 1000)
        #expect(SignInRedirect.connectionOwner(clientPort: 0xD432, serverPort: 0x9C40, table: table) == nil)
    }
}

@Suite struct ServerHandOverTests {
    static let examples: [ServerHandOver] = [
        .serve(profile: "p", command: ["aws", "--profile", "x"]),
        .serve(profile: nil, command: ["sh", "-c", "--"]),
        .serve(profile: "--", command: ["--profile", "--destination"]),
        .serve(profile: "my team", command: [ServerHandOver.marker]),
        .openSignIn(profile: nil, destination: "https://x/", duration: 900),
        .openSignIn(profile: "--duration", destination: nil, duration: 3600),
    ]

    @Test(arguments: examples)
    func whatIsHandedOverIsReadBackUnchanged(_ handOver: ServerHandOver) {
        #expect(handOver.arguments.first == ServerHandOver.marker)
        #expect(ServerHandOver(arguments: handOver.arguments) == handOver)
    }

    @Test func argumentsItDidNotWriteAreRefused() {
        let marker = ServerHandOver.marker
        #expect(ServerHandOver(arguments: []) == nil)
        #expect(ServerHandOver(arguments: ["exec", "--", "true"]) == nil)
        #expect(ServerHandOver(arguments: [marker]) == nil)
        #expect(ServerHandOver(arguments: [marker, "exec", "--profile"]) == nil)
        #expect(ServerHandOver(arguments: [marker, "exec", "--profile", "p"]) == nil)
        #expect(ServerHandOver(arguments: [marker, "exec", "--"]) == nil)
        #expect(ServerHandOver(arguments: [marker, "exec", "--other", "x", "--", "true"]) == nil)
        #expect(
            ServerHandOver(arguments: [marker, "exec", "--profile", "a", "--profile", "b", "--", "true"])
                == nil)
        #expect(ServerHandOver(arguments: [marker, "exec", "--duration", "900", "--", "true"]) == nil)
        #expect(ServerHandOver(arguments: [marker, "login", "--duration", "long"]) == nil)
        #expect(ServerHandOver(arguments: [marker, "login"]) == nil)
        #expect(ServerHandOver(arguments: [marker, "login", "--duration", "900", "--", "x"]) == nil)
        #expect(ServerHandOver(arguments: [marker, "store", "--profile", "p"]) == nil)
    }
}

/// The time the endpoint's answers are dated at.
struct FixedClock: TimeSource {
    func now() -> Double { 1_795_827_723 }
    func sleep(_ seconds: Double) {}
}
