/* http.c: what every model does with a libcurl easy handle.
 *
 * Setting a handle up and turning its result into a failure cause are the
 * same in every model, whoever drives the transfer, so they live here.
 * The one thing to notice is http_on_progress(): it is how Ctrl-C reaches a
 * transfer that is blocked inside libcurl. */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

#define USER_AGENT "aio-bench/0.1"
#define CONNECT_TIMEOUT_MAX_MS 5000L
#define HEALTH_TIMEOUT_MS 2000L

/* libcurl's receive buffer, one per handle, allocated whole when a transfer
 * starts: CURL_MAX_WRITE_SIZE (16 KiB) unless told. An item is about 300
 * bytes with its headers, so for fetch the smallest buffer libcurl takes
 * holds it in one read: 10,000 waiting fetches hold 10,000 buffers. (A
 * larger one for blobs measured no faster than the default.) */
#define FETCH_BUFFER_BYTES 1024L

/* ---- Bodies ---- */

void body_reset(struct body *body)
{
    body->len = 0;
    body->refused = BODY_TAKEN;
    if (body->data != NULL)
        body->data[0] = '\0';
}

void body_free(struct body *body)
{
    free(body->data);
    body->data = NULL;
    body->len = 0;
    body->cap = 0;
    body->refused = BODY_TAKEN;
}

int body_reserve(struct body *body, size_t need)
{
    size_t cap = body->cap > 0 ? body->cap : 256;
    char *data;

    if (need <= body->cap)
        return 0;
    while (cap < need)
        cap *= 2;
    data = realloc(body->data, cap);
    if (data == NULL)
        return -1;
    body->data = data;
    body->cap = cap;
    return 0;
}

_Static_assert(BODY_LIMIT % (1024 * 1024) == 0, "BODY_LIMIT is said in whole MiB");

/* Called by libcurl with each piece of the body. Returning less than the
 * piece's size makes the transfer fail with CURLE_WRITE_ERROR: that is how
 * a body over BODY_LIMIT, or one we have no memory for, is refused; the
 * body keeps which, for http_judge_body. */
size_t http_on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct body *body = userdata;
    size_t n = size * nmemb;

    if (n > BODY_LIMIT - body->len) {
        body->refused = BODY_OVER_LIMIT;
        return 0;
    }
    if (body_reserve(body, body->len + n + 1) != 0) {
        body->refused = BODY_NO_MEMORY;
        return 0;
    }
    memcpy(body->data + body->len, data, n);
    body->len += n;
    body->data[body->len] = '\0';
    return n;
}

/* ---- Setting up ---- */

/* Called by libcurl about once a second, and after each piece of data,
 * while a transfer runs. A nonzero return aborts it with
 * CURLE_ABORTED_BY_CALLBACK. */
static int http_on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                            curl_off_t ultotal, curl_off_t ulnow)
{
    (void)userdata;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return run_cancelled() ? 1 : 0;
}

/* Called by libcurl with the health check's body, which nobody reads.
 * Without it libcurl would write the body to stdout. */
static size_t on_discard(char *data, size_t size, size_t nmemb, void *userdata)
{
    (void)data;
    (void)userdata;
    return size * nmemb;
}

/* The connect timeout of a transfer whose attempt has timeout_ms: the
 * whole of it, up to CONNECT_TIMEOUT_MAX_MS. */
static long connect_timeout_ms(long timeout_ms)
{
    return timeout_ms < CONNECT_TIMEOUT_MAX_MS ? timeout_ms : CONNECT_TIMEOUT_MAX_MS;
}

static CURLcode setopt_failed(const char *option, CURLcode rc)
{
    fprintf(stderr, "%s: curl_easy_setopt(%s): %s\n", program_name(), option,
            curl_easy_strerror(rc));
    return rc;
}

