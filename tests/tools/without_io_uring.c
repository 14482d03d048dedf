/* without_io_uring.c: runs a program where io_uring cannot be set up.
 *
 *   without_io_uring PROGRAM [ARGS...]
 *
 * Installs a seccomp filter that makes io_uring_setup, io_uring_enter and
 * io_uring_register fail with ENOSYS, as on a kernel built without
 * io_uring (or a container whose filter refuses them), then execs PROGRAM
 * with its arguments: the filter stays for it and its children. Every
 * other system call is allowed. For async_uring's test of exit 3. Exits
 * 127 with one line on stderr when the filter cannot be installed or the
 * program cannot be run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

static const char *const blocked[] = { "io_uring_setup", "io_uring_enter", "io_uring_register" };

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: without_io_uring PROGRAM [ARGS...]\n");
        return 2;
    }
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (ctx == NULL) {
        fprintf(stderr, "without_io_uring: seccomp_init failed\n");
        return 127;
    }
    int rc = 0;
    const char *what = NULL;
    for (size_t i = 0; i < sizeof blocked / sizeof blocked[0] && rc == 0; i++) {
        int nr = seccomp_syscall_resolve_name(blocked[i]);

        what = blocked[i];
        rc = nr == __NR_SCMP_ERROR ? -EINVAL
                                   : seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
    }
    /* Loading a filter needs no privilege once no_new_privs is set, which
     * seccomp_load does (SCMP_FLTATR_CTL_NNP, on by default). */
    if (rc == 0) {
        what = "seccomp_load";
        rc = seccomp_load(ctx);
    }
    seccomp_release(ctx);
    if (rc != 0) {
        fprintf(stderr, "without_io_uring: %s: %s\n", what, strerror(-rc));
        return 127;
    }
    execvp(argv[1], argv + 1);
    fprintf(stderr, "without_io_uring: %s: %s\n", argv[1], strerror(errno));
    return 127;
}
