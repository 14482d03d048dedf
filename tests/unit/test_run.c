/* test_run.c: unit tests of --rate's schedule (client/run.c).
 *
 * Task i is meant to start i * 1000 / R ms after the run's start, every
 * task at 0 without --rate; the delay until then is rounded up, so that no
 * timer or sleep of that length starts a task early; and a blocking model's
 * wait ends no sooner. Compare test_window.c: the loop models' side. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "clock.h"
#include "options.h"
#include "run.h"

/* A run at rate R (0: none) that starts now. */
static void make_run(struct run *run, struct options *opts, double rate)
{
    memset(opts, 0, sizeof *opts);
    opts->rate = rate;
    memset(run, 0, sizeof *run);
    run->opts = opts;
    run->start_ns = clock_now_ns();
}

static void test_intended_start_is_i_over_r(void **state)
{
    struct options opts;
    struct run run;

    (void)state;
    make_run(&run, &opts, 4);
    assert_true(run_intended_start_ms(&run, 0) == 0.0);
    assert_true(run_intended_start_ms(&run, 3) == 750.0);
    assert_true(run_intended_start_ms(&run, 1000000) == 250000000.0);
    make_run(&run, &opts, 0.5);
    assert_true(run_intended_start_ms(&run, 1) == 2000.0);
    make_run(&run, &opts, 3);                   /* not a whole number of ms */
    assert_true(run_intended_start_ms(&run, 1) > 333.33
                && run_intended_start_ms(&run, 1) < 333.34);
    make_run(&run, &opts, 0);                   /* no --rate: all at once */
    assert_true(run_intended_start_ms(&run, 0) == 0.0);
    assert_true(run_intended_start_ms(&run, 999) == 0.0);
}

static void test_start_delay_rounds_up_and_ends_at_zero(void **state)
{
    struct options opts;
    struct run run;

    (void)state;
    make_run(&run, &opts, 3);
    /* 333.33 ms away, less the moment since the start: never 333 or less
     * unless a whole ms went by. */
    long delay_ms = run_start_delay_ms(&run, 1);
    assert_in_range(delay_ms, 300, 334);
    assert_int_equal(run_start_delay_ms(&run, 0), 0);
    run.start_ns -= 1000 * 1000000ull;          /* a second on: task 1 is due */
    assert_int_equal(run_start_delay_ms(&run, 1), 0);
    make_run(&run, &opts, 0);
    assert_int_equal(run_start_delay_ms(&run, 5), 0);
}

static void test_wait_for_start_ends_no_sooner(void **state)
{
    struct options opts;
    struct run run;

    (void)state;
    make_run(&run, &opts, 50);                  /* task 2 at 40 ms */
    assert_int_equal(run_wait_for_start(&run, 2), 0);
    assert_true(clock_elapsed_ms(run.start_ns) >= 40.0);
    assert_int_equal(run_wait_for_start(&run, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intended_start_is_i_over_r),
        cmocka_unit_test(test_start_delay_rounds_up_and_ends_at_zero),
        cmocka_unit_test(test_wait_for_start_ends_no_sooner),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
