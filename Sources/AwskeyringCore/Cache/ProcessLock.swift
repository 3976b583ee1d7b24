#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A lock shared by every process of the same user, one per name: an `flock` on a file in a private
/// directory. The kernel releases it when the holder exits, however it exits, so a crash never leaves a
/// stale lock behind. The file holds the holder's pid, for messages; never a secret.
public final class ProcessLock {
    private let fd: Int32

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// Takes the lock `name` in `directory`, waiting up to `timeout` seconds. `waiting` is called once,
    /// with the holder's pid when known, if the lock is busy.
    public static func acquire(
        name: String, directory: String, timeout: Double, waiting: (Int32?) -> Void
    ) throws(HelperError) -> ProcessLock {
        try PrivateDirectory.ensure(directory)
        let path = directory + "/" + name + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw HelperError("cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        let start = SystemClock.now()
        var announced = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw HelperError("cannot lock \(path): \(reason)")
            }
            if !announced {
                announced = true
                waiting(holderPid(fd: fd))
            }
            if SystemClock.now() - start > timeout {
                let holder = holderPid(fd: fd).map { " (pid \($0))" } ?? ""
                close(fd)
                throw HelperError(
                    """
                    gave up after \(Int(timeout)) s waiting for another awskeyring-helper\(holder) that is getting \
                    the same credentials; if it is waiting for an MFA code, answer it or stop it
                    """)
            }
            SystemClock.sleep(0.05)
        }
        let pid = "\(getpid())\n"
        ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
        return ProcessLock(fd: fd)
    }

    private static func holderPid(fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 15, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingWhitespace())
    }
}

/// Directories only this user may use (runtime state such as lock files).
enum PrivateDirectory {
    /// The tool's runtime directory: `$XDG_RUNTIME_DIR/awskeyring-helper`, or a per-user one in /tmp.
    static func runtime(environment: [String: String]) -> String {
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") {
            return runtime + "/awskeyring-helper"
        }
        return "/tmp/awskeyring-helper-\(getuid())"
    }

    /// Creates `path` with mode 0700 if missing, and refuses one that is a link, someone else's, or open
    /// to others (another user could otherwise plant files in it).
    static func ensure(_ path: String) throws(HelperError) {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw HelperError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw HelperError("cannot inspect \(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == getuid(), info.st_mode & 0o077 == 0 else {
            throw HelperError(
                "\(path) must be a directory owned by you with mode 0700; remove it and try again")
        }
    }
}
