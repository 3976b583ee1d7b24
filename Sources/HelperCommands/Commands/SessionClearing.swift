import AWSConfigFile
import CredentialResolution
import Keyring
import KeyringItems
import TextFormats

/// `clear`: drops cached sessions, of every profile or of one (followed through helper hand-offs as
/// `explain` follows them); stored keys stay.
package struct SessionClearing {
    package var keyring: CredentialKeyring
    package var sessions: SessionCache
    package var environment: [String: String]
    /// The state of the Secret Service, asked before clearing.
    package var health: () -> SecretServiceHealth

    package init(
        keyring: CredentialKeyring, sessions: SessionCache, environment: [String: String],
        health: @escaping () -> SecretServiceHealth
    ) {
        self.keyring = keyring
        self.sessions = sessions
        self.environment = environment
        self.health = health
    }

    /// Clears the sessions (of `profile` and those it hands over to, or all) and says what was done.
    /// - Throws: `ClearError`, or the keyring's `KeyringError`.
    package func clear(profile: String?) throws -> String {
        let names = try profile.map { profile throws(ClearError) in
            try Self.profilesToClear(profile, environment: environment, keyring: keyring)
        }
        let kernelNote =
            sessions.kernel == nil ? "" : " (the kernel keyring's copies were dropped)"
        // Checked first: a locked collection's search finds nothing, which would read as
        // "nothing cached" when the cached sessions are in fact still there.
        if let problem = Self.keyringProblem(health()) {
            for name in names ?? [nil] { _ = try? sessions.clear(profile: name) }
            throw ClearError.sessionsNotCleared(
                problem: problem, scope: Self.scope(names), kernelNote: kernelNote)
        }
        var removed = 0
        for name in names ?? [nil] {
            removed += try sessions.clear(profile: name)
        }
        return "Removed \(removed) cached session\(removed == 1 ? "" : "s")\(Self.scope(names))."
    }

    static func scope(_ names: [String?]?) -> String {
        guard let names = names?.compactMap({ $0 }), !names.isEmpty else { return "" }
        return " of profile " + names.map { "'\($0)'" }.joined(separator: " and ")
    }

    /// What stands in the way of the Secret Service tier, in words; nil when it can be used.
    static func keyringProblem(_ health: SecretServiceHealth) -> String? {
        switch health {
        case .defaultCollection(_, let locked): return locked ? "the keyring is locked" : nil
        case .noSessionBus: return "there is no D-Bus session bus to reach the keyring on"
        case .noService: return "no Secret Service (keyring) is running"
        case .noDefaultCollection: return "there is no default keyring yet"
        case .failed(let error): return "the keyring failed (\(error.description))"
        }
    }

    /// The profile and those its `credential_process` hands over to (this helper for another
    /// profile), as explain follows them. A name known neither to the files nor to the keyring's
    /// stored keys is refused, with the nearest names.
    static func profilesToClear(
        _ profile: String, environment: [String: String], keyring: CredentialKeyring
    ) throws(ClearError) -> [String?] {
        let files = try? AWSConfigFiles.load(environment: environment)
        var names = [profile]
        if let files {
            let walk = ProfileResolver(files: files, environment: environment).walk(from: profile)
            let handOffs: [HelperHandOff]
            switch walk {
            case .complete(let chain): handOffs = chain.handOffs
            case .broken(let broken): handOffs = broken.handOffs
            }
            for handOff in handOffs where !names.contains(handOff.target) {
                names.append(handOff.target)
            }
        }
        // Only a name the files do not know is looked up among the stored keys; a keyring that
        // cannot be read refuses nothing (its own problem is reported next).
        if let files, files.profiles[profile] == nil, let stored = try? keyring.profilesWithKeys(),
            !stored.contains(profile)
        {
            let suggestions = NameSuggestion.closest(
                to: profile, among: Array(files.profiles.keys) + stored)
            throw .noSuchProfileToClear(profile, suggestions: suggestions)
        }
        return names
    }
}
