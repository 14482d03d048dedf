/* test_coro.c: the coroutines of coro/coro.c, on their own.
 *
 * Every check is about behaviour: the order in which coroutines run, what
 * reaches their function, that values the compiler keeps in registers and
 * the rounding mode survive switches on both sides, that a coroutine starts
 * on a stack aligned as the calling convention requires, how much stack
 * they touch, that an overflow hits the guard page, that broken rules
 * abort, that a failed creation leaves nothing behind (the ASan build of
 * this test checks for leaks). cmocka's assertions are made in the
 * scheduler only, never inside a coroutine: a failed one jumps back to
 * cmocka, which must not happen from another stack.
 *
 * The Makefile builds this file twice: bin/test_coro against coro.c's own
 * switch, bin/test_coro_ucontext against its fallback (-DCORO_UCONTEXT). */
#include <errno.h>
#include <fenv.h>
#include <stdalign.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "coro.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_SANITIZER 1
#else
#define UNDER_SANITIZER 0
#endif

#define STACK_BYTES (256 * 1024)

/* What the coroutines of one test write down, in the order they ran. */
struct log {
    int entries[32];
    int count;
};

/* One coroutine that logs id*10+step for steps 1..steps, pausing between. */
struct stepper {
    struct log *log;
    int id;
    int steps;
};

static void run_steps(struct coro *self, void *arg)
{
    struct stepper *s = arg;

    for (int step = 1; step <= s->steps; step++) {
        s->log->entries[s->log->count++] = s->id * 10 + step;
        if (step < s->steps)
            coro_pause(self);
    }
}

static void two_coroutines_interleave(void **state)
{
    struct log log = { .count = 0 };
    struct stepper a = { &log, 1, 3 }, b = { &log, 2, 3 };
    struct coro *ca, *cb;
    const int expected[] = { 11, 21, 12, 22, 13, 23 };

    (void)state;
    assert_int_equal(coro_create(&ca, STACK_BYTES, run_steps, &a), 0);
    assert_int_equal(coro_create(&cb, STACK_BYTES, run_steps, &b), 0);
    for (int round = 1; round <= 3; round++) {
        assert_false(coro_finished(ca));
        coro_resume(ca);
        assert_false(coro_finished(cb));
        coro_resume(cb);
        assert_int_equal(log.count, 2 * round);
    }
    assert_true(coro_finished(ca));
    assert_true(coro_finished(cb));
    assert_memory_equal(log.entries, expected, sizeof expected);
    coro_free(ca);
    coro_free(cb);
}

/* What one call of record_call saw. */
struct seen {
    struct coro *self;
    void *arg;
    int calls;
};

static struct seen seen;

static void record_call(struct coro *self, void *arg)
{
    seen.self = self;
    seen.arg = arg;
    seen.calls++;
}

static void fn_gets_self_and_arg_and_finishes_in_one_resume(void **state)
{
    int token;
    struct coro *c;

    (void)state;
    seen = (struct seen){ NULL, NULL, 0 };
    assert_int_equal(coro_create(&c, STACK_BYTES, record_call, &token), 0);
    assert_int_equal(seen.calls, 0);
    assert_false(coro_finished(c));
    coro_resume(c);
    assert_true(coro_finished(c));
    assert_int_equal(seen.calls, 1);
    assert_ptr_equal(seen.self, c);
    assert_ptr_equal(seen.arg, &token);
    coro_free(c);
}

/* Recurses kib levels deep, each with a 1 KiB frame that it writes at both
 * ends (frames are contiguous and smaller than a page, so every page on the
 * way is touched), then pauses at the bottom. */
static unsigned dig(struct coro *self, unsigned kib)
{
    volatile unsigned char frame[1024];

    frame[0] = (unsigned char)kib;
    frame[sizeof frame - 1] = 1;
    if (kib > 1)
        return dig(self, kib - 1) + frame[0] + frame[sizeof frame - 1];
    coro_pause(self);
    return frame[0];
}

static void dig_64_kib(struct coro *self, void *arg)
{
    (void)arg;
    dig(self, 64);
}

static void pause_once(struct coro *self, void *arg)
{
    (void)arg;
    coro_pause(self);
}

