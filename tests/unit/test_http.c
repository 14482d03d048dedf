/* test_http.c: unit tests of the libcurl glue (client/http.c).
 *
 * Each transfer test forks a one-shot server on 127.0.0.1 that answers a
 * canned reply (or none), so every cause http_judge can give is produced by
 * a real transfer: 200, a status, a reset, a truncated body, a timeout, a
 * refused connection, a body too large, and a run cancelled before its
 * transfer and in the middle of it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "http.h"
#include "options.h"
#include "run.h"

/* ---- A one-shot server ---- */

struct server {
    pid_t pid;
    int port;
};

/* Opens a listening socket on a free port of 127.0.0.1. */
static int listen_any(int *port)
{
    struct sockaddr_in addr = { .sin_family = AF_INET };
    socklen_t len = sizeof addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(listen(fd, 4), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    *port = ntohs(addr.sin_port);
    return fd;
}

/* The child: accepts one connection, reads the request's head, writes a
 * byte to notify_fd (unless -1), waits hold_ms, writes head then body_len
 * bytes of 'x' (reply NULL: nothing) and closes. Exits with _exit so that
 * nothing of the parent runs, and within SERVE_MAX_S whatever happens: a
 * test whose assertion failed before server_stop, its client never come,
 * would otherwise leave it in accept() for good, holding the test's
 * output open (run.sh reads it to its end). */
#define SERVE_MAX_S 30
static void serve_once(int listen_fd, const char *reply, size_t body_len, int hold_ms,
                       int notify_fd)
{
    char request[4096];
    size_t got = 0;

    alarm(SERVE_MAX_S);
    int fd = accept(listen_fd, NULL, NULL);

    if (fd < 0)
        _exit(1);
    while (got < sizeof request - 1) {
        ssize_t n = read(fd, request + got, sizeof request - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
        request[got] = '\0';
        if (strstr(request, "\r\n\r\n") != NULL)
            break;
    }
    if (notify_fd >= 0 && write(notify_fd, "r", 1) != 1)
        _exit(1);
    if (hold_ms > 0)
        usleep((useconds_t)hold_ms * 1000);
    if (reply != NULL && write(fd, reply, strlen(reply)) < 0)
        _exit(1);
    for (size_t sent = 0; sent < body_len; sent += 4096) {
        static char chunk[4096];
        size_t n = body_len - sent < sizeof chunk ? body_len - sent : sizeof chunk;
        memset(chunk, 'x', sizeof chunk);
        if (write(fd, chunk, n) < 0)
            break;   /* the client hung up: fine */
    }
    close(fd);
    _exit(0);
}

/* Starts the one-shot server; it writes a byte to notify_fd (unless -1)
 * once it has the request. */
static void server_start_notify(struct server *s, const char *reply, size_t body_len,
                                int hold_ms, int notify_fd)
{
    int fd = listen_any(&s->port);

    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0)
        serve_once(fd, reply, body_len, hold_ms, notify_fd);
    close(fd);
}

static void server_start(struct server *s, const char *reply, size_t body_len, int hold_ms)
{
    server_start_notify(s, reply, body_len, hold_ms, -1);
}

static void server_stop(struct server *s)
{
    int status;

    kill(s->pid, SIGKILL);   /* it may still be holding */
    assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
}

/* ---- A transfer against it ---- */

struct transfer {
    struct options opts;
    struct run run;
    struct task_record rec;
    struct body body;
    char errbuf[CURL_ERROR_SIZE];
    char why[CURL_ERROR_SIZE + 64];
    double elapsed_ms;
};

/* GETs http://127.0.0.1:PORT/items/1 with the given timeout and judges it
 * as --verify says. */
static enum fail_cause transfer_run_verify(struct transfer *t, int port, long timeout_ms,
                                           enum verify verify)
{
    char url[128];
    CURL *easy = curl_easy_init();
    uint64_t start;
    CURLcode result;
    enum fail_cause cause;

    assert_non_null(easy);
    memset(t, 0, sizeof *t);
    t->opts.timeout_ms = timeout_ms;
    t->opts.verify = verify;
    t->run.opts = &t->opts;
    t->rec.id = 1;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/items/1", port);
    assert_int_equal(http_setup(easy, &t->run, url, http_on_body, &t->body, t->errbuf), CURLE_OK);
    start = clock_now_ns();
    result = curl_easy_perform(easy);
    t->elapsed_ms = clock_elapsed_ms(start);
    cause = http_judge(easy, result, t->errbuf, &t->opts, &t->rec, t->why, sizeof t->why);
    curl_easy_cleanup(easy);
    return cause;
}

/* The same under --verify content, the default. */
static enum fail_cause transfer_run(struct transfer *t, int port, long timeout_ms)
{
    return transfer_run_verify(t, port, timeout_ms, VERIFY_CONTENT);
}

static void test_ok(void **state)
{
    struct server s;
    struct transfer t;

    (void)state;
    server_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 0, 0);
    assert_int_equal(transfer_run(&t, s.port, 5000), CAUSE_NONE);
    assert_int_equal(t.rec.http_status, 200);
    assert_int_equal(t.body.len, 5);
    assert_string_equal(t.body.data, "hello");
    assert_string_equal(t.why, "");
    body_free(&t.body);
    server_stop(&s);
}

