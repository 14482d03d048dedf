/* waits.c: how a task waits in async_uring: its coroutine pauses.
 *
 * The waits through the loop itself, a transfer and a sleep, are
 * coro/coro_loop.c's, the same code as async_coro's compiled against the
 * ring (loop_ring.h); these are the ones where the ring differs from
 * libuv: computing, which stays on the loop's thread, and the file steps,
 * each a request on the ring that the kernel completes. Compare
 * async_coro/waits.c, the same waits in the same order on libuv: there a
 * pool of threads for the files; here the kernel does them itself, and
 * only libcurl's sockets are still readiness (curl_ring.c). */
#include "model.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>

#include "clock.h"
#include "run.h"

/* ---- Computing ---- */

/* The work runs here, on the loop's one thread, and every other task
 * waits for it: async helps waiting, not computing. The ring cannot
 * compute, and this model has no pool to hand the work to: no --offload
 * (async_coro's is the model that offloads). */
static int coro_compute(struct worker *worker, void (*work)(void *arg), void *arg)
{
    (void)worker;
    if (run_cancelled())
        return -ECANCELED;
    work(arg);
    return 0;
}

/* ---- The file steps, each a request on the ring ---- */

/* Called by the ring when the task's file step is done. */
static void on_fs_done(struct ring_op *op, int res, unsigned flags)
{
    struct ring_task *rt = (struct ring_task *)((char *)op - offsetof(struct ring_task, file));
    const struct run *run = rt->coro.loop.task.window->run;
    long id = rt->coro.loop.task.rec->id;
    uint64_t began_ns = clock_now_ns();

    (void)flags;
    rt->file_result = res;
    coro_wake_for(&rt->coro, WAIT_FILE);
    health_step_done(run, id, "file step", began_ns);
}

/* Waits for the file step just put on the ring; its result, a byte count
 * or a descriptor, or a negative errno. A request cannot fail to start:
 * its failure is its completion's. */
static ssize_t fs_wait(struct ring_task *rt)
{
    coro_await(&rt->coro, WAIT_FILE);
    return rt->file_result;
}

/* A submission entry for the task's next file step. The path or buffer it
 * names lives on the coroutine's paused stack, or in the worker, until
 * the completion. cancellable: Ctrl-C may cancel it on the ring, as a
 * read, a write or an fsync, whose -ECANCELED the task code reads as
 * cancelled; an open, a close, a rename or an unlink finishes, and the
 * task code finds the run cancelled after it, as in async_coro. */
static struct io_uring_sqe *fs_request(struct ring_task *rt, bool cancellable)
{
    rt->file.done = on_fs_done;
    rt->file_cancellable = cancellable;
    return ring_sqe(ring_of(&rt->coro.loop.task), &rt->file);
}

/* The file's own position, as write(2) and read(2) use it. */
#define AT_POSITION ((__u64)-1)

/* The task whose coroutine runs the task code that worker serves. */
static struct ring_task *ring_task_of(struct worker *worker)
{
    return (struct ring_task *)coro_task_of(worker);
}

static int coro_open(struct worker *worker, const char *path, int flags, mode_t mode)
{
    struct ring_task *rt = ring_task_of(worker);

    io_uring_prep_openat(fs_request(rt, false), AT_FDCWD, path, flags, mode);
    return (int)fs_wait(rt);
}

static int coro_write(struct worker *worker, int fd, const void *buf, size_t len)
{
    struct ring_task *rt = ring_task_of(worker);

    for (size_t done = 0; done < len;) {
        io_uring_prep_write(fs_request(rt, true), fd, (const char *)buf + done,
                            (unsigned)(len - done), AT_POSITION);
        ssize_t n = fs_wait(rt);
        if (n < 0)
            return (int)n;
        done += (size_t)n;
    }
    return 0;
}

static ssize_t coro_read(struct worker *worker, int fd, void *buf, size_t len)
{
    struct ring_task *rt = ring_task_of(worker);

    io_uring_prep_read(fs_request(rt, true), fd, buf, (unsigned)len, AT_POSITION);
    return fs_wait(rt);
}

static int coro_fsync(struct worker *worker, int fd)
{
    struct ring_task *rt = ring_task_of(worker);

    io_uring_prep_fsync(fs_request(rt, true), fd, 0);
    return (int)fs_wait(rt);
}

static int coro_close(struct worker *worker, int fd)
{
    struct ring_task *rt = ring_task_of(worker);

    io_uring_prep_close(fs_request(rt, false), fd);
    return (int)fs_wait(rt);
}

static int coro_rename(struct worker *worker, const char *from, const char *to)
{
    struct ring_task *rt = ring_task_of(worker);

    io_uring_prep_renameat(fs_request(rt, false), AT_FDCWD, from, AT_FDCWD, to, 0);
    return (int)fs_wait(rt);
}

static int coro_unlink(struct worker *worker, const char *path)
{
    struct ring_task *rt = ring_task_of(worker);

    io_uring_prep_unlinkat(fs_request(rt, false), AT_FDCWD, path, 0);
    return (int)fs_wait(rt);
}

/* ---- Ctrl-C ---- */

/* A read, a write or an fsync is cancelled on the ring: one the kernel has
 * not begun, or waits in (a pipe), ends -ECANCELED; one it is doing (a
 * buffered write) ends as it would have. Either way its completion wakes
 * the task, and the task code finds the run cancelled. */
void coro_file_cancel(struct coro_task *ct)
{
    struct ring_task *rt = (struct ring_task *)ct;

    if (rt->file_cancellable)
        ring_cancel(ring_of(&ct->loop.task), &rt->file);
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
