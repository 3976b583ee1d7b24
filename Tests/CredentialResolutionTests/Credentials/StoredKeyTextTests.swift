import HelperSupport
import TestSupport
import Testing

@testable import CredentialResolution

/// The stored-keys item is read on every cached call without Codable when it has the exact layout
/// `storeKeys` writes; every other layout must still be read by JSONDecoder, with the same result.
@Suite struct StoredKeyTextTests {
    static let id = "AKIAIOSFODNN7EXAMPLE"

    let store = InMemorySecretStore()
    var keyring: CredentialKeyring { CredentialKeyring(store: store) }

    @Test(arguments: [
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI+K7MDENG+bPxRfiCYEXAMPLEKEY",
        "/leading/and/trailing/slashes/EXAMPLEKE/",
    ])
    func keysWrittenByStoreReadBack(secret: String) throws {
        let keys = try LongLivedKeys(accessKeyId: Self.id, secretAccessKey: secret)
        try keyring.storeKeys(keys, profile: "dev")
        #expect(try keyring.storedKeys(profile: "dev") == .keys(keys))
        // Read by the Codable-free path, not by the JSONDecoder fallback.
        let written = try #require(StoredKeyPayload(writtenText: store.all[0].secret))
        #expect(written.accessKeyId == Self.id && written.secretAccessKey == secret)
    }

    @Test(arguments: [
        // Whitespace, another member order, and escapes the writer does not produce.
        #"{ "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "Version": 1 }"#,
        #"{"Version":1,"SecretAccessKey":"wJalrXUtnFEMI\/K7MDENG\/bPxRfiCYEXAMPLEKEY","AccessKeyId":"AKIAIOSFODNN7EXAMPLE"}"#,
        #"{"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"wJalrXUtnFEMI\u002FK7MDENG/bPxRfiCYEXAMPLEKEY","Version":1}"#,
    ])
    func otherLayoutsOfTheSameJSONReadTheSame(text: String) throws {
        store.plant(secret: text, profile: "dev")
        #expect(
            try keyring.keys(profile: "dev")
                == LongLivedKeys(
                    accessKeyId: Self.id, secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
    }

    @Test(arguments: [
        #"{"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","Version":1"#,
        #"{"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"wJalrXUtnFEMI\qK7MDENG/bPxRfiCYEXAMPLEKEY","Version":1}"#,
        #"{"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","Version":1}x"#,
        #"{"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"#,
        "AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ])
    func anythingElseIsNotAKeyPair(text: String) throws {
        store.plant(secret: text, profile: "dev")
        #expect(StoredKeyPayload(writtenText: text) == nil)
        #expect(try keyring.storedKeys(profile: "dev") == .unreadable)
    }
}
