/* transfer.c: the transfer policy: what the window means for libcurl.
 *
 * How many connections the multi handle keeps and opens, whether a
 * transfer looks for one to reuse; adding a transfer to the multi handle,
 * taking it out, and how a transfer that ended says why: the same on every
 * loop, through the glue (curl_glue.h), whose backend is the loop's
 * (curl_uv.c on libuv, async_uring/curl_ring.c on a ring). Compare
 * client/http.c, which sets up each transfer the same in every model. */
#include "transfer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "health.h"
#include "program.h"

/* With a window of C, at most C transfers run at once, so the multi
 * handle's cache of C connections lets each new task reuse the connection
 * of one that finished, and a cap of C per host makes sure the server never
 * sees more. Without a window the cache holds one per task. */
int transfer_policy_connections(CURLM *multi, const struct window *w)
{
    const char *option = "CURLMOPT_MAXCONNECTS";
    CURLMcode mc = curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, w->limit);

    if (mc == CURLM_OK && w->run->opts->concurrency > 0) {
        option = "CURLMOPT_MAX_HOST_CONNECTIONS";
        mc = curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, w->limit);
    }
    if (mc != CURLM_OK) {
        fprintf(stderr, "%s: curl_multi_setopt(%s): %s\n", program_name(), option,
                curl_multi_strerror(mc));
        return -1;
    }
    return 0;
}

/* Called by libcurl (CURLOPT_OPENSOCKETFUNCTION) for each socket a transfer
 * opens. It does what libcurl would, and keeps errno when that fails, so
 * that a run out of file descriptors says EMFILE rather than "Couldn't
 * connect to server". */
static curl_socket_t on_curl_open_socket(void *clientp, curlsocktype purpose,
                                         struct curl_sockaddr *address)
{
    struct transfer *t = clientp;
    curl_socket_t fd = socket(address->family, address->socktype, address->protocol);

    (void)purpose;
    if (fd == CURL_SOCKET_BAD)
        t->socket_errno = errno;
    return fd;
}

/* Readies t->easy for the multi handle: CURLOPT_PRIVATE, its sockets, a
 * fresh connection or not. CAUSE_NONE, or CAUSE_CONNECT with a reason. */
static enum fail_cause transfer_prepare(struct transfer *t, char *why, size_t why_size)
{
    const struct window *w = t->task->window;
    const char *option = "CURLOPT_PRIVATE";
    CURLcode rc = curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
    if (rc == CURLE_OK) {
        option = "CURLOPT_OPENSOCKETFUNCTION";
        rc = curl_easy_setopt(t->easy, CURLOPT_OPENSOCKETFUNCTION, on_curl_open_socket);
    }
    if (rc == CURLE_OK) {
        option = "CURLOPT_OPENSOCKETDATA";
        rc = curl_easy_setopt(t->easy, CURLOPT_OPENSOCKETDATA, t);
    }
    /* When the window holds every task, all first attempts start together,
     * before any connection exists: none can be reused, so libcurl is told
     * not to look. (libcurl 7.88 looks by walking every connection to the
     * host: for 10,000 transfers, 50 million steps for nothing.) A retry
     * looks, and may find the connection of a task that has finished. */
    if (rc == CURLE_OK) {
        long fresh = w->limit == (long)(w->run->count - w->run->cached)
                     && t->task->rec->attempts == 1;

        option = "CURLOPT_FRESH_CONNECT";
        rc = curl_easy_setopt(t->easy, CURLOPT_FRESH_CONNECT, fresh);
    }
    if (rc != CURLE_OK) {
        snprintf(why, why_size, "curl_easy_setopt(%s): %s", option, curl_easy_strerror(rc));
        return CAUSE_CONNECT;
    }
    t->socket_errno = 0;
    return CAUSE_NONE;
}

enum fail_cause transfer_add_to(struct transfer *t, struct curl_glue *glue, char *why,
                                size_t why_size)
{
    enum fail_cause cause = transfer_prepare(t, why, why_size);

    if (cause != CAUSE_NONE)
        return cause;
    /* Only now, when the task's turn has come, does its timeout start: a
     * task waiting in the window has no easy handle in the multi. */
    CURLMcode mc = curl_glue_add(glue, t->easy);
    if (mc != CURLM_OK) {
        snprintf(why, why_size, "curl_multi_add_handle: %s", curl_multi_strerror(mc));
        return mc == CURLM_OUT_OF_MEMORY ? CAUSE_IO : CAUSE_CONNECT;   /* a local failure */
    }
    t->glue = glue;
    return CAUSE_NONE;
}

bool transfer_remove(struct transfer *t)
{
    if (t == NULL || t->glue == NULL)
        return false;
    CURLMcode mc = curl_glue_remove(t->glue, t->easy);
    if (mc != CURLM_OK)
        fprintf(stderr, "%s: curl_multi_remove_handle: %s\n", program_name(),
                curl_multi_strerror(mc));
    t->glue = NULL;
    return true;
}

void transfer_on_curl_done(CURL *easy, CURLcode result, const char *why, void *easy_private)
{
    struct transfer *t = easy_private;
    const struct run *run = t->task->window->run;
    long id = t->task->rec->id;
    uint64_t began_ns = clock_now_ns();

    (void)easy;
    t->glue = NULL;
    if (why != NULL) {
        snprintf(t->errbuf, sizeof t->errbuf, "%s", why);
    } else if (result != CURLE_OK && t->socket_errno != 0) {
        const char *name = strerrorname_np(t->socket_errno);

        snprintf(t->errbuf, sizeof t->errbuf, "socket: %s (%s)", strerror(t->socket_errno),
                 name != NULL ? name : "?");
    }
    t->done(t->task, result);   /* may free the task, and t with it */
    health_step_done(run, id, "transfer done", began_ns);
}
