#ifndef AWSKH_PROCESS_GUARD_H
#define AWSKH_PROCESS_GUARD_H

#include <sys/resource.h>
#include <sys/types.h>

// Keeps this process's memory (long-lived keys, session tokens, MFA codes) out of core files and away
// from other processes of the same user. prctl is variadic, which Swift cannot call.

// Sets the dumpable attribute to 0 and the soft RLIMIT_CORE to 0 (no core file; /proc/PID/mem,
// /proc/PID/environ and ptrace closed to the user's other processes). The soft limit found (or, after a
// hand-over between the tool's programs, the one handed over) is kept for the commands the tool runs.
// Returns 0, or -1 if a call failed.
int awskh_forbid_core_dumps(void);

// Before this process becomes another program of the tool: puts the person's soft core limit into the
// environment, where that program's awskh_forbid_core_dumps takes it (and removes it). The core limit
// itself stays 0 across the exec.
void awskh_prepare_handover(void);

// Raises the soft RLIMIT_NOFILE to the hard one (a server that many connections must not starve of
// descriptors); the limit found is given back to the programs this process starts. 0 or -1.
int awskh_raise_descriptor_limit(void);

// The RLIMIT_NOFILE found by awskh_raise_descriptor_limit: 1 and *limit set, or 0 when never raised.
int awskh_original_descriptor_limit(struct rlimit *limit);

// PR_SET_CHILD_SUBREAPER: orphans among this process's descendants become its children (and are
// waited for here) instead of init's. 0 or -1.
int awskh_become_subreaper(void);

// The person's RLIMIT_CORE (as found by awskh_forbid_core_dumps): 1 and *limit set, or 0 when unknown.
int awskh_original_core_limit(struct rlimit *limit);

// Starting programs. Every program started gets descriptors 0, 1 and 2 and no other descriptor of this
// process (the keyring's connection, a server's sockets and clients, lock files), whatever flags they
// were opened with.

// Starts `path` (no PATH search) with `argv` and exactly `envp`. standard[i] becomes its descriptor i
// (-1: this process's own); `own_group` puts it in a process group of its own. It starts with the
// person's core limit, no blocked signal and SIGPIPE's default action. Returns 0 with *pid set, or the
// errno of what failed (execve's when the program could not be run; the child is then reaped).
int awskh_spawn(const char *path, char *const argv[], char *const envp[], const int standard[3], int own_group,
                pid_t *pid);

// Replaces this process with `path` (no PATH search). `companion`: another program of the tool, which
// gets this process's environment (plus the person's core limit, see awskh_prepare_handover) and starts
// with the core limit still 0; otherwise exactly `envp` and the person's core limit, no blocked signal
// and SIGPIPE's default action. Returns execve's errno (only when it failed).
int awskh_exec(const char *path, char *const argv[], char *const envp[], int companion);

#endif
