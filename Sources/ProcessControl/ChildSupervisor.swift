#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a command as this process's child and stays its parent until it ends: signals sent to this
/// process are passed on, and the command's exit status becomes this process's (128 + N for a command
/// killed by signal N, as shells report it).
///
/// Signals are taken synchronously (`sigwaitinfo`) rather than by handlers: they are blocked before any
/// other thread starts, so no thread of the server ever runs a handler, and none can be lost between
/// the start of the command and the wait.
package enum ChildSupervisor {
    /// Why the command could not be started, with the exit status shells use for it.
    package struct StartFailure: Error, Sendable, Equatable, CustomStringConvertible {
        /// 127: not found; 126: found but not runnable.
        package var exitStatus: Int32
        package var message: String

        package var description: String { message }
    }

    /// The signals passed on to the command. Terminal job control (SIGTSTP, SIGCONT) is left alone: the
    /// terminal stops and continues the whole process group.
    package static let forwardedSignals: [Int32] = [
        SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM,
    ]

    /// `si_code` of a signal the kernel sent, e.g. Ctrl-C from the terminal: the terminal delivers that
    /// to the whole foreground process group, the command included, so passing it on would double it.
    static let sentByKernel: Int32 = 0x80

    /// Blocks the forwarded signals and SIGCHLD in the calling thread and every thread it starts later.
    /// Call before the server's threads start.
    package static func blockSignals() {
        var set = signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    static func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in forwardedSignals + [SIGCHLD] { sigaddset(&set, signal) }
        return set
    }

    /// Starts `command` (searched in `PATH` when it has no `/`) with exactly `environment`, with the
    /// default signal mask and dispositions, and waits for it. Returns the status to exit with, or why
    /// the command could not start (127: not found, 126: not runnable).
    package static func run(command: String, arguments: [String], environment: [String: String])
        -> Result<Int32, StartFailure>
    {
        switch spawn(command: command, arguments: arguments, environment: environment, resetSignals: true) {
        case .success(let pid): return .success(supervise(pid))
        case .failure(let failure): return .failure(failure)
        }
    }

    /// Starts a program with exactly `environment` and no file descriptor of this process but the
    /// standard three: SwiftNIO opens its sockets without close-on-exec, and a listening socket left in
    /// a child (or a daemon it starts) would keep the port open after this process closed it.
    static func spawn(command: String, arguments: [String], environment: [String: String], resetSignals: Bool)
        -> Result<pid_t, StartFailure>
    {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if resetSignals {
            var emptyMask = sigset_t()
            sigemptyset(&emptyMask)
            posix_spawnattr_setsigmask(&attributes, &emptyMask)
            var defaults = signalSet()
            posix_spawnattr_setsigdefault(&attributes, &defaults)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        }
        markDescriptorsCloseOnExec()

        let words = [command] + arguments
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }

        var pid: pid_t = 0
        let status = posix_spawnp(&pid, command, nil, &attributes, argv, envp)
        guard status != 0 else { return .success(pid) }
        let reason = String(cString: strerror(status))
        switch status {
        case ENOENT, ENOTDIR:
            let where_ = command.contains("/") ? "" : " in PATH"
            return .failure(
                .init(
                    exitStatus: 127,
                    message: "cannot run '\(command)': command not found\(where_) (\(reason))"))
        default:
            return .failure(.init(exitStatus: 126, message: "cannot run '\(command)': \(reason)"))
        }
    }

    /// Sets close-on-exec on every open descriptor above the standard three (glibc's
    /// `posix_spawn_file_actions_addclosefrom_np` is not visible to Swift).
    static func markDescriptorsCloseOnExec() {
        guard let directory = opendir("/proc/self/fd") else { return }
        defer { closedir(directory) }
        var descriptors: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if let fd = Int32(name), fd > 2 { descriptors.append(fd) }
        }
        for fd in descriptors {
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    /// Passes signals on until the child ends; returns its exit status as a shell would report it.
    static func supervise(_ pid: pid_t) -> Int32 {
        var set = signalSet()
        while true {
            var info = siginfo_t()
            // A second at most between looks at the child, should its SIGCHLD ever go to a thread that
            // had it unblocked.
            var interval = timespec(tv_sec: 1, tv_nsec: 0)
            let signal = sigtimedwait(&set, &info, &interval)
            if signal < 0 || signal == SIGCHLD {
                var status: Int32 = 0
                let result = waitpid(pid, &status, WNOHANG)
                if result == pid { return exitStatus(fromWaitStatus: status) }
                if result < 0 && errno == ECHILD { return 1 }
                continue
            }
            if info.si_code != sentByKernel {
                kill(pid, signal)
            }
        }
    }

    /// A `waitpid` status as a shell reports it: the exit code, or 128 + the signal that ended it.
    static func exitStatus(fromWaitStatus status: Int32) -> Int32 {
        let signal = status & 0x7f
        if signal == 0 { return (status >> 8) & 0xff }
        return 128 + signal
    }
}
