/* cache.c: --cache FILE, the results of completed tasks kept between runs,
 * in an SQLite database.
 *
 * The one thing to notice: what a small database written by hand must get
 * right, SQLite already does. A transaction makes a save whole or absent
 * (a run killed at any moment leaves the last good cache); its locks let
 * runs that share one file save in turn, each keeping its rows; PRAGMA
 * quick_check finds a damaged page. What SQLite cannot know is what a
 * number means: every value read back is checked against what a task of
 * this run can yield before a record takes it. The models never see the
 * cache: a cached record is simply done before they start (record_is_done). */
#include "cache.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "fsutil.h"
#include "program.h"
#include "record.h"
#include "run.h"
#include "workload.h"

/* PRAGMA application_id, four bytes of the file's header: "aioB" in ASCII.
 * It tells our file from any other SQLite database. */
#define CACHE_APPLICATION_ID 1634299714   /* 0x61696f42 */
/* PRAGMA user_version: the layout of the results table. Another layout
 * takes another number, and a program refuses a file it cannot read. */
#define CACHE_VERSION 1
/* How long a load or a save waits for another run's lock before it gives
 * up: each holds it for one short transaction. */
#define CACHE_BUSY_MS 5000
/* The most bytes one task can have yielded: 16 TiB, beyond any --size
 * (16 GiB at most) and any answer held in memory. A million tasks
 * (COUNT_MAX) of it still add up below 2^64, so a run's total of bytes,
 * cached tasks included, cannot wrap. */
#define TASK_BYTES_MAX (UINT64_C(1) << 44)
_Static_assert(COUNT_MAX <= UINT64_MAX / TASK_BYTES_MAX, "a run's total of bytes could wrap");

#define TEXT_OF_(x) #x
#define TEXT_OF(x) TEXT_OF_(x)

/* A new file's marks and its one table. WITHOUT ROWID keeps the rows in
 * (key, id) order, the one lookup a load makes. The key is repeated in
 * every row (tens of bytes): a table of keys would save that at the price
 * of a join, not worth it at these sizes. A checksum is 64 bits, stored as
 * the signed integer of the same bits (SQLite's integers are signed).
 * Types are checked where the rows are read rather than declared STRICT,
 * which SQLite before 3.37 could not open. */
static const char create_sql[] =
    "PRAGMA application_id = " TEXT_OF(CACHE_APPLICATION_ID) ";"
    "PRAGMA user_version = " TEXT_OF(CACHE_VERSION) ";"
    "CREATE TABLE results ("
    " key TEXT NOT NULL,"                            /* cache_key(): the options */
    " id INTEGER NOT NULL CHECK (id >= 1),"          /* the task's id */
    " bytes INTEGER NOT NULL CHECK (bytes >= 0),"    /* payload bytes it yielded */
    " checksum INTEGER NOT NULL,"                    /* its XXH3-64 */
    " PRIMARY KEY (key, id)"
    ") WITHOUT ROWID";

/* What a file is: its two marks, how many objects its schema holds (none
 * in a new, empty file) and whether one is the results table. */
static const char marks_sql[] =
    "SELECT (SELECT application_id FROM pragma_application_id),"
    " (SELECT user_version FROM pragma_user_version),"
    " (SELECT count(*) FROM sqlite_master),"
    " (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'results')";

static const char select_sql[] = "SELECT id, bytes, checksum FROM results WHERE key = ?1";

/* A task completed again replaces its row: the same key and id give the
 * same result, whichever run wrote it. */
static const char insert_sql[] =
    "INSERT OR REPLACE INTO results (key, id, bytes, checksum) VALUES (?1, ?2, ?3, ?4)";

/* ---- The key ---- */