CURLcode http_setup(CURL *easy, const struct run *run, const char *url,
                    curl_write_callback on_body, void *body_data, char *errbuf)
{
    long timeout_ms = run->opts->timeout_ms;
    long connect_ms = connect_timeout_ms(timeout_ms);
    long buffer_bytes = run->opts->workload == WORKLOAD_FETCH ? FETCH_BUFFER_BYTES
                                                             : CURL_MAX_WRITE_SIZE;
    const char *option;
    CURLcode rc;

    errbuf[0] = '\0';
    /* Each line sets one option; the first that fails names itself. */
    if ((rc = curl_easy_setopt(easy, CURLOPT_URL, url)) != CURLE_OK)
        option = "CURLOPT_URL";
    else if ((rc = curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body)) != CURLE_OK)
        option = "CURLOPT_WRITEFUNCTION";
    else if ((rc = curl_easy_setopt(easy, CURLOPT_WRITEDATA, body_data)) != CURLE_OK)
        option = "CURLOPT_WRITEDATA";
    else if ((rc = curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms)) != CURLE_OK)
        option = "CURLOPT_TIMEOUT_MS";
    else if ((rc = curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, connect_ms)) != CURLE_OK)
        option = "CURLOPT_CONNECTTIMEOUT_MS";
    /* Timeouts by signal cannot work with threads; with NOSIGNAL libcurl
     * times its own waits. */
    else if ((rc = curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK)
        option = "CURLOPT_NOSIGNAL";
    else if ((rc = curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, buffer_bytes)) != CURLE_OK)
        option = "CURLOPT_BUFFERSIZE";
    else if ((rc = curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf)) != CURLE_OK)
        option = "CURLOPT_ERRORBUFFER";
    else if ((rc = curl_easy_setopt(easy, CURLOPT_USERAGENT, USER_AGENT)) != CURLE_OK)
        option = "CURLOPT_USERAGENT";
    else if ((rc = curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, http_on_progress)) != CURLE_OK)
        option = "CURLOPT_XFERINFOFUNCTION";
    else if ((rc = curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L)) != CURLE_OK)
        option = "CURLOPT_NOPROGRESS";
    /* We judge the status ourselves, and want the 4xx/5xx body counted. */
    else if ((rc = curl_easy_setopt(easy, CURLOPT_FAILONERROR, 0L)) != CURLE_OK)
        option = "CURLOPT_FAILONERROR";
    else
        return CURLE_OK;
    return setopt_failed(option, rc);
}

/* ---- Judging ---- */

/* The cause of a transfer that libcurl itself failed (Ctrl-C's aside:
 * http_judge names that one first). */
static enum fail_cause cause_of(CURLcode result)
{
    switch (result) {
    case CURLE_OPERATION_TIMEDOUT:
        return CAUSE_TIMEOUT;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SEND_ERROR:
        return CAUSE_CONNECT;
    case CURLE_PARTIAL_FILE:
        return CAUSE_TRUNCATED;
    case CURLE_WRITE_ERROR:
    case CURLE_OUT_OF_MEMORY:   /* here: nothing the connection did */
        return CAUSE_IO;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    default:
        /* The other errors come from a connection that was open (a reply
         * libcurl could not use, HTTP/2 framing...): the answer is lost,
         * which is what RESET counts. */
        return CAUSE_RESET;
    }
}

/* Appends " (connecting to HOST port PORT)" to why: HOST and PORT from the
 * URL easy asked for, as the user wrote them. Nothing when the URL cannot
 * be read back. */
static void add_connect_target(CURL *easy, char *why, size_t why_size)
{
    char *url = NULL, *host = NULL, *port = NULL;
    CURLU *parts;
    size_t len = strlen(why);

    if (curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url) != CURLE_OK || url == NULL)
        return;
    parts = curl_url();
    if (parts == NULL)
        return;
    if (curl_url_set(parts, CURLUPART_URL, url, 0) == CURLUE_OK
        && curl_url_get(parts, CURLUPART_HOST, &host, 0) == CURLUE_OK
        && curl_url_get(parts, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK
        && len < why_size)
        snprintf(why + len, why_size - len, " (connecting to %s port %s)", host, port);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(parts);
}

/* Whether the transfer on easy had a connection: one it made, or one it
 * reused. libcurl sets PRIMARY_IP afresh for each transfer, once connected;
 * CONNECT_TIME_T cannot tell, as it is 0 on a reused connection. This one
 * answer decides a timeout's words ("no connection within" or "no complete
 * answer within"), whether they name the target, and where Ctrl-C caught a
 * task ("while connecting" or "during the transfer"). */
static bool connected(CURL *easy)
{
    char *ip = NULL;

    return curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip != NULL &&
           ip[0] != '\0';
}

