#!/usr/bin/env python3
"""reference.py: the models beside plain reference clients, on one server, in one run.

A comparison teaches only if each model is as good as its design allows. This
runs, interleaved round by round so that a drifting machine hits all alike:

  fetch N items at L ms:  bin/plain_pool (threads blocking in curl_easy_perform,
                          nothing else: tests/tools/plain_pool.c) beside
                          async_threads, async_uv, async_coro and, where it
                          can run, async_uring;
  download N blobs:       curl --parallel --parallel-immediate writing the same
                          blobs to files (no check of the bytes) beside the models,
                          and each coroutine model again with --verify status
                          (named `async_coro --verify status`): its answers still
                          checked for a 2xx and hashed, but not compared byte by
                          byte with the content. The coroutine models do that
                          check on the loop's thread (tasks/task.c), the others
                          on other threads; the pair shows what it costs them.

Each client is timed as a whole process (start to exit, the same yardstick for
all); the models' own wall_ms is shown too. Prints a table of medians and each
one's ratio to the reference; --json prints one JSON object per client instead.
Starts bin/mock_server on a free port and stops it by PID, however it ends.

async_uring is optional: where it is not built in --bin it is left out, and
where it cannot set up (its probe exits 3, as where io_uring is disabled) it
is left out with its one line on stderr; the others run all the same.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from aiobench.clients import model_unavailable
from aiobench.reference_step import STATUS_ONLY, STATUS_ONLY_SUFFIX

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAM = "reference"
CLIENT_TIMEOUT_S = 300
MODELS = ("async_threads", "async_uv", "async_coro")
OPTIONAL_MODELS = ("async_uring",)   # run where built and able to set up


def fail(message, status=2):
    print(f"{PROGRAM}: {message}", file=sys.stderr)
    sys.exit(status)


def start_server(bin_dir, threads):
    proc = subprocess.Popen([os.path.join(bin_dir, "mock_server"), "--host", "127.0.0.1",
                             "--port", "0", "--threads", str(threads), "--latency-ms", "200"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("listening on "):
            return proc, line.split()[-1]
        if not line and proc.poll() is not None:
            break
    proc.kill()
    proc.wait()
    fail(f"the mock server did not start: {proc.stderr.read().strip()}", 3)


def stop_server(proc):
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def timed(args, **kwargs):
    """Runs args; returns (whole-process ms, exit status, stdout)."""
    start = time.monotonic()
    done = subprocess.run(args, capture_output=True, text=True, timeout=CLIENT_TIMEOUT_S, **kwargs)
    return (time.monotonic() - start) * 1000, done.returncode, done.stdout


def curl_parallel(url, count, size, latency_ms, folder):
    """curl --parallel over the blobs' URLs, each to its own file: (ms, status, '')."""
    config = os.path.join(folder, "curl.conf")
    with open(config, "w") as out:
        for ident in range(1, count + 1):
            out.write(f'url = "{url}/blobs/{ident}?size={size}&latency_ms={latency_ms}"\n'
                      f'output = "{folder}/blob-{ident}.bin"\n')
    return timed(["curl", "--silent", "--fail", "--parallel", "--parallel-immediate",
                  "--parallel-max", str(min(count, 300)), "--config", config])


def optional_models(bin_dir):
    """The OPTIONAL_MODELS that can run here: built in bin_dir, and not
    exiting 3 on the bench's probe (whose line is said on stderr)."""
    ready = []
    for model in OPTIONAL_MODELS:
        prog = os.path.join(bin_dir, model)
        if not os.access(prog, os.X_OK):
            continue
        why = model_unavailable(prog, dict(os.environ))
        if why is None:
            ready.append(model)
        else:
            print(f"{PROGRAM}: {model} left out: {why}", file=sys.stderr)
    return tuple(ready)


