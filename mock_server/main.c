/* main.c: the mock server's start, its wait for a signal, and its stop.
 *
 * main blocks SIGINT, SIGTERM and SIGHUP before civetweb starts, so every
 * thread civetweb creates inherits the mask and only main's sigwait sees
 * them.
 * The one thing to notice: civetweb 1.15 starts even when some worker
 * threads could not be created, so main reads civetweb's log to find out,
 * and refuses to serve with fewer workers than asked. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

#include "handlers.h"
#include "nofile.h"
#include "options.h"
#include "program.h"
#include "server.h"

#define FD_MARGIN        64   /* descriptors beyond the workers' sockets */
#define QUEUE_MIN        20   /* civetweb's default connection_queue */
#define QUEUE_WANTED   4096   /* accepted connections waiting for a worker */
#define MAX_REQUEST_BYTES  "16384" /* a larger request head gets a 400 */

/* What civetweb's log told us while mg_start2 ran. civetweb may call the
 * log callback from any of its threads, hence the mutex around it all. */
static struct {
    pthread_mutex_t lock;
    int starting;               /* mg_start2 runs: capture, do not print */
    char first_message[256];    /* the first message while starting */
    int failed_worker;          /* 1-based worker that failed to start, or 0 */
    long failed_errno;          /* its error */
    int quiet;                  /* --quiet: print nothing */
} civet_log = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* civetweb calls this, from any of its threads, for each error it logs.
 * While civetweb starts, messages are kept for one line of our own that
 * explains the failure; after that, each is printed (unless --quiet).
 * Returns 1: handled, civetweb writes no log file of its own. */
static int on_civet_log(const struct mg_connection *conn, const char *message)
{
    int worker = 0;
    long err = 0;
    int print = 0;

    (void)conn;
    if (pthread_mutex_lock(&civet_log.lock) != 0)
        return 1;
    if (civet_log.starting && civet_log.first_message[0] == '\0')
        snprintf(civet_log.first_message, sizeof civet_log.first_message, "%s", message);
    if (sscanf(message, "Cannot start worker thread %d: error %ld", &worker, &err) == 2
        && civet_log.failed_worker == 0) {
        civet_log.failed_worker = worker;
        civet_log.failed_errno = err;
    }
    print = !civet_log.starting && !civet_log.quiet;
    (void)pthread_mutex_unlock(&civet_log.lock);
    if (print)
        fprintf(stderr, "mock_server: civetweb: %s\n", message);
    return 1;
}

/* Marks whether mg_start2 is running, for on_civet_log. */
static void set_starting(int starting)
{
    if (pthread_mutex_lock(&civet_log.lock) == 0) {
        civet_log.starting = starting;
        (void)pthread_mutex_unlock(&civet_log.lock);
    }
}

/* Ignores SIGPIPE: a write to a client that has gone must fail with EPIPE,
 * not kill the server. 0, or -1 after printing why. */
