import Testing

@testable import ProcessControl

#if canImport(Glibc)
    import Glibc
#endif

/// The one way programs are started: only descriptors 0-2 reach them, and a program that cannot start
/// says why with the status shells use.
@Suite struct ProcessesTests {
    static let environment = ["PATH": "/usr/bin:/bin"]

    /// The exit status of a spawned shell command line.
    func status(of script: String) throws -> Int32 {
        let pid = try Processes.spawn(["sh", "-c", script], environment: Self.environment)
        let status = try #require(Processes.wait(for: pid))
        return Processes.exitStatus(fromWaitStatus: status)
    }

    @Test func aSpawnedProgramGetsNoDescriptorAboveTheStandardThree() throws {
        // Opened without close-on-exec, as SwiftNIO opens its sockets.
        let fd = open("/dev/null", O_RDONLY)
        #expect(fd > 2)
        defer { close(fd) }
        #expect(try status(of: "test -e /proc/$$/fd/\(fd)") == 1)
        #expect(try status(of: "test -e /proc/$$/fd/2") == 0)
    }

    @Test func outputAndErrorsGoWhereTheyAreSent() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let pid = try Processes.spawn(
            ["sh", "-c", "echo out; echo err >&2"], environment: Self.environment, output: fds[1],
            errors: fds[1])
        close(fds[1])
        var bytes = [UInt8](repeating: 0, count: 64)
        var text: [UInt8] = []
        while true {
            let count = bytes.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if count <= 0 { break }
            text += bytes[..<count]
        }
        close(fds[0])
        Processes.wait(for: pid)
        #expect(String(decoding: text, as: UTF8.self) == "out\nerr\n")
        #expect(!Processes.isStartedChild(pid))
    }

    @Test func aProgramThatCannotStartSaysWhyWithTheShellsStatus() throws {
        #expect(throws: ProcessError.notFound(program: "no-such-program-e2e", searchedPath: true)) {
            try Processes.spawn(["no-such-program-e2e"], environment: Self.environment)
        }
        #expect(ProcessError.notFound(program: "x", searchedPath: true).exitStatus == 127)
        #expect(throws: ProcessError.noCommand) { try Processes.spawn([], environment: Self.environment) }
        // Executable, but not a program the kernel can run.
        let path = "/tmp/awskeyring-processes-test-\(getpid())"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o700)
        _ = "\u{7f}ELF junk".withCString { write(fd, $0, 8) }
        close(fd)
        defer { unlink(path) }
        let error = #expect(throws: ProcessError.self) {
            try Processes.spawn([path], environment: Self.environment)
        }
        #expect(error?.exitStatus == 126)
        #expect(error?.description.hasPrefix("cannot run '\(path)': ") == true)
    }

    @Test func exitStatusesReadAsShellsReportThem() {
        #expect(Processes.exitStatus(fromWaitStatus: 7 << 8) == 7)
        #expect(Processes.exitStatus(fromWaitStatus: SIGTERM) == 143)
    }
}
