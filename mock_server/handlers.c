/* handlers.c: the mock server's endpoints, one civetweb handler for all.
 *
 * civetweb gives each request a worker thread of its own, so a handler
 * may simply sleep for the latency: N requests that arrive together are
 * answered together as long as there are N free workers. A worker has a
 * small stack (about 100 KiB), so the blob buffer lives on the heap. Every
 * write is checked: a failed write means the client has gone, and the
 * handler stops and lets civetweb close the connection. */
#include "handlers.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "content.h"
#include "peer.h"
#include "units.h"

#define CHUNK_BYTES    (64 * 1024) /* one blob write */
#define LATENCY_SLICE_MS 50        /* a stopping server waits at most this */
#define HANG_SLICE_MS    10        /* how often a hang looks at its client */

/* Salt that separates the jitter from the fault choice. */
#define SALT_JITTER 0x6a6974746572u /* "jitter" */

/* A workload answer that is not a complete response: */
#define ENDED_BY_FAULT  0  /* a reset, hang or truncate fault; counted */
#define ENDED_BY_ABORT -1  /* client gone or server stopping; not yet counted */

/* civetweb stores a handler's positive result as the status for its log,
 * and treats 0 as "not handled" (it would then look for a file). A request
 * answered with no complete response reports this instead. */
#define CIVET_HANDLED_NO_STATUS 1

enum endpoint { ENDPOINT_ITEM, ENDPOINT_BLOB };

/* One request being answered. Lives on the worker's stack for the call. */
struct request {
    struct mg_connection *conn;        /* civetweb's; valid for the call */
    const struct mg_request_info *info;
    struct server *srv;                /* shared state */
    int is_workload;                   /* count body bytes in the stats */
};

/* ---- Small parsers ---- */

/* Looks up name in the query string into buf. 1 when present, 0 when
 * absent, -1 when present but longer than buf holds. */
static int get_query_param(const struct request *req, const char *name,
                           char *buf, size_t buf_len)
{
    const char *query = req->info->query_string;

    if (query == NULL)
        return 0;
    int n = mg_get_var(query, strlen(query), name, buf, buf_len);
    if (n == -1)
        return 0;
    return n < 0 ? -1 : 1;
}

/* Reads a query parameter, a plain whole number in 0..max, into *value,
 * which keeps its default when the parameter is absent. 0, or -1 when it
 * is malformed or out of range. */
static int get_query_number(const struct request *req, const char *name,
                            uint64_t max, uint64_t *value)
{
    char text[32];
    int found = get_query_param(req, name, text, sizeof text);

    if (found == 0)
        return 0;
    if (found < 0)
        return -1;
    return units_parse(text, units_none, max, value) == 0 ? 0 : -1;
}

