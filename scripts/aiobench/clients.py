"""clients.py: one run of a model or of a reference client, and which can run here.

A model, and the Python reference client, print their own --json summary;
curl --parallel prints none, so run_curl_parallel makes one. Before the
plan, each reference client is checked (reference_client_states): one that
cannot run here is skipped with its reason; so is a model that cannot set
up here (model_unavailable: async_uring where io_uring is not allowed).
"""

import contextlib
import dataclasses
import json
import os
import resource
import shutil
import subprocess
import tempfile

from aiobench import ROOT
from aiobench.models import CURL_PARALLEL_MAX, REFERENCE_CLIENTS, window_of
from aiobench.process import command_output, last_line, launch
from aiobench.schema import parse_size

# How the reference clients run: AIO_BENCH_PYTHON runs peers/python_asyncio
# (AIO_BENCH_PYTHON_CLIENT: another client file); GNU time measures curl's
# peak memory.
PYTHON = os.environ.get("AIO_BENCH_PYTHON") or "/usr/bin/python3"
PYTHON_CLIENT = os.path.abspath(os.environ.get("AIO_BENCH_PYTHON_CLIENT") or
                                os.path.join(ROOT, "peers", "python_asyncio"))
GNU_TIME = "/usr/bin/time"     # measures curl's peak memory (%M), as no launcher can


@dataclasses.dataclass
class ClientResult:
    status: object             # the exit code, or "timeout", or "signal N"
    summary: dict              # the --json object, {} when there is none
    error: str                 # stderr's last line, when the run went wrong
    seconds: float


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
        status, out, error, seconds = launch(ctx, cmd, spec.estimate_s)
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
        status, out, error, seconds = launch(ctx, cmd, spec.estimate_s)
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


# A model's probe: one dish of a millisecond, no server, no files. A model
# sets up what it waits with before its first task (async_uring: its ring),
# so one that cannot set up here exits 3 with why on stderr.
PROBE_ARGS = ["cook", "--dishes", "probe:0.001", "--json"]
PROBE_TIMEOUT_S = 30


def model_unavailable(program, env):
    """Why the model at program cannot run on this machine (stderr's last
    line of a probe that exits 3: a setup failure, as where io_uring is
    disabled), or None. Any other outcome lets it run: its runs will say
    what goes wrong."""
    try:
        done = subprocess.run([program, *PROBE_ARGS], capture_output=True, text=True,
                              env=env, timeout=PROBE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None
    except OSError as err:
        return f"{program} cannot run: {err.strerror}"
    if done.returncode != 3:
        return None
    return last_line(done.stderr, is_path=False) or f"{program} exits 3 with no message"


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
