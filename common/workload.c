/* workload.c: what the four workloads are, defined once.
 *
 * URLs, the check of an item's JSON, the XXH3 checksums and the cook's
 * timetable. The one thing to notice is checksum_run(): it hashes a fixed
 * little-endian layout, not the structs, so that runs compare equal across
 * models, compilers and machines. */
#include "workload.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "record.h"
#include "run.h"

int workload_url(const struct run *run, long id, char *buf, size_t size)
{
    const struct options *opts = run->opts;
    int len;

    switch (opts->workload) {
    case WORKLOAD_FETCH:
        len = snprintf(buf, size, "%s/items/%ld", opts->url, id);
        break;
    case WORKLOAD_DOWNLOAD:
        len = snprintf(buf, size, "%s/blobs/%ld?size=%" PRIu64, opts->url, id,
                       opts->size_bytes);
        break;
    default:
        return -1;      /* files and cook ask nothing of the server */
    }
    if (len < 0 || (size_t)len >= size)
        return -1;
    if (opts->latency_ms >= 0) {
        int more = snprintf(buf + len, size - (size_t)len, "%clatency_ms=%ld",
                            strchr(buf, '?') != NULL ? '&' : '?', opts->latency_ms);
        if (more < 0 || (size_t)more >= size - (size_t)len)
            return -1;
    }
    return 0;
}

/* ---- Items ---- */

/* Checks a parsed item against id. CAUSE_NONE with *checksum, or a cause. */
static int item_check_json(long id, const cJSON *root, uint64_t *checksum,
                           char *why, size_t why_size)
{
    char expected[ITEM_PAYLOAD_LEN + 1];
    const cJSON *got_id, *payload;

    if (!cJSON_IsObject(root)) {
        snprintf(why, why_size, "item %ld: the body is not a JSON object", id);
        return CAUSE_BAD_JSON;
    }
    got_id = cJSON_GetObjectItemCaseSensitive(root, "id");
    payload = cJSON_GetObjectItemCaseSensitive(root, "payload");
    if (!cJSON_IsNumber(got_id) || !cJSON_IsString(payload) || payload->valuestring == NULL) {
        snprintf(why, why_size, "item %ld: no numeric \"id\" and string \"payload\"", id);
        return CAUSE_BAD_JSON;
    }
    if (got_id->valuedouble != (double)id) {
        snprintf(why, why_size, "item %ld: the body is item %.17g", id, got_id->valuedouble);
        return CAUSE_MISMATCH;
    }
    item_payload(id, expected);
    if (strcmp(payload->valuestring, expected) != 0) {
        snprintf(why, why_size, "item %ld: the payload is not the expected one", id);
        return CAUSE_MISMATCH;
    }
    *checksum = checksum_bytes(expected, ITEM_PAYLOAD_LEN);
    return CAUSE_NONE;
}

int item_check(long id, const char *body, size_t len, uint64_t *checksum,
               char *why, size_t why_size)
{
    /* The body need not end in a NUL: the length bounds the parse. */
    cJSON *root = cJSON_ParseWithLength(body, len);
    int cause;

    if (root == NULL) {
        snprintf(why, why_size, "item %ld: the body is not valid JSON", id);
        return CAUSE_BAD_JSON;
    }
    cause = item_check_json(id, root, checksum, why, why_size);
    cJSON_Delete(root);
    return cause;
}

/* ---- Checksums ---- */

/* XXH3's streaming calls fail only on a NULL state: a bug, so it stops
 * the program instead of hashing on with a wrong result. */
static void check_xxh(XXH_errorcode rc, const char *what)
{
    if (rc != XXH_OK) {
        fprintf(stderr, "%s: %s: failed\n", program_name(), what);
        abort();
    }
}

void checksum_init(checksum_state *state)
{
    check_xxh(XXH3_64bits_reset(state), "XXH3_64bits_reset");
}

void checksum_update(checksum_state *state, const void *data, size_t len)
{
    check_xxh(XXH3_64bits_update(state, data, len), "XXH3_64bits_update");
}

uint64_t checksum_digest(const checksum_state *state)
{
    return XXH3_64bits_digest(state);
}

uint64_t checksum_bytes(const void *data, size_t len)
{
    return XXH3_64bits(data, len);
}

/* Stores value's low `bytes` bytes at out, least significant first. */
static unsigned char *put_le(unsigned char *out, uint64_t value, int bytes)
{
    for (int i = 0; i < bytes; i++)
        *out++ = (unsigned char)(value >> (8 * i));
    return out;
}

#define RUN_ENTRY_BYTES 17      /* int64 id, uint8 completed, uint64 checksum */

uint64_t checksum_run(const struct task_record *records, size_t count)
{
    checksum_state state;   /* aligned as XXH3 needs by its type */
    unsigned char chunk[RUN_ENTRY_BYTES * 256];
    size_t used = 0;

    checksum_init(&state);
    for (size_t i = 0; i < count; i++) {
        unsigned char *p = chunk + used;
        p = put_le(p, (uint64_t)(int64_t)records[i].id, 8);
        p = put_le(p, records[i].state == TASK_COMPLETED, 1);
        put_le(p, records[i].checksum, 8);
        used += RUN_ENTRY_BYTES;
        if (used == sizeof chunk) {
            checksum_update(&state, chunk, used);
            used = 0;
        }
    }
    checksum_update(&state, chunk, used);
    return checksum_digest(&state);
}

/* ---- Cook ---- */

/* Dish i of the list. main makes one task per dish, so i < dish_count;
 * the modulo only keeps a stray index in bounds. */
static const struct dish *dish_of(const struct run *run, size_t i)
{
    const struct options *opts = run->opts;

    return &opts->dishes[i % (size_t)opts->dish_count];
}

long cook_dish_ms(const struct run *run, size_t i)
{
    double ms = dish_of(run, i)->seconds * 1000.0 * run->opts->time_scale;

    /* Times are >= 0, so adding a half rounds to nearest (without libm). */
    if (ms >= (double)LONG_MAX)
        return LONG_MAX;
    return (long)(ms + 0.5);
}

uint64_t cook_dish_checksum(const struct run *run, size_t i)
{
    const char *name = dish_of(run, i)->name;

    return checksum_bytes(name, strlen(name));
}

/* Prints one cook line where the options say, in one fprintf + fflush. */
static void cook_say(const struct run *run, const char *format, const char *name)
{
    FILE *out = run->opts->json ? stderr : stdout;
    char line[DISH_NAME_MAX + 64];

    if (run->opts->quiet)
        return;
    snprintf(line, sizeof line, format, name);
    if (fprintf(out, "[%7.3f s] %s\n", clock_elapsed_ms(run->start_ns) / 1000.0, line) < 0
        || fflush(out) == EOF)
        fprintf(stderr, "%s: writing to %s: %s\n", program_name(),
                out == stdout ? "stdout" : "stderr", strerror(errno));
}

void cook_say_start(const struct run *run, size_t i)
{
    cook_say(run, "Starting to prepare %s", dish_of(run, i)->name);
}

void cook_say_ready(const struct run *run, size_t i)
{
    cook_say(run, "%s is ready", dish_of(run, i)->name);
}
