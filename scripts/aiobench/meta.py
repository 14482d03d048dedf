"""meta.py: meta.json, what a run was made on and how (schema.META_KEYS).

The machine (CPU, cores, kernel, memory, limits), the software (compiler,
libraries, tools), the git commit, the options, and the plan as it ran:
per group and point, each model's args, ideal and why it was skipped. The
programs' defaults the plan depends on (cpu's rounds, cook's dishes) are
read from a client's --help.
"""

import os
import re
import sys
import time

from aiobench.clients import reference_clients_meta
from aiobench.errors import SetupError
from aiobench.plan import LOOP_PAIRS
from aiobench.process import command_output, read_text
from aiobench.publish import RUNS
from aiobench.reference_step import reference_meta
from aiobench.runner import BUSY_WAIT_S
from aiobench.server import SERVER_KEEP_ALIVE, SERVER_THREADS_MARGIN
from aiobench.syscall_step import syscall_meta


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
                    "verify": ctx.verify, "path": ctx.path, "out": ctx.out or os.path.join(ctx.results, RUNS),
                    "skip_limit_s": ctx.plan["skip_s"], "busy_wait_s": BUSY_WAIT_S},
        "mode": ctx.mode, "runs_per_config": ctx.runs, "warmups_per_config": 1,
        "skip_limit_s": ctx.plan["skip_s"],
        "models": ctx.models,
        "models_unavailable": ctx.unavailable,
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
        "syscalls": syscall_meta(ctx.syscall_step),
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
