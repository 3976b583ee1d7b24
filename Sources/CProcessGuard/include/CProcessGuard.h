#ifndef AWSKH_PROCESS_GUARD_H
#define AWSKH_PROCESS_GUARD_H

// Keeps this process's memory (long-lived keys, session tokens, MFA codes) out of core files and away
// from other processes of the same user. prctl is variadic, which Swift cannot call.

// Sets the soft RLIMIT_CORE to 0 and the dumpable attribute to 0 (no core file; /proc/PID/mem,
// /proc/PID/environ and ptrace closed to the user's other processes). Returns 0, or -1 if a call failed.
int awskh_forbid_core_dumps(void);

// Puts back the soft RLIMIT_CORE found by awskh_forbid_core_dumps, for a command this process is about
// to become (`exec`): its core files are the person's business. Dumpability is reset by execve itself.
void awskh_restore_core_limit(void);

#endif
