/* test_workload.c: unit tests of the workload definitions
 * (client/workload.c) and the deterministic content (base/content.c).
 *
 * The workloads' names, URLs, content made and checked in pieces, item
 * payloads and their JSON check, streaming checksums, and the cook's
 * dishes, timetable and lines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "options.h"
#include "record.h"
#include "run.h"
#include "workload.h"

static void make_run(struct run *run, struct options *opts, enum workload workload)
{
    memset(opts, 0, sizeof *opts);
    opts->workload = workload;
    snprintf(opts->url, sizeof opts->url, "http://127.0.0.1:8080");
    opts->latency_ms = -1;
    opts->size_bytes = 1048576;
    opts->time_scale = 1.0;
    memset(run, 0, sizeof *run);
    run->opts = opts;
}

/* A small deterministic generator, so that "random" splits repeat. */
static uint64_t next_random(uint64_t *seed)
{
    *seed = *seed * 6364136223846793005u + 1442695040888963407u;
    return *seed >> 33;
}

/* ---- URLs ---- */

static void test_url_fetch(void **state)
{
    struct options opts;
    struct run run;
    char url[256];

    (void)state;
    make_run(&run, &opts, WORKLOAD_FETCH);
    assert_int_equal(workload_url(&run, 7, url, sizeof url), 0);
    assert_string_equal(url, "http://127.0.0.1:8080/items/7");
    opts.latency_ms = 0;
    assert_int_equal(workload_url(&run, 1000000, url, sizeof url), 0);
    assert_string_equal(url, "http://127.0.0.1:8080/items/1000000?latency_ms=0");
    opts.latency_ms = 250;
    assert_int_equal(workload_url(&run, 3, url, sizeof url), 0);
    assert_string_equal(url, "http://127.0.0.1:8080/items/3?latency_ms=250");
}

static void test_url_download(void **state)
{
    struct options opts;
    struct run run;
    char url[256];

    (void)state;
    make_run(&run, &opts, WORKLOAD_DOWNLOAD);
    assert_int_equal(workload_url(&run, 2, url, sizeof url), 0);
    assert_string_equal(url, "http://127.0.0.1:8080/blobs/2?size=1048576");
    opts.size_bytes = 17179869184u;
    opts.latency_ms = 5;
    assert_int_equal(workload_url(&run, 12, url, sizeof url), 0);
    assert_string_equal(url, "http://127.0.0.1:8080/blobs/12?size=17179869184&latency_ms=5");
    opts.size_bytes = 0;
    opts.latency_ms = -1;
    assert_int_equal(workload_url(&run, 1, url, sizeof url), 0);
    assert_string_equal(url, "http://127.0.0.1:8080/blobs/1?size=0");
}

static void test_url_limits(void **state)
{
    struct options opts;
    struct run run;
    char url[64];

    (void)state;
    make_run(&run, &opts, WORKLOAD_FETCH);
    /* "http://127.0.0.1:8080/items/7" is 29 bytes: 30 fit it, 29 do not. */
    assert_int_equal(workload_url(&run, 7, url, 30), 0);
    assert_int_equal(workload_url(&run, 7, url, 29), -1);
    opts.latency_ms = 5;
    assert_int_equal(workload_url(&run, 7, url, 30), -1);   /* the latency does not fit */
    assert_int_equal(workload_url(&run, 7, url, 43), 0);
    assert_int_equal(workload_url(&run, 7, url, 42), -1);
    /* files and cook ask nothing of the server. */
    opts.workload = WORKLOAD_FILES;
    assert_int_equal(workload_url(&run, 7, url, sizeof url), -1);
    opts.workload = WORKLOAD_COOK;
    assert_int_equal(workload_url(&run, 7, url, sizeof url), -1);
}

/* --path: {id} and {size} filled in, anywhere and more than once; the
 * latency joins an existing query with '&'. */
