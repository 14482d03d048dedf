#!/usr/bin/python3
"""any_server.py: a small HTTP server that is not the mock, for the clients' --verify.

Python's own http.server, threaded, on 127.0.0.1. It knows nothing of the
mock server's content, latency or /health, and answers:

  GET /items/ID      200 {"id": ID, "name": "item ID", "payload": "not the mock's"}
                     (an object with the right id: --verify id passes it,
                     --verify content finds the payload wrong)
  GET /things/ID     the same object, under another path (--path)
  GET /created/ID    201 with a short text body (a 2xx that is not a 200)
  GET /blobs/ID      200 with blob_bytes(ID) as its body, whatever ?size= says
  GET /bytes/N       200 with N bytes of "x" (a body as large as asked, to try
                     the clients' limit on a fetched body)
  GET /              200 with a short text body, as a file server's index
                     (a task sent there by mistake passes --verify status)
  anything else      404 (so /health too)

Every query (?size=, ?latency_ms=) is ignored. When ready it prints
"listening on http://127.0.0.1:PORT" on stdout, as the mock server does;
then one line on stderr for each request it answers, "GET TARGET STATUS",
so that a test can tell whether a client asked anything at all.

To make a client's tasks fail to connect, it can let its first request (a
client's GET /health) be the last one it takes:

  --after-first refuse   the listening socket is closed before that answer is
                         sent: every later connection is refused
  --after-first stall    the listening socket stops accepting, its accept
                         queue held full by a connection of its own, before
                         that answer is sent: the kernel drops every later
                         connection's SYN, and a connect waits until the
                         client's timeout (a connect timeout, not an answer's)

Usage:
  any_server.py [--port P] [--after-first refuse|stall]
                                    serve (P = 0, the default: a free port)
  any_server.py expect MODE N       print the run checksum a client must
                                    report for N tasks against this server:
                                    MODE fetch-id, fetch-status or download
Needs Debian's python3-xxhash for `expect`.
"""
import http.server
import os
import re
import signal
import socket
import sys
import threading

BLOB_BYTES = 20000   # not a multiple of anything a client reads in


def item_body(ident):
    return ('{"id": %d, "name": "item %d", "payload": "not the mock\'s"}' % (ident, ident)).encode()


def created_body(ident):
    return b"created %d\n" % ident


def index_body(_):
    return b"an index page\n"


def some_bytes(count):
    return b"x" * count


def blob_bytes(ident):
    """BLOB_BYTES bytes that differ from id to id: byte i is (i * 7 + id) % 251."""
    pattern = bytes((i * 7 + ident) % 251 for i in range(251))
    return (pattern * (BLOB_BYTES // 251 + 1))[:BLOB_BYTES]


ROUTES = [
    (re.compile(r"/items/(\d+)"), 200, "application/json", item_body),
    (re.compile(r"/things/(\d+)"), 200, "application/json", item_body),
    (re.compile(r"/created/(\d+)"), 201, "text/plain", created_body),
    (re.compile(r"/blobs/(\d+)"), 200, "application/octet-stream", blob_bytes),
    (re.compile(r"/bytes/(\d+)"), 200, "application/octet-stream", some_bytes),
    (re.compile(r"/()"), 200, "text/plain", index_body),
]


class Handler(http.server.BaseHTTPRequestHandler):
    """Called by the server's thread for each request."""

    def do_GET(self):
        self.server.after_first_request()
        path = self.path.split("?", 1)[0]
        for pattern, status, kind, body_of in ROUTES:
            match = pattern.fullmatch(path)
            if match:
                self.reply(status, kind, body_of(int(match.group(1) or 0)))
                return
        self.reply(404, "text/plain", b"not found\n")

    def reply(self, status, kind, body):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_request(self, code="-", size="-"):
        """Called by send_response: one line on stderr per request (the
        tests read only the first line of stdout)."""
        sys.stderr.write(f"{self.command} {self.path} {code}\n")
        sys.stderr.flush()

    def log_message(self, format, *args):
        pass   # no other lines: what log_request writes is the whole log


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256   # every model may connect all its tasks at once
    after_first = None         # --after-first: refuse, stall or None
    fillers = ()               # stall: the connections that keep the queue full
    taken = threading.Event()  # set once the first request has been seen to

    def after_first_request(self):
        """Called by each request's thread before it answers: the first one
        closes or stalls the listening socket (--after-first)."""
        if self.after_first is None or self.taken.is_set():
            return
        if self.after_first == "refuse":
            self.socket.close()
        else:
            self.stall()
        self.taken.set()

    def stall(self):
        """A backlog of 0 holds one connection not yet accepted: one of our
        own takes it, and Linux drops the SYN of every connection after it.
        Checked with a probe that must not connect within 0.1 s."""
        self.socket.listen(0)
        address = self.socket.getsockname()
        filler = socket.create_connection(address, timeout=2)
        self.fillers = [filler]
        probe = socket.socket()
        probe.settimeout(0.1)
        try:
            probe.connect(address)
            sys.stderr.write("any_server.py: --after-first stall: a connection still got in\n")
            self.fillers.append(probe)
        except OSError:
            probe.close()


def expect(mode, count):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from reference_checksum import run_checksum, xxh3

    task = {
        "fetch-id": lambda i: xxh3(b"%d" % i),
        "fetch-status": lambda i: xxh3(item_body(i)),
        "download": lambda i: xxh3(blob_bytes(i)),
    }[mode]
    print("%016x" % run_checksum([(i, True, task(i)) for i in range(1, count + 1)]))


def main(argv):
    if argv[:1] == ["expect"] and len(argv) == 3:
        expect(argv[1], int(argv[2]))
        return
    port, after_first = 0, None
    while argv:
        if argv[0] == "--port" and len(argv) >= 2:
            port = int(argv[1])
        elif argv[0] == "--after-first" and len(argv) >= 2 and argv[1] in ("refuse", "stall"):
            after_first = argv[1]
        else:
            sys.stderr.write(__doc__.split("Usage:", 1)[1])
            sys.exit(2)
        argv = argv[2:]
    server = Server(("127.0.0.1", port), Handler)
    server.after_first = after_first
    print("listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    try:
        if after_first is None:
            server.serve_forever()
        else:
            # One request taken; the socket is then closed or stalled by its
            # thread, so this thread must not wait on it again.
            server.timeout = None
            server.handle_request()
            server.taken.wait()
            signal.pause()
    except KeyboardInterrupt:
        pass
    server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
