#!/usr/bin/python3
"""check_report.py: what a run says about itself, recomputed from what it recorded.

    check_report.py SUMMARY [--trace CSV] [--trace-events JSON] [--log FILE]
                    [--progress FILE] [--concurrency C] [--threads N]
                    [--same OTHER_SUMMARY]
    check_report.py --percentile-of PROGRAM

SUMMARY is a client's summary on stdout, either form: the JSON object of
--json or the table for people. Each figure it gives is recomputed here from
the records, read independently of the C code that wrote them, by the
definitions of docs/summary.md (and client/summary.c, which follows them):

  count      the trace's rows, ids 1..count in order
  ok         rows completed or cached; cached: rows cached
  failed     the other rows; failures: those by their cause
  retries    the sum over rows of attempts - 1, where attempts > 1
  bytes      the bytes of the ok rows
  p50_ms ... max_ms  end_ms - start_ms of the rows that ran and ended
             (attempts > 0: not cached, not cancelled before they began),
             the nearest rank: the value of rank ceil(p/100 * n), from 1;
             0 when none ran. The trace has 3 decimals, so within 0.001 ms
             (0.0015 against the table, which has 3 decimals itself)
  checksum   XXH3-64 of docs/summary.md over the rows (through
             reference_checksum.py, the definition's one home in Python)
  wall_ms    at least the last end_ms: it covers the whole run
  concurrency  the most rows running at once (a row runs over
             [start_ms, end_ms); one that ends as another starts has made
             room for it) is at most concurrency, which is at most
             --concurrency C (when given) and at most the tasks the run had
             to run (count - cached, or 1 when none)
  cancelled  true where a row was cancelled

--trace-events JSON (the same run's): every event's args.thread is a pool
thread 1..pool_threads (at most pool_threads of them), or 0 where the
summary reports no pool; pool_threads equals concurrency; a cached row has
its mark "taken from the cache" and a row cancelled before it began "cancelled
before it started", and no other row has either.

--log FILE: the run's --verbose lines on stderr ("[  12.345 ms] task 7: ...")
in place of a trace, for a client that writes none (peers/python_asyncio)
and a run without --cache. The log's times come a moment after the records'
own, so its durations are held to 50 ms (a percentile of values each within
e is within e of theirs), and it has no checksums.

--progress FILE: what stderr showed on a terminal, holding the progress lines
of client/record.c, "MODEL: D of N tasks done, F failed, T s". With the
trace: each line names the model and the count, D counts the cached rows and
never all of them, T is 1.0 s or more, the lines come at least a second apart
(0.75 s, for T's rounding and a busy machine), and D and F count the rows
that had ended by then: no more than by T + 0.05 s (T has one decimal) and,
where one thread counts the tasks (no pool of more than one thread), no
fewer than by T - 0.05 s.

--concurrency C: the --concurrency the run was given.
--threads N: the most threads the process was seen with, in a run whose only
threads are the main one and a pool: the pool's size (pool_threads, else
uv_threadpool) is N - 1.
--same OTHER_SUMMARY: a summary of the same command again, in either form
(a table beside a JSON object): the same keys (but those only JSON has:
latency_ms, size_bytes, verify; and the rows a table shows only when they
apply: failures by cause, cached, cancelled) and the same values, but for
those measured afresh in each run (times, memory, the loop's health).

--percentile-of PROGRAM: loads the Python program (peers/python_asyncio)
and holds its percentile(sorted_values, p) to the nearest rank above for
every p from 0 to 100 and 0 to 200 values.

Prints one line per disagreement, "WHAT: the summary says X, the records Y",
and nothing when all agree. Exit status: 0 all agree, 1 some disagree,
2 a usage error or an input that cannot be read. Python 3 standard library
only, but for the checksum: reference_checksum.py needs python3-xxhash.
"""

import argparse
import csv
import importlib.machinery
import importlib.util
import json
import os
import re
import sys

sys.dont_write_bytecode = True   # importing reference_checksum leaves no __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))