/* What libcurl's own text leaves out of a connect that failed. libcurl
 * 7.88 says "Failed to connect to HOST port PORT after 0 ms: Couldn't
 * connect to server" whatever the system said: the system's reason
 * (Connection refused, No route to host) is added in parentheses. And a
 * timeout before any connection was made ("Connection timed out after 300
 * milliseconds") says where it was connecting to, so that it cannot be read
 * as a slow answer ("Operation timed out after 300 milliseconds with 0
 * bytes received"). */
static void add_connect_detail(CURL *easy, CURLcode result, char *why, size_t why_size)
{
    size_t len = strlen(why);

    if (result == CURLE_COULDNT_CONNECT) {
        long os_errno = 0;

        if (curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno) != CURLE_OK || os_errno == 0)
            return;
        const char *reason = strerror((int)os_errno);
        if (strstr(why, reason) == NULL && len < why_size)
            snprintf(why + len, why_size - len, " (%s)", reason);
    } else if (result == CURLE_OPERATION_TIMEDOUT && !connected(easy)) {
        add_connect_target(easy, why, why_size);
    }
}

bool http_status_accepted(enum verify verify, long status)
{
    if (verify == VERIFY_STATUS)
        return status >= 200 && status <= 299;
    return status == 200;
}

/* Says in why what a failed transfer lost, for the failures a server
 * causes: which timeout ran out and its length, how much of a body came
 * of how much was promised, that no response came at all. libcurl's own
 * text (text) follows in parentheses; its generic words ("Timeout was
 * reached", "Transferred a partial file") name neither the option nor the
 * bytes. Other results keep libcurl's text alone. */
static void explain_failure(CURL *easy, CURLcode result, long timeout_ms, const char *text,
                            char *why, size_t why_size)
{
    curl_off_t got = 0, expected = -1;
    long header_bytes = 0;

    /* A getinfo that fails leaves its default: nothing received, no length
     * known. */
    (void)curl_easy_getinfo(easy, CURLINFO_SIZE_DOWNLOAD_T, &got);
    (void)curl_easy_getinfo(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &expected);
    (void)curl_easy_getinfo(easy, CURLINFO_HEADER_SIZE, &header_bytes);
    switch (result) {
    case CURLE_OPERATION_TIMEDOUT:
        /* A connection that was made did not time out connecting; the
         * connect timeout is the shorter one only past its cap. */
        if (connected(easy))
            snprintf(why, why_size, "no complete answer within the --timeout-ms of %ld ms (%s)",
                     timeout_ms, text);
        else if (connect_timeout_ms(timeout_ms) < timeout_ms)
            snprintf(why, why_size, "no connection within the connect timeout of %ld ms (%s)",
                     connect_timeout_ms(timeout_ms), text);
        else
            snprintf(why, why_size, "no connection within the --timeout-ms of %ld ms (%s)",
                     timeout_ms, text);
        return;
    case CURLE_GOT_NOTHING:
        snprintf(why, why_size, "connection closed with no response (%s)", text);
        return;
    case CURLE_PARTIAL_FILE:
        if (expected >= 0)
            snprintf(why, why_size, "body cut short: got %lld of %lld bytes (%s)",
                     (long long)got, (long long)expected, text);
        else
            snprintf(why, why_size, "body cut short after %lld bytes (%s)", (long long)got, text);
        return;
    case CURLE_RECV_ERROR:
        if (header_bytes == 0)
            snprintf(why, why_size, "connection lost with no response (%s)", text);
        else if (expected >= 0)
            snprintf(why, why_size, "connection lost: got %lld of %lld body bytes (%s)",
                     (long long)got, (long long)expected, text);
        else
            snprintf(why, why_size, "connection lost after %lld body bytes (%s)",
                     (long long)got, text);
        return;
    default:
        snprintf(why, why_size, "%s", text);
        return;
    }
}

