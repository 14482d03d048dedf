/* handlers.h: the mock server's HTTP endpoints.
 *
 *   GET  /items/{id}             {"id": ID, "payload": "..."} after the latency
 *   GET  /blobs/{id}?size=BYTES  BYTES bytes of content_fill(id), streamed
 *   GET  /stats                  the counters as JSON
 *   POST /stats/reset            zeroes the counters and the fault attempts
 *   GET  /health                 "ok"
 *   GET  /faults?count=N         JSON array of the failing ids in 1..N
 * Every endpoint takes ?latency_ms=L (0..600000) to override the latency of
 * that one request. */
#ifndef MOCK_HANDLERS_H
#define MOCK_HANDLERS_H

#include <civetweb.h>

#include "server.h"

/* The largest blob served (16 GiB) and the largest /faults count. */
#define BLOB_MAX_BYTES   (16ULL << 30)
#define FAULTS_COUNT_MAX 1000000UL
#define ID_MAX           999999999UL

/* Routes every request that ctx receives to the endpoints above, with srv
 * as their shared state; srv must outlive mg_stop(ctx). */
void handlers_register(struct mg_context *ctx, struct server *srv);

#endif
