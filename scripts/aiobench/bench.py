"""bench.py: `make bench`, the command line of scripts/bench.py and its main.

Starts bin/mock_server on a free port, runs every client model built in bin/
(and able to set up here) on every configuration of the plan (plan.py: one
warm-up, then R counted runs, the models interleaved run by run), counts
their system calls and threads outside the timed runs (syscall_step.py), and
writes runs.csv, meta.json, syscalls.csv, threads.csv, the headline traces,
the charts and REPORT.md into a temporary folder that becomes a run folder
of its own, results/runs/STAMP with results/latest linking to it, or
replaces --out DIR's outputs, only once all is done (publish.py).
scripts/bench.py's docstring gives the options and the exit statuses.
"""

import csv
import datetime
import json
import os
import resource
import shutil
import signal
import sys
import time

import options
from aiobench import ROOT, report
from aiobench.clients import model_unavailable, reference_client_states
from aiobench.errors import Interrupted, ReportError, SetupError
from aiobench.meta import build_meta, default_dishes, default_rounds, read_int, usable_cores
from aiobench.models import MODELS
from aiobench.plan import PLANS, Facts, external_plan, plan_configs
from aiobench.progress import PROGRAM, Progress, clock
from aiobench.publish import LATEST, RUNS, make_work_dir, publish, publish_run
from aiobench.reference_step import plan_reference, run_reference
from aiobench.runner import run_config
from aiobench.syscall_step import plan_syscall_step, run_syscall_step, write_syscall_tables
from aiobench.schema import RUN_FIELDS
from aiobench.server import ExternalServer, Server, probe_latency_ms

RUNS_MAX = 100          # --runs: counted runs per configuration


def parse_args(argv):
    """The options, each checked where it stands (scripts/options.py), the
    clients' own rules for what they are handed (--url, --verify, --path).
    None after --help; options.UsageError for a bad command line."""
    parser = options.Parser(
        "scripts/bench.py",
        description="Runs every model on every workload against bin/mock_server "
                    "and writes runs.csv, meta.json, traces, charts and REPORT.md.")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="a reduced plan, under a minute")
    size.add_argument("--tiny", action="store_true", help="a few seconds, for the tests")
    parser.add_argument("--runs", type=options.whole_number("--runs", 1, RUNS_MAX), metavar="R",
                        help=f"counted runs per configuration, 1..{RUNS_MAX} "
                             "(default: 3; 1 with --quick)")
    parser.add_argument("--bin", default=os.path.join(ROOT, "bin"), metavar="DIR",
                        type=options.non_empty("--bin", "folder's"),
                        help="where the client programs are (default: bin)")
    parser.add_argument("--server-bin", metavar="DIR",
                        type=options.non_empty("--server-bin", "folder's"),
                        help="where mock_server is (default: the --bin folder)")
    parser.add_argument("--out", metavar="DIR", type=options.non_empty("--out", "folder's"),
                        help="the folder whose outputs this run replaces (default: a "
                             "new folder results/runs/STAMP, linked from results/latest; "
                             "--out results remakes the committed reference run)")
    parser.add_argument("--list", action="store_true",
                        help="print the plan with estimated times and exit")
    parser.add_argument("--url", metavar="URL", type=options.base_url("--url"),
                        help="measure this server instead of the mock, a base URL as the "
                             "clients take it, http://HOST[:PORT][/PATH]: the plan's "
                             "fetch configurations only, at the server's own latency")
    parser.add_argument("--verify", metavar="MODE",
                        type=options.one_of("--verify", options.VERIFY_MODES),
                        help="with --url: the clients' --verify, content, id or status "
                             "(default: id)")
    parser.add_argument("--path", metavar="TEMPLATE", type=options.path_template("--path"),
                        help="with --url: the clients' --path (default: theirs, /items/{id})")
    args = parser.parse(argv)
    if args is None:
        parser.print_help()
        return None
    if args.url is None and (args.verify or args.path):
        raise options.UsageError("--verify and --path go with --url")
    return args


