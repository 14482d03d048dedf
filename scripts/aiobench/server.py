"""server.py: bin/mock_server for the bench, and the server given by --url.

The server's thread count for a configuration (server_threads_for, capped
at SERVER_THREADS_MAX: the one Python copy of base/bounds.h's
THREADS_MAX, which tests/python/test_schema.py holds equal to it), and the
server itself: started on a free port, restarted only to grow, watched
between runs (/stats) and stopped by PID.
"""

import json
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

from aiobench.errors import SetupError
from aiobench.process import child_setup, last_line, stop_process
from aiobench.progress import PROGRAM

# The server: civetweb holds one worker thread per waiting request, so it gets
# the configuration's largest number in flight plus a margin, rounded up to a
# power of two (at least SERVER_THREADS_MIN) so that it is restarted, only to
# grow, a few times per bench (a restart waits for civetweb to stop:
# docs/notes.md), up to its maximum.
SERVER_THREADS_MARGIN = 64
SERVER_THREADS_MIN = 256
SERVER_THREADS_MAX = 10000     # base/bounds.h: THREADS_MAX, --threads at most
SERVER_LATENCY_MS = 200        # clients always send their own ?latency_ms=
SERVER_START_TIMEOUT_S = 30
# Keep-alive stays on: connection reuse is part of what sync does well. A
# kept-alive connection holds its worker until the client closes it, which
# happens when the client exits; the runner waits for in_flight = 0 anyway.
SERVER_KEEP_ALIVE = "on"
IDLE_WAIT_S = 5                # at most, for the server to be idle between runs


def server_threads_for(in_flight):
    """The server's thread count for a configuration with in_flight requests."""
    threads = SERVER_THREADS_MIN
    while threads < in_flight + SERVER_THREADS_MARGIN:
        threads *= 2
    return min(SERVER_THREADS_MAX, threads)


HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))   # never a proxy


def http_json(url, method="GET"):
    """The JSON answer of the local server, or a SetupError."""
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with HTTP.open(request, timeout=10) as answer:
            body = answer.read()
        return json.loads(body) if body.strip() else {}
    except (OSError, ValueError) as err:
        raise SetupError(f"{method} {url}: {err}") from err


class Server:
    """bin/mock_server on a free port of 127.0.0.1, owned by the runner (or
    by another command line: says is the name its lines on stderr begin with)."""

    def __init__(self, program, log_path, says=PROGRAM):
        self.program, self.log_path, self.says = program, log_path, says
        self.proc, self.url, self.threads = None, None, 0
        self.starts, self.urls = [], []   # threads and URL of each start, for meta.json

    def start(self, threads):
        self.stop()
        log = open(self.log_path, "ab")
        cmd = [self.program, "--host", "127.0.0.1", "--port", "0",
               "--latency-ms", str(SERVER_LATENCY_MS), "--threads", str(threads),
               "--keep-alive", SERVER_KEEP_ALIVE, "--quiet"]
        try:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log,
                                         start_new_session=True,
                                         preexec_fn=lambda: child_setup(2 * threads + 256))
        except OSError as err:
            raise SetupError(f"cannot run {self.program}: {err.strerror}") from err
        finally:
            log.close()
        self.url = self._read_ready_line()
        self.threads = threads
        self.starts.append(threads)
        self.urls.append(self.url)
        sys.stderr.write(f"{self.says}: mock_server with {threads} threads listening on "
                         f"{self.url}\n")

    def _read_ready_line(self):
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.proc.stdout], [], [], max(left, 0))
            if not ready:
                self.stop()
                raise SetupError(f"mock_server did not say it listens within "
                                 f"{SERVER_START_TIMEOUT_S} s")
            chunk = os.read(self.proc.stdout.fileno(), 256)
            if not chunk:
                self.stop()
                raise SetupError(f"mock_server exited at start: {last_line(self.log_path)}")
            line += chunk
        match = re.match(r"listening on (http://\S+)", line.decode(errors="replace"))
        if match is None:
            self.stop()
            raise SetupError(f"mock_server said '{line.decode(errors='replace').strip()}'")
        return match.group(1)

    def ensure(self, threads):
        """Starts the server, or restarts it when it has too few threads or died."""
        if self.proc is None or self.proc.poll() is not None or self.threads < threads:
            self.start(max(threads, self.threads))

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc, signal.SIGTERM, 10)
            self.proc.stdout.close()
            self.proc, self.url, self.threads = None, None, 0

    def reset_stats(self):
        http_json(self.url + "/stats/reset", "POST")

    def stats(self):
        return http_json(self.url + "/stats")

    def wait_idle(self):
        """Waits (bounded) until no request of the last run is still held."""
        deadline = time.monotonic() + IDLE_WAIT_S
        while self.stats().get("in_flight", 0) > 0 and time.monotonic() < deadline:
            time.sleep(0.05)


class ExternalServer:
    """The server given by --url: the runner neither starts nor stops it,
    and it has no /stats, so no run records what it held."""

    def __init__(self, url):
        self.url, self.program, self.log_path, self.threads = url, None, None, 0
        self.starts, self.urls = [], [url]

    def ensure(self, threads):
        pass

    def stop(self):
        pass

    def reset_stats(self):
        pass

    def stats(self):
        return None

    def wait_idle(self):
        pass


def probe_latency_ms(url, tries=3):
    """The median time of a few GETs of url, in ms, any answer counting:
    the estimates need some latency, the ideals none. 0 when nothing answers
    (the clients then say why, exit 3, and the run counts as errored)."""
    times = []
    for _ in range(tries):
        started = time.monotonic()
        try:
            with HTTP.open(urllib.request.Request(url), timeout=10) as answer:
                answer.read()
        except urllib.error.HTTPError:
            pass                                  # an answer all the same
        except OSError:
            return 0.0
        times.append((time.monotonic() - started) * 1000.0)
    return statistics.median(times)
