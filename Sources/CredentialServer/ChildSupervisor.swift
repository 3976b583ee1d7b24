import AwskeyringCore

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
public enum ChildSupervisor {
    /// Why the command could not be started, with the exit status shells use for it.
    public struct StartFailure: Error, Sendable, Equatable {
        /// 127: not found; 126: found but not runnable.
        public var exitStatus: Int32
        public var message: String
    }

    /// The signals passed on to the command. Terminal job control (SIGTSTP, SIGCONT) is left alone: the
    /// terminal stops and continues the whole process group.
    public static let forwardedSignals: [Int32] = [
        SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM,
    ]

    /// `si_code` of a signal the kernel sent, e.g. Ctrl-C from the terminal: the terminal delivers that
    /// to the whole foreground process group, the command included, so passing it on would double it.
    static let sentByKernel: Int32 = 0x80

    /// Blocks the forwarded signals and SIGCHLD in the calling thread and every thread it starts later.
    /// Call before the server's threads start.
    public static func blockSignals() {
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
    public static func run(command: String, arguments: [String], environment: [String: String])
        -> Result<Int32, StartFailure>
    {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = signalSet()
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([command] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }

        var pid: pid_t = 0
        let status = posix_spawnp(&pid, command, nil, &attributes, argv, envp)
        if status != 0 {
            let reason = String(cString: strerror(status))
            switch status {
            case ENOENT, ENOTDIR:
                let where_ = command.contains("/") ? "" : " in PATH"
                return .failure(
                    .init(exitStatus: 127, message: "cannot run '\(command)': command not found\(where_) (\(reason))"))
            default:
                return .failure(.init(exitStatus: 126, message: "cannot run '\(command)': \(reason)"))
            }
        }
        return .success(supervise(pid))
    }

    /// Passes signals on until the child ends; returns its exit status as a shell would report it.
    static func supervise(_ pid: pid_t) -> Int32 {
        var set = signalSet()
        while true {
            var info = siginfo_t()
            let signal = sigwaitinfo(&set, &info)
            if signal < 0 { continue }  // EINTR
            if signal == SIGCHLD {
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
