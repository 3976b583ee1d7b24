import ProcessControl
import TestSupport
import Testing

@testable import CredentialResolution
@testable import CredentialValues
@testable import SystemAccess

@Suite struct CredentialProcessSourceTests {
    let fixture: SourceFixture
    init() throws { fixture = try SourceFixture() }

    static func config(_ command: String) -> String {
        """
        [profile top]
        role_arn = arn:aws:iam::123456789012:role/top
        source_profile = src
        [profile src]
        credential_process = \(command)
        """
    }

    func run(_ command: String, environment: [String: String] = [:]) throws -> (
        AWSCredentials, ScriptedTransport
    ) {
        let transport = ScriptedTransport([
            STSReply.credentials("AssumeRole", id: "ASIATOP", expiration: SourceFixture.start + 3600)
        ])
        let credentials = try fixture.provider(
            Self.config(command), transport: transport, environment: environment
        )
        .credentials(profile: "top")
        return (credentials, transport)
    }

    @Test func theDocumentItPrintsAssumesTheRole() throws {
        let script = fixture.write(
            "creds.sh",
            """
            #!/bin/sh
            printf '{"Version": 1, "AccessKeyId": "AKIAPROCESS", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2099-01-01T00:00:00Z"}'
            """)
        _ = try ShellCommand.output(
            of: "chmod +x \(script)", environment: ["PATH": "/usr/bin:/bin"], timeout: 5, clock: SystemClock()
        )
        let (credentials, transport) = try run("\(script) --flag 'two words'")
        #expect(credentials.accessKeyId == "ASIATOP")
        #expect(header(transport.requests[0], "Authorization")?.contains("Credential=AKIAPROCESS/") == true)
        #expect(header(transport.requests[0], "X-Amz-Security-Token") == "t")
        // Only the role's credentials are cached.
        #expect(fixture.store.all.filter { $0.attributes["kind"] != "access-key" }.count == 1)
    }

    @Test func theCommandIsSplitWithShellRulesAndRunWithoutAShell() throws {
        // printf from PATH gets the quoted document as one argument; `$HOME` stays literal (no shell).
        let (_, transport) = try run(
            #"printf '{"Version": 1, "AccessKeyId": "AKIA$HOME", "SecretAccessKey": "s"}'"#)
        #expect(header(transport.requests[0], "Authorization")?.contains("Credential=AKIA$HOME/") == true)
    }

    @Test func theChainIsPassedDownToTheCommand() throws {
        let (_, transport) = try run(
            #"/bin/sh -c 'printf "{\"Version\": 1, \"AccessKeyId\": \"%s\", \"SecretAccessKey\": \"s\"}" "$AWSKEYRING_HELPER_CHAIN"'"#,
            environment: ["AWSKEYRING_HELPER_CHAIN": "outer"])
        #expect(header(transport.requests[0], "Authorization")?.contains("Credential=outer>top>src/") == true)
    }

    @Test(arguments: [
        (#"printf 'not json'"#, "did not print a JSON credential document"),
        (#"printf '{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "s"}'"#, "printed Version 2, not 1"),
        (
            #"printf '{"Version": "1", "AccessKeyId": "A", "SecretAccessKey": "s"}'"#,
            "JSON credential document"
        ),
        (#"printf '{"Version": 1, "SecretAccessKey": "s"}'"#, "printed no AccessKeyId"),
        (#"printf '{"Version": 1, "AccessKeyId": "A"}'"#, "printed no SecretAccessKey"),
        (
            #"printf '{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "s", "Expiration": "2001-01-01T00:00:00Z"}'"#,
            "expired at 2001-01-01T00:00:00Z"
        ),
        ("false", "exited with status 1"),
        ("/nonexistent/tool", "is not an executable file"),
        ("printf 'unclosed", "unclosed quote"),
    ])
    func badOutputAndFailuresAreClearErrors(command: String, expected: String) throws {
        let message = expectedMessage { _ = try run(command) }
        #expect(message?.contains(expected) == true, "\(message ?? "no error")")
        #expect(message?.contains("profile 'src'") == true, "\(message ?? "no error")")
        // The output may hold a secret; it is never quoted.
        #expect(message?.contains("\"s\"") == false)
    }

    @Test func aProfileAlreadyResolvedUpTheChainIsRefused() throws {
        let error = thrown(CredentialSourceError.self) {
            _ = try run("printf x", environment: ["AWSKEYRING_HELPER_CHAIN": "top>src"])
        }
        #expect(error == .processLoop(loop: "top > src > top", profile: "top"))
        let message = error?.description
        #expect(message?.hasPrefix("credential_process loop: top > src > top") == true, "\(message ?? "")")
        let viaSource = expectedMessage {
            _ = try run("printf x", environment: ["AWSKEYRING_HELPER_CHAIN": "other>src"])
        }
        #expect(
            viaSource?.hasPrefix("credential_process loop: other > src > src") == true, "\(viaSource ?? "")")
    }

    @Test func aTooDeepChainIsRefused() throws {
        let error = thrown(CredentialSourceError.self) {
            _ = try run("printf x", environment: ["AWSKEYRING_HELPER_CHAIN": "a>b>c>d>e>f"])
        }
        #expect(
            {
                if case .processChainTooDeep(_, maximum: 6)? = error { true } else { false }
            }())
        let message = error?.description
        #expect(message?.contains("too deep") == true)
    }
}
