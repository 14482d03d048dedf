/* waits.c: how a task waits in async_coro: its coroutine pauses.
 *
 * The waits through the loop itself, a transfer and a sleep, are
 * coro/coro_loop.c's, the same for every coroutine model; these are the
 * ones where libuv differs from a ring: computing, which --offload hands to
 * libuv's thread pool, and the file steps, each a uv_fs request on that
 * pool. Each starts its operation, then pauses the task's coroutine until
 * the operation's callback wakes it. Compare tasks/blocking.c, the same
 * waits in the same order, where the thread itself waits instead, and
 * async_uring/waits.c, where the kernel does the file steps. */
#include "model.h"

#include <errno.h>

#include "clock.h"
#include "run.h"

/* ---- Computing ---- */

/* Called by the window, on the loop, once the offloaded work is done. */
static void on_computed(struct task *task)
{
    coro_wake_for((struct coro_task *)task, WAIT_WORK);
}

/* Without --offload the work runs here, on the loop's one thread, and
 * every other task waits for it: async helps waiting, not computing. */
static int coro_compute(struct worker *worker, void (*work)(void *arg), void *arg)
{
    struct coro_task *ct = coro_task_of(worker);

    if (run_cancelled())
        return -ECANCELED;
    if (!loop_of(&ct->loop.task)->opts->offload) {
        work(arg);
        return 0;
    }
    task_compute(&ct->loop.task, work, arg, on_computed);
    coro_await(ct, WAIT_WORK);
    return 0;
}

/* ---- The file steps, each a uv_fs request on libuv's thread pool ---- */

/* Called by libuv, on the loop, when the task's file step is done. */
static void on_fs_done(uv_fs_t *req)
{
    struct coro_task *ct = req->data;
    const struct run *run = ct->loop.task.window->run;
    long id = ct->loop.task.rec->id;
    uint64_t began_ns = clock_now_ns();

    coro_wake_for(ct, WAIT_FILE);
    health_step_done(run, id, "file step", began_ns);
}

/* Waits for the file step that rc says was started on req; its result, a
 * byte count or a descriptor, or a negative errno. Each step's request is a
 * local of the function that waits for it: it lives on the coroutine's
 * stack, paused with it, so a task without file steps (a fetch) holds none. */
static ssize_t fs_wait(struct coro_task *ct, uv_fs_t *req, int rc)
{
    ssize_t result = rc;

    if (rc >= 0) {   /* a request that could not start has no callback */
        coro_await(ct, WAIT_FILE);
        result = req->result;
    }
    uv_fs_req_cleanup(req);
    return result;
}

static uv_loop_t *uv_of(struct coro_task *ct)
{
    return &loop_of(&ct->loop.task)->uv;
}

static int coro_open(struct worker *worker, const char *path, int flags, mode_t mode)
{
    struct coro_task *ct = coro_task_of(worker);
    uv_fs_t req = { .data = ct };

    return (int)fs_wait(ct, &req, uv_fs_open(uv_of(ct), &req, path, flags, (int)mode,
                                             on_fs_done));
}

static int coro_write(struct worker *worker, int fd, const void *buf, size_t len)
{
    struct coro_task *ct = coro_task_of(worker);

    for (size_t done = 0; done < len;) {
        uv_buf_t piece = uv_buf_init((char *)buf + done, (unsigned)(len - done));
        uv_fs_t req = { .data = ct };
        ssize_t n = fs_wait(ct, &req, uv_fs_write(uv_of(ct), &req, fd, &piece, 1, -1,
                                                  on_fs_done));
        if (n < 0)
            return (int)n;
        done += (size_t)n;
    }
    return 0;
}

static ssize_t coro_read(struct worker *worker, int fd, void *buf, size_t len)
{
    struct coro_task *ct = coro_task_of(worker);
    uv_buf_t piece = uv_buf_init(buf, (unsigned)len);
    uv_fs_t req = { .data = ct };

    return fs_wait(ct, &req, uv_fs_read(uv_of(ct), &req, fd, &piece, 1, -1, on_fs_done));
}

static int coro_fsync(struct worker *worker, int fd)
{
    struct coro_task *ct = coro_task_of(worker);
    uv_fs_t req = { .data = ct };

    return (int)fs_wait(ct, &req, uv_fs_fsync(uv_of(ct), &req, fd, on_fs_done));
}

static int coro_close(struct worker *worker, int fd)
{
    struct coro_task *ct = coro_task_of(worker);
    uv_fs_t req = { .data = ct };

    return (int)fs_wait(ct, &req, uv_fs_close(uv_of(ct), &req, fd, on_fs_done));
}

static int coro_rename(struct worker *worker, const char *from, const char *to)
{
    struct coro_task *ct = coro_task_of(worker);
    uv_fs_t req = { .data = ct };

    return (int)fs_wait(ct, &req, uv_fs_rename(uv_of(ct), &req, from, to, on_fs_done));
}

static int coro_unlink(struct worker *worker, const char *path)
{
    struct coro_task *ct = coro_task_of(worker);
    uv_fs_t req = { .data = ct };

    return (int)fs_wait(ct, &req, uv_fs_unlink(uv_of(ct), &req, path, on_fs_done));
}

/* ---- Ctrl-C ---- */

/* A uv_fs request cannot be taken back from libuv's pool: its own
 * callback wakes the task, and the task code finds the run cancelled. */
void coro_file_cancel(struct coro_task *ct)
{
    (void)ct;
}

const struct waits coro_waits = {
    .transfer = coro_transfer,             /* coro/coro_loop.c */
    .sleep_ms = coro_sleep_ms,             /* coro/coro_loop.c */
    .processing_ms = coro_processing_ms,   /* coro/coro_loop.c */
    .compute = coro_compute,
    .open = coro_open,
    .write = coro_write,
    .read = coro_read,
    .fsync = coro_fsync,
    .close = coro_close,
    .rename = coro_rename,
    .unlink = coro_unlink,
};