static void test_status(void **state)
{
    struct server s;
    struct transfer t;

    (void)state;
    server_start(&s, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy", 0, 0);
    assert_int_equal(transfer_run(&t, s.port, 5000), CAUSE_STATUS);
    assert_int_equal(t.rec.http_status, 503);
    assert_string_equal(t.why, "HTTP 503");
    body_free(&t.body);
    server_stop(&s);
}

/* --verify status takes any 2xx; content and id a 200 only. */
static void test_status_2xx(void **state)
{
    static const struct { const char *reply; enum verify verify; enum fail_cause cause; } cases[] = {
        {"HTTP/1.1 204 No Content\r\n\r\n", VERIFY_STATUS, CAUSE_NONE},
        {"HTTP/1.1 204 No Content\r\n\r\n", VERIFY_CONTENT, CAUSE_STATUS},
        {"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", VERIFY_STATUS, CAUSE_NONE},
        {"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", VERIFY_ID, CAUSE_STATUS},
        {"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno", VERIFY_STATUS, CAUSE_STATUS},
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", VERIFY_ID, CAUSE_NONE},
    };
    struct server s;
    struct transfer t;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        server_start(&s, cases[i].reply, 0, 0);
        assert_int_equal(transfer_run_verify(&t, s.port, 5000, cases[i].verify), cases[i].cause);
        body_free(&t.body);
        server_stop(&s);
    }
    assert_true(http_status_accepted(VERIFY_STATUS, 200));
    assert_true(http_status_accepted(VERIFY_STATUS, 299));
    assert_false(http_status_accepted(VERIFY_STATUS, 300));
    assert_false(http_status_accepted(VERIFY_STATUS, 199));
    assert_false(http_status_accepted(VERIFY_CONTENT, 204));
    assert_false(http_status_accepted(VERIFY_ID, 201));
}

static void test_reset(void **state)
{
    struct server s;
    struct transfer t;

    (void)state;
    server_start(&s, NULL, 0, 0);   /* closes without a word */
    assert_int_equal(transfer_run(&t, s.port, 5000), CAUSE_RESET);
    assert_int_equal(t.rec.http_status, 0);
    assert_string_equal(t.why, "connection closed with no response (Empty reply from server)");
    body_free(&t.body);
    server_stop(&s);
}

static void test_truncated(void **state)
{
    struct server s;
    struct transfer t;

    (void)state;
    server_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab", 0, 0);
    assert_int_equal(transfer_run(&t, s.port, 5000), CAUSE_TRUNCATED);
    /* What was cut, then libcurl's words. */
    assert_string_equal(t.why, "body cut short: got 2 of 10 bytes "
                        "(transfer closed with 8 bytes remaining to read)");
    body_free(&t.body);
    server_stop(&s);
}

static void test_timeout(void **state)
{
    struct server s;
    struct transfer t;

    (void)state;
    server_start(&s, NULL, 0, 3000);   /* holds, then closes */
    assert_int_equal(transfer_run(&t, s.port, 200), CAUSE_TIMEOUT);
    assert_true(t.elapsed_ms >= 190 && t.elapsed_ms < 2000);
    /* Which timeout and how long, then the error buffer's text. */
    assert_non_null(strstr(t.why, "no complete answer within the --timeout-ms of 200 ms ("));
    assert_non_null(strstr(t.why, "timed out"));
    /* Connected, the answer late: nothing says it was the connect. */
    assert_null(strstr(t.why, "connecting to"));
    body_free(&t.body);
    server_stop(&s);
}

