import AWSConfigFile
import ArgumentParser
import CredentialResolution
import HelperSupport
import Keyring

extension AwskeyringHelper {
    struct Clear: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clear",
            abstract: "Drop cached sessions (MFA sessions and role credentials); stored keys stay.",
            discussion: """
                With --profile, the profile is followed as explain follows it: a profile whose \
                credential_process is 'awskeyring-helper --profile OTHER' clears OTHER's sessions too (the \
                name given to 'aws --profile' works). A name no config file and no stored keys know is an \
                error. When the keyring is locked or unreachable, the message says what was cleared and what \
                was not.
                """
        )

        @Option(
            name: .long, help: "Only the sessions of this profile (as asked for, or as the source of keys).",
            completion: ProfileCompletion.kind)
        var profile: String?

        func run() throws {
            try reportingFailure { () throws(HelperError) in
                let environment = ProcessEnvironment.current()
                let keyring = CredentialKeyring.secretService()
                let sessions = SessionCache.standard(keyring: keyring, environment: environment)
                let names = try profile.map { profile throws(HelperError) in
                    try Self.profilesToClear(profile, environment: environment, keyring: keyring)
                }
                let kernelNote =
                    sessions.kernel == nil ? "" : " (the kernel keyring's copies were dropped)"
                // Checked first: a locked collection's search finds nothing, which would read as
                // "nothing cached" when the cached sessions are in fact still there.
                if let problem = Self.keyringProblem(SecretServiceHealth.probe()) {
                    for name in names ?? [nil] { _ = try? sessions.clear(profile: name) }
                    throw HelperError(
                        """
                        \(problem): the cached sessions\(Self.scope(names)) in it were NOT cleared\(kernelNote); \
                        run 'awskeyring-helper unlock', then clear again
                        """)
                }
                var removed = 0
                for name in names ?? [nil] {
                    removed += try sessions.clear(profile: name)
                }
                StandardError.write(
                    "Removed \(removed) cached session\(removed == 1 ? "" : "s")\(Self.scope(names)).")
            }
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
        ) throws(HelperError) -> [String?] {
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
                throw HelperError(
                    """
                    there is no profile '\(profile)' in the config files or among the stored keys, so it has \
                    no sessions; nothing was cleared\
                    \(suggestions.isEmpty ? "" : "; " + NameSuggestion.question(suggestions))
                    """)
            }
            return names
        }
    }
}
