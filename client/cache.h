/* cache.h: --cache FILE, the results of completed tasks kept between runs.
 *
 * A cache file is an SQLite database of one table, results: one row per
 * completed task, (key, id, bytes, checksum), where key is cache_key()'s
 * text, the options that decide a task's result. One file holds the results
 * of any number of keys; a run uses and adds the rows of its own. Before the
 * run, client_main calls cache_load, which marks the tasks the file holds as
 * completed (record_take_cached) so that no model starts them; after the
 * run, cache_save writes the tasks the run completed, in one transaction.
 * A task's result is fixed by its id and its key, so a rerun gets the same
 * run checksum. Several runs may share one file: SQLite's locks take their
 * saves in turn, and each keeps its rows.
 */
#ifndef CACHE_H
#define CACHE_H

#include <stddef.h>

#include "options.h"

struct run;

#define CACHE_KEY_MAX 8192   /* 32 dishes of 63 bytes, each escaped, fit */

/* What a load found; the values are client_main's exit codes. */
enum cache_status {
    CACHE_OK = 0,
    CACHE_REFUSED = 2,   /* the file cannot be used: not a regular file, foreign, damaged, forged */
    CACHE_FAILED = 3,    /* the system refused: cannot read the file or write its folder */
};

/* Writes into key the options that decide a task's result, canonically:
 * "workload=fetch", "workload=download size=N", "workload=files size=N",
 * "workload=cook dishes=NAME,NAME", "workload=cpu rounds=R" (a dish's name
 * with '%', ',' and control bytes as %XX). 0, or -1 when it does not fit. */
int cache_key(const struct options *opts, char *key, size_t size);

/* Before the run: refuses a run->opts->cache_path that is neither a regular
 * file nor missing, checks that its folder takes new files (the save needs
 * them), then, if the file exists, checks it is an aio-bench cache and
 * whole, and takes the rows of this run's key with ids up to run->count
 * into the records, every number range-checked. A missing or empty file is
 * an empty cache. CACHE_OK, or the failure with one line printed and no
 * record taken. */
enum cache_status cache_load(struct run *run);

/* After the run: writes every task the run completed (not those it took
 * from the cache) into the file, creating it if need be, in one
 * transaction that waits its turn behind another run's. 0, or -1 with one
 * line printed (the file is then left as it was). */
int cache_save(const struct run *run);

#endif
