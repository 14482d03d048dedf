/* cache.h: --cache FILE, the results of completed tasks kept between runs.
 *
 * Before the run, client_main loads the file and marks the tasks it holds
 * as completed (record_take_cached), so that no model starts them; after
 * the run it saves every completed task, through a temporary file renamed
 * into place. A task's result is fixed by its id and the few options that
 * cache_key() names, so a rerun gets the same run checksum. The format:
 *
 *   aio-bench cache 1                    the format and its version
 *   key workload=download size=1048576   the options that decide results
 *   1 1048576 5c3f0e9a1b2d4c6e           per completed task: id bytes checksum,
 *   4 1048576 0a9b8c7d6e5f4a3b           ids increasing
 *   end 2 9e0f1a2b3c4d5e6f               entries, XXH3-64 of every byte above
 */
#ifndef CACHE_H
#define CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "options.h"

struct run;

#define CACHE_KEY_MAX 8192   /* 32 dishes of 63 bytes, each escaped, fit */

/* What a load or a read found; the values are client_main's exit codes. */
enum cache_status {
    CACHE_OK = 0,
    CACHE_REFUSED = 2,   /* the content cannot be used: foreign, damaged, other options */
    CACHE_FAILED = 3,    /* the system refused: cannot read the file or write its folder */
};

/* One completed task's result. */
struct cache_entry {
    long id;
    uint64_t bytes;
    uint64_t checksum;
};

/* What a cache file held. Owned by client_main; cache_free releases it. */
struct cache {
    char key[CACHE_KEY_MAX];      /* as read; "" when there was no file */
    struct cache_entry *entries;  /* ids strictly increasing */
    size_t count, size;           /* entries used, allocated */
};

/* Writes into key the options that decide a task's result, canonically:
 * "workload=fetch", "workload=download size=N", "workload=files size=N",
 * "workload=cook dishes=NAME,NAME", "workload=cpu rounds=R" (a dish's name
 * with '%', ',' and control bytes as %XX). 0, or -1 when it does not fit. */
int cache_key(const struct options *opts, char *key, size_t size);

/* Reads a cache file's content from in into *cache (zeroed first).
 * CACHE_OK; CACHE_REFUSED with why (no period, no file name) for a file
 * that is not a cache, another format version, or a damaged one (a line
 * out of shape, ids out of order, the end line missing, its count or hash
 * wrong, anything after it); CACHE_FAILED with why (strerror's text, or
 * no memory) when it could not be read. */
enum cache_status cache_read(FILE *in, struct cache *cache, char *why, size_t why_size);

/* Writes a cache file's content to out. Errors are left in out (ferror). */
void cache_write(FILE *out, const char *key, const struct cache_entry *entries, size_t count);

/* Before the run: reads run->opts->cache_path if it exists, refuses it if
 * it is foreign, damaged or made with other options, checks that a file can
 * be created in its folder, and takes its tasks (ids up to run->count) into
 * the records. CACHE_OK, or the failure with one line printed. */
enum cache_status cache_load(struct run *run, struct cache *cache);

/* After the run: writes every completed task of the run, and the entries of
 * the loaded cache beyond run->count, to the cache file: a temporary file in
 * the same folder, fsync, rename, fsync of the folder. 0, or -1 with one
 * line printed (the previous cache is then left as it was). */
int cache_save(const struct run *run, const struct cache *cache);

void cache_free(struct cache *cache);

#endif
