/* coro.c: coroutines, switched by about twenty lines of x86-64 assembly.
 *
 * A switch saves the registers of the code running, its stack pointer among
 * them, and loads those the other side saved: two stacks, one thread, and
 * the side that is paused waits, frozen, on its own stack. Compare
 * async_uv/curl_uv.c, where every wait ends a function.
 *
 * Why hand-written, as libaco and minicoro do, and no longer glibc's
 * getcontext/makecontext/swapcontext: a ucontext_t holds every register and
 * the signal mask, 968 bytes on x86-64, and the struct held two of them
 * (the coroutine's and the scheduler's), 1.9 KiB a waiting task, more than
 * async_uv keeps for the whole task; and swapcontext saves the signal mask
 * with an rt_sigprocmask system call at every switch, the system call a
 * file task made most often in async_uring. A call need only keep what the
 * calling convention says survives a call: here six registers, two control
 * words and the return address, pushed on the stack being left, so that a
 * paused coroutine's saved state is one stack pointer (docs/notes.md has
 * the figures). Other architectures, and a build with -DCORO_UCONTEXT (the
 * unit tests build one), still use glibc's calls: the same code around a
 * different switch_stacks.
 *
 * The scheduler (whoever calls coro_resume) is resumed only by the
 * coroutine it resumed, on its own thread (coro.h's rules), so its saved
 * state is one per thread, not one per coroutine. `running` is the
 * coroutine this thread runs, NULL in the scheduler. Only the two helpers
 * announce_switch and confirm_switch tell the sanitizers of switches. */
#include "coro.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memory.h"

#if defined(__x86_64__) && !defined(CORO_UCONTEXT)
#define CORO_SWITCH_ASM 1
#else
#define CORO_SWITCH_ASM 0
#include <ucontext.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#elif defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

/* A coroutine. Owned by whoever called coro_create, freed by coro_free. */
struct coro {
#if CORO_SWITCH_ASM
    void *sp;                    /* its stack pointer while paused: the rest is on its stack */
#else
    ucontext_t context;          /* its registers while paused */
#endif
    coro_fn *fn;
    void *arg;
    unsigned char *stack;        /* its lowest byte; the guard page is below */
    size_t stack_bytes;          /* whole pages */
    bool started, finished;
#if defined(__SANITIZE_ADDRESS__)
    void *fake_stack;            /* ASan: its fake frames while paused */
#elif defined(__SANITIZE_THREAD__)
    void *fiber;                 /* TSan: its fiber, made at its first resume */
#endif
};

/* This thread's side of every switch: the coroutine it runs, and the
 * scheduler's saved state while that coroutine runs. */
static _Thread_local struct coro *running;
#if CORO_SWITCH_ASM
static _Thread_local void *scheduler_sp;
#else
static _Thread_local ucontext_t scheduler_context;
#endif
#if defined(__SANITIZE_ADDRESS__)
static _Thread_local void *scheduler_fake_stack;      /* its fake frames */
static _Thread_local const void *scheduler_stack;     /* its stack, where pauses go */
static _Thread_local size_t scheduler_stack_bytes;
#elif defined(__SANITIZE_THREAD__)
static _Thread_local void *scheduler_fiber;
#endif

/* A broken rule or an impossible failure: stop with one line, as an assert
 * that never compiles out would. */
static void require(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "coro: %s\n", what);
        abort();
    }
}

static size_t page_bytes(void)
{
    long bytes = sysconf(_SC_PAGESIZE);

    require(bytes > 0, "sysconf(_SC_PAGESIZE) failed");
    return (size_t)bytes;
}

/* ---- The switch ---- */

