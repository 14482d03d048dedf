/* handlers.h: the mock server's HTTP endpoints.
 *
 *   GET  /items/{id}             {"id": ID, "payload": "..."} after the latency
 *   GET  /blobs/{id}?size=BYTES  BYTES bytes of content_fill(id), streamed
 *   GET  /stats                  the counters as JSON
 *   POST /stats/reset            zeroes the counters and the fault attempts
 *   GET  /health                 "ok"
 *   GET  /faults?count=N         JSON array of the failing ids in 1..N
 * Every endpoint takes ?latency_ms=L (0..LATENCY_MAX_MS, bounds.h) to
 * override the latency of that one request. */
#ifndef MOCK_HANDLERS_H
#define MOCK_HANDLERS_H

#include <civetweb.h>

#include "server.h"

/* The largest id; the largest blob and /faults count are the clients'
 * (bounds.h: SIZE_MAX_BYTES, COUNT_MAX). */
#define ID_MAX           999999999   /* plain, for BOUND_TEXT */

/* Routes every request that ctx receives to the endpoints above, with srv
 * as their shared state; srv must outlive mg_stop(ctx). */
void handlers_register(struct mg_context *ctx, struct server *srv);

#endif