class Context:
    """What a bench run shares: options, server, output, progress, findings."""

    def __init__(self, args):
        self.mode = "quick" if args.quick else "tiny" if args.tiny else "full"
        self.external_url = args.url or None    # without its trailing slashes
        self.verify = (args.verify or "id") if args.url else None
        self.path = args.path
        self.plan = PLANS[self.mode]
        if self.external_url:
            self.plan = external_plan(self.plan, self.verify, self.path)
        self.runs = args.runs or self.plan["runs"]
        self.bin_dir = os.path.abspath(args.bin)
        server_dir = os.path.abspath(args.server_bin or args.bin)
        built = [m for m in MODELS if os.access(os.path.join(self.bin_dir, m), os.X_OK)]
        server = os.path.join(server_dir, "mock_server")
        if not built:
            raise SetupError(f"no client program in {self.bin_dir} (run make)")
        self.client_env = dict(os.environ, NO_PROXY="127.0.0.1,localhost",
                               no_proxy="127.0.0.1,localhost")
        self.client_env.pop("UV_THREADPOOL_SIZE", None)   # --uv-threadpool says it
        # A model built but unable to set up here (async_uring without
        # io_uring) is asked once, and left out of every run with its reason.
        self.unavailable = {}
        for model in built:
            why = model_unavailable(os.path.join(self.bin_dir, model), self.client_env)
            if why:
                self.unavailable[model] = why
        self.models = [m for m in built if m not in self.unavailable]
        if not self.models:
            raise SetupError(f"no client program in {self.bin_dir} can run here: "
                             + "; ".join(f"{m}: {why}" for m, why in self.unavailable.items()))
        if not self.external_url and not os.access(server, os.X_OK):
            raise SetupError(f"no {server} (run make)")
        client = os.path.join(self.bin_dir, self.models[0])
        self.facts = Facts(default_dishes(client), default_rounds(client), usable_cores())
        if self.external_url:
            first = (self.path or "/items/{id}").replace("{id}", "1").replace("{size}", "0")
            self.facts.latency_guess_ms = probe_latency_ms(self.external_url + first)
        # Without --out, the run's own folder; its name is known when it ends.
        self.results = os.path.join(ROOT, "results")
        self.out = os.path.abspath(args.out) if args.out else None
        self.pid_max = read_int("/proc/sys/kernel/pid_max", 32768)
        self.nofile_hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        if self.nofile_hard == resource.RLIM_INFINITY:
            self.nofile_hard = 1 << 20
        self.server = ExternalServer(self.external_url) if self.external_url else Server(server, None)
        self.versions, self.errors, self.sweep_stops = {}, [], {}
        self.task_ms, self.calibrations = {}, []   # W per --rounds, and how measured
        self.reference = plan_reference(self.plan, args.runs, self.bin_dir, self.facts)
        self.reference_clients = reference_client_states(self.external_url)
        self.syscall_step = plan_syscall_step(self.plan, self.external_url, self.models,
                                              self.facts)
        self.work = self.writer = self.runs_file = self.progress = None

    def runnable_references(self):
        """The reference clients that can run here, in REFERENCE_CLIENTS' order."""
        return [name for name, state in self.reference_clients.items() if not state["skipped"]]


def print_plan(ctx, configs):
    total = 0.0
    for config in configs:
        for spec in config.specs:
            runs = 0 if spec.skip else 1 + ctx.runs
            total += runs * spec.estimate_s
            state = f"skipped: {spec.skip}" if spec.skip else f"{runs} x {spec.estimate_s:.2f} s"
            print(f"{config.name:<31} {spec.model:<14} {spec.key:<58} {state}")
    for model, why in ctx.unavailable.items():
        print(f"{'every configuration':<31} {model:<14} {'':<58} skipped: {why}")
    for name, state in ctx.reference_clients.items():
        if state["skipped"]:
            print(f"{'reference client':<31} {name:<14} {'':<58} skipped: {state['skipped']}")
    # The steps beside the plan (the reference step before it, the system
    # calls after it): each has its command, its estimate or why it is skipped.
    for name, step in (("reference clients", ctx.reference),
                       ("system calls (untimed)", ctx.syscall_step)):
        if step.skip:
            state = f"skipped: {step.skip}"
        else:
            state = f"1 x {step.estimate_s:.2f} s"
            total += step.estimate_s
        print(f"{name:<31} {'':<14} {step.command():<58} {state}")
    print(f"estimated total: {clock(total)} (server starts and charts aside)")


