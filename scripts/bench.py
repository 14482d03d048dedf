#!/usr/bin/env python3
"""bench.py: runs the whole comparison and leaves a run folder behind (`make bench`).

Starts bin/mock_server on a free port, runs every client model built in bin/
on every configuration of the plan (aiobench/plan.py: one warm-up, then R counted runs,
the models interleaved run by run), and writes runs.csv, meta.json, the
headline traces, the charts and REPORT.md (aiobench/report/) into a
temporary folder that becomes results/runs/YYYY-MM-DD-HHMMSS/ (with
results/latest linking to it) only once all is done; the committed
reference run in results/ is left alone. --out DIR replaces DIR's outputs
instead (--out results remakes the reference run). The last line on stderr
says where the run went; scripts/lesson.py puts its figures into the lesson.

    scripts/bench.py [--quick | --tiny] [--runs R] [--bin DIR] [--out DIR]
                     [--url URL [--verify MODE] [--path TEMPLATE]]

With --url it measures that server instead of starting the mock: only the
plan's plain fetch configurations (the headline fetch, the count and window
sweeps), at the server's own latency (no ?latency_ms=), and no reference
clients; the report names the server and gives no ideals (see external_plan).

Beside the models run two reference clients, which are not models: the
Python asyncio client (peers/python_asyncio) and curl --parallel, on the
headline fetch and download and on the count sweep up to a limit each
(REFERENCE_CLIENTS); a reference client that cannot run here is skipped with
its reason, and the rest runs. AIO_BENCH_PYTHON names the Python that runs
peers/python_asyncio (default /usr/bin/python3; the tests point it at one
without aiohttp), AIO_BENCH_PYTHON_CLIENT the client itself (default
peers/python_asyncio).

Exit status: 0 every run went through; 1 some run errored (a client that
could not start, crashed or timed out; its row says so); 2 usage error;
3 cannot start (no programs, no server, no gnuplot); 128 + N stopped by
signal N (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).
"""

import sys

from aiobench.bench import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
