/* test_cache.c: unit tests of the task cache (common/cache.c).
 *
 * The key of each workload, a file written and read back, every cut and
 * every flipped byte of a good file refused, the shapes a damaged file can
 * take, and a save and load through a real folder: cached records, the ids
 * beyond the count kept, other options refused, an unwritable folder, a
 * device, a FIFO and a file too large to be a cache. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "options.h"
#include "record.h"
#include "run.h"

static const struct cache_entry sample[] = {
    { 1, 256, 0x0123456789abcdefULL },
    { 3, 256, 0xfedcba9876543210ULL },
    { 7, 0, 0 },
};
#define SAMPLE_COUNT (sizeof sample / sizeof sample[0])

/* The bytes cache_write produces for key and entries; the caller frees. */
static char *written(const char *key, const struct cache_entry *entries, size_t count,
                     size_t *len)
{
    char *text = NULL;
    FILE *out = open_memstream(&text, len);

    assert_non_null(out);
    cache_write(out, key, entries, count);
    assert_int_equal(fclose(out), 0);
    return text;
}

/* cache_read of len bytes of text. */
static enum cache_status read_text(const char *text, size_t len, struct cache *cache,
                                   char *why, size_t why_size)
{
    FILE *in;
    enum cache_status status;

    /* fmemopen refuses a size of 0: an empty file is /dev/null. */
    in = len > 0 ? fmemopen((void *)text, len, "r") : fopen("/dev/null", "r");
    assert_non_null(in);
    why[0] = '\0';
    status = cache_read(in, cache, why, why_size);
    fclose(in);
    return status;
}

static void expect_refused(const char *text, const char *reason)
{
    struct cache cache;
    char why[256];

    assert_int_equal(read_text(text, strlen(text), &cache, why, sizeof why), CACHE_REFUSED);
    if (strstr(why, reason) == NULL)
        fail_msg("'%s' lacks '%s'", why, reason);
    assert_null(cache.entries);
}

/* ---- The key ---- */

static void test_key_per_workload(void **state)
{
    struct options o = { .workload = WORKLOAD_FETCH, .size_bytes = 1024, .rounds = 10 };
    char key[CACHE_KEY_MAX];

    (void)state;
    assert_int_equal(cache_key(&o, key, sizeof key), 0);
    assert_string_equal(key, "workload=fetch verify=content path=/items/{id}");
    o.verify = VERIFY_ID;
    strcpy(o.path, "/api/{id}");
    assert_int_equal(cache_key(&o, key, sizeof key), 0);
    assert_string_equal(key, "workload=fetch verify=id path=/api/{id}");
    /* The server's own bytes decide the result: its URL is in the key. */
    o.verify = VERIFY_STATUS;
    strcpy(o.url, "http://here:1");
    assert_int_equal(cache_key(&o, key, sizeof key), 0);
    assert_string_equal(key, "workload=fetch verify=status path=/api/{id} url=http://here:1");
    o.verify = VERIFY_CONTENT;
    o.path[0] = '\0';
    o.workload = WORKLOAD_DOWNLOAD;
    assert_int_equal(cache_key(&o, key, sizeof key), 0);
    assert_string_equal(key, "workload=download size=1024 verify=content path=/blobs/{id}?size={size}");
    o.verify = VERIFY_ID;
    assert_int_equal(cache_key(&o, key, sizeof key), 0);
    assert_string_equal(key, "workload=download size=1024 verify=id path=/blobs/{id}?size={size} "
                             "url=http://here:1");
    o.verify = VERIFY_CONTENT;
    o.workload = WORKLOAD_FILES;
    assert_int_equal(cache_key(&o, key, sizeof key), 0);
    assert_string_equal(key, "workload=files size=1024");
    o.workload = WORKLOAD_CPU;
    assert_int_equal(cache_key(&o, key, sizeof key), 0);
    assert_string_equal(key, "workload=cpu rounds=10");
    o.workload = WORKLOAD_COOK;
    o.dish_count = 2;
    strcpy(o.dishes[0].name, "Soup 100%");
    strcpy(o.dishes[1].name, "Tea\ntime");
    assert_int_equal(cache_key(&o, key, sizeof key), 0);
    assert_string_equal(key, "workload=cook dishes=Soup 100%25,Tea%0Atime");
    /* Neither the count, the URL, the latency nor a dish's time matter. */
    o.count = 5;
    o.latency_ms = 300;
    o.dishes[0].seconds = 9;
    strcpy(o.url, "http://elsewhere:1");
    assert_int_equal(cache_key(&o, key, sizeof key), 0);
    assert_string_equal(key, "workload=cook dishes=Soup 100%25,Tea%0Atime");
    assert_int_equal(cache_key(&o, key, 20), -1);   /* too small: refused, not cut */
}

