#!/usr/bin/python3
"""stop_time.py: how long each model takes to stop after Ctrl-C, measured.

    scripts/stop_time.py [--bin DIR] [--runs R] [--count N] [--latency-ms L]
                         [--concurrency C] [--after-ms A] [--stop-timeout-s S]
                         [--json] [MODEL...]

Starts bin/mock_server on a free port of 127.0.0.1, then, for each MODEL
(default: sync, async_threads, async_uv, async_coro, async_uring where it
is built and sets up, python_asyncio where it runs), R times, one run after
another:

    MODEL fetch -n N --latency-ms L [--concurrency C] --url URL -v

and sends it SIGINT, the Ctrl-C of a terminal, A ms after its first task
started (its first "start (attempt 1)" line on stderr, so that every
program is as far into its run whatever its start-up took). Each
request waits L ms at the server, so with A < L the signal finds the tasks
in the window waiting for their answers and the others not yet started.
The stop time is from the signal to the program's exit (the kernel's word,
a pidfd, not a polling loop). A program still running S s after the signal
is killed by its PID (SIGKILL) and counted as not stopped.

Prints, per model, the median stop time of its R runs with the least and
the most, the exit statuses, and what the last run's --verbose lines said
of its tasks: cancelled in flight, cancelled before they started,
completed. --json: one JSON object per model instead. What each model does
on Ctrl-C, and why its stop time is what it is: the lesson's step on
Ctrl-C (docs/LESSON.md).

Exit status: 0 every run stopped by itself with 130; 1 a run did not (it
exited otherwise, or was killed); 2 usage; 3 cannot start (a program or the
server missing, a model named that cannot run here). Python 3 standard
library only.
"""

import json
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import options  # noqa: E402  (scripts/options.py, beside this file)
from aiobench import ROOT  # noqa: E402
from aiobench.clients import (PYTHON, PYTHON_CLIENT, model_unavailable,  # noqa: E402
                              python_client_state)
from aiobench.errors import SetupError  # noqa: E402
from aiobench.process import stop_process  # noqa: E402
from aiobench.server import Server, server_threads_for  # noqa: E402

PROGRAM = "stop_time"
MODELS = ("sync", "async_threads", "async_uv", "async_coro", "async_uring", "python_asyncio")
OPTIONAL = ("async_uring", "python_asyncio")   # left out, with a line, where they cannot run
START_TIMEOUT_S = 30        # at most, for a run's first task to start
STARTED = "start (attempt 1)"
# The --verbose endings of a task (client/record.c's words; python_asyncio's are the same).
BEFORE_START = ": cancelled"
CANCELLED = ": failed (cancelled): "
COMPLETED = ": completed"


class RunFailed(Exception):
    """A run that did not go as measured: said, and counted as not stopped."""


def parse_args(argv):
    """The options (scripts/options.py's rules and words); None after --help."""
    parser = options.Parser("scripts/stop_time.py", description=__doc__.split("\n")[0])
    number = options.whole_number
    parser.add_argument("models", nargs="*", metavar="MODEL",
                        type=options.one_of("MODEL", MODELS),
                        help=f"the programs to measure: {', '.join(MODELS)} (default: all "
                             "that can run here)")
    parser.add_argument("--bin", default=os.path.join(ROOT, "bin"), metavar="DIR",
                        type=options.non_empty("--bin", "folder"),
                        help="the programs and mock_server (default: bin/)")
    parser.add_argument("--runs", default=5, metavar="R", type=number("--runs", 1, 100),
                        help="runs per model, 1..100 (default 5)")
    parser.add_argument("-n", "--count", default=100, metavar="N",
                        type=number("--count", 1, 10000), help="tasks, 1..10000 (default 100)")
    parser.add_argument("--latency-ms", default=1000, metavar="L",
                        type=number("--latency-ms", 0, 600000),
                        help="the server's wait per request, 0..600000 (default 1000)")
    parser.add_argument("--concurrency", default=None, metavar="C",
                        type=number("--concurrency", 1, 10000),
                        help="the window, 1..10000 (default: the models' own, all N; "
                             "sync is always 1)")
    parser.add_argument("--after-ms", default=500, metavar="A",
                        type=number("--after-ms", 0, 600000),
                        help="Ctrl-C this long after the first task started, 0..600000 "
                             "(default 500)")
    parser.add_argument("--stop-timeout-s", default=10, metavar="S",
                        type=number("--stop-timeout-s", 1, 600),
                        help="kill a program still running this long after the signal, "
                             "1..600 (default 10)")
    parser.add_argument("--json", action="store_true", help="one JSON object per model")
    args = parser.parse(argv)
    if args is None:
        parser.print_help()
    return args


def command(args, model, url):
    """The program's command line for one run."""
    if model == "python_asyncio":
        cmd = [PYTHON, PYTHON_CLIENT]
    else:
        cmd = [os.path.join(args.bin, model)]
    cmd += ["fetch", "-n", str(args.count), "--latency-ms", str(args.latency_ms),
            "--url", url, "-v"]
    if args.concurrency is not None and model != "sync":
        cmd += ["--concurrency", str(args.concurrency)]
    return cmd


def models_to_run(args):
    """The models asked for (default: all that can run here). SetupError
    for one named that cannot run; one not named that cannot is left out
    with a line on stderr."""
    chosen = []
    for model in args.models or MODELS:
        program = os.path.join(args.bin, model)
        if model == "python_asyncio":
            why = python_client_state()[0]
        elif not os.access(program, os.X_OK):
            why = f"no {program}"
        else:   # the bench's probe: async_uring exits 3 where io_uring is disabled
            why = model_unavailable(program, dict(os.environ)) if model in OPTIONAL else None
        if why is None:
            chosen.append(model)
        elif args.models or model not in OPTIONAL:
            raise SetupError(f"{model}: {why}")
        else:
            sys.stderr.write(f"{PROGRAM}: {model} left out: {why}\n")
    return chosen


