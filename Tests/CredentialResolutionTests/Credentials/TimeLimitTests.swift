import FoundationJSON
import Keyring
import ProcessControl
import TestSupport
import Testing

@testable import CredentialResolution
@testable import KeyringItems
@testable import SystemAccess

#if canImport(Glibc)
    import Glibc
#endif

/// The limits of minutes (mfa_process and credential_process 120 s, the lock wait 180 s, STS's
/// deadline), each reached on a test clock in well under a second of real time.
@Suite struct TimeLimitTests {
    static let environment = ["PATH": "/usr/bin:/bin"]

    /// Real seconds `body` took.
    func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let start = SystemClock().now()
        let value = try body()
        return (value, SystemClock().now() - start)
    }

    @Test func anMFAProcessThatHangsIsStoppedAtItsDefaultBoundOf120Seconds() {
        // 20 test seconds pass at each reading of the clock, so the bound comes after a few polls.
        let clock = TestClock(step: 20)
        let source = MFATokenSource(
            mfaProcess: "exec >&-; sleep 200", terminal: nil, profile: "p", environment: Self.environment,
            clock: clock)
        #expect(source.timeout == 120)
        let (error, elapsed) = timed {
            #expect(
                throws: MFAError.processFailed(
                    profile: "p",
                    ShellCommandError(
                        command: "the command 'exec >&-; sleep 200'", reason: .timedOut(seconds: 120)))
            ) { try source.code(serial: "arn:mfa", previousRejected: false) }
        }
        #expect(
            error?.description
                == "mfa_process of profile 'p' failed: the command 'exec >&-; sleep 200' did not finish within 120 s"
        )
        #expect(elapsed < 10)
    }

    @Test func aCredentialProcessThatHangsIsStoppedAtItsDefaultBoundOf120Seconds() {
        let source = CredentialProcessSource(profile: "p", command: "/bin/sh -c 'exec >&-; sleep 200'")
        let (error, elapsed) = timed {
            #expect(throws: ShellCommandError.self) {
                try source.fetch(
                    environment: Self.environment, clock: TestClock(step: 20), json: FoundationJSONDecoding())
            }
        }
        #expect(error?.reason == .timedOut(seconds: 120))
        #expect(error?.description.contains("the credential_process of profile 'p'") == true)
        #expect(error?.description.hasSuffix("did not finish within 120 s") == true)
        #expect(elapsed < 10)
    }

    /// Another process holds the lock (its pid, one that is no ancestor, in the file): the caller waits
    /// the provider's 180 s, said once, then gives up naming the holder.
    @Test func aLockHeldByAnotherProcessIsWaitedForUpToTheLimitOf180Seconds() throws {
        let directory = "/tmp/awskh-lock-limit-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let held = try ProcessLock.acquire(name: "k", directory: directory, timeout: 1, clock: SystemClock())
        { _ in }
        let fd = open(directory + "/k.lock", O_WRONLY | O_TRUNC | O_CLOEXEC)
        #expect(fd >= 0)
        let pid = "\(Int32.max)\n"
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        close(fd)

        // Each reading moves the clock on 5 s as well, so the wait polls about 36 times rather than 3600
        // (a poll reads the lock file and walks /proc, which is slow under the sanitizers).
        let clock = TestClock(step: 5)
        let start = clock.now()
        let limit = CredentialProvider(
            files: try configFiles(""), keyring: CredentialKeyring(store: InMemorySecretStore()),
            environment: [:], json: FoundationJSONDecoding(), diagnostics: { _ in },
            transport: ScriptedTransport([]),
            clock: clock, openTerminal: { nil }
        ).lockTimeout
        #expect(limit == 180)
        var announced: [Int32?] = []
        let (error, elapsed) = timed {
            #expect(throws: LockError.timedOut(seconds: 180, holder: Int32.max)) {
                try ProcessLock.acquire(name: "k", directory: directory, timeout: limit, clock: clock) {
                    announced.append($0)
                }
            }
        }
        #expect(
            error?.description.hasPrefix(
                "gave up after 180 s waiting for another awskeyring-helper (pid \(Int32.max))") == true)
        #expect(announced == [Int32.max])
        let waited = clock.read() - Int(start)
        #expect(waited > 180 && waited < 192)
        // Far from the 180 s a real clock would take, even under the sanitizers.
        #expect(elapsed < 60)
        withExtendedLifetime(held) {}
        unlink(directory + "/k.lock")
        rmdir(directory)
    }
}
