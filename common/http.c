/* http.c: what every model does with a libcurl easy handle.
 *
 * Setting a handle up and turning its result into a failure cause are the
 * same in all three models, whoever drives the transfer, so they live here.
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
    long connect_ms = timeout_ms < CONNECT_TIMEOUT_MAX_MS ? timeout_ms : CONNECT_TIMEOUT_MAX_MS;
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

bool http_status_accepted(enum verify verify, long status)
{
    if (verify == VERIFY_STATUS)
        return status >= 200 && status <= 299;
    return status == 200;
}

/* Whether the transfer on easy got as far as sending its request: it had
 * a connection. libcurl counts the request's bytes afresh for each
 * transfer, and calls CURLOPT_PREREQFUNCTION at the same moment. */
static bool request_sent(CURL *easy)
{
    long request_bytes = 0;

    return curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &request_bytes) == CURLE_OK &&
           request_bytes > 0;
}

enum fail_cause http_judge(CURL *easy, CURLcode result, const char *errbuf, enum verify verify,
                           struct task_record *rec, char *why, size_t why_size)
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
                 request_sent(easy) ? "during the transfer" : "while connecting");
        return CAUSE_CANCELLED;
    }
    /* A status not accepted is the cause, whatever then happened to the
     * body: that body is the server's error text, not the item or blob, and
     * a write callback may well have refused it. */
    if (status != 0 && !http_status_accepted(verify, status)) {
        snprintf(why, why_size, "HTTP %ld", status);
        return CAUSE_STATUS;
    }
    if (result == CURLE_OK) {
        if (status != 0)
            return CAUSE_NONE;
        snprintf(why, why_size, "no HTTP status");
        return CAUSE_RESET;
    }
    snprintf(why, why_size, "%s",
             errbuf != NULL && errbuf[0] != '\0' ? errbuf : curl_easy_strerror(result));
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
