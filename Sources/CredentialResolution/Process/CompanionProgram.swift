#if canImport(Glibc)
    import Glibc
#endif

/// The program installed with awskeyring-helper, which it becomes for the work it does not link:
/// awskeyring-helper-commands (every call but a plain one the keyring alone answers, every command, and
/// the credentials endpoint of `exec --server`, which it hands over to a new start of itself). It is
/// looked for beside the running program (the build folder, or the same libexec folder), then in
/// ../libexec/awskeyring-helper (an installation).
package enum CompanionProgram {
    package static let commands = "awskeyring-helper-commands"

    /// Replaces this process with companion `name` (`exec`), with `arguments` after its name, this
    /// process's environment and the person's core size limit (the companion guards itself again; this
    /// process stays non-dumpable up to the exec, which drops its memory). Returns only when it could not
    /// be started.
    package static func handOver(to name: String, arguments: [String]) -> CompanionProgramError {
        let path: String
        do {
            path = try locate(name)
        } catch {
            return error
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        ProcessGuard.restoreCoreLimit()
        execv(path, argv)
        return .cannotStart(program: path, reason: String(cString: strerror(errno)))
    }

    static func locate(_ name: String) throws(CompanionProgramError) -> String {
        guard let executable = CurrentExecutable.path, let slash = executable.lastIndex(of: "/") else {
            throw .programDirectoryUnknown(program: name)
        }
        let directory = String(executable[..<slash])
        let candidates = [directory + "/" + name, directory + "/../libexec/awskeyring-helper/" + name]
        guard let found = candidates.first(where: { access($0, X_OK) == 0 }) else {
            throw .missing(program: name, lookedFor: candidates)
        }
        return found
    }
}

/// A companion program that could not be started.
package enum CompanionProgramError: Error, Sendable, Equatable, CustomStringConvertible {
    /// This program's own path is unknown, so the companion cannot be found beside it.
    case programDirectoryUnknown(program: String)
    case missing(program: String, lookedFor: [String])
    case cannotStart(program: String, reason: String)

    /// What a shell would exit with: 127 for a program not found, 126 for one that would not start.
    package var exitStatus: Int32 {
        switch self {
        case .programDirectoryUnknown, .missing: return 127
        case .cannotStart: return 126
        }
    }

    package var description: String {
        switch self {
        case .programDirectoryUnknown(let program):
            return "cannot find this program's directory to start \(program)"
        case .missing(let program, let candidates):
            return """
                \(program) is missing (looked for \(candidates.joined(separator: " and "))); it is installed with \
                awskeyring-helper: reinstall the package, or build them all with 'swift build -c release'
                """
        case .cannotStart(let program, let reason):
            return "cannot start \(program): \(reason)"
        }
    }
}