static void test_connect_refused(void **state)
{
    struct transfer t;
    char where[64];
    int port;

    (void)state;

    close(listen_any(&port));   /* a port nobody listens on */
    assert_int_equal(transfer_run(&t, port, 5000), CAUSE_CONNECT);
    /* Where, and the system's reason, which libcurl's own text leaves out. */
    snprintf(where, sizeof where, "127.0.0.1 port %d ", port);
    assert_non_null(strstr(t.why, where));
    assert_non_null(strstr(t.why, "(Connection refused)"));
    body_free(&t.body);
}

static void test_body_too_large(void **state)
{
    char head[128];
    struct server s;
    struct transfer t;

    (void)state;
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", BODY_LIMIT + 1);
    server_start(&s, head, BODY_LIMIT + 1, 0);
    assert_int_equal(transfer_run(&t, s.port, 5000), CAUSE_IO);
    assert_true(t.body.len <= BODY_LIMIT);
    /* libcurl's text says "Failure writing output": the body says why. */
    assert_int_equal(t.body.refused, BODY_OVER_LIMIT);
    assert_int_equal(http_judge_body(&t.body, CAUSE_IO, t.why, sizeof t.why), CAUSE_MISMATCH);
    assert_string_equal(t.why, "body over the 1 MiB limit");
    body_free(&t.body);
    server_stop(&s);
}

/* http_judge_body changes only a refusal's verdict. */
static void test_judge_body(void **state)
{
    struct body body = { .len = 4096, .refused = BODY_NO_MEMORY };
    char why[CURL_ERROR_SIZE] = "Failure writing output to destination";

    (void)state;
    assert_int_equal(http_judge_body(&body, CAUSE_IO, why, sizeof why), CAUSE_IO);
    assert_string_equal(why, "no memory for a body of 4097 bytes or more");
    /* A status not accepted stays the cause, whatever the body. */
    body.refused = BODY_OVER_LIMIT;
    snprintf(why, sizeof why, "HTTP 500");
    assert_int_equal(http_judge_body(&body, CAUSE_STATUS, why, sizeof why), CAUSE_STATUS);
    assert_string_equal(why, "HTTP 500");
    /* Nothing refused: a write error is left as it was. */
    body.refused = BODY_TAKEN;
    snprintf(why, sizeof why, "Failure writing output to destination");
    assert_int_equal(http_judge_body(&body, CAUSE_IO, why, sizeof why), CAUSE_IO);
    assert_string_equal(why, "Failure writing output to destination");
    body_reset(&body);
    assert_int_equal(body.refused, BODY_TAKEN);
}

/* A refused body is not the cause when the status says what went wrong:
 * the body was the server's error text. */
static void test_status_body_refused(void **state)
{
    char head[128];
    struct server s;
    struct transfer t;

    (void)state;
    snprintf(head, sizeof head, "HTTP/1.1 500 Oops\r\nContent-Length: %d\r\n\r\n", BODY_LIMIT + 1);
    server_start(&s, head, BODY_LIMIT + 1, 0);
    assert_int_equal(transfer_run(&t, s.port, 5000), CAUSE_STATUS);
    assert_int_equal(t.rec.http_status, 500);
    assert_string_equal(t.why, "HTTP 500");
    body_free(&t.body);
    server_stop(&s);
}

/* ---- http_judge alone ---- */

