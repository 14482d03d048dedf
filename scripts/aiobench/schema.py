"""schema.py: what results/ holds, defined once for every tool and test.

runs.csv (RUN_FIELDS: one row per counted run; bench writes it, the report,
compare and tests/tools/check_figures.py read it), meta.json (META_KEYS:
how the run was made; bench writes it, the report reads it), syscalls.csv
and threads.csv (SYSCALL_FIELDS, THREAD_FIELDS: the untimed step's system
calls and threads; bench writes them, the report reads them), the traces'
columns the report reads as numbers, and the one reading of a size
("1M": K, M and G are powers of 1024). docs/runner.md ("What a run
leaves") says what each column means.
"""

import csv
import json
import os
import re

from aiobench.errors import ReportError

# ---- runs.csv ----

# wall_ms is the client's own (its summary's; curl_parallel has none, so
# there it is whole_ms); whole_ms is the runner's, the whole process from its
# start to its exit, interpreter or loader included.
RUN_FIELDS = [
    "time", "config", "run", "model", "workload", "count", "latency_ms", "concurrency",
    "rate", "size_bytes", "fsync", "time_scale", "rounds", "process_ms", "process_cpu_ms",
    "offload", "blocking_process", "uv_threadpool", "pool_threads", "args",
    "status", "wall_ms", "whole_ms", "user_ms", "sys_ms", "max_rss_kb", "stack_touched_avg_kb",
    "task_state_bytes", "ok", "failed", "retries",
    "failures", "p50_ms", "p99_ms", "latency_from_intended_p99_ms", "start_late_max_ms",
    "loop_busy", "loop_lag_p99_ms", "loop_lag_max_ms",
    "server_threads", "server_max_in_flight", "ideal_ms", "checksum", "error",
]
# The columns newer than the oldest results kept (results/, the tests'
# fixture): a runs.csv without them is read as runs that did not have them
# (no --rate: rate, from intended and start late are empty in every row).
RUN_FIELDS_LATER = ("rate", "latency_from_intended_p99_ms", "start_late_max_ms")
# The columns that are words, not numbers: the run's status stays a word
# ("0", "timeout", "signal 9"), as does its run number.
TEXT_FIELDS = ("time", "config", "run", "model", "workload", "args", "status", "failures",
               "checksum", "error")
# The columns load_runs reads as numbers (None when empty).
NUMERIC = tuple(field for field in RUN_FIELDS if field not in TEXT_FIELDS)
# Keys of the --json summary copied as they are; a model that does not
# report one (the loop's health outside the loop models, the touched stack
# outside the thread and coroutine models, the latency from the intended
# start and how late the starts were outside a run under --rate) leaves it
# empty. p99_ms is the task p99, from each task's actual start.
SUMMARY_FIELDS = ("uv_threadpool", "pool_threads", "wall_ms", "user_ms", "sys_ms",
                  "max_rss_kb", "stack_touched_avg_kb", "task_state_bytes",
                  "ok", "failed", "retries", "p50_ms", "p99_ms",
                  "latency_from_intended_p99_ms", "start_late_max_ms",
                  "loop_busy", "loop_lag_p99_ms", "loop_lag_max_ms", "checksum")
# The key columns every runs.csv must have for compare, and the columns it
# can compare: numbers where smaller is lighter (time, memory, lag).
KEY_COLUMNS = ("config", "model", "args", "status")
METRICS = ("wall_ms", "user_ms", "sys_ms", "max_rss_kb",
           "stack_touched_avg_kb", "p50_ms", "p99_ms", "loop_lag_p99_ms", "loop_lag_max_ms")

# ---- syscalls.csv and threads.csv (the untimed step, syscall_step.py) ----

# syscalls.csv: a row per model, run (workload, fsync) and system call name,
# its calls and failed calls as `strace -f -c` counted them over one run of
# `tasks` tasks. threads.csv: a row per model and files run, the most
# threads seen at once in /proc/PID/task: the program's own, io_uring's
# io-wq workers (iou-wrk-*) and its SQPOLL thread (iou-sqp-*), and how many
# looks that took.
SYSCALL_FIELDS = ["model", "workload", "fsync", "tasks", "syscall", "calls", "errors"]
THREAD_FIELDS = ["model", "workload", "fsync", "tasks", "own_max", "iou_wrk_max",
                 "iou_sqp_max", "samples"]

# ---- meta.json ----

# Its keys, in the order bench writes them (meta.build_meta).
META_KEYS = (
    "started", "finished", "duration_s", "command",
    "options",                 # the command line's options, as parsed
    "mode", "runs_per_config", "warmups_per_config", "skip_limit_s",
    "models",                  # the models that ran, in plan order
    "models_unavailable",      # {model: why}: built, but cannot set up here (exit 3)
    "reference_clients",       # per reference client: its limits, how it ran, or why not
    "dishes", "rounds_default",
    "cpu_calibrations",        # W per --rounds: how it was measured
    "loop_pairs",              # the headline entries that show the loop's health
    "machine", "software", "git",
    "server",                  # the mock (or --url's server), its threads per start
    "groups",                  # the plan: headline entries and sweeps, see POINT_KEYS
    "reference",               # how scripts/reference.py ran, or why it did not
    "syscalls",                # how the system calls were counted, or why they were not
    "errors",
)
# The keys newer than the oldest results kept (results/, the tests' fixture):
# a meta.json without them is read as a run that did not have them.
META_KEYS_LATER = ("models_unavailable", "syscalls")
# Each plan point's entry per model in meta.json's groups: the args key of
# its rows in runs.csv, its ideal, why it was skipped and its estimate.
POINT_KEYS = ("args", "ideal_ms", "skipped", "estimate_s")

# ---- traces/WORKLOAD-MODEL.csv (written by the clients' --trace) ----

TRACE_NUMERIC = ("id", "start_ms", "attempt_start_ms", "end_ms", "attempts")


# ---- Reading ----

def parse_size(text):
    """Bytes in "1M", "256K", "16K", "512"; K, M, G are powers of 1024."""
    match = re.fullmatch(r"(\d+)([KMG]?)", str(text))
    if match is None:
        raise ValueError(f"bad size '{text}'")
    return int(match.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[match.group(2)]


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
    """runs.csv's rows, the NUMERIC columns as numbers."""
    try:
        with open(path, newline="") as runs_file:
            rows = list(csv.DictReader(runs_file))
    except OSError as err:
        raise ReportError(f"cannot read {path}: {err.strerror}") from err
    for row in rows:
        for field in NUMERIC:
            row[field] = number(row.get(field, ""))
    return rows


def load_table(path, fields):
    """A CSV file's rows with fields, the numbers as numbers; None when the
    file is absent (results older than it)."""
    if not os.path.exists(path):
        return None
    try:
        with open(path, newline="") as table:
            reader = csv.DictReader(table)
            rows = list(reader)
    except OSError as err:
        raise ReportError(f"cannot read {path}: {err.strerror}") from err
    if reader.fieldnames != fields:
        raise ReportError(f"{path}: columns {reader.fieldnames}, not {fields}")
    for row in rows:
        for field in fields:
            value = number(row[field])
            row[field] = row[field] if value is None else value
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
    """meta.json as a dict."""
    try:
        with open(path) as meta_file:
            return json.load(meta_file)
    except (OSError, ValueError) as err:
        raise ReportError(f"cannot read {path}: {err}") from err