/* ---- Writing and reading ---- */

static void test_round_trip(void **state)
{
    size_t len;
    char *text = written("workload=fetch", sample, SAMPLE_COUNT, &len);
    struct cache cache;
    char why[256];

    (void)state;
    assert_true(strncmp(text, "aio-bench cache 1\nkey workload=fetch\n"
                              "1 256 0123456789abcdef\n3 256 fedcba9876543210\n7 0 0000000000000000\nend 3 ",
                        strlen("aio-bench cache 1\nkey workload=fetch\n"
                               "1 256 0123456789abcdef\n3 256 fedcba9876543210\n7 0 0000000000000000\nend 3 ")) == 0);
    assert_int_equal(read_text(text, len, &cache, why, sizeof why), CACHE_OK);
    assert_string_equal(cache.key, "workload=fetch");
    assert_int_equal(cache.count, SAMPLE_COUNT);
    assert_memory_equal(cache.entries, sample, sizeof sample);
    cache_free(&cache);
    free(text);

    /* No entries at all is a cache too. */
    text = written("workload=cpu rounds=1", NULL, 0, &len);
    assert_int_equal(read_text(text, len, &cache, why, sizeof why), CACHE_OK);
    assert_int_equal(cache.count, 0);
    assert_string_equal(cache.key, "workload=cpu rounds=1");
    cache_free(&cache);
    free(text);
}

/* Every prefix of a good file, and the file with any one byte changed, is
 * refused: nothing short of the whole, unchanged file is used. */
static void test_every_cut_and_flip_refused(void **state)
{
    size_t len;
    char *text = written("workload=download size=1048576", sample, SAMPLE_COUNT, &len);
    struct cache cache;
    char why[256];

    (void)state;
    for (size_t cut = 0; cut < len; cut++) {
        if (read_text(text, cut, &cache, why, sizeof why) != CACHE_REFUSED)
            fail_msg("the file cut to %zu of %zu bytes was accepted", cut, len);
    }
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            text[i] ^= (char)(1 << bit);
            if (read_text(text, len, &cache, why, sizeof why) != CACHE_REFUSED)
                fail_msg("byte %zu with bit %d flipped was accepted", i, bit);
            text[i] ^= (char)(1 << bit);
        }
    }
    assert_int_equal(read_text(text, len, &cache, why, sizeof why), CACHE_OK);
    cache_free(&cache);
    free(text);
}

