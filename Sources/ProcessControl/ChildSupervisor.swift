internal import CProcessGuard

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

    /// Makes this process the subreaper of the programs it starts from now on: whatever they leave
    /// running when they exit (a daemon, a `cmd &`) becomes this process's child instead of init's, so
    /// `run(..., waitForDescendants: true)` can wait for it. False where the kernel refuses.
    @discardableResult
    package static func becomeSubreaper() -> Bool {
        awskh_become_subreaper() == 0
    }

    /// Starts `command` (searched in `PATH` when it has no `/`) with exactly `environment` (see
    /// `Processes.spawn`) and waits for it, and with `waitForDescendants` (in a subreaper) then for
    /// everything it left running. SIGINT or SIGTERM ends the wait as soon as the command has exited,
    /// after passing the signal on to what is left. Returns the command's status to exit with, or why it
    /// could not start.
    package static func run(
        command: String, arguments: [String], environment: [String: String], waitForDescendants: Bool = false
    ) -> Result<Int32, ProcessError> {
        do {
            let pid = try Processes.spawn([command] + arguments, environment: environment)
            return .success(supervise(pid, waitForDescendants: waitForDescendants))
        } catch {
            return .failure(error)
        }
    }

    /// Passes signals on until the child ends (and, with `waitForDescendants`, until no other child of
    /// this process is left but those another part of it waits for); returns the child's exit status as
    /// a shell would report it.
    static func supervise(_ pid: pid_t, waitForDescendants: Bool) -> Int32 {
        var set = signalSet()
        var commandStatus: Int32?
        var stopSignal: Int32?
        while true {
            if commandStatus == nil {
                var status: Int32 = 0
                let result = waitpid(pid, &status, WNOHANG)
                if result == pid {
                    Processes.reaped(pid)
                    commandStatus = Processes.exitStatus(fromWaitStatus: status)
                } else if result < 0 && errno == ECHILD {
                    commandStatus = 1
                }
            }
            // Orphans are collected as they exit, while the command runs too.
            let othersLeft = Processes.reapExitedOrphans()
            if let status = commandStatus {
                if let stopSignal {
                    for child in Processes.childProcesses() where !Processes.isStartedChild(child) {
                        kill(child, stopSignal)
                    }
                    return status
                }
                if !waitForDescendants || !othersLeft { return status }
            }
            var info = siginfo_t()
            // A second at most between looks at the children, should a SIGCHLD ever go to a thread that
            // had it unblocked.
            var interval = timespec(tv_sec: 1, tv_nsec: 0)
            let signal = sigtimedwait(&set, &info, &interval)
            if signal < 0 || signal == SIGCHLD { continue }
            if signal == SIGINT || signal == SIGTERM { stopSignal = signal }
            if info.si_code == sentByKernel { continue }
            if commandStatus == nil {
                kill(pid, signal)
            } else {
                for child in Processes.childProcesses() where !Processes.isStartedChild(child) {
                    kill(child, signal)
                }
            }
        }
    }
}