static void test_url_template(void **state)
{
    struct options opts;
    struct run run;
    char url[256], why[512];

    (void)state;
    make_run(&run, &opts, WORKLOAD_FETCH);
    snprintf(opts.path, sizeof opts.path, "/api/{id}/x{id}.json");
    assert_int_equal(workload_url(&run, 42, url, sizeof url), 0);
    assert_string_equal(url, "http://127.0.0.1:8080/api/42/x42.json");
    snprintf(opts.path, sizeof opts.path, "/static/file.bin");
    opts.latency_ms = 3;
    assert_int_equal(workload_url(&run, 42, url, sizeof url), 0);
    assert_string_equal(url, "http://127.0.0.1:8080/static/file.bin?latency_ms=3");
    opts.workload = WORKLOAD_DOWNLOAD;
    opts.latency_ms = -1;
    snprintf(opts.path, sizeof opts.path, "/b?n={size}&i={id}");
    assert_int_equal(workload_url(&run, 5, url, sizeof url), 0);
    assert_string_equal(url, "http://127.0.0.1:8080/b?n=1048576&i=5");
    /* A template's text counts toward the limit. */
    assert_int_equal(workload_url(&run, 5, url, 38), 0);
    assert_int_equal(workload_url(&run, 5, url, 37), -1);
    /* The defaults, and the check of a template. */
    assert_string_equal(workload_default_path(WORKLOAD_FETCH), "/items/{id}");
    assert_string_equal(workload_default_path(WORKLOAD_DOWNLOAD), "/blobs/{id}?size={size}");
    assert_string_equal(workload_default_path(WORKLOAD_FILES), "");
    assert_int_equal(path_template_check("/items/{id}", why, sizeof why), 0);
    assert_int_equal(path_template_check("/{size}/{id}?a=b&c={id}", why, sizeof why), 0);
    assert_int_equal(path_template_check("/", why, sizeof why), 0);
    static const char *const bad[] = {
        "items/{id}", "", "/items/{ID}", "/items/{id", "/items/id}", "/{}",
        "/items/{id} x", "/items/\t", "/a#b", "/{name}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        assert_int_equal(path_template_check(bad[i], why, sizeof why), -1);
        assert_true(strlen(why) > 0);
    }
}

/* ---- Content ---- */

/* The hash is splitmix64's finaliser to the bit: its first outputs from
 * state 0 are published values, and the content's word k of id is
 * mix64(k ^ mix64(id)), little-endian (docs/options.md). The server's fault choice
 * hashes with it too, so a change here would move every failing id. */
static void test_content_mix64(void **state)
{
    unsigned char word[8];
    uint64_t expected, got = 0;

    (void)state;
    assert_int_equal(content_mix64(0), 0xe220a8397b1dcdafULL);
    assert_int_equal(content_mix64(1), 0x910a2dec89025cc1ULL);
    assert_int_equal(content_mix64(UINT64_MAX), 0xe4d971771b652c20ULL);
    content_fill(9, 8 * 3, word, sizeof word);
    for (int b = 7; b >= 0; b--)
        got = got << 8 | word[b];
    expected = content_mix64(3 ^ content_mix64(9));
    assert_int_equal(got, expected);
}

static void test_content_pieces_equal_whole(void **state)
{
    enum { LEN = 10000 };
    unsigned char *whole = malloc(LEN), *pieces = malloc(LEN);
    uint64_t seed = 42;

    (void)state;
    assert_non_null(whole);
    assert_non_null(pieces);
    for (int round = 0; round < 50; round++) {
        uint64_t id = next_random(&seed) % 1000 + 1;
        uint64_t base = next_random(&seed) % 100000;   /* any start, aligned or not */
        size_t done = 0;

        content_fill(id, base, whole, LEN);
        memset(pieces, 0, LEN);
        while (done < LEN) {
            size_t n = next_random(&seed) % 97 + 1;
            if (n > LEN - done)
                n = LEN - done;
            content_fill(id, base + done, pieces + done, n);
            done += n;
        }
        assert_memory_equal(whole, pieces, LEN);
        assert_int_equal(content_verify(id, base, whole, LEN), 0);
    }
    /* Different ids give different bytes. */
    content_fill(1, 0, whole, 64);
    content_fill(2, 0, pieces, 64);
    assert_memory_not_equal(whole, pieces, 64);
    free(whole);
    free(pieces);
}

