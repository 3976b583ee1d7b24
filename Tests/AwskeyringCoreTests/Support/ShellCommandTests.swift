import Testing

@testable import AwskeyringCore

/// The bounds on commands the helper runs (mfa_process, credential_process): each case must end in
/// about its own time, never at the timeout of the whole run.
@Suite struct ShellCommandTests {
    static let environment = ["PATH": "/usr/bin:/bin"]

    func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let start = SystemClock.now()
        let value = try body()
        return (value, SystemClock.now() - start)
    }

    @Test func aCommandThatLeavesABackgroundProcessHoldingItsOutputEndsWhenItExits() throws {
        let (output, elapsed) = try timed {
            try ShellCommand.output(
                of: "sleep 30 & echo 123456", environment: Self.environment, timeout: 20)
        }
        #expect(output == "123456\n")
        #expect(elapsed < 10)
    }

    @Test func aCommandThatClosesItsOutputAndHangsIsStoppedAtTheTimeout() {
        let (error, elapsed) = timed {
            #expect(throws: HelperError.self) {
                try ShellCommand.output(
                    of: "exec >&-; sleep 30", environment: Self.environment, timeout: 1)
            }
        }
        #expect(error?.message.contains("did not finish within 1 s") == true)
        #expect(elapsed < 10)
    }

    @Test func tooMuchOutputStopsTheCommand() {
        let (error, elapsed) = timed {
            #expect(throws: HelperError.self) {
                try ShellCommand.output(
                    of: "trap '' PIPE; yes; sleep 30", environment: Self.environment, timeout: 20)
            }
        }
        #expect(error?.message.contains("printed more than 64 KiB") == true)
        #expect(elapsed < 10)
    }

    @Test func exitStatusAndSignalsAreReported() {
        #expect(throws: HelperError("the command 'exit 3' exited with status 3")) {
            try ShellCommand.output(of: "exit 3", environment: Self.environment, timeout: 5)
        }
        #expect(throws: HelperError("the command 'kill -9 $$' was killed by signal 9")) {
            try ShellCommand.output(of: "kill -9 $$", environment: Self.environment, timeout: 5)
        }
    }
}