TRACE_MS = 0.0005        # the trace's and the table's %.3f: half their last digit
PROGRESS_S = 0.05        # the progress line's %.1f
PROGRESS_GAP_S = 0.75    # the least gap between two progress lines, once a second
LOG_SLACK_MS = 50.0      # how long after a record's time its log line may come
PERCENTILES = (("p50_ms", 50), ("p90_ms", 90), ("p99_ms", 99), ("max_ms", 100))

# Keys a fresh run measures anew: equal in no two runs. The ring's counts
# too: how many requests and system calls a run takes depends on how its
# answers and timers fall into the loop's turns.
MEASURED = {"wall_ms", "user_ms", "sys_ms", "max_rss_kb", "p50_ms", "p90_ms", "p99_ms",
            "max_ms", "loop_busy", "loop_lag_p99_ms", "loop_lag_max_ms",
            "stack_touched_kb", "stack_touched_avg_kb",
            "ring_sqes", "ring_enters", "ring_sqes_per_task", "ring_enters_per_task",
            *(f"{key}_{p}_ms" for key in ("latency_from_start", "latency_from_intended",
                                          "start_late") for p in ("p50", "p99", "max"))}
# --rate's latencies from the actual start are the table's task p50, p99, max.
JSON_ONLY = {"latency_ms", "size_bytes", "verify",
             "latency_from_start_p50_ms", "latency_from_start_p99_ms", "latency_from_start_max_ms"}

CACHED_MARK = "taken from the cache"
CANCELLED_MARK = "cancelled before it started"


class InputError(Exception):
    """An input that cannot be read: exit 2."""