/* Measured while each coroutine is paused, its stack as deep as it goes. */
static void touched_stack_follows_depth(void **state)
{
    struct coro *trivial, *deep;
    size_t trivial_bytes, deep_bytes;

    (void)state;
    assert_int_equal(coro_create(&trivial, 1024 * 1024, pause_once, NULL), 0);
    assert_int_equal(coro_create(&deep, 1024 * 1024, dig_64_kib, NULL), 0);
    coro_resume(trivial);
    coro_resume(deep);
    assert_int_equal(coro_stack_touched(trivial, &trivial_bytes), 0);
    assert_int_equal(coro_stack_touched(deep, &deep_bytes), 0);
    print_message("stack touched: %zu bytes by a coroutine that only pauses, "
                  "%zu by one 64 KiB deep\n", trivial_bytes, deep_bytes);
    assert_true(trivial_bytes > 0);
    assert_true(trivial_bytes < 16 * 1024);
    assert_true(deep_bytes >= 64 * 1024);
    assert_true(deep_bytes < 1024 * 1024);
    coro_resume(trivial);
    coro_resume(deep);
    assert_true(coro_finished(trivial) && coro_finished(deep));
    coro_free(trivial);
    coro_free(deep);
}

/* 1000 coroutines paused at once, then run to their end and freed; the ASan
 * build of this test finds anything left behind (fake stacks included). */
static void many_coroutines_come_and_go(void **state)
{
    enum { COUNT = 1000 };
    static struct coro *coros[COUNT];

    (void)state;
    for (int i = 0; i < COUNT; i++) {
        assert_int_equal(coro_create(&coros[i], 64 * 1024, pause_once, NULL), 0);
        coro_resume(coros[i]);
    }
    for (int i = 0; i < COUNT; i++) {
        assert_false(coro_finished(coros[i]));
        coro_resume(coros[i]);
        assert_true(coro_finished(coros[i]));
        coro_free(coros[i]);
    }
}

/* ---- What a switch must keep ---- */

/* Six running values, more than fit in the registers that survive a call
 * (the compiler keeps values it needs after a call in rbx, rbp, r12-r15 on
 * x86-64), each stepped differently so that none can be rebuilt from
 * another: a switch that mixes up one register changes the result. */
struct values {
    uint64_t a, b, c, d, e, f;
};

static struct values values_from(uint64_t seed)
{
    return (struct values){ seed, seed ^ 0x1111, seed ^ 0x2222, seed ^ 0x3333,
                            seed ^ 0x4444, seed ^ 0x5555 };
}

/* The six values after `rounds` steps, stepped here without a pause: what
 * a coroutine that pauses at every step must come to. */
static uint64_t stepped(uint64_t seed, int rounds)
{
    struct values v = values_from(seed);

    for (int round = 0; round < rounds; round++) {
        v.a = v.a * 3 + 1;
        v.b = v.b * 5 + 2;
        v.c = v.c * 7 + 3;
        v.d = v.d * 11 + 4;
        v.e = v.e * 13 + 5;
        v.f = v.f * 17 + 6;
    }
    return v.a + 2 * v.b + 3 * v.c + 4 * v.d + 5 * v.e + 6 * v.f;
}

/* One coroutine that steps its values in locals, pausing after each step. */
struct stepping {
    uint64_t seed;
    int rounds;
    uint64_t result;
};

static void step_values(struct coro *self, void *arg)
{
    struct stepping *s = arg;
    uint64_t a = s->seed, b = a ^ 0x1111, c = a ^ 0x2222, d = a ^ 0x3333, e = a ^ 0x4444,
             f = a ^ 0x5555;

    for (int round = 0; round < s->rounds; round++) {
        a = a * 3 + 1;
        b = b * 5 + 2;
        c = c * 7 + 3;
        d = d * 11 + 4;
        e = e * 13 + 5;
        f = f * 17 + 6;
        coro_pause(self);
    }
    s->result = a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f;
}

/* Three coroutines and the scheduler each keep six values live across every
 * switch, in the same registers as far as the compiler is concerned: each
 * side must come to its own result. */
