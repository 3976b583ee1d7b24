import TestSupport
import Testing

@testable import CredentialResolution

@Suite struct MFACodeTests {
    @Test(arguments: [
        ("123456", "123456"), ("123 456", "123456"), (" 123 456 \n", "123456"), ("123\t456", "123456"),
        ("\t654321", "654321"),
    ])
    func codesAsTypedOrPrinted(_ text: String, _ code: String) {
        #expect(MFATokenSource.normalisedCode(text) == code)
    }

    @Test(arguments: [
        "12345", "1234567", "123-456", "12a456", "", "   ", "123 45", "１２３４５６", "12 3456", "12 34 56",
        "123 4567", "123 - 456",
    ])
    func notACode(_ text: String) {
        #expect(MFATokenSource.normalisedCode(text) == nil)
    }

    @Test func aGroupedCodeTypedAtThePromptIsAccepted() throws {
        let terminal = ScriptedTerminal(answers: ["12 345", "123 456"])
        let source = MFATokenSource(
            mfaProcess: nil, terminal: terminal, profile: "p", environment: [:], clock: TestClock())
        #expect(
            try source.code(serial: "arn:aws:iam::123456789012:mfa/me", previousRejected: false) == "123456")
        #expect(terminal.prompts.count == 2)
    }
}
