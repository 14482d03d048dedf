/* test_window.c: unit tests of the window (loop/window.c), with no loop.
 *
 * The window knows nothing of libuv: here a loop of the test's own drives
 * it, finishing the tasks in flight one at a time, in the order it picks.
 * At most C tasks run, the next starts when one ends, cached records are
 * skipped, a task that ends inside its start does not recurse, under
 * --rate no task starts before its time, and Ctrl-C cancels those in
 * flight and records the rest as cancelled. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "options.h"
#include "record.h"
#include "run.h"
#include "window.h"

#define RECORDS_MAX 64

/* The test's loop: the tasks in flight, in the order they started, and
 * what the window asked of it. One run at a time; reset by make_run. */
static struct {
    struct task *in_flight[RECORDS_MAX];
    size_t count;
    long started[RECORDS_MAX];   /* the ids, in the order they started */
    size_t started_count;
    long most_in_flight;
    int made, gone, released, stops;
    bool finish_at_once;         /* start ends each task inside it */
    int wakes;                   /* --rate: wake_after's calls */
    long wake_delay_ms;          /* the last one's delay */
} fake;

static void on_task_made(struct task *task)
{
    (void)task;
    fake.made++;
}

static void on_task_gone(struct task *task)
{
    fake.gone++;
    free(task);
}

static void on_stop(struct window *w)
{
    (void)w;
    fake.stops++;
}

static void on_wake_after(struct window *w, long delay_ms)
{
    (void)w;
    fake.wakes++;
    fake.wake_delay_ms = delay_ms;
}

static const struct window_loop fake_loop = {
    .task_made = on_task_made,
    .task_gone = on_task_gone,
    .stop = on_stop,
    .wake_after = on_wake_after,
};

/* Completes the task: what a model does when its last step is over. */
static void task_complete(struct task *task)
{
    record_complete(task->window->run, task->rec, 0, (uint64_t)task->rec->id);
    window_task_finish(task);
}

static void on_start(struct task *task)
{
    record_attempt(task->window->run, task->rec);
    fake.started[fake.started_count++] = task->rec->id;
    if (task->window->in_flight > fake.most_in_flight)
        fake.most_in_flight = task->window->in_flight;
    if (fake.finish_at_once) {
        task_complete(task);
        return;
    }
    fake.in_flight[fake.count++] = task;
}

/* Takes the task out of the test loop's list. */
static void forget(struct task *task)
{
    for (size_t i = 0; i < fake.count; i++) {
        if (fake.in_flight[i] == task) {
            memmove(&fake.in_flight[i], &fake.in_flight[i + 1],
                    (fake.count - i - 1) * sizeof *fake.in_flight);
            fake.count--;
            return;
        }
    }
    fail_msg("task %ld is not in flight", task->rec->id);
}

static void on_cancel(struct task *task)
{
    forget(task);
    record_attempt_failed(task->window->run, task->rec, CAUSE_CANCELLED, "cancelled");
    record_give_up(task->window->run, task->rec);
    window_task_finish(task);
}

static void on_release(struct task *task)
{
    (void)task;
    fake.released++;
}

static const struct window_ops ops = {
    .task_size = sizeof(struct task) + 40,   /* a model's task is larger */
    .start = on_start,
    .cancel = on_cancel,
    .release = on_release,
};

/* A run of count records under --concurrency concurrency; start is now. */
static void make_run(struct run *run, struct options *opts, struct task_record *records,
                     size_t count, long concurrency)
{
    memset(&fake, 0, sizeof fake);
    memset(opts, 0, sizeof *opts);
    opts->count = (long)count;
    opts->concurrency = concurrency;
    memset(run, 0, sizeof *run);
    run->opts = opts;
    run->records = records;
    run->count = count;
    run->start_ns = clock_now_ns();
    memset(records, 0, count * sizeof *records);
    for (size_t i = 0; i < count; i++)
        records[i].id = (long)i + 1;
}

/* The test's loop: finishes the oldest task in flight until none is left,
 * as the window's loop would run until stopped. */
static void run_loop(void)
{
    for (int turns = 0; fake.count > 0 && turns < RECORDS_MAX; turns++) {
        struct task *task = fake.in_flight[0];

        forget(task);
        task_complete(task);
    }
}

static void test_window_keeps_c_in_flight(void **state)
{
    struct options opts;
    struct run run;
    struct task_record records[10];
    struct window w;

    (void)state;
    make_run(&run, &opts, records, 10, 3);
    window_init(&w, &run, &ops, &fake_loop);
    assert_int_equal(run.concurrency, 3);
    window_fill(&w);
    assert_int_equal(w.in_flight, 3);
    assert_int_equal(fake.count, 3);
    assert_int_equal(fake.stops, 0);
    run_loop();
    assert_int_equal(fake.most_in_flight, 3);
    assert_int_equal(fake.stops, 1);
    assert_true(w.finished);
    assert_int_equal(fake.made, 10);
    assert_int_equal(fake.gone, 10);
    assert_int_equal(fake.released, 10);
    for (size_t i = 0; i < 10; i++) {
        assert_int_equal(records[i].state, TASK_COMPLETED);
        assert_int_equal(fake.started[i], (long)i + 1);   /* in the records' order */
    }
}

