/* peer.c: finding a request's socket, to see its client leave.
 *
 * A TCP connection is named uniquely by its two endpoints, so the socket
 * whose local port and peer address match the request's is the request's
 * own. While the handler runs, civetweb cannot close it, so the number
 * stays valid for the whole hang. IPv4 only, as --host is. */
#include "peer.h" /* POLLRDHUP needs _GNU_SOURCE: the Makefile defines it */

#include <arpa/inet.h>
#include <dirent.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "units.h"

/* 1 when fd is a TCP/IPv4 socket from client:client_port to local_port. */
static int socket_matches(int fd, int local_port, const struct in_addr *client,
                          int client_port)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;

    if (getsockname(fd, (struct sockaddr *)&addr, &len) != 0 || addr.sin_family != AF_INET
        || ntohs(addr.sin_port) != local_port)
        return 0;
    len = sizeof addr;
    if (getpeername(fd, (struct sockaddr *)&addr, &len) != 0 || addr.sin_family != AF_INET)
        return 0;
    return ntohs(addr.sin_port) == client_port && addr.sin_addr.s_addr == client->s_addr;
}

int peer_find_socket(const struct mg_request_info *info)
{
    struct in_addr client;
    struct dirent *entry;
    int found = -1;

    if (inet_pton(AF_INET, info->remote_addr, &client) != 1)
        return -1;
    /* /proc/self/fd lists only the open descriptors; a failure to read it
     * just means the hang cannot end early. */
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL)
        return -1;
    while (found < 0 && (entry = readdir(dir)) != NULL) {
        long fd;
        /* "." and ".." are no numbers; the folder's own descriptor no socket. */
        if (units_parse_long(entry->d_name, 0, INT_MAX, &fd) != 0 || fd == dirfd(dir))
            continue;
        if (socket_matches((int)fd, info->server_port, &client, info->remote_port))
            found = (int)fd;
    }
    (void)closedir(dir);
    return found;
}

int peer_wait_gone(int fd, int wait_ms)
{
    /* POLLRDHUP, not POLLIN: a client may legally send its next request
     * early; only the end of its stream means it has left. */
    struct pollfd pfd = { .fd = fd, .events = POLLRDHUP };

    int n = poll(&pfd, 1, wait_ms);

    if (n < 0)
        return -1;
    if (n == 0)
        return 0;
    return (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}
