#!/usr/bin/env python3
"""report.py: the charts and REPORT.md of a bench run, made from its data alone.

    scripts/report.py [RESULTS_DIR]        (default: results)

Reads runs.csv, meta.json and traces/ in RESULTS_DIR and writes charts/*.png,
charts/*.svg (gnuplot, with the scripts in scripts/charts/) and REPORT.md.
Every number and every comparative word of the report is computed here from
runs.csv and the traces, so the text cannot contradict the data. bench.py
calls build() on its work folder before it publishes; run this by hand to
remake the report of existing results. Python 3 standard library only.
"""

import csv
import dataclasses
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile

PROGRAM = "report"
CHART_SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "charts")
PNG_SIZE = {"walltime": (1500, 650), "timeline": (1400, 900), "sweep": (1200, 700),
            "sweep2": (1200, 1000), "sweep-refs": (1200, 820), "server": (1500, 720), "cost": (1500, 620),
            "cost-task": (1500, 650),
            "loop": (1400, 950)}
SAME_WITHIN = 1.10          # two times within 10% are "about the same"
LAG_FLOOR_MS = 0.1          # the loop chart's log scale starts here
SERVER_THREADS_MAX = 10000  # bin/mock_server --threads at most (mock_server/options.h)
# The parts of a waiting task's memory (chart "cost of one waiting task").
MEMORY_PARTS = ("stack touched", "model's task state", "libcurl's handle and connection, and the rest")
# What waits for each model, in a learner's words.
WAITER = {"async_threads": "A thread", "async_coro": "A coroutine",
          "async_uv": "A callback's state"}
# Issue 10's targets: a client's whole-process median against another's, at
# most 1 + tolerance times it: (comparison, client, against, tolerance).
SPEED_TARGETS = [("fetch", "async_threads", "plain_pool", 0.03),
                 ("fetch", "async_coro", "async_uv", 0.03),
                 ("download", "async_threads", "curl_parallel", 0.10),
                 ("download", "async_uv", "curl_parallel", 0.15),
                 ("download", "async_coro", "curl_parallel", 0.15)]
# The workload the speed targets speak of (the full plan's reference step).
TARGET_WORKLOAD = {"count": 100, "latency_ms": 200, "size": "1M"}
# Peak memory per waiting request, at most (KB) beyond the touched stack
# (for the models that report it) when the flag is set.
MEMORY_TARGETS = [("async_uv", 10, False), ("async_coro", 10, True), ("async_threads", 40, False)]
# The claim of the source material that the report tests with the Python
# reference client: with asyncio, count requests of latency_ms each take
# "around 1 second" (claimed_ms).
CLAIM = {"count": 100, "latency_ms": 200, "claimed_ms": 1000}
# What a sweep's varied setting is called in a description of its base.
SWEPT = {"count": {"count": "N"}, "window": {"concurrency": "C"}, "latency": {"latency_ms": "L"}}

NUMERIC = ("count", "latency_ms", "concurrency", "size_bytes", "fsync", "time_scale",
           "rounds", "process_ms", "process_cpu_ms", "offload", "blocking_process",
           "uv_threadpool", "pool_threads", "wall_ms", "whole_ms", "user_ms", "sys_ms", "max_rss_kb",
           "stack_touched_avg_kb", "task_state_bytes", "ok", "failed", "retries", "p50_ms", "p99_ms", "loop_busy", "loop_lag_p99_ms",
           "loop_lag_max_ms", "server_threads", "server_max_in_flight", "ideal_ms")


class ReportError(Exception):
    """The report cannot be made; the message is one line."""


# ---- Reading the data ----

def number(text):
    """A CSV cell as int or float; None when empty or not a number."""
    if text in ("", None):
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() and "." not in text and "e" not in text else value


def load_runs(path):
    try:
        with open(path, newline="") as runs_file:
            rows = list(csv.DictReader(runs_file))
    except OSError as err:
        raise ReportError(f"cannot read {path}: {err.strerror}") from err
    for row in rows:
        for field in NUMERIC:
            row[field] = number(row.get(field, ""))
    return rows


def load_reference(path):
    """reference.json's records; [] when the file is absent (older results)."""
    if not os.path.exists(path):
        return []
    try:
        with open(path) as reference_file:
            return json.load(reference_file)
    except (OSError, ValueError) as err:
        raise ReportError(f"cannot read {path}: {err}") from err


def load_meta(path):
    try:
        with open(path) as meta_file:
            return json.load(meta_file)
    except (OSError, ValueError) as err:
        raise ReportError(f"cannot read {path}: {err}") from err


class Stat:
    """The counted runs of one model on one configuration."""

    def __init__(self, rows):
        self.rows = rows
        timed = [r for r in rows if str(r["status"]) in ("0", "1") and r["wall_ms"] is not None]
        walls = sorted(r["wall_ms"] for r in timed)
        self.runs = len(rows)
        self.median = statistics.median(walls) if walls else None
        self.min = walls[0] if walls else None
        self.max = walls[-1] if walls else None
        self.whole_ms = median_of(r.get("whole_ms") for r in timed)   # the runner's clock
        self.ok = sum(r["ok"] or 0 for r in rows)
        self.failed = sum(r["failed"] or 0 for r in rows)
        self.errored = len(rows) - len(timed)
        self.rss_kb = median_of(r["max_rss_kb"] for r in timed)
        self.cpu_ms = median_of((r["user_ms"] or 0) + (r["sys_ms"] or 0) for r in timed)
        self.user_ms = median_of(r["user_ms"] for r in timed)
        self.sys_ms = median_of(r["sys_ms"] for r in timed)
        # The most tasks the model let wait at once (its summary's concurrency).
        self.in_flight = median_of(r["concurrency"] for r in timed)
        # The model's own memory facts (None where its summary has none).
        self.stack_touched_avg_kb = median_of(r["stack_touched_avg_kb"] for r in timed)
        self.task_state_bytes = median_of(r["task_state_bytes"] for r in timed)
        self.max_in_flight = max((r["server_max_in_flight"] or 0 for r in timed), default=None)
        self.server_threads = max((r["server_threads"] or 0 for r in timed), default=None)
        # The loop's health (loop models only; None elsewhere).
        self.loop_busy = median_of(r["loop_busy"] for r in timed)
        self.lag_p99 = median_of(r["loop_lag_p99_ms"] for r in timed)
        self.lag_max = median_of(r["loop_lag_max_ms"] for r in timed)
        # The threads that could compute at once: libuv's pool when the loop
        # offloads, the pool of async_threads, else the one thread.
        first = rows[0]
        self.threads = (first["uv_threadpool"] if first["offload"] else
                        first["pool_threads"] or 1)


