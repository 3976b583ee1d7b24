import AwskeyringCore
import HelperSupport

/// Failures of the commands' own steps in this program (the library's errors describe the rest).
enum CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// This program's own path is unknown, so awskeyring-helper-server cannot be found beside it.
    case programDirectoryUnknown(server: String)
    case serverMissing(server: String, lookedFor: [String])

    var description: String {
        switch self {
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
