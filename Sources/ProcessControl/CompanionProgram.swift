import SystemAccess

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

    /// Replaces this process with companion `name` (`exec`), with `arguments` after its name and this
    /// process's environment. The core limit stays 0 across the exec, and the companion makes itself
    /// non-dumpable again before it reads anything (see `Processes.handOver`). Returns only when it
    /// could not be started.
    package static func handOver(to name: String, arguments: [String]) -> ProcessError {
        let path: String
        do {
            path = try locate(name)
        } catch {
            return error
        }
        return Processes.handOver(toProgramAt: path, arguments: arguments)
    }

    static func locate(_ name: String) throws(ProcessError) -> String {
        guard let executable = CurrentExecutable.path, let slash = executable.lastIndex(of: "/") else {
            throw .programDirectoryUnknown(program: name)
        }
        let directory = String(executable[..<slash])
        let candidates = [directory + "/" + name, directory + "/../libexec/awskeyring-helper/" + name]
        guard let found = candidates.first(where: { access($0, X_OK) == 0 }) else {
            throw .companionMissing(program: name, lookedFor: candidates)
        }
        return found
    }
}