static void test_judge_mapping(void **state)
{
    /* An easy handle that never ran: nothing connected, nothing received,
     * no length known. why is libcurl's generic text, after the words that
     * say what a server's failure lost. */
    static const struct {
        CURLcode code;
        enum fail_cause cause;
        const char *said;      /* before libcurl's text in parentheses; NULL: none */
    } cases[] = {
        {CURLE_OPERATION_TIMEDOUT, CAUSE_TIMEOUT,     /* never connected */
         "no connection within the --timeout-ms of 300 ms"},
        {CURLE_COULDNT_CONNECT, CAUSE_CONNECT, NULL},
        {CURLE_COULDNT_RESOLVE_HOST, CAUSE_CONNECT, NULL},
        {CURLE_SEND_ERROR, CAUSE_CONNECT, NULL},
        {CURLE_GOT_NOTHING, CAUSE_RESET, "connection closed with no response"},
        {CURLE_RECV_ERROR, CAUSE_RESET, "connection lost with no response"},
        {CURLE_PARTIAL_FILE, CAUSE_TRUNCATED, "body cut short after 0 bytes"},
        {CURLE_WRITE_ERROR, CAUSE_IO, NULL},
        {CURLE_OUT_OF_MEMORY, CAUSE_IO, NULL},      /* here, not on the connection */
        {CURLE_WEIRD_SERVER_REPLY, CAUSE_RESET, NULL},
    };
    struct options opts = { .verify = VERIFY_CONTENT, .timeout_ms = 300 };
    CURL *easy = curl_easy_init();
    struct task_record rec = { .id = 1, .http_status = 999 };
    char why[CURL_ERROR_SIZE], want[CURL_ERROR_SIZE];

    (void)state;
    assert_non_null(easy);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(http_judge(easy, cases[i].code, "", &opts, &rec, why, sizeof why),
                         cases[i].cause);
        if (cases[i].said != NULL)
            snprintf(want, sizeof want, "%s (%s)", cases[i].said,
                     curl_easy_strerror(cases[i].code));
        else
            snprintf(want, sizeof want, "%s", curl_easy_strerror(cases[i].code));
        assert_string_equal(why, want);
        assert_int_equal(rec.http_status, 0);   /* nothing was received */
    }
    /* The error buffer's text wins over the generic one. */
    assert_int_equal(http_judge(easy, CURLE_OPERATION_TIMEDOUT, "Operation timed out after 300 ms",
                                &opts, &rec, why, sizeof why), CAUSE_TIMEOUT);
    assert_string_equal(why, "no connection within the --timeout-ms of 300 ms "
                        "(Operation timed out after 300 ms)");
    /* Past the connect timeout's cap, a transfer never connected names
     * that timeout and its length instead. */
    opts.timeout_ms = 60000;
    assert_int_equal(http_judge(easy, CURLE_OPERATION_TIMEDOUT, "Connection timed out after 5001 ms",
                                &opts, &rec, why, sizeof why), CAUSE_TIMEOUT);
    assert_string_equal(why, "no connection within the connect timeout of 5000 ms "
                        "(Connection timed out after 5001 ms)");
    /* Ctrl-C is named the same in every model, whatever libcurl's words:
     * here no connection was made. */
    assert_int_equal(http_judge(easy, CURLE_ABORTED_BY_CALLBACK, "Callback aborted", &opts,
                                &rec, why, sizeof why), CAUSE_CANCELLED);
    assert_string_equal(why, "cancelled while connecting");
    curl_easy_cleanup(easy);
}

/* ---- Bodies ---- */

static void test_body(void **state)
{
    struct body body = {0};
    char piece[1000];

    (void)state;
    memset(piece, 'a', sizeof piece);
    assert_int_equal(http_on_body(piece, 1, 3, &body), 3);
    assert_int_equal(body.len, 3);
    assert_string_equal(body.data, "aaa");
    assert_int_equal(http_on_body(piece, 10, 100, &body), 1000);   /* size * nmemb */
    assert_int_equal(body.len, 1003);
    assert_int_equal(body.data[1003], '\0');
    assert_true(body.cap >= 1004);

    char *kept = body.data;
    size_t cap = body.cap;
    body_reset(&body);
    assert_int_equal(body.len, 0);
    assert_ptr_equal(body.data, kept);   /* memory kept for reuse */
    assert_int_equal(body.cap, cap);
    assert_string_equal(body.data, "");

    /* Up to BODY_LIMIT is taken; one byte more is refused, and what was
     * there stays. */
    body.len = 0;
    for (size_t total = 0; total < BODY_LIMIT; total += sizeof piece) {
        size_t n = BODY_LIMIT - total < sizeof piece ? BODY_LIMIT - total : sizeof piece;
        assert_int_equal(http_on_body(piece, 1, n, &body), n);
    }
    assert_int_equal(body.len, BODY_LIMIT);
    assert_int_equal(http_on_body(piece, 1, 1, &body), 0);
    assert_int_equal(body.len, BODY_LIMIT);
    assert_int_equal(body.data[BODY_LIMIT], '\0');
    body_free(&body);
    assert_null(body.data);
    assert_int_equal(body.len, 0);
    assert_int_equal(body.cap, 0);
    body_free(&body);   /* twice is harmless */
}

/* ---- The health check ---- */

