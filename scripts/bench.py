#!/usr/bin/env python3
"""bench.py: runs the whole comparison and leaves results/ behind (`make bench`).

Starts bin/mock_server on a free port, runs every client model built in bin/
on every configuration of the plan below (one warm-up, then R counted runs,
the models interleaved run by run), and writes runs.csv, meta.json, the
headline traces, the charts and REPORT.md (made by scripts/report.py) into a
temporary folder that replaces the previous results only once all is done.

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
Python 3 standard library only.
"""

import contextlib
import csv
import ctypes
import dataclasses
import datetime
import json
import math
import os
import re
import resource
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.dont_write_bytecode = True   # importing report must leave no scripts/__pycache__
import options  # noqa: E402  (after the line above on purpose)
import report  # noqa: E402

PROGRAM = "bench"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# ---- The plan: what is run. The code below only follows these tables. ----

MODELS = ("sync", "async_uv", "async_threads", "async_coro")   # run in this order when built
RUNS_MAX = 100          # --runs: counted runs per configuration

# The knobs a configuration may turn, per model: the flag for the window
# (most tasks in flight), for the size of the thread pool that does blocking
# work (or, with --offload, the computing), and the loop models' two flags:
# compute on libuv's pool, and the pause as a blocking sleep (the pitfall).
# In a sweep, a model without the knob runs the sweep's base configuration
# without it, as a reference line (sync is one at a time whatever the
# window). In the headline, a model without a knob the entry asks for has
# no run at all: the variant does not exist for it.
MODEL_KNOBS = {
    "sync":          {"window": None, "threads": None,
                      "offload": None, "blocking_process": None},
    "async_uv":      {"window": "--concurrency", "threads": "--uv-threadpool",
                      "offload": "--offload", "blocking_process": "--blocking-process"},
    "async_threads": {"window": "--concurrency", "threads": "--concurrency",
                      "offload": None, "blocking_process": None},
    "async_coro":    {"window": "--concurrency", "threads": "--uv-threadpool",
                      "offload": "--offload", "blocking_process": "--blocking-process"},
}
# The configuration's key that each knob sets (the knobs are named by what
# they do; the window is the configuration's "concurrency").
KNOB_PARAMS = {"offload": "offload", "blocking_process": "blocking_process",
               "window": "concurrency", "threads": "threads"}
LIBUV_THREADPOOL_DEFAULT = 4   # libuv's pool size without --uv-threadpool
NO_KNOBS = {"window": None, "threads": None, "offload": None, "blocking_process": None}

# The reference clients: plain, well-known clients run beside the models, so
# that a reader sees where a model stands against what people use. They are
# not models: the report never counts them among the models, nor judges a
# target by them. They run only on the plan's entries marked "references"
# (the headline fetch and download, and the count sweep up to count_max),
# interleaved with the models run by run, and their rows go into runs.csv
# under their own name. (scripts/reference.py, the step after the plan, is
# another thing: whole-process races on a server of its own, for the targets.)
#   python_asyncio: peers/python_asyncio (aiohttp on one asyncio loop), run by
#       AIO_BENCH_PYTHON with the C clients' options and --json;
#   curl_parallel: curl --parallel over the same URLs, timed by the runner.
# window_max: the most transfers it runs at once (None: all); clock: what its
# wall_ms is, "own" (its summary's, as a model's) or "whole" (the runner's
# whole-process time: curl has no clock of its own); start_s and
# per_task_ms: rough costs, for the estimates only.
PYTHON = os.environ.get("AIO_BENCH_PYTHON") or "/usr/bin/python3"
PYTHON_CLIENT = os.path.abspath(os.environ.get("AIO_BENCH_PYTHON_CLIENT") or
                                os.path.join(ROOT, "peers", "python_asyncio"))
GNU_TIME = "/usr/bin/time"     # measures curl's peak memory (%M), as no launcher can
CURL_PARALLEL_MAX = 300        # curl refuses more: --parallel-max is capped at 300
REFERENCE_CLIENTS = {
    "python_asyncio": {
        "count_max": 3000, "window_max": None, "clock": "own",
        "start_s": 0.25, "per_task_ms": 1.0,
        "limit_why": "its cost per request is fitted over the points up to there; a "
                     "larger N would only cost the bench more of the interpreter's one "
                     "thread, and the claim it is run for is about N = 100"},
    "curl_parallel": {
        "count_max": 1000, "window_max": CURL_PARALLEL_MAX, "clock": "whole",
        "start_s": 0.02, "per_task_ms": 0.3,
        "limit_why": f"curl caps --parallel-max at {CURL_PARALLEL_MAX}, so past "
                     f"N = {CURL_PARALLEL_MAX} it runs a window of {CURL_PARALLEL_MAX} "
                     f"(its ideal ceil(N/{CURL_PARALLEL_MAX})*L), not all at once; one point "
                     "past the cap shows it, more would only repeat it"},
}

# The pairs of headline entries that show the loop's health: the right way
# and the way that holds the loop up (same names in every plan).
LOOP_PAIRS = [("fetch --process-ms", "fetch --blocking-process"), ("cpu --offload", "cpu")]


def processing_headline(cpu, fetch, each_ms):
    """The headline entries of "When async does not pay", alike in every
    plan: cpu tasks (cpu: count, rounds) on one thread and offloaded; and
    fetch (fetch: count, latency_ms) with each item processed for each_ms,
    as a pause, as CPU work and as a pause that blocks the loop."""
    cpu = dict(cpu, workload="cpu", part="processing")
    fetch = dict(fetch, workload="fetch", part="processing")
    return [
        dict(cpu, name="cpu"),
        dict(cpu, name="cpu --offload", offload=True, threads=LIBUV_THREADPOOL_DEFAULT),
        dict(fetch, name="fetch --process-ms", process_ms=each_ms),
        dict(fetch, name="fetch --process-cpu-ms", process_cpu_ms=each_ms),
        dict(fetch, name="fetch --blocking-process", process_ms=each_ms, blocking_process=True),
    ]


# A configuration is a workload with its client options: count, latency_ms,
# concurrency (the window; 0 = none), size, fsync, threads, time_scale,
# rounds (cpu; the programs' default when absent), process_ms (fetch: a
# pause per item), process_cpu_ms (fetch: busy CPU per item), offload and
# blocking_process (the loop models only). "trace": each model's per-task
# trace of the median run is kept. "part": "processing" puts a headline
# entry in the report's "When async does not pay" rather than beside the
# plain I/O workloads. Every cpu configuration's ideal needs W, one task's
# time on one core, measured first in the same bench (the calibration: the
# configuration's tasks one after another on one thread, see plan_configs).
# "references" (a headline entry or a sweep): the reference clients run there
# too (REFERENCE_CLIENTS; in a sweep, up to their count_max).
# "reference": the workload of scripts/reference.py, run after the plan with
# R counted runs: fetch count items at latency_ms beside bin/plain_pool, and
# download count blobs of size beside curl --parallel.
PLANS = {
    "full": {
        "runs": 3,
        "skip_s": 30,   # a run estimated to take longer is skipped, not cut
        "headline": [
            {"name": "fetch", "workload": "fetch", "count": 100, "latency_ms": 200,
             "trace": True, "references": True},
            {"name": "download", "workload": "download", "count": 100,
             "latency_ms": 200, "size": "1M", "references": True},
            {"name": "files", "workload": "files", "count": 100, "size": "1M"},
            {"name": "files --fsync", "workload": "files", "count": 100, "size": "1M",
             "fsync": True},
            {"name": "cook", "workload": "cook", "trace": True},
            *processing_headline(cpu={"count": 8},
                                 fetch={"count": 50, "latency_ms": 100},
                                 each_ms=20),
        ],
        "sweeps": [
            {"name": "count", "vary": "count",
             "values": [1, 3, 10, 30, 100, 300, 1000, 3000, 10000],
             "base": {"workload": "fetch", "latency_ms": 200}, "references": True},
            {"name": "latency", "vary": "latency_ms",
             "values": [0, 1, 2, 5, 10, 20, 50, 100, 200, 500],
             "base": {"workload": "fetch", "count": 100}},
            {"name": "window", "vary": "concurrency",
             "values": [1, 3, 10, 30, 100],
             "base": {"workload": "fetch", "count": 100, "latency_ms": 200}},
            {"name": "threads", "vary": "threads",
             "values": [1, 2, 4, 8, 16, 32, 64],
             "base": {"workload": "files", "count": 100, "size": "1M", "fsync": True}},
            {"name": "cpu-threads", "vary": "threads", "values": [1, 2, 4, 8],
             "base": {"workload": "cpu", "count": 8, "offload": True}},
        ],
        "reference": {"count": 100, "latency_ms": 200, "size": "1M"},
    },
    # The same questions, smaller: under a minute on a 2-core machine.
    "quick": {
        "runs": 1,
        "skip_s": 3,
        "headline": [
            {"name": "fetch", "workload": "fetch", "count": 20, "latency_ms": 100,
             "trace": True, "references": True},
            {"name": "download", "workload": "download", "count": 20,
             "latency_ms": 100, "size": "256K", "references": True},
            {"name": "files", "workload": "files", "count": 20, "size": "256K"},
            {"name": "files --fsync", "workload": "files", "count": 20, "size": "256K",
             "fsync": True},
            {"name": "cook", "workload": "cook", "time_scale": 0.1, "trace": True},
            *processing_headline(cpu={"count": 8},
                                 fetch={"count": 20, "latency_ms": 50},
                                 each_ms=10),
        ],
        "sweeps": [
            {"name": "count", "vary": "count", "values": [1, 10, 100, 1000],
             "base": {"workload": "fetch", "latency_ms": 50}, "references": True},
            {"name": "latency", "vary": "latency_ms", "values": [0, 10, 50, 100],
             "base": {"workload": "fetch", "count": 20}},
            {"name": "window", "vary": "concurrency", "values": [1, 4, 20],
             "base": {"workload": "fetch", "count": 20, "latency_ms": 50}},
            {"name": "threads", "vary": "threads", "values": [1, 4, 16],
             "base": {"workload": "files", "count": 20, "size": "256K", "fsync": True}},
            {"name": "cpu-threads", "vary": "threads", "values": [1, 2, 4, 8],
             "base": {"workload": "cpu", "count": 8, "offload": True}},
        ],
        "reference": {"count": 20, "latency_ms": 100, "size": "256K"},
    },
    # For tests/integration/test_bench.sh: every part of the runner, in seconds.
    "tiny": {
        "runs": 1,
        "skip_s": 0.5,
        "headline": [
            {"name": "fetch", "workload": "fetch", "count": 5, "latency_ms": 10,
             "trace": True, "references": True},
            {"name": "download", "workload": "download", "count": 3, "latency_ms": 10,
             "size": "16K", "references": True},
            {"name": "files", "workload": "files", "count": 3, "size": "16K"},
            {"name": "files --fsync", "workload": "files", "count": 3, "size": "16K",
             "fsync": True},
            {"name": "cook", "workload": "cook", "time_scale": 0.01, "trace": True},
            *processing_headline(cpu={"count": 4, "rounds": 2000},
                                 fetch={"count": 5, "latency_ms": 10},
                                 each_ms=5),
        ],
        "sweeps": [
            {"name": "count", "vary": "count", "values": [1, 5, 60],
             "base": {"workload": "fetch", "latency_ms": 10}, "references": True},
            {"name": "latency", "vary": "latency_ms", "values": [0, 10, 20],
             "base": {"workload": "fetch", "count": 5}},
            {"name": "window", "vary": "concurrency", "values": [1, 2, 5],
             "base": {"workload": "fetch", "count": 5, "latency_ms": 10}},
            {"name": "threads", "vary": "threads", "values": [1, 4],
             "base": {"workload": "files", "count": 3, "size": "16K", "fsync": True}},
            {"name": "cpu-threads", "vary": "threads", "values": [1, 2, 4],
             "base": {"workload": "cpu", "count": 4, "rounds": 2000, "offload": True}},
        ],
        "reference": {"count": 5, "latency_ms": 10, "size": "16K"},
    },
}

