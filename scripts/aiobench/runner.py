"""runner.py: running the configurations, one warm-up then R counted runs each.

The models interleaved run by run; a row of runs.csv per counted run
(make_row); the calibration that measures W before the cpu runs; the trace
of the median run kept; a sweep that stops a model at its first failure;
and the machine's own limits (threads, open files) that may skip a run.
"""

import datetime
import os
import shutil
import statistics
import time

from aiobench.clients import run_client
from aiobench.errors import SetupError
from aiobench.ideal import ideal_ms
from aiobench.models import MODELS, client_threads, in_flight_max
from aiobench.process import read_text
from aiobench.schema import SUMMARY_FIELDS, parse_size
from aiobench.stats import went_through

PID_MARGIN = 2000              # threads left free for the rest of the machine
BUSY_WAIT_S = 120              # how long to wait for others' threads to end
NOFILE_MARGIN = 64


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
        "rate": params.get("rate", ""),
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

    The runs counted are those the report times (stats.Stat): status 0 or
    1 (some tasks failed, the run went through) with a wall time; a run that
    errored says nothing of the speed. Sorted by wall time, the middle one;
    of an even count the lower of the two middle ones, so that it is a run
    that happened and not the mean of two; of equal times the earlier run."""
    timed = [i for i, row in enumerate(rows) if went_through(row)]
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