/* Runs http_check_server against port with stderr captured into msg. */
static int check_server(int port, char *msg, size_t size)
{
    struct options opts = { .timeout_ms = 1000 };
    struct run run = { .opts = &opts };
    FILE *sink = tmpfile();
    int saved = dup(STDERR_FILENO);
    int rc;

    assert_non_null(sink);
    assert_true(saved >= 0);
    snprintf(opts.url, sizeof opts.url, "http://127.0.0.1:%d", port);
    fflush(stderr);
    assert_true(dup2(fileno(sink), STDERR_FILENO) >= 0);
    rc = http_check_server(&run);
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    rewind(sink);
    memset(msg, 0, size);
    assert_true(fread(msg, 1, size - 1, sink) < size - 1);
    fclose(sink);
    return rc;
}

static void test_check_server(void **state)
{
    struct server s;
    char msg[512], want[256];
    int port;

    (void)state;
    server_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, 0);
    assert_int_equal(check_server(s.port, msg, sizeof msg), 0);
    assert_string_equal(msg, "");   /* and the body was not printed */
    server_stop(&s);

    /* Any other answer: a server without /health, which answers HTTP; the
     * check says that is all it checked. */
    server_start(&s, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 0, 0);
    assert_int_equal(check_server(s.port, msg, sizeof msg), 0);
    snprintf(want, sizeof want, "test_http: server check: http://127.0.0.1:%d/health answered "
             "HTTP 404: checked only that the server answers\n", s.port);
    assert_string_equal(msg, want);
    server_stop(&s);

    close(listen_any(&port));
    assert_int_equal(check_server(port, msg, sizeof msg), -1);
    snprintf(want, sizeof want, "test_http: cannot reach http://127.0.0.1:%d/health: ", port);
    assert_int_equal(strncmp(msg, want, strlen(want)), 0);
    assert_non_null(strstr(msg, "(Connection refused)\n"));
    assert_ptr_equal(strchr(msg, '\n'), msg + strlen(msg) - 1);
}

/* ---- Cancellation: last, since it cannot be undone ---- */

/* Called on its own thread: cancels the run once the server has the request. */
static void *cancel_when_asked(void *arg)
{
    char byte;

    if (read(*(int *)arg, &byte, 1) == 1)
        run_cancel();
    return NULL;
}

/* Ctrl-C while the server holds the answer: the transfer ends at once,
 * "cancelled during the transfer". */
static void test_cancelled_in_transfer(void **state)
{
    struct server s;
    struct transfer t;
    pthread_t canceller;
    int asked[2];

    (void)state;
    assert_int_equal(pipe(asked), 0);
    server_start_notify(&s, NULL, 0, 5000, asked[1]);
    assert_int_equal(pthread_create(&canceller, NULL, cancel_when_asked, &asked[0]), 0);
    enum fail_cause cause = transfer_run(&t, s.port, 10000);
    assert_int_equal(pthread_join(canceller, NULL), 0);
    body_free(&t.body);
    server_stop(&s);
    close(asked[0]);
    close(asked[1]);
    assert_int_equal(cause, CAUSE_CANCELLED);
    assert_string_equal(t.why, "cancelled during the transfer");
    assert_true(t.elapsed_ms < 3000);
}

/* A run cancelled before the transfer: it ends before its request. */
static void test_cancelled(void **state)
{
    struct server s;
    struct transfer t;

    (void)state;
    server_start(&s, NULL, 0, 5000);
    run_cancel();
    enum fail_cause cause = transfer_run(&t, s.port, 10000);
    body_free(&t.body);
    server_stop(&s);
    assert_int_equal(cause, CAUSE_CANCELLED);
    assert_string_equal(t.why, "cancelled while connecting");
    assert_true(t.elapsed_ms < 3000);
}

static int global_init(void **state)
{
    (void)state;
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int global_cleanup(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}

int main(void)
{
    program_set_name("test_http");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_body_too_large),
        cmocka_unit_test(test_judge_body),
        cmocka_unit_test(test_status_body_refused),
        cmocka_unit_test(test_status_2xx),
        cmocka_unit_test(test_judge_mapping),
        cmocka_unit_test(test_body),
        cmocka_unit_test(test_check_server),
        cmocka_unit_test(test_cancelled_in_transfer),   /* keep these two last */
        cmocka_unit_test(test_cancelled),
    };

    return cmocka_run_group_tests(tests, global_init, global_cleanup);
}