static void test_content_verify_flipped_byte(void **state)
{
    enum { LEN = 9000 };   /* more than content_verify's own buffer */
    unsigned char *buf = malloc(LEN);
    static const size_t positions[] = {0, 1, 7, 8, 4095, 4096, 8191, LEN - 1};

    (void)state;
    assert_non_null(buf);
    content_fill(5, 3, buf, LEN);
    assert_int_equal(content_verify(5, 3, buf, LEN), 0);
    assert_int_equal(content_verify(5, 4, buf, LEN), -1);    /* wrong offset */
    assert_int_equal(content_verify(6, 3, buf, LEN), -1);    /* wrong id */
    for (size_t i = 0; i < sizeof positions / sizeof positions[0]; i++) {
        buf[positions[i]] ^= 0x01;
        assert_int_equal(content_verify(5, 3, buf, LEN), -1);
        buf[positions[i]] ^= 0x01;
    }
    assert_int_equal(content_verify(5, 3, buf, LEN), 0);
    assert_int_equal(content_verify(5, 3, buf, 0), 0);
    free(buf);
}

/* ---- Items ---- */

static void test_item_payload(void **state)
{
    char a[ITEM_PAYLOAD_LEN + 1], b[ITEM_PAYLOAD_LEN + 1];

    (void)state;
    item_payload(17, a);
    item_payload(17, b);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), ITEM_PAYLOAD_LEN);
    for (size_t i = 0; i < ITEM_PAYLOAD_LEN; i++)
        assert_true(isalnum((unsigned char)a[i]));
    item_payload(18, b);
    assert_string_not_equal(a, b);
}

/* Formats item id's body with the given id and payload, unterminated, in
 * a heap buffer of exactly its length (so that reading past it is caught
 * by ASan). Returns it; *len gets its length. */
static char *item_body(const char *format, long id, const char *payload, size_t *len)
{
    char text[1024];
    int n = snprintf(text, sizeof text, format, id, payload);
    char *body;

    assert_true(n > 0 && (size_t)n < sizeof text);
    body = malloc((size_t)n);
    assert_non_null(body);
    memcpy(body, text, (size_t)n);
    *len = (size_t)n;
    return body;
}

static void test_item_check_accepts(void **state)
{
    char payload[ITEM_PAYLOAD_LEN + 1];
    char why[128] = "";
    uint64_t checksum = 0;
    size_t len;
    char *body;

    (void)state;
    item_payload(9, payload);
    body = item_body("{\"id\": %ld, \"payload\": \"%s\"}", 9, payload, &len);
    assert_int_equal(item_check(VERIFY_CONTENT, 9, body, len, &checksum, why, sizeof why), CAUSE_NONE);
    assert_int_equal(checksum, checksum_bytes(payload, ITEM_PAYLOAD_LEN));
    free(body);
    /* Key order and extra keys do not matter. */
    body = item_body("{\"extra\":[1,2],\"payload\":\"%2$s\",\"id\":%1$ld}", 9, payload, &len);
    assert_int_equal(item_check(VERIFY_CONTENT, 9, body, len, &checksum, why, sizeof why), CAUSE_NONE);
    free(body);
}

/* --verify id: any object whose "id" is the task's; the checksum is of the
 * id's text. --verify status: any body; the checksum is of its bytes. */
