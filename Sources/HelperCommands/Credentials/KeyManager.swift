import CredentialResolution
import CredentialValues
import KeyringItems
import TerminalAccess
import TextFormats

/// `store`, `remove` and `list`: the commands that change or show what the keyring holds. Stored keys
/// are replaced or removed only after an explicit yes (a terminal answer or a flag).
package struct KeyManager {
    package var keyring: CredentialKeyring
    package var sessions: SessionCache
    /// The controlling terminal, or nil when there is none (CI, cron, an SDK without a terminal).
    package var terminal: (any Terminal)?
    /// Where confirmations for the person go (stderr).
    package var diagnostics: (String) -> Void

    package init(
        keyring: CredentialKeyring, sessions: SessionCache? = nil, terminal: (any Terminal)?,
        diagnostics: @escaping (String) -> Void
    ) {
        self.keyring = keyring
        self.sessions = sessions ?? SessionCache(keyring: keyring)
        self.terminal = terminal
        self.diagnostics = diagnostics
    }

    /// Stores keys for `profile`, read from `environment` when given, otherwise typed on the terminal.
    package func store(profile: String, environment: [String: String]?, force: Bool) throws {
        try keyring.requireWritable()
        if let existing = try keyring.keys(profileIfReadable: profile), !force {
            guard let terminal else {
                throw KeyCommandError.alreadyStored(profile: profile, existing: existing.description)
            }
            guard
                try terminal.confirm(
                    "Profile '\(profile)' already has keys stored (\(existing)). Replace them?")
            else {
                throw KeyCommandError.keptExisting(profile: profile)
            }
        }

        let keys: LongLivedKeys
        if let environment {
            let id = environment["AWS_ACCESS_KEY_ID"] ?? ""
            let secret = environment["AWS_SECRET_ACCESS_KEY"] ?? ""
            guard !id.isEmpty, !secret.isEmpty else {
                throw KeyCommandError.environmentKeysMissing
            }
            keys = try LongLivedKeys(accessKeyId: id, secretAccessKey: secret)
        } else {
            guard let terminal else {
                throw KeyCommandError.noTerminalForKeys
            }
            let id = try terminal.readLine(prompt: "Access Key ID: ", echo: true).trimmingWhitespace()
            // Checked before the secret is asked for: a mistyped id should not cost typing the secret, and
            // a secret typed here (shown on the screen) must not be followed by a second secret prompt.
            try LongLivedKeys.checkTypedAccessKeyId(id)
            let secret = try terminal.readLine(prompt: "Secret Access Key: ", echo: false)
            keys = try LongLivedKeys(accessKeyId: id, secretAccessKey: secret)
        }
        try keyring.storeKeys(keys, profile: profile)
        // Sessions got with the keys this replaces must not outlive them.
        _ = try? sessions.clear(profile: profile)
        diagnostics("Stored access key \(keys.accessKeyId) for profile '\(profile)' in the keyring.")
    }

    /// Removes the keys of `profile` after confirmation (`yes`, or a yes typed on the terminal).
    package func remove(profile: String, yes: Bool) throws {
        guard let existing = try keyring.keys(profileIfReadable: profile) else {
            throw KeyCommandError.nothingToRemove(profile: profile)
        }
        if !yes {
            guard let terminal else {
                throw KeyCommandError.removalNeedsConfirmation
            }
            guard try terminal.confirm("Remove the keys stored for profile '\(profile)' (\(existing))?")
            else {
                throw KeyCommandError.keptStored(profile: profile)
            }
        }
        _ = try keyring.removeKeys(profile: profile)
        _ = try? sessions.clear(profile: profile)
        diagnostics("Removed the keys of profile '\(profile)' from the keyring.")
    }

    /// Drops cached sessions: all of them, or those of `profile`. Stored keys are untouched.
    package func clearSessions(profile: String?) throws {
        let count = try sessions.clear(profile: profile)
        let scope = profile.map { " of profile '\($0)'" } ?? ""
        diagnostics("Removed \(count) cached session\(count == 1 ? "" : "s")\(scope).")
    }

    /// Profiles with stored keys, their access key ids (never a secret) and when they were stored (nil:
    /// before the tool recorded it).
    package func list() throws -> [(profile: String, accessKeyId: String?, storedAt: Int?)] {
        var rows: [(profile: String, accessKeyId: String?, storedAt: Int?)] = []
        let dates = try keyring.keysStoredAt()
        for profile in try keyring.profilesWithKeys() {
            rows.append((profile, try keyring.keys(profileIfReadable: profile)?.accessKeyId, dates[profile]))
        }
        return rows
    }
}

extension CredentialKeyring {
    /// The stored access key id of `profile`, described for questions ("AKIA..."); nil when none is
    /// stored. An unreadable item counts as present, so it is never overwritten without consent; a
    /// keyring that cannot be read (locked, unreachable) is an error, never "no keys" or "unreadable".
    package func keys(profileIfReadable profile: String) throws -> LongLivedKeysSummary? {
        switch try storedKeys(profile: profile) {
        case .none: return nil
        case .keys(let keys): return LongLivedKeysSummary(accessKeyId: keys.accessKeyId)
        case .unreadable: return LongLivedKeysSummary(accessKeyId: nil)
        }
    }
}

/// What may be shown of stored keys: the access key id only.
package struct LongLivedKeysSummary: CustomStringConvertible {
    package var accessKeyId: String?
    package var description: String { accessKeyId ?? "an item this tool cannot read" }
}
