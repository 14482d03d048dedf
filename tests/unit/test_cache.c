/* test_cache.c: unit tests of the task cache (client/cache.c).
 *
 * The key of each workload; saves and loads through a real folder: cached
 * records, the ids beyond the count kept, the rows of other options kept
 * apart, two runs' saves both kept (one of them waiting for the other's
 * lock), a load and an empty save leaving the file as it was; and every
 * file refused with one line and no record taken: not SQLite, another
 * program's database, another version, a damaged page, a file cut short,
 * forged rows (bytes that would wrap a total, ids out of range, a value
 * that is not an integer, an id twice), and paths that are not a regular
 * file or whose folder takes no file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cache.h"
#include "options.h"
#include "record.h"
#include "run.h"

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

/* ---- A run and its cache file in a fresh folder ---- */

#define SIZE 2048   /* the download's --size in these tests */
#define DOWNLOAD_KEY "workload=download size=2048 verify=content path=/blobs/{id}?size={size}"

struct fixture {
    char dir[64];
    char path[128];
    struct options opts;
    struct task_record records[10];
    struct run run;
};

/* A run of count tasks of workload, all pending, with --cache f->path. */
static void make_run(struct fixture *f, enum workload workload, size_t count)
{
    memset(&f->run, 0, sizeof f->run);
    memset(f->records, 0, sizeof f->records);
    f->opts.workload = workload;
    f->opts.count = (long)count;
    f->opts.size_bytes = SIZE;
    snprintf(f->opts.cache_path, sizeof f->opts.cache_path, "%s", f->path);
    f->run.opts = &f->opts;
    f->run.records = f->records;
    f->run.count = count;
    for (size_t i = 0; i < count; i++)
        f->records[i].id = (long)i + 1;
}

/* Marks task id completed with its checksum, as a model would. */
static void complete(struct fixture *f, long id, uint64_t bytes, uint64_t checksum)
{
    f->records[id - 1] = (struct task_record){ .id = id, .state = TASK_COMPLETED,
                                               .attempts = 1, .bytes = bytes,
                                               .checksum = checksum };
}

/* The ids the run took from the cache, as "1 2 5". */
static const char *cached_ids(const struct fixture *f)
{
    static char ids[64];
    size_t len = 0;

    ids[0] = '\0';
    for (size_t i = 0; i < f->run.count; i++)
        if (f->records[i].cached)
            len += (size_t)snprintf(ids + len, sizeof ids - len, "%s%ld", len > 0 ? " " : "",
                                    f->records[i].id);
    return ids;
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
    char journal[160];
    int rc;

    unlink(f->path);
    snprintf(journal, sizeof journal, "%s-journal", f->path);
    unlink(journal);
    rc = rmdir(f->dir);   /* fails, and the test with it, if anything else was left */
    free(f);
    return rc;
}

/* Runs SQL on the file at path through a connection of its own: how a test
 * makes, forges or shares a cache file. */
