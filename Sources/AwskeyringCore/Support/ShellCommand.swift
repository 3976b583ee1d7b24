#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a command line with `/bin/sh -c` and collects its standard output; its standard error goes to
/// ours (so the person sees what it says) and its standard input is ours.
enum ShellCommand {
    static func output(of command: String, environment: [String: String], timeout: Double) throws(HelperError)
        -> String
    {
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

        let words: [String] = ["/bin/sh", "-c", command]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        let environmentLines: [UnsafeMutablePointer<CChar>?] =
            environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            arguments.forEach { free($0) }
            environmentLines.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, arguments, environmentLines)
        close(writeEnd)
        guard spawned == 0 else {
            close(readEnd)
            throw HelperError("cannot run /bin/sh: \(String(cString: strerror(spawned)))")
        }

        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let start = SystemClock.now()
        var timedOut = false
        while true {
            var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let remaining = timeout - (SystemClock.now() - start)
            if remaining <= 0 {
                timedOut = true
                break
            }
            let ready = poll(&poller, 1, Int32(min(remaining, 1) * 1000))
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 { continue }
            let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            output += buffer[..<count]
            if output.count > 65536 { break }
        }
        close(readEnd)
        if timedOut { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if timedOut {
            throw HelperError("the command '\(command)' did not finish within \(Int(timeout)) s")
        }
        let exited = (status & 0x7f) == 0
        let exitCode = (status >> 8) & 0xff
        guard exited && exitCode == 0 else {
            let how = exited ? "exited with status \(exitCode)" : "was killed by signal \(status & 0x7f)"
            throw HelperError("the command '\(command)' \(how)")
        }
        return String(decoding: output, as: UTF8.self)
    }
}