def wait_for_line(proc, path, text, timeout_s):
    """Until the file at path holds text (bounded): True, or False when the
    program ended first or the time ran out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with open(path, errors="replace") as err:
            if text in err.read():
                return True
        if proc.poll() is not None:
            return False
        time.sleep(0.005)
    return False


def exit_within(pidfd, timeout_s):
    """Waits up to timeout_s for the process of pidfd to exit: True when it did."""
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    return bool(poller.poll(timeout_s * 1000))


def one_run(args, model, url, folder):
    """One run, Ctrl-C after the first task has run --after-ms: (stop ms,
    exit status, the --verbose lines). RunFailed when it could not be
    measured; the program is stopped by its PID however this ends."""
    err_path = os.path.join(folder, f"{model}.err")
    with open(err_path, "w") as err:
        proc = subprocess.Popen(command(args, model, url), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)
    try:
        if not wait_for_line(proc, err_path, STARTED, START_TIMEOUT_S):
            raise RunFailed(f"no task started within {START_TIMEOUT_S} s "
                            f"(exit {proc.poll()}): {last_words(err_path)}")
        time.sleep(args.after_ms / 1000)
        if proc.poll() is not None:
            raise RunFailed(f"it ended before the signal (exit {proc.returncode}); "
                            "--after-ms is too long for -n and --latency-ms")
        pidfd = os.pidfd_open(proc.pid)
        try:
            signalled = time.monotonic()
            proc.send_signal(signal.SIGINT)
            stopped = exit_within(pidfd, args.stop_timeout_s)
            stop_ms = (time.monotonic() - signalled) * 1000
        finally:
            os.close(pidfd)
        if not stopped:
            raise RunFailed(f"still running {args.stop_timeout_s} s after the signal: killed")
        proc.wait()
        with open(err_path, errors="replace") as err:
            return stop_ms, proc.returncode, err.read().splitlines()
    finally:
        stop_process(proc, signal.SIGKILL, 10)


def last_words(path):
    """The last line of a run's stderr, to say why it went wrong."""
    with open(path, errors="replace") as err:
        lines = [line for line in err.read().splitlines() if line.strip()]
    return lines[-1] if lines else "nothing on stderr"


def outcomes(lines):
    """How the run's tasks ended, from their --verbose lines: in flight and
    cancelled, never started, completed."""
    counts = {"cancelled_in_flight": 0, "cancelled_before_start": 0, "completed": 0}
    for line in lines:
        if "] task " not in line:
            continue
        if line.endswith(BEFORE_START):
            counts["cancelled_before_start"] += 1
        elif CANCELLED in line:
            counts["cancelled_in_flight"] += 1
        elif COMPLETED in line:
            counts["completed"] += 1
    return counts


def measure(args, model, url, server, folder):
    """R runs of one model: its record for the table."""
    stops, exits, last, problems = [], [], None, []
    for run in range(1, args.runs + 1):
        try:
            stop_ms, status, lines = one_run(args, model, url, folder)
        except RunFailed as failed:
            problems.append(f"run {run}: {failed}")
            exits.append("killed" if "killed" in str(failed) else "not measured")
            continue
        finally:
            server.wait_idle()     # the cancelled requests leave the server's workers
        stops.append(stop_ms)
        exits.append(status)
        last = outcomes(lines)
    record = {"model": model, "runs": args.runs, "exits": exits, "problems": problems,
              "stop_ms_median": round(statistics.median(stops), 1) if stops else None,
              "stop_ms_min": round(min(stops), 1) if stops else None,
              "stop_ms_max": round(max(stops), 1) if stops else None}
    record.update(last or {})
    return record


def print_table(args, records):
    window = f" --concurrency {args.concurrency}" if args.concurrency else ""
    print(f"fetch -n {args.count} --latency-ms {args.latency_ms}{window}: Ctrl-C "
          f"{args.after_ms} ms after the first task started; {args.runs} run(s) each; "
          "stop time = signal to exit")
    print(f"  {'model':<15} {'median':>9} {'min':>9} {'max':>9}  {'exits':<12}"
          " last run: cancelled in flight / before start, completed")
    for r in records:
        times = ("%7.1f ms" * 3 % (r["stop_ms_median"], r["stop_ms_min"], r["stop_ms_max"])
                 if r["stop_ms_median"] is not None else f"{'-':>9} {'-':>9} {'-':>9}")
        exits = ",".join(sorted({str(e) for e in r["exits"]}))
        tally = (f"{r['cancelled_in_flight']} / {r['cancelled_before_start']}, "
                 f"{r['completed']}" if "completed" in r else "-")
        print(f"  {r['model']:<15} {times}  {exits:<12} {tally}")
        for problem in r["problems"]:
            print(f"    {problem}")


def main(argv):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)   # `| head` ends it quietly
    args, status = options.read_command_line(parse_args, argv, PROGRAM)
    if args is None:
        return status
    server = Server(os.path.join(args.bin, "mock_server"), os.devnull, says=PROGRAM)
    folder = tempfile.mkdtemp(prefix="aio-stop-time.")
    try:
        models = models_to_run(args)
        server.start(server_threads_for(2 * args.count))
        records = [measure(args, model, server.url, server, folder) for model in models]
    except SetupError as err:
        sys.stderr.write(f"{PROGRAM}: {err}\n")
        return 3
    except KeyboardInterrupt:   # the programs and the server are stopped below
        return 130
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        for record in records:
            print(json.dumps(record))
    else:
        print_table(args, records)
    return 0 if all(e == 130 for r in records for e in r["exits"]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
