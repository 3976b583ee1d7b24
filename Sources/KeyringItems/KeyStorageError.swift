import TextFormats

/// A keyring item or operation this tool cannot use, beyond what the Secret Service itself reports
/// (`KeyringError`, thrown as it is).
package enum KeyStorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The item stored for the profile is not a key pair this tool wrote.
    case unreadableItem(profile: String)
    /// `unlock` on a Secret Service with no default collection that cannot create one here.
    case noDefaultCollection
    /// `unlock` needs a password and there is no terminal to type it on.
    case noTerminalForPassword
    /// `unlock` gave up creating a keyring after the last try's `problem`.
    case notCreated(problem: PasswordProblem)

    package enum PasswordProblem: Sendable, Equatable {
        case empty
        case different

        package var text: String {
            switch self {
            case .empty: return "An empty password would leave the keyring unencrypted on disk."
            case .different: return "The two passwords differ."
            }
        }
    }

    package var description: String {
        switch self {
        case .unreadableItem(let profile):
            return """
                the keyring item for profile '\(profile)' is not a key pair this tool stored; \
                replace it with 'awskeyring-helper store --profile \(ShellQuoting.word(profile)) --force'
                """
        case .noDefaultCollection:
            return """
                the Secret Service has no default collection; create a database or collection in its \
                own application (for KeePassXC: enable Secret Service integration for a database)
                """
        case .noTerminalForPassword:
            return
                "there is no terminal to type the keyring password on; run 'awskeyring-helper unlock' in a terminal"
        case .notCreated(let problem): return "\(problem.text) No keyring was created."
        }
    }
}
