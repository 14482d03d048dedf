/* main.c: the client program, whichever model runs the tasks.
 *
 * client_main() parses the command line, prepares the run (records, the
 * --cache file, server check, folder), hands the run to the model, then
 * saves the cache and writes the trace and the summary. Each model's main()
 * is one call to it with the model (sync/model.c, ...), so everything
 * outside the model folders is identical in every program.
 *
 * Exit status: 0 every task completed, 1 some failed, 2 usage error,
 * 3 the run could not start (or a trace or the summary asked for could not
 * be written), 128 + N stopped by signal N: 130 Ctrl-C, 143 SIGTERM,
 * 129 SIGHUP (which a failed output does not change). */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cache.h"
#include "clock.h"
#include "fsutil.h"
#include "http.h"
#include "nofile.h"
#include "options.h"
#include "record.h"
#include "run.h"
#include "summary.h"
#include "timeline.h"
#include "trace_events.h"

enum exit_status {
    EXIT_ALL_OK = 0,
    EXIT_SOME_FAILED = 1,
    EXIT_USAGE = 2,
    EXIT_CANNOT_START = 3,
    EXIT_SIGNAL_BASE = 128,       /* + the number of the signal that stopped the run */
};

/* The signals that stop a run: Ctrl-C, kill, and the terminal hanging up. */
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

/* The first of them to arrive, or 0: written by the handler, so an always
 * lock-free atomic, as run.c's flag. */
static atomic_int stop_signal;

#if ATOMIC_INT_LOCK_FREE != 2
#error "a signal handler may only touch an always lock-free atomic"
#endif

/* Called by the kernel, on whichever thread it interrupts, for a stop
 * signal. Only async-signal-safe steps: it notes the signal and cancels
 * the run (run_cancel wakes a loop model's loop). Every model then stops
 * its tasks, and the program writes what was done and exits 128 + the
 * signal's number. SA_RESETHAND makes the same signal again kill at once. */
static void on_signal(int signum)
{
    int saved_errno = errno;      /* the interrupted code may be about to read it */
    int none = 0;

    (void)atomic_compare_exchange_strong(&stop_signal, &none, signum);
    run_cancel();
    errno = saved_errno;
}

static int install_signal_handlers(void)
{
    /* SA_RESTART: a file step that the signal interrupts goes on, rather
     * than failing with EINTR; waits (poll, epoll, nanosleep) return early
     * all the same, and look at the flag. */
    struct sigaction cancel = { .sa_handler = on_signal, .sa_flags = SA_RESETHAND | SA_RESTART };
    struct sigaction ignore = { .sa_handler = SIG_IGN };
    struct sigaction hangup;

    if (sigemptyset(&cancel.sa_mask) != 0 || sigemptyset(&ignore.sa_mask) != 0 ||
        sigaction(SIGHUP, NULL, &hangup) != 0)
        goto fail;
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++) {
        /* Started by nohup, SIGHUP is ignored: it stays so, as nohup asks. */
        if (stop_signals[i] == SIGHUP && hangup.sa_handler == SIG_IGN)
            continue;
        if (sigaction(stop_signals[i], &cancel, NULL) != 0)
            goto fail;
    }
    /* A peer that closes a socket must give EPIPE, not kill the process. */
    if (sigaction(SIGPIPE, &ignore, NULL) != 0)
        goto fail;
    return 0;
fail:
    fprintf(stderr, "%s: sigaction: %s\n", program_name(), strerror(errno));
    return -1;
}

