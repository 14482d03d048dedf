/* coro.c: coroutines, switched with getcontext/makecontext/swapcontext.
 *
 * A switch saves the registers of the code running, its stack pointer among
 * them, and loads those the other side saved: two stacks, one thread, and
 * the side that is paused waits, frozen, on its own stack. Compare
 * async_uv/curl_uv.c, where every wait ends a function.
 *
 * Why glibc's ucontext calls, not hand-written assembly (libaco, minicoro)
 * nor a library such as libpcl: they need nothing more, read plainly, and
 * run on every architecture glibc supports (POSIX dropped them in 2008;
 * glibc keeps them). Their price: a ucontext also holds the signal mask, so
 * each switch makes a sigprocmask system call, where assembly would only
 * swap the callee-saved registers. A switch is paid once per wait of
 * milliseconds here: noise.
 *
 * `running` is the coroutine this thread runs, NULL in the scheduler. Only
 * the two helpers below tell the sanitizers of switches. */
#include "coro.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "memory.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#elif defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

/* A coroutine. Owned by whoever called coro_create, freed by coro_free. */
struct coro {
    ucontext_t context;          /* its registers while paused */
    ucontext_t resumer;          /* the scheduler's registers while it runs */
    coro_fn *fn;
    void *arg;
    bool started, finished;
    unsigned char *stack;        /* its lowest byte; the guard page is below */
    size_t stack_bytes;          /* whole pages */
    size_t page_bytes;
    /* Under a sanitizer only: */
    void *fake_stack;            /* ASan: this coroutine's fake frames while paused */
    void *resumer_fake_stack;    /* ASan: the scheduler's, while the coroutine runs */
    const void *resumer_stack;   /* ASan: the scheduler's stack, where pauses go */
    size_t resumer_stack_bytes;
    void *fiber, *resumer_fiber; /* TSan: this coroutine's and the scheduler's */
};

static _Thread_local struct coro *running;

/* A broken rule or an impossible failure: stop with one line, as an assert
 * that never compiles out would. */
static void require(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "coro: %s\n", what);
        abort();
    }
}

/* Tells the sanitizer this thread is about to leave its stack for c's
 * (into_coro) or the scheduler's. From a finished c, which never comes back,
 * ASan may free c's fake stack (NULL as the place to save it). */
static void announce_switch(struct coro *c, bool into_coro)
{
#if defined(__SANITIZE_ADDRESS__)
    if (into_coro)
        __sanitizer_start_switch_fiber(&c->resumer_fake_stack, c->stack, c->stack_bytes);
    else
        __sanitizer_start_switch_fiber(c->finished ? NULL : &c->fake_stack,
                                       c->resumer_stack, c->resumer_stack_bytes);
#elif defined(__SANITIZE_THREAD__)
    if (into_coro && c->fiber == NULL)
        c->fiber = __tsan_create_fiber(0);
    if (into_coro)
        c->resumer_fiber = __tsan_get_current_fiber();
    __tsan_switch_to_fiber(into_coro ? c->fiber : c->resumer_fiber, 0);
#else
    (void)c, (void)into_coro;
#endif
}

/* Tells the sanitizer a switch has arrived on c's stack (in_coro) or the
 * scheduler's. On c's, ASan says which stack it came from: where c's pauses
 * go back to. Back from c's last switch, c's TSan fiber is freed. */
static void confirm_switch(struct coro *c, bool in_coro)
{
#if defined(__SANITIZE_ADDRESS__)
    if (in_coro)
        __sanitizer_finish_switch_fiber(c->fake_stack, &c->resumer_stack,
                                        &c->resumer_stack_bytes);
    else
        __sanitizer_finish_switch_fiber(c->resumer_fake_stack, NULL, NULL);
#elif defined(__SANITIZE_THREAD__)
    if (!in_coro && c->finished)
        __tsan_destroy_fiber(c->fiber);
#else
    (void)c, (void)in_coro;
#endif
}

/* Switches from the scheduler's stack into c's (into_coro), or back; returns
 * when the other side switches back. */
static void switch_stacks(struct coro *c, bool into_coro)
{
    announce_switch(c, into_coro);
    require(swapcontext(into_coro ? &c->resumer : &c->context,
                        into_coro ? &c->context : &c->resumer) == 0,
            "swapcontext failed");
    confirm_switch(c, !into_coro);
}

/* Every coroutine starts here, on its own stack, at its first resume.
 * makecontext passes only int arguments, and a pointer does not fit in an
 * int on 64-bit machines (the usual way out splits it into two); none is
 * needed: coro_resume has just set `running` to the coroutine it starts. */
static void coro_main(void)
{
    struct coro *self = running;

    confirm_switch(self, true);
    self->fn(self, self->arg);
    self->finished = true;
    switch_stacks(self, false);
    require(false, "a finished coroutine was resumed");
}

int coro_create(struct coro **out, size_t stack_bytes, coro_fn *fn, void *arg)
{
    long page_bytes = sysconf(_SC_PAGESIZE);
    struct coro *c;
    int rc;

    require(page_bytes > 0, "sysconf(_SC_PAGESIZE) failed");
    if (stack_bytes == 0)
        return -EINVAL;
    if (stack_bytes > SIZE_MAX / 2)   /* more than any address space holds */
        return -ENOMEM;
    c = malloc(sizeof *c);
    if (c == NULL)
        return -ENOMEM;
    *c = (struct coro){ .fn = fn, .arg = arg, .page_bytes = (size_t)page_bytes };
    c->stack_bytes = (stack_bytes + c->page_bytes - 1) / c->page_bytes * c->page_bytes;
    /* Address space, not memory, until touched; the lowest page is the guard. */
    c->stack = mmap(NULL, c->page_bytes + c->stack_bytes, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (c->stack == MAP_FAILED) {
        rc = -errno;
        free(c);
        return rc;
    }
    c->stack += c->page_bytes;
    if (mprotect(c->stack - c->page_bytes, c->page_bytes, PROT_NONE) != 0 ||
        getcontext(&c->context) != 0) {
        rc = -errno;
        coro_free(c);
        return rc;
    }
    c->context.uc_stack.ss_sp = c->stack;
    c->context.uc_stack.ss_size = c->stack_bytes;
    c->context.uc_link = NULL;   /* coro_main never returns: it switches back */
    makecontext(&c->context, coro_main, 0);
    *out = c;
    return 0;
}

void coro_resume(struct coro *c)
{
    require(running == NULL, "coro_resume called from inside a coroutine");
    require(!c->finished, "coro_resume called on a finished coroutine");
    running = c;
    c->started = true;
    switch_stacks(c, true);
    running = NULL;
}

void coro_pause(struct coro *self)
{
    require(running == self, "coro_pause called from outside its coroutine");
    switch_stacks(self, false);
}

size_t coro_struct_bytes(void)
{
    return sizeof(struct coro);
}

bool coro_finished(const struct coro *c)
{
    return c->finished;
}

int coro_stack_touched(const struct coro *c, size_t *touched_bytes)
{
    return memory_resident(c->stack, c->stack_bytes, touched_bytes);
}

void coro_free(struct coro *c)
{
    if (c == NULL)
        return;
    require(!c->started || c->finished, "coro_free called on an unfinished coroutine");
    require(munmap(c->stack - c->page_bytes, c->page_bytes + c->stack_bytes) == 0,
            "munmap failed");
    free(c);
}
