/* stats.c: the mock server's counters, updated lock-free by every worker.
 *
 * The one subtle counter is max_in_flight: it must be exact (a test checks
 * that 100 simultaneous requests give exactly 100), so each new in_flight
 * value is raised into it with a compare-and-swap loop. */
#include "stats.h"

#include <stdio.h>

#include "clock.h"

void stats_init(struct server_stats *stats)
{
    stats->started_ns = clock_now_ns();
    atomic_init(&stats->reset_ns, stats->started_ns);
    atomic_init(&stats->requests, 0);
    atomic_init(&stats->in_flight, 0);
    atomic_init(&stats->max_in_flight, 0);
    atomic_init(&stats->aborted, 0);
    atomic_init(&stats->body_bytes, 0);
    for (int k = 0; k < FAULT_KIND_COUNT; k++)
        atomic_init(&stats->faults[k], 0);
    for (int s = 0; s <= STATUS_MAX - STATUS_MIN; s++)
        atomic_init(&stats->responses[s], 0);
}

/* Raises *max to at least value. */
static void raise_max(atomic_long *max, long value)
{
    long seen = atomic_load(max);

    while (seen < value && !atomic_compare_exchange_weak(max, &seen, value))
        ;
}

void stats_begin_request(struct server_stats *stats)
{
    atomic_fetch_add(&stats->requests, 1);
    long now = atomic_fetch_add(&stats->in_flight, 1) + 1;
    raise_max(&stats->max_in_flight, now);
}

void stats_end_request(struct server_stats *stats)
{
    atomic_fetch_sub(&stats->in_flight, 1);
}

void stats_count_response(struct server_stats *stats, int status)
{
    if (status >= STATUS_MIN && status <= STATUS_MAX)
        atomic_fetch_add(&stats->responses[status - STATUS_MIN], 1);
}

void stats_count_fault(struct server_stats *stats, enum fault_kind kind)
{
    if ((unsigned)kind < FAULT_KIND_COUNT)
        atomic_fetch_add(&stats->faults[kind], 1);
}

void stats_count_abort(struct server_stats *stats)
{
    atomic_fetch_add(&stats->aborted, 1);
}

void stats_add_body_bytes(struct server_stats *stats, uint64_t bytes)
{
    atomic_fetch_add(&stats->body_bytes, bytes);
}

void stats_reset(struct server_stats *stats)
{
    atomic_store(&stats->reset_ns, clock_now_ns());
    atomic_store(&stats->requests, 0);
    atomic_store(&stats->max_in_flight, atomic_load(&stats->in_flight));
    atomic_store(&stats->aborted, 0);
    atomic_store(&stats->body_bytes, 0);
    for (int k = 0; k < FAULT_KIND_COUNT; k++)
        atomic_store(&stats->faults[k], 0);
    for (int s = 0; s <= STATUS_MAX - STATUS_MIN; s++)
        atomic_store(&stats->responses[s], 0);
}

/* {"200": n, ...} with only the statuses seen. */
static cJSON *make_responses_json(const struct server_stats *stats)
{
    cJSON *obj = cJSON_CreateObject();
    char key[12]; /* any int fits; the compiler cannot see s < 500 */

    if (obj == NULL)
        return NULL;
    for (int s = 0; s <= STATUS_MAX - STATUS_MIN; s++) {
        long n = atomic_load(&stats->responses[s]);
        if (n == 0)
            continue;
        snprintf(key, sizeof key, "%d", s + STATUS_MIN);
        if (cJSON_AddNumberToObject(obj, key, (double)n) == NULL) {
            cJSON_Delete(obj);
            return NULL;
        }
    }
    return obj;
}

/* {"status": n, "reset": n, ...} with every kind, zeros included. */
static cJSON *make_faults_json(const struct server_stats *stats)
{
    cJSON *obj = cJSON_CreateObject();

    if (obj == NULL)
        return NULL;
    for (int k = 0; k < FAULT_KIND_COUNT; k++) {
        if (cJSON_AddNumberToObject(obj, fault_kind_name((enum fault_kind)k),
                                    (double)atomic_load(&stats->faults[k])) == NULL) {
            cJSON_Delete(obj);
            return NULL;
        }
    }
    return obj;
}

/* Adds key: number to obj; 0, or -1 when out of memory. */
static int add_number(cJSON *obj, const char *key, double value)
{
    return cJSON_AddNumberToObject(obj, key, value) != NULL ? 0 : -1;
}

/* Adds key: child to obj, which then owns it; frees child on failure.
 * 0, or -1 when child is NULL or out of memory. */
static int add_child(cJSON *obj, const char *key, cJSON *child)
{
    if (child == NULL)
        return -1;
    if (!cJSON_AddItemToObject(obj, key, child)) {
        cJSON_Delete(child);
        return -1;
    }
    return 0;
}

int stats_add_json(const struct server_stats *stats, cJSON *obj)
{
    uint64_t now_ns = clock_now_ns();
    uint64_t reset_ns = atomic_load(&stats->reset_ns);
    int rc = 0;

    /* cJSON numbers are doubles: exact up to 2^53, plenty for counters. */
    rc |= add_number(obj, "requests", (double)atomic_load(&stats->requests));
    rc |= add_number(obj, "in_flight", (double)atomic_load(&stats->in_flight));
    rc |= add_number(obj, "max_in_flight", (double)atomic_load(&stats->max_in_flight));
    rc |= add_child(obj, "responses", make_responses_json(stats));
    rc |= add_child(obj, "faults", make_faults_json(stats));
    rc |= add_number(obj, "aborted", (double)atomic_load(&stats->aborted));
    rc |= add_number(obj, "body_bytes", (double)atomic_load(&stats->body_bytes));
    rc |= add_number(obj, "uptime_ms", (double)((now_ns - stats->started_ns) / 1000000u));
    rc |= add_number(obj, "since_reset_ms", (double)((now_ns - reset_ns) / 1000000u));
    return rc == 0 ? 0 : -1;
}