static void registers_and_locals_survive_switches(void **state)
{
    enum { COROS = 3, ROUNDS = 20 };
    struct stepping steps[COROS];
    struct coro *coros[COROS];
    uint64_t seed = (uint64_t)(uintptr_t)state | 0x5eed;   /* unknown to the compiler */
    uint64_t a = seed, b = a ^ 0x1111, c = a ^ 0x2222, d = a ^ 0x3333, e = a ^ 0x4444,
             f = a ^ 0x5555;

    for (int i = 0; i < COROS; i++) {
        steps[i] = (struct stepping){ .seed = seed * (uint64_t)(i + 2), .rounds = ROUNDS };
        assert_int_equal(coro_create(&coros[i], STACK_BYTES, step_values, &steps[i]), 0);
    }
    for (int round = 0; round <= ROUNDS; round++) {
        a = a * 3 + 1;
        b = b * 5 + 2;
        c = c * 7 + 3;
        d = d * 11 + 4;
        e = e * 13 + 5;
        f = f * 17 + 6;
        for (int i = 0; i < COROS; i++)
            coro_resume(coros[i]);
    }
    assert_true(a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f == stepped(seed, ROUNDS + 1));
    for (int i = 0; i < COROS; i++) {
        assert_true(coro_finished(coros[i]));
        assert_true(steps[i].result == stepped(steps[i].seed, ROUNDS));
        coro_free(coros[i]);
    }
}

/* 1/3 as this thread rounds it now, in SSE arithmetic (double: the MXCSR
 * register's rounding bits) and in the x87 unit's (long double: its
 * control word's). */
struct third {
    double sse;
    long double x87;
};

/* Not inlined: gcc, which ignores the rounding mode unless told
 * (-frounding-math), could otherwise move the divisions past the
 * fesetround calls around it. */
static __attribute__((noinline)) struct third third_now(void)
{
    volatile double one = 1, three = 3;
    volatile long double one_x87 = 1, three_x87 = 3;

    return (struct third){ one / three, one_x87 / three_x87 };
}

static bool same_third(struct third x, struct third y)
{
    return x.sse == y.sse && x.x87 == y.x87;
}

/* The rounding mode a coroutine sets is its own: it rounds up, pauses, and
 * still rounds up when resumed, while the scheduler rounds down. (Up and
 * down, as an inexact result is always rounded differently by them; to
 * nearest gives the same as one of them.) */
struct rounding {
    bool set;
    struct third before_pause, after_pause;
};

static void round_upward(struct coro *self, void *arg)
{
    struct rounding *r = arg;

    r->set = fesetround(FE_UPWARD) == 0;
    r->before_pause = third_now();
    coro_pause(self);
    r->after_pause = third_now();
}

static void rounding_mode_is_each_sides_own(void **state)
{
    struct rounding r = { .set = false };
    struct third downward, upward;
    struct coro *c;

    (void)state;
    assert_int_equal(fesetround(FE_UPWARD), 0);
    upward = third_now();
    assert_int_equal(fesetround(FE_DOWNWARD), 0);
    downward = third_now();
    /* else this test could not fail */
    assert_true(downward.sse != upward.sse && downward.x87 != upward.x87);

    assert_int_equal(coro_create(&c, STACK_BYTES, round_upward, &r), 0);
    coro_resume(c);
    assert_true(r.set);
    assert_true(same_third(r.before_pause, upward));
    assert_true(same_third(third_now(), downward));
    coro_resume(c);
    assert_true(coro_finished(c));
    assert_true(same_third(r.after_pause, upward));
    assert_true(same_third(third_now(), downward));
    coro_free(c);
    assert_int_equal(fesetround(FE_TONEAREST), 0);
}

/* What a new coroutine found at its start: how far off 16 bytes a local
 * aligned to 16 landed, and what printf made of a double (glibc's printf
 * keeps SSE values on the stack with instructions that fault when it is
 * misaligned). */
struct first_entry {
    uintptr_t misalignment;
    char text[16];
};

static void look_at_the_stack(struct coro *self, void *arg)
{
    struct first_entry *seen = arg;
    alignas(16) unsigned char local[16] = { 1 };
    uintptr_t at = (uintptr_t)local;
    volatile double pi = 3.14159;

    (void)self;
    /* The compiler knows local is aligned and would fold at % 16 to 0:
     * the empty asm makes it forget where the value came from. */
    __asm__("" : "+r"(at));
    seen->misalignment = at % 16 + (local[0] != 1);
    snprintf(seen->text, sizeof seen->text, "%.3f", pi);
}