static int has_prefix(const char *text, const char *prefix)
{
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

/* ---- Time ---- */

/* clock_sleep_ms's stop test: the server is stopping (SIGINT, SIGTERM). */
static bool server_stopping(void *srv)
{
    return atomic_load(&((struct server *)srv)->stopping);
}

/* The configured latency of id: --latency-ms plus a jitter uniform in
 * [-jitter_ms, +jitter_ms] fixed by (seed, id), never below 0. */
static long latency_of_id(const struct server *srv, uint64_t id)
{
    long latency_ms = srv->opt.latency_ms;
    long jitter_ms = srv->opt.jitter_ms;

    if (jitter_ms > 0) {
        uint64_t h = fault_hash(srv->opt.seed, id, SALT_JITTER);
        latency_ms += (long)(h % (uint64_t)(2 * jitter_ms + 1)) - jitter_ms;
    }
    return latency_ms < 0 ? 0 : latency_ms;
}

/* Holds a "hang" request for --hang-ms without answering: until then,
 * until the server stops, or until the client closes its end, whichever
 * comes first. Without a socket to watch, it just sleeps. */
static void hold_until_gone(const struct request *req)
{
    struct server *srv = req->srv;
    int fd = peer_find_socket(req->info);
    uint64_t end_ns = clock_now_ns() + (uint64_t)srv->opt.hang_ms * 1000000u;

    while (fd >= 0 && !atomic_load(&srv->stopping) && clock_now_ns() < end_ns) {
        int gone = peer_wait_gone(fd, HANG_SLICE_MS);
        if (gone == 1)
            return;
        if (gone < 0)
            fd = -1; /* poll failed: fall back to sleeping */
    }
    uint64_t now_ns = clock_now_ns();
    if (now_ns < end_ns)
        (void)clock_sleep_ms((long)((end_ns - now_ns) / 1000000u), HANG_SLICE_MS,
                             server_stopping, srv);
}

/* ---- Writing responses ---- */

/* Makes civetweb close the connection once the handler returns, instead of
 * keeping it alive for another request. */
static void close_after_reply(const struct request *req)
{
    mg_disable_connection_keep_alive(req->conn);
}

/* Writes the current time as an HTTP date ("Sat, 21 Nov 2026 06:19:41
 * GMT") into buf. civetweb 1.15 makes this header with gmtime(), whose
 * static buffer every worker shares (a data race ThreadSanitizer reports);
 * given a Date header, civetweb adds none. English names: the program
 * never calls setlocale, so strftime uses the C locale. 0, or -1. */
static int format_http_date(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;

    if (now == (time_t)-1 || gmtime_r(&now, &tm) == NULL
        || strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
        return -1;
    return 0;
}

/* Sends the status line and headers for a body of content_length bytes;
 * allow, if not NULL, is the value of an Allow header. 0, or -1 when the
 * headers could not be sent (the connection is then marked to close). */
static int send_head(const struct request *req, int status, const char *content_type,
                     uint64_t content_length, const char *allow)
{
    char length[24];
    char date[64];

    snprintf(length, sizeof length, "%" PRIu64, content_length);
    if (format_http_date(date, sizeof date) != 0) {
        close_after_reply(req);
        return -1;
    }
    if (mg_response_header_start(req->conn, status) != 0
        || mg_response_header_add(req->conn, "Date", date, -1) != 0
        || mg_response_header_add(req->conn, "Content-Type", content_type, -1) != 0
        || mg_response_header_add(req->conn, "Content-Length", length, -1) != 0
        || (allow != NULL && mg_response_header_add(req->conn, "Allow", allow, -1) != 0)
        || mg_response_header_send(req->conn) != 0) {
        close_after_reply(req);
        return -1;
    }
    return 0;
}

/* Writes len body bytes (none for a HEAD request). 0, or -1 when the client
 * has gone (the connection is then marked to close). */
static int write_body(const struct request *req, const void *buf, size_t len)
{
    if (len == 0 || strcmp(req->info->request_method, "HEAD") == 0)
        return 0;
    /* mg_write loops until all is sent; anything short is a dead client. */
    if (mg_write(req->conn, buf, len) != (int)len) {
        close_after_reply(req);
        return -1;
    }
    if (req->is_workload)
        stats_add_body_bytes(&req->srv->stats, len);
    return 0;
}

/* Sends a complete response with body. status, or ENDED_BY_ABORT. */
static int send_body(const struct request *req, int status, const char *content_type,
                     const char *body, size_t len, const char *allow)
{
    if (send_head(req, status, content_type, len, allow) != 0
        || write_body(req, body, len) != 0)
        return ENDED_BY_ABORT;
    return status;
}

/* Sends a one-line text/plain message with status and, when allow is not
 * NULL, an Allow header. status, or ENDED_BY_ABORT. */
static int send_message(const struct request *req, int status, const char *message,
                        const char *allow)
{
    char body[160];
    int len = snprintf(body, sizeof body, "%s\n", message);

    if (len < 0 || (size_t)len >= sizeof body)
        len = (int)strlen(body);
    return send_body(req, status, "text/plain; charset=utf-8", body, (size_t)len, allow);
}

static int send_text(const struct request *req, int status, const char *message)
{
    return send_message(req, status, message, NULL);
}

/* A 405 naming the one method this path accepts. */
static int send_wrong_method(const struct request *req, const char *allowed)
{
    char message[96];

    snprintf(message, sizeof message, "method %.16s not allowed here; use %s",
             req->info->request_method, allowed);
    return send_message(req, 405, message, allowed);
}

/* Sends a JSON document and frees it. status, or ENDED_BY_ABORT. */
static int send_json(const struct request *req, int status, cJSON *doc)
{
    char *text = doc != NULL ? cJSON_PrintUnformatted(doc) : NULL;
    int rc;

    cJSON_Delete(doc);
    if (text == NULL)
        return send_text(req, 503, "out of memory");
    rc = send_body(req, status, "application/json", text, strlen(text), NULL);
    cJSON_free(text);
    return rc;
}

/* ---- The workload: items and blobs ---- */

/* How an item or a blob is to be answered. */
enum reply_form { REPLY_WHOLE, REPLY_TRUNCATED, REPLY_BAD_JSON };

/* Sends item id: {"id": ID, "payload": "PAYLOAD"}. Truncated: the full
 * Content-Length but half the body. Bad JSON: a 200 whose body lacks its
 * closing brace. 200, or ENDED_BY_ABORT. */
static int send_item(const struct request *req, uint64_t id, enum reply_form form)
{
    char payload[ITEM_PAYLOAD_LEN + 1];
    char body[ITEM_PAYLOAD_LEN + 64];

    item_payload((long)id, payload);
    int len = snprintf(body, sizeof body, "{\"id\": %" PRIu64 ", \"payload\": \"%s\"}",
                       id, payload);
    if (len < 0 || (size_t)len >= sizeof body)
        return send_text(req, 500, "item too long"); /* cannot happen */
    if (form == REPLY_BAD_JSON)
        len--;
    if (send_head(req, 200, "application/json", (uint64_t)len, NULL) != 0)
        return ENDED_BY_ABORT;
    size_t send_len = form == REPLY_TRUNCATED ? (size_t)len / 2 : (size_t)len;
    if (write_body(req, body, send_len) != 0)
        return ENDED_BY_ABORT;
    return 200;
}

/* Streams the first send_bytes of blob id's size bytes, CHUNK_BYTES at a
 * time from one heap buffer, under a Content-Length of size. 200, 503 when
 * out of memory, or ENDED_BY_ABORT when the client went or the server is
 * stopping. */
static int send_blob(const struct request *req, uint64_t id, uint64_t size,
                     uint64_t send_bytes)
{
    unsigned char *chunk = malloc(CHUNK_BYTES);
    int rc = 200;

    if (chunk == NULL)
        return send_text(req, 503, "out of memory");
    if (send_head(req, 200, "application/octet-stream", size, NULL) != 0) {
        free(chunk);
        return ENDED_BY_ABORT;
    }
    for (uint64_t offset = 0; offset < send_bytes; ) {
        size_t n = send_bytes - offset < CHUNK_BYTES ? (size_t)(send_bytes - offset)
                                                     : CHUNK_BYTES;
        if (atomic_load(&req->srv->stopping)) {
            close_after_reply(req);
            rc = ENDED_BY_ABORT;
            break;
        }
        content_fill(id, offset, chunk, n);
        if (write_body(req, chunk, n) != 0) {
            rc = ENDED_BY_ABORT;
            break;
        }
        offset += n;
    }
    free(chunk);
    return rc;
}

/* Answers a request chosen to fail, with the configured fault kind. A
 * blob cannot carry bad JSON: it is truncated instead; a 0-byte blob cannot
 * be cut short: it is reset instead. Counts the fault by the kind served.
 * The status sent, ENDED_BY_FAULT, or ENDED_BY_ABORT. */
static int inject_fault(const struct request *req, enum endpoint endpoint,
                        uint64_t id, uint64_t size)
{
    struct server *srv = req->srv;
    enum fault_kind kind = srv->faults.kind;

    if (endpoint == ENDPOINT_BLOB && kind == FAULT_BADJSON)
        kind = FAULT_TRUNCATE;
    if (endpoint == ENDPOINT_BLOB && kind == FAULT_TRUNCATE && size == 0)
        kind = FAULT_RESET;
    stats_count_fault(&srv->stats, kind);

    switch (kind) {
    case FAULT_STATUS:
        return send_text(req, 500, "injected fault: status");
    case FAULT_BADJSON:
        return send_item(req, id, REPLY_BAD_JSON);
    case FAULT_TRUNCATE:
        /* Whatever the writes give, the client sees a short body. */
        if (endpoint == ENDPOINT_ITEM)
            (void)send_item(req, id, REPLY_TRUNCATED);
        else
            (void)send_blob(req, id, size, size / 2);
        close_after_reply(req);
        return ENDED_BY_FAULT;
    case FAULT_HANG:
        hold_until_gone(req);
        close_after_reply(req);
        return ENDED_BY_FAULT;
    case FAULT_RESET:
    default:
        /* Returning without a byte written, keep-alive off: civetweb
         * closes the socket and the client reads an empty reply. */
        close_after_reply(req);
        return ENDED_BY_FAULT;
    }
}

/* Answers GET /items/{id} or /blobs/{id}?size=: validates, takes a fault
 * attempt, sleeps the latency, then replies or fails. A status,
 * ENDED_BY_FAULT or ENDED_BY_ABORT. */
static int answer_workload(const struct request *req, enum endpoint endpoint,
                           const char *id_text)
{
    struct server *srv = req->srv;
    uint64_t id = 0;
    uint64_t size = 0;

    if (strcmp(req->info->request_method, "GET") != 0)
        return send_wrong_method(req, "GET");
    if (units_parse(id_text, units_none, ID_MAX, &id) != 0 || id == 0)
        return send_text(req, 400, "bad id: expected a decimal integer in 1.." BOUND_TEXT(ID_MAX));
    uint64_t latency_ms = (uint64_t)latency_of_id(srv, id);
    if (get_query_number(req, "latency_ms", LATENCY_MAX_MS, &latency_ms) != 0)
        return send_text(req, 400, "bad latency_ms: expected 0.." BOUND_TEXT(LATENCY_MAX_MS));
    if (endpoint == ENDPOINT_BLOB) {
        char text[32];
        int found = get_query_param(req, "size", text, sizeof text);
        if (found == 0)
            return send_text(req, 400, "missing size: use /blobs/{id}?size=BYTES");
        if (found < 0 || units_parse(text, units_none, (uint64_t)SIZE_MAX_BYTES, &size) != 0) {
            char message[64];

            snprintf(message, sizeof message, "bad size: expected bytes in 0..%lld",
                     SIZE_MAX_BYTES);
            return send_text(req, 400, message);
        }
    }

    int fail = fault_take_attempt(&srv->faults, id);
    if (clock_sleep_ms((long)latency_ms, LATENCY_SLICE_MS, server_stopping, srv) != 0) {
        close_after_reply(req);
        return ENDED_BY_ABORT;
    }
    if (fail)
        return inject_fault(req, endpoint, id, size);
    if (endpoint == ENDPOINT_ITEM)
        return send_item(req, id, REPLY_WHOLE);
    return send_blob(req, id, size, size);
}

/* Prints one line about a finished request on stderr, with -v. */
static void log_request(const struct request *req, int result, uint64_t started_ns)
{
    const char *query = req->info->query_string;
    char outcome[32];

    if (!req->srv->opt.verbose)
        return;
    if (result > 0)
        snprintf(outcome, sizeof outcome, "%d", result);
    else
        snprintf(outcome, sizeof outcome, "%s",
                 result == ENDED_BY_FAULT ? "fault, no response" : "aborted");
    fprintf(stderr, "mock_server: %s %s%s%s -> %s in %.1f ms\n",
            req->info->request_method, req->info->local_uri,
            query != NULL ? "?" : "", query != NULL ? query : "", outcome,
            (double)(clock_now_ns() - started_ns) / 1e6);
}

/* Counts a workload request around its answer. */
static int serve_workload(struct request *req, enum endpoint endpoint, const char *id_text)
{
    struct server_stats *stats = &req->srv->stats;
    uint64_t started_ns = clock_now_ns();

    req->is_workload = 1;
    stats_begin_request(stats);
    int result = answer_workload(req, endpoint, id_text);
    if (result > 0)
        stats_count_response(stats, result);
    else if (result == ENDED_BY_ABORT)
        stats_count_abort(stats);
    stats_end_request(stats);
    log_request(req, result, started_ns);
    return result > 0 ? result : CIVET_HANDLED_NO_STATUS;
}

/* ---- Control endpoints: /stats, /stats/reset, /health, /faults ---- */

/* Adds the server's configuration to obj. 0, or -1 when out of memory. */
static int add_config_json(const struct server *srv, cJSON *obj)
{
    const struct server_options *opt = &srv->opt;
    cJSON *config = cJSON_AddObjectToObject(obj, "config");

    if (config == NULL
        || cJSON_AddNumberToObject(config, "latency_ms", (double)opt->latency_ms) == NULL
        || cJSON_AddNumberToObject(config, "jitter_ms", (double)opt->jitter_ms) == NULL
        || cJSON_AddBoolToObject(config, "keep_alive", opt->keep_alive) == NULL
        || cJSON_AddNumberToObject(config, "keep_alive_ms", (double)opt->keep_alive_ms) == NULL
        || cJSON_AddNumberToObject(config, "request_timeout_ms",
                                   (double)opt->request_timeout_ms) == NULL
        || cJSON_AddNumberToObject(config, "seed", (double)opt->seed) == NULL
        || cJSON_AddNumberToObject(config, "fail_rate", opt->fail_rate) == NULL
        || cJSON_AddNumberToObject(config, "fail_times", (double)opt->fail_times) == NULL
        || cJSON_AddStringToObject(config, "fail_kind", fault_kind_name(opt->fail_kind)) == NULL
        || cJSON_AddNumberToObject(config, "hang_ms", (double)opt->hang_ms) == NULL)
        return -1;
    return 0;
}

static int serve_stats(const struct request *req)
{
    cJSON *doc = cJSON_CreateObject();

    if (doc == NULL || stats_add_json(&req->srv->stats, doc) != 0
        || cJSON_AddNumberToObject(doc, "threads", (double)req->srv->opt.threads) == NULL
        || add_config_json(req->srv, doc) != 0) {
        cJSON_Delete(doc);
        return send_text(req, 503, "out of memory");
    }
    return send_json(req, 200, doc);
}

static int serve_stats_reset(const struct request *req)
{
    cJSON *doc = cJSON_CreateObject();

    stats_reset(&req->srv->stats);
    fault_plan_reset(&req->srv->faults);
    if (doc == NULL || cJSON_AddBoolToObject(doc, "reset", 1) == NULL) {
        cJSON_Delete(doc);
        return send_text(req, 503, "out of memory");
    }
    return send_json(req, 200, doc);
}

/* GET /faults?count=N: "[3, 17, 20]", the failing ids in 1..N. The text is
 * built whole (at most about 9 MB for the largest count). */
static int serve_faults(const struct request *req)
{
    uint64_t count = 0;
    char number[24];

    if (get_query_number(req, "count", (uint64_t)COUNT_MAX, &count) != 0 || count == 0) {
        char message[80];

        snprintf(message, sizeof message,
                 "bad count: use /faults?count=N with N in 1..%ld", COUNT_MAX);
        return send_text(req, 400, message);
    }
    /* Each id takes at most 7 digits plus ", ". */
    size_t cap = 16 + (size_t)count * 9;
    char *text = malloc(cap);
    if (text == NULL)
        return send_text(req, 503, "out of memory");
    size_t len = 0;
    text[len++] = '[';
    for (uint64_t id = 1; id <= count; id++) {
        if (!fault_id_is_failing(&req->srv->faults, id))
            continue;
        int n = snprintf(number, sizeof number, "%s%" PRIu64, len > 1 ? ", " : "", id);
        memcpy(text + len, number, (size_t)n);
        len += (size_t)n;
    }
    text[len++] = ']';
    int rc = send_body(req, 200, "application/json", text, len, NULL);
    free(text);
    return rc;
}

/* Answers a control endpoint after the request's ?latency_ms, if any. */
static int answer_control(const struct request *req, const char *path)
{
    const char *method = req->info->request_method;
    int is_get = strcmp(method, "GET") == 0;
    uint64_t latency_ms = 0;

    if (strcmp(path, "/stats/reset") == 0 && strcmp(method, "POST") != 0)
        return send_wrong_method(req, "POST");
    if (strcmp(path, "/stats/reset") != 0 && !is_get)
        return send_wrong_method(req, "GET");
    if (get_query_number(req, "latency_ms", LATENCY_MAX_MS, &latency_ms) != 0)
        return send_text(req, 400, "bad latency_ms: expected 0.." BOUND_TEXT(LATENCY_MAX_MS));
    if (clock_sleep_ms((long)latency_ms, LATENCY_SLICE_MS, server_stopping, req->srv) != 0) {
        close_after_reply(req);
        return ENDED_BY_ABORT;
    }
    if (strcmp(path, "/stats") == 0)
        return serve_stats(req);
    if (strcmp(path, "/stats/reset") == 0)
        return serve_stats_reset(req);
    if (strcmp(path, "/faults") == 0)
        return serve_faults(req);
    return send_body(req, 200, "text/plain; charset=utf-8", "ok", 2, NULL);
}

static int is_control_path(const char *path)
{
    return strcmp(path, "/stats") == 0 || strcmp(path, "/stats/reset") == 0
        || strcmp(path, "/health") == 0 || strcmp(path, "/faults") == 0;
}

/* civetweb calls this from a worker thread for every request that parsed
 * as HTTP; malformed and oversize requests get civetweb's own 4xx before
 * this. Returns the status for civetweb's log (never 0: see above). */
static int on_civet_request(struct mg_connection *conn, void *cbdata)
{
    struct request req = { .conn = conn, .info = mg_get_request_info(conn),
                           .srv = cbdata, .is_workload = 0 };
    const char *path;

    if (req.info == NULL || req.info->local_uri == NULL) {
        close_after_reply(&req);
        return CIVET_HANDLED_NO_STATUS;
    }
    path = req.info->local_uri;
    if (has_prefix(path, "/items/"))
        return serve_workload(&req, ENDPOINT_ITEM, path + strlen("/items/"));
    if (has_prefix(path, "/blobs/"))
        return serve_workload(&req, ENDPOINT_BLOB, path + strlen("/blobs/"));

    uint64_t started_ns = clock_now_ns();
    int result = is_control_path(path) ? answer_control(&req, path)
                                       : send_text(&req, 404, "not found");
    log_request(&req, result, started_ns);
    return result > 0 ? result : CIVET_HANDLED_NO_STATUS;
}

void handlers_register(struct mg_context *ctx, struct server *srv)
{
    /* "/" matches every URI: routing is done above, so every 404 and 405
     * is ours, and civetweb never looks for files. */
    mg_set_request_handler(ctx, "/", on_civet_request, srv);
}
