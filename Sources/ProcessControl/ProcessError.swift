/// A program that could not be started, with the exit status shells use for it (127: not found, 126:
/// found but not runnable). The one error of starting a program, for every way the tool starts one.
package enum ProcessError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No program named (an empty command line).
    case noCommand
    /// `program` is not an executable file; `searchedPath`: it was looked for on `PATH`.
    case notFound(program: String, searchedPath: Bool)
    /// The system refused to run it (execve's or fork's reason).
    case cannotRun(program: String, reason: String)
    /// A pipe for its output could not be made (the system's reason).
    case noPipe(reason: String)
    /// This program's own path is unknown, so the companion program cannot be found beside it.
    case programDirectoryUnknown(program: String)
    /// A companion program of the tool is not installed where it is looked for.
    case companionMissing(program: String, lookedFor: [String])

    /// What a shell would exit with.
    package var exitStatus: Int32 {
        switch self {
        case .noCommand, .notFound, .programDirectoryUnknown, .companionMissing: return 127
        case .cannotRun, .noPipe: return 126
        }
    }

    package var description: String {
        switch self {
        case .noCommand:
            return "no command to run"
        case .notFound(let program, let searchedPath):
            let where_ = searchedPath ? " in PATH" : ""
            return "cannot run '\(program)': command not found\(where_) (not an executable file)"
        case .cannotRun(let program, let reason):
            return "cannot run '\(program)': \(reason)"
        case .noPipe(let reason):
            return "cannot create a pipe: \(reason)"
        case .programDirectoryUnknown(let program):
            return "cannot find this program's directory to start \(program)"
        case .companionMissing(let program, let candidates):
            return """
                \(program) is missing (looked for \(candidates.joined(separator: " and "))); it is installed with \
                awskeyring-helper: reinstall the package, or build them all with 'swift build -c release'
                """
        }
    }
}
