/* workload.c: what each workload is, defined once.
 *
 * The workloads' and --verify's names, URLs, the check of an item's JSON,
 * the XXH3 checksums, the cook's dishes and timetable. The one thing to
 * notice is checksum_run(): it hashes a fixed little-endian layout, not the
 * structs, so that runs compare equal across models, compilers and
 * machines. */
#include "workload.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* XXH3_state_t is opaque unless XXH_STATIC_LINKING_ONLY is defined: only
 * this file, which hashes, sees its layout (checksum_run keeps one on its
 * stack). The trade-off: the layout is xxHash's own, so this must be built
 * against the libxxhash it runs with (it is). */
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "clock.h"
#include "record.h"
#include "run.h"
#include "units.h"

/* ---- Names ---- */

/* Each workload's name as typed, and its line in --help. */
static const struct {
    const char *name;
    const char *about;
} workloads[] = {
    [WORKLOAD_FETCH] = { "fetch", "GET N small JSON items and check each one" },
    [WORKLOAD_DOWNLOAD] = { "download", "download N blobs into files and check their bytes" },
    [WORKLOAD_FILES] = { "files", "write N files, read each back and check it" },
    [WORKLOAD_COOK] = { "cook", "prepare each dish of --dishes (--count does not apply)" },
    [WORKLOAD_CPU] = { "cpu", "compute N tasks of --rounds rounds each; nothing to wait for" },
};
_Static_assert(sizeof workloads / sizeof workloads[0] == WORKLOAD_COUNT, "a workload without a name");

const char *const verify_names[] = {
    [VERIFY_CONTENT] = "content",
    [VERIFY_ID] = "id",
    [VERIFY_STATUS] = "status",
    NULL,
};
#define VERIFY_COUNT (sizeof verify_names / sizeof verify_names[0] - 1)

/* --verify stores its mode's index as an int (option_table.h). */
_Static_assert(sizeof(enum verify) == sizeof(int), "enum verify is not int-sized");

const char *workload_name(enum workload workload)
{
    if ((unsigned)workload >= WORKLOAD_COUNT)
        return "unknown";
    return workloads[workload].name;
}

const char *workload_about(enum workload workload)
{
    if ((unsigned)workload >= WORKLOAD_COUNT)
        return "unknown";
    return workloads[workload].about;
}

int workload_parse(const char *text, enum workload *workload)
{
    for (int i = 0; i < WORKLOAD_COUNT; i++) {
        if (strcmp(text, workloads[i].name) == 0) {
            *workload = (enum workload)i;
            return 0;
        }
    }
    return -1;
}

void workload_list(char *buf, size_t size)
{
    size_t len = 0;

    buf[0] = '\0';
    for (int i = 0; i < WORKLOAD_COUNT && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i == 0 ? "" : ", ",
                                workloads[i].name);
}

const char *verify_name(enum verify verify)
{
    if ((size_t)verify >= VERIFY_COUNT)
        return "unknown";
    return verify_names[verify];
}

/* ---- URLs ---- */

const char *workload_default_path(enum workload workload)
{
    switch (workload) {
    case WORKLOAD_FETCH:    return FETCH_PATH_DEFAULT;
    case WORKLOAD_DOWNLOAD: return DOWNLOAD_PATH_DEFAULT;
    default:                return "";
    }
}

/* The placeholders of a --path, each filled with a task's number. */
static const char *const path_fields[] = { "{id}", "{size}" };
#define PATH_FIELD_COUNT (sizeof path_fields / sizeof path_fields[0])

/* The index of the placeholder that text starts with, or -1. */
static int path_field_at(const char *text)
{
    for (size_t i = 0; i < PATH_FIELD_COUNT; i++)
        if (strncmp(text, path_fields[i], strlen(path_fields[i])) == 0)
            return (int)i;
    return -1;
}

int path_template_check(const char *path, char *why, size_t why_size)
{
    if (path[0] != '/') {
        snprintf(why, why_size, "'%s' does not start with '/'", path);
        return -1;
    }
    for (const char *p = path; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        int field;

        if (c <= ' ' || c == 0x7f || c == '#') {
            snprintf(why, why_size, "'%s' holds a blank, a control character or '#'", path);
            return -1;
        }
        if (c == '{' && (field = path_field_at(p)) >= 0) {
            p += strlen(path_fields[field]) - 1;
        } else if (c == '{' || c == '}') {
            snprintf(why, why_size, "'%s': a brace that is not {id} or {size}", path);
            return -1;
        }
    }
    return 0;
}

/* Appends text to buf, which holds *len bytes. 0, or -1 when it does not fit. */
static int url_append(char *buf, size_t size, size_t *len, const char *text)
{
    size_t n = strlen(text);

    if (n >= size - *len)
        return -1;
    memcpy(buf + *len, text, n + 1);
    *len += n;
    return 0;
}

