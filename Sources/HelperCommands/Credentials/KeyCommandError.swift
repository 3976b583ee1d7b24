import TextFormats

/// `store` and `remove` refusing or stopping, with stored keys left as they were.
package enum KeyCommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Keys are stored and no terminal can confirm replacing them (`existing` shows the key id).
    case alreadyStored(profile: String, existing: String)
    /// The person answered no to replacing stored keys.
    case keptExisting(profile: String)
    /// `--from-env` without both variables.
    case environmentKeysMissing
    /// No terminal to type keys on and no `--from-env`.
    case noTerminalForKeys
    case nothingToRemove(profile: String)
    /// No terminal to confirm a removal and no `--yes`.
    case removalNeedsConfirmation
    /// The person answered no to removing stored keys.
    case keptStored(profile: String)
    /// `rotate` for a profile without stored keys.
    case nothingToRotate(profile: String)
    /// `rotate` for a profile whose keys are those of another profile (a role's source profile).
    case keysHeldBy(profile: String, holder: String)

    package var description: String {
        switch self {
        case .alreadyStored(let profile, let existing):
            return """
                profile '\(profile)' already has keys in the keyring (\(existing)); pass --force to \
                replace them
                """
        case .keptExisting(let profile): return "kept the keys already stored for profile '\(profile)'"
        case .environmentKeysMissing:
            return "--from-env needs both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to be set"
        case .noTerminalForKeys:
            return """
                there is no terminal to type the keys on; run this in a terminal, or pass --from-env with \
                AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set
                """
        case .nothingToRemove(let profile):
            return "no keys are stored in the keyring for profile '\(profile)'; nothing was removed"
        case .removalNeedsConfirmation:
            return "removing keys needs confirmation: run this in a terminal, or pass --yes"
        case .keptStored(let profile): return "kept the keys stored for profile '\(profile)'"
        case .keysHeldBy(let profile, let holder):
            return """
                profile '\(profile)' has no keys of its own: its credentials come from the keys of profile \
                '\(holder)'; rotate those: awskeyring-helper rotate --profile \(ShellQuoting.word(holder))
                """
        case .nothingToRotate(let profile):
            return """
                no keys are stored in the keyring for profile '\(profile)'; rotate replaces stored keys: \
                store them first with 'awskeyring-helper store --profile \(ShellQuoting.word(profile))'
                """
        }
    }
}