static void test_damaged_shapes(void **state)
{
    size_t len;
    char *text = written("workload=fetch", sample, SAMPLE_COUNT, &len);
    char *more = malloc(len + 64);

    (void)state;
    assert_non_null(more);
    expect_refused("", "it is empty");
    expect_refused("hello, world\n", "it does not begin with \"aio-bench cache 1\"");
    expect_refused("PK\x03\x04\x00\x00", "it does not begin with");
    expect_refused("aio-bench cache 2\nkey workload=fetch\nend 0 0000000000000000\n",
                   "it has format version 2; this program reads 1");
    expect_refused("aio-bench cache x\n", "no format version");
    expect_refused("aio-bench cache 1\nkey workload=fetch\n", "it has no end line");
    expect_refused("aio-bench cache 1\nkey \nend 0 0000000000000000\n", "line 2 is not");
    expect_refused("aio-bench cache 1\nworkload=fetch\n", "line 2 is not");
    expect_refused("aio-bench cache 1\nkey workload=fetch\n2 256 0123456789abcdef\n"
                   "1 256 0123456789abcdef\n", "line 4: id 1 does not follow id 2");
    expect_refused("aio-bench cache 1\nkey workload=fetch\n2 256 0123456789ABCDEF\n",
                   "line 3 is not \"ID BYTES CHECKSUM\"");
    expect_refused("aio-bench cache 1\nkey workload=fetch\n2  256 0123456789abcdef\n",
                   "line 3 is not");
    expect_refused("aio-bench cache 1\nkey workload=fetch\n0 256 0123456789abcdef\n",
                   "line 3 is not");
    expect_refused("aio-bench cache 1\nkey workload=fetch\nend 1 0000000000000000\n",
                   "its end line counts 1 entries, it holds 0");
    expect_refused("aio-bench cache 1\nkey workload=fetch\nend 0 0000000000000000\n",
                   "its content does not match its hash");
    /* Anything after the end line. */
    memcpy(more, text, len);
    memcpy(more + len, "8 1 0000000000000000\n", 22);
    expect_refused(more, "line 7 follows its end line");
    /* A NUL byte inside a line. */
    memcpy(more, text, len + 1);
    more[len - 5] = '\0';
    {
        struct cache cache;
        char why[256];

        assert_int_equal(read_text(more, len, &cache, why, sizeof why), CACHE_REFUSED);
        assert_non_null(strstr(why, "cut short or holds a NUL byte"));
    }
    free(more);
    free(text);
}

/* ---- Load and save through a folder ---- */

struct fixture {
    char dir[64];
    char path[128];
    struct options opts;
    struct task_record records[10];
    struct run run;
};