/* Appends text to key at *len, or fails when it does not fit. */
static int key_append(char *key, size_t size, size_t *len, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

static int key_append(char *key, size_t size, size_t *len, const char *format, ...)
{
    va_list args;
    int n;

    va_start(args, format);
    n = vsnprintf(key + *len, size - *len, format, args);
    va_end(args);
    if (n < 0 || (size_t)n >= size - *len)
        return -1;
    *len += (size_t)n;
    return 0;
}

/* A dish's name with '%', ',' and bytes outside printable ASCII as %XX:
 * the key stays one line and the names' separator stays unambiguous. */
static int key_append_name(char *key, size_t size, size_t *len, const char *name)
{
    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
        int rc = *p == '%' || *p == ',' || *p < 0x20 || *p >= 0x7f
                     ? key_append(key, size, len, "%%%02X", *p)
                     : key_append(key, size, len, "%c", *p);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* What an answer must be (--verify) and where it is asked (--path) change a
 * fetch's or download's result. The server matters only where the result
 * is the server's own bytes (--verify status; a download under --verify id):
 * under content and id the mock's bytes or the id decide it. */
static int key_append_http(const struct options *opts, char *key, size_t size, size_t *len)
{
    const char *path = opts->path[0] != '\0' ? opts->path : workload_default_path(opts->workload);
    bool servers_bytes = opts->verify == VERIFY_STATUS
                         || (opts->workload == WORKLOAD_DOWNLOAD && opts->verify == VERIFY_ID);

    if (key_append(key, size, len, " verify=%s path=%s", verify_name(opts->verify), path) != 0)
        return -1;
    return servers_bytes ? key_append(key, size, len, " url=%s", opts->url) : 0;
}

/* Only what changes a task's bytes or checksum is in the key. Not the
 * server's URL, but where the result is the server's own bytes (a mock
 * serves the same content for an id wherever it listens, and a test
 * server's port changes from run to run); not the count (a task's result
 * depends on its id alone, so a longer run reuses the ids it shares); not
 * latency, retries, timeouts, processing, --fsync, --dir or a cook's times,
 * which change how long a task takes, not what it yields. */
int cache_key(const struct options *opts, char *key, size_t size)
{
    size_t len = 0;

    if (key_append(key, size, &len, "workload=%s", workload_name(opts->workload)) != 0)
        return -1;
    switch (opts->workload) {
    case WORKLOAD_FETCH:
        return key_append_http(opts, key, size, &len);
    case WORKLOAD_DOWNLOAD:
        if (key_append(key, size, &len, " size=%" PRIu64, opts->size_bytes) != 0)
            return -1;
        return key_append_http(opts, key, size, &len);
    case WORKLOAD_FILES:
        return key_append(key, size, &len, " size=%" PRIu64, opts->size_bytes);
    case WORKLOAD_CPU:
        return key_append(key, size, &len, " rounds=%ld", opts->rounds);
    case WORKLOAD_COOK:
        if (key_append(key, size, &len, " dishes=") != 0)
            return -1;
        for (int i = 0; i < opts->dish_count; i++)
            if ((i > 0 && key_append(key, size, &len, ",") != 0)
                || key_append_name(key, size, &len, opts->dishes[i].name) != 0)
                return -1;
        return 0;
    }
    return -1;
}

/* ---- The file ---- */

/* One load or one save of a cache file. Owned by cache_load or cache_save,
 * on its stack; db is closed before either returns. */
struct cache_db {
    sqlite3 *db;        /* the connection, or NULL */
    const char *path;   /* --cache, for the messages */
    bool saving;        /* a save: its failures say "not saved" */
};

/* The content cannot be used: one line, CACHE_REFUSED. A load says the
 * file is not a usable cache; a save, that it did not save. */
static enum cache_status refuse(const struct cache_db *c, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static enum cache_status refuse(const struct cache_db *c, const char *format, ...)
{
    char why[256];
    va_list args;

    va_start(args, format);
    vsnprintf(why, sizeof why, format, args);
    va_end(args);
    if (c->saving)
        fprintf(stderr, "%s: cache %s not saved: %s\n", program_name(), c->path, why);
    else
        fprintf(stderr, "%s: cache %s is not a usable cache: %s (remove it to start afresh)\n",
                program_name(), c->path, why);
    return CACHE_REFUSED;
}

/* An SQLite call returned rc: one line naming the call and SQLite's reason.
 * SQLite's "corrupt" and "not a database" are about the file's content,
 * which is refused (exit 2); anything else (no permission, a full disk, a
 * lock held past CACHE_BUSY_MS, no memory) is the system refusing (exit 3). */
static enum cache_status db_failed(const struct cache_db *c, const char *call, int rc)
{
    const char *why = c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);
    int primary = rc & 0xff;   /* an extended code's low byte is its primary code */

    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
        return refuse(c, "%s", why);
    fprintf(stderr, "%s: cache %s %s: %s: %s\n", program_name(), c->path,
            c->saving ? "not saved" : "cannot be read", call, why);
    return CACHE_FAILED;
}

/* Opens the file with flags (SQLITE_OPEN_READWRITE, and _CREATE for a
 * save) and sets the busy timeout: a call that finds another run's lock
 * retries for up to CACHE_BUSY_MS instead of failing at once. */
static enum cache_status db_open(struct cache_db *c, int flags)
{
    int rc = sqlite3_open_v2(c->path, &c->db, flags, NULL);

    if (rc != SQLITE_OK)
        return db_failed(c, "sqlite3_open_v2", rc);   /* c->db, if any, is closed by db_close */
    rc = sqlite3_busy_timeout(c->db, CACHE_BUSY_MS);
    if (rc != SQLITE_OK)
        return db_failed(c, "sqlite3_busy_timeout", rc);
    return CACHE_OK;
}

/* Closes the connection; an open transaction is rolled back, so a save
 * that failed half-way leaves the file as it was. 0, or -1 with a line
 * (every statement is finalized by then: a failure here is a bug). */
static int db_close(struct cache_db *c)
{
    int rc = sqlite3_close(c->db);   /* NULL is a no-op */

    c->db = NULL;
    if (rc != SQLITE_OK) {
        fprintf(stderr, "%s: cache %s: sqlite3_close: %s\n", program_name(), c->path,
                sqlite3_errstr(rc));
        return -1;
    }
    return 0;
}

static enum cache_status db_exec(struct cache_db *c, const char *sql)
{
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);

    return rc == SQLITE_OK ? CACHE_OK : db_failed(c, "sqlite3_exec", rc);
}

/* Prepares sql. Its caller finalizes the statement whatever happened and
 * does not look at what sqlite3_finalize returns: the error of the last
 * step, which was reported when that step failed. */
static enum cache_status db_prepare(struct cache_db *c, const char *sql, sqlite3_stmt **stmt)
{
    int rc = sqlite3_prepare_v2(c->db, sql, -1, stmt, NULL);

    return rc == SQLITE_OK ? CACHE_OK : db_failed(c, "sqlite3_prepare", rc);
}

/* Prepares sql, whose first parameter is the key, and binds key to it (the
 * statement reads key until it is finalized). As db_prepare, the caller
 * finalizes the statement whatever happened. */
static enum cache_status db_prepare_for_key(struct cache_db *c, const char *sql,
                                            const char *key, sqlite3_stmt **stmt)
{
    enum cache_status status = db_prepare(c, sql, stmt);
    int rc;

    if (status != CACHE_OK)
        return status;
    rc = sqlite3_bind_text(*stmt, 1, key, -1, SQLITE_STATIC);
    return rc == SQLITE_OK ? CACHE_OK : db_failed(c, "sqlite3_bind_text", rc);
}

/* Checks the file's marks. *empty when it is a new, empty database (a
 * file of no bytes, or one another run has just created), which a load
 * reads as an empty cache and a save fills. Any other file must be ours,
 * of this version, with its table. */
static enum cache_status check_marks(struct cache_db *c, bool *empty)
{
    sqlite3_stmt *stmt;
    enum cache_status status = db_prepare(c, marks_sql, &stmt);
    int64_t application_id, version, objects, tables;
    int rc;

    if (status != CACHE_OK)
        return status;
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        status = db_failed(c, "sqlite3_step", rc);
        sqlite3_finalize(stmt);
        return status;
    }
    application_id = sqlite3_column_int64(stmt, 0);
    version = sqlite3_column_int64(stmt, 1);
    objects = sqlite3_column_int64(stmt, 2);
    tables = sqlite3_column_int64(stmt, 3);
    sqlite3_finalize(stmt);   /* after a row, it returns SQLITE_OK */

    *empty = application_id == 0 && version == 0 && objects == 0;
    if (*empty)
        return CACHE_OK;
    if (application_id != CACHE_APPLICATION_ID)
        return refuse(c, "it is an SQLite database of another program (application_id %" PRId64
                      ", not %d)", application_id, CACHE_APPLICATION_ID);
    if (version != CACHE_VERSION)
        return refuse(c, "it has format version %" PRId64 "; this program reads %d",
                      version, CACHE_VERSION);
    if (tables != 1)
        return refuse(c, "it has no results table");
    return CACHE_OK;
}