def median_of(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def slope(points):
    """The least-squares slope of y over x, from [(x, y)] (a y of None is
    left out); None with fewer than two distinct x."""
    points = [(x, y) for x, y in points if y is not None]
    if len({x for x, _ in points}) < 2:
        return None
    mean_x = statistics.fmean(x for x, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    return (sum((x - mean_x) * (y - mean_y) for x, y in points) /
            sum((x - mean_x) ** 2 for x, _ in points))


@dataclasses.dataclass
class TaskCost:
    """What one more waiting task costs a model: least-squares slopes over
    the count sweep's medians (x = N, all tasks waiting at once), and the
    facts the model reports of itself."""
    counts: list               # the N of the points it ran
    rss_kb: float              # peak resident memory per task
    user_us: float             # CPU time per task, user and system
    sys_us: float
    stack_kb: float            # the most stack one task touched, at the largest N; None: not reported
    state_kb: float            # the model's own state per task; None: not reported

    @property
    def cpu_us(self):
        return self.user_us + self.sys_us

    def parts(self):
        """The memory per task in MEMORY_PARTS, KB: the two the model
        measures of itself, and what the peak-RSS slope holds besides,
        clamped at 0."""
        stack, state = self.stack_kb or 0, self.state_kb or 0
        return (stack, state, max(0.0, self.rss_kb - stack - state))


class Results:
    """runs.csv and meta.json, indexed the way the report asks."""

    def __init__(self, folder):
        self.folder = folder
        self.rows = load_runs(os.path.join(folder, "runs.csv"))
        self.meta = load_meta(os.path.join(folder, "meta.json"))
        self.models = self.meta["models"]
        self.groups = {g["name"]: g for g in self.meta["groups"] if g["kind"] == "sweep"}
        headline = [g for g in self.meta["groups"] if g["kind"] == "headline"]
        # The plain I/O workloads, and "When async does not pay".
        self.headline = [g for g in headline if g.get("part", "io") == "io"]
        self.processing = [g for g in headline if g.get("part") == "processing"]
        self.cores = self.meta["machine"]["cores"]
        self.by_key = {}
        for row in self.rows:
            self.by_key.setdefault((row["model"], row["args"]), []).append(row)
        # scripts/reference.py's records and how it ran (older results: none).
        self.reference = self.meta.get("reference")
        self.reference_records = load_reference(os.path.join(folder, "reference.json"))
        # The reference clients that ran beside the models (not models, and
        # not reference.py's): {name: facts}, in their order (older: none).
        self.ref_clients = self.meta.get("reference_clients", {})
        self.references = list(self.ref_clients)

    def task_cost(self, name, count_max=None):
        """The TaskCost of a model or reference client over the count
        sweep's points up to count_max; None under two points."""
        group = self.groups.get("count")
        if not group:
            return None
        ran = [(p["value"], self.stat(name, p)) for p in group["points"]
               if count_max is None or p["value"] <= count_max]
        ran = [(n, st) for n, st in ran
               if st and st.median is not None and st.rss_kb is not None]
        if len(ran) < 2:
            return None
        largest = ran[-1][1]
        state = largest.task_state_bytes
        # Per task waiting: x is the most tasks the client let wait at once
        # (its summary's concurrency), which is N but for async_threads past
        # its open-files limit (fewer threads than tasks); where that is
        # always one (sync) or unknown, the slope is taken over N.
        waiting = [(st.in_flight or n, st) for n, st in ran]
        if len({x for x, _ in waiting}) < 2:
            waiting = ran
        return TaskCost(
            counts=[n for n, _ in ran],
            rss_kb=slope([(x, st.rss_kb) for x, st in waiting]),
            user_us=1000 * slope([(x, st.user_ms or 0) for x, st in waiting]),
            sys_us=1000 * slope([(x, st.sys_ms or 0) for x, st in waiting]),
            stack_kb=largest.stack_touched_avg_kb,
            state_kb=None if state is None else state / 1024)

    def references_at(self, point):
        """The reference clients planned at a point, in their order."""
        return [name for name in self.references if name in point["models"]]

    def reference_record(self, comparison, client):
        return next((r for r in self.reference_records
                     if r["comparison"] == comparison and r["client"] == client), None)

    def stat(self, model, point):
        """The Stat of model at a plan point, None when it has no rows."""
        entry = point["models"].get(model)
        rows = self.by_key.get((model, entry["args"])) if entry else None
        return Stat(rows) if rows else None

    def ideal(self, model, point):
        entry = point["models"].get(model)
        return entry["ideal_ms"] if entry else None

    def skipped(self, model, point):
        entry = point["models"].get(model)
        return entry["skipped"] if entry else None


# ---- Words and numbers ----

def fmt_time(ms):
    """4.2 ms, 212 ms, 1.05 s, 20.1 s: three significant digits."""
    if ms is None:
        return "n/a"
    if ms < 0.995:                  # 0.996 would round to "1.00 ms", not "1 ms"
        return f"{ms:.2f} ms"
    if ms < 999.5:                  # would round to "1e+03 ms"
        return f"{ms:.3g} ms"
    if ms < 99950:
        return f"{ms / 1000:.3g} s"
    return f"{ms / 1000:.0f} s"


def fmt_ratio(x):
    """1.05x, 19.1x, 95x: three significant digits, and no more where the
    rounding reaches the next power of ten (9.996 is 10.0x, not 10.00x)."""
    if x is None:
        return "n/a"
    return f"{x:.2f}x" if x < 9.995 else f"{x:.1f}x" if x < 99.95 else f"{x:.0f}x"


def fmt_mib(kb):
    return "n/a" if kb is None else f"{kb / 1024:.1f} MiB"


def ratio(a, b):
    return a / b if a is not None and b else None


def compare(a_ms, b_ms):
    """How time a compares with time b: '3.2x faster than', 'about as fast as'."""
    if a_ms is None or b_ms is None or a_ms <= 0 or b_ms <= 0:
        return "not comparable with"
    if max(a_ms, b_ms) / min(a_ms, b_ms) < SAME_WITHIN:
        return "about as fast as"
    if a_ms < b_ms:
        return f"{fmt_ratio(b_ms / a_ms)} faster than"
    return f"{fmt_ratio(a_ms / b_ms)} slower than"


def fmt_size(size_bytes):
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if size_bytes >= 1 << shift and size_bytes % (1 << shift) == 0:
            return f"{size_bytes >> shift} {unit}"
    return f"{size_bytes} bytes"


def parse_size(text):
    text = str(text)
    shift = {"K": 10, "M": 20, "G": 30}.get(text[-1:], 0)
    return int(text[:-1] if shift else text) << shift


def processing_words(params):
    """fetch's processing per item in words: ', then a 20 ms pause each'."""
    if params.get("process_cpu_ms"):
        return f", then {params['process_cpu_ms']} ms of CPU work each"
    if params.get("process_ms"):
        how = " as a blocking sleep" if params.get("blocking_process") else ""
        return f", then a {params['process_ms']} ms pause each{how}"
    return ""


def latency_words(params):
    """'200 ms', or what bench.py --url runs at: the server's own latency."""
    if "latency_ms" in params:
        return f"{params['latency_ms']} ms"
    return "the server's own latency"


def describe(params, dishes, rounds_default=None):
    """A configuration in words: '100 items at 200 ms each'."""
    workload = params["workload"]
    if workload == "cook":
        scale = params.get("time_scale", 1)
        times = ", ".join(f"{s * scale:g} s" for _, s in dishes)
        return f"{len(dishes)} dishes of {times}"
    count = params.get("count")
    if workload == "cpu":
        rounds = params.get("rounds", rounds_default)
        text = f"{count} tasks of {rounds:,} rounds" if rounds else f"{count} tasks"
        return text + (", computed on libuv's pool" if params.get("offload") else "")
    if workload == "fetch":
        text = f"{count} items at {latency_words(params)} each" + processing_words(params)
    elif workload == "download":
        text = (f"{count} blobs of {fmt_size(parse_size(params['size']))} "
                f"at {latency_words(params)} each")
    else:
        text = f"{count} files of {fmt_size(parse_size(params['size']))}"
        text += ", each fsynced" if params.get("fsync") else ", no fsync"
    if params.get("concurrency"):
        text += f", window {params['concurrency']}"
    elif workload in ("fetch", "download"):
        text += ", no window"
    return text


def short_describe(params, dishes, rounds_default=None):
    """A configuration in a few characters, for a tick label: '100 x 200 ms'."""
    workload = params["workload"]
    if workload == "cook":
        scale = params.get("time_scale", 1)
        return " + ".join(f"{s * scale:g}" for _, s in dishes) + " s"
    text = f"{params['count']} x "
    if workload == "cpu":
        rounds = params.get("rounds", rounds_default)
        return text + (f"{rounds:,} rounds" if rounds else "W")
    if workload in ("download", "files"):
        text += fmt_size(parse_size(params["size"])).replace(" ", "")
    if workload == "download":
        text += ", "
    if workload in ("fetch", "download"):
        text += latency_words(params)
    extra = params.get("process_ms") or params.get("process_cpu_ms")
    return text + (f" + {extra} ms" if extra else "")


def log_range(values):
    """An x range around positive values on a log axis, with a margin."""
    values = [v for v in values if v and v > 0] or [1]
    return min(values) / 1.25, max(values) * 1.25


def ideal_kind(model, params, threads=None):
    """Why model's ideal is what it is: 'one at a time, N*L', ...; threads:
    those that could compute at once (the T of the CPU-bound ideals)."""
    workload = params["workload"]
    if workload == "files":
        return None
    one_at_a_time = model == "sync"
    if workload == "cook":
        return "the sum of the dishes" if one_at_a_time else "the longest dish"
    spread = f"min(T, cores), T = {threads}" if threads else "min(T, cores)"
    if workload == "cpu":
        return f"N*W/{spread}"
    per_item = "(L+P)" if params.get("process_ms") or params.get("process_cpu_ms") else "L"
    if one_at_a_time:
        return f"one at a time, N*{per_item}"
    if params.get("blocking_process"):
        return "L + N*P, the pauses in turn"
    if params.get("process_cpu_ms"):
        return f"L + N*P/{spread}"
    if params.get("concurrency"):
        return f"window C, ceil(N/C)*{per_item}"
    return f"all at once, {per_item.strip('()')}"


# ---- Charts ----

def check_gnuplot():
    """Raises ReportError unless gnuplot runs."""
    try:
        subprocess.run(["gnuplot", "--version"], capture_output=True, check=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as err:
        raise ReportError(f"gnuplot cannot run ({err}); install gnuplot-nox "
                          "(scripts/install-deps.sh)") from err


def png_terminal():
    """pngcairo when this gnuplot has it (antialiased), else libgd's png."""
    done = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True,
                          timeout=20)
    return "pngcairo" if "pngcairo" in done.stdout + done.stderr else "png"


def gp_value(value):
    """A Python value as a gnuplot literal."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "1" if value else "0"
    return repr(value)


def gp_tics(axis, labels):
    """A 'set xtics (...)' command from [(label, position)]."""
    inner = ", ".join('"{}" {}'.format(label.replace('"', "'"), pos) for label, pos in labels)
    return f"set {axis}tics ({inner})"


def write_dat(path, rows, header):
    """A whitespace-separated data file; None becomes NaN, text is quoted."""
    with open(path, "w") as dat:
        dat.write(f"# {header}\n")
        for row in rows:
            cells = []
            for value in row:
                if value is None:
                    cells.append("NaN")
                elif isinstance(value, str):
                    cells.append('"' + value.replace('"', "'") + '"')
                else:
                    cells.append(f"{value:.6g}" if isinstance(value, float) else str(value))
            dat.write(" ".join(cells) + "\n")


class Charts:
    """Renders scripts/charts/*.gp into charts/NAME.png and .svg."""

    def __init__(self, folder, data_dir):
        self.out_dir = os.path.join(folder, "charts")
        self.data_dir = data_dir
        self.pngterm = png_terminal()
        os.makedirs(self.out_dir, exist_ok=True)
        self.made = []

    def data(self, name):
        return os.path.join(self.data_dir, name)

    def render(self, name, script, size, variables):
        """Runs gnuplot on script with variables, once per format."""
        vars_path = self.data(f"{name}.vars.gp")
        with open(vars_path, "w") as vars_file:
            for key, value in variables.items():
                vars_file.write(f"{key} = {gp_value(value)}\n")
        width, height = PNG_SIZE[size]
        for fmt in ("png", "svg"):
            setup = (f"fmt={gp_value(fmt)}; pngterm={gp_value(self.pngterm)}; "
                     f"out={gp_value(os.path.join(self.out_dir, name))}; "
                     f"width={width}; height={height}")
            cmd = ["gnuplot", "-e", setup, vars_path, os.path.join(CHART_SCRIPTS, "common.gp"),
                   os.path.join(CHART_SCRIPTS, script)]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            if done.returncode != 0:
                lines = [l for l in done.stderr.splitlines() if l.strip()]
                raise ReportError(f"gnuplot failed on {script} for {name}.{fmt}: "
                                  f"{lines[-1] if lines else 'no message'}")
        self.made.append(name)
        return f"charts/{name}.png"


# ---- The report's sections ----

class Report:
    """Collects the Markdown of REPORT.md, section by section."""

    def __init__(self, results, charts):
        self.res, self.charts = results, charts
        self.meta = results.meta
        self.dishes = [(d["name"], d["seconds"]) for d in self.meta["dishes"]]
        self.lines = []
        self.costs = {}            # {model: TaskCost}, see task_costs
        # bench.py --url: the server measured was not the mock, whose latency is unknown
        self.external = self.meta.get("server", {}).get("external")

    def add(self, *lines):
        self.lines.extend(lines)

    def figure(self, path, alt):
        """Embeds a chart; path None: the chart had no data to draw."""
        if path is None:
            self.add(f"_No chart ({alt.lower()}): none of its runs went through; see "
                     "Skipped and failed runs._", "")
            return
        self.add(f"![{alt}]({path})", f"<sub>Also as [SVG]({path[:-4]}.svg).</sub>", "")

    # -- headline --

    def headline_tables(self):
        self.add("## The headline: each workload once per model", "",
                 f"Median, fastest and slowest of {self.meta['runs_per_config']} counted "
                 f"run(s) per model, after one warm-up run that is not counted. The ideal is "
                 "the time if only the waiting counted: N*L one at a time (sync), L all at "
                 "once, ceil(N/C)*L with a window of C; for cook the sum of the dishes "
                 "against the longest. files has no ideal: its work is the disk's and the "
                 "CPU's, with no known waiting to overlap.", "")
        self.add(*self.references_intro())
        for group in self.res.headline:
            self.group_table(group)
            self.add(self.headline_sentence(group, group["points"][0]), "")
            if self.reference_sentence(group, group["points"][0]):
                self.add(self.reference_sentence(group, group["points"][0]), "")

    def describe(self, params):
        return describe(params, self.dishes, self.meta.get("rounds_default"))

    # -- the reference clients (not models) --

    def ref_facts(self, name):
        return self.res.ref_clients.get(name, {})

    def references_intro(self):
        """What the reference clients are, which time of theirs is shown,
        curl's caveats, and which of them did not run and why."""
        if not self.res.references:
            return []
        described = {
            "python_asyncio": "python_asyncio, the Python client of peers/python_asyncio: "
                              "aiohttp on one asyncio loop, with the C clients' options and "
                              "summary",
            "curl_parallel": "curl_parallel, curl's own parallel mode (`curl --parallel "
                             "--parallel-immediate --parallel-max N`) over the same URLs",
        }
        names = []
        for name in self.res.references:
            version = self.ref_facts(name).get("version")
            names.append(described.get(name, name) + (f" ({version})" if version else ""))
        lines = ["Beside the models run reference clients: " + "; and ".join(names) + ". "
                 "They are not models: their rows are marked (reference), they are drawn grey "
                 "and dash-dotted in the charts, and no statement about the models (the fastest, "
                 "the targets) counts them. They run on the headline fetch and download below "
                 "and on the count sweep, each up to a limit given there."]
        clocks = []
        for name in self.res.references:
            if self.ref_facts(name).get("clock") == "whole":
                clocks.append(f"{name} has no clock of its own, so its time is the whole "
                              "process on the runner's clock, start to exit")
            else:
                clocks.append(f"{name}'s time is its own wall_ms, from its summary, as a "
                              "model's is; the whole process (the runner's clock, the "
                              "interpreter's start and imports included) is given beside it")
        lines[0] += " Times: " + "; ".join(clocks) + "."
        if "curl_parallel" in self.res.ref_clients:
            cap = self.ref_facts("curl_parallel").get("window_max")
            version = self.ref_facts("curl_parallel").get("version") or "curl"
            lines[0] += (" curl_parallel checks no content: a transfer counts as ok when "
                         "curl got a 200 and its exit code for that transfer is 0, whatever "
                         "the bytes, so it has no checksum")
            if cap:
                lines[0] += (f"; and {version} caps --parallel-max at {cap}, so past {cap} "
                             f"transfers it runs a window of {cap}, not all at once")
            lines[0] += "."
        for name in self.res.references:
            if self.ref_facts(name).get("skipped"):
                lines.append(f"{name} did not run: {self.ref_facts(name)['skipped']}.")
        return [" ".join(lines), ""]

    def ref_ideal_kind(self, name, params):
        """A reference client's ideal in words: all at once, or its window."""
        cap = self.ref_facts(name).get("window_max")
        if cap and params["count"] > cap:
            return f"window of {cap}, ceil(N/{cap})*L"
        return "all at once, L"

    def reference_time(self, name, stat):
        """'python_asyncio took 0.31 s by its own clock and 0.45 s as a whole process'."""
        if self.ref_facts(name).get("clock") == "whole" or stat.whole_ms is None:
            return f"{name} took {fmt_time(stat.median)} as a whole process"
        return (f"{name} took {fmt_time(stat.median)} by its own clock and "
                f"{fmt_time(stat.whole_ms)} as a whole process "
                f"({fmt_time(stat.whole_ms - stat.median)} more: its start and exit)")

    def reference_sentence(self, group, point):
        """Under a headline table: the reference clients' times, or why one
        has none; '' where none was planned."""
        if not group.get("references"):
            return ""
        parts, missing = [], []
        for name in self.res.references:
            stat = self.res.stat(name, point)
            if self.ref_facts(name).get("skipped"):
                continue                      # said once, above the tables
            if stat is None or stat.median is None:
                missing.append(f"{name}: {self.res.skipped(name, point) or 'no run went through'}")
                continue
            text = self.reference_time(name, stat)
            if stat.failed:
                text += f", {stat.failed} task(s) failed"
            parts.append(text)
        text = ("Reference clients, not models: " + "; ".join(parts) + "." if parts else "")
        if missing:
            text += " No time of " + "; ".join(missing) + "."
        return text.strip()

    def group_table(self, group):
        """A headline entry's heading and table: a row per model that takes
        its flags, then a line naming the models that do not."""
        point = group["points"][0]
        self.add(f"### {group['name']}: {self.describe(group['params'])}", "")
        if point["models"]:
            self.add("| model | median | min | max | ideal | median / ideal "
                     "| tasks ok / failed, all runs | peak RSS | CPU |",
                     "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
            for model in self.res.models:
                if model in point["models"]:
                    self.add(self.headline_row(model, group, point))
            for name in self.res.references_at(point):
                self.add(self.headline_row(name, group, point))
            self.add("")
        absent = group.get("absent", {})
        lacking = {}
        for model in self.res.models:
            if model in absent:
                lacking.setdefault(" or ".join(absent[model]), []).append(model)
        for flags, models in lacking.items():
            self.add(f"No row for {' and '.join(models)}: "
                     f"{'it does' if len(models) == 1 else 'they do'} not take {flags}.")
        if lacking:
            self.add("")

    def headline_row(self, name, group, point):
        """A headline table's row of a model, or of a reference client,
        marked as such."""
        stat = self.res.stat(name, point)
        ideal = self.res.ideal(name, point)
        reference = name in self.res.ref_clients
        label = f"{name} (reference)" if reference else name
        if stat is None:
            why = self.res.skipped(name, point) or "no run"
            return f"| {label} | not run: {why} | | | | | | | |"
        kind = (self.ref_ideal_kind(name, group["params"]) if reference
                else ideal_kind(name, group["params"], stat.threads))
        ideal_text = f"{fmt_time(ideal)} ({kind})" if ideal is not None else \
            "unknown (the server's latency)" if self.external else "none"
        return (f"| {label} | {fmt_time(stat.median)} | {fmt_time(stat.min)} | "
                f"{fmt_time(stat.max)} | {ideal_text} | {fmt_ratio(ratio(stat.median, ideal))} | "
                f"{stat.ok} / {stat.failed} | {fmt_mib(stat.rss_kb)} | {fmt_time(stat.cpu_ms)} |")

    def headline_sentence(self, group, point):
        """'async_uv took 0.212 s, 1.06x its 0.2 s ideal; ...; fastest ... than'."""
        timed = [(m, self.res.stat(m, point)) for m in self.res.models]
        timed = sorted([(m, s) for m, s in timed if s and s.median], key=lambda t: t[1].median)
        if not timed:
            return "No model has a timed run here."
        parts = []
        for model, stat in timed:
            ideal = self.res.ideal(model, point)
            text = f"{model} took {fmt_time(stat.median)}"
            if ideal:
                text += f", {fmt_ratio(stat.median / ideal)} its {fmt_time(ideal)} ideal"
            parts.append(text)
        sentence = "; ".join(parts) + "."
        (fast, fast_stat), (slow, slow_stat) = timed[0], timed[-1]
        if len(timed) > 1:
            word = compare(fast_stat.median, slow_stat.median)
            if word == "about as fast as":
                sentence += f" All models were within {SAME_WITHIN - 1:.0%} of each other."
            else:
                sentence += f" The fastest, {fast}, was {word} {slow}."
        sentence += self.coro_sentence(dict(timed))
        failed = [m for m, s in timed if s.failed]
        if failed:
            sentence += f" Tasks failed in the runs of {', '.join(failed)} (see the table)."
        return sentence

    @staticmethod
    def coro_sentence(stats):
        """async_coro against async_uv: the same loop and waits, tasks as
        coroutines rather than callbacks; the gap is what the switches cost."""
        coro, uv = stats.get("async_coro"), stats.get("async_uv")
        if not coro or not uv:
            return ""
        change = coro.median / uv.median - 1
        return (f" async_coro, the same loop as async_uv with each task a coroutine, took "
                f"{fmt_time(coro.median)} against {fmt_time(uv.median)} "
                f"({change:+.1%}).")

    # -- chart 1 --

    def chart_walltime(self):
        path = self.render_walltime(
            "walltime", self.res.headline,
            "Wall time per workload and model (bar: median; whisker: min to max of the counted runs)",
            "ideal (waiting only)", references=True)
        self.add("## Chart 1: wall time per workload and model", "")
        self.figure(path, "Wall time per workload and model, with the ideal")
        self.add(*self.walltime_sentences(self.res.headline), "")
        drawn = [n for n in self.res.references
                 if any(self.res.stat(n, g["points"][0]) for g in self.res.headline)]
        if drawn:
            self.add(f"The grey dash-dotted lines across fetch and download are the reference "
                     f"clients' medians ({', '.join(drawn)}; not models), each the time its "
                     "table row gives: " + "; ".join(
                         f"{n}'s " + ("whole process" if self.ref_facts(n).get("clock") == "whole"
                                      else "own wall_ms, without its start")
                         for n in drawn) + ".", "")

    def render_walltime(self, name, groups, title, ideal_title, references=False):
        """Chart 1's bars for the headline groups given, and with references
        the reference clients' medians as lines across their groups; None
        without data."""
        models, rows_by_model, tics = self.res.models, {m: [] for m in self.res.models}, []
        width = 0.8 / max(1, len(models))
        walls = []
        ref_rows = {r: [] for r in self.res.references}
        for i, group in enumerate(groups):
            point = group["points"][0]
            for ref in self.res.references_at(point) if references else ():
                stat = self.res.stat(ref, point)
                if stat is not None and stat.median is not None:
                    ref_rows[ref].append((i - 0.45, i + 0.45, stat.median / 1000))
                    walls.append(stat.median / 1000)
            tics.append((group["name"] + "\\n" + short_describe(
                group["params"], self.dishes, self.meta.get("rounds_default")), i))
            for j, model in enumerate(models):
                stat = self.res.stat(model, point)
                if stat is None or stat.median is None:
                    continue
                x = i + (j - (len(models) - 1) / 2) * width
                ideal = self.res.ideal(model, point)
                ideal_s = ideal / 1000 if ideal else None
                rows_by_model[model].append((x, stat.median / 1000, stat.min / 1000,
                                             stat.max / 1000, ideal_s, fmt_time(stat.median)))
                walls += [stat.min / 1000, stat.max / 1000] + ([ideal_s] if ideal_s else [])
        for model, rows in rows_by_model.items():
            write_dat(self.charts.data(f"{name}-{model}.dat"), rows,
                      "x median_s min_s max_s ideal_s label")
        for ref, rows in ref_rows.items():
            write_dat(self.charts.data(f"{name}-ref-{ref}.dat"), rows, "x_left x_right median_s")
        if not walls:
            return None
        low, high = max(min(walls), 1e-4), max(walls)
        return self.charts.render(name, "walltime.gp", "walltime", {
            "models": " ".join(models), "data": self.charts.data(name),
            "chart_title": title, "ideal_title": ideal_title,
            "xtics_cmd": gp_tics("x", tics), "xmax": len(groups) - 0.4,
            "ymin": 10 ** math.floor(math.log10(low)),
            "ymax": 10 ** math.ceil(math.log10(high * 3)), "bw": width * 0.9,
            "refs": " ".join(r for r, rows in ref_rows.items() if rows)})

    def walltime_sentences(self, groups):
        """Per workload: the fastest and slowest model; where overlap paid most."""
        gains, lines = [], []
        for group in groups:
            point = group["points"][0]
            timed = sorted(((s.median, m) for m in self.res.models
                            for s in [self.res.stat(m, point)] if s and s.median),
                           key=lambda t: t[0])
            if len(timed) < 2:
                continue
            (fast_ms, fast), (slow_ms, slow) = timed[0], timed[-1]
            lines.append(f"- {group['name']}: {fast} {fmt_time(fast_ms)}, {slow} "
                         f"{fmt_time(slow_ms)}; {fast} was {compare(fast_ms, slow_ms)} {slow}.")
            gains.append((slow_ms / fast_ms, group["name"]))
        if gains:
            best, worst = max(gains), min(gains)
            lines.append(f"\nThe gap between the fastest and the slowest model was widest in "
                         f"{best[1]} ({fmt_ratio(best[0])}) and narrowest in {worst[1]} "
                         f"({fmt_ratio(worst[0])}). The black dash on each bar is the model's "
                         "ideal; a bar far above its dash is time spent on something other "
                         "than the waiting.")
        return lines

    # -- the claim, tested with the Python reference client --

    def section_claim(self):
        """The source material's claim (CLAIM) against python_asyncio's
        headline fetch, in its own wall time and as a whole process, and
        its cost per request against the C models as N grows."""
        group = next((g for g in self.res.headline
                      if g["params"]["workload"] == "fetch" and g.get("references")), None)
        if group is None or "python_asyncio" not in self.res.ref_clients:
            return
        count, latency, claimed = CLAIM["count"], CLAIM["latency_ms"], CLAIM["claimed_ms"]
        self.add(f"## The claim: {count} requests of {latency} ms in around "
                 f"{claimed / 1000:g} second", "",
                 f"The source material says that with Python's asyncio {count} requests that "
                 f"each wait {latency} ms take around {claimed / 1000:g} second, where one after "
                 f"another they take {count * latency / 1000:g} s. The floor is {latency} ms: the "
                 "requests can all wait at once, but none is answered sooner. It is tested here "
                 "with python_asyncio, a reference client (not a model).", "")
        facts = self.ref_facts("python_asyncio")
        stat = self.res.stat("python_asyncio", group["points"][0])
        if facts.get("skipped") or stat is None or stat.median is None:
            why = facts.get("skipped") or self.res.skipped("python_asyncio", group["points"][0]) \
                or "no run of it on the headline fetch went through (see Skipped and failed runs)"
            self.add(f"Not tested in this run: {why}.", "")
            return
        self.add(self.claim_paragraph(group, stat), "")
        self.add(*self.python_cost_lines())

    def claim_paragraph(self, group, stat):
        params = group["params"]
        count, latency, claimed = CLAIM["count"], CLAIM["latency_ms"], CLAIM["claimed_ms"]
        wall, whole = stat.median, stat.whole_ms
        text = (f"Measured: python_asyncio ran the headline fetch, {self.describe(params)}, in "
                f"{fmt_time(wall)} by its own clock (its summary's wall_ms, timed inside the "
                "process as each model times its own)")
        if whole is not None:
            text += (f", and in {fmt_time(whole)} as a whole process (the runner's clock, from "
                     f"its start to its exit: {fmt_time(whole - wall)} more, what the process did "
                     "outside its own clock: the interpreter's start, the imports of aiohttp and "
                     "the rest, and its exit)")
        text += (f"; median of {stat.runs} run(s). The tables and Chart 1 use the first, the "
                 "same yardstick as the models'; runs.csv has both (wall_ms, whole_ms).")
        if stat.failed:
            text += f" {stat.failed} of its tasks failed (see its row)."
        fast = min(((s.median, m) for m in self.res.models
                    for s in [self.res.stat(m, group["points"][0])] if s and s.median),
                   default=None)
        if fast:
            text += (f" The fastest model, {fast[1]}, took {fmt_time(fast[0])}: python_asyncio "
                     f"was {compare(wall, fast[0])} it.")
        if (params["count"], params.get("latency_ms")) != (count, latency):
            floor = params.get("latency_ms")
            return (text + f" This {self.meta['mode']} plan's headline fetch is not the claim's "
                    f"{count} requests of {latency} ms, so the claim itself is not tested here "
                    "(the full plan, `make bench`, tests it); against this workload's own floor of "
                    f"{floor} ms the run took {fmt_ratio(wall / floor)} it" +
                    (f" and the whole process {fmt_ratio(whole / floor)}." if whole else "."))
        text += (f" Against the claim: the run took {fmt_time(wall)}, {compare(wall, claimed)} "
                 f"the claimed {fmt_time(claimed)}")
        if whole is not None:
            text += f", and the whole process {compare(whole, claimed)} it"
        text += (f". Against the floor: the run took {fmt_ratio(wall / latency)} the {latency} ms "
                 f"({fmt_time(abs(wall - latency))} {'above' if wall >= latency else 'below'} it)")
        if whole is not None:
            text += f", the whole process {fmt_ratio(whole / latency)}"
        longest = whole if whole is not None else wall
        if longest * SAME_WITHIN <= claimed:
            near, far = ("the floor", "the claimed second") if longest - latency < \
                claimed - longest else ("the claimed second", "the floor")
            text += (f". So the claim holds with room to spare on this machine: even as a whole "
                     f"process, start-up included, the {count} requests took less than the "
                     f"second claimed, nearer {near} than {far}.")
        elif longest <= claimed * SAME_WITHIN:
            text += ". So the claim holds here: about a second, start-up included."
        else:
            text += (f". So the claim does not hold on this machine: "
                     f"{'the whole process' if whole is not None else 'the run'} took longer "
                     "than the second claimed.")
        return text

    def python_cost_lines(self):
        """python_asyncio's cost per request as N grows, against the C
        models that keep every request waiting, over the same points."""
        group = self.res.groups.get("count")
        cost = self.res.task_cost("python_asyncio")
        if group is None or cost is None:
            return ["Its cost per request as N grows is not measured here: it ran fewer than "
                    "two points of the count sweep.", ""]
        first, last = cost.counts[0], cost.counts[-1]
        models = {m: self.res.task_cost(m, last) for m in self.res.models if m in WAITER}
        models = {m: c for m, c in models.items() if c is not None}
        lines = [f"What one more request costs as N grows: the least-squares slope over the "
                 f"count sweep's medians (as in [The cost of one waiting task]"
                 f"(#the-cost-of-one-waiting-task)), here over N = {first:,} to {last:,}, the "
                 "points python_asyncio ran, for every client alike.", "",
                 "| client | N | CPU time / request (user + system) | peak RSS / request |",
                 "|---|---|---:|---:|"]
        rows = list(models.items()) + [("python_asyncio", cost)]
        # curl's slope only where it ran all at once: past its window the
        # requests waiting at once are no longer N.
        cap = self.ref_facts("curl_parallel").get("window_max")
        curl = self.res.task_cost("curl_parallel", min(last, cap) if cap else last)
        if curl is not None:
            rows.append(("curl_parallel", curl))
            if cap and curl.counts[-1] < last:
                lines[0] = lines[0][:-1] + (f" (curl_parallel only up to N = {cap:,}, where it "
                                            "still runs every request at once).")
        for name, c in rows:
            label = f"{name} (reference)" if name in self.res.ref_clients else name
            lines.append(f"| {label} | {c.counts[0]:,} to {c.counts[-1]:,} | "
                         f"{c.cpu_us:.0f} µs ({c.user_us:.0f} + {c.sys_us:.0f}) | "
                         f"{c.rss_kb:.1f} KB |")
        lines.append("")
        text = (f"Per request, python_asyncio costs {cost.cpu_us:.0f} µs of CPU time and "
                f"{cost.rss_kb:.1f} KB of peak memory")
        if models:
            by_cpu = sorted(models, key=lambda m: models[m].cpu_us)
            by_kb = sorted(models, key=lambda m: models[m].rss_kb)
            lo_cpu, hi_cpu = models[by_cpu[0]], models[by_cpu[-1]]
            lo_kb, hi_kb = models[by_kb[0]], models[by_kb[-1]]
            text += (f", against {lo_cpu.cpu_us:.0f} µs ({by_cpu[0]}) to {hi_cpu.cpu_us:.0f} µs "
                     f"({by_cpu[-1]}) and {lo_kb.rss_kb:.1f} KB ({by_kb[0]}) to "
                     f"{hi_kb.rss_kb:.1f} KB ({by_kb[-1]}) for the C models that keep every "
                     "request waiting at once")
            if lo_cpu.cpu_us > 0 and cost.cpu_us > 0:
                text += (f": {fmt_ratio(cost.cpu_us / lo_cpu.cpu_us)} the CPU time of the "
                         f"cheapest ({by_cpu[0]})")
            if lo_kb.rss_kb > 0 and cost.rss_kb > 0:
                text += f" and {fmt_ratio(cost.rss_kb / lo_kb.rss_kb)} the memory of {by_kb[0]}"
        text += "."
        # The growth from the first point to the last, which leaves out what
        # a run costs whatever its N (the interpreter's start, if the client's
        # CPU time counts it).
        ends = [next(p for p in group["points"] if p["value"] == n) for n in (first, last)]
        grew = {}
        for name in [*models, "python_asyncio"]:
            low, high = (self.res.stat(name, p) for p in ends)
            if low and high and low.cpu_ms is not None and high.cpu_ms is not None:
                grew[name] = high.cpu_ms - low.cpu_ms
        if "python_asyncio" in grew and len(grew) > 1:
            py = grew.pop("python_asyncio")
            cheapest = min(grew, key=grew.get)
            text += (f" From N = {first:,} to {last:,}, python_asyncio's CPU time grew by "
                     f"{fmt_time(py)}, {cheapest}'s by {fmt_time(grew[cheapest])}"
                     + (f": {fmt_ratio(py / grew[cheapest])} as much" if grew[cheapest] > 0
                        and py > 0 else "") + ".")
        return lines + [text, ""]

    # -- chart 2 --

    def chart_timelines(self):
        self.add("## Chart 2: every task on one time axis", "",
                 "Each bar is one task of the median counted run, from its start to its end, "
                 "green when it completed, red when it failed; a retried task is lighter "
                 "from its first start to its last attempt's start. The panels share one "
                 "time axis.", "")
        for group in self.res.headline:
            traces = self.read_traces(group["name"])
            if not traces:
                continue
            path = self.render_timeline(group, traces)
            self.add(f"### {group['name']}", "")
            self.figure(path, f"Timeline of {group['name']} per model")
            self.add(*self.timeline_sentences(group, traces), "")

    def read_traces(self, name):
        """{model: [trace rows]} for the traces kept of headline group name."""
        traces = {}
        for model in self.res.models:
            path = os.path.join(self.res.folder, "traces", f"{name}-{model}.csv")
            if not os.path.exists(path):
                continue
            with open(path, newline="") as trace:
                rows = list(csv.DictReader(trace))
            for row in rows:
                for field in ("id", "start_ms", "attempt_start_ms", "end_ms", "attempts"):
                    row[field] = number(row[field])
            traces[model] = rows
        return traces

    def render_timeline(self, group, traces):
        name = "timeline-" + group["name"].replace(" ", "").replace("--", "-")
        xmax, ymax = 0.0, 1
        states = {"completed": 0, "failed": 1}
        variables = {}
        for model, rows in traces.items():
            data = []
            for row in rows:
                if row["start_ms"] is None or row["end_ms"] is None:
                    continue
                data.append((row["id"], row["start_ms"] / 1000, row["attempt_start_ms"] / 1000,
                             row["end_ms"] / 1000, states.get(row["state"], 2)))
                xmax = max(xmax, row["end_ms"] / 1000)
                ymax = max(ymax, row["id"])
            write_dat(self.charts.data(f"{name}-{model}.dat"), data,
                      "id start_s attempt_start_s end_s state")
            wall = max((r[3] for r in data), default=0)
            variables[f"ptitle_{model}"] = (f"{model}: {len(data)} tasks, at most "
                                            f"{max_overlap(rows)} at once, last one ended at "
                                            f"{wall:.3g} s")
        if group["params"]["workload"] == "cook":
            ytics = gp_tics("y", [(n, i + 1) for i, (n, _) in enumerate(self.dishes)])
            ylabel = "dish"
        else:
            ytics = "set ytics autofreq"
            ylabel = "task id"
        variables.update({
            "models": " ".join(traces), "data": self.charts.data(name),
            "chart_title": f"{group['name']}: {describe(group['params'], self.dishes)}, "
                           "each task from its start to its end",
            "xmax": xmax * 1.02 if xmax > 0 else 1, "ymax": ymax,
            "ylabel_text": ylabel, "ytics_cmd": ytics})
        return self.charts.render(name, "timeline.gp", "timeline", variables)

    def timeline_sentences(self, group, traces):
        lines = []
        for model, rows in traces.items():
            starts = [r["start_ms"] for r in rows if r["start_ms"] is not None]
            ends = [r["end_ms"] for r in rows if r["end_ms"] is not None]
            if not starts:
                continue
            retried = sum(1 for r in rows if (r["attempts"] or 0) > 1)
            overlap = max_overlap(rows)
            text = (f"- {model}: {len(rows)} tasks, at most {overlap} running at once; "
                    f"the first started at {fmt_time(min(starts))}, the last at "
                    f"{fmt_time(max(starts))}, the last ended at {fmt_time(max(ends))}")
            if overlap == 1 and len(rows) > 1:
                text += " (each task began when the one before it ended: a staircase)"
            elif overlap == len(rows) and len(rows) > 1:
                text += f" (every task started within {fmt_time(max(starts) - min(starts))}: a wall)"
            text += "; " + ("no task was retried." if retried == 0
                            else f"{retried} task(s) were retried.")
            lines.append(text)
        if group["params"]["workload"] == "cook":
            lines.append("\n" + self.cook_sentence(traces))
        return lines

    def cook_sentence(self, traces):
        """Which dish was ready when, per model, against the sum and the longest."""
        scale = 1
        for group in self.res.headline:
            if group["params"]["workload"] == "cook":
                scale = group["params"].get("time_scale", 1)
        total = sum(s for _, s in self.dishes) * scale
        longest = max(s for _, s in self.dishes) * scale
        parts = []
        for model, rows in traces.items():
            end = max(r["end_ms"] for r in rows if r["end_ms"] is not None) / 1000
            nearer = "the sum" if abs(end - total) < abs(end - longest) else "the longest dish"
            parts.append(f"{model} had every dish ready at {end:.3g} s (nearer {nearer})")
        return (f"The dishes take {total:g} s one after another and {longest:g} s (the "
                f"longest) side by side: " + "; ".join(parts) + ".")

    # -- chart 3: sweeps --

    def sweep_series(self, group, x_of):
        """Per model: timed points [(x, med, min, max)] and skipped [(x, ideal)],
        and the distinct ideal series with the models they belong to."""
        points, skipped, ideals = {}, {}, {}
        for model in self.res.models:
            points[model], skipped[model], ideal = [], [], []
            for point in group["points"]:
                x = x_of(point["value"])
                value = self.res.ideal(model, point)
                ideal.append((x, value / 1000 if value else None))
                stat = self.res.stat(model, point)
                if stat is not None and stat.median is not None:
                    points[model].append((x, stat.median / 1000, stat.min / 1000, stat.max / 1000))
                elif self.res.skipped(model, point) and value:
                    skipped[model].append((x, value / 1000))
            if any(v for _, v in ideal):
                ideals.setdefault(tuple(ideal), []).append(model)
        return points, skipped, ideals

    def reference_series(self, group, x_of):
        """{reference client: [(x, median, min, max)]} of a sweep, in seconds."""
        series = {}
        for name in self.res.references:
            rows = []
            for point in group["points"]:
                stat = self.res.stat(name, point)
                if stat is not None and stat.median is not None:
                    rows.append((x_of(point["value"]), stat.median / 1000, stat.min / 1000,
                                 stat.max / 1000))
            if rows:
                series[name] = rows
        return series

    def reference_limit(self, name, group):
        """The largest N of the count sweep a reference client was planned
        for, when the sweep goes past it (None: it was planned everywhere)."""
        cap = self.ref_facts(name).get("count_max")
        values = [p["value"] for p in group["points"]]
        return cap if cap is not None and values and values[-1] > cap else None

    def render_sweep(self, name, group, x_of, labels, speedup=None, references=False):
        """Chart 3: one sweep. labels: chart_title, xlabel_text, ylabel_text,
        logx, logy, xtics_cmd, ideal_titles {model: formula}. With
        references, the reference clients' lines too, grey and dash-dotted."""
        points, skipped, ideals = self.sweep_series(group, x_of)
        if not any(points.values()):
            return None
        for model in self.res.models:
            write_dat(self.charts.data(f"{name}-{model}.dat"), points[model], "x median min max")
            write_dat(self.charts.data(f"{name}-skipped-{model}.dat"), skipped[model], "x ideal")
        refs = self.reference_series(group, x_of) if references else {}
        variables = dict(labels)
        for ref, rows in refs.items():
            write_dat(self.charts.data(f"{name}-ref-{ref}.dat"), rows, "x median min max")
            limit = self.reference_limit(ref, group)
            variables[f"ref_title_{ref}"] = f"{ref} (reference" + \
                (f", N up to {limit:,})" if limit else ")")
        ideal_titles = variables.pop("ideal_titles")
        for k, (series, owners) in enumerate(ideals.items(), start=1):
            write_dat(self.charts.data(f"{name}-ideal-{k}.dat"),
                      [(x, v) for x, v in series if v], "x ideal")
            variables[f"ideal_title_{k}"] = f"ideal, {', '.join(owners)}: {ideal_titles[owners[0]]}"
        if speedup:
            for model, rows in speedup.items():
                write_dat(self.charts.data(f"{name}-speedup-{model}.dat"), rows, "x ratio")
        xmin, xmax = log_range([x_of(p["value"]) for p in group["points"]])
        if not variables["logx"]:
            xmin, xmax = 0, xmax
        variables.update({
            "models": " ".join(self.res.models), "data": self.charts.data(name),
            "skipped_models": " ".join(m for m in self.res.models if skipped[m]),
            "speedup_models": " ".join(m for m in (speedup or {}) if speedup[m]),
            "refs": " ".join(refs), "xmin": xmin, "xmax": xmax,
            "nideal": len(ideals), "panels": 2 if speedup else 1,
            "skipped_title": f"%s not run (over {self.meta['skip_limit_s']:g} s): its ideal"})
        size = "sweep2" if speedup else "sweep-refs" if refs else "sweep"   # refs: a taller key
        return self.charts.render(name, "sweep.gp", size, variables)

    def chart_count(self):
        group = self.res.groups.get("count")
        if not group:
            return
        latency = latency_words(group["params"])
        path = self.render_sweep("sweep-count", group, float, {
            "chart_title": f"Count sweep: fetch {describe(dict(group['params'], count='N'), [])}",
            "xlabel_text": "tasks N (log scale)", "ylabel_text": "wall time (s, log scale)",
            "logx": True, "logy": True, "xtics_cmd": "set xtics autofreq",
            "ideal_titles": self.ideal_titles("count")}, references=group.get("references"))
        self.add("## Chart 3: the sweeps", "", f"### Count: N from {group['points'][0]['value']:,} "
                 f"to {group['points'][-1]['value']:,} at {latency}", "")
        self.figure(path, "Wall time against the number of tasks")
        self.add(*self.count_sentences(group), "")

    def ideal_titles(self, sweep):
        titles = {"count": ("N*L (one at a time)", "L (all at once)"),
                  "latency": ("N*L (one at a time)", "L (all at once)"),
                  "window": ("N*L (one at a time)", "ceil(N/C)*L (window C)")}[sweep]
        return {m: titles[0] if m == "sync" else titles[1] for m in self.res.models}

    def count_sentences(self, group):
        lines = []
        for model in self.res.models:
            ran = [(p["value"], self.res.stat(model, p), self.res.ideal(model, p))
                   for p in group["points"]]
            ran = [(n, s, i) for n, s, i in ran if s is not None and s.median is not None]
            stops = [(p["value"], self.res.skipped(model, p)) for p in group["points"]
                     if self.res.skipped(model, p)]
            if not ran:
                lines.append(f"- {model}: no point ran ({stops[0][1] if stops else 'no data'}).")
                continue
            n, stat, ideal = ran[-1]
            text = (f"- {model}: the largest N run was {n:,}, in {fmt_time(stat.median)}"
                    + (f", {fmt_ratio(stat.median / ideal)} its {fmt_time(ideal)} ideal"
                       if ideal else ""))
            if stat.failed:
                text += f", with {stat.failed} failed task(s)"
            if len(ran) > 1:
                n0, s0, i0 = ran[0]
                text += f"; at N={n0:,} it took {fmt_time(s0.median)}"
            if stops:
                first_n, why = stops[0]
                text += (f". Limit: it stopped before N={first_n:,}: {why}" +
                         ("; its line continues as the ideal only (open circles)."
                          if "limit" in why else "."))
            else:
                text += f". It ran every point of the plan, up to N={n:,}."
            lines.append(text)
        if group.get("references"):
            lines += self.reference_count_sentences(group)
        last = group["points"][-1]["value"]
        if last >= SERVER_THREADS_MAX:
            lines.append(f"\nThe plan stops at N={last:,}: the mock server holds one civetweb "
                         f"thread per waiting request and runs at most {SERVER_THREADS_MAX:,} "
                         f"threads, and kernel.pid_max ({self.meta['machine']['pid_max']:,}) "
                         "must hold the server's threads and the thread-pool client's together.")
        else:
            lines.append(f"\nThis {self.meta['mode']} plan stops at N={last:,}; the full plan "
                         f"(`make bench`) goes on to N={SERVER_THREADS_MAX:,}.")
        return lines

    def reference_count_sentences(self, group):
        """The reference clients on the count sweep: how far each went and
        why it stops there, and its time at its largest N."""
        lines = []
        for name in self.res.references:
            facts = self.ref_facts(name)
            label = f"- {name} (reference, not a model)"
            if facts.get("skipped"):
                lines.append(f"{label}: did not run ({facts['skipped']}).")
                continue
            ran = [(p["value"], self.res.stat(name, p), self.res.ideal(name, p))
                   for p in group["points"]]
            ran = [(n, st, i) for n, st, i in ran if st is not None and st.median is not None]
            limit = self.reference_limit(name, group)
            reach = (f"planned up to N = {limit:,} and no further: {facts.get('limit_why')}"
                     if limit else "planned at every point of this plan")
            if not ran:
                lines.append(f"{label}: {reach}; no point ran.")
                continue
            n, stat, ideal = ran[-1]
            text = (f"{label}: {reach}. Its largest N run was {n:,}, in {fmt_time(stat.median)}"
                    + (f" ({'whole process' if facts.get('clock') == 'whole' else 'its own wall_ms'})")
                    + (f", {fmt_ratio(stat.median / ideal)} its {fmt_time(ideal)} ideal "
                       f"({self.ref_ideal_kind(name, dict(group['params'], count=n))})"
                       if ideal else ""))
            if stat.failed:
                text += f", with {stat.failed} failed task(s)"
            stopped = next(((p["value"], self.res.skipped(name, p)) for p in group["points"]
                            if self.res.skipped(name, p)), None)
            if stopped:
                text += f"; not run from N = {stopped[0]:,}: {stopped[1]}"
            lines.append(text + ".")
        return lines

    def chart_latency(self):
        group = self.res.groups.get("latency")
        if not group:
            return
        values = [p["value"] for p in group["points"]]
        positive = [v for v in values if v > 0]
        zero_at = min(positive) / 2 if positive else 1
        x_of = lambda v: v if v > 0 else zero_at
        tics = [("0" if v == 0 else f"{v:g}", x_of(v)) for v in values]
        speedup = self.speedups(group, x_of)
        path = self.render_sweep("sweep-latency", group, x_of, {
            "chart_title": f"Latency sweep: fetch {group['params']['count']} items, no window",
            "xlabel_text": "latency L per request (ms, log scale; 0 at the left)",
            "ylabel_text": "wall time (s, log scale)", "logx": True, "logy": True,
            "xtics_cmd": gp_tics("x", tics), "ideal_titles": self.ideal_titles("latency")},
            speedup=speedup)
        self.add(f"### Latency: L from {values[0]} to {values[-1]} ms at N = "
                 f"{group['params']['count']}: where does async stop paying off?", "")
        self.figure(path, "Wall time and speed-up against latency")
        self.add(*self.latency_sentences(group), "")

    def speedups(self, group, x_of):
        """{model: [(x, sync time / model time)]} where both ran."""
        out = {}
        for model in self.res.models:
            if model == "sync" or "sync" not in self.res.models:
                continue
            out[model] = []
            for point in group["points"]:
                sync, other = self.res.stat("sync", point), self.res.stat(model, point)
                if sync and other and sync.median and other.median:
                    out[model].append((x_of(point["value"]), sync.median / other.median))
        return out

    def sync_pairs(self, group, model):
        """[(value, sync's median, model's median)] where both ran."""
        pairs = []
        for point in group["points"]:
            sync, other = self.res.stat("sync", point), self.res.stat(model, point)
            if sync and other and sync.median and other.median:
                pairs.append((point["value"], sync.median, other.median))
        return pairs

    def latency_sentences(self, group):
        lines = []
        if "sync" not in self.res.models:
            return ["sync was not built, so there is no speed-up to show."]
        for model in self.res.models:
            if model == "sync":
                continue
            pairs = self.sync_pairs(group, model)
            if not pairs:
                continue
            l0, s0, a0 = pairs[0]
            text = (f"- {model}: at L = {l0} ms sync took {fmt_time(s0)} and {model} "
                    f"{fmt_time(a0)}: {model} was {compare(a0, s0)} sync")
            twice = [l for l, s, a in pairs if all(s2 / a2 >= 2 for l2, s2, a2 in pairs if l2 >= l)]
            if twice:
                text += (f". From L = {twice[0]} ms on it was at least 2x faster"
                         f" (below that the gain is under 2x)")
            else:
                text += ". It was never 2x faster over the whole sweep"
            lh, sh, ah = pairs[-1]
            text += f"; at L = {lh} ms: {fmt_ratio(sh / ah)}."
            lines.append(text)
        lines += self.crossover_sentences(group)
        skipped = [p["value"] for p in group["points"] if self.res.skipped("sync", p)]
        if skipped:
            lines.append(f"\nsync was not run at L = {', '.join(map(str, skipped))} ms (one run "
                         f"would exceed {self.meta['skip_limit_s']:g} s): its ideal is drawn "
                         "instead, and no speed-up is shown there.")
        return lines

    def crossover_sentences(self, group):
        """Below which latency sync was as fast as or faster than each async
        model: the first latency from which on the model was faster (by
        more than SAME_WITHIN) at every point, and the point before it."""
        summary, details = [], []
        for model in self.res.models:
            pairs = self.sync_pairs(group, model) if model != "sync" else []
            if not pairs:
                continue
            faster = [s / a >= SAME_WITHIN for _, s, a in pairs]
            first = next((i for i in range(len(pairs)) if all(faster[i:])), None)
            if first is None:
                lh, sh, ah = pairs[-1]
                summary.append(f"at every latency up to {lh} ms for {model}")
                details.append(f"- {model} never pulled ahead of sync for good: at L = {lh} ms, "
                               f"the largest measured, sync was {compare(sh, ah)} it.")
            elif first == 0:
                l0, s0, a0 = pairs[0]
                summary.append(f"at no latency measured for {model}")
                details.append(f"- {model} was faster than sync at every latency measured, even "
                               f"at L = {l0} ms ({fmt_ratio(s0 / a0)}): no crossover in this "
                               "sweep.")
            else:
                (lb, sb, ab), (lf, sf, af) = pairs[first - 1], pairs[first]
                summary.append(f"below L = {lf} ms for {model}")
                details.append(f"- {model}: at L = {lb} ms sync was {compare(sb, ab)} it "
                               f"({fmt_time(sb)} against {fmt_time(ab)}); from L = {lf} ms on "
                               f"{model} was faster ({fmt_ratio(sf / af)} at {lf} ms).")
        if not summary:
            return []
        listed = summary[0] if len(summary) == 1 else \
            "; ".join(summary[:-1]) + "; and " + summary[-1]
        return [f"\nWhere async stops paying off: sync was as fast as or faster (a gap under "
                f"{SAME_WITHIN - 1:.0%} counts as as fast) {listed}. The crossover is the "
                "first latency from which on the model was faster at every point of the "
                "sweep:"] + details

    def chart_window(self):
        group = self.res.groups.get("window")
        if not group:
            return
        params = group["params"]
        path = self.render_sweep("sweep-window", group, float, {
            "chart_title": f"Window sweep: fetch {params['count']} items at "
                           f"{latency_words(params)}, at most C in flight",
            "xlabel_text": "window C (log scale)", "ylabel_text": "wall time (s, log scale)",
            "logx": True, "logy": True, "xtics_cmd": "set xtics autofreq",
            "ideal_titles": self.ideal_titles("window")})
        self.add(f"### Window: C from {group['points'][0]['value']} to "
                 f"{group['points'][-1]['value']} at N = {params['count']}", "")
        self.figure(path, "Wall time against the window")
        self.add(*self.window_sentences(group), "")

    def window_sentences(self, group):
        lines = []
        for model in self.res.models:
            ran = [(p["value"], self.res.stat(model, p), self.res.ideal(model, p))
                   for p in group["points"]]
            ran = [(c, s, i) for c, s, i in ran if s and s.median]
            if not ran:
                continue
            if model == "sync":
                lines.append(f"- sync has no window (one at a time): "
                             f"{fmt_time(ran[0][1].median)} at every C, drawn flat.")
                continue
            (c0, s0, i0), (c1, s1, i1) = ran[0], ran[-1]
            ratios = [s.median / i for _, s, i in ran if i]
            unknown = "unknown" if self.external else "n/a"
            text = (f"- {model}: C = {c0}: {fmt_time(s0.median)} "
                    f"(ideal {fmt_time(i0) if i0 is not None else unknown}); "
                    f"C = {c1}: {fmt_time(s1.median)} "
                    f"(ideal {fmt_time(i1) if i1 is not None else unknown})")
            if ratios:
                text += (f"; across the sweep it took {fmt_ratio(min(ratios))} to "
                         f"{fmt_ratio(max(ratios))} its ideal ceil(N/C)*L.")
            lines.append(text)
        return lines

    def chart_threads(self):
        group = self.res.groups.get("threads")
        if not group:
            return
        params = group["params"]
        path = self.render_sweep("sweep-threads", group, float, {
            "chart_title": f"Thread sweep: files, {describe(params, self.dishes)}; "
                           "async_uv, async_coro: --uv-threadpool; async_threads: pool size",
            "xlabel_text": "threads doing the blocking file work (log scale)",
            "ylabel_text": "wall time (s)", "logx": True, "logy": False,
            "xtics_cmd": "set xtics autofreq", "ideal_titles": {}})
        self.add(f"### Threads: UV_THREADPOOL_SIZE and pool size for files "
                 f"({describe(params, self.dishes)})", "")
        self.figure(path, "Wall time of files against the number of threads")
        self.add(*self.threads_sentences(group), "")

    def threads_sentences(self, group):
        lines, sync_ms = [], None
        for model in self.res.models:
            ran = [(p["value"], self.res.stat(model, p)) for p in group["points"]]
            ran = [(t, s) for t, s in ran if s and s.median]
            if not ran:
                continue
            if model == "sync":
                sync_ms = ran[0][1].median
                lines.append(f"- sync writes one file at a time: {fmt_time(sync_ms)}, "
                             "drawn flat.")
                continue
            best = min(ran, key=lambda t: t[1].median)
            worst = max(ran, key=lambda t: t[1].median)
            text = (f"- {model}: fastest with {best[0]} thread(s), {fmt_time(best[1].median)}; "
                    f"slowest with {worst[0]}, {fmt_time(worst[1].median)}")
            if sync_ms:
                text += f"; at its best it was {compare(best[1].median, sync_ms)} sync"
            lines.append(text + ".")
        lines.append("\nThere is no ideal line: the time is the disk's and the CPU's, and "
                     f"this machine has {self.meta['machine']['cores']} core(s).")
        return lines

    # -- when async does not pay --

    def section_processing(self):
        """The cpu runs, fetch's processing per item, the thread sweep of the
        computing and the loop's health: where overlapping waits cannot help."""
        groups = self.res.processing
        if not groups:
            return
        self.add("## When async does not pay: computing, and blocking the loop", "",
                 "Asynchronous I/O overlaps waiting, not computing. Here each task computes "
                 "(cpu), or each fetched item is processed: a pause, which overlaps like a "
                 "wait, or CPU work, which needs a core. The loop models also run the two "
                 "pitfalls, to measure them: the CPU work on the loop's one thread, and the "
                 "pause written as a blocking sleep (--blocking-process). T is the number "
                 "of threads that could compute at once: 1 for sync and for a loop model "
                 "without --offload, the pool's threads for async_threads, libuv's pool "
                 f"with --offload. This machine has {self.res.cores} core(s).", "",
                 "The ideals: a pause P per item is waiting, L+P all at once and N*(L+P) one "
                 "at a time; CPU work after the wait, L + N*P/min(T, cores); a pause that "
                 "blocks the loop, L + N*P, the pauses one after another; cpu, N*W/min(T, "
                 "cores). Under a window, CPU work or a blocking pause has no ideal here: how "
                 "it interleaves with the waits depends on the order of the answers.", "",
                 *self.calibration_sentences(), "")
        path = self.render_walltime(
            "walltime-processing", groups,
            "When async does not pay: wall time per configuration and model "
            "(bar: median; whisker: min to max)", "ideal")
        self.figure(path, "Wall time of the computing and processing runs, with the ideal")
        for group in groups:
            self.group_table(group)
            if not group["points"][0]["models"]:
                continue
            self.add(self.headline_sentence(group, group["points"][0]), "")
            if group["params"]["workload"] == "cpu":
                self.add(*self.cpu_sentences(group), "")
        self.add(*self.processing_sentences(groups))
        self.chart_cpu_threads()
        self.chart_loop()

    def calibration_sentences(self):
        lines = []
        for cal in self.meta.get("cpu_calibrations", []):
            run = f"`{cal['model']} {cal['args']}`"
            if cal["task_ms"] is None:
                lines.append(f"W, one cpu task of {cal['rounds']:,} rounds on one core, could not "
                             f"be measured: the calibration run {run} did not go through, so "
                             "the cpu runs have no ideal.")
            else:
                lines.append(f"W, one cpu task of {cal['rounds']:,} rounds on one core, is "
                             f"{fmt_time(cal['task_ms'])}: the median wall time of "
                             f"{cal['runs']} counted run(s) of {run} in this same bench, its "
                             f"{cal['count']} tasks one after another on one thread, over "
                             f"{cal['count']}. Every cpu ideal below is N*W/min(T, cores) with "
                             f"this W, so {cal['model']}'s own ideal there is its median: "
                             "the other ratios compare each model with that pace.")
        return lines

    def stats_of(self, group):
        """{model: Stat} of a headline group's models that ran."""
        point = group["points"][0]
        stats = {m: self.res.stat(m, point) for m in self.res.models}
        return {m: st for m, st in stats.items() if st and st.median}

    def cpu_sentences(self, group):
        """Who computed on how many cores, and on-loop against sync."""
        stats, point = self.stats_of(group), group["points"][0]
        lines = []
        for model, stat in stats.items():
            ideal = self.res.ideal(model, point)
            text = (f"- {model}: T = {stat.threads}, at best min(T, cores) = "
                    f"{min(stat.threads, self.res.cores)} core(s) computing: "
                    f"{fmt_time(stat.median)}")
            if ideal:
                text += f", {fmt_ratio(stat.median / ideal)} its ideal {fmt_time(ideal)}"
            cpu = f"; its CPU time {fmt_time(stat.cpu_ms)}" if stat.cpu_ms else ""
            lines.append(text + cpu + ".")
        sync = stats.get("sync")
        for model, stat in stats.items():
            if model != "sync" and sync and stat.threads == 1:
                word = compare(stat.median, sync.median)
                why = (": with nothing to wait for, there is nothing to overlap" if
                       word == "about as fast as" else ", though with nothing to wait for "
                       "neither overlaps anything: the gap is the machine's noise or the "
                       "model's overhead (see min and max)")
                lines.append(f"- With one thread computing, {model} was {word} sync{why}.")
        offloaded = None if group["params"].get("offload") else \
            self.group_like(group, offload=True)
        for model, stat in (self.stats_of(offloaded) if offloaded else {}).items():
            if model in stats:
                on_loop = stats[model].median
                lines.append(f"- {model} with --offload ({stat.threads} pool threads) took "
                             f"{fmt_time(stat.median)} against {fmt_time(on_loop)} on its loop: "
                             f"{compare(stat.median, on_loop)} on its loop.")
        return lines

    def group_like(self, group, **changes):
        """The processing group whose params are group's with changes (a
        False value: the key absent), ignoring the pool size; or None."""
        def key(params):
            return {k: v for k, v in params.items() if v and k != "threads"}
        want = key(dict(group["params"], **changes))
        return next((g for g in self.res.processing if key(g["params"]) == want), None)

    def processing_sentences(self, groups):
        """fetch: a pause against CPU work per item, and the blocking pause
        beside the pause as a timer, per model."""
        pause = next((g for g in groups if g["params"]["workload"] == "fetch"
                      and g["params"].get("process_ms")
                      and not g["params"].get("blocking_process")), None)
        if pause is None:
            return []
        params = pause["params"]
        count, each = params["count"], params["process_ms"]
        busy = self.group_like(pause, process_ms=False, process_cpu_ms=each)
        blocking = self.group_like(pause, blocking_process=True)
        lines = ["### Processing after each wait: a pause, CPU work, a blocking sleep", ""]
        pause_stats = self.stats_of(pause)
        if busy is not None:
            busy_stats = self.stats_of(busy)
            for model, stat in pause_stats.items():
                if model in busy_stats:
                    took = busy_stats[model]
                    lines.append(f"- {model}: {fmt_time(stat.median)} with a {each} ms pause per "
                                 f"item, {fmt_time(took.median)} with {each} ms of CPU work per "
                                 f"item (T = {took.threads}): the CPU work was "
                                 f"{compare(took.median, stat.median)} the pause.")
            lines.append(f"\nA pause overlaps like any wait; the {count} items' {count}*{each} ms "
                         f"= {fmt_time(count * each)} of CPU work does not: it needs a core, "
                         f"and this machine has {self.res.cores}.")
        for model, stat in (self.stats_of(blocking) if blocking else {}).items():
            right = pause_stats.get(model)
            if right is not None:
                lines += ["", self.blocking_sentences(model, stat, right, count, each)]
        return lines + [""]

    @staticmethod
    def blocking_sentences(model, blocked, right, count, each):
        """--blocking-process beside the pause as a timer, in two sentences.
        Taking at least the pauses' sum shows they ran one after another."""
        serial_ms = count * each
        if blocked.median >= serial_ms:
            how = (f"the {count} pauses ran one after another ({count}*{each} ms = "
                   f"{fmt_time(serial_ms)})")
        else:
            how = (f"less than its {count} pauses one after another would take "
                   f"({fmt_time(serial_ms)}), so some overlapped")
        text = (f"With the pause written as a blocking sleep, {model} took "
                f"{fmt_time(blocked.median)} instead of {fmt_time(right.median)}: {how}")
        if blocked.lag_max is not None:
            text += f"; its loop was held up to {fmt_time(blocked.lag_max)} at a time"
            if right.lag_max is not None:
                text += f", against {fmt_time(right.lag_max)} with the pause as a timer"
        text += "."
        if blocked.loop_busy is not None and right.loop_busy is not None:
            text += (f" Its loop was busy {blocked.loop_busy:.0%} of the run against "
                     f"{right.loop_busy:.0%}: a callback that sleeps counts as busy, because "
                     "the loop can do nothing else meanwhile.")
        return text

    def chart_cpu_threads(self):
        group = self.res.groups.get("cpu-threads")
        if not group:
            return
        params = group["params"]
        cores = self.res.cores
        values = [p["value"] for p in group["points"]]
        titles = {m: "N*W (one thread)" if m == "sync" else "N*W/min(T, cores)"
                  for m in self.res.models}
        what = self.describe(dict(params, offload=False))
        path = self.render_sweep("sweep-cpu-threads", group, float, {
            "chart_title": f"The threads computing: cpu, {what}; async_threads: "
                           "--concurrency T; async_uv, async_coro: --offload --uv-threadpool T",
            "xlabel_text": "threads T that can compute at once (log scale)",
            "ylabel_text": "wall time (s)", "logx": True, "logy": False,
            "xtics_cmd": gp_tics("x", [(str(v), v) for v in values]),
            "ideal_titles": titles, "mark_x": cores,
            "mark_title": f" {cores} core(s)"})
        self.add(f"### The threads computing: T from {values[0]} to {values[-1]}, {what}", "")
        self.figure(path, "Wall time of cpu against the threads computing")
        self.add(*self.cpu_threads_sentences(group), "")

    def cpu_threads_sentences(self, group):
        cores = self.res.cores
        lines = [f"This machine has {cores} core(s): the ideal N*W/min(T, cores) falls as T "
                 f"grows to {cores} and is flat past it."]
        gained = []
        for model in self.res.models:
            ran = [(p["value"], self.res.stat(model, p)) for p in group["points"]]
            ran = [(t, st.median) for t, st in ran if st and st.median]
            if not ran:
                continue
            if model == "sync":
                lines.append(f"- sync computes on its one thread whatever T: "
                             f"{fmt_time(ran[0][1])}, drawn flat.")
                continue
            at_cores = dict(ran).get(cores)
            past = [(t, ms) for t, ms in ran if t > cores]
            (t0, m0), (tl, ml) = ran[0], ran[-1]
            text = f"- {model}: " + ", ".join(f"T = {t}: {fmt_time(ms)}" for t, ms in ran)
            if at_cores and t0 < cores:
                text += f"; at T = {cores} it was {compare(at_cores, m0)} at T = {t0}"
            if at_cores and past:
                text += (f"; past the cores, at T = {tl} it was {compare(ml, at_cores)} "
                         f"at T = {cores}")
                if ml * SAME_WITHIN < at_cores:
                    gained.append(model)
            lines.append(text + ".")
        values = [p["value"] for p in group["points"]]
        if values[-1] <= cores:
            lines.append(f"\nThe sweep does not go past this machine's {cores} cores.")
        elif cores not in values:
            lines.append(f"\nThe sweep has no point at T = {cores}, this machine's cores, to "
                         "compare the points past it with.")
        elif gained:
            verb = "was" if len(gained) == 1 else "were"
            lines.append(f"\nAt T = {values[-1]}, past the {cores} core(s), {' and '.join(gained)} "
                         f"{verb} still more than {SAME_WITHIN - 1:.0%} faster than at T = {cores}.")
        else:
            lines.append(f"\nAt T = {values[-1]}, past the {cores} core(s), no model was more "
                         f"than {SAME_WITHIN - 1:.0%} faster than at T = {cores}: threads beyond "
                         "the cores take turns on them.")
        return lines

    def chart_loop(self):
        """The loop's health: lag and busy share, the right way against the
        way that holds the loop, per loop model."""
        pairs = []
        for good, bad in self.meta.get("loop_pairs", []):
            found = [next((g for g in self.res.processing if g["name"] == name), None)
                     for name in (good, bad)]
            if all(found):
                pairs.append(found)
        groups = [g for pair in pairs for g in pair]
        stats = {g["name"]: self.stats_of(g) for g in groups}
        loop_models = [m for m in self.res.models
                       if any(st.lag_max is not None for s in stats.values()
                              for mm, st in s.items() if mm == m)]
        if not loop_models:
            return
        width = 0.8 / len(loop_models)
        tics, top = [], 1.0
        at = [i + 0.4 * (i // 2) for i in range(len(groups))]   # a gap between the pairs
        for i, group in enumerate(groups):
            tics.append((f"{group['name']}\\n({loop_role(group['params'])})", at[i]))
        for j, model in enumerate(loop_models):
            rows = []
            for i, group in enumerate(groups):
                st = stats[group["name"]].get(model)
                if st is None or st.lag_max is None:
                    continue
                x = at[i] + (j - (len(loop_models) - 1) / 2) * width
                rows.append((x, max(st.lag_max, LAG_FLOOR_MS), max(st.lag_p99, LAG_FLOOR_MS),
                             100 * (st.loop_busy or 0), f"{100 * (st.loop_busy or 0):.0f}%",
                             fmt_time(st.lag_max)))
                top = max(top, st.lag_max)
            write_dat(self.charts.data(f"loop-{model}.dat"), rows,
                      "x lag_max_ms lag_p99_ms busy_pct busy_label lag_label")
        path = self.charts.render("loop-health", "loop.gp", "loop", {
            "models": " ".join(loop_models), "data": self.charts.data("loop"),
            "xtics_cmd": gp_tics("x", tics), "xmax": at[-1] + 0.6, "bw": width * 0.9,
            "ymin": LAG_FLOOR_MS, "ymax": 10 ** math.ceil(math.log10(top * 4))})
        self.add("### The loop's health: lag and busy share", "",
                 "A 10 ms timer on the loop measures how late it fires (the lag: p99 and the "
                 "largest of the run); loop_busy is the share of the run the loop spent "
                 "running callbacks. Medians of the counted runs.", "")
        self.figure(path, "Loop lag and busy share, the right way against the loop held up")
        self.add("| model | configuration | wall | loop busy | lag p99 | lag max |",
                 "|---|---|---:|---:|---:|---:|")
        for model in loop_models:
            for group in groups:
                st = stats[group["name"]].get(model)
                if st is not None and st.lag_max is not None:
                    self.add(f"| {model} | {group['name']} ({loop_role(group['params'])}) | "
                             f"{fmt_time(st.median)} | {st.loop_busy:.0%} | "
                             f"{fmt_time(st.lag_p99)} | {fmt_time(st.lag_max)} |")
        self.add("")
        for model in loop_models:
            for good, bad in pairs:
                g, b = stats[good["name"]].get(model), stats[bad["name"]].get(model)
                if g and b and g.lag_max is not None and b.lag_max is not None:
                    self.add(f"- {model}, {loop_role(bad['params'])} against "
                             f"{loop_role(good['params'])}: its loop was held up to "
                             f"{fmt_time(b.lag_max)} at a time against {fmt_time(g.lag_max)}, "
                             f"and busy {b.loop_busy:.0%} of the run against "
                             f"{g.loop_busy:.0%}.")
        self.add("", f"Lags under {LAG_FLOOR_MS:g} ms are drawn at {LAG_FLOOR_MS:g} ms (the "
                 "log scale has no 0).", "")

    # -- the server --

    def server_sweep(self, sweep, variables):
        """Writes the server chart's data of one sweep and its variables;
        returns [(model, x, max_in_flight, could_have)] of its runs."""
        group = self.res.groups.get(sweep)
        points, threads_at = [], {}
        for model in self.res.models:
            rows = []
            for point in (group["points"] if group else []):
                stat = self.res.stat(model, point)
                if stat is None or stat.max_in_flight is None:
                    continue
                could = in_flight(model, group["params"], sweep, point["value"])
                rows.append((point["value"], max(stat.max_in_flight, 0.8), could))
                points.append((model, point["value"], stat.max_in_flight, could))
                threads_at[point["value"]] = stat.server_threads
            write_dat(self.charts.data(f"server-{sweep}-{model}.dat"), rows,
                      "x max_in_flight could_have")
        threads = sorted(threads_at.items())
        write_dat(self.charts.data(f"server-{sweep}-threads.dat"), threads, "x threads")
        values = [p["value"] for p in group["points"]] if group else [1]
        variables[f"title_{sweep}"] = f"{sweep} sweep" if group is None else \
            f"{sweep} sweep: {describe(dict(group['params'], **SWEPT[sweep]), self.dishes)}"
        variables[f"xmin_{sweep}"], variables[f"xmax_{sweep}"] = log_range(values)
        top = max([t for _, t in threads] + values + [1])
        variables[f"ymax_{sweep}"] = 10 ** math.ceil(math.log10(top * 20))
        return points

    def chart_server(self):
        """Was the server ever the bottleneck? Its max_in_flight in each run."""
        variables, drawn, short = {}, [], []
        for sweep in ("count", "window"):
            points = self.server_sweep(sweep, variables)
            if points:
                drawn.append(sweep)
            short += [(sweep, m, x, held, could) for m, x, held, could in points
                      if held < could / SAME_WITHIN]
        used = [r for r in self.res.rows
                if r["server_threads"] and r["server_max_in_flight"] is not None]
        if not used:
            return
        variables.update({"models": " ".join(self.res.models), "data": self.charts.data("server"),
                          "sweeps": " ".join(drawn)})
        path = self.charts.render("server", "server.gp", "server", variables) if drawn else None
        self.add("## The server: was it ever the bottleneck?", "")
        self.figure(path, "Server max_in_flight against the load")
        self.add(*self.server_sentences(used, short), "")

    def server_sentences(self, used, short):
        at_limit = [r for r in used if r["server_max_in_flight"] >= r["server_threads"]]
        closest = max(used, key=lambda r: r["server_max_in_flight"] / r["server_threads"])
        if at_limit:
            lines = [f"In {len(at_limit)} of {len(used)} runs that used the server, it held as "
                     "many requests as it had threads: there it may have been the bottleneck "
                     f"(e.g. {at_limit[0]['model']} `{at_limit[0]['args']}`)."]
        else:
            lines = [f"In none of the {len(used)} runs that used the server did it hold as many "
                     "requests as it had threads. The most it held at once was "
                     f"{max(r['server_max_in_flight'] for r in used):,}; the closest to its limit "
                     f"was {closest['model']} `{closest['args']}` with "
                     f"{closest['server_max_in_flight']:,} of {closest['server_threads']:,} threads."]
        if short:
            lines.append("")
        for sweep, model, x, held, could in short:
            lines.append(f"- {sweep} sweep, {model} at {x:,}: the server held at most {held:,} "
                         f"requests at once, fewer than the {could:,} the client could have had "
                         "in flight.")
        return lines

    # -- chart 4 --

    def chart_cost(self):
        group = self.res.groups.get("count")
        if not group:
            return
        lines, refs = [], []
        references = self.res.references if group.get("references") else []
        for model in self.res.models + references:
            rows = []
            for point in group["points"]:
                stat = self.res.stat(model, point)
                if stat and stat.rss_kb is not None:
                    rows.append((point["value"], stat.rss_kb / 1024,
                                 max(stat.cpu_ms or 0, 1) / 1000))
            is_ref = model in references
            write_dat(self.charts.data(f"cost-{'ref-' if is_ref else ''}{model}.dat"), rows,
                      "n rss_mib cpu_s")
            if rows:
                refs += [model] if is_ref else []
                (n0, r0, c0), (n1, r1, c1) = rows[0], rows[-1]
                lines.append(f"- {model}{' (reference)' if is_ref else ''}: from N={n0:,} to "
                             f"N={n1:,} its peak memory went from {r0:.1f} to {r1:.1f} MiB "
                             f"({fmt_ratio(r1 / r0)}) and its CPU time from "
                             f"{fmt_time(c0 * 1000)} to {fmt_time(c1 * 1000)}.")
        xmin, xmax = log_range([p["value"] for p in group["points"]])
        path = None if not lines else self.charts.render("cost", "cost.gp", "cost", {
            "models": " ".join(self.res.models), "data": self.charts.data("cost"),
            "refs": " ".join(refs), "xmin": xmin, "xmax": xmax})
        self.add("## Chart 4: what each model costs as the work grows", "")
        self.figure(path, "Peak memory and CPU time against N")
        self.add(*lines, "", "CPU times below 1 ms are drawn at 1 ms (the log scale has no 0).", "")
        self.chart_task_cost()

    # -- the cost of one waiting task --

    def task_costs(self):
        """{model: TaskCost} of the models with two count points or more
        (the models only: the reference clients have their own sentence)."""
        costs = {model: self.res.task_cost(model) for model in self.res.models}
        return {model: cost for model, cost in costs.items() if cost is not None}

    def chart_task_cost(self):
        group = self.res.groups.get("count")
        if not group:
            return
        rows = []
        # sync is left out: it never has more than one task waiting, and its
        # slope is noise (the table and the text say so).
        waiters = [(m, c) for m, c in self.costs.items() if m in WAITER]
        for x, (model, cost) in enumerate(waiters):
            rows.append((x, model, *cost.parts(), cost.rss_kb, max(cost.user_us, 0),
                         max(cost.sys_us, 0), f"{cost.rss_kb:.1f} KB", f"{cost.cpu_us:.0f} µs"))
        write_dat(self.charts.data("cost-task.dat"), rows,
                  "x model " + " ".join(f"part_{k}" for k in range(1, 4)) +
                  " rss_kb user_us sys_us mem_label cpu_label")
        path = None
        if rows:
            mem_top = max(max(sum(r[2:5]), r[5]) for r in rows)
            cpu_top = max(r[6] + r[7] for r in rows)
            path = self.charts.render("cost-task", "cost-task.gp", "cost-task", {
                "data": self.charts.data("cost-task"), "xmax": len(rows) - 0.4, "bw": 0.6,
                "chart_title": f"The cost of one waiting task: slopes over the count sweep "
                               f"(fetch at {latency_words(group['params'])}, all N at once)",
                "mem_max": 1.2 * mem_top if mem_top > 0 else 1,
                "cpu_max": 1.2 * cpu_top if cpu_top > 0 else 1,
                **{f"part_title_{k}": name for k, name in enumerate(MEMORY_PARTS, start=1)}})
        self.add("### The cost of one waiting task", "",
                 "For each model, what one more task adds: the slope of a least-squares line "
                 "through the count sweep's medians against the most tasks the model let "
                 "wait at once (its concurrency: N, but the threads it could start for "
                 "async_threads past the open-files limit), so that what a run costs "
                 "whatever its N (the program, libcurl's and libuv's set-up) drops out. The "
                 "memory bar is split into measured parts: the stack a thread or coroutine "
                 "touched, on average (stack_touched_avg_kb at the largest N, counted by "
                 "mincore), the model's own state per task (task_state_bytes, its struct's "
                 "size), and what the peak-RSS slope holds besides: libcurl's easy handle, "
                 "its connection and its receive buffer above all, with the allocator's "
                 "overhead (clamped at 0, so the bar can stand above the peak-RSS slope, "
                 "drawn as a black dash). KB are 1,024 bytes.", "")
        self.figure(path, "Memory and CPU time per waiting task, per model")
        if not rows:
            return
        self.add("| model | N | peak RSS / task | " + " | ".join(MEMORY_PARTS) +
                 " | CPU / task (user + system) |", "|---|---|" + "---:|" * 5)
        for model, cost in self.costs.items():
            parts = " | ".join(f"{v:.1f} KB" for v in cost.parts())
            self.add(f"| {model} | {cost.counts[0]:,} to {cost.counts[-1]:,} | "
                     f"{cost.rss_kb:.1f} KB | {parts} | {cost.cpu_us:.0f} µs "
                     f"({cost.user_us:.0f} + {cost.sys_us:.0f}) |")
        self.add("", *self.task_cost_sentences(), "")

    def task_cost_sentences(self):
        """A paragraph a learner can quote: what a thread, a coroutine and a
        callback's state cost per waiting task, from the figures."""
        lines = []
        for model, cost in self.costs.items():
            stack, state, rest = cost.parts()
            if model in WAITER:
                details = []
                if cost.stack_kb is not None:
                    details.append(f"{stack:.1f} KB of stack it touched")
                if cost.state_kb is not None:
                    details.append(f"{state:.2f} KB of the model's own state")
                details.append(f"{rest:.1f} KB of libcurl's handle and connection and the rest")
                # A negative part of the CPU time is noise (the kernel
                # charges user and system time by sampling): no split then.
                kernel = (f"; {cost.sys_us:.0f} µs of the CPU time is the kernel's"
                          if cost.user_us >= 0 and cost.sys_us >= 0 else "")
                lines.append(f"- {WAITER[model]} ({model}) costs {cost.rss_kb:.1f} KB of memory "
                             f"and {cost.cpu_us:.0f} µs of CPU time per waiting task: "
                             f"{', '.join(details)}{kernel}.")
            elif model == "sync":
                # Its peak memory does not grow with N: the slope is noise
                # around zero, and not a cost to quote.
                lines.append(f"- sync keeps one task at a time, so a larger N adds no waiting "
                             f"task and no memory (a slope of {cost.rss_kb:.1f} KB per task is "
                             f"noise); each more task adds {cost.cpu_us:.0f} µs of CPU time, "
                             "the request's own work.")
        waiting = {m: c for m, c in self.costs.items() if m in WAITER and c.rss_kb > 0}
        if len(waiting) > 1:
            least = min(waiting, key=lambda m: waiting[m].rss_kb)
            others = [f"{WAITER[m].lower()} {fmt_ratio(c.rss_kb / waiting[least].rss_kb)}"
                      for m, c in waiting.items() if m != least]
            lines.append(f"\nAgainst {WAITER[least].lower()} ({least}), the cheapest way to "
                         f"wait here, {' and '.join(others)} the memory per waiting task.")
        silent = []
        for model, cost in self.costs.items():
            keys = [key for key, value in (("task_state_bytes", cost.state_kb),) if value is None]
            if keys:
                silent.append(f"{model} ({', '.join(keys)})")
        if silent:
            lines.append(f"\nNot reported, so counted in the rest: {'; '.join(silent)}.")
        return lines

    # -- against plain clients, and the targets --

    def reference_missing(self):
        """Why there are no reference figures, or None when there are."""
        ref = self.res.reference
        if ref is None:
            return "this bench ran no reference step"
        if ref["skipped"]:
            return f"the reference step was skipped: {ref['skipped']}"
        if not self.res.reference_records:
            return f"scripts/reference.py failed (status {ref['status']}: {ref['error']})"
        return None

    def reference_words(self):
        """The reference step's workload in words."""
        params = self.res.reference["params"]
        return (f"fetch {params['count']} items at {params['latency_ms']} ms beside "
                f"bin/plain_pool, download {params['count']} blobs of "
                f"{fmt_size(parse_size(params['size']))} at {params['latency_ms']} ms beside "
                f"curl --parallel; {params['runs']} counted run(s) after a warm-up")

    def section_reference(self):
        self.add("## Against plain clients", "",
                 "The models beside reference clients on one server of their own, "
                 "interleaved round by round (`scripts/reference.py`), each client timed as a "
                 "whole process, start to exit; the ratio is to the reference's median. "
                 "The data: [reference.json](reference.json).", "")
        missing = self.reference_missing()
        ref = self.res.reference
        if ref is not None and not ref["skipped"]:
            self.add(f"Run: {self.reference_words()}.", "")
        if missing:
            self.add(f"No figures: {missing}.", "")
            return
        if ref["status"] != 0:
            self.add(f"scripts/reference.py failed (status {ref['status']}: {ref['error']}); "
                     "what it printed is below.", "")
        self.add("| comparison | client | median, whole process | its own wall_ms | "
                 "/ reference | failed runs |", "|---|---|---:|---:|---:|---:|")
        for rec in self.res.reference_records:
            client = f"{rec['client']} (reference)" if rec["client"] == rec["reference"] \
                else rec["client"]
            self.add(f"| {rec['comparison']} | {client} | {fmt_time(rec['whole_ms'])} | "
                     f"{fmt_time(rec['wall_ms'])} | {rec['ratio']:.3f}x | "
                     f"{rec['failed_runs']} of {rec['runs']} |")
        self.add("")

    def speed_target(self, comparison, client, against, tolerance):
        """(target, measured, verdict) of a speed target, from reference.json."""
        size = fmt_size(parse_size(TARGET_WORKLOAD["size"]))
        what = f"{TARGET_WORKLOAD['count']} x {TARGET_WORKLOAD['latency_ms']} ms" + \
            (f", {size} each" if comparison == "download" else "")
        target = f"{comparison} {what}: {client} within {tolerance:.0%} of {against}"
        missing = self.reference_missing()
        mine = self.res.reference_record(comparison, client)
        theirs = self.res.reference_record(comparison, against)
        if missing or mine is None or theirs is None:
            return target, f"not measured: {missing or 'no record of ' + (client if mine is None else against)}", \
                "not measured"
        measured_ratio = mine["whole_ms"] / theirs["whole_ms"]
        measured = (f"{measured_ratio:.3f}x: {fmt_time(mine['whole_ms'])} against "
                    f"{fmt_time(theirs['whole_ms'])}")
        failed = [f"{r['client']} {r['failed_runs']} of {r['runs']}" for r in (mine, theirs)
                  if r["failed_runs"]]
        if failed:
            return target, measured + f"; failed runs: {', '.join(failed)}", "not judged"
        return target, measured, "met" if measured_ratio <= 1 + tolerance else "not met"

    def memory_target(self, model, limit_kb, plus_stack):
        """(target, measured, verdict) of a memory target, from the count sweep."""
        target = (f"fetch 10,000 at once: {model} at most "
                  f"{'its touched stack + ' if plus_stack else ''}{limit_kb} KB per waiting request")
        cost = self.costs.get(model)
        if cost is None:
            return target, "not measured: fewer than two points of the count sweep", "not measured"
        measured = (f"{cost.rss_kb:.1f} KB per task (peak RSS slope, N = {cost.counts[0]:,} "
                    f"to {cost.counts[-1]:,})")
        if plus_stack:
            if cost.stack_kb is None:
                return target, measured + "; no stack_touched_avg_kb reported", "not judged"
            limit_kb += cost.stack_kb
            measured += (f" against {cost.stack_kb:.1f} + {limit_kb - cost.stack_kb:g} = "
                         f"{limit_kb:.1f} KB")
        return target, measured, "met" if cost.rss_kb <= limit_kb else "not met"

    def section_targets(self):
        """Issue 10's targets, each with its measured figure and verdict."""
        rows = [self.speed_target(*t) for t in SPEED_TARGETS] + \
            [self.memory_target(*t) for t in MEMORY_TARGETS]
        self.add("## Targets", "",
                 "Issue 10's targets, each judged from this run's data: the speed targets from "
                 "the whole-process medians of [Against plain clients](#against-plain-clients), "
                 "the memory targets from the slope of peak RSS over the count sweep "
                 "([The cost of one waiting task](#the-cost-of-one-waiting-task)).", "")
        notes = []
        ref = self.res.reference
        if ref is not None and not ref["skipped"]:
            params = {k: ref["params"][k] for k in TARGET_WORKLOAD}
            if params != TARGET_WORKLOAD:
                notes.append(f"the reference step ran {self.reference_words()}")
        group = self.res.groups.get("count")
        largest = group["points"][-1]["value"] if group else None
        if largest is not None and largest < SERVER_THREADS_MAX:
            notes.append(f"the count sweep went up to N = {largest:,}")
        if notes:
            self.add(f"This {self.meta['mode']} plan measured less than the targets speak of: "
                     f"{'; '.join(notes)}. The verdicts below are indicative only.", "")
        self.add("| target | measured | verdict |", "|---|---|---|")
        for target, measured, verdict in rows:
            self.add(f"| {target} | {measured} | {verdict} |")
        met = sum(1 for _, _, verdict in rows if verdict == "met")
        unmet = [target.split(": ", 1)[1] for target, _, verdict in rows if verdict == "not met"]
        summary = f"{met} of {len(rows)} targets met"
        if unmet:
            summary += "; not met: " + "; ".join(unmet)
        self.add("", summary + ".", "")

    # -- the rest --

    def skipped_and_errors(self):
        self.add("## Skipped and failed runs", "")
        seen = set()
        for group in self.meta["groups"]:
            for point in group["points"]:
                for model, entry in point["models"].items():
                    key = (model, entry["args"])
                    if entry["skipped"] and key not in seen:
                        seen.add(key)
                        self.add(f"- skipped: {model} `{entry['args']}`: {entry['skipped']}")
        for row in self.res.rows:
            if str(row["status"]) != "0":
                self.add(f"- {row['model']} `{row['args']}` run {row['run']}: status "
                         f"{row['status']}, {row['failed']} failed ({row['failures'] or row['error']})")
        for name, facts in self.res.ref_clients.items():
            if facts.get("skipped"):
                self.add(f"- skipped: {name} (a reference client), every run: {facts['skipped']}")
        for error in self.meta.get("errors", []):
            self.add(f"- error: {error}")
        if len(self.lines) and self.lines[-1] == "":
            self.add("Nothing was skipped and no run failed.")
        self.add("")

    def metadata(self):
        meta, machine, soft = self.meta, self.meta["machine"], self.meta["software"]
        git = meta["git"]
        self.add("## How this was measured", "",
                 "| | |", "|---|---|",
                 f"| command | `{meta['command']}` (plan: {meta['mode']}) |",
                 f"| started, duration | {meta['started']}, {meta['duration_s'] / 60:.1f} min |",
                 f"| runs | {meta['warmups_per_config']} warm-up + {meta['runs_per_config']} counted per "
                 "configuration and model, the models interleaved run by run |",
                 f"| skip rule | a run estimated over {meta['skip_limit_s']:g} s is skipped, not cut |",
                 f"| CPU | {machine['cpu_model']}, {machine['cores']} core(s), "
                 f"{machine['memory_kb'] / 1048576:.1f} GiB |",
                 f"| kernel | {machine['kernel']}; pid_max {machine['pid_max']:,}; open files "
                 f"{machine['nofile_hard']:,} |",
                 f"| compiler | {soft['compiler']} |",
                 f"| libraries | libcurl {soft['libcurl']}, libuv {soft['libuv'] or 'n/a'}, "
                 f"cJSON {soft['cjson']}, civetweb {soft['civetweb'] or 'n/a'} |",
                 f"| tools | {soft['gnuplot']}, Python {soft['python']} |",
                 f"| git commit | {git['commit']}{' (with uncommitted changes)' if git['dirty'] else ''} |",
                 (f"| server | {self.external} (given by --url; not started by the bench) |"
                  if self.external else
                  f"| server | bin/mock_server, keep-alive {meta['server']['keep_alive']}, threads "
                  f"per start: {', '.join(map(str, meta['server']['threads_started'])) or 'none'} |"),
                 f"| models | {', '.join(self.res.models)} |",
                 *([f"| reference clients (not models) | " + "; ".join(
                     f"{name}: " + (f"not run ({facts['skipped']})" if facts.get("skipped")
                                    else facts.get("version") or "ran")
                     for name, facts in self.res.ref_clients.items()) + " |"]
                   if self.res.ref_clients else []), "",
                 "The data: [runs.csv](runs.csv) (one row per counted run), "
                 "[meta.json](meta.json), and traces/ (the per-task trace of the median "
                 "headline runs).", "")

    def build(self):
        meta = self.meta
        self.add("# Benchmark report: when does async I/O pay off?", "",
                 f"Generated by `scripts/report.py` from runs.csv and meta.json of the run "
                 f"started {meta['started']} ({meta['mode']} plan, {meta['duration_s'] / 60:.1f} "
                 f"min); do not edit by hand. Times are wall times of whole client runs.", "")
        if self.external:
            options = meta.get("options", {})
            self.add(f"**The server measured is {self.external}, not the mock server.** Only "
                     "the plan's plain fetch configurations ran (the headline fetch, the count "
                     "and window sweeps), each item checked with `--verify "
                     f"{options.get('verify') or 'id'}`"
                     + (f" at `--path {options['path']}`" if options.get("path") else "")
                     + ", at that server's own latency, which the bench does not set and does "
                     "not know: every ideal, and every ratio to one, is unknown. The reference "
                     "clients did not run.", "")
        self.costs = self.task_costs()
        self.section_targets()
        self.headline_tables()
        self.chart_walltime()
        self.section_claim()
        self.chart_timelines()
        self.chart_count()
        self.chart_latency()
        self.chart_window()
        self.chart_threads()
        self.section_processing()
        self.chart_server()
        self.section_reference()
        self.chart_cost()
        self.skipped_and_errors()
        self.metadata()
        return "\n".join(self.lines).rstrip() + "\n"


def loop_role(params):
    """What a loop model does with the processing in a configuration."""
    if params["workload"] == "cpu":
        return "computed on libuv's pool" if params.get("offload") else "computed on the loop"
    if params.get("blocking_process"):
        return "the pause as a blocking sleep"
    if params.get("process_ms"):
        return "the pause as a timer"
    return "processing " + processing_words(params).lstrip(", ")


def max_overlap(rows):
    """The most tasks of a trace running at the same moment."""
    events = []
    for row in rows:
        if row["start_ms"] is not None and row["end_ms"] is not None:
            events += [(row["start_ms"], 1), (row["end_ms"], -1)]
    events.sort(key=lambda e: (e[0], e[1]))    # an end before a start at the same time
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def in_flight(model, params, sweep, value):
    """What model could have in flight at a sweep point."""
    count = value if sweep == "count" else params["count"]
    if model == "sync":
        return 1
    window = value if sweep == "window" else params.get("concurrency") or count
    return min(count, window)


def headline_table(folder):
    """The headline as a fixed-width table for a terminal: a row per workload
    and model, then the reference clients' (not models) where they ran. The
    checksum column shows that every run of every model got the same data
    ('differs' if not; curl_parallel has none)."""
    res = Results(folder)
    row = "{:<24} {:<14} {:>9} {:>9} {:>9} {:>9} {:>7} {:>11}  {}"
    lines = [row.format("workload", "model", "median", "min", "max", "ideal", "ratio",
                        "ok/failed", "checksum")]
    for group in res.headline + res.processing:
        point = group["points"][0]
        for model in res.models + res.references_at(point):
            if model not in point["models"]:
                continue                # it does not take the entry's flags
            stat = res.stat(model, point)
            if stat is None:
                why = res.skipped(model, point) or "no run"
                lines.append(f"{group['name']:<24} {model:<14} not run: {why}")
                continue
            ideal = res.ideal(model, point)
            sums = {r["checksum"] for r in stat.rows if r["checksum"]}
            checksum = sums.pop() if len(sums) == 1 else "differs" if sums else "n/a"
            lines.append(row.format(
                group["name"], model, fmt_time(stat.median), fmt_time(stat.min),
                fmt_time(stat.max),
                fmt_time(ideal) if ideal else "unknown" if res.meta["server"].get("external") else "-",
                fmt_ratio(ratio(stat.median, ideal)) if ideal else "-",
                f"{stat.ok}/{stat.failed}", checksum))
    shown = [r for r in res.references if any(f" {r} " in line for line in lines[1:])]
    if shown:
        lines.append(f"({', '.join(shown)}: reference clients, not models)")
    return "\n".join(lines) + "\n"


def build(folder):
    """Makes charts/ and REPORT.md in folder from its runs.csv and meta.json."""
    check_gnuplot()
    results = Results(folder)
    with tempfile.TemporaryDirectory(prefix="report-") as data_dir:
        report = Report(results, Charts(folder, data_dir))
        text = report.build()
    write_whole(os.path.join(folder, "REPORT.md"), text)


def write_whole(path, text):
    """Replaces path with text, whole or not at all, as the clients write a
    trace: into a temporary file beside it whose name mkstemp makes unique
    (whatever the process id: in a container every run may be PID 1),
    renamed over path; a write that fails leaves nothing behind."""
    fd, tmp = tempfile.mkstemp(prefix=".aio-bench-", dir=os.path.dirname(path) or ".")
    try:
        # mkstemp makes it 0600; the file gets the mode open() would give it.
        umask = os.umask(0o022)
        os.umask(umask)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), 0o666 & ~umask)
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def main(argv):
    folder = argv[0] if argv else os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "results")
    if len(argv) > 1 or folder.startswith("-"):
        sys.stderr.write("usage: scripts/report.py [RESULTS_DIR]\n")
        return 2
    try:
        build(folder)
    except ReportError as err:
        sys.stderr.write(f"{PROGRAM}: {err}\n")
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