static void make_run(struct fixture *f, enum workload workload, size_t count)
{
    memset(&f->run, 0, sizeof f->run);
    memset(f->records, 0, sizeof f->records);
    f->opts.workload = workload;
    f->opts.count = (long)count;
    f->opts.size_bytes = 2048;
    snprintf(f->opts.cache_path, sizeof f->opts.cache_path, "%s", f->path);
    f->run.opts = &f->opts;
    f->run.records = f->records;
    f->run.count = count;
    for (size_t i = 0; i < count; i++)
        f->records[i].id = (long)i + 1;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/test-cache.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/run.cache", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char tmp[160];

    unlink(f->path);
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", f->path, (long)getpid());
    unlink(tmp);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void test_save_and_load(void **state)
{
    struct fixture *f = *state;
    struct cache cache;
    struct stat st;

    /* A first run with no file: nothing cached; ids 2 and 5 complete. */
    make_run(f, WORKLOAD_DOWNLOAD, 6);
    assert_int_equal(cache_load(&f->run, &cache), CACHE_OK);
    assert_int_equal(f->run.cached, 0);
    f->records[1] = (struct task_record){ .id = 2, .state = TASK_COMPLETED, .attempts = 1,
                                          .bytes = 2048, .checksum = 22 };
    f->records[4] = (struct task_record){ .id = 5, .state = TASK_COMPLETED, .attempts = 2,
                                          .bytes = 2048, .checksum = 55 };
    f->records[5] = (struct task_record){ .id = 6, .state = TASK_FAILED, .attempts = 1,
                                          .cause = CAUSE_STATUS };
    assert_int_equal(cache_save(&f->run, &cache), 0);
    cache_free(&cache);

    /* The rerun with 4 tasks takes id 2; id 5 is beyond it but kept. */
    make_run(f, WORKLOAD_DOWNLOAD, 4);
    assert_int_equal(cache_load(&f->run, &cache), CACHE_OK);
    assert_int_equal(f->run.cached, 1);
    assert_true(record_is_done(&f->records[1]) && f->records[1].cached);
    assert_string_equal(record_state_name(&f->records[1]), "cached");
    assert_int_equal(f->records[1].checksum, 22);
    assert_int_equal(f->records[1].bytes, 2048);
    assert_int_equal(f->records[1].attempts, 0);
    assert_false(record_is_done(&f->records[0]));
    f->records[0] = (struct task_record){ .id = 1, .state = TASK_COMPLETED, .attempts = 1,
                                          .bytes = 2048, .checksum = 11 };
    assert_int_equal(cache_save(&f->run, &cache), 0);
    cache_free(&cache);

    /* A run of 10 now finds 1, 2 and 5. */
    make_run(f, WORKLOAD_DOWNLOAD, 10);
    assert_int_equal(cache_load(&f->run, &cache), CACHE_OK);
    assert_int_equal(f->run.cached, 3);
    assert_int_equal(f->records[0].checksum, 11);
    assert_int_equal(f->records[4].checksum, 55);
    assert_false(record_is_done(&f->records[5]));
    cache_free(&cache);

    /* Other options: refused, the file untouched; no temporary file left. */
    assert_int_equal(stat(f->path, &st), 0);
    f->opts.size_bytes = 4096;
    f->run.cached = 0;
    assert_int_equal(cache_load(&f->run, &cache), CACHE_REFUSED);
    assert_int_equal(f->run.cached, 0);
    make_run(f, WORKLOAD_FILES, 10);
    assert_int_equal(cache_load(&f->run, &cache), CACHE_REFUSED);
}

static void test_unusable_paths(void **state)
{
    struct fixture *f = *state;
    struct cache cache;

    make_run(f, WORKLOAD_FETCH, 3);
    /* A folder that does not exist, and one that takes no files. */
    snprintf(f->opts.cache_path, sizeof f->opts.cache_path, "%s/no-such-folder/c", f->dir);
    assert_int_equal(cache_load(&f->run, &cache), CACHE_FAILED);
    snprintf(f->opts.cache_path, sizeof f->opts.cache_path, "/proc/aio-bench-cache");
    assert_int_equal(cache_load(&f->run, &cache), CACHE_FAILED);
    /* A folder where the file should be: it cannot be read. */
    snprintf(f->opts.cache_path, sizeof f->opts.cache_path, "%s", f->dir);
    assert_int_equal(cache_load(&f->run, &cache), CACHE_FAILED);
    assert_int_equal(f->run.cached, 0);
    /* A device would give a line without end, a FIFO would block: refused. */
    snprintf(f->opts.cache_path, sizeof f->opts.cache_path, "/dev/zero");
    assert_int_equal(cache_load(&f->run, &cache), CACHE_REFUSED);
    snprintf(f->opts.cache_path, sizeof f->opts.cache_path, "%s/fifo", f->dir);
    assert_int_equal(mkfifo(f->opts.cache_path, 0600), 0);
    assert_int_equal(cache_load(&f->run, &cache), CACHE_REFUSED);
    assert_int_equal(unlink(f->opts.cache_path), 0);
    /* A file larger than any cache is not read at all. */
    snprintf(f->opts.cache_path, sizeof f->opts.cache_path, "%s", f->path);
    {
        FILE *big = fopen(f->path, "w");

        assert_non_null(big);
        assert_int_equal(ftruncate(fileno(big), (64L << 20) + 1), 0);
        assert_int_equal(fclose(big), 0);
    }
    assert_int_equal(cache_load(&f->run, &cache), CACHE_REFUSED);
    assert_int_equal(f->run.cached, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_per_workload),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_every_cut_and_flip_refused),
        cmocka_unit_test(test_damaged_shapes),
        cmocka_unit_test_setup_teardown(test_save_and_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unusable_paths, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
