"""syscall_step.py: each model's system calls and threads, outside the timed runs.

After the plan, against the bench's mock server, every model runs fetch,
download, files and files --fsync with the same options (the plan's
"syscalls" entry): once under `strace -f -c`, whose summary becomes
syscalls.csv (calls per system call name), once more so with one task
(its rows the start-up's calls, which the report takes out), and, for the
two files runs, once more without strace (ptrace changes the threads'
timing), its threads sampled from /proc every few milliseconds: the most
seen at once, the program's own and io_uring's kernel workers, into
threads.csv. Nothing here
is timed: strace slows every call it counts.
"""

import csv
import dataclasses
import os
import shutil
import signal
import subprocess
import tempfile
import time

from aiobench.models import client_args
from aiobench.plan import estimate_s
from aiobench.process import (CLIENT_TIMEOUT_MIN_S, child_setup, exit_status, launch, last_line,
                              read_text, stop_process)
from aiobench.schema import SYSCALL_FIELDS, THREAD_FIELDS
from aiobench.server import server_threads_for
from aiobench.syscalls import (SYSCALL_WORKLOADS, count_threads, parse_strace_summary,
                               parse_task_stat)

STRACE = ["strace", "-f", "-c", "-o"]   # + FILE PROGRAM ARGS...: every thread, a summary
STRACE_SLOWDOWN = 10           # a traced run's time against the estimate, for its timeout
SAMPLE_INTERVAL_S = 0.002      # between two looks at /proc/PID/task


@dataclasses.dataclass
class SyscallStep:
    """The step as planned and as it ran: its rows for syscalls.csv and
    threads.csv (schema.SYSCALL_FIELDS, THREAD_FIELDS), or why it did not run."""
    params: dict               # the plan's "syscalls" entry: count, latency_ms, size
    estimate_s: float = 0.0    # its runs' estimates (strace's slowdown measured about even
                               # with the estimates' margins: 10.5 s for 11.8 s, 4 models)
    skip: str = None           # why it is not run
    errors: list = dataclasses.field(default_factory=list)
    syscalls: list = dataclasses.field(default_factory=list)
    threads: list = dataclasses.field(default_factory=list)

    def command(self):
        return " ".join(STRACE + ["FILE", "bin/MODEL", "WORKLOAD", "-n", str(self.params["count"]),
                                  "..."]) if self.params else ""


def plan_syscall_step(plan, external_url, models, facts):
    """The step of plan for models, or one that says why it cannot run."""
    params = plan.get("syscalls")
    if external_url:
        return SyscallStep(params, skip="not run against --url: it measures the mock server")
    if shutil.which("strace") is None:
        return SyscallStep(params, skip="strace is not installed (scripts/install-deps.sh "
                                        "installs it)")
    # Each run once, under strace, and once with one task; the files runs
    # once more, their threads sampled.
    estimate = 0.0
    for model in models:
        for workload, fsync in SYSCALL_WORKLOADS:
            run = workload_params(params, workload, fsync)
            estimate += estimate_s(model, run, facts) * (2 if workload == "files" else 1)
            if run["count"] > 1:
                estimate += estimate_s(model, dict(run, count=1), facts)
    return SyscallStep(params, estimate)


def workload_params(params, workload, fsync):
    """The configuration of one run of the step: the same for every model."""
    out = {"workload": workload, "count": params["count"]}
    if workload in ("fetch", "download"):
        out["latency_ms"] = params["latency_ms"]
    if workload in ("download", "files"):
        out["size"] = params["size"]
    if fsync:
        out["fsync"] = True
    return out


def client_command(ctx, model, params):
    """model's command line for params, the server's URL where it asks one."""
    cmd = [os.path.join(ctx.bin_dir, model), *client_args(model, params)]
    if params["workload"] in ("fetch", "download"):
        cmd += ["--url", ctx.server.url]
    return cmd


