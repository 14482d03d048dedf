#!/usr/bin/python3
"""check_mock_stats.py: the mock server's /stats against the test's own count.

Drives a running mock server through a known sequence of requests, one at a
time and then N held open at once: plain 200s, the faults of the server's
--fail-kind, 4xx and 404s, and (with --hang-up) a client that hangs up in
the middle of a blob. It counts what it sent and what it got (statuses,
body bytes, faults as seen from the client), checks each answer against
tests/tools/mock_reference.py (which request of which id fails, and every
byte), and checks every counter of /stats against its own count. Standard
library only.

Usage: check_mock_stats.py URL [--hang-up] [--held N] [SERVER OPTIONS]
  --hang-up  also hang up in the middle of a 64 MiB blob
  --held N   also hold N requests open at once: ?latency_ms=2000, or hangs
             when the server's --fail-kind is hang
SERVER OPTIONS are those the server was started with (docs/mock-server.md
gives the defaults assumed for the others). Prints "ok - ..." and
"not ok - ..." lines, as tests/lib.sh does; exits 0 whatever they say, 1
when it could not go on (a traceback or a line on stderr says why).
"""
import argparse
import http.client
import itertools
import json
import os
import select
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mock_reference import (KINDS, ATTEMPT_SLOTS, FaultPlan, content,  # noqa: E402
                            is_failing, item_body, served_kind)

CHUNK_BYTES = 64 * 1024          # docs/mock-server.md: blobs go out in 64 KiB chunks
STATUS_BODY = b"injected fault: status\n"
HOLD_MS = 2000                   # latency of the requests held open at once
WAIT_S = 10                      # the longest any wait on the server lasts


