/* workload.h: what each workload is, defined once.
 *
 * The URLs a task requests, the bytes a blob or file must hold, the JSON an
 * item must carry and the checksums over results all live here, so the
 * models (and the mock server, which produces the same bytes) cannot
 * drift apart. Nothing here does I/O. */
#ifndef WORKLOAD_H
#define WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "content.h"
#include "options.h"

struct run;
struct task_record;

/* ---- Names, as typed on the command line ---- */

/* The workload's name ("fetch", ...); "unknown" out of range. */
const char *workload_name(enum workload workload);

/* What a task of the workload does, in a line of --help. */
const char *workload_about(enum workload workload);

/* Finds the workload named text. 0, or -1 when none is. */
int workload_parse(const char *text, enum workload *workload);

/* Writes every workload's name into buf, "fetch, download, ...", for a
 * message that lists them. */
void workload_list(char *buf, size_t size);

/* The --verify modes' names, in enum verify's order, NULL-ended. */
extern const char *const verify_names[];

/* The --verify mode's name ("content", "id", "status"). */
const char *verify_name(enum verify verify);

/* ---- URLs ---- */

/* Where a task's request goes under --url when --path is not given. */
#define FETCH_PATH_DEFAULT "/items/{id}"
#define DOWNLOAD_PATH_DEFAULT "/blobs/{id}?size={size}"

/* The default --path of a workload: one of the above, or "" for the
 * workloads that ask nothing of a server. */
const char *workload_default_path(enum workload workload);

/* Checks a --path template: it starts with '/', holds no blank, control
 * character or '#', and each brace is part of {id} or {size}. 0, or -1
 * with the reason in why. */
int path_template_check(const char *path, char *why, size_t why_size);

/* Writes the task's URL into buf: BASE then --path (the workload's default
 * when opts->path is "") with {id} and {size} filled in, then latency_ms=L
 * after a '?' or '&' when the user set --latency-ms (and only then: another
 * server need not know it). Returns 0, or -1 when it does not fit. */
int workload_url(const struct run *run, long id, char *buf, size_t size);

/* Checks a fetched item's body as --verify says, and gives its checksum:
 *   content: {"id": ID, "payload": "..."} with cJSON, the id the one asked
 *            for and the payload the expected one; the payload's checksum;
 *   id:      any JSON object whose "id" is ID (a number, or a string of its
 *            decimal digits); the checksum of ID's decimal text ("7");
 *   status:  nothing (the status was judged already); the body's checksum.
 * Returns CAUSE_NONE with *checksum set, else CAUSE_BAD_JSON or
 * CAUSE_MISMATCH with a reason in why. */
int item_check(enum verify verify, long id, const char *body, size_t len,
               uint64_t *checksum, char *why, size_t why_size);

/* ---- Checksums (xxHash XXH3, streaming) ---- */

/* A task's checksum over a byte stream: init, update with each piece in
 * order, digest. Used for blobs and files as they are received or read.
 * The state is xxHash's, opaque here: its size and its 64-byte alignment
 * stay in workload.c, so a task keeps a pointer made by checksum_new. */
struct checksum;

/* A state for checksum_init; NULL when out of memory. */
struct checksum *checksum_new(void);
void checksum_init(struct checksum *state);
void checksum_update(struct checksum *state, const void *data, size_t len);
uint64_t checksum_digest(const struct checksum *state);
/* NULL is ignored. */
void checksum_free(struct checksum *state);

/* The checksum of one buffer. */
uint64_t checksum_bytes(const void *data, size_t len);

/* The run's checksum: over every record in id order, its id, whether it
 * completed, and its checksum. Equal for every model given the same data. */
uint64_t checksum_run(const struct task_record *records, size_t count);

/* ---- Cook ---- */

/* The dishes cook prepares when --dishes does not say. */
#define COOK_DISHES_DEFAULT "Green Pepper with Meat:3,Tomato and Eggs:2,Garlic Lettuce:1"

/* Parses "NAME:SECONDS,NAME:SECONDS" into dishes. Returns how many (>= 1),
 * or -1 with a reason in why (why_size bytes) for an empty list, a missing
 * ':' or name, a bad or negative time, a name too long, too many dishes. */
int dish_list_parse(const char *text, struct dish *dishes, int max_dishes,
                    char *why, size_t why_size);

/* The duration of dish index i in ms, after --time-scale. */
long cook_dish_ms(const struct run *run, size_t i);

/* The checksum of a cooked dish: of its name. */
uint64_t cook_dish_checksum(const struct run *run, size_t i);

/* Prints "Starting to prepare NAME" or "NAME is ready" with the elapsed
 * time: on stdout, on stderr under --json (stdout holds only the JSON),
 * nowhere under --quiet. One write per line, so threads do not interleave. */
void cook_say_start(const struct run *run, size_t i);
void cook_say_ready(const struct run *run, size_t i);

#endif
