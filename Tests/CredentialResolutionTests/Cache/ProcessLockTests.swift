import Testing

@testable import CredentialResolution
@testable import SystemAccess

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
        let held = try ProcessLock.acquire(name: "k", directory: directory, timeout: 1, clock: SystemClock())
        { _ in }
        let start = SystemClock().now()
        var waited = false
        #expect(throws: LockError.waitsForItself(holder: getpid())) {
            try ProcessLock.acquire(name: "k", directory: directory, timeout: 30, clock: SystemClock()) { _ in
                waited = true
            }
        }
        #expect(SystemClock().now() - start < 5)
        #expect(!waited)
        withExtendedLifetime(held) {}
        _ = try ProcessLock.acquire(name: "k2", directory: directory, timeout: 1, clock: SystemClock()) { _ in
        }
    }

    @Test func theRuntimeDirectoryIsXDGRuntimeDirOnlyWhenPrivate() throws {
        let base = directory()
        let runtime = base + "/run"
        #expect(mkdir(base, 0o700) == 0 && mkdir(runtime, 0o700) == 0)
        defer {
            rmdir(runtime)
            rmdir(base)
        }
        let environment = [
            "XDG_RUNTIME_DIR": runtime, "XDG_CACHE_HOME": base + "/cache", "HOME": "/nonexistent",
        ]
        #expect(PrivateDirectory.runtime(environment: environment) == runtime + "/awskeyring-helper")
        #expect(chmod(runtime, 0o1777) == 0)
        #expect(PrivateDirectory.runtime(environment: environment) == base + "/cache/awskeyring-helper")
        var relative = environment
        relative["XDG_RUNTIME_DIR"] = nil
        relative["XDG_CACHE_HOME"] = "cache"
        #expect(PrivateDirectory.runtime(environment: relative) == "/nonexistent/.cache/awskeyring-helper")
    }

    @Test func aLockDirectoryOpenToOthersOrALinkIsRefused() throws {
        let base = directory()
        #expect(mkdir(base, 0o700) == 0)
        defer {
            for path in ["/a/b/k.lock", "/link"] { unlink(base + path) }
            for path in ["/a/b", "/a", ""] { rmdir(base + path) }
        }
        // Created with its missing parents, all 0700.
        _ = try ProcessLock.acquire(name: "k", directory: base + "/a/b", timeout: 1, clock: SystemClock()) {
            _ in
        }
        var info = stat()
        #expect(stat(base + "/a", &info) == 0 && info.st_mode & 0o777 == 0o700)
        #expect(chmod(base + "/a/b", 0o777) == 0)
        let open = #expect(
            throws: LockError.unsafeDirectory(
                path: base + "/a/b", problem: "it is owned by you with mode 777")
        ) {
            try ProcessLock.acquire(name: "k", directory: base + "/a/b", timeout: 1, clock: SystemClock()) {
                _ in
            }
        }
        #expect(open?.description.contains("rm -r \(base)/a/b") == true)
        #expect(symlink(base + "/a", base + "/link") == 0)
        #expect(throws: LockError.unsafeDirectory(path: base + "/link", problem: "it is not a directory")) {
            try ProcessLock.acquire(name: "k", directory: base + "/link", timeout: 1, clock: SystemClock()) {
                _ in
            }
        }
    }
}
