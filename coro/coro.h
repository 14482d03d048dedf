/* coro.h: coroutines, each a function with a stack of its own.
 *
 * Create a coroutine, resume it, and it runs until it pauses or returns;
 * resume it again and it goes on after the pause, its local variables intact.
 * A task that must wait for I/O pauses, and the loop resumes it when the
 * wait is over: that is `await`, with the task's state kept on its stack
 * rather than in the structs a chain of callbacks needs. The library knows
 * nothing of loops, tasks or I/O. Read coro.c from top to bottom.
 *
 * A coroutine is resumed by its thread's own code (the scheduler, e.g. a
 * libuv callback), never by another coroutine, and always on the thread
 * that first resumed it: compiled code may keep the address of a
 * thread-local variable (errno's) across a call, and a pause is a call.
 * So a pause always goes back to its thread's scheduler, whose registers
 * coro.c keeps once per thread, not once per coroutine. Breaking a rule
 * marked "must" aborts with one line on stderr. */
#ifndef CORO_CORO_H
#define CORO_CORO_H

#include <stdbool.h>
#include <stddef.h>

struct coro;

/* A coroutine's body. Called once, on the coroutine's stack, by the first
 * coro_resume; the coroutine has finished when it returns. */
typedef void coro_fn(struct coro *self, void *arg);

/* Creates a paused coroutine that will run fn(self, arg) when first resumed,
 * on a stack of stack_bytes rounded up to whole pages, with an inaccessible
 * guard page below it so that an overflow faults at once. Pages of the stack
 * cost memory only once touched. 0 with *out set; or -EINVAL (stack_bytes is
 * 0), -ENOMEM, or another negative errno, with nothing left allocated and
 * *out untouched. */
int coro_create(struct coro **out, size_t stack_bytes, coro_fn *fn, void *arg);

/* The bytes coro_create allocates beside the stack: where the stack is,
 * what to run, and the saved stack pointer (x86-64: the registers a paused
 * coroutine keeps are pushed on its own stack) or, with glibc's ucontext
 * switch (other architectures), its saved registers. */
size_t coro_struct_bytes(void);

/* Runs c until it calls coro_pause or its fn returns, then returns to the
 * caller. Must be called from outside any coroutine, on a coroutine that has
 * not finished. */
void coro_resume(struct coro *c);

/* Switches back to the coro_resume running self, which returns; the next
 * coro_resume(self) returns from this call. Must be called by self: from
 * its fn or anything fn calls. */
void coro_pause(struct coro *self);

/* True once c's fn has returned. */
bool coro_finished(const struct coro *c);

/* Sets *touched_bytes to how much of c's stack is in memory: the pages it
 * has touched so far (less any the kernel swapped out), a coroutine's real
 * cost. 0, or a negative errno from mincore(). */
int coro_stack_touched(const struct coro *c, size_t *touched_bytes);

/* Frees c and its stack. c must be finished or never resumed: a paused
 * coroutine still holds whatever its fn holds. NULL is ignored. */
void coro_free(struct coro *c);

#endif
