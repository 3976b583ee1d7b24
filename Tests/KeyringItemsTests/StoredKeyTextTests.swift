import CredentialValues
import FoundationJSON
import TestSupport
import Testing

@testable import KeyringItems

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The stored-keys item is written and read on every cached call without Codable, in the exact layout
/// JSONEncoder gives it with sorted keys; every other layout must still be read by a JSONDecoding, with
/// the same result, and is unreadable to a keyring without one.
@Suite struct StoredKeyTextTests {
    static let id = "AKIAIOSFODNN7EXAMPLE"

    let store = InMemorySecretStore()
    var keyring: CredentialKeyring { CredentialKeyring(store: store, json: FoundationJSONDecoding()) }

    static let secrets = [
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI+K7MDENG+bPxRfiCYEXAMPLEKEY",
        "/leading/and/trailing/slashes/EXAMPLEKE/",
        #"q"uo\te/and\"slash/EXAMPLEKEY!~abcdefghi"#,
    ]

    @Test(arguments: secrets)
    func keysWrittenByStoreReadBack(secret: String) throws {
        let keys = try LongLivedKeys(accessKeyId: Self.id, secretAccessKey: secret)
        // Without a JSONDecoding: written and read by hand.
        let plain = CredentialKeyring(store: store)
        try plain.storeKeys(keys, profile: "dev")
        #expect(try plain.storedKeys(profile: "dev") == .keys(keys))
        let written = try #require(StoredKeyPayload(writtenText: store.all[0].secret))
        #expect(written.accessKeyId == Self.id && written.secretAccessKey == secret)
    }

    /// Items stored by earlier versions (JSONEncoder with sorted keys) and by this one are the same bytes.
    @Test(arguments: secrets)
    func theWrittenTextIsWhatJSONEncoderWrites(secret: String) throws {
        let payload = StoredKeyPayload(accessKeyId: Self.id, secretAccessKey: secret)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let encoded = String(decoding: try encoder.encode(payload), as: UTF8.self)
        #expect(payload.writtenText == encoded)
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
        // The program that answers cached calls has no JSONDecoding: it leaves such an item to the other.
        #expect(try CredentialKeyring(store: store).storedKeys(profile: "dev") == .unreadable)
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