static void test_item_check_modes(void **state)
{
    static const char *const id_ok[] = {
        "{\"id\": 9}", "{\"name\": \"nine\", \"id\": 9, \"tags\": [1]}",
        "{\"id\": \"9\"}", "{\"id\": 9.0}",
    };
    static const struct { const char *body; int cause; } id_bad[] = {
        {"{\"id\": 10}", CAUSE_MISMATCH}, {"{\"id\": \"09\"}", CAUSE_MISMATCH},
        {"{\"id\": 9.5}", CAUSE_MISMATCH}, {"{\"ID\": 9}", CAUSE_BAD_JSON},
        {"{\"id\": null}", CAUSE_BAD_JSON}, {"[9]", CAUSE_BAD_JSON}, {"9", CAUSE_BAD_JSON},
        {"{\"id\": 9", CAUSE_BAD_JSON}, {"", CAUSE_BAD_JSON},
    };
    uint64_t checksum = 0;
    char why[128];

    (void)state;
    for (size_t i = 0; i < sizeof id_ok / sizeof id_ok[0]; i++) {
        checksum = 0;
        assert_int_equal(item_check(VERIFY_ID, 9, id_ok[i], strlen(id_ok[i]), &checksum,
                                    why, sizeof why), CAUSE_NONE);
        assert_int_equal(checksum, checksum_bytes("9", 1));
    }
    for (size_t i = 0; i < sizeof id_bad / sizeof id_bad[0]; i++) {
        why[0] = '\0';
        checksum = 77;
        assert_int_equal(item_check(VERIFY_ID, 9, id_bad[i].body, strlen(id_bad[i].body),
                                    &checksum, why, sizeof why), id_bad[i].cause);
        assert_true(strlen(why) > 0);
        assert_int_equal(checksum, 77);
    }
    assert_int_equal(item_check(VERIFY_STATUS, 9, "<html>", 6, &checksum, why, sizeof why),
                     CAUSE_NONE);
    assert_int_equal(checksum, checksum_bytes("<html>", 6));
    assert_int_equal(item_check(VERIFY_STATUS, 9, NULL, 0, &checksum, why, sizeof why),
                     CAUSE_NONE);
    assert_int_equal(checksum, checksum_bytes("", 0));
    /* A body good for id is a mismatch for content, which wants the payload. */
    const char *other_server = "{\"id\": 9, \"payload\": \"x\"}";
    assert_int_equal(item_check(VERIFY_CONTENT, 9, other_server, strlen(other_server),
                                &checksum, why, sizeof why), CAUSE_MISMATCH);
    assert_string_equal(why, "item 9: the payload's length is 1, not 256");
}

/* A body that is not JSON says where it breaks: where a body cut short
 * ends and what it leaves open, or the byte the parser stopped at. */
static void test_item_check_bad_json_reason(void **state)
{
    static const struct { const char *body; const char *why; } cases[] = {
        {"{\"id\": 9, \"payload\": \"abc\"",
         "item 9: the body is not valid JSON: it ends after 26 bytes, inside an unclosed object"},
        {"{\"id\": 9, \"tags\": [1, 2",
         "item 9: the body is not valid JSON: it ends after 23 bytes, inside an unclosed array"},
        {"{\"id\": 9, \"payload\": \"ab\\\"c",
         "item 9: the body is not valid JSON: it ends after 27 bytes, inside a string"},
        {"{\"id\": 9, x}",
         "item 9: the body is not valid JSON: a byte it cannot read at offset 11 of 12"},
        {"", "item 9: the body is not valid JSON: the body is empty"},
    };
    uint64_t checksum = 77;
    char why[160];

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(item_check(VERIFY_CONTENT, 9, cases[i].body, strlen(cases[i].body),
                                    &checksum, why, sizeof why), CAUSE_BAD_JSON);
        assert_string_equal(why, cases[i].why);
    }
    /* A body that was never received at all. */
    assert_int_equal(item_check(VERIFY_ID, 9, NULL, 0, &checksum, why, sizeof why), CAUSE_BAD_JSON);
    assert_string_equal(why, "item 9: the body is not valid JSON: the body is empty");
    assert_int_equal(checksum, 77);
}