int workload_url(const struct run *run, long id, char *buf, size_t size)
{
    const struct options *opts = run->opts;
    const char *path = opts->path[0] != '\0' ? opts->path : workload_default_path(opts->workload);
    char number[32];
    size_t len = 0;

    if (path[0] == '\0' || size == 0)
        return -1;      /* files, cook and cpu ask nothing of a server */
    buf[0] = '\0';
    if (url_append(buf, size, &len, opts->url) != 0)
        return -1;
    /* The template was checked by cli_parse: each brace opens a field. */
    for (const char *p = path; *p != '\0';) {
        int field = *p == '{' ? path_field_at(p) : -1;
        char piece[2] = { *p, '\0' };
        const char *text = piece;

        if (field == 0) {
            snprintf(number, sizeof number, "%ld", id);
            text = number;
        } else if (field == 1) {
            snprintf(number, sizeof number, "%" PRIu64, opts->size_bytes);
            text = number;
        }
        if (url_append(buf, size, &len, text) != 0)
            return -1;
        p += field >= 0 ? strlen(path_fields[field]) : 1;
    }
    if (opts->latency_ms >= 0) {
        snprintf(number, sizeof number, "%clatency_ms=%ld",
                 strchr(path, '?') != NULL ? '&' : '?', opts->latency_ms);
        if (url_append(buf, size, &len, number) != 0)
            return -1;
    }
    return 0;
}

/* ---- Items ---- */

/* Writes into what where a body that cJSON would not parse breaks, for a
 * bad_json reason. A body that stops before its JSON does (one cut short)
 * "ends after N bytes, inside" the string, object or array left open;
 * else the reason is the byte cJSON stopped at, error_at. cJSON gives the
 * last byte when it ran out of body, and a string's first when the string
 * never closes, so a scan of what is open at the end tells these apart:
 * quotes and brackets outside strings, backslash escapes inside them. */