def nearest_rank(sorted_values, p):
    """The value of rank ceil(p/100 * n), counted from 1 (at least 1); 0.0 for none."""
    n = len(sorted_values)
    if n == 0:
        return 0.0
    rank = max(1, (p * n + 99) // 100)
    return sorted_values[min(rank, n) - 1]


# ---- The summary, either form ----

TABLE_LABELS = {"model": "model", "workload": "workload", "tasks": "count", "completed": "ok",
                "failed": "failed", "retries": "retries", "bytes": "bytes",
                "wall time": "wall_ms", "cpu user": "user_ms", "cpu sys": "sys_ms",
                "peak rss": "max_rss_kb", "task p50": "p50_ms", "task p90": "p90_ms",
                "task p99": "p99_ms", "task max": "max_ms", "cancelled": "cancelled",
                "checksum": "checksum", "rate": "rate",
                **{f"{label} {p}": f"{key}_{p}_ms" for label, key in
                   (("from intended", "latency_from_intended"), ("start late", "start_late"))
                   for p in ("p50", "p99", "max")}}
LABEL_WIDTH = 20


def number(text, what):
    """text as an int when it is one, else a float; InputError otherwise."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise InputError(f"{what}: '{text}' is not a number") from None


def parse_table(text):
    """The table for people as the JSON's keys: a row "  LABEL VALUE", the
    label padded to 20 columns; a row indented two more under "completed"
    (cached) or "failed" (a cause); the rows after "checksum" versions. It
    begins at its "model" row: cook tells of its dishes on stdout before it."""
    summary = {"failures": {}, "versions": {}, "cancelled": False, "_table": True}
    after_checksum = False
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("  model ")]
    if not starts:
        raise InputError("no table: no row 'model'")
    for line in lines[starts[-1]:]:
        if not line.strip():
            continue
        if not line.startswith("  ") or len(line) < LABEL_WIDTH + 3 or line[LABEL_WIDTH + 2] != " ":
            raise InputError(f"the table's line '{line}' is not a row")
        label, value = line[2:LABEL_WIDTH + 2].rstrip(), line[LABEL_WIDTH + 3:].strip()
        if after_checksum:
            summary["versions"][label.lower()] = value
        elif label == "  from the cache":
            summary["cached"] = number(value, label)
        elif label.startswith("  "):
            summary["failures"][label.strip()] = number(value, label)
        elif label in ("model", "workload", "checksum"):
            summary[TABLE_LABELS[label]] = value
            after_checksum = label == "checksum"
        elif label == "cancelled":
            summary["cancelled"] = value == "yes"
        elif label == "wall time":
            match = re.fullmatch(r"([0-9.]+) ms \(([0-9.]+) s\)", value)
            if match is None:
                raise InputError(f"the wall time '{value}' is not 'X ms (Y s)'")
            summary["wall_ms"] = float(match[1])
            summary["_wall_s"] = float(match[2])
        elif label in TABLE_LABELS:
            summary[TABLE_LABELS[label]] = number(
                value.removesuffix(" ms").removesuffix(" kB").removesuffix(" tasks/s"), label)
        else:   # the model's facts: "pool threads" is pool_threads
            summary[label.replace(" ", "_")] = number(value, label)
    return summary


def read_summary(path):
    """The summary in path, the JSON object or the table, as one dict."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    if text.lstrip().startswith("{"):
        try:
            summary = json.loads(text)
        except ValueError as exc:
            raise InputError(f"{path}: not one JSON object: {exc}") from None
        if not isinstance(summary, dict):
            raise InputError(f"{path}: not one JSON object")
        summary["versions"] = {k.lower(): v for k, v in summary.get("versions", {}).items()}
        return summary
    return parse_table(text)


# ---- The records ----

class Row:
    """One task as the trace (or the log) tells it."""

    def __init__(self, ident):
        self.id = ident
        self.state = "pending"
        self.start_ms = self.end_ms = 0.0
        self.attempts = 0
        self.bytes = 0
        self.checksum = 0
        self.cause = "none"

    @property
    def ok(self):
        return self.state in ("completed", "cached")

    @property
    def ran(self):
        """Began and ended: it has a duration."""
        return self.attempts > 0 and self.state in ("completed", "failed")

    @property
    def ended(self):
        """Ended in this run, counted by the progress line as it did."""
        return self.state in ("completed", "failed")


def read_trace(path):
    """The rows of a --trace CSV, in file order."""
    rows = []
    try:
        with open(path, newline="", encoding="utf-8") as f:
            for record in csv.DictReader(f):
                row = Row(int(record["id"]))
                row.state = record["state"]
                row.start_ms = float(record["start_ms"])
                row.end_ms = float(record["end_ms"])
                row.attempts = int(record["attempts"])
                row.bytes = int(record["bytes"])
                row.checksum = int(record["checksum"], 16)
                row.cause = record["cause"]
                rows.append(row)
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}: not a trace of the documented columns: {exc}") from None
    return rows


LOG_LINE = re.compile(r"\[\s*([0-9.]+) ms\] task ([0-9]+): (.*)")


def read_log(path, count):
    """Rows 1..count as the --verbose lines tell them; a task with no line
    stays pending."""
    rows = {ident: Row(ident) for ident in range(1, count + 1)}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    for line in lines:
        match = LOG_LINE.fullmatch(line.strip())
        if match is None or int(match[2]) not in rows:
            continue
        at_ms, row, event = float(match[1]), rows[int(match[2])], match[3]
        if (start := re.fullmatch(r"start \(attempt ([0-9]+)\)", event)) is not None:
            row.attempts = max(row.attempts, int(start[1]))
            if int(start[1]) == 1:
                row.start_ms = at_ms
            row.state = "running"
        elif (done := re.fullmatch(r"completed, ([0-9]+) bytes", event)) is not None:
            row.state, row.end_ms, row.bytes, row.cause = "completed", at_ms, int(done[1]), "none"
        elif (failed := re.match(r"failed \(([a-z_]+)\)", event)) is not None:
            row.state, row.end_ms, row.cause = "failed", at_ms, failed[1]
        elif event == "cancelled":
            if row.attempts == 0:
                row.start_ms = at_ms
            row.state, row.end_ms, row.cause = "failed", at_ms, "cancelled"
    return [rows[ident] for ident in sorted(rows)]


def most_running(rows):
    """The most rows running at one time, over [start_ms, end_ms) of each
    row that ran: at a tie, an end comes before a start."""
    edges = sorted([(r.start_ms, 1) for r in rows if r.ran] + [(r.end_ms, 0) for r in rows if r.ran])
    running = most = 0
    for _, is_start in edges:
        running += 1 if is_start else -1
        most = max(most, running)
    return most


# ---- The checks ----

class Report:
    """The disagreements found, one line each."""

    def __init__(self):
        self.lines = []

    def say(self, line):
        self.lines.append(line)

    def compare(self, what, said, recomputed, source="the records"):
        if said != recomputed:
            self.say(f"{what}: the summary says {said}, {source} {recomputed}")


def check_counts(report, summary, rows, source):
    """count, ok, cached, failed, failures, retries, bytes, cancelled."""
    report.compare("count", summary.get("count"), len(rows), source)
    if [r.id for r in rows] != list(range(1, len(rows) + 1)):
        report.say(f"{source}: the ids are not 1..{len(rows)} in order")
    report.compare("ok", summary.get("ok"), sum(r.ok for r in rows), source)
    report.compare("cached", summary.get("cached", 0),
                   sum(r.state == "cached" for r in rows), source)
    report.compare("failed", summary.get("failed"), sum(not r.ok for r in rows), source)
    causes = {}
    for r in rows:
        if not r.ok:
            causes[r.cause] = causes.get(r.cause, 0) + 1
    failures = summary.get("failures", {})
    for cause in sorted(set(causes) | set(failures)):
        if cause != "none" or failures.get(cause):
            report.compare(f"failures.{cause}", failures.get(cause, 0), causes.get(cause, 0), source)
    report.compare("retries", summary.get("retries"),
                   sum(r.attempts - 1 for r in rows if r.attempts > 1), source)
    report.compare("bytes", summary.get("bytes"), sum(r.bytes for r in rows if r.ok), source)
    if any(r.cause == "cancelled" for r in rows) and summary.get("cancelled") is not True:
        report.compare("cancelled", summary.get("cancelled"), "a cancelled task", source)


def check_times(report, summary, rows, slack_ms, source):
    """The percentiles of the durations, and the wall time over them."""
    if "_table" in summary:
        slack_ms += TRACE_MS     # the table rounds them once more
    durations = sorted(r.end_ms - r.start_ms for r in rows if r.ran)
    for key, p in PERCENTILES:
        said, recomputed = summary.get(key), nearest_rank(durations, p)
        if not isinstance(said, (int, float)) or abs(said - recomputed) > slack_ms:
            report.say(f"{key}: the summary says {said}, {source} {recomputed:.3f} "
                       f"(the nearest rank of {len(durations)} durations)")
    last_end_ms = max((r.end_ms for r in rows if r.ended), default=0.0)
    wall_ms = summary.get("wall_ms")
    if not isinstance(wall_ms, (int, float)) or wall_ms < last_end_ms - slack_ms:
        report.say(f"wall_ms: the summary says {wall_ms}, but {source} end at {last_end_ms:.3f} ms")
    if "_wall_s" in summary and abs(summary["_wall_s"] - wall_ms / 1000) > TRACE_MS + 1e-9:
        report.say(f"wall time: {wall_ms} ms is not {summary['_wall_s']} s")
    for key in ("user_ms", "sys_ms"):
        if not isinstance(summary.get(key), (int, float)) or summary[key] < 0:
            report.say(f"{key}: the summary says {summary.get(key)}, not a time")


def check_checksum(report, summary, rows):
    try:
        sys.path.insert(0, HERE)
        from reference_checksum import run_checksum
    except ImportError as exc:
        report.say(f"checksum: cannot be recomputed: {exc}")
        return
    ordered = sorted(rows, key=lambda r: r.id)
    recomputed = run_checksum([(r.id, r.ok, r.checksum) for r in ordered])
    report.compare("checksum", summary.get("checksum"), f"{recomputed:016x}", "the trace")


def check_concurrency(report, summary, rows, asked, source):
    """The tasks running at once, the concurrency key, and the pool."""
    concurrency = summary.get("concurrency")
    if not isinstance(concurrency, int):
        report.say(f"concurrency: the summary says {concurrency}, not a count")
        return
    most = most_running(rows)
    if most > concurrency:
        report.say(f"concurrency: the summary says {concurrency}, but {source} have "
                   f"{most} tasks running at once")
    if asked and most > asked:
        report.say(f"concurrency: {source} have {most} tasks running at once, "
                   f"over --concurrency {asked}")
    if asked and concurrency > asked:
        report.say(f"concurrency: the summary says {concurrency}, over --concurrency {asked}")
    to_run = max(1, sum(r.state != "cached" for r in rows))
    if concurrency > to_run:
        report.say(f"concurrency: the summary says {concurrency}, but the run had "
                   f"{to_run} task(s) to run")
    if concurrency < 1:
        report.say(f"concurrency: the summary says {concurrency}, less than one task at a time")
    if "pool_threads" in summary:
        report.compare("pool_threads", summary["pool_threads"], concurrency,
                       "and concurrency, the pool's size, says")


def check_trace_events(report, summary, rows, path):
    """The threads that ran the tasks against the pool, and the marks of the
    tasks that never ran against the trace."""
    try:
        with open(path, encoding="utf-8") as f:
            events = json.load(f)["traceEvents"]
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not a trace of events: {exc}") from None
    threads = {e["args"]["thread"] for e in events if e.get("ph") == "X"}
    pool = summary.get("pool_threads")
    if pool is None:
        if threads - {0}:
            report.say(f"trace events: threads {sorted(threads - {0})} ran tasks, "
                       "where the summary reports no pool")
    else:
        if any(not 1 <= t <= pool for t in threads):
            report.say(f"pool_threads: the summary says {pool}, the trace events have "
                       f"threads {sorted(threads)}")
        elif len(threads) > pool:
            report.say(f"pool_threads: the summary says {pool}, the trace events have "
                       f"{len(threads)} threads")
    marks = {CACHED_MARK: set(), CANCELLED_MARK: set()}
    for e in events:
        if e.get("ph") == "i" and e.get("name") in marks:
            marks[e["name"]].add(e["tid"])
    expected = {CACHED_MARK: {r.id for r in rows if r.state == "cached"},
                CANCELLED_MARK: {r.id for r in rows
                                 if r.attempts == 0 and r.cause == "cancelled"}}
    for name, tids in marks.items():
        if tids != expected[name]:
            report.say(f"trace events: '{name}' marks tasks {sorted(tids)}, "
                       f"the trace {sorted(expected[name])}")


PROGRESS_LINE = re.compile(r"([A-Za-z_0-9]+): ([0-9]+) of ([0-9]+) tasks done, "
                           r"([0-9]+) failed, ([0-9]+\.[0-9]) s")


def check_progress(report, summary, rows, path):
    """The progress lines against the trace; see the module's text."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = PROGRESS_LINE.findall(f.read())
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    cached = sum(r.state == "cached" for r in rows)
    one_counter = summary.get("pool_threads", 1) <= 1
    previous_s = None
    for name, done, total, failed, at in lines:
        done, total, failed, at_s = int(done), int(total), int(failed), float(at)
        line = f"progress '{name}: {done} of {total} tasks done, {failed} failed, {at} s'"
        if name != summary.get("model") or total != len(rows):
            report.say(f"{line}: not the model {summary.get('model')} with {len(rows)} tasks")
        if not cached < done < total:
            report.say(f"{line}: done is not between the {cached} cached and all")
        if at_s < 1.0:
            report.say(f"{line}: printed before a second had passed")
        if previous_s is not None and at_s - previous_s < PROGRESS_GAP_S:
            report.say(f"{line}: {at_s - previous_s:.1f} s after the line before")
        previous_s = at_s
        late_ms, early_ms = (at_s + PROGRESS_S) * 1000 + TRACE_MS, (at_s - PROGRESS_S) * 1000 - TRACE_MS
        ended_by = sum(r.ended and r.end_ms <= late_ms for r in rows if r.state != "cached")
        failed_by = sum(r.state == "failed" and r.end_ms <= late_ms for r in rows)
        if done - cached > ended_by or failed > failed_by:
            report.say(f"{line}: only {ended_by} tasks ({failed_by} failed) of the trace "
                       f"had ended by {late_ms / 1000:.2f} s, and {cached} were cached")
        if one_counter:
            ended_before = sum(r.ended and r.end_ms < early_ms for r in rows if r.state != "cached")
            failed_before = sum(r.state == "failed" and r.end_ms < early_ms for r in rows)
            if done - cached < ended_before or failed < failed_before:
                report.say(f"{line}: {ended_before} tasks ({failed_before} failed) of the trace "
                           f"had ended by {early_ms / 1000:.2f} s, and {cached} were cached")


def check_threads(report, summary, threads):
    """The pool's size against the threads the process was seen with."""
    key = "pool_threads" if "pool_threads" in summary else "uv_threadpool"
    if key not in summary:
        report.say(f"threads: the process had {threads}, the summary reports no pool")
        return
    report.compare(key, summary[key], threads - 1,
                   f"and the process had {threads} threads: the main one and a pool of")


def check_same(report, summary, other):
    """Two summaries of one command: the same keys and the same values,
    but those measured anew in each run."""
    def keys(s):
        return {k for k in s if not k.startswith("_")} - JSON_ONLY - {"failures", "versions",
                                                                     "cached", "cancelled"}
    for key in sorted(keys(summary) ^ keys(other)):
        report.say(f"{key}: only one of the two summaries has it")
    for key in sorted((keys(summary) & keys(other)) - MEASURED):
        report.compare(key, summary[key], other[key], "the other summary")
    for key in ("cached", "cancelled"):
        report.compare(key, summary.get(key, 0 if key == "cached" else False),
                       other.get(key, 0 if key == "cached" else False), "the other summary")
    mine, theirs = summary.get("failures", {}), other.get("failures", {})
    for cause in sorted(set(mine) | set(theirs)):
        report.compare(f"failures.{cause}", mine.get(cause, 0), theirs.get(cause, 0),
                       "the other summary")
    report.compare("versions", summary.get("versions"), other.get("versions"),
                   "the other summary")


def check_percentile_of(report, program):
    """The program's percentile() against the nearest rank."""
    loader = importlib.machinery.SourceFileLoader("checked_program", program)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    for n in range(201):
        values = list(range(1, n + 1))
        for p in range(101):
            said, recomputed = module.percentile(values, p), nearest_rank(values, p)
            if said != recomputed:
                report.say(f"{program}: percentile of 1..{n} at {p}: {said}, "
                           f"the nearest rank {recomputed}")
                return


def main(argv):
    parser = argparse.ArgumentParser(prog="check_report.py", description=__doc__.split("\n")[0])
    parser.add_argument("summary", nargs="?")
    parser.add_argument("--trace")
    parser.add_argument("--trace-events")
    parser.add_argument("--log")
    parser.add_argument("--progress")
    parser.add_argument("--concurrency", type=int, default=0)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--same")
    parser.add_argument("--percentile-of")
    args = parser.parse_args(argv)
    report = Report()
    try:
        if args.percentile_of:
            check_percentile_of(report, args.percentile_of)
        if args.summary is None:
            if not args.percentile_of:
                parser.error("a summary to check, or --percentile-of PROGRAM")
        else:
            summary = read_summary(args.summary)
            rows, source = None, None
            if args.trace:
                rows, source = read_trace(args.trace), "the trace"
            elif args.log:
                if not isinstance(summary.get("count"), int):
                    raise InputError(f"{args.summary}: no count of tasks")
                rows, source = read_log(args.log, summary["count"]), "the log"
            if rows is not None:
                check_counts(report, summary, rows, source)
                check_times(report, summary, rows,
                            2 * TRACE_MS + 1e-6 if args.trace else LOG_SLACK_MS, source)
                check_concurrency(report, summary, rows, args.concurrency, source)
                if args.trace:
                    check_checksum(report, summary, rows)
            if args.trace_events:
                if not args.trace:
                    parser.error("--trace-events needs the same run's --trace")
                check_trace_events(report, summary, rows, args.trace_events)
            if args.progress:
                if not args.trace:
                    parser.error("--progress needs the same run's --trace")
                check_progress(report, summary, rows, args.progress)
            if args.threads is not None:
                check_threads(report, summary, args.threads)
            if args.same:
                check_same(report, summary, read_summary(args.same))
    except InputError as exc:
        sys.stderr.write(f"check_report.py: {exc}\n")
        return 2
    for line in report.lines:
        print(line)
    return 1 if report.lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