static void test_item_check_rejects(void **state)
{
    char payload[ITEM_PAYLOAD_LEN + 1], other[ITEM_PAYLOAD_LEN + 1];
    static const struct { const char *format; long id; int cause; } cases[] = {
        {"{\"id\": %ld, \"payload\": \"%s\"}", 10, CAUSE_MISMATCH},         /* wrong id */
        {"{\"id\": %ld.5, \"payload\": \"%s\"}", 9, CAUSE_MISMATCH},        /* not whole */
        {"{\"id\": \"%ld\", \"payload\": \"%s\"}", 9, CAUSE_BAD_JSON},      /* id a string */
        {"{\"id\": %ld, \"payload\": \"%s\"", 9, CAUSE_BAD_JSON},           /* cut short */
        {"{\"id\": %ld, \"load\": \"%s\"}", 9, CAUSE_BAD_JSON},             /* no payload */
        {"{\"ID\": %ld, \"payload\": \"%s\"}", 9, CAUSE_BAD_JSON},          /* no id */
        {"[%ld, \"%s\"]", 9, CAUSE_BAD_JSON},                               /* an array */
        {"%ld \"%s\"", 9, CAUSE_BAD_JSON},                                  /* junk */
        {"{\"id\": %ld, \"payload\": 5}%s", 9, CAUSE_BAD_JSON},             /* not a string */
    };
    char why[128];
    uint64_t checksum = 77;
    size_t len;
    char *body;

    (void)state;
    item_payload(9, payload);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        why[0] = '\0';
        body = item_body(cases[i].format, cases[i].id, strstr(cases[i].format, "%s\"") ? payload : "", &len);
        assert_int_equal(item_check(VERIFY_CONTENT, 9, body, len, &checksum, why, sizeof why), cases[i].cause);
        assert_true(strlen(why) > 0);
        free(body);
    }
    /* The right id with another item's payload. */
    item_payload(10, other);
    body = item_body("{\"id\": %ld, \"payload\": \"%s\"}", 9, other, &len);
    assert_int_equal(item_check(VERIFY_CONTENT, 9, body, len, &checksum, why, sizeof why), CAUSE_MISMATCH);
    free(body);
    /* One character changed: the message says which. */
    payload[100] = payload[100] == 'A' ? 'B' : 'A';
    body = item_body("{\"id\": %ld, \"payload\": \"%s\"}", 9, payload, &len);
    assert_int_equal(item_check(VERIFY_CONTENT, 9, body, len, &checksum, why, sizeof why), CAUSE_MISMATCH);
    assert_string_equal(why, "item 9: the payload differs from the expected one at character 100");
    free(body);
    /* Another item's id: the message names both. */
    payload[100] = payload[100] == 'A' ? 'B' : 'A';
    body = item_body("{\"id\": %ld, \"payload\": \"%s\"}", 10, payload, &len);
    assert_int_equal(item_check(VERIFY_CONTENT, 9, body, len, &checksum, why, sizeof why), CAUSE_MISMATCH);
    assert_string_equal(why, "item 9: the body is item 10");
    free(body);
    /* A non-object scalar, and nothing at all. */
    assert_int_equal(item_check(VERIFY_CONTENT, 9, "42", 2, &checksum, why, sizeof why), CAUSE_BAD_JSON);
    assert_int_equal(item_check(VERIFY_CONTENT, 9, "", 0, &checksum, why, sizeof why), CAUSE_BAD_JSON);
    assert_int_equal(checksum, 77);   /* untouched on failure */
}

/* ---- Checksums ---- */

static void test_checksum_streaming(void **state)
{
    enum { LEN = 5000 };
    unsigned char *data = malloc(LEN);
    struct checksum *st = checksum_new();
    uint64_t seed = 7;

    (void)state;
    assert_non_null(data);
    assert_non_null(st);
    content_fill(3, 0, data, LEN);
    for (int round = 0; round < 30; round++) {
        size_t done = 0;

        checksum_init(st);   /* one state, started over each round */
        while (done < LEN) {
            size_t n = next_random(&seed) % 300;   /* empty pieces too */
            if (n > LEN - done)
                n = LEN - done;
            checksum_update(st, data + done, n);
            done += n;
        }
        assert_int_equal(checksum_digest(st), checksum_bytes(data, LEN));
    }
    /* The state can be read, then carried on. */
    checksum_init(st);
    checksum_update(st, data, 10);
    assert_int_equal(checksum_digest(st), checksum_bytes(data, 10));
    checksum_update(st, data + 10, 20);
    assert_int_equal(checksum_digest(st), checksum_bytes(data, 30));
    /* Empty input, and one changed byte. */
    checksum_init(st);
    assert_int_equal(checksum_digest(st), checksum_bytes("", 0));
    checksum_free(st);
    uint64_t before = checksum_bytes(data, LEN);
    data[LEN / 2] ^= 0x80;
    assert_int_not_equal(before, checksum_bytes(data, LEN));
    free(data);
}