/* quick_check's report of a problem, on one line: it may begin with a
 * line naming the database ("*** in database main ***") and run on over
 * several lines. */
static void one_line(const char *report, char *line, size_t size)
{
    const char *header = "*** in database main ***\n";
    size_t n = 0;

    if (strncmp(report, header, strlen(header)) == 0)
        report += strlen(header);
    for (const char *p = report; *p != '\0' && n + 1 < size; p++)
        line[n++] = *p == '\n' ? ' ' : *p;
    line[n] = '\0';
}

/* PRAGMA quick_check: every page and every row's shape, in a time that
 * grows with the file (a cache is small). One row "ok", or the first
 * problem; a file too damaged to be checked fails the step itself. */
static enum cache_status check_whole(struct cache_db *c)
{
    sqlite3_stmt *stmt;
    enum cache_status status = db_prepare(c, "PRAGMA quick_check(1)", &stmt);
    const char *report;
    char line[200];
    int rc;

    if (status != CACHE_OK)
        return status;
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW)
        status = db_failed(c, "sqlite3_step", rc);
    else if ((report = (const char *)sqlite3_column_text(stmt, 0)) == NULL)
        status = db_failed(c, "sqlite3_column_text", sqlite3_errcode(c->db));
    else if (strcmp(report, "ok") != 0) {
        one_line(report, line, sizeof line);
        status = refuse(c, "it is damaged: %s", line);
    }
    sqlite3_finalize(stmt);
    return status;
}

