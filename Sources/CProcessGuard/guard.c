#include "CProcessGuard.h"

#include <sys/prctl.h>
#include <sys/resource.h>

static struct rlimit original_core_limit;
static int core_limit_saved;

int awskh_forbid_core_dumps(void) {
    int result = 0;
    struct rlimit limit;
    if (getrlimit(RLIMIT_CORE, &limit) == 0) {
        original_core_limit = limit;
        core_limit_saved = 1;
        // The soft limit only: the hard one stays, so a command started by `exec` can get it back.
        limit.rlim_cur = 0;
        if (setrlimit(RLIMIT_CORE, &limit) != 0) result = -1;
    } else {
        result = -1;
    }
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) result = -1;
    return result;
}

void awskh_restore_core_limit(void) {
    if (core_limit_saved) setrlimit(RLIMIT_CORE, &original_core_limit);
}
