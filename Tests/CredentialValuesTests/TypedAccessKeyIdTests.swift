import Testing

@testable import CredentialValues

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
}