/* The bytes a completed task of this run yields, at least and at most. A
 * file and a download the mock made are exactly --size; cpu and cook yield
 * none; a fetch, or a download whose bytes the server decides, any number
 * up to TASK_BYTES_MAX. A checksum is a 64-bit hash: any value is one. */
static void bytes_range(const struct options *opts, uint64_t *least, uint64_t *most)
{
    *least = 0;
    *most = TASK_BYTES_MAX;
    switch (opts->workload) {
    case WORKLOAD_FILES:
        *least = *most = opts->size_bytes;
        break;
    case WORKLOAD_DOWNLOAD:
        if (opts->verify == VERIFY_CONTENT)
            *least = *most = opts->size_bytes;
        break;
    case WORKLOAD_CPU:
    case WORKLOAD_COOK:
        *most = 0;
        break;
    case WORKLOAD_FETCH:
        break;
    }
}

static uint64_t bits_unsigned(int64_t value)
{
    uint64_t bits;

    memcpy(&bits, &value, sizeof bits);
    return bits;
}

static int64_t bits_signed(uint64_t value)
{
    int64_t bits;

    memcpy(&bits, &value, sizeof bits);
    return bits;
}

/* Checks one row of this run's key and takes it into its record when its
 * id is within the run. Every number is checked first: a row that no task
 * of this run could have written is a forged or damaged file, refused
 * whole, never used in part. */
static enum cache_status take_row(struct cache_db *c, struct run *run, sqlite3_stmt *stmt)
{
    uint64_t least, most;
    int64_t id, bytes;
    struct task_record *rec;

