/// A command run by `ShellCommand` (an `mfa_process`, a `credential_process`) that could not be run or
/// did not succeed. `command` is how messages name it ("the command 'x'", "the credential_process of
/// profile 'p' (x)"); its output is never quoted (it may hold a secret).
package struct ShellCommandError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Reason: Sendable, Equatable {
        /// The command line has no program.
        case empty
        /// It could not be started (not found, not runnable, no pipe for its output).
        case cannotStart(ProcessError)
        case timedOut(seconds: Int)
        /// It printed more than this many KiB on its standard output.
        case tooMuchOutput(kibibytes: Int)
        case exited(status: Int32)
        case killed(signal: Int32)
    }

    package var command: String
    package var reason: Reason

    package init(command: String, reason: Reason) {
        self.command = command
        self.reason = reason
    }

    package var description: String {
        switch reason {
        case .empty: return "\(command) is empty"
        case .cannotStart(.notFound(let program, _)):
            return "\(command) cannot be run: '\(program)' is not an executable file or on PATH"
        case .cannotStart(let error): return "\(command) cannot be run: \(error)"
        case .timedOut(let seconds): return "\(command) did not finish within \(seconds) s"
        case .tooMuchOutput(let size):
            return "\(command) printed more than \(size) KiB on its standard output"
        case .exited(let status): return "\(command) exited with status \(status)"
        case .killed(let signal): return "\(command) was killed by signal \(signal)"
        }
    }
}