def parse_args(argv):
    p = argparse.ArgumentParser(prog="check_mock_stats.py")
    p.add_argument("url")
    p.add_argument("--hang-up", action="store_true",
                   help="also hang up in the middle of a 64 MiB blob")
    p.add_argument("--held", type=int, default=0,
                   help="also hold N requests open at once (with a latency, or hangs)")
    # The server's options, with the defaults of docs/mock-server.md.
    p.add_argument("--latency-ms", type=int, default=200)
    p.add_argument("--jitter-ms", type=int, default=0)
    p.add_argument("--threads", type=int, default=512)
    p.add_argument("--keep-alive", choices=("on", "off"), default="on")
    p.add_argument("--keep-alive-ms", type=int, default=500)
    p.add_argument("--request-timeout-ms", type=int, default=5000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fail-rate", type=float, default=0.0)
    p.add_argument("--fail-times", type=int, default=1)
    p.add_argument("--fail-kind", choices=KINDS, default="status")
    p.add_argument("--hang-ms", type=int, default=60000)
    return p.parse_args(argv)


class Outcome:
    """What the client saw of one request."""

    def __init__(self, status=None, body=b"", whole=True, length=None, elapsed=0.0):
        self.status = status      # None: closed with no response
        self.body = body          # the body bytes received
        self.whole = whole        # False: closed before Content-Length
        self.length = length      # the Content-Length header, as an int
        self.elapsed = elapsed    # seconds from sending to the end

    def __repr__(self):
        if self.status is None:
            return "closed with no response after %.0f ms" % (self.elapsed * 1000)
        return "%d with %d body bytes%s" % (self.status, len(self.body),
                                            "" if self.whole else " of %s" % self.length)


class Tally:
    """The test's own count: what /stats must say."""

    def __init__(self):
        self.requests = 0
        self.responses = {}
        self.faults = dict.fromkeys(KINDS, 0)
        self.aborted = 0
        self.body_bytes = 0
        self.max_in_flight = 0    # the most requests the test had open at once

    def count_response(self, status, body_len):
        key = str(status)
        self.responses[key] = self.responses.get(key, 0) + 1
        self.body_bytes += body_len


class Checker:
    def __init__(self, args):
        self.args = args
        url = urllib.parse.urlsplit(args.url)
        self.host, self.port = url.hostname, url.port
        self.kind = args.fail_kind
        self.plan = FaultPlan(args.seed, args.fail_rate, args.fail_times)
        self.tally = Tally()
        self.name = "stats (--fail-kind %s)" % self.kind

    # ---- Reporting ----

    def ok(self, what):
        print("ok - %s: %s" % (self.name, what), flush=True)

    def not_ok(self, what, why):
        print("not ok - %s: %s: %s" % (self.name, what, why), flush=True)

    def expect_eq(self, what, got, expected):
        if got == expected:
            self.ok(what)
        else:
            self.not_ok(what, "got %r, expected %r" % (got, expected))

    # ---- HTTP ----

    def connect(self, timeout=WAIT_S):
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def fetch(self, method, path):
        """One request on a connection of its own; what the client saw."""
        conn = self.connect()
        started = time.monotonic()
        try:
            conn.request(method, path)
            return self.read_outcome(conn, method, started)
        finally:
            conn.close()

    @staticmethod
    def read_outcome(conn, method, started):
        try:
            resp = conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, TimeoutError):
            # Closed with no response, or none in WAIT_S: the caller hangs up.
            return Outcome(elapsed=time.monotonic() - started)
        length = resp.getheader("Content-Length")
        length = int(length) if length is not None else None
        try:
            body, whole = resp.read(), True
        except http.client.IncompleteRead as exc:
            body, whole = exc.partial, False
        if method == "HEAD":
            body = b""
        return Outcome(resp.status, body, whole, length, time.monotonic() - started)

    def stats(self):
        conn = self.connect()
        try:
            conn.request("GET", "/stats")
            return json.loads(conn.getresponse().read())
        finally:
            conn.close()

    def wait_stats(self, test):
        """Up to WAIT_S for /stats to pass test; the last /stats, and whether it did."""
        deadline = time.monotonic() + WAIT_S
        while True:
            doc = self.stats()
            if test(doc) or time.monotonic() > deadline:
                return doc, test(doc)
            time.sleep(0.005)

    def settle(self):
        """Waits until the server has ended every request: a client has its
        answer a moment before the server's handler returns."""
        doc, done = self.wait_stats(lambda d: d["in_flight"] == 0)
        if not done:
            self.not_ok("every request ends", "in_flight still %d after %d s"
                        % (doc["in_flight"], WAIT_S))

    # ---- One request, counted and held against the reference ----

    def count(self, path, got):
        """Adds what the client saw to the tally: a workload request is
        counted by what came back, a fault by how it looked."""
        if not (path.startswith("/items/") or path.startswith("/blobs/")):
            return
        t = self.tally
        t.requests += 1
        if got.status is None:
            # No response at all: a hang lasts --hang-ms, a reset does not.
            hung = got.elapsed * 1000 >= self.args.hang_ms
            t.faults["hang" if hung else "reset"] += 1
            return
        if not got.whole:
            t.faults["truncate"] += 1
            t.body_bytes += len(got.body)
            return
        t.count_response(got.status, len(got.body))
        if got.status == 500 and got.body == STATUS_BODY:
            t.faults["status"] += 1
        elif got.status == 200 and path.startswith("/items/"):
            try:
                json.loads(got.body)
            except ValueError:
                t.faults["badjson"] += 1

    def expected(self, ident, blob_size, fails):
        """What the reference says a valid request must get: (status or
        None, the body bytes, whole, the Content-Length)."""
        full = item_body(ident) if blob_size is None else content(ident, blob_size)
        if not fails:
            return 200, full, True, len(full)
        kind = served_kind(self.kind, blob_size)
        if kind == "status":
            return 500, STATUS_BODY, True, len(STATUS_BODY)
        if kind in ("reset", "hang"):
            return None, b"", True, None
        if kind == "badjson":
            return 200, full[:-1], True, len(full) - 1
        return 200, full[:len(full) // 2], False, len(full)

    def workload(self, ident, blob_size=None, mismatches=None):
        """GET one item or blob, one at a time; its outcome against the
        reference's, a mismatch appended to mismatches."""
        path = ("/items/%d" % ident if blob_size is None
                else "/blobs/%d?size=%d" % (ident, blob_size))
        fails = self.plan.take_attempt(ident)
        got = self.fetch("GET", path)
        self.count(path, got)
        self.settle()
        want = self.expected(ident, blob_size, fails)
        seen = (got.status, got.body, got.whole, got.length)
        kind = served_kind(self.kind, blob_size) if fails else None
        if kind == "hang" and got.elapsed * 1000 < self.args.hang_ms:
            seen = ("closed after %.0f ms, before --hang-ms" % (got.elapsed * 1000),)
        if seen != want and mismatches is not None:
            mismatches.append("%s: got %r, expected %s" % (
                path, got, "a %s fault" % kind if kind else "200 and the reference's bytes"))
        return got

    # ---- /stats against the tally ----

    def check_stats(self, when):
        self.settle()
        doc = self.stats()
        t = self.tally
        got = {k: doc.get(k) for k in ("requests", "in_flight", "max_in_flight",
                                       "responses", "faults", "aborted", "body_bytes")}
        expected = {"requests": t.requests, "in_flight": 0, "max_in_flight": t.max_in_flight,
                    "responses": t.responses, "faults": t.faults, "aborted": t.aborted,
                    "body_bytes": t.body_bytes}
        wrong = ["%s %r, counted %r" % (k, got[k], expected[k])
                 for k in expected if got[k] != expected[k]]
        self.expect_eq("%s: every counter is the test's own count (%s)"
                       % (when, ", ".join("%s %s" % (k, json.dumps(v, sort_keys=True))
                                          for k, v in expected.items())), wrong, [])
        ended = (sum(doc["responses"].values()) + doc["aborted"]
                 + sum(doc["faults"][k] for k in ("reset", "hang", "truncate")))
        self.expect_eq("%s: requests = responses + reset, hang and truncate faults + aborted"
                       % when, doc["requests"], ended)
        return doc

    def check_config(self):
        a = self.args
        keep_alive = a.keep_alive == "on" and not (
            a.fail_rate > 0 and a.fail_kind in ("reset", "hang"))
        expected = {"latency_ms": a.latency_ms, "jitter_ms": a.jitter_ms,
                    "keep_alive": keep_alive, "keep_alive_ms": a.keep_alive_ms,
                    "request_timeout_ms": a.request_timeout_ms, "seed": a.seed,
                    "fail_rate": a.fail_rate, "fail_times": a.fail_times,
                    "fail_kind": a.fail_kind, "hang_ms": a.hang_ms}
        doc = self.stats()
        self.expect_eq("config is the options given (reset and hang turn keep-alive off)",
                       doc.get("config"), expected)
        self.expect_eq("threads", doc.get("threads"), a.threads)

    def reset(self, when, held=0):
        """POST /stats/reset, with `held` requests in flight; checks its
        answer, the zeroed counters and since_reset_ms against the test's
        own clock."""
        sent = time.monotonic()
        got = self.fetch("POST", "/stats/reset")
        answered = time.monotonic()
        self.expect_eq("%s: POST /stats/reset answers {\"reset\": true}" % when,
                       (got.status, got.body), (200, b'{"reset":true}'))
        self.plan.reset()
        self.tally = Tally()
        self.tally.max_in_flight = held
        asked = time.monotonic()
        doc = self.stats()
        done = time.monotonic()
        zero = {"requests": 0, "in_flight": held, "max_in_flight": held,
                "responses": {}, "faults": dict.fromkeys(KINDS, 0), "aborted": 0,
                "body_bytes": 0}
        self.expect_eq("%s: every counter zeroed (in_flight kept, max_in_flight from it)"
                       % when, {k: doc.get(k) for k in zero}, zero)
        # The server's clock is CLOCK_MONOTONIC, as time.monotonic: the reset
        # happened between `sent` and `answered`, the reading between
        # `asked` and `done`; 1 ms either way for the floats.
        low, high = int((asked - answered) * 1000) - 1, (done - sent) * 1000 + 1
        since = doc.get("since_reset_ms")
        self.expect_eq("%s: since_reset_ms %s within [%d, %.0f] by the test's clock, "
                       "uptime_ms %s no less" % (when, since, low, high, doc.get("uptime_ms")),
                       low <= since <= high and doc.get("uptime_ms") >= since, True)

    # ---- The sequence ----

    def failing(self, start, count, fails=True):
        """count ids from start on that the reference sets to fail (or not)."""
        ids = list(itertools.islice((i for i in range(start, start + 100000)
                                     if is_failing(self.args.seed, self.args.fail_rate, i)
                                     == fails), count))
        if len(ids) < count:
            raise SystemExit("check_mock_stats.py: --fail-rate %s: not %d %s ids from %d"
                             % (self.args.fail_rate, count,
                                "failing" if fails else "passing", start))
        return ids

    def passing(self, start, count):
        return self.failing(start, count, fails=False)

    def one_at_a_time(self):
        a = self.args
        mismatches = []
        ids = list(range(1, 21))
        for ident in ids:
            self.workload(ident, mismatches=mismatches)
        # Again, until each failing id has used up its attempts and succeeded.
        for _ in range(a.fail_times if a.fail_times > 0 else 1):
            for ident in ids:
                if is_failing(a.seed, a.fail_rate, ident):
                    self.workload(ident, mismatches=mismatches)
        self.expect_eq("items 1..20 one at a time, each failing id until it succeeds: "
                       "each answer as the reference says (%d requests)" % self.tally.requests,
                       mismatches[:3], [])
        # Two failing ids equal modulo 2^24 share one attempt count.
        mismatches = []
        shared = next(i for i in self.failing(21, 1000)
                      if is_failing(a.seed, a.fail_rate, i + ATTEMPT_SLOTS))
        for ident in (shared, shared + ATTEMPT_SLOTS) * (a.fail_times + 1):
            self.workload(ident, mismatches=mismatches)
        self.expect_eq("ids %d and %d (2^24 apart) share one attempt count"
                       % (shared, shared + ATTEMPT_SLOTS), mismatches[:3], [])

    def bad_requests(self):
        """4xx on the workload paths (counted, no fault attempt taken) and
        on the control paths (not counted)."""
        fresh = self.failing(100, 1)[0]
        cases = [("GET", "/items/abc", 400), ("GET", "/items/0", 400),
                 ("GET", "/items/1000000000", 400), ("GET", "/items/", 400),
                 ("GET", "/items/%d?latency_ms=abc" % fresh, 400),
                 ("GET", "/items/%d?latency_ms=600001" % fresh, 400),
                 ("GET", "/blobs/%d" % fresh, 400), ("GET", "/blobs/%d?size=-1" % fresh, 400),
                 ("GET", "/blobs/%d?size=17179869185" % fresh, 400),
                 ("DELETE", "/items/%d" % fresh, 405), ("POST", "/blobs/%d?size=1" % fresh, 405),
                 ("HEAD", "/items/%d" % fresh, 405),
                 ("GET", "/nope", 404), ("GET", "/items", 404), ("GET", "/", 404),
                 ("GET", "/stats?latency_ms=abc", 400), ("GET", "/faults", 400),
                 ("GET", "/faults?count=0", 400), ("GET", "/faults?count=1000001", 400),
                 ("GET", "/stats/reset", 405), ("POST", "/stats", 405), ("GET", "/health", 200)]
        wrong = []
        for method, path, status in cases:
            got = self.fetch(method, path)
            self.count(path, got)
            self.settle()
            if got.status != status or not got.whole:
                wrong.append("%s %s: %r" % (method, path, got))
        self.expect_eq("%d bad requests: each its 4xx, /health 200" % len(cases), wrong, [])
        # None of the bad requests of `fresh` took an attempt: its first
        # valid one fails.
        mismatches = []
        self.workload(fresh, mismatches=mismatches)
        self.expect_eq("a request refused with a 4xx takes no fault attempt", mismatches, [])

    def blobs(self):
        mismatches = []
        good = self.passing(200, 1)[0]
        for size, bad in zip((0, 1, 65537), self.failing(200, 3)):
            self.workload(good, size, mismatches)
            self.workload(bad, size, mismatches)
        self.expect_eq("blobs of 0, 1 and 65537 bytes, failing and not: each answer and "
                       "every byte as the reference says", mismatches, [])

    def hang_up(self):
        """A client that reads part of a 64 MiB blob and hangs up: aborted."""
        ident, size, read = self.passing(300, 1)[0], 64 << 20, 100000
        before = self.stats()
        conn = self.connect()
        try:
            conn.request("GET", "/blobs/%d?size=%d" % (ident, size))
            resp = conn.getresponse()
            head = resp.read(read)
            resp.close()
        finally:
            conn.close()
        self.tally.requests += 1
        self.tally.aborted += 1
        self.expect_eq("hang-up: the first %d bytes are the reference's" % read,
                       head == content(ident, read), True)
        self.settle()
        after = self.stats()
        written = after["body_bytes"] - before["body_bytes"]
        floor = read // CHUNK_BYTES * CHUNK_BYTES
        self.expect_eq("hang-up after %d of %d bytes: body_bytes grew by whole 64 KiB chunks, "
                       "at least those read, short of the size (grew %d)" % (read, size, written),
                       written % CHUNK_BYTES == 0 and floor <= written < size, True)
        # What was written before the server saw the client gone is not the
        # test's to know: take it, now that it is checked.
        self.tally.body_bytes += written

    def hold(self, n, ids, path_of):
        """Sends n requests on n connections and holds them all open: the
        server has begun all n (its request count says so) and none has
        answered (no connection has a byte to read). The connections."""
        base = self.stats()["requests"]
        conns = []
        for ident in ids[:n]:
            conn = self.connect()
            conn.request("GET", path_of(ident))
            conns.append(conn)
        doc, begun = self.wait_stats(lambda d: d["requests"] >= base + n)
        readable, _, _ = select.select([c.sock for c in conns], [], [], 0)
        self.expect_eq("%d requests held open at once: the server began all, none answered"
                       % n, (begun, len(readable)), (True, 0))
        self.expect_eq("%d held open: in_flight %d" % (n, n), doc["in_flight"], n)
        self.tally.max_in_flight = max(self.tally.max_in_flight, n)
        return conns

    def held(self, n):
        a = self.args
        if self.kind == "hang" and a.fail_rate > 0:
            # Hangs hold until the client gives up: the test hangs up on each.
            ids = self.failing(1000, n)
            for ident in ids:
                if not self.plan.take_attempt(ident):
                    raise SystemExit("check_mock_stats.py: id %d would not hang" % ident)
            conns = self.hold(n, ids, lambda i: "/items/%d" % i)
            for conn in conns:
                conn.close()
            self.tally.requests += n
            self.tally.faults["hang"] += n
            self.settle()
            self.ok("%d hangs end as their clients hang up" % n)
            return
        ids = self.passing(1000, n)
        conns = self.hold(n, ids, lambda i: "/items/%d?latency_ms=%d" % (i, HOLD_MS))
        wrong = []
        for ident, conn in zip(ids, conns):
            got = self.read_outcome(conn, "GET", time.monotonic())
            conn.close()
            self.count("/items/%d" % ident, got)
            if (got.status, got.body) != (200, item_body(ident)):
                wrong.append("%d: %r" % (ident, got))
        self.expect_eq("%d held open: each then answered with its item" % n, wrong, [])

    def reset_while_held(self, n):
        """A reset keeps in_flight and restarts max_in_flight from it."""
        ids = self.failing(2000, n)
        for ident in ids:
            self.plan.take_attempt(ident)
        conns = self.hold(n, ids, lambda i: "/items/%d" % i)
        # Each hang is counted before it holds: all n, before the reset.
        self.wait_stats(lambda d: d["faults"]["hang"] >= self.tally.faults["hang"] + n)
        self.reset("reset while held", held=n)
        for conn in conns:
            conn.close()
        self.settle()
        # The hangs were counted as they began, before the reset.
        self.check_stats("after a reset while %d were held" % n)

    def run(self):
        a = self.args
        self.check_config()
        self.reset("at the start")
        self.one_at_a_time()
        self.bad_requests()
        self.blobs()
        if a.hang_up:
            self.hang_up()
        self.tally.max_in_flight = 1
        self.check_stats("one at a time")
        if a.held > 0:
            self.held(a.held)
            self.check_stats("%d held at once" % a.held)
        # A reset zeroes the attempts too: a failing id fails again.
        self.reset("after the traffic")
        mismatches = []
        again = self.failing(1, 1)[0]
        self.workload(again, mismatches=mismatches)
        self.expect_eq("after a reset, id %d fails again" % again, mismatches, [])
        self.tally.max_in_flight = 1
        self.check_stats("after the reset")
        if self.kind == "hang" and a.fail_rate > 0:
            self.reset_while_held(3)


def main(argv):
    Checker(parse_args(argv)).run()


if __name__ == "__main__":
    main(sys.argv[1:])