    for (int i = 0; i < 3; i++)
        if (sqlite3_column_type(stmt, i) != SQLITE_INTEGER)
            return refuse(c, "a row holds %s where an integer belongs",
                          sqlite3_column_type(stmt, i) == SQLITE_NULL ? "NULL" : "a non-integer");
    id = sqlite3_column_int64(stmt, 0);
    bytes = sqlite3_column_int64(stmt, 1);
    if (id < 1 || id > COUNT_MAX)
        return refuse(c, "a row has id %" PRId64 ", outside 1..%ld", id, COUNT_MAX);
    bytes_range(run->opts, &least, &most);
    if (bytes < 0 || (uint64_t)bytes < least || (uint64_t)bytes > most)
        return refuse(c, "id %" PRId64 " has %" PRId64 " bytes, where a task of this run yields "
                      "%" PRIu64 " to %" PRIu64, id, bytes, least, most);
    if ((size_t)id > run->count)
        return CACHE_OK;   /* kept in the file for a longer run */
    rec = &run->records[id - 1];
    if (rec->cached)
        return refuse(c, "id %" PRId64 " has two rows", id);
    record_take_cached(run, rec, (uint64_t)bytes, bits_unsigned(sqlite3_column_int64(stmt, 2)));
    return CACHE_OK;
}

/* Takes the rows of key into the records. */
static enum cache_status take_rows(struct cache_db *c, struct run *run, const char *key)
{
    sqlite3_stmt *stmt;
    enum cache_status status = db_prepare_for_key(c, select_sql, key, &stmt);
    int rc = SQLITE_DONE;

    while (status == CACHE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
        status = take_row(c, run, stmt);
    if (status == CACHE_OK && rc != SQLITE_DONE)
        status = db_failed(c, "sqlite3_step", rc);
    sqlite3_finalize(stmt);
    return status;
}

/* Reads the file in one read transaction, so that a save by another run
 * lands wholly before or after it. */
static enum cache_status read_rows(struct cache_db *c, struct run *run, const char *key)
{
    bool empty = false;
    enum cache_status status = db_exec(c, "BEGIN");

    if (status == CACHE_OK)
        status = check_marks(c, &empty);
    if (status == CACHE_OK && !empty)
        status = check_whole(c);
    if (status == CACHE_OK && !empty)
        status = take_rows(c, run, key);
    if (status == CACHE_OK)
        status = db_exec(c, "COMMIT");
    return status;   /* after a failure, db_close ends the transaction */
}

/* --cache names a regular file, or nothing yet. SQLite keeps a database in
 * a regular file only (it locks it and writes a journal beside it), and a
 * directory, a device (/dev/null) or a FIFO named by mistake is better
 * refused now than found after a long run. *exists says which. */
static enum cache_status check_kind(const char *path, bool *exists)
{
    struct stat st;
    const char *kind;

    *exists = false;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return CACHE_OK;   /* its folder is checked next */
        fprintf(stderr, "%s: cache %s cannot be read: %s\n", program_name(), path,
                strerror(errno));
        return CACHE_FAILED;
    }
    *exists = true;
    if (S_ISREG(st.st_mode))
        return CACHE_OK;
    kind = S_ISDIR(st.st_mode) ? "a directory" : S_ISCHR(st.st_mode) ? "a character device"
         : S_ISBLK(st.st_mode) ? "a block device" : S_ISFIFO(st.st_mode) ? "a FIFO"
         : S_ISSOCK(st.st_mode) ? "a socket" : "not a file";
    fprintf(stderr, "%s: cache %s is not a regular file but %s (--cache names a file, new "
            "or kept from an earlier run)\n", program_name(), path, kind);
    return CACHE_REFUSED;
}

/* Gives back every record a failed load took: the run does not start, and
 * no record is left half-way between pending and cached. */
static void untake_records(struct run *run)
{
    for (size_t i = 0; i < run->count; i++)
        if (run->records[i].cached)
            run->records[i] = (struct task_record){ .id = run->records[i].id };
    run->cached = 0;
}

enum cache_status cache_load(struct run *run)
{
    const char *path = run->opts->cache_path;
    struct cache_db c = { NULL, path, false };
    char key[CACHE_KEY_MAX];
    enum cache_status status;
    bool exists;

