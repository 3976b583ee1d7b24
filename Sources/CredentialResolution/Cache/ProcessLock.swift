import AWSConfigFile
import SystemAccess
import TextFormats

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A lock shared by every process of the same user, one per name: an `flock` on a file in a private
/// directory. The kernel releases it when the holder exits, however it exits, so a crash never leaves a
/// stale lock behind. The file holds the holder's pid, for messages; never a secret.
package final class ProcessLock {
    private let fd: Int32

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// Takes the lock `name` in `directory`, waiting up to `timeout` seconds as `clock` tells them.
    /// `waiting` is called once, with the holder's pid when known, if the lock is busy.
    package static func acquire(
        name: String, directory: String, timeout: Double, clock: any TimeSource,
        waiting: (Int32?) -> Void
    ) throws(LockError) -> ProcessLock {
        // The file is opened relative to the directory checked, so the directory cannot be swapped
        // between the check and the open.
        let directoryFD = try PrivateDirectory.openDirectory(directory)
        defer { close(directoryFD) }
        let path = directory + "/" + name + ".lock"
        let fd = openat(directoryFD, name + ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        let start = clock.now()
        var announced = false
        var ancestorSeen: Double?
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw .cannotLock(path: path, reason: reason)
            }
            // A holder that started this process (through a credential_process that hid the call
            // chain, e.g. a wrapper that clears the environment) waits for it: waiting would only end
            // at a timeout. Seen twice 0.2 s apart, so a pid left by a previous holder, read just
            // before the new holder writes its own, is not mistaken for one.
            if let holder = holderPid(fd: fd), isSelfOrAncestor(holder) {
                let since = ancestorSeen ?? clock.now()
                ancestorSeen = since
                if clock.now() - since >= 0.2 {
                    close(fd)
                    throw .waitsForItself(holder: holder)
                }
                clock.sleep(0.05)
                continue
            }
            ancestorSeen = nil
            if !announced {
                announced = true
                waiting(holderPid(fd: fd))
            }
            if clock.now() - start > timeout {
                let holder = holderPid(fd: fd)
                close(fd)
                throw .timedOut(seconds: Int(timeout), holder: holder)
            }
            clock.sleep(0.05)
        }
        let pid = "\(getpid())\n"
        ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
        return ProcessLock(fd: fd)
    }

    /// Whether `pid` is this process or one of its ancestors (parents, from /proc).
    static func isSelfOrAncestor(_ pid: Int32) -> Bool {
        var current = getpid()
        for _ in 0..<64 {
            if current == pid { return true }
            guard current > 1, let parent = parentPid(of: current) else { return false }
            current = parent
        }
        return false
    }

    /// The parent of `pid`: the field after the `(comm)` in /proc/PID/stat (comm may hold anything but
    /// ends at the last ')').
    private static func parentPid(of pid: Int32) -> Int32? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0, let close = buffer[..<count].lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = buffer[(close + 1)..<count].split(separator: UInt8(ascii: " "))
        guard fields.count > 1 else { return nil }
        return Int32(String(decoding: fields[1], as: UTF8.self))
    }

    private static func holderPid(fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 15, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingWhitespace())
    }
}

/// Directories only this user may use (runtime state such as lock files). They hold no secret, but a
/// directory another user could create first or write into would let that user block every role call
/// (or plant files), so its name is never a predictable one in a shared directory such as /tmp.
package enum PrivateDirectory {
    /// The tool's runtime directory: `$XDG_RUNTIME_DIR/awskeyring-helper` when that is a directory of
    /// this user that no one else may enter (as the XDG Base Directory specification requires), otherwise
    /// `awskeyring-helper` in the user's cache directory (`$XDG_CACHE_HOME`, default `~/.cache`), where
    /// only the user can create names. Without XDG_RUNTIME_DIR (ssh without pam_systemd, cron) the cache
    /// directory is the replacement the specification asks for.
    package static func runtime(environment: [String: String]) -> String {
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/"), isPrivate(runtime) {
            return runtime + "/awskeyring-helper"
        }
        return cacheHome(environment: environment) + "/awskeyring-helper"
    }

    /// `$XDG_CACHE_HOME` when absolute (as the specification requires), otherwise `~/.cache`.
    static func cacheHome(environment: [String: String]) -> String {
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") {
            return cache
        }
        return ConfigFileAccess.expandPath("~/.cache", environment: environment)
    }

    /// Whether `path` is a directory owned by this user that no one else may write or enter.
    static func isPrivate(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFDIR && info.st_uid == getuid() && info.st_mode & 0o077 == 0
    }

    /// Creates `path` with mode 0700 if missing (and its missing parents, also 0700), then opens it and
    /// refuses one that is a link, someone else's, or open to others.
    static func openDirectory(_ path: String) throws(LockError) -> Int32 {
        guard path.hasPrefix("/") else {
            throw .noPrivateDirectory
        }
        try create(path)
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let reason =
                errno == ELOOP || errno == ENOTDIR
                ? "it is not a directory" : String(cString: strerror(errno))
            throw refusal(path, reason)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .cannotInspect(path: path, reason: reason)
        }
        guard info.st_uid == getuid(), info.st_mode & 0o077 == 0 else {
            close(fd)
            let mode = String(info.st_mode & 0o7777, radix: 8)
            let owner = info.st_uid == getuid() ? "you" : "user id \(info.st_uid)"
            throw refusal(path, "it is owned by \(owner) with mode \(mode)")
        }
        return fd
    }

    /// `mkdir -p` with mode 0700 for what it creates.
    private static func create(_ path: String) throws(LockError) {
        if mkdir(path, 0o700) == 0 || errno == EEXIST { return }
        guard errno == ENOENT else {
            throw .cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
        let parent = FileReplacement.parentDirectory(of: path)
        guard parent != path, parent != "/" else {
            throw .cannotCreate(path: path, reason: String(cString: strerror(ENOENT)))
        }
        try create(parent)
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw .cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
    }

    private static func refusal(_ path: String, _ reason: String) -> LockError {
        .unsafeDirectory(path: path, problem: reason)
    }
}