/* ---- Cook ---- */

static void set_dishes(struct options *opts)
{
    static const struct dish dishes[] = {
        {"Green Pepper with Meat", 3}, {"Tomato and Eggs", 2}, {"Garlic Lettuce", 1},
        {"Quick Bite", 0.0004}, {"Stew", 2.5},
    };
    memcpy(opts->dishes, dishes, sizeof dishes);
    opts->dish_count = 5;
}

static void test_cook_dish_ms(void **state)
{
    struct options opts;
    struct run run;

    (void)state;
    make_run(&run, &opts, WORKLOAD_COOK);
    set_dishes(&opts);
    assert_int_equal(cook_dish_ms(&run, 0), 3000);
    assert_int_equal(cook_dish_ms(&run, 1), 2000);
    assert_int_equal(cook_dish_ms(&run, 2), 1000);
    assert_int_equal(cook_dish_ms(&run, 3), 0);      /* 0.4 ms rounds down */
    assert_int_equal(cook_dish_ms(&run, 4), 2500);
    opts.time_scale = 0.5;
    assert_int_equal(cook_dish_ms(&run, 0), 1500);
    assert_int_equal(cook_dish_ms(&run, 4), 1250);
    opts.time_scale = 0.001;
    assert_int_equal(cook_dish_ms(&run, 2), 1);
    assert_int_equal(cook_dish_ms(&run, 4), 3);      /* 2.5 ms rounds up */
    opts.time_scale = 1000;
    assert_int_equal(cook_dish_ms(&run, 3), 400);
    assert_int_equal(cook_dish_ms(&run, 0), 3000000);
}

static void test_cook_dish_checksum(void **state)
{
    struct options opts;
    struct run run;

    (void)state;
    make_run(&run, &opts, WORKLOAD_COOK);
    set_dishes(&opts);
    assert_int_equal(cook_dish_checksum(&run, 2), checksum_bytes("Garlic Lettuce", 14));
    assert_int_not_equal(cook_dish_checksum(&run, 0), cook_dish_checksum(&run, 1));
}

/* Points fd at a fresh temporary file; returns the file and, in *saved,
 * a copy of the old fd to restore. */
static FILE *redirect(int fd, int *saved)
{
    FILE *sink = tmpfile();

    assert_non_null(sink);
    *saved = dup(fd);
    assert_true(*saved >= 0);
    assert_true(dup2(fileno(sink), fd) >= 0);
    return sink;
}

/* Puts fd back and returns what was written to sink (caller frees). */
static char *restore(int fd, int saved, FILE *sink)
{
    char *text = calloc(1, 512);

    assert_non_null(text);
    assert_true(dup2(saved, fd) >= 0);
    close(saved);
    rewind(sink);
    assert_true(fread(text, 1, 511, sink) < 511);
    fclose(sink);
    return text;
}

/* Runs cook_say_start and cook_say_ready for dish 2 and returns what went
 * to stdout and to stderr (the caller frees both). No assertion runs while
 * the two are pointed elsewhere. */
static void cook_lines(struct run *run, char **out_text, char **err_text)
{
    int saved_out, saved_err;
    FILE *out_sink, *err_sink;

    fflush(stdout);
    fflush(stderr);
    out_sink = redirect(STDOUT_FILENO, &saved_out);
    err_sink = redirect(STDERR_FILENO, &saved_err);
    cook_say_start(run, 2);
    cook_say_ready(run, 2);
    fflush(stdout);
    fflush(stderr);
    *err_text = restore(STDERR_FILENO, saved_err, err_sink);
    *out_text = restore(STDOUT_FILENO, saved_out, out_sink);
}

