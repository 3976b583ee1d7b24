import AWSQuery
import TextFormats

/// Access keys an IAM user has besides the one stored for a profile. An interrupted `rotate` leaves one
/// behind (the new key created but never stored, or stored while the old one was never deleted), and
/// since IAM allows two keys per user, it also blocks the next `rotate`. `rotate` and `doctor` both look
/// for them (ListAccessKeys) and say which key is stored and what to run.
package struct SpareAccessKeys: Sendable, Equatable {
    /// The profile whose stored key was used to ask.
    package var profile: String
    package var storedKeyId: String
    package var userName: String
    /// The user's other keys.
    package var spare: [IAMAccessKey]
    /// Spare key id → the profiles in the keyring that hold it (empty: none does).
    package var heldBy: [String: [String]]

    /// nil when the stored key is the user's only one.
    package init?(profile: String, storedKeyId: String, keys: [IAMAccessKey], heldBy: [String: [String]]) {
        let spare = keys.filter { $0.accessKeyId != storedKeyId }
        guard !spare.isEmpty else { return nil }
        self.profile = profile
        self.storedKeyId = storedKeyId
        self.userName = Self.printable(keys.first { !$0.userName.isEmpty }?.userName ?? "")
        self.spare = spare
        self.heldBy = heldBy.filter { id, _ in spare.contains { $0.accessKeyId == id } }
    }

    /// Spare keys no profile in the keyring holds: nothing here uses them.
    package var unheld: [IAMAccessKey] {
        spare.filter { (heldBy[$0.accessKeyId] ?? []).isEmpty }
    }

    /// The command that deletes `keyId`, signed with the stored key of `profile`.
    package func deleteCommand(_ keyId: String) -> String {
        "awskeyring-helper exec --profile \(ShellQuoting.word(profile)) -- aws iam delete-access-key "
            + "--access-key-id \(ShellQuoting.word(keyId))"
    }

    /// What exists about `key`: the spare key, who holds it, and which key is stored.
    package func situation(_ key: IAMAccessKey) -> String {
        let user = userName.isEmpty ? "the IAM user" : "IAM user \(userName)"
        let id = Self.printable(key.accessKeyId)
        let facts = [
            Self.printable(key.status),
            key.createDate.isEmpty ? "" : "created \(Self.printable(key.createDate))",
        ].filter { !$0.isEmpty }.joined(separator: ", ")
        let described = facts.isEmpty ? id : "\(id) (\(facts))"
        if let holders = heldBy[key.accessKeyId], !holders.isEmpty {
            let names = holders.map { "'\($0)'" }.joined(separator: ", ")
            return "\(user) also has access key \(described), stored for profile \(names)"
        }
        return """
            \(user) also has access key \(described), which no profile in the keyring holds (an interrupted \
            rotate leaves one behind); the key stored for profile '\(profile)' is \(storedKeyId)
            """
    }

    /// What to do about `key`, starting in lower case.
    package func remedy(_ key: IAMAccessKey) -> String {
        let id = Self.printable(key.accessKeyId)
        if let holders = heldBy[key.accessKeyId], !holders.isEmpty {
            return "IAM allows two keys per user: retire one of the two before rotating either"
        }
        return "if nothing else uses \(id), delete it: \(deleteCommand(id))"
    }

    /// Everything about every spare key, in sentences (no final period).
    package var advice: String {
        spare.map { key in
            let remedy = remedy(key)
            return situation(key) + ". " + remedy.prefix(1).uppercased() + remedy.dropFirst()
        }.joined(separator: ". ")
    }

    /// Text from IAM, kept to printable ASCII before it reaches a terminal.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }))
    }
}