/* Allocates one pending record per task. 0, or -1 with a message. */
static int records_create(struct run *run)
{
    const struct options *opts = run->opts;

    run->count = opts->workload == WORKLOAD_COOK ? (size_t)opts->dish_count
                                                  : (size_t)opts->count;
    run->records = calloc(run->count, sizeof *run->records);
    if (run->records == NULL) {
        fprintf(stderr, "%s: cannot allocate %zu task records: %s\n",
                program_name(), run->count, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < run->count; i++) {
        run->records[i].id = (long)i + 1;
        run->records[i].intended_ms = run_intended_start_ms(run, i);
    }
    return 0;
}

/* Checks what the workload needs before any task starts: a server that
 * answers (unless the cache left no task to run), a folder that can be
 * written. 0, or -1 with a message. */
static int run_prepare(struct run *run, int *dir_created)
{
    enum workload workload = run->opts->workload;

    if ((workload == WORKLOAD_FETCH || workload == WORKLOAD_DOWNLOAD) &&
        run->cached < run->count && http_check_server(run) != 0)
        return -1;
    if ((workload == WORKLOAD_DOWNLOAD || workload == WORKLOAD_FILES) &&
        dir_prepare(run->opts->dir, run->dir, sizeof run->dir, dir_created) != 0)
        return -1;
    return 0;
}

/* The files a run writes, for the checks before it. */
struct output {
    const char *option;   /* "--trace" */
    const char *what;     /* "the trace", for messages */
    const char *path;     /* "" when not asked for */
};

/* Checks, before the run, that the outputs asked for can be written: a
 * typo in a folder's name, or a folder given as the file, is better found
 * now than after a long run (file_check_writable; the cache checks its own
 * file). Two outputs on one regular file would overwrite each other: a
 * usage error. EXIT_ALL_OK, or the exit status with a message. */
static enum exit_status check_report_files(const struct options *opts)
{
    const struct output outputs[] = {
        { "--trace", "the trace", opts->trace_path },
        { "--trace-events", "the trace events", opts->trace_events_path },
        { "--cache", "the cache", opts->cache_path },   /* last: cache_load checks it */
    };
    const size_t count = sizeof outputs / sizeof outputs[0];

    for (size_t i = 0; i < count; i++) {
        for (size_t j = i + 1; j < count; j++) {
            if (outputs[i].path[0] != '\0' && outputs[j].path[0] != '\0' &&
                file_same_regular(outputs[i].path, outputs[j].path)) {
                fprintf(stderr, "%s: %s and %s name the same file %s: give each its own\n",
                        program_name(), outputs[i].option, outputs[j].option,
                        outputs[j].path);
                return EXIT_USAGE;
            }
        }
    }
    for (size_t i = 0; i < count - 1; i++) {
        const struct output *o = &outputs[i];

        if (o->path[0] != '\0' && file_check_writable(o->path) != 0) {
            fprintf(stderr, "%s: cannot write %s %s: %s\n",
                    program_name(), o->what, o->path, strerror(errno));
            return EXIT_CANNOT_START;
        }
    }
    return EXIT_ALL_OK;
}

/* Writes the summary asked for on stdout. 0, or -1 with a message: a
 * summary that did not get out (a full disk, a pipe nobody reads, a closed
 * stdout) is output asked for and lost. */
static int print_summary(const struct run *run, const struct summary *sum)
{
    const struct options *opts = run->opts;
    int rc = 0;

    if (opts->json)
        rc = summary_print_json(stdout, run, sum);
    else if (!opts->quiet)
        rc = summary_print_human(stdout, run, sum);
    if (rc != 0)
        fprintf(stderr, "%s: cannot write the summary to standard output: %s\n",
                program_name(), strerror(errno));
    return rc;
}

/* Writes the traces, the timeline and the summary of a run that went
 * through. The chart goes to stderr, before the summary, so that it never
 * mixes with --json on stdout. 0, or -1 when a trace or the summary could
 * not be written (with a message; no part of a regular file is left). */
static int run_report(const struct run *run, const struct summary *sum)
{
    const struct options *opts = run->opts;
    int rc = 0;

    if (opts->trace_path[0] != '\0' &&
        record_write_csv(opts->trace_path, run->records, run->count) != 0) {
        fprintf(stderr, "%s: cannot write the trace %s: %s\n",
                program_name(), opts->trace_path, strerror(errno));
        rc = -1;
    }
    if (opts->trace_events_path[0] != '\0' &&
        trace_events_save(opts->trace_events_path, run) != 0) {
        fprintf(stderr, "%s: cannot write the trace events %s: %s\n",
                program_name(), opts->trace_events_path, strerror(errno));
        rc = -1;
    }
    /* A chart that stderr does not take cannot be reported there either. */
    if (opts->timeline)
        (void)timeline_print(stderr, run, timeline_width(STDERR_FILENO));
    if (print_summary(run, sum) != 0)
        rc = -1;
    return rc;
}

static int exit_status_of(const struct summary *sum)
{
    int signum = atomic_load(&stop_signal);

    /* Only on_signal cancels a run, so a signal is noted; were that to
     * change, such a run would exit as after Ctrl-C. */
    if (sum->cancelled)
        return EXIT_SIGNAL_BASE + (signum != 0 ? signum : SIGINT);
    return sum->failed > 0 ? EXIT_SOME_FAILED : EXIT_ALL_OK;
}

int client_main(int argc, char **argv, const struct model *model)
{
    static struct options opts;   /* large (paths, dishes): not on the stack */
    static struct run run;        /* large (the folder's path, facts) */
    struct summary sum;
    int dir_created = 0;
    int status = EXIT_CANNOT_START;

    program_set_name(model->name);
    if (program_open_std_fds() != 0)
        return EXIT_CANNOT_START;
    run = (struct run){ .opts = &opts, .model = model };
    switch (cli_parse(argc, argv, model, &opts, stdout, stderr)) {
    case CLI_RUN:       break;
    case CLI_EXIT_OK:   return EXIT_ALL_OK;
    case CLI_EXIT_USAGE: return EXIT_USAGE;
    }
    if (install_signal_handlers() != 0)
        return EXIT_CANNOT_START;
    nofile_raise(program_name());

    /* Before any thread exists: libcurl's global state is not thread-safe. */
    CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        fprintf(stderr, "%s: curl_global_init: %s\n", program_name(), curl_easy_strerror(rc));
        return EXIT_CANNOT_START;
    }
    if (records_create(&run) != 0)
        goto out_curl;
    /* Before the cache is read: a trace named like the cache is refused,
     * not read as a damaged cache. */
    if ((status = check_report_files(&opts)) != EXIT_ALL_OK)
        goto out_dir;
    status = EXIT_CANNOT_START;   /* what a failure below means */
    /* Before the server is asked anything: a cache that cannot be used or
     * saved stops the run with no request made. */
    if (opts.cache_path[0] != '\0') {
        enum cache_status cs = cache_load(&run);

        if (cs != CACHE_OK) {
            status = cs == CACHE_REFUSED ? EXIT_USAGE : EXIT_CANNOT_START;
            goto out_dir;
        }
    }
    if (run_prepare(&run, &dir_created) != 0)
        goto out_dir;

    summary_mark_start(&run);
    if (model->run(&run) != 0)
        goto out_dir;
    summary_compute(&run, &sum);
    /* A run that went through, cancelled or not, saves what completed; a
     * failure to save is said and leaves the old cache, and the tasks'
     * verdict stands (as for the trace). */
    if (opts.cache_path[0] != '\0')
        (void)cache_save(&run);
    status = exit_status_of(&sum);
    /* A trace or summary asked for and not written: the run's output is
     * not all there. A stopped run says so first. */
    if (run_report(&run, &sum) != 0 && !sum.cancelled)
        status = EXIT_CANNOT_START;

out_dir:
    /* A failed removal is reported by dir_remove; the tasks' verdict stands. */
    if (dir_created && !opts.keep)
        (void)dir_remove(run.dir);
    else if (dir_created)
        fprintf(stderr, "%s: files kept in %s\n", program_name(), run.dir);
    free(run.records);
out_curl:
    curl_global_cleanup();
    return (int)status;
}