static void test_cook_say(void **state)
{
    struct options opts;
    struct run run;
    char *out, *err;

    (void)state;
    make_run(&run, &opts, WORKLOAD_COOK);
    set_dishes(&opts);
    run.start_ns = clock_now_ns();

    cook_lines(&run, &out, &err);
    assert_memory_equal(out, "[  0.00", 7);
    assert_non_null(strstr(out, " s] Starting to prepare Garlic Lettuce\n["));
    assert_non_null(strstr(out, " s] Garlic Lettuce is ready\n"));
    assert_int_equal(strlen(out), strlen("[  0.000 s] Starting to prepare Garlic Lettuce\n"
                                         "[  0.000 s] Garlic Lettuce is ready\n"));
    assert_string_equal(err, "");
    free(out);
    free(err);

    /* Under --json stdout holds only the JSON: the lines go to stderr. */
    opts.json = true;
    cook_lines(&run, &out, &err);
    assert_string_equal(out, "");
    assert_memory_equal(err, "[  0.00", 7);
    assert_non_null(strstr(err, " s] Garlic Lettuce is ready\n"));
    free(out);
    free(err);

    /* --quiet: nowhere, with or without --json. */
    opts.quiet = true;
    cook_lines(&run, &out, &err);
    assert_string_equal(out, "");
    assert_string_equal(err, "");
    free(out);
    free(err);
    opts.json = false;
    cook_lines(&run, &out, &err);
    assert_string_equal(out, "");
    assert_string_equal(err, "");
    free(out);
    free(err);
}

/* ---- Names ---- */

static void test_names(void **state)
{
    static const char *const names[] = {"fetch", "download", "files", "cook", "cpu"};
    enum workload w = WORKLOAD_FETCH;
    char list[128];

    (void)state;
    assert_int_equal(sizeof names / sizeof names[0], WORKLOAD_COUNT);
    for (int i = 0; i < WORKLOAD_COUNT; i++) {
        assert_int_equal(workload_parse(names[i], &w), 0);
        assert_int_equal(w, i);
        assert_string_equal(workload_name(w), names[i]);
        assert_true(strlen(workload_about(w)) > 0);
    }
    assert_int_equal(workload_parse("Fetch", &w), -1);
    assert_int_equal(workload_parse("", &w), -1);
    assert_string_equal(workload_name((enum workload)WORKLOAD_COUNT), "unknown");
    workload_list(list, sizeof list);
    assert_string_equal(list, "fetch, download, files, cook, cpu");
    assert_string_equal(verify_name(VERIFY_STATUS), "status");
    assert_null(verify_names[VERIFY_STATUS + 1]);
}

/* ---- dish_list_parse ---- */

static void test_dishes_valid(void **state)
{
    struct dish d[DISHES_MAX];
    char why[128];

    (void)state;
    assert_int_equal(dish_list_parse("Soup:1", d, DISHES_MAX, why, sizeof why), 1);
    assert_string_equal(d[0].name, "Soup");
    assert_true(d[0].seconds == 1.0);

    assert_int_equal(dish_list_parse(" Green Pepper with Meat : 3 ,Tomato and Eggs:0.25,X:0",
                                     d, DISHES_MAX, why, sizeof why), 3);
    assert_string_equal(d[0].name, "Green Pepper with Meat");
    assert_true(d[0].seconds == 3.0);
    assert_string_equal(d[1].name, "Tomato and Eggs");
    assert_true(d[1].seconds == 0.25);
    assert_string_equal(d[2].name, "X");
    assert_true(d[2].seconds == 0.0);

    /* The last ':' splits, so a name may hold one. */
    assert_int_equal(dish_list_parse("Chef's: special:2", d, DISHES_MAX, why, sizeof why), 1);
    assert_string_equal(d[0].name, "Chef's: special");
    assert_true(d[0].seconds == 2.0);
}

