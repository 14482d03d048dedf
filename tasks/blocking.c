/* blocking.c: how a task waits in sync and async_threads: it blocks.
 *
 * Each wait is the plain system call or libcurl's curl_easy_perform, and
 * the thread that runs the task does nothing else until it returns: one
 * thread can wait for one thing at a time. Compare coro/coro_loop.c and
 * then async_coro/waits.c, the same waits, in the same order, where the
 * task's coroutine pauses instead and the loop's one thread serves the
 * other tasks meanwhile. */
#include "task.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "clock.h"
#include "fsutil.h"
#include "run.h"

/* curl_easy_perform returns when the response is in. Ctrl-C reaches it
 * through http_setup's progress callback, which aborts the transfer. */
static CURLcode blocking_transfer(struct worker *worker, curl_write_callback on_body,
                                  void *body_data)
{
    (void)on_body;      /* http_setup gave libcurl both already */
    (void)body_data;
    return curl_easy_perform(worker->easy);
}

static int blocking_sleep_ms(struct worker *worker, long ms)
{
    (void)worker;
    return clock_sleep_ms(ms, RUN_CANCEL_CHECK_MS, run_stop_test, NULL) == 0 ? 0 : -ECANCELED;
}

/* The work runs right here: a thread computes one thing at a time. */
static int blocking_compute(struct worker *worker, void (*work)(void *arg), void *arg)
{
    (void)worker;
    if (run_cancelled())
        return -ECANCELED;
    work(arg);
    return 0;
}

static int blocking_open(struct worker *worker, const char *path, int flags, mode_t mode)
{
    (void)worker;
    int fd = open(path, flags, mode);
    return fd >= 0 ? fd : -errno;
}

static int blocking_write(struct worker *worker, int fd, const void *buf, size_t len)
{
    (void)worker;
    return fd_write_all(fd, buf, len);
}

static ssize_t blocking_read(struct worker *worker, int fd, void *buf, size_t len)
{
    (void)worker;
    for (;;) {
        ssize_t n = read(fd, buf, len);
        if (n >= 0 || errno != EINTR)
            return n >= 0 ? n : -errno;
    }
}

static int blocking_fsync(struct worker *worker, int fd)
{
    (void)worker;
    return fsync(fd) == 0 ? 0 : -errno;
}

static int blocking_close(struct worker *worker, int fd)
{
    (void)worker;
    return close(fd) == 0 ? 0 : -errno;
}

static int blocking_rename(struct worker *worker, const char *from, const char *to)
{
    (void)worker;
    return rename(from, to) == 0 ? 0 : -errno;
}

static int blocking_unlink(struct worker *worker, const char *path)
{
    (void)worker;
    return unlink(path) == 0 ? 0 : -errno;
}

const struct waits blocking_waits = {
    .transfer = blocking_transfer,
    .sleep_ms = blocking_sleep_ms,
    .processing_ms = blocking_sleep_ms,   /* blocking, like every wait here */
    .compute = blocking_compute,
    .open = blocking_open,
    .write = blocking_write,
    .read = blocking_read,
    .fsync = blocking_fsync,
    .close = blocking_close,
    .rename = blocking_rename,
    .unlink = blocking_unlink,
};
