import TextFormats

/// `clear` refusing, or not reaching the sessions it was asked to drop.
package enum ClearError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The sessions in the keyring could not be reached (`problem` says why, `scope` which ones).
    case sessionsNotCleared(problem: String, scope: String, kernelNote: String)
    /// `clear --profile` for a name known neither to the files nor to the stored keys.
    case noSuchProfileToClear(String, suggestions: [String])

    package var description: String {
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
        }
    }
}
