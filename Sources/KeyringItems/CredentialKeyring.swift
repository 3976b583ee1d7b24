import CredentialValues
import Keyring
import SystemAccess
import TextFormats

#if canImport(Glibc)
    import Glibc
#endif

/// The tool's items in the Secret Service: long-lived keys per profile, and cached sessions.
///
/// An item's attributes (visible without unlocking, and in Seahorse or `secret-tool search`) name the
/// tool, the kind of item and the profile; its secret holds both halves of the key pair, so a key pair is
/// written, replaced and read as one unit and can never be half-stored.
package struct CredentialKeyring: Sendable {
    static let schemaName = "io.github.awskeyring-helper.Credential"
    static let application = "awskeyring-helper"

    enum Attribute {
        static let application = "application"
        static let kind = "kind"
        static let profile = "profile"
        static let cacheKey = "cache-key"
        static let sourceProfile = "source-profile"
        static let expires = "expires"
    }

    enum Kind {
        static let accessKey = "access-key"
        static let session = "session"
    }

    private let store: any SecretStore
    /// Reads stored keys in a layout other than the one `storeKeys` writes (an item written by another
    /// tool); without it, such items are `.unreadable`.
    private let json: (any JSONDecoding)?

    package init(store: any SecretStore, json: (any JSONDecoding)? = nil) {
        self.store = store
        self.json = json
    }

    /// The user's default Secret Service collection.
    package static func secretService(json: (any JSONDecoding)?) -> CredentialKeyring {
        CredentialKeyring(store: secretServiceKeyring(), json: json)
    }

    /// The Secret Service client with this tool's item schema.
    package static func secretServiceKeyring() -> SecretServiceKeyring {
        SecretServiceKeyring(
            schemaName: schemaName,
            attributeNames: [
                Attribute.application, Attribute.kind, Attribute.profile, Attribute.cacheKey,
                Attribute.sourceProfile, Attribute.expires,
            ]
        )
    }

    /// How long a keyring call may wait for a person at the provider's own dialog (KeePassXC asking to
    /// unlock its database or to allow access), in seconds.
    package func allowDialogs(seconds: Double) {
        (store as? SecretServiceKeyring)?.setDialogTimeout(seconds: seconds)
    }

    /// Throws unless keys can be stored now (a default collection exists and is unlocked), so a
    /// person is told before typing them.
    package func requireWritable() throws(KeyringError) {
        try store.requireWritable()
    }

    private func keyAttributes(profile: String) -> [String: String] {
        [Attribute.application: Self.application, Attribute.kind: Kind.accessKey, Attribute.profile: profile]
    }

    /// What the keyring holds for a profile's keys.
    package enum StoredKeys: Equatable {
        case none
        case keys(LongLivedKeys)
        /// An item with the tool's attributes whose secret is not a key pair this tool wrote.
        case unreadable
    }

    /// The item stored for `profile`. Keyring failures (locked, unreachable) are thrown; an item that
    /// is there but holds something else is `.unreadable`.
    package func storedKeys(profile: String) throws(KeyringError) -> StoredKeys {
        return decodeKeys(try store.lookup(attributes: keyAttributes(profile: profile)))
    }

    private func decodeKeys(_ secret: String?) -> StoredKeys {
        guard let secret else { return .none }
        guard
            let payload = StoredKeyPayload(writtenText: secret)
                ?? (try? json?.decode(StoredKeyPayload.self, from: Array(secret.utf8))),
            let keys = try? LongLivedKeys(
                accessKeyId: payload.accessKeyId, secretAccessKey: payload.secretAccessKey)
        else { return .unreadable }
        return .keys(keys)
    }

    /// Whether an item holds keys for `profile` (readable or not), read with one lookup.
    package func hasKeys(profile: String) throws(KeyringError) -> Bool {
        try storedKeys(profile: profile) != .none
    }

    /// The keys stored for `profile`, or nil when there are none.
    /// - Throws: `KeyringError`, or `KeyStorageError.unreadableItem` for an item this tool did not write.
    package func keys(profile: String) throws -> LongLivedKeys? {
        switch try storedKeys(profile: profile) {
        case .none: return nil
        case .keys(let keys): return keys
        case .unreadable: throw KeyStorageError.unreadableItem(profile: profile)
        }
    }

    /// Stores `keys` for `profile`, replacing what was there in one step. The item's label records when
    /// (`storedAt`, default now): an attribute of its own would make the replacement a second item,
    /// since the Secret Service replaces only an item with exactly the same attributes.
    package func storeKeys(_ keys: LongLivedKeys, profile: String, storedAt: Int? = nil) throws(KeyringError)
    {
        let payload = StoredKeyPayload(accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey)
        let time = storedAt ?? SystemClock().epochSeconds
        try store.store(
            secret: payload.writtenText,
            label: Self.keyLabel(accessKeyId: keys.accessKeyId, profile: profile, storedAt: time),
            attributes: keyAttributes(profile: profile)
        )
    }

    static let storedMarker = ", stored "

    static func keyLabel(accessKeyId: String, profile: String, storedAt: Int) -> String {
        "AWS access key \(accessKeyId) for profile \(profile) (awskeyring-helper\(storedMarker)\(Timestamp.format(storedAt)))"
    }

    /// When an item's keys were stored, from its label; nil for items stored before labels said so.
    static func storedAt(label: String) -> Int? {
        let bytes = Array(label.utf8)
        let marker = Array(storedMarker.utf8)
        guard bytes.last == UInt8(ascii: ")"), bytes.count > marker.count else { return nil }
        var index = bytes.count - 1 - marker.count
        while index >= 0 {
            if bytes[index..<(index + marker.count)].elementsEqual(marker) {
                return Timestamp.parse(
                    String(decoding: bytes[(index + marker.count)..<(bytes.count - 1)], as: UTF8.self))
            }
            index -= 1
        }
        return nil
    }

    /// Profile → when its keys were stored (profiles whose item does not say are left out).
    package func keysStoredAt() throws(KeyringError) -> [String: Int] {
        let items = try store.search(attributes: [
            Attribute.application: Self.application, Attribute.kind: Kind.accessKey,
        ])
        var result: [String: Int] = [:]
        for item in items {
            if let profile = item.attributes[Attribute.profile], let time = Self.storedAt(label: item.label) {
                result[profile] = time
            }
        }
        return result
    }

    /// Deletes the keys of `profile`; returns whether there were any.
    package func removeKeys(profile: String) throws(KeyringError) -> Bool {
        try store.delete(attributes: keyAttributes(profile: profile))
    }

    /// Profiles that have keys stored, sorted.
    package func profilesWithKeys() throws(KeyringError) -> [String] {
        let items = try store.search(attributes: [
            Attribute.application: Self.application, Attribute.kind: Kind.accessKey,
        ])
        return Set(items.compactMap { $0.attributes[Attribute.profile] }).sorted()
    }
}

