import SystemAccess
import TextFormats

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs commands and collects their standard output; their standard error is passed on to ours, without
/// control characters (so the person sees what they say), and their standard input is ours. Each runs
/// in its own process group, stopped as a whole at its time limit.
package enum ShellCommand {
    /// More output than any credential document or code: the command is stopped and it is an error.
    static let maximumOutput = 65536

    private enum Outcome {
        case endOfOutput, timedOut, tooMuchOutput
    }

    /// A command line run with `/bin/sh -c`.
    package static func output(
        of command: String, environment: [String: String], timeout: Double, clock: any TimeSource
    ) throws(ShellCommandError) -> String {
        let output = try run(
            ["/bin/sh", "-c", command], environment: environment, timeout: timeout, clock: clock
        ) {
            ShellCommandError(command: "the command '\(command)'", reason: $0)
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Runs `arguments` without a shell (the program found on the environment's `PATH`) and returns
    /// everything it printed on stdout. `failure` turns "exited with status 1" and the like into the
    /// message of the error thrown. `timeout` is measured on `clock`; the waits for output are real.
    package static func run(
        _ arguments: [String], environment: [String: String], timeout: Double,
        clock: any TimeSource, failure: (ShellCommandError.Reason) -> ShellCommandError
    ) throws(ShellCommandError) -> [UInt8] {
        guard let program = arguments.first, !program.isEmpty else {
            throw failure(.empty)
        }
        let child = try spawn(arguments, environment: environment, failure: failure)
        let terminal = ForegroundHandOver(to: child.pid)
        defer { terminal.takeBack() }
        var collected = Collected(output: child.output, errors: child.errors, clock: clock)
        let (outcome, status) = waitForExit(
            of: child.pid, collecting: &collected, timeout: timeout, clock: clock)
        return try verdict(
            outcome, status: status, output: collected.output, timeout: timeout, failure: failure)
    }

    /// A program started with its stdin and stdout on pipes of this process (for a conversation such as
    /// pinentry's), its stderr on /dev/null, and no other descriptor.
    package struct ConnectedChild {
        package var pid: pid_t
        /// The writing end of its stdin.
        package var input: Int32
        /// The reading end of its stdout.
        package var output: Int32
    }

    /// Starts `program` (found on the environment's `PATH` unless it holds a `/`) with no arguments, in a
    /// process group of its own, connected by two pipes (its stderr goes to /dev/null). The caller closes
    /// both descriptors and waits for the child (`Processes.reaped` once it has).
    package static func startConnected(_ program: String, environment: [String: String])
        throws(ShellCommandError) -> ConnectedChild
    {
        let failure = { (reason: ShellCommandError.Reason) in
            ShellCommandError(command: "the program '\(program)'", reason: reason)
        }
        guard !program.isEmpty else { throw failure(.empty) }
        var toChild: [Int32] = [0, 0]
        var fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0 else {
            throw failure(.cannotStart(.noPipe(reason: String(cString: strerror(errno)))))
        }
        guard pipe(&fromChild) == 0 else {
            let reason = String(cString: strerror(errno))
            close(toChild[0])
            close(toChild[1])
            throw failure(.cannotStart(.noPipe(reason: reason)))
        }
        // The child gets exactly these as 0, 1 and 2 (Processes closes the rest in it); this process's
        // ends are closed on exec, so no other program it starts holds the conversation.
        for fd in toChild + fromChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let discard = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer {
            close(toChild[0])
            close(fromChild[1])
            if discard >= 0 { close(discard) }
        }
        do {
            let pid = try Processes.spawn(
                [program], environment: environment, input: toChild[0], output: fromChild[1],
                errors: discard >= 0 ? discard : nil, ownGroup: true)
            return ConnectedChild(pid: pid, input: toChild[1], output: fromChild[0])
        } catch {
            close(toChild[1])
            close(fromChild[0])
            throw failure(.cannotStart(error))
        }
    }

    /// A started command: its pid and the reading ends of its stdout and stderr pipes.
    private struct Child {
        var pid: pid_t
        var output: Int32
        var errors: Int32
    }

    /// Starts the command with its stdout and stderr on new pipes, in a process group of its own (so that
    /// at the time limit everything it started, a `cmd &` or a helper of its own, is stopped with it).
    private static func spawn(
        _ arguments: [String], environment: [String: String],
        failure: (ShellCommandError.Reason) -> ShellCommandError
    ) throws(ShellCommandError) -> Child {
        var outputFds: [Int32] = [0, 0]
        var errorFds: [Int32] = [0, 0]
        guard pipe(&outputFds) == 0 else {
            throw failure(.cannotStart(.noPipe(reason: String(cString: strerror(errno)))))
        }
        guard pipe(&errorFds) == 0 else {
            let reason = String(cString: strerror(errno))
            close(outputFds[0])
            close(outputFds[1])
            throw failure(.cannotStart(.noPipe(reason: reason)))
        }
        let pid: pid_t
        do {
            pid = try Processes.spawn(
                arguments, environment: environment, output: outputFds[1], errors: errorFds[1], ownGroup: true
            )
        } catch {
            for fd in outputFds + errorFds { close(fd) }
            throw failure(.cannotStart(error))
        }
        close(outputFds[1])
        close(errorFds[1])
        return Child(pid: pid, output: outputFds[0], errors: errorFds[0])
    }

    /// Collects the command's output until it exits, prints too much, or reaches `timeout` on `clock`;
    /// then closes the pipes and, unless it exited, kills its process group and reaps it.
    private static func waitForExit(
        of pid: pid_t, collecting collected: inout Collected, timeout: Double, clock: any TimeSource
    ) -> (Outcome, status: Int32) {
        let start = clock.now()
        var outcome = Outcome.endOfOutput
        var status: Int32 = 0
        var reaped = false
        while !reaped {
            let remaining = timeout - (clock.now() - start)
            if remaining <= 0 {
                outcome = .timedOut
                break
            }
            collected.readAvailable(waitingAtMost: min(remaining, 0.2))
            if collected.output.count > maximumOutput {
                outcome = .tooMuchOutput
                break
            }
            // A program that exited while something it started (a daemon, a `cmd &`) keeps our pipes
            // open never gives an end of file: its exit is the end.
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                Processes.reaped(pid)
                reaped = true
                // What it wrote just before it exited (bounded: something it started may write on).
                var reads = 0
                while reads < 64, collected.output.count <= maximumOutput,
                    collected.readAvailable(waitingAtMost: 0)
                {
                    reads += 1
                }
            } else if result < 0 && errno != EINTR {
                break
            }
        }
        collected.close()
        if !reaped {
            kill(-pid, SIGKILL)
            status = Processes.wait(for: pid) ?? status
        }
        return (outcome, status)
    }

    /// The output of a command that ended well, or the error that says how it did not.
    private static func verdict(
        _ outcome: Outcome, status: Int32, output: [UInt8], timeout: Double,
        failure: (ShellCommandError.Reason) -> ShellCommandError
    ) throws(ShellCommandError) -> [UInt8] {
        switch outcome {
        case .timedOut: throw failure(.timedOut(seconds: Int(timeout)))
        case .tooMuchOutput:
            throw failure(.tooMuchOutput(kibibytes: maximumOutput / 1024))
        case .endOfOutput: break
        }
        if output.count > maximumOutput {
            throw failure(.tooMuchOutput(kibibytes: maximumOutput / 1024))
        }
        let exited = (status & 0x7f) == 0
        let exitCode = (status >> 8) & 0xff
        guard exited && exitCode == 0 else {
            throw failure(exited ? .exited(status: exitCode) : .killed(signal: status & 0x7f))
        }
        return output
    }

    /// The two pipes of a running command: its standard output, collected, and its standard error,
    /// passed on to ours as it comes with control characters removed (a command's messages must not
    /// drive the person's terminal), so prompts without a newline still show at once.
    private struct Collected {
        var output: [UInt8] = []
        var outputFd: Int32
        var errorFd: Int32
        /// An incomplete UTF-8 sequence at the end of what was read from stderr.
        var pendingError: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        /// Paces the wait when both pipes are closed but the command still runs.
        let clock: any TimeSource

        init(output: Int32, errors: Int32, clock: any TimeSource) {
            outputFd = output
            errorFd = errors
            self.clock = clock
        }

        /// Waits up to `seconds` for either pipe and reads what is there; false when nothing was read
        /// (both pipes closed, or nothing came in time).
        @discardableResult
        mutating func readAvailable(waitingAtMost seconds: Double) -> Bool {
            var pollers: [pollfd] = [outputFd, errorFd].filter { $0 >= 0 }.map {
                pollfd(fd: $0, events: Int16(POLLIN), revents: 0)
            }
            guard !pollers.isEmpty else {
                clock.sleep(min(seconds, 0.01))
                return false
            }
            let ready = poll(&pollers, nfds_t(pollers.count), Int32(seconds * 1000))
            guard ready > 0 else { return false }
            var progressed = false
            for poller in pollers where poller.revents != 0 {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(poller.fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR {
                    progressed = true
                    continue
                }
                if poller.fd == outputFd {
                    if count <= 0 {
                        Glibc.close(outputFd)
                        outputFd = -1
                    } else {
                        output += buffer[..<count]
                    }
                } else if count <= 0 {
                    Glibc.close(errorFd)
                    errorFd = -1
                    flushErrors(final: true)
                } else {
                    pendingError += buffer[..<count]
                    flushErrors(final: false)
                }
                progressed = true
            }
            return progressed
        }

        /// Writes the complete characters of `pendingError` to our stderr, keeping a trailing
        /// incomplete UTF-8 sequence for the next read unless `final`.
        mutating func flushErrors(final: Bool) {
            let cut = final ? pendingError.count : ASCIIText.completeUTF8Prefix(pendingError)
            guard cut > 0 else { return }
            writeFully(fd: 2, ASCIIText.printable(String(decoding: pendingError[..<cut], as: UTF8.self)))
            pendingError.removeFirst(cut)
        }

        mutating func close() {
            if outputFd >= 0 { Glibc.close(outputFd) }
            if errorFd >= 0 { Glibc.close(errorFd) }
            outputFd = -1
            errorFd = -1
            flushErrors(final: true)
        }
    }

    /// The controlling terminal lent to a command's process group while it runs, when this process
    /// has it in the foreground: a command in a background group that reads the terminal (a password
    /// prompt) would be stopped by SIGTTIN.
    private struct ForegroundHandOver {
        private var fd: Int32 = -1

        init(to group: pid_t) {
            let tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
            guard tty >= 0 else { return }
            guard tcgetpgrp(tty) == getpgrp(), tcsetpgrp(tty, group) == 0 else {
                Glibc.close(tty)
                return
            }
            fd = tty
        }

        /// Makes this process's group the foreground again. It is in the background at this point, so
        /// SIGTTOU is blocked for the call (as shells do), or it would stop this process.
        func takeBack() {
            guard fd >= 0 else { return }
            var block = sigset_t()
            var previous = sigset_t()
            sigemptyset(&block)
            sigaddset(&block, SIGTTOU)
            pthread_sigmask(SIG_BLOCK, &block, &previous)
            tcsetpgrp(fd, getpgrp())
            pthread_sigmask(SIG_SETMASK, &previous, nil)
            Glibc.close(fd)
        }
    }
}