static void describe_bad_json(const char *body, size_t len, size_t error_at,
                              char *what, size_t what_size)
{
    char opened[64];          /* the open brackets, outermost first (the first 64) */
    size_t depth = 0;
    bool in_string = false, escaped = false;

    if (len == 0) {
        snprintf(what, what_size, "the body is empty");
        return;
    }
    for (size_t i = 0; i < len; i++) {
        char c = body[i];
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (depth < sizeof opened)
                opened[depth] = c;
            depth++;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    if (in_string)
        snprintf(what, what_size, "it ends after %zu bytes, inside a string", len);
    else if (depth > 0 && error_at + 1 >= len)
        snprintf(what, what_size, "it ends after %zu bytes, inside an unclosed %s", len,
                 depth > sizeof opened ? "object or array"
                 : opened[depth - 1] == '{' ? "object" : "array");
    else
        snprintf(what, what_size, "a byte it cannot read at offset %zu of %zu", error_at, len);
}

/* --verify content: checks a parsed item against id, byte for byte.
 * CAUSE_NONE with *checksum, or a cause. */
static int item_check_content(long id, const cJSON *root, uint64_t *checksum,
                              char *why, size_t why_size)
{
    char expected[ITEM_PAYLOAD_LEN + 1];
    const cJSON *got_id, *payload;

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
    /* What differs, said: its length, or where its first wrong character is. */
    size_t got_len = strlen(payload->valuestring), at = 0;
    if (got_len != ITEM_PAYLOAD_LEN) {
        snprintf(why, why_size, "item %ld: the payload's length is %zu, not %d", id, got_len,
                 ITEM_PAYLOAD_LEN);
        return CAUSE_MISMATCH;
    }
    while (at < ITEM_PAYLOAD_LEN && payload->valuestring[at] == expected[at])
        at++;
    if (at < ITEM_PAYLOAD_LEN) {
        snprintf(why, why_size, "item %ld: the payload differs from the expected one at "
                 "character %zu", id, at);
        return CAUSE_MISMATCH;
    }
    *checksum = checksum_bytes(expected, ITEM_PAYLOAD_LEN);
    return CAUSE_NONE;
}

/* --verify id: the object's "id", a number or a string of digits, is id;
 * the rest of the object is the server's business. The checksum is of what
 * was checked, id's decimal text, so it is the same whatever else the
 * server puts in the object. */
static int item_check_id(long id, const cJSON *root, uint64_t *checksum,
                         char *why, size_t why_size)
{
    const cJSON *got_id = cJSON_GetObjectItemCaseSensitive(root, "id");
    char text[32];
    int len = snprintf(text, sizeof text, "%ld", id);
    bool same;

    if (cJSON_IsNumber(got_id))
        same = got_id->valuedouble == (double)id;
    else if (cJSON_IsString(got_id) && got_id->valuestring != NULL)
        same = strcmp(got_id->valuestring, text) == 0;
    else {
        snprintf(why, why_size, "item %ld: no \"id\" that is a number or a string", id);
        return CAUSE_BAD_JSON;
    }
    if (!same) {
        char *got = cJSON_PrintUnformatted(got_id);   /* NULL without memory: then "?" */
        snprintf(why, why_size, "item %ld: the body's \"id\" is %.40s", id,
                 got != NULL ? got : "?");
        cJSON_free(got);
        return CAUSE_MISMATCH;
    }
    *checksum = checksum_bytes(text, (size_t)len);
    return CAUSE_NONE;
}

int item_check(enum verify verify, long id, const char *body, size_t len,
               uint64_t *checksum, char *why, size_t why_size)
{
    cJSON *root;
    int cause;

    if (verify == VERIFY_STATUS) {
        *checksum = checksum_bytes(body, len);
        return CAUSE_NONE;
    }
    /* The body need not end in a NUL: the length bounds the parse. */
    const char *error_at = body;
    root = cJSON_ParseWithLengthOpts(body, len, &error_at, false);
    if (root == NULL) {
        char what[96];

        describe_bad_json(body, len, error_at != NULL ? (size_t)(error_at - body) : 0,
                          what, sizeof what);
        snprintf(why, why_size, "item %ld: the body is not valid JSON: %s", id, what);
        return CAUSE_BAD_JSON;
    }
    if (!cJSON_IsObject(root)) {
        snprintf(why, why_size, "item %ld: the body is not a JSON object", id);
        cause = CAUSE_BAD_JSON;
    } else if (verify == VERIFY_ID) {
        cause = item_check_id(id, root, checksum, why, why_size);
    } else {
        cause = item_check_content(id, root, checksum, why, why_size);
    }
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

/* Aligned as XXH3 needs by its type. */
struct checksum {
    XXH3_state_t xxh;
};

struct checksum *checksum_new(void)
{
    return aligned_alloc(_Alignof(struct checksum), sizeof(struct checksum));
}

void checksum_free(struct checksum *state)
{
    free(state);
}

void checksum_init(struct checksum *state)
{
    check_xxh(XXH3_64bits_reset(&state->xxh), "XXH3_64bits_reset");
}

void checksum_update(struct checksum *state, const void *data, size_t len)
{
    check_xxh(XXH3_64bits_update(&state->xxh, data, len), "XXH3_64bits_update");
}

uint64_t checksum_digest(const struct checksum *state)
{
    return XXH3_64bits_digest(&state->xxh);
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
    struct checksum state;
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

#define DISH_SECONDS_MAX 86400.0          /* a day on the stove is plenty */

/* Copies [start, end) without its leading and trailing blanks into buf.
 * Returns the length, or -1 when it does not fit in size - 1 bytes. */
static int copy_trimmed(const char *start, const char *end, char *buf, size_t size)
{
    size_t len;

    while (start < end && isspace((unsigned char)*start))
        start++;
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    len = (size_t)(end - start);
    if (len >= size)
        return -1;
    memcpy(buf, start, len);
    buf[len] = '\0';
    return (int)len;
}

/* Parses one "NAME:SECONDS" item, [start, end), into *dish. The last ':'
 * splits, so a name may hold a ':' itself. 0, or -1 with why filled. */
static int dish_parse(const char *start, const char *end, struct dish *dish,
                      char *why, size_t why_size)
{
    const char *colon = NULL;
    char seconds_text[64];
    int item_len = (int)(end - start);

    for (const char *p = start; p < end; p++)
        if (*p == ':')
            colon = p;
    if (colon == NULL) {
        snprintf(why, why_size, "'%.*s' has no ':SECONDS'", item_len, start);
        return -1;
    }
    int name_len = copy_trimmed(start, colon, dish->name, sizeof dish->name);
    if (name_len < 0) {
        snprintf(why, why_size, "the name in '%.*s' is longer than %d bytes",
                 item_len, start, DISH_NAME_MAX - 1);
        return -1;
    }
    if (name_len == 0) {
        snprintf(why, why_size, "'%.*s' has no name", item_len, start);
        return -1;
    }
    /* Blanks around a list's separators are the list's; the time itself
     * is a plain decimal (units.h), so it is never below 0. */
    if (copy_trimmed(colon + 1, end, seconds_text, sizeof seconds_text) < 0
        || units_parse_decimal(seconds_text, DISH_SECONDS_MAX, &dish->seconds) != 0) {
        snprintf(why, why_size, "'%.*s': the time is not a number of seconds from 0 to %.0f",
                 item_len, start, DISH_SECONDS_MAX);
        return -1;
    }
    return 0;
}

int dish_list_parse(const char *text, struct dish *dishes, int max_dishes,
                    char *why, size_t why_size)
{
    const char *start = text;
    int count = 0;

    if (text[strspn(text, " \t")] == '\0') {
        snprintf(why, why_size, "the list of dishes is empty");
        return -1;
    }
    for (;;) {
        const char *end = strchr(start, ',');
        if (end == NULL)
            end = start + strlen(start);
        if (count == max_dishes) {
            snprintf(why, why_size, "more than %d dishes", max_dishes);
            return -1;
        }
        if (dish_parse(start, end, &dishes[count], why, why_size) != 0)
            return -1;
        count++;
        if (*end == '\0')
            return count;
        start = end + 1;
    }
}

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