static void test_dishes_limits(void **state)
{
    struct dish d[DISHES_MAX];
    char why[128];
    char text[DISHES_MAX * 8 + 64];
    char name[DISH_NAME_MAX + 8];

    (void)state;
    /* A name of DISH_NAME_MAX - 1 bytes fits; one more does not. */
    memset(name, 'n', DISH_NAME_MAX - 1);
    snprintf(name + DISH_NAME_MAX - 1, 8, ":1");
    assert_int_equal(dish_list_parse(name, d, DISHES_MAX, why, sizeof why), 1);
    assert_int_equal(strlen(d[0].name), DISH_NAME_MAX - 1);
    memset(name, 'n', DISH_NAME_MAX);
    snprintf(name + DISH_NAME_MAX, 8, ":1");
    assert_int_equal(dish_list_parse(name, d, DISHES_MAX, why, sizeof why), -1);
    assert_non_null(strstr(why, "longer than 63 bytes"));

    /* DISHES_MAX dishes fit; one more does not. */
    text[0] = '\0';
    for (int i = 0; i < DISHES_MAX; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%sd%d:1", i ? "," : "", i);
    assert_int_equal(dish_list_parse(text, d, DISHES_MAX, why, sizeof why), DISHES_MAX);
    assert_string_equal(d[DISHES_MAX - 1].name, "d31");
    strcat(text, ",last:1");
    assert_int_equal(dish_list_parse(text, d, DISHES_MAX, why, sizeof why), -1);
    assert_non_null(strstr(why, "more than 32 dishes"));
    assert_int_equal(dish_list_parse("a:1,b:1,c:1", d, 2, why, sizeof why), -1);
    assert_non_null(strstr(why, "more than 2 dishes"));
}

static void test_dishes_invalid(void **state)
{
    static const struct { const char *text, *why; } cases[] = {
        {"", "empty"},
        {"   ", "empty"},
        {"a", "'a' has no ':SECONDS'"},
        {"a:", "'a:': the time is not"},
        {":1", "':1' has no name"},
        {"  :1", "has no name"},
        {"a:-1", "'a:-1': the time is not"},
        {"a:x", "'a:x': the time is not"},
        {"a:1s", "'a:1s': the time is not"},
        {"a:nan", "the time is not"},
        {"a:86401", "the time is not"},
        {"a:1,", "has no ':SECONDS'"},
        {",a:1", "has no ':SECONDS'"},
        {"a:1,,b:2", "has no ':SECONDS'"},
        {"a:1,b", "'b' has no ':SECONDS'"},
    };
    struct dish d[DISHES_MAX];
    char why[128];

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        why[0] = '\0';
        int n = dish_list_parse(cases[i].text, d, DISHES_MAX, why, sizeof why);
        if (n != -1 || strstr(why, cases[i].why) == NULL)
            print_error("'%s': got %d, why '%s'\n", cases[i].text, n, why);
        assert_int_equal(n, -1);
        assert_non_null(strstr(why, cases[i].why));
    }
}

int main(void)
{
    program_set_name("test_workload");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_url_fetch),
        cmocka_unit_test(test_url_download),
        cmocka_unit_test(test_url_limits),
        cmocka_unit_test(test_url_template),
        cmocka_unit_test(test_content_mix64),
        cmocka_unit_test(test_content_pieces_equal_whole),
        cmocka_unit_test(test_content_verify_flipped_byte),
        cmocka_unit_test(test_item_payload),
        cmocka_unit_test(test_item_check_accepts),
        cmocka_unit_test(test_item_check_bad_json_reason),
        cmocka_unit_test(test_item_check_rejects),
        cmocka_unit_test(test_item_check_modes),
        cmocka_unit_test(test_checksum_streaming),
        cmocka_unit_test(test_cook_dish_ms),
        cmocka_unit_test(test_cook_dish_checksum),
        cmocka_unit_test(test_cook_say),
        cmocka_unit_test(test_dishes_valid),
        cmocka_unit_test(test_dishes_limits),
        cmocka_unit_test(test_dishes_invalid),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