static void sql(const char *path, const char *statements)
{
    sqlite3 *db;
    char *why = NULL;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    if (sqlite3_exec(db, statements, NULL, NULL, &why) != SQLITE_OK)
        fail_msg("%s: %s", statements, why);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* The file's bytes, to show that something left it as it was; the caller frees. */
static char *file_bytes(const char *path, size_t *len)
{
    FILE *in = fopen(path, "rb");
    char *bytes;
    long size;

    assert_non_null(in);
    assert_int_equal(fseek(in, 0, SEEK_END), 0);
    size = ftell(in);
    assert_true(size >= 0);
    rewind(in);
    bytes = malloc((size_t)size + 1);
    assert_non_null(bytes);
    assert_int_equal(fread(bytes, 1, (size_t)size, in), (size_t)size);
    assert_int_equal(fclose(in), 0);
    *len = (size_t)size;
    return bytes;
}

static void write_file(const char *path, const void *bytes, size_t len)
{
    FILE *out = fopen(path, "wb");

    assert_non_null(out);
    assert_int_equal(fwrite(bytes, 1, len, out), len);
    assert_int_equal(fclose(out), 0);
}

/* cache_load with stderr caught: its status, and what it said in said. */
static enum cache_status load_saying(struct fixture *f, char *said, size_t size)
{
    FILE *caught = tmpfile();
    int saved = dup(STDERR_FILENO);
    enum cache_status status;
    size_t n;

    assert_non_null(caught);
    assert_true(saved >= 0);
    fflush(stderr);
    assert_true(dup2(fileno(caught), STDERR_FILENO) >= 0);
    status = cache_load(&f->run);
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    rewind(caught);
    n = fread(said, 1, size - 1, caught);
    said[n] = '\0';
    fclose(caught);
    return status;
}

/* The load fails with status, one line holding text, and no record taken. */
static void expect_load_fails(struct fixture *f, enum cache_status status, const char *text)
{
    char said[1024];
    const char *newline;

    assert_int_equal(load_saying(f, said, sizeof said), status);
    newline = strchr(said, '\n');
    if (newline == NULL || newline[1] != '\0')
        fail_msg("not one line: '%s'", said);
    if (strstr(said, text) == NULL)
        fail_msg("'%s' lacks '%s'", said, text);
    assert_int_equal(f->run.cached, 0);
    for (size_t i = 0; i < f->run.count; i++) {
        assert_false(f->records[i].cached);
        assert_int_equal(f->records[i].state, TASK_PENDING);
    }
}

/* ---- Saving and loading ---- */

static void test_save_and_load(void **state)
{
    struct fixture *f = *state;

    /* A first run with no file: nothing cached; ids 2 and 5 complete. */
    make_run(f, WORKLOAD_DOWNLOAD, 6);
    assert_int_equal(cache_load(&f->run), CACHE_OK);
    assert_int_equal(f->run.cached, 0);
    complete(f, 2, SIZE, 22);
    complete(f, 5, SIZE, 0xfedcba9876543210ULL);   /* a checksum above INT64_MAX */
    f->records[5] = (struct task_record){ .id = 6, .state = TASK_FAILED, .attempts = 1,
                                          .cause = CAUSE_STATUS };
    assert_int_equal(cache_save(&f->run), 0);

    /* The rerun with 4 tasks takes id 2; id 5 is beyond it but kept. */
    make_run(f, WORKLOAD_DOWNLOAD, 4);
    assert_int_equal(cache_load(&f->run), CACHE_OK);
    assert_int_equal(f->run.cached, 1);
    assert_true(record_is_done(&f->records[1]) && f->records[1].cached);
    assert_string_equal(record_state_name(&f->records[1]), "cached");
    assert_int_equal(f->records[1].checksum, 22);
    assert_int_equal(f->records[1].bytes, SIZE);
    assert_int_equal(f->records[1].attempts, 0);
    assert_false(record_is_done(&f->records[0]));
    complete(f, 1, SIZE, 11);
    assert_int_equal(cache_save(&f->run), 0);

    /* A run of 10 now finds 1, 2 and 5, each with its checksum. */
    make_run(f, WORKLOAD_DOWNLOAD, 10);
    assert_int_equal(cache_load(&f->run), CACHE_OK);
    assert_string_equal(cached_ids(f), "1 2 5");
    assert_int_equal(f->records[0].checksum, 11);
    assert_true(f->records[4].checksum == 0xfedcba9876543210ULL);
    assert_false(record_is_done(&f->records[5]));

    /* Other options find no rows of theirs, and add their own beside. */
    make_run(f, WORKLOAD_FILES, 3);
    f->opts.size_bytes = 4096;
    assert_int_equal(cache_load(&f->run), CACHE_OK);
    assert_int_equal(f->run.cached, 0);
    complete(f, 1, 4096, 7);
    assert_int_equal(cache_save(&f->run), 0);
    make_run(f, WORKLOAD_DOWNLOAD, 10);
    assert_int_equal(cache_load(&f->run), CACHE_OK);
    assert_string_equal(cached_ids(f), "1 2 5");
    f->opts.size_bytes = 4096;
    make_run(f, WORKLOAD_FILES, 3);
    f->opts.size_bytes = 4096;
    assert_int_equal(cache_load(&f->run), CACHE_OK);
    assert_string_equal(cached_ids(f), "1");
}

/* The bug: two runs that loaded the same file each save what they
 * did, and neither save drops the other's rows. */
static void test_two_runs_both_kept(void **state)
{
    struct fixture *f = *state;
    struct fixture second = *f;

    make_run(f, WORKLOAD_DOWNLOAD, 6);
    second.run = f->run;
    second.run.records = second.records;
    memcpy(second.records, f->records, sizeof second.records);
    assert_int_equal(cache_load(&f->run), CACHE_OK);
    assert_int_equal(cache_load(&second.run), CACHE_OK);
    complete(f, 1, SIZE, 1);
    complete(f, 3, SIZE, 3);
    second.records[1] = (struct task_record){ .id = 2, .state = TASK_COMPLETED, .bytes = SIZE,
                                              .checksum = 2 };
    second.records[3] = (struct task_record){ .id = 4, .state = TASK_COMPLETED, .bytes = SIZE,
                                              .checksum = 4 };
    assert_int_equal(cache_save(&f->run), 0);
    assert_int_equal(cache_save(&second.run), 0);

    make_run(f, WORKLOAD_DOWNLOAD, 6);
    assert_int_equal(cache_load(&f->run), CACHE_OK);
    assert_string_equal(cached_ids(f), "1 2 3 4");
}

/* Another run in the middle of its save: holds the write lock a while. */
struct lock_holder {
    const char *path;
    sqlite3 *db;
    pthread_t thread;
    int save_rc;
    const struct run *run;
};

/* The second run's save, on a thread of its own: it waits for the lock. */
static void *save_behind_lock(void *arg)
{
    struct lock_holder *h = arg;

    h->save_rc = cache_save(h->run);
    return NULL;
}

static void test_save_waits_for_a_lock(void **state)
{
    struct fixture *f = *state;
    struct lock_holder h = { .path = f->path, .save_rc = -2 };
    struct timespec pause = { 0, 200 * 1000 * 1000 };

    make_run(f, WORKLOAD_DOWNLOAD, 6);
    complete(f, 6, SIZE, 6);
    assert_int_equal(cache_save(&f->run), 0);   /* makes the file */

    /* The other run has begun its transaction and written a row... */
    assert_int_equal(sqlite3_open(f->path, &h.db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h.db, "BEGIN IMMEDIATE; INSERT INTO results VALUES ('"
                                  DOWNLOAD_KEY "', 5, 2048, 5)", NULL, NULL, NULL), SQLITE_OK);
    /* ...when this run saves: it waits, then saves once the lock is free. */
    make_run(f, WORKLOAD_DOWNLOAD, 6);
    complete(f, 1, SIZE, 1);
    h.run = &f->run;
    assert_int_equal(pthread_create(&h.thread, NULL, save_behind_lock, &h), 0);
    nanosleep(&pause, NULL);
    assert_int_equal(sqlite3_exec(h.db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(pthread_join(h.thread, NULL), 0);
    assert_int_equal(sqlite3_close(h.db), SQLITE_OK);
    assert_int_equal(h.save_rc, 0);

    make_run(f, WORKLOAD_DOWNLOAD, 6);
    assert_int_equal(cache_load(&f->run), CACHE_OK);
    assert_string_equal(cached_ids(f), "1 5 6");
}

/* A load only reads, and a save with nothing new writes nothing: the file
 * stays the same to the byte (SQLite's header counts every change). */
static void test_load_and_empty_save_leave_the_file(void **state)
{
    struct fixture *f = *state;
    size_t len, len_after;
    char *before, *after;

    make_run(f, WORKLOAD_DOWNLOAD, 3);
    complete(f, 1, SIZE, 1);
    complete(f, 2, SIZE, 2);
    assert_int_equal(cache_save(&f->run), 0);
    before = file_bytes(f->path, &len);

    make_run(f, WORKLOAD_DOWNLOAD, 3);
    assert_int_equal(cache_load(&f->run), CACHE_OK);
    assert_int_equal(f->run.cached, 2);
    f->records[2] = (struct task_record){ .id = 3, .state = TASK_FAILED, .cause = CAUSE_STATUS };
    assert_int_equal(cache_save(&f->run), 0);
    after = file_bytes(f->path, &len_after);
    assert_int_equal(len_after, len);
    assert_memory_equal(after, before, len);
    free(after);
    free(before);
}

/* A file of no bytes (made by touch or mktemp, or by another run's open an
 * instant before its save) is an empty cache, and the save fills it. */
static void test_empty_file_is_an_empty_cache(void **state)
{
    struct fixture *f = *state;

    write_file(f->path, "", 0);
    make_run(f, WORKLOAD_CPU, 3);
    assert_int_equal(cache_load(&f->run), CACHE_OK);
    assert_int_equal(f->run.cached, 0);
    complete(f, 3, 0, 33);
    assert_int_equal(cache_save(&f->run), 0);
    make_run(f, WORKLOAD_CPU, 3);
    assert_int_equal(cache_load(&f->run), CACHE_OK);
    assert_string_equal(cached_ids(f), "3");
    assert_int_equal(f->records[2].checksum, 33);
}

/* ---- Files refused, with one line and no record taken ---- */

/* A good cache of a download: ids 1..3 at their --size. */
static void make_good_cache(struct fixture *f)
{
    make_run(f, WORKLOAD_DOWNLOAD, 3);
    for (long id = 1; id <= 3; id++)
        complete(f, id, SIZE, (uint64_t)id * 1000);
    assert_int_equal(cache_save(&f->run), 0);
    make_run(f, WORKLOAD_DOWNLOAD, 3);
}

static void test_foreign_files_refused(void **state)
{
    struct fixture *f = *state;
    char text[4096];

    make_run(f, WORKLOAD_DOWNLOAD, 3);
    write_file(f->path, "id,state\n1,completed\n", 21);
    expect_load_fails(f, CACHE_REFUSED, "is not a usable cache: file is not a database");
    /* The old text cache is no database either. */
    write_file(f->path, "aio-bench cache 1\nkey workload=cpu rounds=1\nend 0 0\n", 52);
    expect_load_fails(f, CACHE_REFUSED, "file is not a database");
    memset(text, 'x', sizeof text);
    write_file(f->path, text, sizeof text);
    expect_load_fails(f, CACHE_REFUSED, "file is not a database");

    unlink(f->path);
    sql(f->path, "CREATE TABLE results (id, bytes, checksum)");
    expect_load_fails(f, CACHE_REFUSED,
                      "it is an SQLite database of another program (application_id 0, not ");
    unlink(f->path);
    sql(f->path, "PRAGMA application_id = 42; CREATE TABLE t (x)");
    expect_load_fails(f, CACHE_REFUSED, "(application_id 42, not 1634299714)");
    unlink(f->path);
    sql(f->path, "PRAGMA application_id = 1634299714; PRAGMA user_version = 2;"
                 "CREATE TABLE results (x)");
    expect_load_fails(f, CACHE_REFUSED, "it has format version 2; this program reads 1");
    unlink(f->path);
    sql(f->path, "PRAGMA application_id = 1634299714; PRAGMA user_version = 1;"
                 "CREATE TABLE other (x)");
    expect_load_fails(f, CACHE_REFUSED, "it has no results table (remove it to start afresh)");
}

static void test_damaged_files_refused(void **state)
{
    struct fixture *f = *state;
    size_t len;
    char *good;
    int fd;

    make_good_cache(f);
    good = file_bytes(f->path, &len);
    assert_true(len >= 2 * 4096);   /* the schema's page, then the table's */

    /* The table's page overwritten at its start. */
    fd = open(f->path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "\xff\xff\xff\xff\xff\xff\xff\xff", 8, 4096), 8);
    assert_int_equal(close(fd), 0);
    expect_load_fails(f, CACHE_REFUSED, "is not a usable cache: it is damaged: ");

    /* Cut short: without the table's page, within the schema's page, and
     * within the header. */
    write_file(f->path, good, 4096);
    expect_load_fails(f, CACHE_REFUSED, "is not a usable cache: ");
    write_file(f->path, good, 3000);
    expect_load_fails(f, CACHE_REFUSED, "is not a usable cache: ");
    write_file(f->path, good, 50);
    expect_load_fails(f, CACHE_REFUSED, "is not a usable cache: ");

    /* Whole again, it is used. */
    write_file(f->path, good, len);
    assert_int_equal(cache_load(&f->run), CACHE_OK);
    assert_int_equal(f->run.cached, 3);
    free(good);
}

/* Makes the results table again without its key and checks, rows kept. */
static void strip_table(const char *path)
{
    sql(path, "ALTER TABLE results RENAME TO old;"
              "CREATE TABLE results (key, id, bytes, checksum);"
              "INSERT INTO results SELECT * FROM old;"
              "DROP TABLE old");
}

/* Rows that no task of this run could have written: refused whole, though
 * the file is a sound database. */
static void test_forged_rows_refused(void **state)
{
    struct fixture *f = *state;

    /* Bytes that would wrap the run's total: two of 2^63 - 1. */
    make_good_cache(f);
    sql(f->path, "UPDATE results SET bytes = 9223372036854775807 WHERE id <= 2");
    make_run(f, WORKLOAD_DOWNLOAD, 3);
    expect_load_fails(f, CACHE_REFUSED, "id 1 has 9223372036854775807 bytes, where a task of "
                                        "this run yields 2048 to 2048");
    /* A fetch's bytes are the server's, but not beyond 16 TiB. */
    unlink(f->path);
    make_run(f, WORKLOAD_FETCH, 3);
    complete(f, 1, 300, 1);
    assert_int_equal(cache_save(&f->run), 0);
    sql(f->path, "UPDATE results SET bytes = 17592186044417");
    make_run(f, WORKLOAD_FETCH, 3);
    expect_load_fails(f, CACHE_REFUSED, "id 1 has 17592186044417 bytes, where a task of this "
                                        "run yields 0 to 17592186044416");
    sql(f->path, "UPDATE results SET bytes = 17592186044416");
    make_run(f, WORKLOAD_FETCH, 3);
    assert_int_equal(cache_load(&f->run), CACHE_OK);
    assert_int_equal(f->run.cached, 1);

    /* A download the mock made is exactly --size; cpu and cook yield none. */
    unlink(f->path);
    make_good_cache(f);
    sql(f->path, "UPDATE results SET bytes = 2047 WHERE id = 3");
    expect_load_fails(f, CACHE_REFUSED, "id 3 has 2047 bytes");
    unlink(f->path);
    make_run(f, WORKLOAD_CPU, 3);
    complete(f, 2, 0, 1);
    assert_int_equal(cache_save(&f->run), 0);
    sql(f->path, "UPDATE results SET bytes = 1");
    make_run(f, WORKLOAD_CPU, 3);
    expect_load_fails(f, CACHE_REFUSED, "id 2 has 1 bytes, where a task of this run yields 0 to 0");

    /* A row that breaks the table's own checks is found by quick_check. */
    unlink(f->path);
    make_good_cache(f);
    sql(f->path, "PRAGMA ignore_check_constraints = ON; UPDATE results SET bytes = -1 WHERE id = 2");
    expect_load_fails(f, CACHE_REFUSED, "it is damaged: CHECK constraint failed in results");

    /* A table made without them, as a forger would: negative bytes, ids
     * out of range (even beyond this run's count, where no record would
     * take them, and after ids that were taken), a text, an id twice. */
    unlink(f->path);
    make_good_cache(f);
    strip_table(f->path);
    sql(f->path, "UPDATE results SET bytes = -1 WHERE id = 2");
    expect_load_fails(f, CACHE_REFUSED, "id 2 has -1 bytes");
    sql(f->path, "UPDATE results SET bytes = 2048, id = 0 WHERE id = 2");
    expect_load_fails(f, CACHE_REFUSED, "a row has id 0, outside 1..1000000");
    sql(f->path, "UPDATE results SET id = 1000001 WHERE id = 0");
    expect_load_fails(f, CACHE_REFUSED, "a row has id 1000001, outside 1..1000000");
    sql(f->path, "UPDATE results SET id = 2 WHERE id = 1000001");
    assert_int_equal(cache_load(&f->run), CACHE_OK);   /* mended: used */
    assert_int_equal(f->run.cached, 3);
    make_run(f, WORKLOAD_DOWNLOAD, 3);
    sql(f->path, "UPDATE results SET checksum = 'abc' WHERE id = 3");
    expect_load_fails(f, CACHE_REFUSED, "a row holds a non-integer where an integer belongs");
    sql(f->path, "UPDATE results SET checksum = NULL WHERE id = 3");
    expect_load_fails(f, CACHE_REFUSED, "a row holds NULL where an integer belongs");
    sql(f->path, "UPDATE results SET checksum = 3000 WHERE id = 3;"
                 "INSERT INTO results SELECT * FROM results WHERE id = 2");
    expect_load_fails(f, CACHE_REFUSED, "id 2 has two rows");
}

static void test_unusable_paths(void **state)
{
    struct fixture *f = *state;

    make_run(f, WORKLOAD_FETCH, 3);
    /* Not a regular file: refused before anything is opened. */
    snprintf(f->opts.cache_path, sizeof f->opts.cache_path, "%s", f->dir);
    expect_load_fails(f, CACHE_REFUSED, "is not a regular file but a directory");
    snprintf(f->opts.cache_path, sizeof f->opts.cache_path, "/dev/null");
    expect_load_fails(f, CACHE_REFUSED, "is not a regular file but a character device");
    snprintf(f->opts.cache_path, sizeof f->opts.cache_path, "%s/fifo", f->dir);
    assert_int_equal(mkfifo(f->opts.cache_path, 0600), 0);
    expect_load_fails(f, CACHE_REFUSED, "is not a regular file but a FIFO");
    assert_int_equal(unlink(f->opts.cache_path), 0);
    /* A folder that does not exist, and one that takes no files (tests may
     * run as root, whom no mode bit stops). */
    snprintf(f->opts.cache_path, sizeof f->opts.cache_path, "%s/no-such-folder/c", f->dir);
    expect_load_fails(f, CACHE_FAILED, "cannot be written: No such file or directory");
    snprintf(f->opts.cache_path, sizeof f->opts.cache_path, "/proc/aio-bench-cache");
    expect_load_fails(f, CACHE_FAILED, "cannot be written");
    /* A path through a file. */
    write_file(f->path, "", 0);
    snprintf(f->opts.cache_path, sizeof f->opts.cache_path, "%s/c", f->path);
    expect_load_fails(f, CACHE_FAILED, "cannot be read: Not a directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_per_workload),
        cmocka_unit_test_setup_teardown(test_save_and_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_runs_both_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_waits_for_a_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_and_empty_save_leave_the_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_file_is_an_empty_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_files_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_files_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forged_rows_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unusable_paths, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
