import CredentialResolution
import HelperSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Replaces this process with a command (`exec`): the command gets this process's id, terminal,
/// standard streams and signals, so its exit status and signals need no forwarding.
package enum ProcessReplacement {
    /// Why a command could not be started, with the exit status shells use for it.
    package struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// 127: not found; 126: found but not runnable.
        package var exitStatus: Int32
        package var message: String

        package var description: String { message }
    }

    /// Runs `command` (searched in `PATH` when it has no `/`) with `arguments` and exactly the variables
    /// of `environment`. Returns only when the command could not be started.
    package static func execute(command: String, arguments: [String], environment: [String: String])
        -> Failure
    {
        guard !command.isEmpty else {
            return Failure(
                exitStatus: 127, message: "no command to run; usage: exec --profile P -- COMMAND [ARGS...]")
        }
        // execvp searches PATH in the process environment, so make that environment the child's.
        let current = ProcessEnvironment.current()
        for name in current.keys where environment[name] == nil { unsetenv(name) }
        for (name, value) in environment where current[name] != value { setenv(name, value, 1) }

        let argv = ([command] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        ProcessGuard.restoreCoreLimit()
        execvp(command, argv)
        let code = errno
        let reason = String(cString: strerror(code))
        switch code {
        case ENOENT, ENOTDIR:
            let where_ = command.contains("/") ? "" : " in PATH"
            return Failure(
                exitStatus: 127, message: "cannot run '\(command)': command not found\(where_) (\(reason))")
        default:
            return Failure(exitStatus: 126, message: "cannot run '\(command)': \(reason)")
        }
    }
}
