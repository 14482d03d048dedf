/* cache.c: --cache FILE, the results of completed tasks kept between runs.
 *
 * The one thing to notice: a cache is trusted only whole. The file is read
 * to its end line and its hash checked before its key is compared or one
 * entry is used, and it is replaced only by a rename, so a run killed at
 * any moment leaves the last good cache. The models never see the cache:
 * a cached record is simply done before they start (record_is_done). */
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "run.h"
#include "units.h"
#include "workload.h"

#define CACHE_MAGIC "aio-bench cache "   /* the first line: magic, then the version */
#define CACHE_VERSION 1
#define HEX_DIGITS 16                    /* a 64-bit checksum in lowercase hex */
/* The largest file a cache can be: a million entries of 46 bytes at most
 * ("1000000 " and 20 digits of bytes and 16 of checksum), the key, and room. */
#define CACHE_FILE_MAX (64L << 20)

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

/* ---- Reading ---- */

static enum cache_status refuse(char *why, size_t why_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static enum cache_status refuse(char *why, size_t why_size, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    vsnprintf(why, why_size, format, args);
    va_end(args);
    return CACHE_REFUSED;
}

/* Splits line (its newline removed) into up to max tokens at single spaces.
 * Returns how many, or -1 for an empty token (two spaces, a space at either
 * end) or more than max. The line is cut in place. */
static int split_tokens(char *line, char **tokens, int max)
{
    int n = 0;

    for (char *p = line;; ) {
        char *space = strchr(p, ' ');

        if (n == max || *p == ' ' || *p == '\0')
            return -1;
        tokens[n++] = p;
        if (space == NULL)
            return n;
        *space = '\0';
        p = space + 1;
    }
}

/* Exactly 16 lowercase hex digits, as cache_write writes them. */
static int parse_hex64(const char *text, uint64_t *value)
{
    uint64_t v = 0;

    if (strlen(text) != HEX_DIGITS)
        return -1;
    for (const char *p = text; *p != '\0'; p++) {
        int digit = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
        if (digit < 0)
            return -1;
        v = v << 4 | (uint64_t)digit;
    }
    *value = v;
    return 0;
}

/* Adds an entry, growing the array by doubling. 0, or -1 out of memory. */
static int entries_add(struct cache *cache, const struct cache_entry *entry)
{
    if (cache->count == cache->size) {
        size_t size = cache->size > 0 ? 2 * cache->size : 256;
        struct cache_entry *entries = realloc(cache->entries, size * sizeof *entries);

        if (entries == NULL)
            return -1;
        cache->entries = entries;
        cache->size = size;
    }
    cache->entries[cache->count++] = *entry;
    return 0;
}

/* Parses "ID BYTES CHECKSUM" after the last id seen. */
static enum cache_status read_entry(struct cache *cache, char *line, size_t line_no,
                                    char *why, size_t why_size)
{
    char *tokens[3];
    struct cache_entry entry;
    uint64_t bytes;
    long last_id = cache->count > 0 ? cache->entries[cache->count - 1].id : 0;

    if (split_tokens(line, tokens, 3) != 3
        || units_parse_long(tokens[0], 1, COUNT_MAX, &entry.id) != 0
        || units_parse(tokens[1], units_none, UINT64_MAX, &bytes) != 0
        || parse_hex64(tokens[2], &entry.checksum) != 0)
        return refuse(why, why_size, "line %zu is not \"ID BYTES CHECKSUM\"", line_no);
    if (entry.id <= last_id)
        return refuse(why, why_size, "line %zu: id %ld does not follow id %ld",
                      line_no, entry.id, last_id);
    entry.bytes = bytes;
    if (entries_add(cache, &entry) != 0) {
        snprintf(why, why_size, "no memory for %zu entries: %s", cache->count + 1,
                 strerror(errno));
        return CACHE_FAILED;
    }
    return CACHE_OK;
}

/* Parses "end COUNT HASH" against what was read above it. */
static enum cache_status read_end(const struct cache *cache, char *line, size_t line_no,
                                  uint64_t hash, char *why, size_t why_size)
{
    char *tokens[3];
    uint64_t count, stored;

    if (split_tokens(line, tokens, 3) != 3
        || units_parse(tokens[1], units_none, UINT64_MAX, &count) != 0
        || parse_hex64(tokens[2], &stored) != 0)
        return refuse(why, why_size, "line %zu is not \"end COUNT HASH\"", line_no);
    if (count != cache->count)
        return refuse(why, why_size, "its end line counts %" PRIu64 " entries, it holds %zu",
                      count, cache->count);
    if (stored != hash)
        return refuse(why, why_size, "its content does not match its hash");
    return CACHE_OK;
}

/* The first line: the magic and the version. */
static enum cache_status read_header(const char *line, char *why, size_t why_size)
{
    long version;

    if (strncmp(line, CACHE_MAGIC, strlen(CACHE_MAGIC)) != 0)
        return refuse(why, why_size, "it does not begin with \"%s%d\"", CACHE_MAGIC,
                      CACHE_VERSION);
    if (units_parse_long(line + strlen(CACHE_MAGIC), 0, LONG_MAX, &version) != 0)
        return refuse(why, why_size, "its first line has no format version");
    if (version != CACHE_VERSION)
        return refuse(why, why_size, "it has format version %ld; this program reads %d",
                      version, CACHE_VERSION);
    return CACHE_OK;
}

/* One line of the file after its checks: the header, the key, entries,
 * the end line; *ended once the end line has been read. */
static enum cache_status read_line(struct cache *cache, char *line, size_t line_no,
                                   const checksum_state *hash, bool *ended,
                                   char *why, size_t why_size)
{
    if (line_no == 1)
        return read_header(line, why, why_size);
    if (line_no == 2) {
        if (strncmp(line, "key ", 4) != 0 || line[4] == '\0'
            || strlen(line + 4) >= sizeof cache->key)
            return refuse(why, why_size, "line 2 is not \"key OPTIONS\"");
        memcpy(cache->key, line + 4, strlen(line + 4) + 1);
        return CACHE_OK;
    }
    if (strncmp(line, "end ", 4) == 0) {
        *ended = true;
        return read_end(cache, line, line_no, checksum_digest(hash), why, why_size);
    }
    return read_entry(cache, line, line_no, why, why_size);
}

enum cache_status cache_read(FILE *in, struct cache *cache, char *why, size_t why_size)
{
    checksum_state hash;
    char *line = NULL;
    size_t line_size = 0, line_no = 0;
    bool ended = false;
    enum cache_status status = CACHE_OK;
    ssize_t len;

    memset(cache, 0, sizeof *cache);
    checksum_init(&hash);
    errno = 0;
    while (status == CACHE_OK && (len = getline(&line, &line_size, in)) >= 0) {
        line_no++;
        if (ended)
            status = refuse(why, why_size, "line %zu follows its end line", line_no);
        else if (line_no == 1 && strncmp(line, CACHE_MAGIC, strlen(CACHE_MAGIC)) != 0)
            status = read_header(line, why, why_size);   /* say "foreign" before "damaged" */
        else if (len == 0 || line[len - 1] != '\n' || strlen(line) != (size_t)len)
            status = refuse(why, why_size, "line %zu is cut short or holds a NUL byte", line_no);
        else {
            if (strncmp(line, "end ", 4) != 0 || line_no <= 2)
                checksum_update(&hash, line, (size_t)len);
            line[len - 1] = '\0';
            status = read_line(cache, line, line_no, &hash, &ended, why, why_size);
        }
        errno = 0;
    }
    if (status == CACHE_OK && ferror(in)) {
        snprintf(why, why_size, "%s", strerror(errno != 0 ? errno : EIO));
        status = CACHE_FAILED;
    } else if (status == CACHE_OK && line_no == 0)
        status = refuse(why, why_size, "it is empty");
    else if (status == CACHE_OK && !ended)
        status = refuse(why, why_size, "it has no end line: cut short");
    free(line);
    if (status != CACHE_OK)
        cache_free(cache);
    return status;
}

/* ---- Writing ---- */

/* Writes one line and adds it to the hash. */
static void write_line(FILE *out, checksum_state *hash, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void write_line(FILE *out, checksum_state *hash, const char *format, ...)
{
    char line[CACHE_KEY_MAX + 16];
    va_list args;
    int n;

    va_start(args, format);
    n = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (n < 0 || (size_t)n >= sizeof line)
        abort();   /* the key's size is checked by cache_key: a bug */
    checksum_update(hash, line, (size_t)n);
    fputs(line, out);
}

void cache_write(FILE *out, const char *key, const struct cache_entry *entries, size_t count)
{
    checksum_state hash;

    checksum_init(&hash);
    write_line(out, &hash, CACHE_MAGIC "%d\n", CACHE_VERSION);
    write_line(out, &hash, "key %s\n", key);
    for (size_t i = 0; i < count; i++)
        write_line(out, &hash, "%ld %" PRIu64 " %016" PRIx64 "\n",
                   entries[i].id, entries[i].bytes, entries[i].checksum);
    fprintf(out, "end %zu %016" PRIx64 "\n", count, checksum_digest(&hash));
}

/* ---- The file ---- */

/* Opens path for reading, if it is a regular file of a cache's size at
 * most: a device (/dev/zero) or a huge file could make a line without end,
 * and a FIFO would block the open (hence O_NONBLOCK, which a regular file
 * ignores). The stream, or NULL with *status and why set (CACHE_OK when
 * there is no file). */
static FILE *open_file(const char *path, enum cache_status *status, char *why, size_t why_size)
{
    struct stat st;
    FILE *in;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

    *status = CACHE_FAILED;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd < 0 && errno == ENOENT)
            *status = CACHE_OK;
        snprintf(why, why_size, "cannot be read: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode))
        snprintf(why, why_size, "cannot be read: %s", strerror(EISDIR));
    else if (!S_ISREG(st.st_mode) || st.st_size > CACHE_FILE_MAX) {
        *status = CACHE_REFUSED;
        snprintf(why, why_size, "is not a usable cache: %s (remove it to start afresh)",
                 S_ISREG(st.st_mode) ? "it is larger than any cache" : "not a regular file");
    } else if ((in = fdopen(fd, "r")) == NULL)
        snprintf(why, why_size, "cannot be read: fdopen: %s", strerror(errno));
    else
        return in;
    close(fd);
    return NULL;
}

/* Reads the file at path into *cache; a missing file is an empty cache. */
static enum cache_status read_file(const char *path, struct cache *cache)
{
    char why[256];
    enum cache_status status;
    FILE *in;

    memset(cache, 0, sizeof *cache);
    in = open_file(path, &status, why, sizeof why);
    if (in == NULL) {
        if (status != CACHE_OK)
            fprintf(stderr, "%s: cache %s %s\n", program_name(), path, why);
        return status;
    }
    status = cache_read(in, cache, why, sizeof why);
    if (fclose(in) != 0 && status == CACHE_OK) {
        snprintf(why, sizeof why, "%s", strerror(errno));
        status = CACHE_FAILED;
        cache_free(cache);
    }
    if (status == CACHE_REFUSED)
        fprintf(stderr, "%s: cache %s is not a usable cache: %s (remove it to start afresh)\n",
                program_name(), path, why);
    else if (status == CACHE_FAILED)
        fprintf(stderr, "%s: cache %s cannot be read: %s\n", program_name(), path, why);
    return status;
}

enum cache_status cache_load(struct run *run, struct cache *cache)
{
    const char *path = run->opts->cache_path;
    char key[CACHE_KEY_MAX];
    enum cache_status status;

    if (cache_key(run->opts, key, sizeof key) != 0) {
        fprintf(stderr, "%s: cache %s: the options' key is longer than %d bytes\n",
                program_name(), path, CACHE_KEY_MAX - 1);
        return CACHE_FAILED;
    }
    if ((status = read_file(path, cache)) != CACHE_OK)
        return status;
    /* A file that was read has a key; a missing one has none to compare. */
    if (cache->key[0] != '\0' && strcmp(cache->key, key) != 0) {
        fprintf(stderr, "%s: cache %s was made with other options (%s; this run: %s)\n",
                program_name(), path, cache->key, key);
        cache_free(cache);
        return CACHE_REFUSED;
    }
    /* A cache that cannot be saved stops the run before it starts. */
    if (file_check_writable(path) != 0) {
        fprintf(stderr, "%s: cache %s cannot be written: %s\n", program_name(), path,
                strerror(errno));
        cache_free(cache);
        return CACHE_FAILED;
    }
    /* Entries beyond this run's count stay in *cache, for cache_save. */
    for (size_t i = 0; i < cache->count && (size_t)cache->entries[i].id <= run->count; i++) {
        const struct cache_entry *e = &cache->entries[i];

        record_take_cached(run, &run->records[e->id - 1], e->bytes, e->checksum);
    }
    return CACHE_OK;
}

/* The entries to save: every completed record, then the loaded entries
 * beyond the run's count (ids increasing throughout). NULL out of memory. */
static struct cache_entry *entries_to_save(const struct run *run, const struct cache *cache,
                                           size_t *count)
{
    struct cache_entry *entries = calloc(run->count + cache->count + 1, sizeof *entries);
    size_t n = 0;

    if (entries == NULL)
        return NULL;
    for (size_t i = 0; i < run->count; i++) {
        const struct task_record *rec = &run->records[i];

        if (rec->state == TASK_COMPLETED)
            entries[n++] = (struct cache_entry){ rec->id, rec->bytes, rec->checksum };
    }
    for (size_t i = 0; i < cache->count; i++)
        if ((size_t)cache->entries[i].id > run->count)
            entries[n++] = cache->entries[i];
    *count = n;
    return entries;
}

/* What cache_save writes, for file_write_atomic. */
struct cache_file {
    const char *key;
    const struct cache_entry *entries;
    size_t count;
};

static void write_cache_file(FILE *out, const void *arg)
{
    const struct cache_file *file = arg;

    cache_write(out, file->key, file->entries, file->count);
}

int cache_save(const struct run *run, const struct cache *cache)
{
    const char *path = run->opts->cache_path;
    char key[CACHE_KEY_MAX];
    struct cache_file file = { key, NULL, 0 };
    struct cache_entry *entries;
    int rc;

    if (cache_key(run->opts, key, sizeof key) != 0) {
        /* cache_load checked it: a bug. */
        fprintf(stderr, "%s: cache %s: key too long\n", program_name(), path);
        return -1;
    }
    entries = entries_to_save(run, cache, &file.count);
    if (entries == NULL) {
        fprintf(stderr, "%s: cache %s not saved: cannot allocate its entries: %s\n",
                program_name(), path, strerror(errno));
        return -1;
    }
    file.entries = entries;
    /* Durable: a cache is the record of work done, kept across power cuts. */
    rc = file_write_atomic(path, write_cache_file, &file, 1);
    if (rc != 0)
        fprintf(stderr, "%s: cache %s not saved durably (a write that failed leaves the "
                "previous one whole): %s\n", program_name(), path, strerror(errno));
    free(entries);
    return rc;
}

void cache_free(struct cache *cache)
{
    free(cache->entries);
    cache->entries = NULL;
    cache->count = cache->size = 0;
}