# The server: civetweb holds one worker thread per waiting request, so it gets
# the configuration's largest number in flight plus a margin, rounded up to a
# power of two (at least SERVER_THREADS_MIN) so that it is restarted, only to
# grow, a few times per bench (a restart costs about 2 s), up to its maximum.
SERVER_THREADS_MARGIN = 64
SERVER_THREADS_MIN = 256
SERVER_THREADS_MAX = 10000
SERVER_LATENCY_MS = 200        # clients always send their own ?latency_ms=
SERVER_START_TIMEOUT_S = 30
# Keep-alive stays on: connection reuse is part of what sync does well. A
# kept-alive connection holds its worker until the client closes it, which
# happens when the client exits; the runner waits for in_flight = 0 anyway.
SERVER_KEEP_ALIVE = "on"
IDLE_WAIT_S = 5                # at most, for the server to be idle between runs

# Rough costs, only for the ETA and the skip rule; the ETA corrects itself
# by the ratio of measured to estimated time as runs finish.
COST_START_S = 0.05            # a client's start and exit
COST_PER_TASK_MS = {"sync": 0.3, "async_uv": 0.25, "async_threads": 0.4, "async_coro": 0.25}
COST_BYTES_PER_S = 300e6       # loopback transfer or page-cache write + read
COST_FSYNC_MS = 5.0            # one small file's fsync on this disk
COST_ROUND_MS = 50.0 / 8000    # one cpu round on one core (the programs' --help)
CLIENT_TIMEOUT_MIN_S = 60      # a client run is killed after max(this, 3 x estimate + 30)
PID_MARGIN = 2000              # threads left free for the rest of the machine
BUSY_WAIT_S = 120              # how long to wait for others' threads to end
NOFILE_MARGIN = 64

# wall_ms is the client's own (its summary's; curl_parallel has none, so
# there it is whole_ms); whole_ms is the runner's, the whole process from its
# start to its exit, interpreter or loader included.
RUN_FIELDS = [
    "time", "config", "run", "model", "workload", "count", "latency_ms", "concurrency",
    "size_bytes", "fsync", "time_scale", "rounds", "process_ms", "process_cpu_ms",
    "offload", "blocking_process", "uv_threadpool", "pool_threads", "args",
    "status", "wall_ms", "whole_ms", "user_ms", "sys_ms", "max_rss_kb", "stack_touched_avg_kb",
    "task_state_bytes", "ok", "failed", "retries",
    "failures", "p50_ms", "p99_ms", "loop_busy", "loop_lag_p99_ms", "loop_lag_max_ms",
    "server_threads", "server_max_in_flight", "ideal_ms", "checksum", "error",
]
# Keys of the --json summary copied as they are; a model that does not
# report one (the loop's health outside the loop models, the touched stack
# outside the thread and coroutine models) leaves it empty.
SUMMARY_FIELDS = ("uv_threadpool", "pool_threads", "wall_ms", "user_ms", "sys_ms",
                  "max_rss_kb", "stack_touched_avg_kb", "task_state_bytes",
                  "ok", "failed", "retries", "p50_ms", "p99_ms",
                  "loop_busy", "loop_lag_p99_ms", "loop_lag_max_ms", "checksum")


class Interrupted(Exception):
    """SIGINT, SIGTERM or SIGHUP arrived: stop, clean up, write nothing.
    signum is the signal's number: the exit status is 128 + signum."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class SetupError(Exception):
    """The bench cannot start or go on (exit 3); the message is one line."""


# ---- Configurations and their runs ----

@dataclasses.dataclass
class Spec:
    """One model's run of one configuration, with its counted rows."""
    model: str
    params: dict               # the configuration (see PLANS)
    args: list                 # the client's arguments, URL and output flags aside
    ideal_ms: float            # None: no ideal (local files)
    estimate_s: float
    trace_name: str = None     # keep the median run's trace as traces/NAME-MODEL.csv
    skip: str = None           # why it is not run (or not run further)
    rows: list = dataclasses.field(default_factory=list)
    trace_paths: list = dataclasses.field(default_factory=list)

    @property
    def key(self):
        return " ".join(self.args)


@dataclasses.dataclass
class Facts:
    """What the plan's ideals and estimates depend on besides the plan."""
    dishes: list               # cook's default dishes, [(name, seconds)]
    rounds: int                # cpu's default --rounds
    cores: int                 # the cores the clients may run on
    latency_guess_ms: float = 0   # --url: one answer's time, measured once; estimates only


def external_plan(plan, verify, path):
    """plan, cut to what can be asked of a server that is not the mock: the
    plain fetch of the headline (no processing, no knob) and the sweeps of
    fetch but the latency's, none asking for ?latency_ms= (the server's
    latency is what it is, and unknown, so there are no ideals), each task
    checked as --verify says, at --path. No reference step."""
    def fetch_only(params):
        out = {k: v for k, v in params.items() if k != "latency_ms"}
        out["verify"] = verify
        if path:
            out["path"] = path
        return out

    headline = [fetch_only(h) for h in plan["headline"]
                if h["workload"] == "fetch" and not set(h) & {"process_ms", "process_cpu_ms",
                                                               "blocking_process", "offload"}]
    sweeps = [dict(sw, base=fetch_only(sw["base"])) for sw in plan["sweeps"]
              if sw["base"]["workload"] == "fetch" and sw["vary"] != "latency_ms"]
    return dict(plan, headline=headline, sweeps=sweeps, reference=None)


@dataclasses.dataclass
class Config:
    """A configuration: the specs first asked for here, run together."""
    name: str                  # "headline fetch", "count 1000"
    sweep: str                 # the sweep it belongs to, None for the headline
    specs: list
    server_threads: int        # 0: needs no server
    calibrates: bool = False   # its one spec measures W, one cpu task on one core


