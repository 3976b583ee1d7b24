#define _GNU_SOURCE
#include "CProcessGuard.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

extern char **environ;

// Marks every descriptor from 3 up close-on-exec. close_range (Linux 5.11) in one call; on an older
// kernel, each possible descriptor below the soft limit. Async-signal-safe (it runs between fork and
// exec).
static void mark_descriptors_close_on_exec(void) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
#endif
    struct rlimit limit;
    long highest = 65536;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY && (long)limit.rlim_cur < highest) {
        highest = (long)limit.rlim_cur;
    }
    for (int fd = 3; fd < highest; fd++) {
        int flags = fcntl(fd, F_GETFD);
        if (flags >= 0 && !(flags & FD_CLOEXEC)) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
}

// What a program the person runs starts with: their core and descriptor limits, no blocked signal, SIGPIPE's default
// action (a server library ignores it; a shell pipeline relies on it).
static void give_person_defaults(void) {
    struct rlimit core;
    if (awskh_original_core_limit(&core)) setrlimit(RLIMIT_CORE, &core);
    struct rlimit descriptors;
    if (awskh_original_descriptor_limit(&descriptors)) setrlimit(RLIMIT_NOFILE, &descriptors);
    struct sigaction action = {0};
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    sigaction(SIGPIPE, &action, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static void write_errno(int fd, int code) {
    while (write(fd, &code, sizeof code) < 0 && errno == EINTR) {
    }
}

int awskh_spawn(const char *path, char *const argv[], char *const envp[], const int standard[3], int own_group,
                pid_t *pid) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return errno;
    pid_t child = fork();
    if (child < 0) {
        int code = errno;
        close(report[0]);
        close(report[1]);
        return code;
    }
    if (child == 0) {
        // Only async-signal-safe calls from here to execve: other threads of this process may have held
        // locks at the fork.
        if (own_group && setpgid(0, 0) != 0) {
            write_errno(report[1], errno);
            _exit(127);
        }
        // Each given descriptor first moves above 2, so that one of them being 0, 1 or 2 cannot be
        // overwritten by an earlier dup2.
        int moved[3];
        for (int i = 0; i < 3; i++) {
            moved[i] = standard[i] >= 0 ? fcntl(standard[i], F_DUPFD, 3) : -1;
            if (standard[i] >= 0 && moved[i] < 0) {
                write_errno(report[1], errno);
                _exit(127);
            }
        }
        for (int i = 0; i < 3; i++) {
            if (moved[i] >= 0 && dup2(moved[i], i) < 0) {
                write_errno(report[1], errno);
                _exit(127);
            }
        }
        mark_descriptors_close_on_exec();
        give_person_defaults();
        execve(path, argv, envp);
        write_errno(report[1], errno);
        _exit(127);
    }
    close(report[1]);
    int code = 0;
    ssize_t count;
    while ((count = read(report[0], &code, sizeof code)) < 0 && errno == EINTR) {
    }
    close(report[0]);
    if (count == (ssize_t)sizeof code) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
        return code;
    }
    *pid = child;
    return 0;
}

int awskh_exec(const char *path, char *const argv[], char *const envp[], int companion) {
    mark_descriptors_close_on_exec();
    if (companion) {
        awskh_prepare_handover();
        execve(path, argv, environ);
    } else {
        give_person_defaults();
        execve(path, argv, envp);
    }
    int code = errno;
    // Still this program: the guard's core limit again.
    struct rlimit core;
    if (!companion && getrlimit(RLIMIT_CORE, &core) == 0) {
        core.rlim_cur = 0;
        setrlimit(RLIMIT_CORE, &core);
    }
    return code;
}
