/* nofile.c: the open-files limit, raised for thousands of sockets.
 *
 * Every connection and file is a descriptor; the default soft limit (often
 * 1024) would stop a run long before the machine does. */
#include "nofile.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

/* The kernel refuses an infinite open-files limit; this is its usual
 * ceiling (fs.nr_open). */
#define NOFILE_CEILING 1048576

long nofile_raise(const char *program)
{
    struct rlimit limit;
    rlim_t old_soft;

    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        fprintf(stderr, "%s: getrlimit(RLIMIT_NOFILE): %s\n", program, strerror(errno));
        return -1;
    }
    old_soft = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? NOFILE_CEILING : limit.rlim_max;
    if (limit.rlim_cur <= old_soft)
        return old_soft > LONG_MAX ? LONG_MAX : (long)old_soft;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        fprintf(stderr, "%s: setrlimit(RLIMIT_NOFILE, %llu): %s\n", program,
                (unsigned long long)limit.rlim_cur, strerror(errno));
        return old_soft > LONG_MAX ? LONG_MAX : (long)old_soft;
    }
    return (long)limit.rlim_cur;
}