/// A cached session and the long-lived keys it was made from (a digest of them; nil for a session
/// whose source is not stored keys).
package struct CachedSession: Equatable {
    package var credentials: AWSCredentials
    package var sourceKey: String?

    package init(credentials: AWSCredentials, sourceKey: String?) {
        self.credentials = credentials
        self.sourceKey = sourceKey
    }
}

extension CredentialKeyring {
    private func sessionAttributes(cacheKey: String) -> [String: String] {
        [Attribute.application: Self.application, Attribute.kind: Kind.session, Attribute.cacheKey: cacheKey]
    }

    /// The cached session under `cacheKey`; nil when there is none. An entry that cannot be read is
    /// deleted and reported as missing, so it is rebuilt rather than fatal.
    package func cachedSession(cacheKey: String) throws(KeyringError) -> CachedSession? {
        let secret = try store.lookup(attributes: sessionAttributes(cacheKey: cacheKey))
        return decodeSession(secret, cacheKey: cacheKey)
    }

    /// The cached session under `cacheKey` and the keys stored for `profile`, read in one round trip:
    /// the cached path checks that a session was made from the keys stored now.
    package func cachedSession(cacheKey: String, keysOf profile: String) throws(KeyringError) -> (
        session: CachedSession?, keys: LongLivedKeys?
    ) {
        let secrets: [String?]
        secrets = try store.lookup([
            sessionAttributes(cacheKey: cacheKey), keyAttributes(profile: profile),
        ])
        guard secrets.count == 2 else { return (nil, nil) }
        let keys: LongLivedKeys?
        if case .keys(let stored) = decodeKeys(secrets[1]) { keys = stored } else { keys = nil }
        return (decodeSession(secrets[0], cacheKey: cacheKey), keys)
    }

    private func decodeSession(_ secret: String?, cacheKey: String) -> CachedSession? {
        // An empty secret is an entry not yet written (KWallet shows it so for a moment), not a corrupt
        // one: it is left alone.
        guard let secret, !secret.isEmpty else { return nil }
        guard let session = CachedSessionText.decode(secret) else {
            _ = try? store.delete(attributes: sessionAttributes(cacheKey: cacheKey))
            return nil
        }
        return session
    }

