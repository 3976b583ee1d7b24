import CredentialValues
import FoundationJSON
import Keyring
import TestSupport
import Testing

@testable import CredentialResolution
@testable import HelperCommands
@testable import KeyringItems

@Suite struct AwsVaultImportTests {
    static let id = "AKIAIOSFODNN7EXAMPLE"
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    /// The backend's item document, its credentials base64-encoded in Data (as Go marshals []byte).
    static func document(_ key: String, id: String = id, secret: String = secret, token: String = "")
        -> String
    {
        let value =
            #"{"AccessKeyID":"\#(id)","SecretAccessKey":"\#(secret)","SessionToken":"\#(token)","ProviderName":""}"#
        return #"{"Key":"\#(key)","Data":"\#(base64(Array(value.utf8)))","Label":"aws-vault (\#(key))"}"#
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var out = ""
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let value = chunk.enumerated().reduce(0) { $0 | Int($1.element) << (16 - 8 * $1.offset) }
            for position in 0..<4 {
                out.append(position <= chunk.count ? alphabet[(value >> (18 - 6 * position)) & 63] : "=")
            }
            index += 3
        }
        return out
    }

    static func item(_ label: String, _ secret: String?) -> ForeignItem {
        ForeignItem(label: label, attributes: ["profile": label], secret: secret)
    }

    @Test func keysAreStoredAndEverythingElseIsNamed() throws {
        let keyring = CredentialKeyring(store: InMemorySecretStore())
        var notes: [String] = []
        let decoder = FoundationJSONDecoding()
        let items = [
            Self.item("bob", Self.document("bob")),
            Self.item("sts.GetSessionToken,Ym9i,,1900000000", Self.document("x", token: "t")),
            Self.item("temp", Self.document("temp", token: "token")),
            Self.item("carol", nil),
            Self.item("junk", "not json"),
            // Another program's item with a profile attribute and more: not aws-vault's.
            ForeignItem(
                label: "bob", attributes: ["profile": "bob", "kind": "x"], secret: Self.document("bob")),
        ]
        let importer = AwsVaultImport(
            keyring: keyring, items: { items }, json: decoder, base64: { decoder.base64Decoded($0) },
            diagnostics: { notes.append($0) })
        let error = #expect(throws: ImportError.self) {
            try importer.run(profiles: [], replaceStoredKeys: false)
        }
        #expect(error == .skipped(["carol", "junk", "temp"]))
        #expect(
            try keyring.keys(profile: "bob")
                == LongLivedKeys(accessKeyId: Self.id, secretAccessKey: Self.secret))
        #expect(try keyring.keys(profile: "temp") == nil)
        #expect(notes.contains("Skipped 1 cached aws-vault session (not keys)."))
        #expect(notes.contains { $0.hasPrefix("Skipped profile 'carol': its item is locked") })
        #expect(!notes.joined().contains(Self.secret))
    }

    @Test func nothingOfAwsVaultsIsAClearError() {
        let decoder = FoundationJSONDecoding()
        let importer = AwsVaultImport(
            keyring: CredentialKeyring(store: InMemorySecretStore()), items: { [] }, json: decoder,
            base64: { decoder.base64Decoded($0) }, diagnostics: { _ in })
        #expect(throws: ImportError.noAwsVaultItems(profiles: ["p"], lockedItems: 0)) {
            try importer.run(profiles: ["p"], replaceStoredKeys: false)
        }
    }
}