#if CORO_SWITCH_ASM
/* coro_switch(save_sp, load_sp): saves what the caller expects a call to
 * keep onto the current stack, stores the stack pointer in *save_sp, takes
 * load_sp as the stack pointer, and loads what was saved there the same
 * way; its `ret` then returns into the other side, from the coro_switch
 * that paused it. For the caller it is an ordinary function that returns
 * when someone switches back.
 *
 * What it keeps is what the x86-64 System V calling convention says a
 * function must leave as it found it: rbx, rbp and r12 to r15 (the
 * "callee-saved" registers; the compiler assumes every other register may
 * change across any call, so it has saved what it needs of them already),
 * the SSE control and status register's control bits (MXCSR: rounding,
 * exceptions masked) and the x87 FPU's control word, and rsp itself. The
 * return address is on the stack already: `call` pushed it.
 *
 * The stack of a paused side, from its saved stack pointer up (the stack
 * grows down: `call` wrote the bottom line first, coro_switch the top one
 * last):
 *
 *     sp + 0   MXCSR (4 bytes), then the x87 control word (2 bytes, 2 unused)
 *     sp + 8   r15
 *     sp + 16  r14
 *     sp + 24  r13
 *     sp + 32  r12
 *     sp + 40  rbx
 *     sp + 48  rbp
 *     sp + 56  the return address: where `ret` goes on
 *
 * In AT&T syntax (what gcc writes): `op source, destination`; %reg is a
 * register; 8(%rsp) is the memory 8 bytes above rsp; $8 is the number 8;
 * the q of pushq/movq/subq means 64 bits. The first two arguments arrive in
 * rdi (save_sp) and rsi (load_sp).
 *
 * A `ret` into another stack's caller is what a CET shadow stack forbids
 * (it checks each return against its call); no Debian 12 program runs with
 * one, and a build that turned it on would need the fallback. */
__asm__(
    ".text\n"
    ".globl coro_switch\n"
    ".hidden coro_switch\n"                 /* not exported from a shared object */
    ".type coro_switch, @function\n"
    ".p2align 4\n"
    "coro_switch:\n"
    /* Save the leaving side's six callee-saved registers on its stack:
     * each push lowers rsp by 8 and writes the register there. */
    "    pushq %rbp\n"
    "    pushq %rbx\n"
    "    pushq %r12\n"
    "    pushq %r13\n"
    "    pushq %r14\n"
    "    pushq %r15\n"
    /* Make 8 bytes of room, and save the two control words in it. */
    "    subq $8, %rsp\n"
    "    stmxcsr (%rsp)\n"                  /* MXCSR to the 4 bytes at rsp */
    "    fnstcw 4(%rsp)\n"                  /* the x87 control word to rsp + 4 */
    /* The switch itself: remember where this side's stack stops
     * (*save_sp = rsp), and go over to the other side's. */
    "    movq %rsp, (%rdi)\n"
    "    movq %rsi, %rsp\n"
    /* Now on the other stack: load what its side saved, in reverse. */
    "    ldmxcsr (%rsp)\n"
    "    fldcw 4(%rsp)\n"
    "    addq $8, %rsp\n"
    "    popq %r15\n"
    "    popq %r14\n"
    "    popq %r13\n"
    "    popq %r12\n"
    "    popq %rbx\n"
    "    popq %rbp\n"
    /* Pop the return address that side's call pushed, and jump there: out
     * of its coro_switch, or into coro_main for a new coroutine. */
    "    ret\n"
    ".size coro_switch, .-coro_switch\n");

__attribute__((visibility("hidden"))) void coro_switch(void **save_sp, void *load_sp);
#endif

static void coro_main(void);

/* Readies a new coroutine's stack so that the first switch into it "returns"
 * into coro_main. 0, or a negative errno. */
static int prepare_stack(struct coro *c)
{
#if CORO_SWITCH_ASM
    /* A frame as coro_switch leaves it (see above), at the top of the
     * stack: the control words as a program starts with them (MXCSR 0x1f80:
     * every exception masked, round to nearest; x87 0x037f: the same, in
     * double extended precision), the six registers 0, and coro_main as the
     * return address. Above it one more 0, where a call would have put
     * coro_main's own return address: a debugger's backtrace ends there.
     * coro_main starts as if called, with rsp + 8 a multiple of 16, as the
     * convention requires (the stack's top is page-aligned): `ret` leaves
     * rsp at top - 8. */
    uint64_t *top = (uint64_t *)(c->stack + c->stack_bytes);
    uint64_t *frame = top - 9;

    frame[0] = 0x1f80 | (uint64_t)0x037f << 32;
    for (int i = 1; i <= 6; i++)
        frame[i] = 0;
    frame[7] = (uint64_t)(uintptr_t)coro_main;
    frame[8] = 0;
    c->sp = frame;
    return 0;
#else
    if (getcontext(&c->context) != 0)
        return -errno;
    c->context.uc_stack.ss_sp = c->stack;
    c->context.uc_stack.ss_size = c->stack_bytes;
    c->context.uc_link = NULL;   /* coro_main never returns: it switches back */
    /* makecontext passes only int arguments, and a pointer does not fit in
     * an int on 64-bit machines; none is needed: coro_main finds its
     * coroutine in `running`. */
    makecontext(&c->context, coro_main, 0);
    return 0;
#endif
}

