import CredentialResolution
import CredentialValues
import Keyring
import KeyringItems
import TextFormats

/// `import --from-aws-vault`: the long-lived keys aws-vault keeps with its secret-service backend
/// (99designs/keyring) become this tool's stored keys. That backend keeps each keyring key (a profile
/// name, or a cached session's key) as an item of a collection of its own ('awsvault' by default),
/// labelled with the key and carrying the one attribute `profile` = the key; its secret is the JSON of
/// the backend's item, whose `Data` (base64) is the JSON of the AWS SDK's credentials value. aws-vault's
/// items are only read, never changed.
package struct AwsVaultImport {
    package var keyring: CredentialKeyring
    /// The items that look like that backend's, with their secrets (nil when locked).
    package var items: () throws -> [ForeignItem]
    package var json: any JSONDecoding
    package var base64: (String) -> [UInt8]?
    package var diagnostics: (String) -> Void
    /// Makes the imported profiles reachable (as `import` does); nil leaves the config file alone.
    package var configureProfiles: (([String]) -> Void)?

    package init(
        keyring: CredentialKeyring, items: @escaping () throws -> [ForeignItem], json: any JSONDecoding,
        base64: @escaping (String) -> [UInt8]?, diagnostics: @escaping (String) -> Void
    ) {
        self.keyring = keyring
        self.items = items
        self.json = json
        self.base64 = base64
        self.diagnostics = diagnostics
    }

    /// Whether an item has that backend's shape: labelled with a name and carrying exactly the
    /// attribute `profile` with the same name.
    package static func looksLikeAwsVault(_ item: KeyringItem) -> Bool {
        !item.label.isEmpty && item.attributes == ["profile": item.label]
    }

    /// An item of a locked collection, whose label and attributes the Secret Service does not show: it
    /// may be aws-vault's.
    package static func isHidden(_ item: KeyringItem) -> Bool {
        item.attributes.isEmpty
    }

    /// aws-vault's keys of cached sessions and SSO tokens (`sts.GetSessionToken,<base64>,...`, the older
    /// `session:...` and `NAME session (ID)`, `oidc:...`): not a profile's keys.
    static func isSessionKey(_ name: String) -> Bool {
        name.contains(",") || name.hasPrefix("session:") || name.hasPrefix("oidc:")
            || (name.hasSuffix(")") && ASCIIText.occurs(" session (", in: name))
    }

    struct BackendItem: Decodable {
        var key: String
        var data: String

        enum CodingKeys: String, CodingKey {
            case key = "Key"
            case data = "Data"
        }
    }

    struct CredentialsValue: Decodable {
        var accessKeyId: String
        var secretAccessKey: String
        var sessionToken: String?

        enum CodingKeys: String, CodingKey {
            case accessKeyId = "AccessKeyID"
            case secretAccessKey = "SecretAccessKey"
            case sessionToken = "SessionToken"
        }
    }

    package struct Report: Sendable, Equatable {
        package var imported: [String] = []
        package var alreadyStored: [String] = []
        package var sessions: [String] = []
        package var skipped: [String: String] = [:]
    }

    /// Imports the keys of `profiles` (every profile aws-vault holds keys for when empty). Throws when
    /// nothing of aws-vault's was found, or when a profile's keys could not be moved (after doing the rest).
    @discardableResult
    package func run(profiles: [String], replaceStoredKeys: Bool) throws -> Report {
        let all = try items()
        var found = all.filter {
            Self.looksLikeAwsVault(KeyringItem(label: $0.label, attributes: $0.attributes))
        }
        if !profiles.isEmpty { found = found.filter { profiles.contains($0.label) } }
        let hidden = all.filter { Self.isHidden(KeyringItem(label: $0.label, attributes: $0.attributes)) }
            .count
        guard !found.isEmpty else {
            throw ImportError.noAwsVaultItems(profiles: profiles, lockedItems: hidden)
        }
        if hidden > 0 {
            diagnostics(
                """
                \(hidden) item\(hidden == 1 ? " is" : "s are") in a locked collection and could not be looked at; \
                if aws-vault's keyring is locked, unlock it and run import again.
                """)
        }
        var report = Report()
        for item in found.sorted(by: { $0.label < $1.label }) {
            let name = item.label
            if Self.isSessionKey(name) {
                report.sessions.append(name)
                continue
            }
            guard let secret = item.secret else {
                report.skipped[name] = """
                    its item is locked: unlock aws-vault's keyring (the 'awsvault' collection, e.g. with \
                    seahorse or any 'aws-vault exec') and run import again
                    """
                continue
            }
            let keys: LongLivedKeys
            switch decode(secret) {
            case .failure(let reason):
                report.skipped[name] = reason
                continue
            case .success(let decoded):
                keys = decoded
            }
            if let stored = try keyring.keys(profileIfReadable: name) {
                if stored.accessKeyId == keys.accessKeyId, (try? keyring.keys(profile: name)) == keys {
                    report.alreadyStored.append(name)
                    continue
                }
                if !replaceStoredKeys {
                    report.skipped[name] =
                        "the keyring already holds other keys for it (\(stored)); pass --force to replace them"
                    continue
                }
            }
            try keyring.storeKeys(keys, profile: name)
            _ = try? SessionCache(keyring: keyring).clear(profile: name)
            report.imported.append(name)
        }
        tell(report)
        if let configureProfiles {
            let stored = report.imported + report.alreadyStored
            if !stored.isEmpty { configureProfiles(stored) }
        }
        if !report.skipped.isEmpty { throw ImportError.skipped(report.skipped.keys.sorted()) }
        return report
    }

    private enum Decoded {
        case success(LongLivedKeys)
        case failure(String)
    }

    private func decode(_ secret: String) -> Decoded {
        guard let item = try? json.decode(BackendItem.self, from: Array(secret.utf8)),
            let data = base64(item.data),
            let value = try? json.decode(CredentialsValue.self, from: data)
        else { return .failure("its item does not hold aws-vault's credentials document") }
        if let token = value.sessionToken, !token.isEmpty {
            return .failure("it holds temporary credentials (a session), not long-lived keys")
        }
        do {
            return .success(
                try LongLivedKeys(accessKeyId: value.accessKeyId, secretAccessKey: value.secretAccessKey))
        } catch {
            return .failure("\(error)")
        }
    }

    private func tell(_ report: Report) {
        for name in report.imported {
            diagnostics("Imported the keys of profile '\(name)' from aws-vault into the keyring.")
        }
        for name in report.alreadyStored {
            diagnostics("Profile '\(name)': the same keys are already in the keyring.")
        }
        if !report.sessions.isEmpty {
            diagnostics(
                "Skipped \(report.sessions.count) cached aws-vault session\(report.sessions.count == 1 ? "" : "s") (not keys)."
            )
        }
        for (name, reason) in report.skipped.sorted(by: { $0.key < $1.key }) {
            diagnostics("Skipped profile '\(name)': \(reason).")
        }
        if !report.imported.isEmpty {
            diagnostics(
                "aws-vault's items are left as they are; remove them with 'aws-vault remove PROFILE' once the keys work from here."
            )
        }
    }
}