static void first_entry_is_aligned(void **state)
{
    struct first_entry seen = { .misalignment = 99 };
    struct coro *c;

    (void)state;
    assert_int_equal(coro_create(&c, STACK_BYTES, look_at_the_stack, &seen), 0);
    coro_resume(c);
    assert_true(coro_finished(c));
    assert_int_equal(seen.misalignment, 0);
    assert_string_equal(seen.text, "3.142");
    coro_free(c);
}

/* 100 coroutines paused at once, resumed in an order that changes every
 * round, each stepping its own values: each comes to its own result. */
static void many_coroutines_interleave(void **state)
{
    enum { COUNT = 100, ROUNDS = 8 };
    static struct stepping steps[COUNT];
    static struct coro *coros[COUNT];

    (void)state;
    for (int i = 0; i < COUNT; i++) {
        steps[i] = (struct stepping){ .seed = 1000 + (uint64_t)i, .rounds = ROUNDS };
        assert_int_equal(coro_create(&coros[i], 64 * 1024, step_values, &steps[i]), 0);
    }
    for (int round = 0; round <= ROUNDS; round++) {
        for (int k = 0; k < COUNT; k++) {
            int i = (k * 37 + round * 11) % COUNT;   /* 37 is prime to 100: each once */

            assert_false(coro_finished(coros[i]));
            coro_resume(coros[i]);
        }
    }
    for (int i = 0; i < COUNT; i++) {
        assert_true(coro_finished(coros[i]));
        assert_true(steps[i].result == stepped(steps[i].seed, ROUNDS));
        coro_free(coros[i]);
    }
}

/* What a coroutine keeps beside its stack says which switch this build
 * has: one stack pointer and a few fields for coro.c's own (x86-64), a
 * whole ucontext_t for glibc's. */
static void the_build_has_the_switch_it_asks_for(void **state)
{
    (void)state;
    print_message("struct coro: %zu bytes\n", coro_struct_bytes());
#if defined(CORO_UCONTEXT) || !defined(__x86_64__)
    assert_true(coro_struct_bytes() > sizeof(ucontext_t));
#else
    assert_true(coro_struct_bytes() <= 64);
#endif
}

/* Runs body in a child process with its stderr in err; returns the child's
 * wait status. The child writes no core file. */
