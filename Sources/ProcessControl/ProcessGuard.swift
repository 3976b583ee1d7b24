internal import CProcessGuard

/// Keeps the secrets this process holds out of core files and out of reach of the user's other
/// processes through `/proc/PID/mem` or ptrace (a core file of a helper waiting for an MFA code holds
/// the long-lived keys).
package enum ProcessGuard {
    /// Makes the process non-dumpable (`PR_SET_DUMPABLE` 0) with a soft core size limit of 0. Called
    /// first thing in the `main` of every program of the tool, before anything is read. The person's
    /// core limit is kept for the programs the tool runs for them (see `Processes`). Failing is not an error: the tool still works,
    /// only without this protection (a kernel that refuses prctl, for example).
    package static func forbidCoreDumps() {
        _ = awskh_forbid_core_dumps()
    }

    /// Raises the soft limit on open descriptors to the hard one, for a server that others may flood
    /// with connections; the programs this process starts get the limit found back.
    package static func raiseDescriptorLimit() {
        _ = awskh_raise_descriptor_limit()
    }
}
