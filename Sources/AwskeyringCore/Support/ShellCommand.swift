#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs commands and collects their standard output; their standard error goes to ours (so the person
/// sees what they say) and their standard input is ours.
enum ShellCommand {
    /// More output than any credential document or code: the command is stopped and it is an error.
    static let maximumOutput = 65536

    private enum Outcome {
        case endOfOutput, timedOut, tooMuchOutput
    }

    /// A command line run with `/bin/sh -c`.
    static func output(of command: String, environment: [String: String], timeout: Double) throws(HelperError)
        -> String
    {
        let output = try run(["/bin/sh", "-c", command], environment: environment, timeout: timeout) {
            "the command '\(command)' \($0)"
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Runs `arguments` without a shell (the program found on the environment's `PATH`) and returns
    /// everything it printed on stdout. `failure` turns "exited with status 1" and the like into the
    /// message of the error thrown.
    static func run(
        _ arguments: [String], environment: [String: String], timeout: Double,
        failure: (String) -> String
    ) throws(HelperError) -> [UInt8] {
        guard let program = arguments.first, !program.isEmpty else {
            throw HelperError(failure("is empty"))
        }
        guard let path = executablePath(program, searchPath: environment["PATH"]) else {
            throw HelperError(failure("cannot be run: '\(program)' is not an executable file or on PATH"))
        }
        var pipeFds: [Int32] = [0, 0]
        guard pipe(&pipeFds) == 0 else {
            throw HelperError("cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        let (readEnd, writeEnd) = (pipeFds[0], pipeFds[1])

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_addclose(&actions, readEnd)
        posix_spawn_file_actions_addclose(&actions, writeEnd)

        let argumentPointers: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let environmentLines: [UnsafeMutablePointer<CChar>?] =
            environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argumentPointers.forEach { free($0) }
            environmentLines.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argumentPointers, environmentLines)
        close(writeEnd)
        guard spawned == 0 else {
            close(readEnd)
            throw HelperError(failure("cannot be run: \(String(cString: strerror(spawned)))"))
        }

        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let start = SystemClock.now()
        var outcome = Outcome.endOfOutput
        var status: Int32 = 0
        var reaped = false
        while true {
            let remaining = timeout - (SystemClock.now() - start)
            if remaining <= 0 {
                outcome = .timedOut
                break
            }
            var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining, 0.2) * 1000))
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 {
                // Nothing to read. A program that exited while something it started (a daemon, a
                // `cmd &`) keeps our pipe open never gives an end of file: its exit is the end.
                if waitpid(pid, &status, WNOHANG) == pid {
                    reaped = true
                    break
                }
                continue
            }
            let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            output += buffer[..<count]
            if output.count > maximumOutput {
                outcome = .tooMuchOutput
                break
            }
        }
        close(readEnd)
        // A program that closed its output may still be running: it gets the rest of the time.
        while !reaped && outcome == .endOfOutput {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                reaped = true
            } else if result < 0 && errno != EINTR {
                break
            } else if SystemClock.now() - start >= timeout {
                outcome = .timedOut
            } else if result == 0 {
                SystemClock.sleep(0.01)
            }
        }
        if !reaped {
            kill(pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        switch outcome {
        case .timedOut: throw HelperError(failure("did not finish within \(Int(timeout)) s"))
        case .tooMuchOutput:
            throw HelperError(failure("printed more than \(maximumOutput / 1024) KiB on its standard output"))
        case .endOfOutput: break
        }
        let exited = (status & 0x7f) == 0
        let exitCode = (status >> 8) & 0xff
        guard exited && exitCode == 0 else {
            throw HelperError(
                failure(exited ? "exited with status \(exitCode)" : "was killed by signal \(status & 0x7f)"))
        }
        return output
    }

    /// `program` itself when it names a path, otherwise the first executable file of that name in
    /// `searchPath` (as `execvp` looks, with the child's `PATH`).
    static func executablePath(_ program: String, searchPath: String?) -> String? {
        if program.contains("/") { return access(program, X_OK) == 0 ? program : nil }
        let directories = (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(
            separator: ":", omittingEmptySubsequences: false)
        for directory in directories {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + program
            var info = stat()
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }
}
