/* stats.h: the mock server's counters, served as JSON by GET /stats.
 *
 * Every worker thread updates them at once, so each is an atomic; the
 * high-water mark of in_flight is kept exact with a compare-and-swap loop.
 * Only workload requests (/items, /blobs) are counted. Every counted
 * request ends in exactly one of: a response (by status), a reset, hang or
 * truncate fault, or an abort, so once none is in flight (a fault is
 * counted as it begins, a hang up to --hang-ms before it ends)
 *   requests = sum(responses) + faults.reset + faults.hang
 *              + faults.truncate + aborted. */
#ifndef MOCK_STATS_H
#define MOCK_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "faults.h"

#define STATUS_MIN 100
#define STATUS_MAX 599

/* Owned by the server, shared by every worker thread. */
struct server_stats {
    uint64_t started_ns;                /* clock_now_ns() at start */
    _Atomic uint64_t reset_ns;          /* clock_now_ns() at the last reset */
    atomic_long requests;               /* workload requests received */
    atomic_long in_flight;              /* being answered now (a gauge) */
    atomic_long max_in_flight;          /* most in flight at one time */
    atomic_long aborted;                /* ended early: client gone, or
                                           the server stopping */
    _Atomic uint64_t body_bytes;        /* workload body bytes written */
    atomic_long faults[FAULT_KIND_COUNT];
    atomic_long responses[STATUS_MAX - STATUS_MIN + 1];
};

void stats_init(struct server_stats *stats);

/* A workload request starts: counts it and raises max_in_flight. */
void stats_begin_request(struct server_stats *stats);

/* The request that stats_begin_request counted is done. */
void stats_end_request(struct server_stats *stats);

/* A complete response with this status went out. */
void stats_count_response(struct server_stats *stats, int status);

void stats_count_fault(struct server_stats *stats, enum fault_kind kind);
void stats_count_abort(struct server_stats *stats);
void stats_add_body_bytes(struct server_stats *stats, uint64_t bytes);

/* Zeroes every counter. in_flight is a gauge of requests still running, so
 * it is kept, and max_in_flight restarts from it. */
void stats_reset(struct server_stats *stats);

/* Adds the counters to obj: requests, in_flight, max_in_flight, responses
 * {"200": n, ...}, faults {"status": n, ...}, aborted, body_bytes,
 * uptime_ms, since_reset_ms. 0, or -1 when out of memory. */
int stats_add_json(const struct server_stats *stats, cJSON *obj);

#endif