    if (cache_key(run->opts, key, sizeof key) != 0) {
        fprintf(stderr, "%s: cache %s: the options' key is longer than %d bytes\n",
                program_name(), path, CACHE_KEY_MAX - 1);
        return CACHE_FAILED;
    }
    if ((status = check_kind(path, &exists)) != CACHE_OK)
        return status;
    /* A cache that cannot be saved stops the run before it starts. A save
     * creates the file, or a journal beside it: its folder must take a new
     * file, whoever runs this (root passes access() everywhere). */
    if (file_check_writable(path) != 0) {
        fprintf(stderr, "%s: cache %s cannot be written: %s\n", program_name(), path,
                strerror(errno));
        return CACHE_FAILED;
    }
    if (!exists)
        return CACHE_OK;
    /* Read-write, though a load only reads: a journal left by a run killed
     * in its save must be rolled back before the file can be read. */
    status = db_open(&c, SQLITE_OPEN_READWRITE);
    if (status == CACHE_OK && sqlite3_db_readonly(c.db, "main") == 1) {
        fprintf(stderr, "%s: cache %s cannot be written: the file is read-only\n",
                program_name(), path);
        status = CACHE_FAILED;
    }
    if (status == CACHE_OK)
        status = read_rows(&c, run, key);
    if (db_close(&c) != 0 && status == CACHE_OK)
        status = CACHE_FAILED;
    if (status != CACHE_OK)
        untake_records(run);
    return status;
}

/* Writes the tasks this run completed; those it took from the cache are
 * in the file already. */
static enum cache_status write_rows(struct cache_db *c, const struct run *run, const char *key)
{
    sqlite3_stmt *stmt;
    enum cache_status status = db_prepare_for_key(c, insert_sql, key, &stmt);
    int rc = SQLITE_DONE;

    for (size_t i = 0; status == CACHE_OK && i < run->count; i++) {
        const struct task_record *rec = &run->records[i];

        if (rec->state != TASK_COMPLETED || rec->cached)
            continue;
        if ((rc = sqlite3_bind_int64(stmt, 2, rec->id)) != SQLITE_OK
            || (rc = sqlite3_bind_int64(stmt, 3, bits_signed(rec->bytes))) != SQLITE_OK
            || (rc = sqlite3_bind_int64(stmt, 4, bits_signed(rec->checksum))) != SQLITE_OK)
            status = db_failed(c, "sqlite3_bind_int64", rc);
        else if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
            status = db_failed(c, "sqlite3_step", rc);
        else if ((rc = sqlite3_reset(stmt)) != SQLITE_OK)
            status = db_failed(c, "sqlite3_reset", rc);
    }
    sqlite3_finalize(stmt);
    return status;
}

int cache_save(const struct run *run)
{
    const char *path = run->opts->cache_path;
    struct cache_db c = { NULL, path, true };
    char key[CACHE_KEY_MAX];
    enum cache_status status;
    bool empty = false;

    if (cache_key(run->opts, key, sizeof key) != 0) {
        /* cache_load checked it: a bug. */
        fprintf(stderr, "%s: cache %s not saved: key too long\n", program_name(), path);
        return -1;
    }
    /* BEGIN IMMEDIATE takes the write lock at once, waiting behind another
     * run's save: a transaction that read first and asked for the lock later
     * could find another writer between and fail without waiting. COMMIT
     * makes it durable (SQLite's default, synchronous=FULL, fsyncs the
     * journal and the file). A file just created is given its marks and its
     * table in the same transaction, so no run ever sees half a schema. */
    status = db_open(&c, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (status == CACHE_OK)
        status = db_exec(&c, "BEGIN IMMEDIATE");
    if (status == CACHE_OK)
        status = check_marks(&c, &empty);
    if (status == CACHE_OK && empty)
        status = db_exec(&c, create_sql);
    if (status == CACHE_OK)
        status = write_rows(&c, run, key);
    if (status == CACHE_OK)
        status = db_exec(&c, "COMMIT");
    if (db_close(&c) != 0)
        status = CACHE_FAILED;
    return status == CACHE_OK ? 0 : -1;
}
