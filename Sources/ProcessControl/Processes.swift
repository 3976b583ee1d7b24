internal import CProcessGuard

#if canImport(Glibc)
    import Glibc
#endif

/// The one way the tool starts programs: as a child (`spawn`), or in place of this process (`replace`,
/// `handOver`). Every program started gets descriptors 0, 1 and 2 and no other descriptor of this
/// process, whatever flags it was opened with (SwiftNIO's sockets are not close-on-exec, and a
/// credentials endpoint's client connection or the keyring's connection must not reach a program the
/// tool runs). Programs the person asked for start with the person's core limit, no blocked signal and
/// SIGPIPE's default action; the tool's own programs start with the core limit still 0.
package enum Processes {
    /// The children started by `spawn` and not yet waited for: their starter waits for them, so a
    /// subreaper's collection of orphans leaves them alone. Held while a child is started, so none
    /// can exit unrecorded.
    private static let startedChildren = StartedChildren()

    /// The set behind a pthread mutex. (Synchronization's `Mutex` waits on a futex directly, which
    /// ThreadSanitizer cannot see, so it reported two threads reaping children one after the other as a
    /// race on the set.)
    private final class StartedChildren: @unchecked Sendable {
        // Guarded by `mutex`.
        private var pids: Set<Int32> = []
        private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

        init() { pthread_mutex_init(mutex, nil) }

        deinit {
            pthread_mutex_destroy(mutex)
            mutex.deallocate()
        }

        func withLock<T>(_ body: (inout Set<Int32>) -> T) -> T {
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return body(&pids)
        }
    }

    /// Starts `arguments[0]` (looked for on `environment["PATH"]` when it has no `/`) with exactly
    /// `environment`. `input`, `output` and `errors` become its stdin, stdout and stderr (nil: this
    /// process's); `ownGroup` gives it a process group of its own, so that it can be stopped with
    /// everything it started. Returns its pid.
    package static func spawn(
        _ arguments: [String], environment: [String: String], input: Int32? = nil, output: Int32? = nil,
        errors: Int32? = nil, ownGroup: Bool = false
    ) throws(ProcessError) -> Int32 {
        guard let program = arguments.first, !program.isEmpty else { throw .noCommand }
        guard let path = programPath(program, searchPath: environment["PATH"]) else {
            throw .notFound(program: program, searchedPath: true)
        }
        let standard: [Int32] = [input ?? -1, output ?? -1, errors ?? -1]
        var pid: Int32 = 0
        let code = withCStrings(arguments) { argv in
            withCStrings(environment.map { "\($0.key)=\($0.value)" }) { envp in
                standard.withUnsafeBufferPointer { fds in
                    startedChildren.withLock { started in
                        let code = awskh_spawn(path, argv, envp, fds.baseAddress, ownGroup ? 1 : 0, &pid)
                        if code == 0 { started.insert(pid) }
                        return code
                    }
                }
            }
        }
        guard code == 0 else { throw failure(program: program, code: code) }
        return pid
    }

    /// Replaces this process with `arguments[0]` (looked for on `environment["PATH"]` when it has no
    /// `/`) and exactly `environment`. Returns only when it could not be started.
    package static func replace(_ arguments: [String], environment: [String: String]) -> ProcessError {
        guard let program = arguments.first, !program.isEmpty else { return .noCommand }
        guard let path = programPath(program, searchPath: environment["PATH"]) else {
            return .notFound(program: program, searchedPath: true)
        }
        let code = withCStrings(arguments) { argv in
            withCStrings(environment.map { "\($0.key)=\($0.value)" }) { envp in
                awskh_exec(path, argv, envp, 0)
            }
        }
        return failure(program: program, code: code)
    }

    /// Replaces this process with another program of the tool at `path`, with this process's
    /// environment; the core limit stays 0 until that program guards itself. Returns only when it could
    /// not be started.
    package static func handOver(toProgramAt path: String, arguments: [String]) -> ProcessError {
        let code = withCStrings([path] + arguments) { argv in awskh_exec(path, argv, nil, 1) }
        return failure(program: path, code: code)
    }

    private static func failure(program: String, code: Int32) -> ProcessError {
        switch code {
        case ENOENT, ENOTDIR: return .notFound(program: program, searchedPath: !program.contains("/"))
        default: return .cannotRun(program: program, reason: String(cString: strerror(code)))
        }
    }

    /// `strings` as a NULL-terminated array of C strings for the duration of `body`, overwritten before
    /// they are freed (an environment may hold keys or the endpoint's token).
    private static func withCStrings<T>(
        _ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> T
    ) -> T {
        let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
        defer {
            for pointer in pointers {
                guard let pointer else { continue }
                explicit_bzero(pointer, strlen(pointer))
                free(pointer)
            }
        }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
    }

    /// Waits for `pid`, a child started by `spawn`, to end (retrying on EINTR); its `waitpid` status,
    /// or nil when it is not a child.
    @discardableResult
    package static func wait(for pid: Int32) -> Int32? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, 0)
            if result == pid {
                reaped(pid)
                return status
            }
            if result < 0 && errno == EINTR { continue }
            return nil
        }
    }

    /// Records that `pid`, started by `spawn`, has been waited for by whoever started it.
    package static func reaped(_ pid: Int32) {
        _ = startedChildren.withLock { $0.remove(pid) }
    }

    /// Whether `pid` was started by `spawn` and its starter has not waited for it yet.
    package static func isStartedChild(_ pid: Int32) -> Bool {
        startedChildren.withLock { $0.contains(pid) }
    }

    /// In a subreaper: waits for every exited child that no part of this process started and waits for
    /// itself (the orphans of the programs it started). Returns whether any child is left.
    package static func reapExitedOrphans() -> Bool {
        startedChildren.withLock { started in
            while true {
                var info = siginfo_t()
                guard waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0 else {
                    return errno != ECHILD
                }
                let pid = info._sifields._sigchld.si_pid
                // None has exited, or the first that has is waited for by its starter.
                if pid == 0 || started.contains(pid) { return true }
                var status: Int32 = 0
                _ = waitpid(pid, &status, WNOHANG)
            }
        }
    }

    /// The pids of this process's children, from /proc (each /proc/PID/stat names the parent).
    package static func childProcesses() -> [Int32] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        let me = getpid()
        var children: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            guard let pid = Int32(name), pid != me else { continue }
            if parent(of: pid) == me { children.append(pid) }
        }
        return children
    }

    /// The parent pid in /proc/PID/stat (the field after the state, which follows the last ')').
    private static func parent(of pid: Int32) -> Int32? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0, let nameEnd = buffer[..<count].lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = buffer[(nameEnd + 1)..<count].split(separator: UInt8(ascii: " "))
        guard fields.count > 1 else { return nil }
        return Int32(String(decoding: fields[1], as: UTF8.self))
    }

    /// A `waitpid` status as a shell reports it: the exit code, or 128 + the signal that ended it.
    package static func exitStatus(fromWaitStatus status: Int32) -> Int32 {
        let signal = status & 0x7f
        if signal == 0 { return (status >> 8) & 0xff }
        return 128 + signal
    }

    /// What to run for `program`: itself when it names a path (execve then says why it cannot run, a
    /// missing file or a missing execute permission), otherwise the first executable file of that name
    /// on `searchPath`.
    private static func programPath(_ program: String, searchPath: String?) -> String? {
        program.contains("/") ? program : executablePath(program, searchPath: searchPath)
    }

    /// `program` itself when it names a path, otherwise the first executable file of that name in
    /// `searchPath` (as `execvp` looks, with the child's `PATH`).
    package static func executablePath(_ program: String, searchPath: String?) -> String? {
        if program.contains("/") { return access(program, X_OK) == 0 ? program : nil }
        let directories = (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(
            separator: ":", omittingEmptySubsequences: false)
        for directory in directories {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + program
            var info = stat()
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }
}
