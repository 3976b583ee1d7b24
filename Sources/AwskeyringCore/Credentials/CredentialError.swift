/// Why a profile's chain, resolved, still gives no credentials at its start.
public enum CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No keys in the keyring for the profile the chain starts from; `message` says what to do
    /// (store them, or fix a mistyped `source_profile`, with the nearest known names).
    case noKeys(profile: String, message: String)
    /// Only one of `aws_access_key_id` and `aws_secret_access_key` in the profile.
    case incompletePlainTextKeys(profile: String)
    /// `credential_source = Environment` without both key variables.
    case environmentKeysMissing(profile: String)
    /// A web identity chain without an STS configuration (a bug: the plan always makes one).
    case noSTSForWebIdentity

    public var description: String {
        switch self {
        case .noKeys(_, let message): return message
        case .incompletePlainTextKeys(let profile):
            return "profile '\(profile)' has incomplete keys in the credentials file"
        case .environmentKeysMissing(let profile):
            return """
                profile '\(profile)' has credential_source = Environment, but AWS_ACCESS_KEY_ID and \
                AWS_SECRET_ACCESS_KEY are not both set
                """
        case .noSTSForWebIdentity: return "internal error: no STS endpoint was worked out for web identity"
        }
    }
}

/// An access key pair that does not have the shape AWS issues. Messages describe the input without
/// repeating it: a secret pasted into the wrong field must not end up on the screen.
public enum KeyFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `problem` completes "the Access Key ID ...".
    case accessKeyId(problem: String)
    /// `problem` completes "the Secret Access Key ...".
    case secretAccessKey(problem: String)
    /// Typed at the prompt, the Access Key ID looks like a secret access key (shown on the screen).
    case secretTypedAsAccessKeyId
    /// Typed at the prompt, before the secret was asked for.
    case typedAccessKeyId(problem: String)

    public var description: String {
        switch self {
        case .accessKeyId(let problem):
            return "the Access Key ID \(problem); it looks like AKIAIOSFODNN7EXAMPLE"
        case .secretAccessKey(let problem):
            return "the Secret Access Key \(problem); AWS secret keys are 40 characters long"
        case .secretTypedAsAccessKeyId:
            return """
                that looks like a Secret Access Key, typed where the Access Key ID goes, so it was shown on \
                the screen: clear the terminal and its scrollback, and if anyone may have seen it, rotate \
                the key. Nothing was stored; run store again and type the Access Key ID (AKIA...) first
                """
        case .typedAccessKeyId(let problem):
            return "the Access Key ID \(problem); it looks like AKIAIOSFODNN7EXAMPLE. Nothing was stored"
        }
    }
}

/// `store` and `remove` refusing or stopping, with stored keys left as they were.
public enum KeyCommandError: Error, Sendable, Equatable, CustomStringConvertible {
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

    public var description: String {
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
        case .nothingToRotate(let profile):
            return """
                no keys are stored in the keyring for profile '\(profile)'; rotate replaces stored keys: \
                store them first with 'awskeyring-helper store --profile \(profile)'
                """
        }
    }
}

/// `import` failing: before anything changed, or after the keys are in the keyring but the file could
/// not be rewritten.
public enum ImportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No file at the path (`displayPath`, as the person wrote it).
    case noFile(displayPath: String)
    case unreadable(ConfigFileError)
    case unparsable(ConfigFileError)
    case noKeyPairs(displayPath: String)
    case noSuchProfile(String, displayPath: String)
    /// Some profiles were skipped (each named on stderr with its reason).
    case skipped([String])
    /// The file changed between reading and rewriting it.
    case changedMeanwhile(displayPath: String)
    /// The keys are in the keyring, but the file could not be rewritten.
    case notRewritten(displayPath: String, FileError)
    /// The rewritten file does not read back as written.
    case notReadBack(displayPath: String)

    public var description: String {
        switch self {
        case .noFile(let path):
            return "there is no credentials file at \(path); name one with --credentials-file"
        case .unreadable(let error): return "cannot import: \(error.description)"
        case .unparsable(let error): return "cannot import from \(error.description); nothing was changed"
        case .noKeyPairs(let path): return "\(path) holds no access key pairs to import; nothing was changed"
        case .noSuchProfile(let name, let path):
            return "\(path) has no profile [\(name)]; nothing was changed"
        case .skipped(let names):
            let list = names.map { "'\($0)'" }.joined(separator: ", ")
            return "not every profile was imported: \(list) skipped (see above)"
        case .changedMeanwhile(let path):
            return
                "\(path) changed while importing; the keys are in the keyring, but the file was not rewritten: run import again"
        case .notRewritten(let path, let error):
            return
                "the keys are in the keyring, but \(path) was not rewritten and still holds them: \(error.description)"
        case .notReadBack(let path):
            return """
                \(path) does not read back as rewritten: check it for aws_secret_access_key lines and \
                delete them by hand (the keys are in the keyring)
                """
        }
    }
}
