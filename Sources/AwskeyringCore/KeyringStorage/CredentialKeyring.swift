#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import Keyring

/// The tool's items in the Secret Service: long-lived keys per profile.
///
/// An item's attributes (visible without unlocking, and in Seahorse or `secret-tool search`) name the
/// tool, the kind of item and the profile; its secret holds both halves of the key pair, so a key pair is
/// written, replaced and read as one unit and can never be half-stored.
public struct CredentialKeyring: Sendable {
    static let schemaName = "io.github.awskeyring-helper.Credential"
    static let application = "awskeyring-helper"

    enum Attribute {
        static let application = "application"
        static let kind = "kind"
        static let profile = "profile"
    }

    enum Kind {
        static let accessKey = "access-key"
    }

    private let store: any SecretStore

    public init(store: any SecretStore) {
        self.store = store
    }

    /// The user's default Secret Service collection.
    public static func secretService() -> CredentialKeyring {
        CredentialKeyring(
            store: SecretServiceKeyring(
                schemaName: schemaName,
                attributeNames: [Attribute.application, Attribute.kind, Attribute.profile]
            )
        )
    }

    private func keyAttributes(profile: String) -> [String: String] {
        [Attribute.application: Self.application, Attribute.kind: Kind.accessKey, Attribute.profile: profile]
    }

    /// The keys stored for `profile`, or nil when there are none.
    public func keys(profile: String) throws(HelperError) -> LongLivedKeys? {
        let secret: String?
        do {
            secret = try store.lookup(attributes: keyAttributes(profile: profile))
        } catch {
            throw HelperError(error)
        }
        guard let secret else { return nil }
        guard let payload = try? JSONDecoder().decode(StoredKeyPayload.self, from: Data(secret.utf8)),
            let keys = try? LongLivedKeys(accessKeyId: payload.accessKeyId, secretAccessKey: payload.secretAccessKey)
        else {
            throw HelperError(
                """
                the keyring item for profile '\(profile)' is not a key pair this tool stored; \
                replace it with 'awskeyring-helper store --profile \(profile) --force'
                """)
        }
        return keys
    }

    /// Stores `keys` for `profile`, replacing what was there in one step.
    public func storeKeys(_ keys: LongLivedKeys, profile: String) throws(HelperError) {
        let payload = StoredKeyPayload(accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey)
        let secret: String
        do {
            secret = String(decoding: try JSONEncoder().encode(payload), as: UTF8.self)
        } catch {
            throw HelperError("could not encode the key pair: \(error)")
        }
        do {
            try store.store(
                secret: secret,
                label: "AWS access key \(keys.accessKeyId) for profile \(profile) (awskeyring-helper)",
                attributes: keyAttributes(profile: profile)
            )
        } catch {
            throw HelperError(error)
        }
    }

    /// Deletes the keys of `profile`; returns whether there were any.
    public func removeKeys(profile: String) throws(HelperError) -> Bool {
        do {
            return try store.delete(attributes: keyAttributes(profile: profile))
        } catch {
            throw HelperError(error)
        }
    }

    /// Profiles that have keys stored, sorted.
    public func profilesWithKeys() throws(HelperError) -> [String] {
        let items: [KeyringItem]
        do {
            items = try store.search(attributes: [
                Attribute.application: Self.application, Attribute.kind: Kind.accessKey,
            ])
        } catch {
            throw HelperError(error)
        }
        return Set(items.compactMap { $0.attributes[Attribute.profile] }).sorted()
    }
}

/// What an access-key item's secret holds. Versioned so a later format can be told apart.
private struct StoredKeyPayload: Codable {
    var version = 1
    var accessKeyId: String
    var secretAccessKey: String

    enum CodingKeys: String, CodingKey {
        case version = "Version"
        case accessKeyId = "AccessKeyId"
        case secretAccessKey = "SecretAccessKey"
    }
}
