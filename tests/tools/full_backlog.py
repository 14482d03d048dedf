#!/usr/bin/python3
"""full_backlog.py: a server that answers one request, then lets no connect finish.

It holds a client's tasks in their connect, for test_interrupt.sh. The
kernel completes a TCP handshake for a listening socket on its own, into the
socket's accept queue, as long as that queue has room; once it is full, the
SYNs that come are dropped, and the client's connect waits (its socket in
SYN-SENT, sending its SYN again now and then) until its own timeout.

So: the server listens with the smallest queue, answers the first request
(the clients' GET /health, before any task) with a 200 and closes that
connection, but first fills its own accept queue with connections of its
own, until one of them stays unanswered: from then on no connect to the
port completes, and the server never accepts again. When ready it prints
"listening on http://127.0.0.1:PORT" on stdout, as the mock server does, and
"full" on stderr once the queue is full. SIGTERM or SIGINT stops it.

Usage: full_backlog.py
"""
import select
import signal
import socket
import sys

ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
          b"Connection: close\r\n\r\nok\n")
FILL_WAIT_S = 0.5   # a connect to the local host completes at once, or never


def fill_queue(address):
    """Connects to address until a connect does not complete: the accept
    queue is full. Returns the sockets, which must stay open."""
    fillers = []
    while True:
        filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        filler.setblocking(False)
        filler.connect_ex(address)
        fillers.append(filler)
        _, writable, _ = select.select([], [filler], [], FILL_WAIT_S)
        if not writable:
            return fillers


def main(argv):
    if argv:
        sys.stderr.write(__doc__.split("Usage:", 1)[1])
        sys.exit(2)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    print("listening on http://%s:%d" % address, flush=True)
    try:
        conn, _ = listener.accept()
        request = b""
        while b"\r\n\r\n" not in request:
            piece = conn.recv(4096)
            if not piece:
                break
            request += piece
        fillers = fill_queue(address)
        sys.stderr.write("full\n")
        sys.stderr.flush()
        conn.sendall(ANSWER)
        conn.close()
        signal.pause()
    except KeyboardInterrupt:
        pass
    del fillers


if __name__ == "__main__":
    main(sys.argv[1:])
