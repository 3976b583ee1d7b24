import AWSConfigFile
import SystemAccess

/// `import` failing: before anything changed, or after the keys are in the keyring but the file could
/// not be rewritten.
package enum ImportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No file at the path (`displayPath`, as the person wrote it).
    case noFile(displayPath: String)
    case unreadable(ConfigFileError)
    case unparsable(ConfigFileError)
    case noKeyPairs(displayPath: String)
    case noSuchProfile(String, displayPath: String)
    /// `--from-aws-vault`: no item of aws-vault's secret-service backend (of the profiles asked for).
    case noAwsVaultItems(profiles: [String], lockedItems: Int)
    /// Some profiles were skipped (each named on stderr with its reason).
    case skipped([String])
    /// The file changed between reading and rewriting it.
    case changedMeanwhile(displayPath: String)
    /// The keys are in the keyring, but the file could not be rewritten.
    case notRewritten(displayPath: String, FileError)
    /// The rewritten file does not read back as written.
    case notReadBack(displayPath: String)

    package var description: String {
        switch self {
        case .noFile(let path):
            return "there is no credentials file at \(path); name one with --credentials-file"
        case .unreadable(let error): return "cannot import: \(error.description)"
        case .unparsable(let error): return "cannot import from \(error.description); nothing was changed"
        case .noKeyPairs(let path): return "\(path) holds no access key pairs to import; nothing was changed"
        case .noSuchProfile(let name, let path):
            return "\(path) has no profile [\(name)]; nothing was changed"
        case .noAwsVaultItems(let profiles, let lockedItems):
            let which = profiles.isEmpty ? "" : " for " + profiles.map { "'\($0)'" }.joined(separator: ", ")
            let locked =
                lockedItems == 0
                ? """
                ; the items of a locked collection do not show: if aws-vault's keyring is locked, unlock it \
                (e.g. with seahorse or any 'aws-vault exec') and run import again
                """
                : """
                ; \(lockedItems) item\(lockedItems == 1 ? " is" : "s are") in a locked collection and could not \
                be looked at: unlock aws-vault's keyring (the 'awsvault' collection, e.g. with seahorse or any \
                'aws-vault exec') and run import again
                """
            return """
                found no keys aws-vault stored in the Secret Service\(which) (its secret-service backend keeps \
                them in a collection of its own, 'awsvault' by default)\(locked); nothing was changed
                """
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
