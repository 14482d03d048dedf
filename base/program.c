/* program.c: the program's name, set once by main(), and its standard
 * descriptors made safe to use. */
#include "program.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *name = "aio-bench";

void program_set_name(const char *new_name)
{
    name = new_name;
}

const char *program_name(void)
{
    return name;
}

int program_open_std_fds(void)
{
    /* Read-only for the outputs, write-only for the input: /dev/null then
     * takes nothing and gives nothing, and every use fails with EBADF. */
    static const int flags[] = { O_WRONLY, O_RDONLY, O_RDONLY };

    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        /* The lowest free number: fd itself, as the ones below it are open. */
        int null_fd = open("/dev/null", flags[fd]);

        if (null_fd != fd) {
            int err = errno;

            if (null_fd >= 0)
                (void)close(null_fd);
            /* Said on stderr if stderr is open (the first failure is the
             * only one: the caller stops). */
            fprintf(stderr, "%s: cannot open /dev/null as descriptor %d: %s\n", name, fd,
                    null_fd >= 0 ? "it took another number" : strerror(err));
            return -1;
        }
    }
    return 0;
}