enum fail_cause http_judge(CURL *easy, CURLcode result, const char *errbuf,
                           const struct options *opts, struct task_record *rec,
                           char *why, size_t why_size)
{
    long status = 0;
    CURLcode rc = curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);

    if (rc != CURLE_OK)
        status = 0;     /* no status to report; the result says the rest */
    rec->http_status = status;
    why[0] = '\0';
    /* Ctrl-C ends the task, whatever the server had begun to answer. */
    if (result == CURLE_ABORTED_BY_CALLBACK) {
        snprintf(why, why_size, "cancelled %s",
                 connected(easy) ? "during the transfer" : "while connecting");
        return CAUSE_CANCELLED;
    }
    /* A status not accepted is the cause, whatever then happened to the
     * body: that body is the server's error text, not the item or blob, and
     * a write callback may well have refused it. */
    if (status != 0 && !http_status_accepted(opts->verify, status)) {
        snprintf(why, why_size, "HTTP %ld", status);
        return CAUSE_STATUS;
    }
    if (result == CURLE_OK) {
        if (status != 0)
            return CAUSE_NONE;
        snprintf(why, why_size, "no HTTP status");
        return CAUSE_RESET;
    }
    explain_failure(easy, result, opts->timeout_ms,
                    errbuf != NULL && errbuf[0] != '\0' ? errbuf : curl_easy_strerror(result),
                    why, why_size);
    add_connect_detail(easy, result, why, why_size);
    return cause_of(result);
}

enum fail_cause http_judge_body(const struct body *body, enum fail_cause cause,
                                char *why, size_t why_size)
{
    if (cause != CAUSE_IO)
        return cause;
    switch (body->refused) {
    case BODY_OVER_LIMIT:
        snprintf(why, why_size, "body over the %d MiB limit", BODY_LIMIT / (1024 * 1024));
        return CAUSE_MISMATCH;
    case BODY_NO_MEMORY:
        snprintf(why, why_size, "no memory for a body of %zu bytes or more", body->len + 1);
        return CAUSE_IO;
    case BODY_TAKEN:
        break;
    }
    return cause;
}

/* Performs GET url on easy. 0 with the answer's HTTP status in *status, or
 * -1 with the reason in why when no HTTP answer came. */
static int get_health(CURL *easy, const char *url, char *errbuf, long *status,
                      char *why, size_t why_size)
{
    const char *option;
    CURLcode rc;

    errbuf[0] = '\0';
    if ((rc = curl_easy_setopt(easy, CURLOPT_URL, url)) != CURLE_OK)
        option = "CURLOPT_URL";
    else if ((rc = curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, HEALTH_TIMEOUT_MS)) != CURLE_OK)
        option = "CURLOPT_TIMEOUT_MS";
    else if ((rc = curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK)
        option = "CURLOPT_NOSIGNAL";
    else if ((rc = curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf)) != CURLE_OK)
        option = "CURLOPT_ERRORBUFFER";
    else if ((rc = curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_discard)) != CURLE_OK)
        option = "CURLOPT_WRITEFUNCTION";
    else
        option = NULL;
    if (option != NULL) {
        snprintf(why, why_size, "curl_easy_setopt(%s): %s", option, curl_easy_strerror(rc));
        return -1;
    }
    rc = curl_easy_perform(easy);
    if (rc != CURLE_OK) {
        snprintf(why, why_size, "%s", errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
        add_connect_detail(easy, rc, why, why_size);
        return -1;
    }
    rc = curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, status);
    if (rc != CURLE_OK) {
        snprintf(why, why_size, "curl_easy_getinfo: %s", curl_easy_strerror(rc));
        return -1;
    }
    if (*status == 0) {
        snprintf(why, why_size, "no HTTP status");
        return -1;
    }
    return 0;
}

int http_check_server(const struct run *run)
{
    char url[sizeof run->opts->url + 16];
    char errbuf[CURL_ERROR_SIZE];
    char why[CURL_ERROR_SIZE + 64];
    CURL *easy;
    long status = 0;
    int rc;

    snprintf(url, sizeof url, "%s/health", run->opts->url);
    easy = curl_easy_init();
    if (easy == NULL) {
        fprintf(stderr, "%s: curl_easy_init: failed\n", program_name());
        return -1;
    }
    rc = get_health(easy, url, errbuf, &status, why, sizeof why);
    curl_easy_cleanup(easy);
    if (rc != 0)
        fprintf(stderr, "%s: cannot reach %s: %s\n", program_name(), url, why);
    else if (status < 200 || status > 299)
        /* Not the mock server, or one with no such check: that it answers
         * HTTP is all that can be known before the tasks ask. */
        fprintf(stderr, "%s: server check: %s answered HTTP %ld: checked only that the "
                "server answers\n", program_name(), url, status);
    else if (run->opts->verbose)
        fprintf(stderr, "%s: server check: %s answered HTTP %ld\n", program_name(), url,
                status);
    return rc;
}
