import Testing

@testable import AWSConfigFile
@testable import ProcessControl
@testable import SystemAccess
@testable import TextFormats

#if canImport(Glibc)
    import Glibc
#endif

/// The bounds on commands the helper runs (mfa_process, credential_process): each case must end in
/// about its own time, never at the timeout of the whole run.
@Suite struct ShellCommandTests {
    static let environment = ["PATH": "/usr/bin:/bin"]

    func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let start = SystemClock().now()
        let value = try body()
        return (value, SystemClock().now() - start)
    }

    @Test func aCommandThatLeavesABackgroundProcessHoldingItsOutputEndsWhenItExits() throws {
        let (output, elapsed) = try timed {
            try ShellCommand.output(
                of: "sleep 30 & echo 123456", environment: Self.environment, timeout: 20, clock: SystemClock()
            )
        }
        #expect(output == "123456\n")
        #expect(elapsed < 10)
    }

    @Test func aCommandThatClosesItsOutputAndHangsIsStoppedAtTheTimeout() {
        let (error, elapsed) = timed {
            #expect(throws: ShellCommandError.self) {
                try ShellCommand.output(
                    of: "exec >&-; sleep 30", environment: Self.environment, timeout: 1, clock: SystemClock())
            }
        }
        #expect(error?.reason == .timedOut(seconds: 1))
        #expect(elapsed < 10)
    }

    @Test func tooMuchOutputStopsTheCommand() {
        let (error, elapsed) = timed {
            #expect(throws: ShellCommandError.self) {
                try ShellCommand.output(
                    of: "trap '' PIPE; yes; sleep 30", environment: Self.environment, timeout: 20,
                    clock: SystemClock())
            }
        }
        #expect(error?.reason == .tooMuchOutput(kibibytes: 64))
        #expect(elapsed < 10)
    }

    @Test func exitStatusAndSignalsAreReported() {
        #expect(throws: ShellCommandError(command: "the command 'exit 3'", reason: .exited(status: 3))) {
            try ShellCommand.output(
                of: "exit 3", environment: Self.environment, timeout: 5, clock: SystemClock())
        }
        #expect(
            ShellCommandError(command: "the command 'exit 3'", reason: .exited(status: 3)).description
                == "the command 'exit 3' exited with status 3")
        #expect(throws: ShellCommandError(command: "the command 'kill -9 $$'", reason: .killed(signal: 9))) {
            try ShellCommand.output(
                of: "kill -9 $$", environment: Self.environment, timeout: 5, clock: SystemClock())
        }
    }
}

/// What a command started and what it says on stderr.
@Suite struct ShellCommandGroupTests {
    static let environment = ["PATH": "/usr/bin:/bin"]

    @Test func atTheTimeLimitWhatTheCommandStartedIsStoppedToo() throws {
        var template = Array("/tmp/awskh-group-XXXXXX".utf8CString)
        let directory = try #require(
            template.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress.flatMap { mkdtemp($0) }.map { String(cString: $0) }
            })
        let pidFile = directory + "/pid"
        let error = #expect(throws: ShellCommandError.self) {
            try ShellCommand.output(
                of: "sleep 60 & echo $! > \(pidFile); sleep 61", environment: Self.environment, timeout: 1,
                clock: SystemClock())
        }
        #expect(error?.reason == .timedOut(seconds: 1))
        let text = try #require(try ConfigFileAccess.readFile(atPath: pidFile))
        let pid = try #require(Int32(String(decoding: text, as: UTF8.self).trimmingWhitespace()))
        var gone = false
        for _ in 0..<100 where !gone {
            // Killed; reparented to init, which reaps it (or leaves a zombie in a container).
            gone = kill(pid, 0) != 0 || isZombie(pid)
            if !gone { SystemClock().sleep(0.05) }
        }
        if !gone { kill(pid, SIGKILL) }
        #expect(gone)
        unlink(pidFile)
        rmdir(directory)
    }

    func isZombie(_ pid: Int32) -> Bool {
        guard let bytes = try? ConfigFileAccess.readFile(atPath: "/proc/\(pid)/stat") else { return true }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return false }
        return String(text[text.index(after: close)...]).trimmingWhitespace().hasPrefix("Z")
    }
}