def bench(ctx, configs, groups):
    """Runs the plan into the work folder and makes the report there."""
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    ctx.server.log_path = os.path.join(ctx.work, "server.log")
    ctx.progress = Progress(configs, ctx.runs, ctx.reference)
    for model, why in ctx.unavailable.items():
        ctx.progress.note(f"{model} skipped: {why}")
    for name, state in ctx.reference_clients.items():
        if state["skipped"]:
            ctx.progress.note(f"reference client {name} skipped: {state['skipped']}")
    # The reference step first, on a machine no run has stirred yet: right
    # after the count sweep's 10,000 threads have exited, thread-starting
    # clients (plain_pool, async_threads) ran 5 to 7% slower for seconds,
    # the loop models not at all (issue 23's notes). reference.py starts a
    # server of its own; the plan's starts when its first run needs it.
    run_reference(ctx)
    with open(os.path.join(ctx.work, "reference.json"), "w") as reference_file:
        json.dump(ctx.reference.records, reference_file, indent=2)
        reference_file.write("\n")
    with open(os.path.join(ctx.work, "runs.csv"), "w", newline="") as runs_file:
        ctx.runs_file = runs_file
        ctx.writer = csv.DictWriter(runs_file, fieldnames=RUN_FIELDS, lineterminator="\n")
        ctx.writer.writeheader()
        for config in configs:
            run_config(ctx, config)
    run_syscall_step(ctx)  # on this server, untimed
    write_syscall_tables(ctx.work, ctx.syscall_step)
    finished = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    meta = build_meta(ctx, groups, started, finished)
    with open(os.path.join(ctx.work, "meta.json"), "w") as meta_file:
        json.dump(meta, meta_file, indent=2)
        meta_file.write("\n")
    ctx.progress.note("making the charts and REPORT.md")
    report.build(ctx.work)


# The signals that stop a bench as Ctrl-C does: a closed terminal (SIGHUP)
# too, which would otherwise leave the mock server and the work folder.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def on_signal(signum, frame):
    """The first stop signal interrupts the bench and ignores the ones after
    it, so that none interrupts the cleanup the first began. They often come
    twice: timeout(1) sends its signal to the bench and then to their process
    group, a terminal to the whole foreground group, an impatient user twice."""
    ignore_stop_signals()
    raise Interrupted(signum)


def ignore_stop_signals():
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def main(argv):
    args, status = options.read_command_line(parse_args, argv, PROGRAM)
    if args is None:
        return status
    for signum in STOP_SIGNALS:
        # A signal ignored at start (nohup's SIGHUP) stays ignored.
        if signal.getsignal(signum) != signal.SIG_IGN:
            signal.signal(signum, on_signal)
    ctx = None
    try:
        ctx = Context(args)
        configs, groups = plan_configs(ctx.plan, ctx.models, ctx.facts,
                                       ctx.runnable_references())
        if args.list:
            print_plan(ctx, configs)
            return 0
        report.check_gnuplot()
        ctx.work = make_work_dir(ctx.out or os.path.join(ctx.results, RUNS))
        bench(ctx, configs, groups)
        if ctx.out:
            publish(ctx.work, ctx.out)
        else:
            ctx.out = publish_run(ctx.work, ctx.results)
        ctx.work = None
        sys.stdout.write(report.headline_table(ctx.out))
        # One line that says where the run went, and, for a run of its own,
        # the short name of it and the command that puts it into the lesson.
        own = "" if args.out else (f" (also {os.path.join('results', LATEST, 'REPORT.md')}; "
                                   "the lesson with these figures: scripts/lesson.py)")
        ctx.progress.note(f"done in {clock(time.monotonic() - ctx.progress.started)}: "
                          f"{os.path.join(ctx.out, 'REPORT.md')}{own}")
        if ctx.errors:
            ctx.progress.note(f"{len(ctx.errors)} run(s) errored; see REPORT.md and runs.csv")
        return 1 if ctx.errors else 0
    except Interrupted as why:
        sys.stderr.write(f"\n{PROGRAM}: interrupted ({why}); the previous results are unchanged\n")
        return 128 + why.signum
    except (SetupError, ReportError) as err:
        sys.stderr.write(f"{PROGRAM}: {err}\n")
        return 3
    finally:
        ignore_stop_signals()   # cleanup is not interrupted
        if ctx is not None:
            ctx.server.stop()
            if ctx.work:
                shutil.rmtree(ctx.work, ignore_errors=True)
                if not ctx.out:
                    remove_if_empty(os.path.join(ctx.results, RUNS))


def remove_if_empty(folder):
    """An interrupted first run leaves no empty results/runs behind."""
    try:
        os.rmdir(folder)
    except OSError:
        pass        # not empty: earlier runs are in it
