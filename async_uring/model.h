/* model.h: the ring model's parts, shared by its files.
 *
 * A task is a coroutine (coro.h) running the straight task code of
 * tasks/task.c on the window of loop/window.h, on one io_uring
 * (loop_ring.h). Each wait in that code is a call to waits.c, or to
 * coro/coro_loop.c for the waits through the loop itself, which puts the
 * operation on the ring and pauses the coroutine; the operation's
 * completion wakes it again. As async_coro/model.h, with the ring in
 * libuv's place, and the file step's request in the task. */
#ifndef ASYNC_URING_MODEL_H
#define ASYNC_URING_MODEL_H

#include <stdbool.h>

#include "loop_ring.h"
#include "coro_loop.h"

/* One task: async_coro's, and the file step in flight on the ring, which
 * must outlive the step's function until its completion. Allocated by the
 * window, freed after the release. */
struct ring_task {
    struct coro_task coro;       /* first: all that async_coro's task holds */
    struct ring_op file;         /* the file step in flight on the ring */
    int file_result;             /* its result: a count, a descriptor, or -errno */
    bool file_cancellable;       /* Ctrl-C cancels it on the ring: a read, write, fsync */
};

#endif