def clients(args, models, url, folder):
    """The clients of each comparison: name -> a function running it once."""
    bin_dir = args.bin
    n, latency = str(args.count), str(args.latency_ms)
    fetch = {"plain_pool": lambda: timed([os.path.join(bin_dir, "plain_pool"), url, n, n, latency])}
    download = {"curl_parallel": lambda: curl_parallel(url, args.count, args.size,
                                                       args.latency_ms, folder)}
    for model in models:
        prog = os.path.join(bin_dir, model)
        fetch[model] = (lambda p=prog: timed([p, "fetch", "-n", n, "--latency-ms", latency,
                                              "--url", url, "--json"]))
        get = [prog, "download", "-n", n, "--latency-ms", latency, "--size", str(args.size),
               "--url", url, "--dir", folder, "--json"]
        download[model] = lambda g=get: timed(g)
        if model in STATUS_ONLY:     # next to it, so that drift hits the pair alike
            download[model + STATUS_ONLY_SUFFIX] = \
                lambda g=get + STATUS_ONLY_SUFFIX.split(): timed(g)
    return {"fetch": fetch, "download": download}


def measure(comparisons, runs):
    """Runs every client of every comparison runs times, interleaved; returns
    {comparison: {client: [(whole_ms, wall_ms or None, status)]}}."""
    results = {name: {c: [] for c in group} for name, group in comparisons.items()}
    for run in range(runs + 1):            # run 0 is a warm-up, not counted
        for name, group in comparisons.items():
            for client, go in group.items():
                whole_ms, status, out = go()
                wall = None
                if out.strip().startswith("{"):
                    wall = json.loads(out.strip().splitlines()[-1]).get("wall_ms")
                if run > 0:
                    results[name][client].append((whole_ms, wall, status))
                print(f"{PROGRAM}: run {run} of {runs}: {name} {client}: {whole_ms:.0f} ms"
                      f"{'' if status == 0 else f' (exit {status})'}", file=sys.stderr)
    return results


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n")[-1])
    parser.add_argument("--runs", type=int, default=5, help="counted runs (default 5)")
    parser.add_argument("--count", type=int, default=100, help="N (default 100)")
    parser.add_argument("--latency-ms", type=int, default=200, help="L (default 200)")
    parser.add_argument("--size", type=int, default=1 << 20, help="blob bytes (default 1 MiB)")
    parser.add_argument("--bin", default=os.path.join(ROOT, "bin"), help="the programs")
    parser.add_argument("--only", choices=("fetch", "download"), help="run one comparison only")
    parser.add_argument("--json", action="store_true", help="one JSON object per client")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.count < 1 or args.latency_ms < 0 or args.size < 0:
        fail("--runs and --count must be at least 1, --latency-ms and --size at least 0")
    if shutil.which("curl") is None:
        fail("curl is missing: scripts/install-deps.sh installs it", 3)
    for prog in ("mock_server", "plain_pool") + MODELS:
        if not os.access(os.path.join(args.bin, prog), os.X_OK):
            fail(f"{args.bin}/{prog} is missing: run make", 3)
    models = MODELS + optional_models(args.bin)
    server, url = start_server(args.bin, max(512, args.count + 64))
    folder = tempfile.mkdtemp(prefix="aio-reference.")
    try:
        comparisons = clients(args, models, url, folder)
        if args.only is not None:
            comparisons = {args.only: comparisons[args.only]}
        results = measure(comparisons, args.runs)
    finally:
        stop_server(server)
        shutil.rmtree(folder, ignore_errors=True)
    failed = False
    for name, group in results.items():
        reference = next(iter(group))
        ref_ms = statistics.median(r[0] for r in group[reference])
        if not args.json:
            print(f"{name}: {args.count} x {args.latency_ms} ms"
                  f"{f', {args.size} bytes each' if name == 'download' else ''}; "
                  f"median of {args.runs} run(s), whole process; reference {reference}")
        for client, rows in group.items():
            whole = statistics.median(r[0] for r in rows)
            walls = [r[1] for r in rows if r[1] is not None]
            bad = sum(1 for r in rows if r[2] != 0)
            failed |= bad > 0
            record = {"comparison": name, "client": client, "reference": reference,
                      "runs": len(rows), "whole_ms": round(whole, 1),
                      "wall_ms": round(statistics.median(walls), 1) if walls else None,
                      "ratio": round(whole / ref_ms, 3), "failed_runs": bad}
            if args.json:
                print(json.dumps(record))
            else:
                wall = f"{record['wall_ms']:.0f} ms" if walls else "-"
                print(f"  {client:<27} {whole:8.0f} ms  {whole / ref_ms:6.3f}x  "
                      f"(own wall {wall}){f', {bad} run(s) failed' if bad else ''}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
