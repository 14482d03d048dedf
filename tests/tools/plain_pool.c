/* plain_pool.c: the plainest thread pool client, as a yardstick for async_threads.
 *
 *   plain_pool BASE N [THREADS] [LATENCY_MS]
 *
 * THREADS threads (default N), each with its own libcurl easy handle, take
 * ids 1..N from one atomic counter and GET BASE/items/ID, blocking in
 * curl_easy_perform. No records, no retries, no checks beyond a 200: what
 * async_threads would cost if it did nothing but wait. Prints one JSON line:
 * {"model":"plain_pool","count":N,"ok":K,"threads":T,"wall_ms":W}, the wall
 * time from before the first thread starts to after the last is joined.
 * Exit status: 0 all fetched, 1 some failed, 2 usage, 3 could not start. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#define THREADS_MAX 10000
#define URL_MAX 1024

/* What every thread shares. Owned by main, alive until every thread is joined. */
struct shared {
    const char *base;
    long count, latency_ms;
    atomic_long next_id;        /* the next id to fetch */
    atomic_long ok;             /* ids answered with a 200 */
};

/* Called by libcurl with the body, which is only counted. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    (void)data;
    (void)userdata;
    return size * nmemb;
}

/* Fetches one item on easy: 1 when the answer was a 200, else 0. */
static int fetch_one(CURL *easy, const struct shared *sh, long id)
{
    char url[URL_MAX];
    long status = 0;

    if (sh->latency_ms >= 0)
        snprintf(url, sizeof url, "%s/items/%ld?latency_ms=%ld", sh->base, id, sh->latency_ms);
    else
        snprintf(url, sizeof url, "%s/items/%ld", sh->base, id);
    if (curl_easy_setopt(easy, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_perform(easy) != CURLE_OK ||
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK)
        return 0;
    return status == 200;
}

/* A thread: its own handle, ids from the counter until none are left. */
static void *worker(void *arg)
{
    struct shared *sh = arg;
    CURL *easy = curl_easy_init();

    if (easy == NULL ||
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 60000L) != CURLE_OK) {
        fprintf(stderr, "plain_pool: cannot set up a libcurl handle\n");
        curl_easy_cleanup(easy);
        return NULL;
    }
    for (long id; (id = atomic_fetch_add(&sh->next_id, 1)) <= sh->count;)
        atomic_fetch_add(&sh->ok, fetch_one(easy, sh, id));
    curl_easy_cleanup(easy);
    return NULL;
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A whole number in min..max, or -1. */
static long parse_count(const char *text, long min, long max)
{
    char *end;
    long value = strtol(text, &end, 10);

    return end != text && *end == '\0' && value >= min && value <= max ? value : -1;
}

int main(int argc, char **argv)
{
    struct shared sh = { .latency_ms = -1 };
    long threads;
    pthread_t *ids;
    pthread_attr_t attr;
    int rc;

    if (argc < 3 || argc > 5) {
        fprintf(stderr, "usage: plain_pool BASE N [THREADS] [LATENCY_MS]\n");
        return 2;
    }
    sh.base = argv[1];
    sh.count = parse_count(argv[2], 1, 1000000);
    threads = argc > 3 ? parse_count(argv[3], 1, THREADS_MAX) : sh.count;
    if (argc > 4)
        sh.latency_ms = parse_count(argv[4], 0, 600000);
    if (sh.count < 0 || threads < 0 || (argc > 4 && sh.latency_ms < 0)) {
        fprintf(stderr, "plain_pool: N 1..1000000, THREADS 1..%d, LATENCY_MS 0..600000\n",
                THREADS_MAX);
        return 2;
    }
    if (threads > sh.count)
        threads = sh.count;
    if (threads > THREADS_MAX)
        threads = THREADS_MAX;
    atomic_init(&sh.next_id, 1);
    atomic_init(&sh.ok, 0);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "plain_pool: curl_global_init failed\n");
        return 3;
    }
    ids = calloc((size_t)threads, sizeof *ids);
    /* async_threads' default stack, so that the two differ only in the code. */
    if (ids == NULL || (rc = pthread_attr_init(&attr)) != 0 ||
        (rc = pthread_attr_setstacksize(&attr, 256 * 1024)) != 0) {
        fprintf(stderr, "plain_pool: cannot prepare %ld threads\n", threads);
        return 3;
    }
    double start_ms = now_ms();
    long started = 0;
    for (; started < threads; started++) {
        if ((rc = pthread_create(&ids[started], &attr, worker, &sh)) != 0) {
            fprintf(stderr, "plain_pool: pthread_create (thread %ld of %ld): %s\n",
                    started + 1, threads, strerror(rc));
            break;
        }
    }
    for (long i = 0; i < started; i++)
        if ((rc = pthread_join(ids[i], NULL)) != 0)
            fprintf(stderr, "plain_pool: pthread_join: %s\n", strerror(rc));
    double wall_ms = now_ms() - start_ms;
    pthread_attr_destroy(&attr);
    free(ids);
    curl_global_cleanup();
    if (started < threads)
        return 3;
    long ok = atomic_load(&sh.ok);
    printf("{\"model\":\"plain_pool\",\"count\":%ld,\"ok\":%ld,\"threads\":%ld,\"wall_ms\":%.3f}\n",
           sh.count, ok, threads, wall_ms);
    return ok == sh.count ? 0 : 1;
}