static void test_window_without_limit_starts_every_pending_task(void **state)
{
    struct options opts;
    struct run run;
    struct task_record records[6];
    struct window w;

    (void)state;
    make_run(&run, &opts, records, 6, 0);
    record_take_cached(&run, &records[1], 0, 2);
    record_take_cached(&run, &records[4], 0, 5);
    window_init(&w, &run, &ops, &fake_loop);
    assert_int_equal(run.concurrency, 4);      /* the tasks left, not the records */
    window_fill(&w);
    assert_int_equal(fake.count, 4);
    run_loop();
    assert_int_equal(fake.made, 4);            /* none for a cached record */
    assert_int_equal(fake.stops, 1);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(records[i].state, TASK_COMPLETED);
}

static void test_window_of_cached_records_only_stops_at_once(void **state)
{
    struct options opts;
    struct run run;
    struct task_record records[2];
    struct window w;

    (void)state;
    make_run(&run, &opts, records, 2, 0);
    record_take_cached(&run, &records[0], 0, 1);
    record_take_cached(&run, &records[1], 0, 2);
    window_init(&w, &run, &ops, &fake_loop);
    assert_int_equal(run.concurrency, 1);      /* at least one place */
    window_fill(&w);
    assert_int_equal(fake.made, 0);
    assert_int_equal(fake.stops, 1);
    assert_true(w.finished);
}

static void test_window_task_that_ends_in_its_start(void **state)
{
    struct options opts;
    struct run run;
    struct task_record records[20];
    struct window w;

    (void)state;
    make_run(&run, &opts, records, 20, 2);
    fake.finish_at_once = true;
    window_init(&w, &run, &ops, &fake_loop);
    window_fill(&w);
    assert_int_equal(fake.most_in_flight, 1);  /* each ends before the next starts */
    assert_int_equal(fake.made, 20);
    assert_int_equal(fake.gone, 20);
    assert_int_equal(fake.stops, 1);
    assert_int_equal(w.in_flight, 0);
    for (size_t i = 0; i < 20; i++)
        assert_int_equal(records[i].state, TASK_COMPLETED);
}

/* Last: the run's cancellation flag cannot be taken back. */
static void test_window_cancel(void **state)
{
    struct options opts;
    struct run run;
    struct task_record records[6];
    struct window w;

    (void)state;
    make_run(&run, &opts, records, 6, 2);
    window_init(&w, &run, &ops, &fake_loop);
    window_fill(&w);
    assert_int_equal(fake.count, 2);
    run_cancel();
    window_cancel(&w);
    window_cancel(&w);                         /* a second Ctrl-C: nothing more */
    assert_int_equal(fake.count, 0);
    assert_int_equal(fake.made, 2);            /* none started after the signal */
    assert_int_equal(fake.gone, 2);
    assert_int_equal(fake.stops, 1);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(records[i].state, TASK_FAILED);
        assert_int_equal(records[i].cause, CAUSE_CANCELLED);
        assert_int_equal(records[i].attempts, i < 2 ? 1 : 0);
    }
}

/* --rate 10, a task every 100 ms: the first starts at once; the second
 * waits for the loop's wake-up, asked for once however often the window
 * is filled before it, and starts only when its time has come. The run's
 * start is moved back to make time pass. */
static void test_window_rate_starts_no_task_before_its_time(void **state)
{
    struct options opts;
    struct run run;
    struct task_record records[3];
    struct window w;

    (void)state;
    make_run(&run, &opts, records, 3, 0);
    opts.rate = 10;
    window_init(&w, &run, &ops, &fake_loop);
    window_fill(&w);
    assert_int_equal(fake.started_count, 1);
    assert_int_equal(fake.wakes, 1);
    assert_in_range(fake.wake_delay_ms, 1, 100);
    window_fill(&w);                            /* a finish's fill, before the time */
    assert_int_equal(fake.started_count, 1);
    assert_int_equal(fake.wakes, 1);
    run.start_ns -= 150 * 1000000ull;           /* 150 ms on: task 2 due, 3 in 50 ms */
    window_woken(&w);
    assert_int_equal(fake.started_count, 2);
    assert_int_equal(fake.wakes, 2);
    assert_in_range(fake.wake_delay_ms, 1, 50);
    assert_true(records[1].start_ms >= run_intended_start_ms(&run, 1));
    run.start_ns -= 100 * 1000000ull;
    window_woken(&w);
    assert_int_equal(fake.started_count, 3);
    assert_int_equal(fake.wakes, 2);
    run_loop();
    assert_int_equal(fake.stops, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_keeps_c_in_flight),
        cmocka_unit_test(test_window_without_limit_starts_every_pending_task),
        cmocka_unit_test(test_window_of_cached_records_only_stops_at_once),
        cmocka_unit_test(test_window_task_that_ends_in_its_start),
        cmocka_unit_test(test_window_rate_starts_no_task_before_its_time),
        cmocka_unit_test(test_window_cancel),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