/* Tells the sanitizer this thread is about to leave its stack for c's
 * (into_coro) or the scheduler's. From a finished c, which never comes back,
 * ASan may free c's fake stack (NULL as the place to save it). */
static void announce_switch(struct coro *c, bool into_coro)
{
#if defined(__SANITIZE_ADDRESS__)
    if (into_coro)
        __sanitizer_start_switch_fiber(&scheduler_fake_stack, c->stack, c->stack_bytes);
    else
        __sanitizer_start_switch_fiber(c->finished ? NULL : &c->fake_stack,
                                       scheduler_stack, scheduler_stack_bytes);
#elif defined(__SANITIZE_THREAD__)
    if (into_coro && c->fiber == NULL)
        c->fiber = __tsan_create_fiber(0);
    if (into_coro)
        scheduler_fiber = __tsan_get_current_fiber();
    __tsan_switch_to_fiber(into_coro ? c->fiber : scheduler_fiber, 0);
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
        __sanitizer_finish_switch_fiber(c->fake_stack, &scheduler_stack,
                                        &scheduler_stack_bytes);
    else
        __sanitizer_finish_switch_fiber(scheduler_fake_stack, NULL, NULL);
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
#if CORO_SWITCH_ASM
    if (into_coro)
        coro_switch(&scheduler_sp, c->sp);
    else
        coro_switch(&c->sp, scheduler_sp);
#else
    require(swapcontext(into_coro ? &scheduler_context : &c->context,
                        into_coro ? &c->context : &scheduler_context) == 0,
            "swapcontext failed");
#endif
    confirm_switch(c, !into_coro);
}

/* Every coroutine starts here, on its own stack, at its first resume, with
 * no argument: coro_resume has just set `running` to the coroutine it
 * starts. It never returns: there is nothing to return to. */
static void coro_main(void)
{
    struct coro *self = running;

    confirm_switch(self, true);
    self->fn(self, self->arg);
    self->finished = true;
    switch_stacks(self, false);
    require(false, "a finished coroutine was resumed");
}

/* ---- The interface of coro.h ---- */

int coro_create(struct coro **out, size_t stack_bytes, coro_fn *fn, void *arg)
{
    size_t page = page_bytes();
    struct coro *c;
    int rc;

    if (stack_bytes == 0)
        return -EINVAL;
    if (stack_bytes > SIZE_MAX / 2)   /* more than any address space holds */
        return -ENOMEM;
    c = malloc(sizeof *c);
    if (c == NULL)
        return -ENOMEM;
    *c = (struct coro){ .fn = fn, .arg = arg };
    c->stack_bytes = (stack_bytes + page - 1) / page * page;
    /* Address space, not memory, until touched; the lowest page is the guard. */
    c->stack = mmap(NULL, page + c->stack_bytes, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (c->stack == MAP_FAILED) {
        rc = -errno;
        free(c);
        return rc;
    }
    c->stack += page;
    if (mprotect(c->stack - page, page, PROT_NONE) != 0) {
        rc = -errno;
        coro_free(c);
        return rc;
    }
    if ((rc = prepare_stack(c)) != 0) {
        coro_free(c);
        return rc;
    }
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
    size_t page = page_bytes();

    if (c == NULL)
        return;
    require(!c->started || c->finished, "coro_free called on an unfinished coroutine");
    require(munmap(c->stack - page, page + c->stack_bytes) == 0, "munmap failed");
    free(c);
}