def strace_unusable(env):
    """Why strace cannot trace here (ptrace refused in a container), or None."""
    try:
        done = subprocess.run(STRACE + [os.devnull, "true"], capture_output=True, text=True,
                              env=env, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"strace cannot run ({getattr(err, 'strerror', None) or err})"
    if done.returncode != 0:
        return f"strace cannot trace here: {last_line(done.stderr, is_path=False)}"
    return None


def run_syscall_step(ctx):
    """Counts each model's system calls on each SYSCALL_WORKLOADS run, and
    the threads of its files runs; a run that fails is an error of the
    bench, said in ctx.errors, and leaves no row."""
    step = ctx.syscall_step
    step.skip = step.skip or strace_unusable(ctx.client_env)
    if step.skip:
        ctx.progress.note(f"system calls not counted: {step.skip}")
        return
    ctx.progress.note(f"counting system calls: {len(ctx.models)} models x "
                      f"{len(SYSCALL_WORKLOADS)} runs under strace, {step.params['count']} tasks "
                      "each, and each with one task (the start-up's calls)")
    for model in ctx.models:
        for workload, fsync in SYSCALL_WORKLOADS:
            params = workload_params(step.params, workload, fsync)
            # The run of N tasks, then of one: the report's figure per task
            # is their difference over N - 1.
            for run in (params, dict(params, count=1)) if params["count"] > 1 else (params,):
                if workload in ("fetch", "download"):
                    ctx.server.ensure(server_threads_for(params["count"]))
                    ctx.server.wait_idle()
                count_syscalls(ctx, model, run)
            if workload == "files":
                sample_threads(ctx, model, params)
    for error in step.errors:
        ctx.errors.append(f"system calls: {error}")


def traced_env(env):
    """env for a run under strace: LeakSanitizer cannot work under ptrace
    (in an ASan build it stops the program at its exit with an error of its
    own), so a sanitizer build's leak check is off there; the last setting
    of a flag in ASAN_OPTIONS wins. A release build ignores it."""
    options = env.get("ASAN_OPTIONS", "")
    return dict(env, ASAN_OPTIONS=f"{options}:detect_leaks=0" if options else "detect_leaks=0")


def run_name(model, params):
    return f"{model} {params['workload']}{' --fsync' if params.get('fsync') else ''}"


def run_columns(model, params):
    """The columns that say which run a row of either table is of."""
    return {"model": model, "workload": params["workload"],
            "fsync": int(bool(params.get("fsync"))), "tasks": params["count"]}


def count_syscalls(ctx, model, params):
    """One run of model on params under strace; its summary into rows."""
    step = ctx.syscall_step
    with tempfile.TemporaryDirectory(prefix="aio-bench-strace-") as folder:
        summary = os.path.join(folder, "strace.txt")
        status, _, error, _ = launch(ctx, STRACE + [summary, *client_command(ctx, model, params)],
                                     STRACE_SLOWDOWN * estimate_s(model, params, ctx.facts),
                                     traced_env(ctx.client_env))
        text = read_text(summary)
    if status != 0:
        step.errors.append(f"{run_name(model, params)}: status {status}: {error}")
        return
    try:
        counts = parse_strace_summary(text)
    except ValueError as err:
        step.errors.append(f"{run_name(model, params)}: strace's summary: {err}")
        return
    for syscall, (calls, errors) in sorted(counts.items()):
        step.syscalls.append({**run_columns(model, params),
                              "syscall": syscall, "calls": calls, "errors": errors})


def task_threads(pid, proc="/proc"):
    """(name, flags) of each of pid's threads now; [] once it has gone. A
    thread that ends between the listing and the read of its stat (an idle
    io-wq worker does) is left out."""
    try:
        tids = os.listdir(f"{proc}/{pid}/task")
    except OSError:
        return []
    threads = []
    for tid in tids:
        stat = read_text(f"{proc}/{pid}/task/{tid}/stat")
        if stat:
            threads.append(parse_task_stat(stat))
    return threads


def sample_threads(ctx, model, params):
    """One run of model on params, not traced, its threads counted every
    SAMPLE_INTERVAL_S until it exits (bounded by its timeout): the most of
    each kind seen at once into a row of threads.csv."""
    step = ctx.syscall_step
    timeout_s = max(CLIENT_TIMEOUT_MIN_S, 3 * estimate_s(model, params, ctx.facts) + 30)
    most, samples = count_threads([]), 0
    with tempfile.TemporaryFile("w+") as err:
        # Started directly, not through the launcher's shell: its PID is the
        # program's, whose task list is read.
        cmd = client_command(ctx, model, params)
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err,
                                    env=ctx.client_env, start_new_session=True,
                                    preexec_fn=lambda: child_setup(0))
        except OSError as why:
            step.errors.append(f"{run_name(model, params)} (threads): {cmd[0]}: {why.strerror}")
            return
        try:
            deadline = time.monotonic() + timeout_s
            while proc.poll() is None and time.monotonic() < deadline:
                seen = count_threads(task_threads(proc.pid))
                most = {kind: max(most[kind], seen[kind]) for kind in most}
                samples += 1
                time.sleep(SAMPLE_INTERVAL_S)
            status = "timeout" if proc.poll() is None else exit_status(proc.returncode)
        finally:
            stop_process(proc, signal.SIGINT, 5, group=True)
        err.seek(0)
        error = last_line(err.read(), is_path=False)
    if status != 0:
        step.errors.append(f"{run_name(model, params)} (threads): status {status}: {error}")
        return
    step.threads.append({**run_columns(model, params), "own_max": most["own"], "iou_wrk_max": most["iou_wrk"],
                         "iou_sqp_max": most["iou_sqp"], "samples": samples})


def write_syscall_tables(folder, step):
    """syscalls.csv and threads.csv into folder; only their header when the
    step was skipped (meta.json says why)."""
    for name, fields, rows in (("syscalls.csv", SYSCALL_FIELDS, step.syscalls),
                               ("threads.csv", THREAD_FIELDS, step.threads)):
        with open(os.path.join(folder, name), "w", newline="") as table:
            writer = csv.DictWriter(table, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)


def syscall_meta(step):
    """How the step ran, for meta.json (its rows are syscalls.csv and threads.csv)."""
    return {"command": step.command(), "params": step.params,
            "estimate_s": round(step.estimate_s, 1), "skipped": step.skip,
            "errors": step.errors, "sample_interval_ms": SAMPLE_INTERVAL_S * 1000,
            "syscall_rows": len(step.syscalls),
            "thread_rows": len(step.threads)}