def parse_size(text):
    """Bytes in "1M", "256K", "16K", "512"; K, M, G are powers of 1024."""
    match = re.fullmatch(r"(\d+)([KMG]?)", str(text))
    if match is None:
        raise ValueError(f"bad size '{text}'")
    return int(match.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[match.group(2)]


def client_args(model, params):
    """The command line (after the program) that runs params on model."""
    workload = params["workload"]
    args = [workload]
    if workload != "cook":
        args += ["-n", str(params["count"])]
    if workload in ("fetch", "download") and "latency_ms" in params:
        args += ["--latency-ms", str(params["latency_ms"])]
    for key in ("verify", "path"):     # against a server that is not the mock
        if key in params:
            args += [f"--{key}", str(params[key])]
    if workload in ("download", "files"):
        args += ["--size", str(params["size"])]
    if params.get("fsync"):
        args.append("--fsync")
    if "time_scale" in params:
        args += ["--time-scale", f"{params['time_scale']:g}"]
    if "rounds" in params:
        args += ["--rounds", str(params["rounds"])]
    for key, flag in (("process_ms", "--process-ms"), ("process_cpu_ms", "--process-cpu-ms")):
        if params.get(key):
            args += [flag, str(params[key])]
    for knob in ("blocking_process", "offload", "window", "threads"):
        flag, value = knobs_of(model)[knob], params.get(KNOB_PARAMS[knob])
        if value and flag:
            args += [flag] if value is True else [flag, str(value)]
    return args


def knobs_of(model):
    """model's flags for the knobs (MODEL_KNOBS); a reference client has none."""
    return MODEL_KNOBS.get(model, NO_KNOBS)


def lacking_knobs(model, params):
    """The flags params asks for that model does not take, by knob name."""
    return [knob for knob, key in KNOB_PARAMS.items()
            if params.get(key) and not knobs_of(model)[knob]]


def knob_flag(knob):
    """A knob's flag as the models that take it spell it."""
    return next(k[knob] for k in MODEL_KNOBS.values() if k[knob])


def effective_params(model, params):
    """params without the knobs model does not have (what it really runs)."""
    lacking = {KNOB_PARAMS[knob] for knob in lacking_knobs(model, params)}
    return {k: v for k, v in params.items() if k not in lacking}


def compute_threads(model, params):
    """The threads that can compute at once: the pool of async_threads (one
    thread per task unless a window or pool size is set), libuv's pool when
    a loop model offloads, else the one thread (sync, the loop)."""
    knobs = knobs_of(model)
    if knobs["offload"]:
        return (params.get("threads") or LIBUV_THREADPOOL_DEFAULT) if params.get("offload") else 1
    if knobs["threads"]:
        count = params["count"]
        return min(count, params.get("threads") or params.get("concurrency") or count)
    return 1


def ideal_ms(model, params, facts, task_ms=None):
    """The time the run would take if only what cannot overlap counted.

    Waiting: N*L one at a time, ceil(N/C)*L with a window of C, L all at
    once; fetch's pause (process_ms) is waiting too: L+P per item. cook: the
    sum of the dishes one at a time, the longest at once. Computing: N*W
    over min(T, cores) cores, T the threads that compute (compute_threads),
    W one task's time on one core (task_ms, measured); fetch's busy CPU
    (process_cpu_ms, P_cpu) after the wait: L + N*P_cpu/min(T, cores). A
    blocking pause holds the loop: L + N*P, the pauses one after another.
    None where no ideal is well defined: files (the disk's time), cpu
    without a measured W, and busy or blocking processing under a window
    (how it interleaves with the waits depends on the order of answers)."""
    workload = params["workload"]
    if workload == "files":
        return None
    if workload == "cook":
        scale = params.get("time_scale", 1.0)
        times_ms = [seconds * scale * 1000.0 for _, seconds in facts.dishes]
        return sum(times_ms) if model == "sync" else max(times_ms)
    cores_used = min(compute_threads(model, params), facts.cores)
    if workload == "cpu":
        return None if task_ms is None else params["count"] * task_ms / cores_used
    if "latency_ms" not in params:
        return None       # another server's own latency: unknown
    count, latency = params["count"], params["latency_ms"]
    pause, busy = params.get("process_ms", 0), params.get("process_cpu_ms", 0)
    window = window_of(model, params)
    if window == 1:
        return count * (latency + pause + busy)
    if busy or params.get("blocking_process"):
        if window < count:
            return None
        if params.get("blocking_process"):
            return latency + count * (pause + busy)
        return latency + pause + count * busy / cores_used
    return math.ceil(count / window) * (latency + pause)


def window_of(model, params):
    """The most tasks model runs at once on params (fetch, download): one for
    sync, the window asked for or all; a reference client's own limit."""
    count = params["count"]
    if model in REFERENCE_CLIENTS:
        return min(count, REFERENCE_CLIENTS[model]["window_max"] or count)
    if not knobs_of(model)["window"]:
        return 1
    return min(count, params.get("concurrency") or count)


def estimate_s(model, params, facts):
    """A rough guess of one run's wall time, for the ETA and the skip rule."""
    workload = params["workload"]
    count = len(facts.dishes) if workload == "cook" else params["count"]
    task_ms = params.get("rounds", facts.rounds) * COST_ROUND_MS
    if workload == "fetch" and "latency_ms" not in params:
        params = dict(params, latency_ms=facts.latency_guess_ms)   # for the estimate only
    reference = REFERENCE_CLIENTS.get(model, {})
    seconds = reference.get("start_s", COST_START_S)
    seconds += (ideal_ms(model, params, facts, task_ms) or 0) / 1000.0
    seconds += count * reference.get("per_task_ms", COST_PER_TASK_MS.get(model, 0)) / 1000.0
    if workload in ("download", "files"):
        seconds += count * parse_size(params["size"]) / COST_BYTES_PER_S
    if params.get("fsync"):
        seconds += count * COST_FSYNC_MS / 1000.0
    return seconds


def in_flight_max(model, params):
    """The most requests the run can have waiting at the server at once."""
    if params["workload"] not in ("fetch", "download"):
        return 0
    return window_of(model, params)


def client_threads(model, params):
    """Roughly how many threads the client will start (for the pid budget)."""
    if model == "async_threads" and params["workload"] != "cook":
        window = params.get("threads") or params.get("concurrency") or params.get("count", 1)
        return min(window, params.get("count", window), 10000) + 2
    if model in ("async_uv", "async_coro"):
        return (params.get("threads") or 4) + 2
    return 2


def server_threads_for(in_flight):
    """The server's thread count for a configuration with in_flight requests."""
    threads = SERVER_THREADS_MIN
    while threads < in_flight + SERVER_THREADS_MARGIN:
        threads *= 2
    return min(SERVER_THREADS_MAX, threads)


def plan_configs(plan, models, facts, references=()):
    """Expands the plan into configurations and groups (for the report).

    A run asked for twice (sync's window sweep is its headline fetch) is one
    Spec, run where it is first asked for. A headline entry asking for a flag
    a model does not take (--offload of sync) has no Spec for that model.
    Before the first cpu configuration of each --rounds comes its
    calibration, which measures W: the same N tasks one after another on
    one thread (sync's own run of that configuration; without sync, a loop
    model's on its loop, or async_threads' with a pool of one), whose
    median wall time over N is W. Configurations are ordered by the server
    threads they need, so the server is restarted only to grow; the
    calibration and the cpu runs need none and keep plan order. The
    reference clients given (those that can run here) join the models on
    the entries marked "references", a sweep's up to their count_max; they
    take --size in bytes, as curl must be given it anyway."""
    specs_by_key = {}
    configs, groups = [], []
    calibrated = set()
    calibration_model = next(m for m in ("sync", "async_uv", "async_coro", "async_threads",
                                         *models) if m in models)

    def spec_for(model, params, trace_name):
        if model in REFERENCE_CLIENTS:
            params = dict(params, size=str(parse_size(params["size"]))) if "size" in params \
                else params
        else:
            params = effective_params(model, params)
        args = client_args(model, params)
        key = (model, " ".join(args))
        spec = specs_by_key.get(key)
        if spec is None:
            spec = Spec(model, params, args, ideal_ms(model, params, facts),
                        estimate_s(model, params, facts))
            if spec.estimate_s > plan["skip_s"]:
                spec.skip = (f"one run would take about {spec.estimate_s:.0f} s, "
                             f"over the {plan['skip_s']:g} s limit")
            specs_by_key[key] = spec
            new.append(spec)
        if trace_name and spec.trace_name is None:
            spec.trace_name = trace_name
        return spec

    def add_config(name, sweep, params, point_models, trace_name=None, point_references=()):
        nonlocal new
        if params["workload"] == "cpu":
            add_calibration(params)
        new = []
        point = {m: spec_for(m, params, trace_name) for m in point_models}
        point.update({r: spec_for(r, params, None) for r in point_references})
        need = max((in_flight_max(m, p.params) for m, p in point.items()), default=0)
        threads = server_threads_for(need) if need else 0
        configs.append(Config(name, sweep, new, threads))
        return point

    def add_calibration(params):
        nonlocal new
        rounds = params.get("rounds", facts.rounds)
        if rounds in calibrated:
            return
        calibrated.add(rounds)
        new = []
        one = {k: v for k, v in params.items() if k in ("workload", "rounds", "count")}
        if compute_threads(calibration_model, one) > 1:
            one["concurrency"] = 1            # one thread computing: a pool of one
        spec = spec_for(calibration_model, one, None)
        configs.append(Config(f"cpu calibration {rounds}", None, new, 0, calibrates=True))
        groups.append({"kind": "calibration", "name": "cpu calibration", "params": one,
                       "points": [{"value": rounds, "specs": {calibration_model: spec}}]})

    new = []
    for head in plan["headline"]:
        params = {k: v for k, v in head.items()
                  if k not in ("name", "trace", "part", "references")}
        absent = {m: [knob_flag(k) for k in lacking_knobs(m, params)]   # the flags it lacks
                  for m in models if lacking_knobs(m, params)}
        point = add_config(f"headline {head['name']}", None, params,
                           [m for m in models if m not in absent],
                           head["name"] if head.get("trace") else None,
                           references if head.get("references") else ())
        groups.append({"kind": "headline", "name": head["name"], "params": params,
                       "part": head.get("part", "io"), "absent": absent,
                       "references": bool(head.get("references")),
                       "points": [{"value": None, "specs": point}]})
    for sweep in plan["sweeps"]:
        points = []
        for value in sweep["values"]:
            params = dict(sweep["base"], **{sweep["vary"]: value})
            joining = [r for r in references if sweep.get("references")
                       and params["count"] <= REFERENCE_CLIENTS[r]["count_max"]]
            point = add_config(f"{sweep['name']} {value}", sweep["name"], params, models,
                               point_references=joining)
            points.append({"value": value, "specs": point})
        groups.append({"kind": "sweep", "name": sweep["name"], "vary": sweep["vary"],
                       "params": sweep["base"], "points": points,
                       "references": bool(sweep.get("references"))})
    configs.sort(key=lambda c: c.server_threads)   # stable: plan order otherwise
    return configs, groups


# ---- Processes: the server and the clients ----

def child_setup(nofile):
    """Runs in each child before exec: a raised open-files limit, and death
    with the runner (PR_SET_PDEATHSIG), so that even a SIGKILLed bench leaves
    no server behind."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(soft, nofile)
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def stop_process(proc, first_signal, grace_s, group=False):
    """Sends first_signal (to proc's process group when group is set, which
    start_new_session made proc's own), then SIGKILL after grace_s; reaps."""
    send = (lambda sig: os.killpg(proc.pid, sig)) if group else proc.send_signal
    if proc.poll() is None:
        try:
            send(first_signal)
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            send(signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            proc.wait()


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
    """bin/mock_server on a free port of 127.0.0.1, owned by the runner."""

    def __init__(self, program, log_path):
        self.program, self.log_path = program, log_path
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
        sys.stderr.write(f"{PROGRAM}: mock_server with {threads} threads listening on {self.url}\n")

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


def read_text(path):
    """A file's text, '' when it cannot be read."""
    try:
        with open(path, errors="replace") as text_file:
            return text_file.read()
    except OSError:
        return ""


def last_line(path_or_text, is_path=True):
    """The last non-empty line of a file or text, '' when there is none."""
    text = read_text(path_or_text) if is_path else path_or_text
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


@dataclasses.dataclass
class ClientResult:
    status: object             # the exit code, or "timeout", or "signal N"
    summary: dict              # the --json object, {} when there is none
    error: str                 # stderr's last line, when the run went wrong
    seconds: float


# Clients start through a shell that forks them: Linux carries a process's
# peak RSS across fork and exec, so a client forked from this Python process
# would report Python's peak as its own max_rss_kb; one forked by a small
# shell reports its own. The shell and the client share a process group.
CLIENT_LAUNCHER = ["/bin/sh", "-c", '"$@"; exit $?', "sh"]


# The clients' own codes for a run that a signal stopped (SIGHUP, SIGINT,
# SIGTERM), cleaned up and reported: 128 + N, as the shell says of a death.
CLIENT_STOPPED = (129, 130, 143)


def exit_status(returncode):
    """The client's exit code through the shell; 128+N is death by signal N
    (but for the clients' own codes of a stopped run, CLIENT_STOPPED)."""
    if returncode < 0:
        return f"signal {-returncode}"
    if returncode > 128 and returncode not in CLIENT_STOPPED:
        return f"signal {returncode - 128}"
    return returncode


def launch(ctx, cmd, spec):
    """Runs cmd, the client of spec, through CLIENT_LAUNCHER, bounded in time
    by spec's estimate; never raises but Interrupted. Returns (status,
    stdout, error, whole-process seconds): status is the exit code,
    "timeout", "signal N" or "cannot run"; error is "" for status 0, else
    stderr's last line, or how long it ran before it was killed."""
    timeout_s = max(CLIENT_TIMEOUT_MIN_S, 3 * spec.estimate_s + 30)
    started = time.monotonic()
    try:
        proc = subprocess.Popen(CLIENT_LAUNCHER + cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE,
                                env=ctx.client_env, start_new_session=True,
                                preexec_fn=lambda: child_setup(0))
    except OSError as err:
        return "cannot run", b"", f"{cmd[0]}: {err.strerror}", 0.0
    try:
        out, err = proc.communicate(timeout=timeout_s)
        seconds = time.monotonic() - started
        status = exit_status(proc.returncode)
    except subprocess.TimeoutExpired:
        stop_process(proc, signal.SIGINT, 5, group=True)
        out, err = proc.communicate()
        seconds = time.monotonic() - started
        status = "timeout"
    finally:
        stop_process(proc, signal.SIGINT, 5, group=True)   # only when interrupted
    if status == "timeout":
        return status, out, f"killed after {timeout_s:.0f} s", seconds
    error = "" if status == 0 else last_line(err.decode(errors="replace"), is_path=False)
    return status, out, error, seconds


def run_client(ctx, spec, trace_path=None):
    """Runs one client on spec, bounded in time; never raises for a failed
    run (its status says it), only for Interrupted. A model, or the Python
    reference client, prints its --json summary; curl_parallel has its own."""
    if spec.model == "curl_parallel":
        return run_curl_parallel(ctx, spec)
    if spec.model == "python_asyncio":
        cmd = [PYTHON, PYTHON_CLIENT, *spec.args, "--json"]
    else:
        cmd = [os.path.join(ctx.bin_dir, spec.model), *spec.args, "--json"]
    if spec.params["workload"] in ("fetch", "download"):
        cmd += ["--url", ctx.server.url]
    if trace_path:
        cmd += ["--trace", trace_path]
    # python_asyncio's download files go where the runner cleans them up.
    own_folder = spec.model == "python_asyncio" and spec.params["workload"] == "download"
    with (tempfile.TemporaryDirectory(prefix="aio-bench-") if own_folder
          else contextlib.nullcontext()) as folder:
        if folder:
            cmd += ["--dir", folder]
        status, out, error, seconds = launch(ctx, cmd, spec)
    try:
        summary = json.loads(out.decode().strip().splitlines()[-1]) if out.strip() else {}
    except (ValueError, IndexError):
        summary = {}
    if not isinstance(summary, dict):
        summary = {}
    return ClientResult(status, summary, error, seconds)


def curl_urls(base, params, folder):
    """curl's --config lines: each URL a client would ask for, and where its
    body goes (fetch: nowhere; download: a file of folder)."""
    lines = []
    for ident in range(1, params["count"] + 1):
        if params["workload"] == "fetch":
            path, output = f"/items/{ident}?latency_ms={params['latency_ms']}", os.devnull
        else:
            path = (f"/blobs/{ident}?size={parse_size(params['size'])}"
                    f"&latency_ms={params['latency_ms']}")
            output = os.path.join(folder, f"blob-{ident}.bin")
        lines.append(f'url = "{base}{path}"\noutput = "{output}"\n')
    return "".join(lines)


def run_curl_parallel(ctx, spec):
    """curl --parallel over the URLs of spec, bounded in time. curl prints no
    summary: the runner makes one. wall_ms is the whole process on the
    runner's clock; user_ms and sys_ms what the runner's children used
    meanwhile (curl, and the shell and GNU time that start it: a
    millisecond or so); max_rss_kb curl's own peak, by GNU time (a launcher
    cannot report it: see CLIENT_LAUNCHER); ok and failed from --write-out,
    a line per transfer, a 200 with curl's exit code 0 being ok. Nothing of
    the content is checked, so there is no checksum."""
    params = spec.params
    count = params["count"]
    with tempfile.TemporaryDirectory(prefix="aio-bench-curl-") as folder:
        config, usage = os.path.join(folder, "urls.conf"), os.path.join(folder, "usage")
        with open(config, "w") as config_file:
            config_file.write(curl_urls(ctx.server.url, params, folder))
        cmd = [GNU_TIME, "-f", "%M", "-o", usage,
               "curl", "--silent", "--show-error", "--parallel", "--parallel-immediate",
               "--parallel-max", str(window_of(spec.model, params)),
               "--write-out", "%{http_code} %{exitcode}\n", "--config", config]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        status, out, error, seconds = launch(ctx, cmd, spec)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak = last_line(usage)
    codes = [line.split() for line in out.decode(errors="replace").splitlines() if line.strip()]
    failures = {}
    for code in codes:
        if code != ["200", "0"]:
            cause = "status" if code[1:] == ["0"] else f"curl_exit_{code[-1]}"
            failures[cause] = failures.get(cause, 0) + 1
    ok = count - sum(failures.values()) - max(0, count - len(codes))
    if len(codes) < count:
        failures["unreported"] = count - len(codes)   # curl ended before saying
    summary = {}
    if codes:
        # curl exits with the last failed transfer's code: as a client,
        # that is "some tasks failed" (1), unless curl itself was cut short.
        if status not in ("timeout", "cannot run") and not str(status).startswith("signal"):
            status = 0 if ok == count else 1
        summary = {"count": count, "concurrency": window_of(spec.model, params),
                   "wall_ms": round(seconds * 1000.0, 3),   # whole_ms, to the digit
                   "user_ms": round((after.ru_utime - before.ru_utime) * 1000.0, 3),
                   "sys_ms": round((after.ru_stime - before.ru_stime) * 1000.0, 3),
                   "max_rss_kb": int(peak) if peak.isdigit() else "",
                   "ok": ok, "failed": count - ok, "retries": 0, "failures": failures}
    return ClientResult(status, summary, error, seconds)


# ---- Progress on stderr ----

def clock(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    """Counts runs and prints "[k/n] elapsed, about T left: what" lines.

    The time left is the estimate of the runs to come, per workload, times
    that workload's ratio of measured to estimated time so far. The
    reference step counts as one run of its own kind, "reference"."""

    def __init__(self, configs, runs, reference):
        self.started = time.monotonic()
        self.runs = runs
        pending = [s for c in configs for s in c.specs if not s.skip]
        self.total = len(pending) * (1 + runs)
        self.done = 0
        self.left_s, self.done_estimate_s, self.done_actual_s = {}, {}, {}
        for spec in pending:
            self._add(self.left_s, spec, spec.estimate_s * (1 + runs))
        if not reference.skip:
            self.total += 1
            self.left_s["reference"] = reference.estimate_s

    @staticmethod
    def _add(table, spec, seconds, workload=None):
        workload = workload or spec.params["workload"]
        table[workload] = table.get(workload, 0.0) + seconds

    def time_left_s(self):
        left = 0.0
        for workload, seconds in self.left_s.items():
            estimated = self.done_estimate_s.get(workload, 0.0)
            ratio = self.done_actual_s[workload] / estimated if estimated else 1.0
            left += max(0.0, seconds) * ratio
        return left

    def begin(self, config, spec, run):
        elapsed = time.monotonic() - self.started
        which = "warm-up" if run == 0 else f"run {run} of {self.runs}"
        sys.stderr.write(f"{PROGRAM}: [{self.done + 1:>3}/{self.total}] {clock(elapsed)} "
                         f"elapsed, about {clock(self.time_left_s())} left: "
                         f"{config.name}, {spec.model} {which} ... ")
        sys.stderr.flush()

    def end(self, spec, result):
        self.done += 1
        self._add(self.done_estimate_s, spec, spec.estimate_s)
        self._add(self.done_actual_s, spec, result.seconds)
        self._add(self.left_s, spec, -spec.estimate_s)
        outcome = f"{result.seconds:.2f} s" if result.status == 0 else \
            f"{result.seconds:.2f} s, status {result.status} {result.error}".rstrip()
        sys.stderr.write(outcome + "\n")

    def begin_reference(self, reference):
        elapsed = time.monotonic() - self.started
        sys.stderr.write(f"{PROGRAM}: [{self.done + 1:>3}/{self.total}] {clock(elapsed)} "
                         f"elapsed, about {clock(self.time_left_s())} left: reference "
                         f"clients, {reference.command()}\n")

    def end_reference(self, reference, seconds):
        self.done += 1
        self._add(self.done_estimate_s, None, reference.estimate_s, "reference")
        self._add(self.done_actual_s, None, seconds, "reference")
        self._add(self.left_s, None, -reference.estimate_s, "reference")
        outcome = f"done in {seconds:.1f} s" if reference.status == 0 else \
            f"status {reference.status} after {seconds:.1f} s: {reference.error}"
        self.note(f"reference clients: {outcome}")

    def drop(self, spec, runs_left):
        """A spec will not run its remaining runs: take them off the count."""
        self.total -= runs_left
        self._add(self.left_s, spec, -spec.estimate_s * runs_left)

    def note(self, text):
        sys.stderr.write(f"{PROGRAM}: {text}\n")


# ---- Running the plan ----

def machine_threads():
    """Threads alive on the machine now (the 4th field of /proc/loadavg)."""
    try:
        return int(read_text("/proc/loadavg").split()[3].split("/")[1])
    except (IndexError, ValueError):
        return 0


def resource_skip(ctx, config, spec):
    """Why the machine cannot run spec, or None. The machine is shared: when
    other programs hold too many threads, waits (bounded) for them to end.
    Counted: the client's threads and what the server must grow by."""
    threads = client_threads(spec.model, spec.params)
    if spec.params["workload"] in ("fetch", "download") and ctx.server.program:
        threads += max(0, config.server_threads - ctx.server.threads)
    deadline = time.monotonic() + BUSY_WAIT_S
    noted = False
    while machine_threads() + threads > ctx.pid_max - PID_MARGIN:
        if time.monotonic() > deadline:
            return (f"would need {threads} more threads, with {machine_threads()} running "
                    f"of kernel.pid_max {ctx.pid_max}")
        if not noted:
            ctx.progress.note(f"{machine_threads()} threads run on this machine (kernel.pid_max "
                              f"{ctx.pid_max}); waiting up to {BUSY_WAIT_S} s for some to end")
            noted = True
        time.sleep(1)
    sockets = in_flight_max(spec.model, spec.params)
    if sockets + NOFILE_MARGIN > ctx.nofile_hard:
        return f"needs {sockets} sockets, over the open-files limit {ctx.nofile_hard}"
    return None


def make_row(ctx, config, spec, run, started, result, server_stats):
    summary, params = result.summary, spec.params
    workload = params["workload"]
    size = parse_size(params["size"]) if "size" in params else ""
    failures = summary.get("failures") or {}
    row = {key: summary.get(key, "") for key in SUMMARY_FIELDS}
    row.update({
        "time": started, "config": config.name, "run": run, "model": spec.model,
        "workload": workload,
        "count": summary.get("count", params.get("count", "")),
        "latency_ms": params.get("latency_ms", ""),
        "concurrency": summary.get("concurrency", params.get("concurrency", "")),
        "size_bytes": size, "fsync": int(bool(params.get("fsync"))),
        "time_scale": params.get("time_scale", 1 if workload == "cook" else ""),
        "rounds": params.get("rounds", ctx.facts.rounds) if workload == "cpu" else "",
        "process_ms": params.get("process_ms", 0) if workload == "fetch" else "",
        "process_cpu_ms": params.get("process_cpu_ms", 0) if workload == "fetch" else "",
        "offload": int(bool(params.get("offload"))),
        "blocking_process": int(bool(params.get("blocking_process"))),
        "args": spec.key, "status": result.status,
        "whole_ms": f"{result.seconds * 1000.0:.3f}" if result.seconds else "",
        "failures": ";".join(f"{cause}:{n}" for cause, n in sorted(failures.items()) if n),
        "server_threads": ctx.server.threads if server_stats is not None else "",
        "server_max_in_flight": (server_stats or {}).get("max_in_flight", ""),
        "ideal_ms": "" if spec.ideal_ms is None else f"{spec.ideal_ms:g}",
        "error": result.error,
    })
    return row


def server_stats_after(ctx):
    """GET /stats after a run; None (and an error noted) if the server is gone."""
    try:
        return ctx.server.stats()
    except SetupError as err:
        ctx.errors.append(f"the server did not answer after a run: {err}")
        return None


def run_once(ctx, config, spec, run):
    """One run of spec (run 0 is the warm-up). Returns (result, row or None)."""
    uses_server = spec.params["workload"] in ("fetch", "download")
    if uses_server:
        ctx.server.ensure(config.server_threads)
        ctx.server.wait_idle()
        ctx.server.reset_stats()
    trace_path = None
    if spec.trace_name and run > 0:
        trace_path = os.path.join(ctx.work, "trace-runs", f"{spec.trace_name}-{spec.model}-{run}.csv")
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    ctx.progress.begin(config, spec, run)
    result = run_client(ctx, spec, trace_path)
    ctx.progress.end(spec, result)
    stats = server_stats_after(ctx) if uses_server else None
    if spec.model in MODELS and result.summary.get("versions"):
        ctx.versions.update({k: v for k, v in result.summary["versions"].items() if v})
    if run == 0:
        return result, None
    row = make_row(ctx, config, spec, run, started, result, stats)
    if trace_path:
        spec.trace_paths.append(trace_path)
    return result, row


def errored(result):
    """A run that says nothing about the model's speed: it did not run to
    its end (exit 2, 3, a signal, a timeout) or printed no summary."""
    return result.status not in (0, 1) or not result.summary


def skip_spec(ctx, config, spec, reason, runs_left):
    spec.skip = reason
    ctx.progress.drop(spec, runs_left)
    ctx.progress.note(f"{config.name}: {spec.model} skipped: {reason}")


def run_config(ctx, config):
    """A warm-up of each model, then R rounds with the models interleaved.
    A calibration gives W for the cpu runs of its --rounds, whose ideals
    are set here, before they run; its own rows wait for W and their ideal
    (runs.csv has every ideal)."""
    for spec in config.specs:
        if spec.params["workload"] == "cpu" and not config.calibrates:
            task_ms = ctx.task_ms.get(spec.params.get("rounds", ctx.facts.rounds))
            spec.ideal_ms = ideal_ms(spec.model, spec.params, ctx.facts, task_ms)
    specs = []
    for spec in config.specs:
        stop = ctx.sweep_stops.get((config.sweep, spec.model))
        reason = spec.skip is None and (stop or resource_skip(ctx, config, spec))
        if reason:
            skip_spec(ctx, config, spec, reason, 1 + ctx.runs)
            if not config.sweep:
                ctx.errors.append(f"{config.name}: {spec.model} not run: {reason}")
        elif spec.skip is None:
            specs.append(spec)
    for spec in specs:
        result, _ = run_once(ctx, config, spec, 0)
        if errored(result):
            ctx.errors.append(f"{config.name}: {spec.model} warm-up: status {result.status} "
                              f"{result.error}".rstrip())
            skip_spec(ctx, config, spec, f"the warm-up failed: {result.error or result.status}",
                      ctx.runs)
    for run in range(1, ctx.runs + 1):
        for spec in specs:
            if spec.skip:
                continue
            result, row = run_once(ctx, config, spec, run)
            spec.rows.append(row)
            if not config.calibrates:
                write_row(ctx, row)
            if errored(result):
                ctx.errors.append(f"{config.name}: {spec.model} run {run}: "
                                  f"status {result.status} {result.error}".rstrip())
            if config.sweep and (errored(result) or row["failed"] not in ("", 0)):
                why = row["failures"] or result.error or f"status {result.status}"
                ctx.sweep_stops[(config.sweep, spec.model)] = \
                    f"stopped after {config.name} failed ({why})"
    for spec in specs:
        keep_median_trace(ctx, spec)
    for spec in config.specs if config.calibrates else ():
        calibrate(ctx, spec)
        for row in spec.rows:
            row["ideal_ms"] = "" if spec.ideal_ms is None else f"{spec.ideal_ms:g}"
            write_row(ctx, row)


def write_row(ctx, row):
    ctx.writer.writerow(row)
    ctx.runs_file.flush()


def calibrate(ctx, spec):
    """W for the cpu runs of spec's --rounds: the median wall time of spec's
    counted runs, N tasks one after another on one thread, over N; none
    when no run went through. spec's own ideal, N*W, is then its median."""
    walls = [float(r["wall_ms"]) for r in spec.rows
             if r["status"] == 0 and r["wall_ms"] != ""]
    rounds = spec.params.get("rounds", ctx.facts.rounds)
    if walls:
        ctx.task_ms[rounds] = statistics.median(walls) / spec.params["count"]
    spec.ideal_ms = ideal_ms(spec.model, spec.params, ctx.facts, ctx.task_ms.get(rounds))
    ctx.calibrations.append({"rounds": rounds, "model": spec.model, "args": spec.key,
                             "count": spec.params["count"], "runs": len(walls),
                             "task_ms": ctx.task_ms.get(rounds)})


def median_run(rows):
    """The index in rows of the median run, None when no row qualifies.

    The runs counted are those the report times (report.Stat): status 0 or
    1 (some tasks failed, the run went through) with a wall time; a run that
    errored says nothing of the speed. Sorted by wall time, the middle one;
    of an even count the lower of the two middle ones, so that it is a run
    that happened and not the mean of two; of equal times the earlier run."""
    timed = [i for i, row in enumerate(rows)
             if str(row["status"]) in ("0", "1") and row["wall_ms"] not in ("", None)]
    if not timed:
        return None
    timed.sort(key=lambda i: float(rows[i]["wall_ms"]))   # stable: equal times keep run order
    return timed[(len(timed) - 1) // 2]


def keep_median_trace(ctx, spec):
    """Copies the trace of the median run (median_run) of those that left a
    trace to traces/NAME-MODEL.csv."""
    runs = [(row, path) for row, path in zip(spec.rows, spec.trace_paths) if os.path.exists(path)]
    index = median_run([row for row, _ in runs])
    if index is None:
        return
    shutil.copyfile(runs[index][1],
                    os.path.join(ctx.work, "traces", f"{spec.trace_name}-{spec.model}.csv"))


# ---- The reference clients: scripts/reference.py, after the plan ----

REFERENCE_SCRIPT = os.path.join(ROOT, "scripts", "reference.py")
# What reference.py runs from the --bin folder; curl it finds on PATH.
REFERENCE_PROGRAMS = ("mock_server", "plain_pool", "async_threads", "async_uv", "async_coro")
REFERENCE_SERVER_S = 5         # its server's start and stop (civetweb takes 2 s to stop)


@dataclasses.dataclass
class Reference:
    """The run of scripts/reference.py: the models beside plain clients,
    on a server of its own. Its --json lines become reference.json."""
    args: list                 # reference.py's options
    params: dict               # the plan's "reference" entry, with runs
    estimate_s: float
    skip: str = None           # why it is not run
    status: object = None      # its exit status or "timeout"; None when not run
    error: str = ""            # what went wrong, when it did
    records: list = dataclasses.field(default_factory=list)

    def command(self):
        return " ".join(["scripts/reference.py", *self.args])


def plan_reference(plan, runs, bin_dir, facts):
    """The reference step of plan with runs counted runs, or one that says
    why it cannot run (its programs not built, or no curl, or --url)."""
    if plan["reference"] is None:
        return Reference([], None, 0.0, skip="not run against --url: it measures the mock server")
    params = dict(plan["reference"], runs=runs)
    args = ["--runs", str(runs), "--count", str(params["count"]),
            "--latency-ms", str(params["latency_ms"]),
            "--size", str(parse_size(params["size"])), "--bin", bin_dir, "--json"]
    reference = Reference(args, params, reference_estimate_s(params, runs, facts))
    missing = [p for p in REFERENCE_PROGRAMS if not os.access(os.path.join(bin_dir, p), os.X_OK)]
    if missing:
        reference.skip = f"no {', '.join(missing)} in {bin_dir} (run make)"
    elif shutil.which("curl") is None:
        reference.skip = "curl is not installed (scripts/install-deps.sh installs it)"
    return reference


def reference_estimate_s(params, runs, facts):
    """A rough guess of reference.py's time: a warm-up round and runs rounds
    of fetch and download by the three models and a reference client,
    costed as the model most like it (plain_pool a pool, curl a loop)."""
    per_round = 0.0
    for workload, like in (("fetch", "async_threads"), ("download", "async_uv")):
        config = dict(params, workload=workload)
        per_round += sum(estimate_s(model, config, facts)
                         for model in (like, "async_threads", "async_uv", "async_coro"))
    return (runs + 1) * per_round + REFERENCE_SERVER_S


def run_reference(ctx):
    """Runs reference.py, bounded in time, its progress lines passed on to
    stderr, and keeps its records. A run that fails or prints no record is
    an error of the bench, as an errored client run is."""
    reference = ctx.reference
    if reference.skip:
        ctx.progress.note(f"reference clients skipped: {reference.skip}")
        return
    timeout_s = max(CLIENT_TIMEOUT_MIN_S, 3 * reference.estimate_s + 60)
    ctx.progress.begin_reference(reference)
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out:
        try:
            proc = subprocess.Popen([sys.executable, REFERENCE_SCRIPT, *reference.args],
                                    stdout=out, stderr=subprocess.PIPE, env=ctx.client_env,
                                    start_new_session=True, preexec_fn=lambda: child_setup(0))
        except OSError as err:
            reference.status, reference.error = "cannot run", f"{sys.executable}: {err.strerror}"
        else:
            try:
                last = pass_on_lines(proc.stderr.fileno(), started + timeout_s)
                if last is None:
                    reference.status, reference.error = "timeout", f"killed after {timeout_s:.0f} s"
                else:
                    reference.status = exit_status(proc.wait())
                    reference.error = "" if reference.status == 0 else last
            finally:
                # Its server and clients share its process group: all stop.
                stop_process(proc, signal.SIGINT, 20, group=True)
                proc.stderr.close()
            out.seek(0)
            read_reference_records(reference, out.read())
    ctx.progress.end_reference(reference, time.monotonic() - started)
    if reference.status != 0 or not reference.records:
        ctx.errors.append(f"reference clients: status {reference.status}: "
                          f"{reference.error or 'no record printed'}")


def pass_on_lines(fd, deadline):
    """Copies the lines read from fd to stderr, indented under the progress
    line, until fd closes (returns the last line, '' if none) or the
    deadline passes (returns None)."""
    pending, last = b"", ""
    while True:
        ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            return None
        chunk = os.read(fd, 4096)
        if not chunk:
            return last
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            text = line.decode(errors="replace").rstrip()
            if text:
                sys.stderr.write(f"{PROGRAM}:   {text}\n")
                last = text


def read_reference_records(reference, stdout):
    """reference.py's --json lines into reference.records; a line that is
    not a record is an error (said in reference.error, kept no further)."""
    for line in stdout.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            reference.error = reference.error or f"printed '{line[:80]}', not a JSON record"
            continue
        reference.records.append(record)
    failed = [f"{r['comparison']} {r['client']} {r['failed_runs']} of {r['runs']}"
              for r in reference.records if r.get("failed_runs")]
    if failed:
        reference.error = "failed runs: " + ", ".join(failed)


def reference_meta(reference):
    """How the reference step ran, for meta.json (its records are reference.json)."""
    return {"command": reference.command(), "params": reference.params,
            "estimate_s": round(reference.estimate_s, 1), "skipped": reference.skip,
            "status": reference.status, "error": reference.error,
            "records": len(reference.records)}


# ---- Which reference clients can run here ----

def shown_path(path):
    """path relative to the repository when it is inside it."""
    return os.path.relpath(path, ROOT) if path.startswith(ROOT + os.sep) else path


def python_client_state():
    """(why python_asyncio cannot run here or None, its versions in words):
    it needs its file and a Python (AIO_BENCH_PYTHON) that imports what it
    imports. The client itself is asked (--help, after its imports), so
    that its own message names whatever is missing."""
    if not os.path.isfile(PYTHON_CLIENT):
        return f"no {shown_path(PYTHON_CLIENT)} (the Python client)", ""
    try:
        done = subprocess.run([PYTHON, PYTHON_CLIENT, "--help"], capture_output=True,
                              text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"{PYTHON} cannot run ({getattr(err, 'strerror', None) or err})", ""
    if done.returncode != 0:
        return (f"{PYTHON} cannot run {shown_path(PYTHON_CLIENT)} "
                f"({last_line(done.stderr, is_path=False) or 'exit ' + str(done.returncode)})"), ""
    probe = "import sys, aiohttp; print(sys.version.split()[0], aiohttp.__version__)"
    words = command_output([PYTHON, "-c", probe]).split()
    version = f"Python {words[0]} at {PYTHON}, aiohttp {words[1]}" if len(words) == 2 else ""
    return None, version


def curl_client_state():
    """(why curl_parallel cannot run here or None, curl's version)."""
    if shutil.which("curl") is None:
        return "curl is not installed (scripts/install-deps.sh installs it)", ""
    if not os.access(GNU_TIME, os.X_OK):
        return (f"GNU time ({GNU_TIME}) is not installed: it measures curl's peak memory "
                "(scripts/install-deps.sh installs the package time)"), ""
    words = command_output(["curl", "--version"]).split()
    return None, (f"curl {words[1]}" if len(words) > 1 else "curl")


def reference_client_states(external_url):
    """{name: {"skipped": why or None, "version": ...}} of REFERENCE_CLIENTS."""
    states = {}
    for name, check in (("python_asyncio", python_client_state),
                        ("curl_parallel", curl_client_state)):
        if external_url:
            skipped, version = ("not run against --url: it would ask for the mock "
                                "server's paths and ?latency_ms="), ""
        else:
            skipped, version = check()
        states[name] = {"skipped": skipped, "version": version}
    return states


def reference_clients_meta(states):
    """The reference clients as meta.json keeps them: the table's facts, how
    each was run, and why one did not run."""
    commands = {
        "python_asyncio": f"{PYTHON} {shown_path(PYTHON_CLIENT)} WORKLOAD -n N --latency-ms L "
                          "[--size BYTES --dir TMP] --json --url URL",
        "curl_parallel": f"{GNU_TIME} -f %M curl --parallel --parallel-immediate --parallel-max "
                         f"min(N, {CURL_PARALLEL_MAX}) --write-out '%{{http_code}} %{{exitcode}}' "
                         "--config URLS (fetch: URL/items/ID?latency_ms=L to /dev/null; "
                         "download: URL/blobs/ID?size=BYTES&latency_ms=L to files)",
    }
    return {name: {**{k: v for k, v in REFERENCE_CLIENTS[name].items()
                      if k not in ("start_s", "per_task_ms")},
                   **states[name], "command": commands[name]}
            for name in REFERENCE_CLIENTS}


# ---- Metadata ----

def command_output(cmd):
    """The stripped stdout of cmd, '' when it cannot run or fails."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=10, cwd=ROOT)
        return done.stdout.strip() if done.returncode == 0 else ""
    except (OSError, subprocess.TimeoutExpired):
        return ""


def cpu_model():
    for line in read_text("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return os.uname().machine


def read_int(path, default=0):
    try:
        return int(read_text(path).split()[0])
    except (ValueError, IndexError):
        return default


def usable_cores():
    """The cores this process, and so each client, may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_rounds(client):
    """cpu's default --rounds, read from a client's --help."""
    match = re.search(r"--rounds R.*?\(default:\s*(\d+)", command_output([client, "--help"]), re.S)
    if match is None:
        raise SetupError(f"cannot read cpu's default --rounds from {client} --help")
    return int(match.group(1))


def default_dishes(client):
    """The cook's default dishes, [(name, seconds)], read from a client's
    --help, so the cook's ideal follows the programs."""
    help_text = command_output([client, "--help"])
    match = re.search(r'--dishes LIST.*?\(default:\s*"([^"]*)"\)', help_text, re.S)
    if match is None:
        raise SetupError(f"cannot read the default dishes from {client} --help")
    dishes = []
    for item in match.group(1).split(","):
        name, _, seconds = item.rpartition(":")
        dishes.append((name.strip(), float(seconds)))
    return dishes


def git_state():
    commit = command_output(["git", "rev-parse", "HEAD"]) or "none (no commit yet)"
    dirty = command_output(["git", "status", "--porcelain", "--untracked-files=no"])
    return {"commit": commit, "dirty": bool(dirty)}


def civetweb_version(server):
    match = re.search(r"civetweb ([\w.]+)", command_output([server, "--version"]))
    return match.group(1) if match else ""


def build_meta(ctx, groups, started, finished):
    return {
        "started": started, "finished": finished,
        "duration_s": round(time.monotonic() - ctx.progress.started, 1),
        "command": " ".join(["scripts/bench.py"] + sys.argv[1:]),
        "options": {"mode": ctx.mode, "runs": ctx.runs, "bin": ctx.bin_dir,
                    "server": ctx.server.program, "url": ctx.external_url,
                    "verify": ctx.verify, "path": ctx.path, "out": ctx.out,
                    "skip_limit_s": ctx.plan["skip_s"], "busy_wait_s": BUSY_WAIT_S},
        "mode": ctx.mode, "runs_per_config": ctx.runs, "warmups_per_config": 1,
        "skip_limit_s": ctx.plan["skip_s"],
        "models": ctx.models,
        "reference_clients": reference_clients_meta(ctx.reference_clients),
        "dishes": [{"name": n, "seconds": s} for n, s in ctx.facts.dishes],
        "rounds_default": ctx.facts.rounds, "cpu_calibrations": ctx.calibrations,
        "loop_pairs": LOOP_PAIRS,
        "machine": {
            "cpu_model": cpu_model(), "cores": ctx.facts.cores,
            "kernel": " ".join(os.uname()[i] for i in (0, 2)),
            "memory_kb": meminfo_kb(),
            "pid_max": ctx.pid_max, "nofile_hard": ctx.nofile_hard,
        },
        "software": {
            "compiler": command_output([os.environ.get("CC", "cc"), "--version"]).split("\n")[0],
            "libcurl": ctx.versions.get("libcurl", ""), "libuv": ctx.versions.get("libuv", ""),
            "cjson": ctx.versions.get("cjson", ""),
            "civetweb": civetweb_version(ctx.server.program) if ctx.server.program else "",
            "gnuplot": command_output(["gnuplot", "--version"]),
            "python": sys.version.split()[0],
        },
        "git": git_state(),
        # external: the --url server measured instead of the mock (None: the mock)
        "server": {"external": ctx.external_url, "latency_guess_ms": ctx.facts.latency_guess_ms,
                   "keep_alive": SERVER_KEEP_ALIVE, "threads_started": ctx.server.starts,
                   "urls": ctx.server.urls,
                   "threads_margin": SERVER_THREADS_MARGIN},
        "groups": [group_meta(g) for g in groups],
        "reference": reference_meta(ctx.reference),
        "errors": ctx.errors,
    }


def meminfo_kb():
    for line in read_text("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1])
    return 0


def group_meta(group):
    """A group of the plan as the report reads it: per point and model, the
    args key of its rows in runs.csv, the ideal and why it was skipped."""
    points = []
    for point in group["points"]:
        points.append({"value": point["value"], "models": {
            model: {"args": spec.key, "ideal_ms": spec.ideal_ms, "skipped": spec.skip,
                    "estimate_s": round(spec.estimate_s, 2)}
            for model, spec in point["specs"].items()}})
    out = {k: v for k, v in group.items() if k != "points"}
    out["points"] = points
    return out


# ---- Output: a work folder that replaces the old results at the end ----

OUTPUTS = ("REPORT.md", "runs.csv", "meta.json", "reference.json", "charts", "traces")


def make_work_dir(out):
    """A fresh results/.tmp-bench-PID-* folder; stale ones of dead runs go."""
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        match = re.fullmatch(r"\.tmp-bench-(\d+)-\w+", name)
        if match and not pid_alive(int(match.group(1))):
            shutil.rmtree(os.path.join(out, name), ignore_errors=True)
    work = tempfile.mkdtemp(prefix=f".tmp-bench-{os.getpid()}-", dir=out)
    for sub in ("traces", "trace-runs", "charts"):
        os.makedirs(os.path.join(work, sub))
    return work


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def publish(work, out):
    """Moves the new outputs into out, replacing the previous run's, then
    removes the work folder. Every output is complete before the first move."""
    old = tempfile.mkdtemp(prefix=f".tmp-bench-{os.getpid()}-old-", dir=out)
    for name in OUTPUTS:
        if os.path.lexists(os.path.join(out, name)):
            os.rename(os.path.join(out, name), os.path.join(old, name))
    for name in OUTPUTS:
        os.rename(os.path.join(work, name), os.path.join(out, name))
    shutil.rmtree(old)
    shutil.rmtree(work)


# ---- Main ----

def parse_args(argv):
    """The options, each checked where it stands (scripts/options.py), the
    clients' own rules for what they are handed (--url, --verify, --path).
    None after --help; options.UsageError for a bad command line."""
    parser = options.Parser(
        "scripts/bench.py",
        description="Runs every model on every workload against bin/mock_server "
                    "and writes runs.csv, meta.json, traces, charts and REPORT.md.")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="a reduced plan, under a minute")
    size.add_argument("--tiny", action="store_true", help="a few seconds, for the tests")
    parser.add_argument("--runs", type=options.whole_number("--runs", 1, RUNS_MAX), metavar="R",
                        help=f"counted runs per configuration, 1..{RUNS_MAX} "
                             "(default: 3; 1 with --quick)")
    parser.add_argument("--bin", default=os.path.join(ROOT, "bin"), metavar="DIR",
                        type=options.non_empty("--bin", "folder's"),
                        help="where the client programs are (default: bin)")
    parser.add_argument("--server-bin", metavar="DIR",
                        type=options.non_empty("--server-bin", "folder's"),
                        help="where mock_server is (default: the --bin folder)")
    parser.add_argument("--out", default=os.path.join(ROOT, "results"), metavar="DIR",
                        type=options.non_empty("--out", "folder's"),
                        help="the results folder (default: results)")
    parser.add_argument("--list", action="store_true",
                        help="print the plan with estimated times and exit")
    parser.add_argument("--url", metavar="URL", type=options.base_url("--url"),
                        help="measure this server instead of the mock, a base URL as the "
                             "clients take it, http://HOST[:PORT][/PATH]: the plan's "
                             "fetch configurations only, at the server's own latency")
    parser.add_argument("--verify", metavar="MODE",
                        type=options.one_of("--verify", options.VERIFY_MODES),
                        help="with --url: the clients' --verify, content, id or status "
                             "(default: id)")
    parser.add_argument("--path", metavar="TEMPLATE", type=options.path_template("--path"),
                        help="with --url: the clients' --path (default: theirs, /items/{id})")
    args = parser.parse(argv)
    if args is None:
        parser.print_help()
        return None
    if args.url is None and (args.verify or args.path):
        raise options.UsageError("--verify and --path go with --url")
    return args


class Context:
    """What a bench run shares: options, server, output, progress, findings."""

    def __init__(self, args):
        self.mode = "quick" if args.quick else "tiny" if args.tiny else "full"
        self.external_url = args.url or None    # without its trailing slashes
        self.verify = (args.verify or "id") if args.url else None
        self.path = args.path
        self.plan = PLANS[self.mode]
        if self.external_url:
            self.plan = external_plan(self.plan, self.verify, self.path)
        self.runs = args.runs or self.plan["runs"]
        self.bin_dir = os.path.abspath(args.bin)
        server_dir = os.path.abspath(args.server_bin or args.bin)
        self.models = [m for m in MODELS if os.access(os.path.join(self.bin_dir, m), os.X_OK)]
        server = os.path.join(server_dir, "mock_server")
        if not self.models:
            raise SetupError(f"no client program in {self.bin_dir} (run make)")
        if not self.external_url and not os.access(server, os.X_OK):
            raise SetupError(f"no {server} (run make)")
        client = os.path.join(self.bin_dir, self.models[0])
        self.facts = Facts(default_dishes(client), default_rounds(client), usable_cores())
        if self.external_url:
            first = (self.path or "/items/{id}").replace("{id}", "1").replace("{size}", "0")
            self.facts.latency_guess_ms = probe_latency_ms(self.external_url + first)
        self.out = os.path.abspath(args.out)
        self.pid_max = read_int("/proc/sys/kernel/pid_max", 32768)
        self.nofile_hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        if self.nofile_hard == resource.RLIM_INFINITY:
            self.nofile_hard = 1 << 20
        self.client_env = dict(os.environ, NO_PROXY="127.0.0.1,localhost",
                               no_proxy="127.0.0.1,localhost")
        self.client_env.pop("UV_THREADPOOL_SIZE", None)   # --uv-threadpool says it
        self.server = ExternalServer(self.external_url) if self.external_url else Server(server, None)
        self.versions, self.errors, self.sweep_stops = {}, [], {}
        self.task_ms, self.calibrations = {}, []   # W per --rounds, and how measured
        self.reference = plan_reference(self.plan, self.runs, self.bin_dir, self.facts)
        self.reference_clients = reference_client_states(self.external_url)
        self.work = self.writer = self.runs_file = self.progress = None

    def runnable_references(self):
        """The reference clients that can run here, in REFERENCE_CLIENTS' order."""
        return [name for name, state in self.reference_clients.items() if not state["skipped"]]


def print_plan(ctx, configs):
    total = 0.0
    for config in configs:
        for spec in config.specs:
            runs = 0 if spec.skip else 1 + ctx.runs
            total += runs * spec.estimate_s
            state = f"skipped: {spec.skip}" if spec.skip else f"{runs} x {spec.estimate_s:.2f} s"
            print(f"{config.name:<31} {spec.model:<14} {spec.key:<58} {state}")
    for name, state in ctx.reference_clients.items():
        if state["skipped"]:
            print(f"{'reference client':<31} {name:<14} {'':<58} skipped: {state['skipped']}")
    reference = ctx.reference
    if reference.skip:
        state = f"skipped: {reference.skip}"
    else:
        state = f"1 x {reference.estimate_s:.2f} s"
        total += reference.estimate_s
    print(f"{'reference clients':<31} {'':<14} {reference.command():<58} {state}")
    print(f"estimated total: {clock(total)} (server starts and charts aside)")


def bench(ctx, configs, groups):
    """Runs the plan into the work folder and makes the report there."""
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    ctx.server.log_path = os.path.join(ctx.work, "server.log")
    ctx.progress = Progress(configs, ctx.runs, ctx.reference)
    for name, state in ctx.reference_clients.items():
        if state["skipped"]:
            ctx.progress.note(f"reference client {name} skipped: {state['skipped']}")
    with open(os.path.join(ctx.work, "runs.csv"), "w", newline="") as runs_file:
        ctx.runs_file = runs_file
        ctx.writer = csv.DictWriter(runs_file, fieldnames=RUN_FIELDS, lineterminator="\n")
        ctx.writer.writeheader()
        for config in configs:
            run_config(ctx, config)
    ctx.server.stop()      # reference.py starts its own; this one's threads would only wait
    run_reference(ctx)
    with open(os.path.join(ctx.work, "reference.json"), "w") as reference_file:
        json.dump(ctx.reference.records, reference_file, indent=2)
        reference_file.write("\n")
    finished = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    meta = build_meta(ctx, groups, started, finished)
    with open(os.path.join(ctx.work, "meta.json"), "w") as meta_file:
        json.dump(meta, meta_file, indent=2)
        meta_file.write("\n")
    ctx.progress.note("making the charts and REPORT.md")
    report.build(ctx.work)


# The signals that stop a bench as Ctrl-C does: a closed terminal (SIGHUP)
# too, which would otherwise leave the mock server and the work folder.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def on_signal(signum, frame):
    raise Interrupted(signum)


def main(argv):
    try:
        args = parse_args(argv)
    except options.UsageError as err:
        sys.stderr.write(f"{PROGRAM}: {err}\n")
        return 2
    if args is None:
        return 0
    for signum in STOP_SIGNALS:
        # A signal ignored at start (nohup's SIGHUP) stays ignored.
        if signal.getsignal(signum) != signal.SIG_IGN:
            signal.signal(signum, on_signal)
    ctx = None
    try:
        ctx = Context(args)
        configs, groups = plan_configs(ctx.plan, ctx.models, ctx.facts,
                                       ctx.runnable_references())
        if args.list:
            print_plan(ctx, configs)
            return 0
        report.check_gnuplot()
        ctx.work = make_work_dir(ctx.out)
        bench(ctx, configs, groups)
        publish(ctx.work, ctx.out)
        ctx.work = None
        sys.stdout.write(report.headline_table(ctx.out))
        ctx.progress.note(f"done in {clock(time.monotonic() - ctx.progress.started)}: "
                          f"{os.path.join(ctx.out, 'REPORT.md')}")
        if ctx.errors:
            ctx.progress.note(f"{len(ctx.errors)} run(s) errored; see REPORT.md and runs.csv")
        return 1 if ctx.errors else 0
    except Interrupted as why:
        sys.stderr.write(f"\n{PROGRAM}: interrupted ({why}); the previous results are unchanged\n")
        return 128 + why.signum
    except (SetupError, report.ReportError) as err:
        sys.stderr.write(f"{PROGRAM}: {err}\n")
        return 3
    finally:
        for signum in STOP_SIGNALS:   # cleanup is not interrupted
            signal.signal(signum, signal.SIG_IGN)
        if ctx is not None:
            ctx.server.stop()
            if ctx.work:
                shutil.rmtree(ctx.work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