static int ignore_sigpipe(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    if (sigemptyset(&sa.sa_mask) != 0 || sigaction(SIGPIPE, &sa, NULL) != 0) {
        fprintf(stderr, "mock_server: cannot ignore SIGPIPE: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

/* Blocks SIGINT, SIGTERM and SIGHUP in this thread and every thread it
 * creates later; *set receives them for sigwait. SIGHUP ignored at start
 * (nohup) stays out of it: a blocked signal is kept pending even when
 * ignored, and sigwait would take it. 0, or -1 after printing why. */
static int block_stop_signals(sigset_t *set)
{
    struct sigaction hangup;
    int rc;

    if (sigemptyset(set) != 0 || sigaddset(set, SIGINT) != 0 || sigaddset(set, SIGTERM) != 0 ||
        sigaction(SIGHUP, NULL, &hangup) != 0 ||
        (hangup.sa_handler != SIG_IGN && sigaddset(set, SIGHUP) != 0)) {
        fprintf(stderr, "mock_server: cannot build the signal set: %s\n", strerror(errno));
        return -1;
    }
    rc = pthread_sigmask(SIG_BLOCK, set, NULL);
    if (rc != 0) {
        fprintf(stderr, "mock_server: cannot block the stop signals: %s\n", strerror(rc));
        return -1;
    }
    return 0;
}

/* Raises the soft RLIMIT_NOFILE to the hard limit (every connection is a
 * descriptor) and checks that the workers fit in it. Sets *queue_len, the
 * connection_queue that still fits. 0, or -1 after printing why. */
static int fit_fd_limit(long threads, long *queue_len)
{
    long limit = nofile_raise("mock_server");

    if (limit < 0)
        return -1;
    long spare = limit - threads - FD_MARGIN;
    if (spare < QUEUE_MIN) {
        fprintf(stderr, "mock_server: --threads %ld needs %ld open files, the limit is %llu: "
                        "lower --threads or raise ulimit -n\n",
                threads, threads + FD_MARGIN + QUEUE_MIN, (unsigned long long)limit);
        return -1;
    }
    /* A queue at least as long as the workers, so a burst of connections
     * waits in it rather than being refused, but only as long as fits. */
    long wanted = threads > QUEUE_WANTED ? threads : QUEUE_WANTED;
    *queue_len = wanted < spare ? wanted : spare;
    return 0;
}

/* The reason inside "cannot bind to ADDR: 98 (Address already in use)",
 * or the whole message when it has no such part. Writes into buf. */
static const char *extract_reason(const char *message, char *buf, size_t buf_len)
{
    const char *open = strrchr(message, '(');
    const char *close = open != NULL ? strchr(open, ')') : NULL;

    if (open == NULL || close == NULL || close == open + 1)
        return message;
    snprintf(buf, buf_len, "%.*s", (int)(close - open - 1), open + 1);
    return buf;
}

/* Prints why mg_start2 failed, in one line. */
static void report_start_failure(const struct server_options *opt, const char *error_text)
{
    char reason[256];
    const char *detail = civet_log.first_message[0] != '\0' ? civet_log.first_message
                                                            : error_text;

    /* civetweb 1.15 leaves the error code 0; its text says what part
     * failed, and the log line before it says why. */
    if (strstr(error_text, "server ports") != NULL)
        fprintf(stderr, "mock_server: cannot listen on %s:%ld: %s\n", opt->host, opt->port,
                extract_reason(detail, reason, sizeof reason));
    else
        fprintf(stderr, "mock_server: cannot start civetweb: %s (%s)\n", error_text, detail);
}

/* Starts civetweb with the options of srv. The context, or NULL after
 * printing why. */
static struct mg_context *start_civetweb(struct server *srv, long queue_len)
{
    const struct server_options *opt = &srv->opt;
    char ports[96], threads[24], keep_alive_ms[24], request_timeout_ms[24], backlog[24];
    char queue[24];
    unsigned error_code = 0;
    char error_text[256] = "";

    snprintf(ports, sizeof ports, "%s:%ld", opt->host, opt->port);
    snprintf(threads, sizeof threads, "%ld", opt->threads);
    snprintf(keep_alive_ms, sizeof keep_alive_ms, "%ld", opt->keep_alive_ms);
    snprintf(request_timeout_ms, sizeof request_timeout_ms, "%ld", opt->request_timeout_ms);
    snprintf(queue, sizeof queue, "%ld", queue_len);
    /* The kernel caps the listen backlog at net.core.somaxconn. */
    snprintf(backlog, sizeof backlog, "%ld", opt->threads > QUEUE_WANTED ? opt->threads
                                                                        : QUEUE_WANTED);
    const char *config[] = {
        "listening_ports", ports,
        "num_threads", threads,
        "enable_keep_alive", opt->keep_alive ? "yes" : "no",
        "keep_alive_timeout_ms", keep_alive_ms,
        "request_timeout_ms", request_timeout_ms,
        "max_request_size", MAX_REQUEST_BYTES,
        "listen_backlog", backlog,
        "connection_queue", queue,
        /* Headers and body go out in separate writes: without this,
         * Nagle's algorithm and delayed ACKs add up to 40 ms. */
        "tcp_nodelay", "1",
        NULL,
    };
    struct mg_callbacks callbacks;
    memset(&callbacks, 0, sizeof callbacks);
    callbacks.log_message = on_civet_log;
    struct mg_init_data init = { .callbacks = &callbacks, .user_data = srv,
                                 .configuration_options = config };
    struct mg_error_data error = { .code = &error_code, .text = error_text,
                                   .text_buffer_size = sizeof error_text };

    set_starting(1);
    struct mg_context *ctx = mg_start2(&init, &error);
    set_starting(0);
    if (ctx == NULL)
        report_start_failure(opt, error_text);
    return ctx;
}

/* 0 when civetweb started every worker asked for (printing the message it
 * logged while starting, if any); -1 after printing how many it started. */
static int check_workers(const struct server_options *opt)
{
    char message[sizeof civet_log.first_message] = "";
    int failed = 0;
    long err = 0;

    if (pthread_mutex_lock(&civet_log.lock) == 0) {
        failed = civet_log.failed_worker;
        err = civet_log.failed_errno;
        memcpy(message, civet_log.first_message, sizeof message);
        (void)pthread_mutex_unlock(&civet_log.lock);
    }
    if (failed != 0) {
        fprintf(stderr, "mock_server: only %d of %ld worker threads started: %s: "
                        "lower --threads\n", failed - 1, opt->threads, strerror((int)err));
        return -1;
    }
    if (message[0] != '\0' && !opt->quiet)
        fprintf(stderr, "mock_server: civetweb: %s\n", message);
    return 0;
}

/* The port civetweb actually listens on (the free one for --port 0), or
 * -1 after printing why not. */
static int get_listening_port(struct mg_context *ctx)
{
    struct mg_server_port ports[4];
    int n = mg_get_server_ports(ctx, 4, ports);

    if (n < 1) {
        fprintf(stderr, "mock_server: cannot read the listening port: civetweb returned %d\n",
                n);
        return -1;
    }
    return ports[0].port;
}

/* Waits until SIGINT, SIGTERM or SIGHUP arrives. 0, or -1 after printing
 * why. */
static int wait_for_stop_signal(const sigset_t *set)
{
    int sig = 0;
    int rc = sigwait(set, &sig);

    if (rc != 0) {
        fprintf(stderr, "mock_server: cannot wait for signals: %s\n", strerror(rc));
        return -1;
    }
    return 0;
}

/* Announces the server on stdout, the one line scripts wait for. When
 * stdout takes nothing (closed at start, a reader gone) nobody is waiting
 * for it: the server says so on stderr and serves all the same, at the
 * port it was given. */
static void announce(const struct server_options *opt, int port)
{
    if (printf("listening on http://%s:%d\n", opt->host, port) < 0 || fflush(stdout) != 0)
        fprintf(stderr, "mock_server: cannot announce http://%s:%d on stdout: %s; "
                        "serving all the same\n", opt->host, port, strerror(errno));
}

/* Serves until a stop signal; then stops civetweb. 0 or 3. */
static int serve(struct server *srv, const sigset_t *stop_signals, long queue_len)
{
    int status = 0;
    struct mg_context *ctx = start_civetweb(srv, queue_len);

    if (ctx == NULL)
        return 3;
    /* Registered after mg_start2, as civetweb requires; a request that
     * came before this would get civetweb's 404, but nobody knows the
     * port before the announcement below. */
    handlers_register(ctx, srv);
    int port = check_workers(&srv->opt) == 0 ? get_listening_port(ctx) : -1;
    if (port >= 0)
        announce(&srv->opt, port);
    if (port < 0 || wait_for_stop_signal(stop_signals) != 0)
        status = 3;
    /* Sleeping and hanging handlers see this within 50 ms and return, so
     * mg_stop's join of the workers is prompt. */
    atomic_store(&srv->stopping, true);
    mg_stop(ctx);
    return status;
}

int main(int argc, char **argv)
{
    static struct server srv; /* static: a few KB of counters, zeroed */
    sigset_t stop_signals;
    long queue_len = 0;
    int status;

    program_set_name("mock_server");   /* for the shared code's messages */
    if (program_open_std_fds() != 0)
        return 3;
    int parsed = options_parse(argc, argv, &srv.opt);
    if (parsed != 0)
        return parsed == 1 ? 0 : 2;
    civet_log.quiet = srv.opt.quiet;

    if (ignore_sigpipe() != 0 || block_stop_signals(&stop_signals) != 0
        || fit_fd_limit(srv.opt.threads, &queue_len) != 0)
        return 3;
    stats_init(&srv.stats);
    atomic_init(&srv.stopping, false);
    int rc = fault_plan_init(&srv.faults, srv.opt.seed, srv.opt.fail_rate,
                             (unsigned)srv.opt.fail_times, srv.opt.fail_kind);
    if (rc != 0) {
        fprintf(stderr, "mock_server: cannot allocate the fault counters: %s\n", strerror(-rc));
        return 3;
    }
    /* civetweb 1.15 returns the features it set up: 0 when asked for none,
     * the same value as an error, so the result tells nothing here; a
     * failed set-up makes mg_start2 fail instead. */
    (void)mg_init_library(0);
    status = serve(&srv, &stop_signals, queue_len);
    if (mg_exit_library() != 1) {
        fprintf(stderr, "mock_server: civetweb did not shut down cleanly\n");
        status = 3;
    }
    fault_plan_destroy(&srv.faults);
    return status;
}
