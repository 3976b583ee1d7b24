internal import CProcessGuard

/// Keeps the secrets this process holds out of core files and out of reach of the user's other
/// processes through `/proc/PID/mem` or ptrace (a core file of a helper waiting for an MFA code holds
/// the long-lived keys).
package enum ProcessGuard {
    /// Makes the process non-dumpable (`PR_SET_DUMPABLE` 0) with a soft core size limit of 0. Called
    /// first thing in `main`, before any secret is read. Failing is not an error: the tool still works,
    /// only without this protection (a kernel that refuses prctl, for example).
    package static func forbidCoreDumps() {
        _ = awskh_forbid_core_dumps()
    }

    /// Gives a command this process is about to become (`exec`) the core size limit the person had.
    package static func restoreCoreLimit() {
        awskh_restore_core_limit()
    }
}
