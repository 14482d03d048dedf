"""reference_step.py: the reference step before the plan (scripts/reference.py).

The models beside plain clients on a server of its own, for the speed
targets; its --json lines become reference.json.
"""

import dataclasses
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from aiobench import ROOT
from aiobench.plan import estimate_s
from aiobench.process import CLIENT_TIMEOUT_MIN_S, child_setup, exit_status, stop_process
from aiobench.progress import PROGRAM
from aiobench.schema import parse_size

REFERENCE_SCRIPT = os.path.join(ROOT, "scripts", "reference.py")
# What reference.py runs from the --bin folder; curl it finds on PATH.
REFERENCE_PROGRAMS = ("mock_server", "plain_pool", "async_threads", "async_uv", "async_coro")
# What it runs too where built and able to set up (reference.py probes it):
# never required.
REFERENCE_OPTIONAL = ("async_uring",)
# The models whose download it runs a second time with --verify status,
# as the client MODEL + STATUS_ONLY_SUFFIX, where the model itself runs:
# the coroutine models, which check each blob's bytes on the loop's thread.
STATUS_ONLY = ("async_coro", "async_uring")
STATUS_ONLY_SUFFIX = " --verify status"
REFERENCE_SERVER_S = 5         # its server's start and stop (civetweb's stop: docs/notes.md)


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
    """The reference step of plan, with runs counted runs when runs is given
    (--runs), else its own or the plan's; or one that says why it cannot
    run (its programs not built, or no curl, or --url)."""
    if plan["reference"] is None:
        return Reference([], None, 0.0, skip="not run against --url: it measures the mock server")
    runs = runs or plan["reference"].get("runs", plan["runs"])
    params = dict(plan["reference"], runs=runs)
    args = ["--runs", str(runs), "--count", str(params["count"]),
            "--latency-ms", str(params["latency_ms"]),
            "--size", str(parse_size(params["size"])), "--bin", bin_dir, "--json"]
    # The models it will run (the required ones after mock_server and plain_pool).
    models = [*REFERENCE_PROGRAMS[2:], *(p for p in REFERENCE_OPTIONAL
                                         if os.access(os.path.join(bin_dir, p), os.X_OK))]
    reference = Reference(args, params, reference_estimate_s(params, runs, models, facts))
    missing = [p for p in REFERENCE_PROGRAMS if not os.access(os.path.join(bin_dir, p), os.X_OK)]
    if missing:
        reference.skip = f"no {', '.join(missing)} in {bin_dir} (run make)"
    elif shutil.which("curl") is None:
        reference.skip = "curl is not installed (scripts/install-deps.sh installs it)"
    return reference


def reference_estimate_s(params, runs, models, facts):
    """A rough guess of reference.py's time: a warm-up round and runs rounds
    of fetch and download by models and the reference clients, each
    reference costed as the model most like it (plain_pool a pool, curl a
    loop), the downloads under --verify status as the model itself."""
    per_round = 0.0
    status_only = [m for m in models if m in STATUS_ONLY]
    for workload, like, again in (("fetch", "async_threads", []),
                                  ("download", "async_uv", status_only)):
        config = dict(params, workload=workload)
        per_round += sum(estimate_s(model, config, facts)
                         for model in (like, *models, *again))
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