    /// Caches temporary credentials under `cacheKey`, tagged with the profiles they belong to so
    /// `clear --profile` and `store` can drop them.
    package func storeCachedCredentials(
        _ credentials: AWSCredentials, cacheKey: String, profile: String, sourceProfile: String,
        sourceKey: String?, description: String
    ) throws(KeyringError) {
        guard let expiration = credentials.expiration,
            let secret = CachedSessionText.encode(
                CachedSession(credentials: credentials, sourceKey: sourceKey))
        else { return }
        // The entry it renews differs in its expiry attribute, so the store would not replace it.
        try store.delete(attributes: sessionAttributes(cacheKey: cacheKey))
        try store.store(
            secret: secret,
            label: "AWS session for \(description) (awskeyring-helper cache)",
            attributes: [
                Attribute.application: Self.application, Attribute.kind: Kind.session,
                Attribute.cacheKey: cacheKey,
                Attribute.profile: profile, Attribute.sourceProfile: sourceProfile,
                Attribute.expires: String(expiration),
            ])
    }

    /// Deletes cached sessions: all of them, or those of `profile` (as the profile asked for or as the
    /// source of the keys). Returns how many were deleted.
    @discardableResult
    package func deleteCachedSessions(profile: String?, expiredBefore: Int? = nil) throws(KeyringError) -> Int
    {
        let base = [Attribute.application: Self.application, Attribute.kind: Kind.session]
        var doomed = try store.search(attributes: base).filter { item in
            guard let profile else { return true }
            return item.attributes[Attribute.profile] == profile
                || item.attributes[Attribute.sourceProfile] == profile
        }
        if let expiredBefore {
            doomed = doomed.filter { Int($0.attributes[Attribute.expires] ?? "") ?? 0 < expiredBefore }
        }
        var deleted = 0
        for item in doomed {
            guard let key = item.attributes[Attribute.cacheKey] else { continue }
            if try store.delete(attributes: base.merging([Attribute.cacheKey: key]) { $1 }) {
                deleted += 1
            }
        }
        return deleted
    }
}

/// What an access-key item's secret holds. Versioned so a later format can be told apart.
///
/// Written and read in one layout by hand, `{"AccessKeyId":"…","SecretAccessKey":"…","Version":1}`,
/// which is byte for byte what JSONEncoder writes with sorted keys (earlier versions wrote it so; a unit
/// test compares the two): every cached call reads the stored keys, and JSONDecoder's start-up was about
/// a tenth of that call's instructions. Any other layout is left to the `JSONDecoding`, when there is one.
struct StoredKeyPayload: Codable {
    var version = 1
    var accessKeyId: String
    var secretAccessKey: String

    enum CodingKeys: String, CodingKey {
        case version = "Version"
        case accessKeyId = "AccessKeyId"
        case secretAccessKey = "SecretAccessKey"
    }

    init(accessKeyId: String, secretAccessKey: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
    }

    /// The text `storeKeys` writes: `"`, `\\` and `/` escaped, as JSONEncoder escapes them (key pairs
    /// hold printable ASCII only).
    var writtenText: String {
        #"{"AccessKeyId":""# + Self.escaped(accessKeyId) + #"","SecretAccessKey":""#
            + Self.escaped(secretAccessKey) + #"","Version":1}"#
    }

    private static func escaped(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count + 8)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"", "\\", "/": out += "\\"
            default: break
            }
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    /// Reads the text `writtenText` writes, without Codable. Anything else, including the same JSON laid
    /// out differently, is nil.
    init?(writtenText text: String) {
        var rest = Substring(text)
        guard Self.consume(#"{"AccessKeyId":""#, from: &rest),
            let accessKeyId = Self.stringValue(from: &rest),
            Self.consume(#","SecretAccessKey":""#, from: &rest),
            let secretAccessKey = Self.stringValue(from: &rest),
            Self.consume(#","Version":1}"#, from: &rest), rest.isEmpty
        else { return nil }
        self.init(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey)
    }

    private static func consume(_ literal: String, from rest: inout Substring) -> Bool {
        guard rest.utf8.starts(with: literal.utf8) else { return false }
        rest = Substring(rest.utf8.dropFirst(literal.utf8.count))
        return true
    }

    /// A string's characters up to its closing quote; nil on any escape but `\"`, `\\` or `\/`, or on
    /// a control character, which the `JSONDecoding` then judges.
    private static func stringValue(from rest: inout Substring) -> String? {
        var value: [UInt8] = []
        value.reserveCapacity(64)
        defer {
            value.withUnsafeMutableBytes { if let base = $0.baseAddress { explicit_bzero(base, $0.count) } }
        }
        var bytes = rest.utf8[...]
        while let byte = bytes.first {
            bytes = bytes.dropFirst()
            switch byte {
            case UInt8(ascii: "\""):
                rest = Substring(bytes)
                return String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = bytes.first,
                    escaped == UInt8(ascii: "/") || escaped == UInt8(ascii: "\"")
                        || escaped == UInt8(ascii: "\\")
                else { return nil }
                bytes = bytes.dropFirst()
                value.append(escaped)
            case 0..<0x20: return nil
            default: value.append(byte)
            }
        }
        return nil
    }
}
