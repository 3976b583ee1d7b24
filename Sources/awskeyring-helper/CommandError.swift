import AwskeyringCore
import HelperSupport

/// Failures of the commands' own steps in this program (the library's errors describe the rest).
enum CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `clear` could not reach the sessions in the keyring (`problem` says why, `scope` which ones).
    case sessionsNotCleared(problem: String, scope: String, kernelNote: String)
    /// `clear --profile` for a name known neither to the files nor to the stored keys.
    case noSuchProfileToClear(String, suggestions: [String])
    /// This program's own path is unknown, so awskeyring-helper-server cannot be found beside it.
    case programDirectoryUnknown(server: String)
    case serverMissing(server: String, lookedFor: [String])

    var description: String {
        switch self {
        case .sessionsNotCleared(let problem, let scope, let kernelNote):
            return """
                \(problem): the cached sessions\(scope) in it were NOT cleared\(kernelNote); \
                run 'awskeyring-helper unlock', then clear again
                """
        case .noSuchProfileToClear(let profile, let suggestions):
            return """
                there is no profile '\(profile)' in the config files or among the stored keys, so it has \
                no sessions; nothing was cleared\
                \(suggestions.isEmpty ? "" : "; " + NameSuggestion.question(suggestions))
                """
        case .programDirectoryUnknown(let server):
            return "cannot find this program's directory to start \(server)"
        case .serverMissing(let server, let candidates):
            return """
                \(server) is missing (looked for \(candidates.joined(separator: " and "))); it is installed with \
                awskeyring-helper: reinstall the package, or build both with 'swift build -c release'
                """
        }
    }
}
