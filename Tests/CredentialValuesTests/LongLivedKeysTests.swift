import Testing

@testable import CredentialValues

@Suite struct LongLivedKeysTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    @Test func acceptsAWSShapedKeysAndTrimsPastedWhitespace() throws {
        let keys = try LongLivedKeys(
            accessKeyId: " AKIAIOSFODNN7EXAMPLE\n", secretAccessKey: Self.secret + "\n")
        #expect(keys.accessKeyId == "AKIAIOSFODNN7EXAMPLE")
        #expect(keys.secretAccessKey == Self.secret)
    }

    @Test(arguments: [
        ("", "is empty"),
        ("AKIA123", "has 7 characters, not 16 to 128"),
        ("akiaiosfodnn7example", "may hold only upper-case letters and digits"),
        (String(repeating: "A", count: 129), "has 129 characters, not 16 to 128"),
    ])
    func rejectsMalformedAccessKeyIds(id: String, problem: String) {
        let error = #expect(throws: KeyFormatError.accessKeyId(problem: problem)) {
            try LongLivedKeys(accessKeyId: id, secretAccessKey: Self.secret)
        }
        #expect(error?.description == "the Access Key ID \(problem); it looks like AKIAIOSFODNN7EXAMPLE")
    }

    @Test(arguments: [
        ("", "is empty"),
        ("short", "has 5 characters, not 40"),
        ("wJalrXUtnFEMI/K7MDENG bPxRfiCYEXAMPLEKEY", "holds spaces, control or non-ASCII characters"),
        ("wJalrXUtnFEMI/K7MDENGébPxRfiCYEXAMPLEKEY", "holds spaces, control or non-ASCII characters"),
    ])
    func rejectsMalformedSecretsWithoutRepeatingThem(secret: String, problem: String) throws {
        let error = #expect(throws: KeyFormatError.secretAccessKey(problem: problem)) {
            try LongLivedKeys(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: secret)
        }
        #expect(
            error?.description == "the Secret Access Key \(problem); AWS secret keys are 40 characters long")
        if !secret.isEmpty {
            #expect(error?.description.contains(secret) == false)
        }
    }

    @Test func aSecretPastedAsTheKeyIdIsNotEchoed() {
        let error = #expect(throws: KeyFormatError.self) {
            try LongLivedKeys(accessKeyId: Self.secret, secretAccessKey: Self.secret)
        }
        guard case .accessKeyId? = error else {
            Issue.record("expected the Access Key ID refused, got \(String(describing: error))")
            return
        }
        #expect(error?.description.contains(Self.secret) == false)
    }
}