static int status_of_child(void (*body)(void), char *err, size_t err_size)
{
    int pipe_fds[2], status;
    size_t used = 0;
    ssize_t got;
    pid_t pid;

    assert_int_equal(pipe(pipe_fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit no_core = { 0, 0 };

        setrlimit(RLIMIT_CORE, &no_core);
        signal(SIGSEGV, SIG_DFL);   /* cmocka catches it; the child must not */
        signal(SIGABRT, SIG_DFL);
        dup2(pipe_fds[1], STDERR_FILENO);
        close(pipe_fds[0]);
        body();
        _exit(0);
    }
    close(pipe_fds[1]);
    while (used < err_size - 1 && (got = read(pipe_fds[0], err + used, err_size - 1 - used)) > 0)
        used += (size_t)got;
    err[used] = '\0';
    close(pipe_fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* Recurses with no end the compiler can see, 512 bytes a frame. */
static size_t recurse_forever(size_t depth)
{
    volatile unsigned char frame[512];

    frame[0] = (unsigned char)depth;
    if (depth == SIZE_MAX)
        return 0;
    return recurse_forever(depth + 1) + frame[0];
}

#define SMALL_STACK_BYTES (16 * 1024)

/* Where the guard page of the overflowing coroutine must be: the page just
 * below its stack, whose top is the end of the page holding fn's frame. */
static uintptr_t guard_low, guard_high;

/* Called, on its own stack, for the fault: says whether it hit the guard
 * page, then lets the faulting write run again and kill the process. */
static void on_fault(int sig, siginfo_t *info, void *context)
{
    static const char in_guard[] = "fault in the guard page\n";
    static const char elsewhere[] = "fault outside the guard page\n";
    uintptr_t at = (uintptr_t)info->si_addr;
    bool hit = at >= guard_low && at < guard_high;

    (void)context;
    if (write(STDERR_FILENO, hit ? in_guard : elsewhere,
              hit ? sizeof in_guard - 1 : sizeof elsewhere - 1) < 0)
        _exit(1);
    signal(sig, SIG_DFL);
}

static void overflow(struct coro *self, void *arg)
{
    volatile unsigned char top;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

    (void)self;
    guard_high = ((uintptr_t)&top | (page - 1)) + 1 - SMALL_STACK_BYTES;
    guard_low = guard_high - page;
    *(size_t *)arg = recurse_forever(top);
}

static void overflow_a_small_stack(void)
{
    static unsigned char alt_stack[64 * 1024];
    stack_t alt = { .ss_sp = alt_stack, .ss_size = sizeof alt_stack };
    struct sigaction on_segv = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO | SA_ONSTACK };
    size_t result;
    struct coro *c;

    if (sigaltstack(&alt, NULL) == 0 && sigaction(SIGSEGV, &on_segv, NULL) == 0 &&
        coro_create(&c, SMALL_STACK_BYTES, overflow, &result) == 0)
        coro_resume(c);
}

static void overflow_hits_the_guard_page(void **state)
{
    char err[256];
    int status;

    (void)state;
    if (UNDER_SANITIZER) {
        /* The sanitizer catches the fault and writes a report instead. */
        print_message("skipped under a sanitizer, which reports the overflow itself\n");
        skip();
    }
    status = status_of_child(overflow_a_small_stack, err, sizeof err);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGSEGV);
    assert_string_equal(err, "fault in the guard page\n");
}

static void resume_a_finished_coroutine(void)
{
    struct coro *c;

    if (coro_create(&c, STACK_BYTES, record_call, NULL) == 0) {
        coro_resume(c);
        coro_resume(c);
    }
}

static void pause_outside_a_coroutine(void)
{
    struct coro *c;

    if (coro_create(&c, STACK_BYTES, record_call, NULL) == 0)
        coro_pause(c);
}

static void free_a_paused_coroutine(void)
{
    struct coro *c;

    if (coro_create(&c, STACK_BYTES, pause_once, NULL) == 0) {
        coro_resume(c);
        coro_free(c);
    }
}

static void resume_from(struct coro *self, void *arg)
{
    (void)self;
    coro_resume(arg);
}

static void resume_inside_a_coroutine(void)
{
    struct coro *outer, *inner;

    if (coro_create(&inner, STACK_BYTES, record_call, NULL) == 0 &&
        coro_create(&outer, STACK_BYTES, resume_from, inner) == 0)
        coro_resume(outer);
}

static void broken_rules_abort_with_one_line(void **state)
{
    static const struct {
        void (*body)(void);
        const char *message;
    } cases[] = {
        { resume_a_finished_coroutine, "coro: coro_resume called on a finished coroutine\n" },
        { pause_outside_a_coroutine, "coro: coro_pause called from outside its coroutine\n" },
        { free_a_paused_coroutine, "coro: coro_free called on an unfinished coroutine\n" },
        { resume_inside_a_coroutine, "coro: coro_resume called from inside a coroutine\n" },
    };
    char err[256];

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int status = status_of_child(cases[i].body, err, sizeof err);

        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGABRT);
        assert_string_equal(err, cases[i].message);
    }
}

/* A stack no machine can map fails with a negative errno and *out untouched;
 * the ASan build of this test checks that nothing was left allocated. */
static void absurd_sizes_are_refused(void **state)
{
    struct coro *c = NULL;

    (void)state;
    assert_int_equal(coro_create(&c, 0, record_call, NULL), -EINVAL);
    assert_int_equal(coro_create(&c, SIZE_MAX, record_call, NULL), -ENOMEM);
    assert_int_equal(coro_create(&c, SIZE_MAX / 2 - 4096, record_call, NULL), -ENOMEM);
    assert_int_equal(coro_create(&c, (size_t)1 << 60, record_call, NULL), -ENOMEM);
    assert_null(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_coroutines_interleave),
        cmocka_unit_test(fn_gets_self_and_arg_and_finishes_in_one_resume),
        cmocka_unit_test(touched_stack_follows_depth),
        cmocka_unit_test(many_coroutines_come_and_go),
        cmocka_unit_test(registers_and_locals_survive_switches),
        cmocka_unit_test(rounding_mode_is_each_sides_own),
        cmocka_unit_test(first_entry_is_aligned),
        cmocka_unit_test(many_coroutines_interleave),
        cmocka_unit_test(the_build_has_the_switch_it_asks_for),
        cmocka_unit_test(overflow_hits_the_guard_page),
        cmocka_unit_test(broken_rules_abort_with_one_line),
        cmocka_unit_test(absurd_sizes_are_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
