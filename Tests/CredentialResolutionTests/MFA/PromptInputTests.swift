import TestSupport
import Testing

@testable import CredentialResolution
@testable import CredentialValues
@testable import KeyringItems

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

@Suite struct TypedAccessKeyIdTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    @Test func aSecretTypedAsTheKeyIdIsRefusedWithAWarningAndNotRepeated() {
        #expect(LongLivedKeys.looksLikeSecret(Self.secret))
        let error = #expect(throws: KeyFormatError.secretTypedAsAccessKeyId) {
            try LongLivedKeys.checkTypedAccessKeyId(Self.secret)
        }
        #expect(error?.description.contains("shown on") == true)
        #expect(error?.description.contains(Self.secret) == false)
    }

    @Test(arguments: [
        "AKIAIOSFODNN7EXAMPLE", "ASIA0123456789ABCDEF", String(repeating: "A", count: 40),
        "AKIA" + String(repeating: "7", count: 36),
    ])
    func keyIdsAreNotSecrets(_ id: String) throws {
        #expect(!LongLivedKeys.looksLikeSecret(id))
        try LongLivedKeys.checkTypedAccessKeyId(id)
    }

    @Test(arguments: ["", "akiaiosfodnn7example", "AKIA-123", "AKIA12"])
    func malformedKeyIdsAreRefusedBeforeTheSecret(_ id: String) {
        let error = #expect(throws: KeyFormatError.self) { try LongLivedKeys.checkTypedAccessKeyId(id) }
        guard case .typedAccessKeyId? = error else {
            Issue.record("expected the typed Access Key ID refused, got \(String(describing: error))")
            return
        }
    }

    @Test(arguments: [
        "AKIAIOSFODNN7EXAMPLE,\(secret)", "AKIAIOSFODNN7EXAMPLE\t\(secret)", "AKIAIOSFODNN7EXAMPLE \(secret)",
        "AKIAIOSFODNN7EXAMPLE,",
    ])
    func 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(_ typed: String) {
        let error = #expect(throws: KeyFormatError.pairTypedAsAccessKeyId) {
            try LongLivedKeys.checkTypedAccessKeyId(typed)
        }
        #expect(error?.description.contains("shown on the screen") == true)
        #expect(error?.description.contains("rotate") == true)
        #expect(error?.description.contains(Self.secret) == false)
    }

    @Test func storeAsksForTheSecretOnlyAfterAGoodKeyId() throws {
        let terminal = ScriptedTerminal(answers: [Self.secret, "never read"])
        let keyring = CredentialKeyring(store: InMemorySecretStore())
        let manager = KeyManager(keyring: keyring, terminal: terminal, diagnostics: { _ in })
        #expect(throws: KeyFormatError.secretTypedAsAccessKeyId) {
            try manager.store(profile: "p", environment: nil, force: false)
        }
        #expect(terminal.prompts == ["Access Key ID: "])
        #expect(try keyring.keys(profile: "p") == nil)
    }
}
