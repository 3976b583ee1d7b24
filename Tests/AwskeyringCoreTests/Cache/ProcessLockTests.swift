import Testing

@testable import AwskeyringCore

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct ProcessLockTests {
    /// A fresh directory for the lock files (created by the lock itself, mode 0700).
    func directory() -> String {
        "/tmp/awskh-lock-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    }

    @Test func ancestorsAreFoundInProc() {
        #expect(ProcessLock.isSelfOrAncestor(getpid()))
        #expect(ProcessLock.isSelfOrAncestor(getppid()))
        #expect(ProcessLock.isSelfOrAncestor(1))
        #expect(!ProcessLock.isSelfOrAncestor(Int32.max))
    }

    /// A lock held by this process itself (or a parent) can never be released while we wait: refused at
    /// once, not after the timeout.
    @Test func aLockHeldByThisProcessOrAnAncestorIsALoop() throws {
        let directory = directory()
        let held = try ProcessLock.acquire(name: "k", directory: directory, timeout: 1) { _ in }
        let start = SystemClock.now()
        var waited = false
        let error = #expect(throws: HelperError.self) {
            try ProcessLock.acquire(name: "k", directory: directory, timeout: 30) { _ in waited = true }
        }
        #expect(error?.message.contains("credential_process loop") == true)
        #expect(SystemClock.now() - start < 5)
        #expect(!waited)
        withExtendedLifetime(held) {}
        _ = try ProcessLock.acquire(name: "k2", directory: directory, timeout: 1) { _ in }
    }
}
