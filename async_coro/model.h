/* model.h: the coroutine model's parts, shared by its files.
 *
 * A task is a coroutine (coro.h) running the straight task code of
 * tasks/task.c on the window of loop/window.h, on libuv (loop/loop_uv.h).
 * Each wait in that code is a call to waits.c, or to coro/coro_loop.c for
 * the waits through the loop itself, which starts the operation on the
 * loop and pauses the coroutine; the operation's callback wakes it again.
 * Compare async_uring/model.h: the same task on a ring, where only the
 * loop's header and the file step's state differ. */
#ifndef ASYNC_CORO_MODEL_H
#define ASYNC_CORO_MODEL_H

#include "loop_uv.h"
#include "coro_loop.h"

/* A task is a struct coro_task (coro_loop.h) and nothing more: each file
 * step's uv_fs request lives on the paused coroutine's stack (waits.c). */

#endif
