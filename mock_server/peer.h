/* peer.h: noticing that a client has gone while its request is held.
 *
 * civetweb 1.15 gives a handler no access to its socket. A "hang" fault
 * would then hold a worker for the whole --hang-ms even after the client
 * gave up; these functions find the socket by its address and watch it. */
#ifndef MOCK_PEER_H
#define MOCK_PEER_H

#include <civetweb.h>

/* The descriptor of the request's TCP connection, found by matching the
 * local port and the client's address and port among this process's open
 * descriptors (O(open descriptors), a few ms at worst), or -1 when none
 * matches. The descriptor stays civetweb's: never close it. */
int peer_find_socket(const struct mg_request_info *info);

/* Waits up to wait_ms for the client on fd to close or reset its end.
 * 1 when it has, 0 when not, -1 when poll failed (errno says why). A client
 * that only half-closes (shutdown of its writing side) counts as gone. */
int peer_wait_gone(int fd, int wait_ms);

#endif
