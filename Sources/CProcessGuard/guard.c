#include "CProcessGuard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

// The soft core limit the person had, carried across a hand-over between the tool's programs (which
// keeps the limit at 0), for the command `exec` becomes and the children it starts.
static const char handed_over_core_limit[] = "AWSKEYRING_HELPER_CORE_LIMIT";

static struct rlimit original_core_limit;
static int core_limit_saved;

static int parse_limit(const char *text, rlim_t hard, rlim_t *value) {
    if (strcmp(text, "unlimited") == 0) {
        *value = RLIM_INFINITY;
    } else {
        if (text[0] < '0' || text[0] > '9') return 0;
        char *end = NULL;
        unsigned long long parsed = strtoull(text, &end, 10);
        if (end == NULL || *end != '\0') return 0;
        *value = (rlim_t)parsed;
    }
    return hard == RLIM_INFINITY || (*value != RLIM_INFINITY && *value <= hard);
}

int awskh_forbid_core_dumps(void) {
    int result = 0;
    // Non-dumpable first: no core file, and /proc/PID/mem, /proc/PID/environ and ptrace closed to the
    // user's other processes.
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) result = -1;
    struct rlimit limit;
    if (getrlimit(RLIMIT_CORE, &limit) == 0) {
        original_core_limit = limit;
        core_limit_saved = 1;
        const char *handed = getenv(handed_over_core_limit);
        if (handed != NULL) {
            rlim_t value;
            if (parse_limit(handed, limit.rlim_max, &value)) original_core_limit.rlim_cur = value;
            unsetenv(handed_over_core_limit);
        }
        // The soft limit only: the hard one stays, so a command started by `exec` can get it back.
        limit.rlim_cur = 0;
        if (setrlimit(RLIMIT_CORE, &limit) != 0) result = -1;
    } else {
        result = -1;
    }
    return result;
}

void awskh_prepare_handover(void) {
    if (!core_limit_saved) return;
    char text[32];
    if (original_core_limit.rlim_cur == RLIM_INFINITY) {
        snprintf(text, sizeof text, "unlimited");
    } else {
        snprintf(text, sizeof text, "%llu", (unsigned long long)original_core_limit.rlim_cur);
    }
    setenv(handed_over_core_limit, text, 1);
}

static struct rlimit original_descriptor_limit;
static int descriptor_limit_saved;

int awskh_raise_descriptor_limit(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
    if (!descriptor_limit_saved) {
        original_descriptor_limit = limit;
        descriptor_limit_saved = 1;
    }
    if (limit.rlim_cur == limit.rlim_max) return 0;
    limit.rlim_cur = limit.rlim_max;
    return setrlimit(RLIMIT_NOFILE, &limit);
}

int awskh_original_descriptor_limit(struct rlimit *limit) {
    if (!descriptor_limit_saved) return 0;
    *limit = original_descriptor_limit;
    return 1;
}

int awskh_become_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

int awskh_original_core_limit(struct rlimit *limit) {
    if (!core_limit_saved) return 0;
    *limit = original_core_limit;
    return 1;
}
