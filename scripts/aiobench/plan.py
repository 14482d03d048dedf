"""plan.py: the plan, what is run, and its expansion into configurations.

The plan is data (PLANS: the full plan, --quick and --tiny): the headline
entries, the sweeps and the reference step's workload. plan_configs turns
it into the configurations the runner follows, each with a Spec per model
(its command line, ideal and estimated time, or why it is skipped), and
into the groups the report reads back from meta.json. docs/runner.md
("The plan") describes it for readers.
"""

import dataclasses

from aiobench.ideal import ideal_ms
from aiobench.models import (LIBUV_THREADPOOL_DEFAULT, REFERENCE_CLIENTS, client_args,
                             compute_threads, effective_params, in_flight_max, knob_flag,
                             lacking_knobs)
from aiobench.schema import parse_size
from aiobench.server import server_threads_for

# The pairs of headline entries that show the loop's health: the right way
# and the way that holds the loop up (same names in every plan).
LOOP_PAIRS = [("fetch --process-ms", "fetch --blocking-process"), ("cpu --offload", "cpu")]


def processing_headline(cpu, fetch, each_ms):
    """The headline entries of "When async does not pay", alike in every
    plan: cpu tasks (cpu: count, rounds) on one thread and offloaded; and
    fetch (fetch: count, latency_ms) with each item processed for each_ms,
    as a pause, as CPU work and as a pause that blocks the loop."""
    cpu = dict(cpu, workload="cpu", part="processing")
    fetch = dict(fetch, workload="fetch", part="processing")
    return [
        dict(cpu, name="cpu"),
        dict(cpu, name="cpu --offload", offload=True, threads=LIBUV_THREADPOOL_DEFAULT),
        dict(fetch, name="fetch --process-ms", process_ms=each_ms),
        dict(fetch, name="fetch --process-cpu-ms", process_cpu_ms=each_ms),
        dict(fetch, name="fetch --blocking-process", process_ms=each_ms, blocking_process=True),
    ]


# A configuration is a workload with its client options: count, latency_ms,
# concurrency (the window; 0 = none), size, fsync, threads, time_scale,
# rounds (cpu; the programs' default when absent), process_ms (fetch: a
# pause per item), process_cpu_ms (fetch: busy CPU per item), offload and
# blocking_process (the loop models only). "trace": each model's per-task
# trace of the median run is kept. "part": "processing" puts a headline
# entry in the report's "When async does not pay" rather than beside the
# plain I/O workloads. Every cpu configuration's ideal needs W, one task's
# time on one core, measured first in the same bench (the calibration: the
# configuration's tasks one after another on one thread, see plan_configs).
# "references" (a headline entry or a sweep): the reference clients run there
# too (REFERENCE_CLIENTS; in a sweep, up to their count_max). "models" (a
# sweep): only these models run it, those of them that are built.
# The rate sweep: N tasks started on a schedule (--rate R, task i at i/R s),
# R from below 1/L to ten times it, by sync and one loop model only: sync
# at R over 1/L takes N*L whatever R, and a run under --rate cannot end
# before (N-1)/R + L, so each point costs seconds, not milliseconds, and
# another loop model would only add the same flat line.
RATE_MODELS = ("sync", "async_uv")
# "reference": the workload of scripts/reference.py, run before the plan:
# fetch count items at latency_ms beside bin/plain_pool, and download count
# blobs of size beside curl --parallel, in runs counted rounds (the plan's
# runs when it gives none; --runs sets both). The full plan's 10 are the
# interleaved comparison its speed targets are judged on: a median of 3
# moved by 10% from run to run here.
# "syscalls": the untimed step after the plan (syscall_step.py): each model
# runs fetch and download (count items at latency_ms, blobs of size), files
# and files --fsync (count files of size) under strace -f -c, and the files
# runs again with their threads sampled; the same options for every model.
PLANS = {
    "full": {
        "runs": 3,
        "skip_s": 30,   # a run estimated to take longer is skipped, not cut
        "headline": [
            {"name": "fetch", "workload": "fetch", "count": 100, "latency_ms": 200,
             "trace": True, "references": True},
            {"name": "download", "workload": "download", "count": 100,
             "latency_ms": 200, "size": "1M", "references": True},
            {"name": "files", "workload": "files", "count": 100, "size": "1M"},
            {"name": "files --fsync", "workload": "files", "count": 100, "size": "1M",
             "fsync": True},
            {"name": "cook", "workload": "cook", "trace": True},
            *processing_headline(cpu={"count": 8},
                                 fetch={"count": 50, "latency_ms": 100},
                                 each_ms=20),
        ],
        "sweeps": [
            {"name": "count", "vary": "count",
             "values": [1, 3, 10, 30, 100, 300, 1000, 3000, 10000],
             "base": {"workload": "fetch", "latency_ms": 200}, "references": True},
            {"name": "latency", "vary": "latency_ms",
             "values": [0, 1, 2, 5, 10, 20, 50, 100, 200, 500],
             "base": {"workload": "fetch", "count": 100}},
            {"name": "window", "vary": "concurrency",
             "values": [1, 3, 10, 30, 100],
             "base": {"workload": "fetch", "count": 100, "latency_ms": 200}},
            {"name": "threads", "vary": "threads",
             "values": [1, 2, 4, 8, 16, 32, 64],
             "base": {"workload": "files", "count": 100, "size": "1M", "fsync": True}},
            {"name": "cpu-threads", "vary": "threads", "values": [1, 2, 4, 8],
             "base": {"workload": "cpu", "count": 8, "offload": True}},
            # 1/L = 5 a second; 40 runs, warm-ups included: 1:00 alone here.
            {"name": "rate", "vary": "rate", "values": [3, 5, 10, 20, 50],
             "base": {"workload": "fetch", "count": 8, "latency_ms": 200},
             "models": RATE_MODELS},
        ],
        "reference": {"count": 100, "latency_ms": 200, "size": "1M", "runs": 10},
        "syscalls": {"count": 100, "latency_ms": 20, "size": "256K"},
    },
    # The same questions, smaller: under a minute on a 2-core machine.
    "quick": {
        "runs": 1,
        "skip_s": 3,
        "headline": [
            {"name": "fetch", "workload": "fetch", "count": 20, "latency_ms": 100,
             "trace": True, "references": True},
            {"name": "download", "workload": "download", "count": 20,
             "latency_ms": 100, "size": "256K", "references": True},
            {"name": "files", "workload": "files", "count": 20, "size": "256K"},
            {"name": "files --fsync", "workload": "files", "count": 20, "size": "256K",
             "fsync": True},
            {"name": "cook", "workload": "cook", "time_scale": 0.1, "trace": True},
            *processing_headline(cpu={"count": 8},
                                 fetch={"count": 20, "latency_ms": 50},
                                 each_ms=10),
        ],
        "sweeps": [
            {"name": "count", "vary": "count", "values": [1, 10, 100, 1000],
             "base": {"workload": "fetch", "latency_ms": 50}, "references": True},
            {"name": "latency", "vary": "latency_ms", "values": [0, 10, 50, 100],
             "base": {"workload": "fetch", "count": 20}},
            {"name": "window", "vary": "concurrency", "values": [1, 4, 20],
             "base": {"workload": "fetch", "count": 20, "latency_ms": 50}},
            {"name": "threads", "vary": "threads", "values": [1, 4, 16],
             "base": {"workload": "files", "count": 20, "size": "256K", "fsync": True}},
            {"name": "cpu-threads", "vary": "threads", "values": [1, 2, 4, 8],
             "base": {"workload": "cpu", "count": 8, "offload": True}},
            {"name": "rate", "vary": "rate", "values": [10, 20, 40, 100],
             "base": {"workload": "fetch", "count": 8, "latency_ms": 50},
             "models": RATE_MODELS},
        ],
        "reference": {"count": 20, "latency_ms": 100, "size": "256K"},
        "syscalls": {"count": 20, "latency_ms": 20, "size": "256K"},
    },
    # For tests/integration/test_bench.sh: every part of the runner, in seconds.
    "tiny": {
        "runs": 1,
        "skip_s": 0.5,
        "headline": [
            {"name": "fetch", "workload": "fetch", "count": 5, "latency_ms": 10,
             "trace": True, "references": True},
            {"name": "download", "workload": "download", "count": 3, "latency_ms": 10,
             "size": "16K", "references": True},
            {"name": "files", "workload": "files", "count": 3, "size": "16K"},
            {"name": "files --fsync", "workload": "files", "count": 3, "size": "16K",
             "fsync": True},
            {"name": "cook", "workload": "cook", "time_scale": 0.01, "trace": True},
            *processing_headline(cpu={"count": 4, "rounds": 2000},
                                 fetch={"count": 5, "latency_ms": 10},
                                 each_ms=5),
        ],
        "sweeps": [
            {"name": "count", "vary": "count", "values": [1, 5, 60],
             "base": {"workload": "fetch", "latency_ms": 10}, "references": True},
            {"name": "latency", "vary": "latency_ms", "values": [0, 10, 20],
             "base": {"workload": "fetch", "count": 5}},
            {"name": "window", "vary": "concurrency", "values": [1, 2, 5],
             "base": {"workload": "fetch", "count": 5, "latency_ms": 10}},
            {"name": "threads", "vary": "threads", "values": [1, 4],
             "base": {"workload": "files", "count": 3, "size": "16K", "fsync": True}},
            {"name": "cpu-threads", "vary": "threads", "values": [1, 2, 4],
             "base": {"workload": "cpu", "count": 4, "rounds": 2000, "offload": True}},
            {"name": "rate", "vary": "rate", "values": [50, 400],
             "base": {"workload": "fetch", "count": 4, "latency_ms": 10},
             "models": RATE_MODELS},
        ],
        "reference": {"count": 5, "latency_ms": 10, "size": "16K"},
        "syscalls": {"count": 5, "latency_ms": 10, "size": "16K"},
    },
}


# Rough costs, only for the ETA and the skip rule; the ETA corrects itself
# by the ratio of measured to estimated time as runs finish.
COST_START_S = 0.05            # a client's start and exit
COST_PER_TASK_MS = {"sync": 0.3, "async_uv": 0.25, "async_threads": 0.4, "async_coro": 0.25,
                    "async_uring": 0.25}
COST_BYTES_PER_S = 300e6       # loopback transfer or page-cache write + read
COST_FSYNC_MS = 5.0            # one small file's fsync on this disk
COST_ROUND_MS = 50.0 / 8000    # one cpu round on one core: a guess for the estimate only


@dataclasses.dataclass
class Spec:
    """One model's run of one configuration, with its counted rows."""
    model: str
    params: dict               # the configuration (see PLANS)
    args: list                 # the client's arguments, URL and output flags aside
    ideal_ms: float            # None: no ideal (local files)
    estimate_s: float
    trace_name: str = None     # keep the median run's trace as traces/NAME-MODEL.csv
    skip: str = None           # why it is not run (or not run further)
    rows: list = dataclasses.field(default_factory=list)
    trace_paths: list = dataclasses.field(default_factory=list)

    @property
    def key(self):
        return " ".join(self.args)


@dataclasses.dataclass
class Facts:
    """What the plan's ideals and estimates depend on besides the plan."""
    dishes: list               # cook's default dishes, [(name, seconds)]
    rounds: int                # cpu's default --rounds
    cores: int                 # the cores the clients may run on
    latency_guess_ms: float = 0   # --url: one answer's time, measured once; estimates only


def external_plan(plan, verify, path):
    """plan, cut to what can be asked of a server that is not the mock: the
    plain fetch of the headline (no processing, no knob) and the sweeps of
    fetch but the latency's and the rate's (its rates are placed around the
    mock's 1/L), none asking for ?latency_ms= (the server's
    latency is what it is, and unknown, so there are no ideals), each task
    checked as --verify says, at --path. No reference step."""
    def fetch_only(params):
        out = {k: v for k, v in params.items() if k != "latency_ms"}
        out["verify"] = verify
        if path:
            out["path"] = path
        return out

    headline = [fetch_only(h) for h in plan["headline"]
                if h["workload"] == "fetch" and not set(h) & {"process_ms", "process_cpu_ms",
                                                              "blocking_process", "offload"}]
    sweeps = [dict(sw, base=fetch_only(sw["base"])) for sw in plan["sweeps"]
              if sw["base"]["workload"] == "fetch" and sw["vary"] not in ("latency_ms", "rate")]
    return dict(plan, headline=headline, sweeps=sweeps, reference=None)


@dataclasses.dataclass
class Config:
    """A configuration: the specs first asked for here, run together."""
    name: str                  # "headline fetch", "count 1000"
    sweep: str                 # the sweep it belongs to, None for the headline
    specs: list
    server_threads: int        # 0: needs no server
    calibrates: bool = False   # its one spec measures W, one cpu task on one core


def estimate_s(model, params, facts):
    """A rough guess of one run's wall time, for the ETA and the skip rule."""
    workload = params["workload"]
    count = len(facts.dishes) if workload == "cook" else params["count"]
    task_ms = params.get("rounds", facts.rounds) * COST_ROUND_MS
    if workload == "fetch" and "latency_ms" not in params:
        params = dict(params, latency_ms=facts.latency_guess_ms)   # for the estimate only
    reference = REFERENCE_CLIENTS.get(model, {})
    seconds = reference.get("start_s", COST_START_S)
    seconds += (ideal_ms(model, params, facts, task_ms) or 0) / 1000.0
    seconds += count * reference.get("per_task_ms", COST_PER_TASK_MS.get(model, 0)) / 1000.0
    if workload in ("download", "files"):
        seconds += count * parse_size(params["size"]) / COST_BYTES_PER_S
    if params.get("fsync"):
        seconds += count * COST_FSYNC_MS / 1000.0
    return seconds


def plan_configs(plan, models, facts, references=()):
    """Expands the plan into configurations and groups (for the report).

    A run asked for twice (sync's window sweep is its headline fetch) is one
    Spec, run where it is first asked for. A headline entry asking for a flag
    a model does not take (--offload of sync) has no Spec for that model.
    Before the first cpu configuration of each --rounds comes its
    calibration, which measures W: the same N tasks one after another on
    one thread (sync's own run of that configuration; without sync, a loop
    model's on its loop, or async_threads' with a pool of one), whose
    median wall time over N is W. Configurations are ordered by the server
    threads they need, so the server is restarted only to grow; the
    calibration and the cpu runs need none and keep plan order. The
    reference clients given (those that can run here) join the models on
    the entries marked "references", a sweep's up to their count_max; they
    take --size in bytes, as curl must be given it anyway."""
    expansion = Expansion(plan, models, facts)
    for head in plan["headline"]:
        expansion.add_headline(head, references)
    for sweep in plan["sweeps"]:
        expansion.add_sweep(sweep, references)
    expansion.configs.sort(key=lambda c: c.server_threads)   # stable: plan order otherwise
    return expansion.configs, expansion.groups


class Expansion:
    """plan_configs' work: the specs made so far (one per model and command
    line), the configurations and the groups, in plan order."""

    def __init__(self, plan, models, facts):
        self.plan, self.models, self.facts = plan, models, facts
        self.specs_by_key = {}
        self.configs, self.groups = [], []
        self.calibrated = set()
        self.new = []              # the specs first asked for by the configuration at hand
        self.calibration_model = next(m for m in ("sync", "async_uv", "async_coro",
                                                  "async_threads", *models) if m in models)

    def spec_for(self, model, params, trace_name):
        if model in REFERENCE_CLIENTS:
            params = dict(params, size=str(parse_size(params["size"]))) if "size" in params \
                else params
        else:
            params = effective_params(model, params)
        args = client_args(model, params)
        key = (model, " ".join(args))
        spec = self.specs_by_key.get(key)
        if spec is None:
            spec = Spec(model, params, args, ideal_ms(model, params, self.facts),
                        estimate_s(model, params, self.facts))
            if spec.estimate_s > self.plan["skip_s"]:
                spec.skip = (f"one run would take about {spec.estimate_s:.0f} s, "
                             f"over the {self.plan['skip_s']:g} s limit")
            self.specs_by_key[key] = spec
            self.new.append(spec)
        if trace_name and spec.trace_name is None:
            spec.trace_name = trace_name
        return spec

    def add_config(self, name, sweep, params, point_models, trace_name=None,
                   point_references=()):
        if params["workload"] == "cpu":
            self.add_calibration(params)
        self.new = []
        point = {m: self.spec_for(m, params, trace_name) for m in point_models}
        point.update({r: self.spec_for(r, params, None) for r in point_references})
        need = max((in_flight_max(m, p.params) for m, p in point.items()), default=0)
        threads = server_threads_for(need) if need else 0
        self.configs.append(Config(name, sweep, self.new, threads))
        return point

    def add_calibration(self, params):
        rounds = params.get("rounds", self.facts.rounds)
        if rounds in self.calibrated:
            return
        self.calibrated.add(rounds)
        self.new = []
        one = {k: v for k, v in params.items() if k in ("workload", "rounds", "count")}
        if compute_threads(self.calibration_model, one) > 1:
            one["concurrency"] = 1            # one thread computing: a pool of one
        spec = self.spec_for(self.calibration_model, one, None)
        self.configs.append(Config(f"cpu calibration {rounds}", None, self.new, 0,
                                   calibrates=True))
        self.groups.append({"kind": "calibration", "name": "cpu calibration", "params": one,
                            "points": [{"value": rounds,
                                        "specs": {self.calibration_model: spec}}]})

    def add_headline(self, head, references):
        params = {k: v for k, v in head.items()
                  if k not in ("name", "trace", "part", "references")}
        models = self.models
        absent = {m: [knob_flag(k) for k in lacking_knobs(m, params)]   # the flags it lacks
                  for m in models if lacking_knobs(m, params)}
        point = self.add_config(f"headline {head['name']}", None, params,
                                [m for m in models if m not in absent],
                                head["name"] if head.get("trace") else None,
                                references if head.get("references") else ())
        self.groups.append({"kind": "headline", "name": head["name"], "params": params,
                            "part": head.get("part", "io"), "absent": absent,
                            "references": bool(head.get("references")),
                            "points": [{"value": None, "specs": point}]})

    def add_sweep(self, sweep, references):
        points = []
        models = [m for m in self.models if m in sweep.get("models", self.models)]
        for value in sweep["values"]:
            params = dict(sweep["base"], **{sweep["vary"]: value})
            joining = [r for r in references if sweep.get("references")
                       and params["count"] <= REFERENCE_CLIENTS[r]["count_max"]]
            point = self.add_config(f"{sweep['name']} {value}", sweep["name"], params,
                                    models, point_references=joining)
            points.append({"value": value, "specs": point})
        self.groups.append({"kind": "sweep", "name": sweep["name"], "vary": sweep["vary"],
                            "params": sweep["base"], "points": points, "models": models,
                            "references": bool(sweep.get("references"))})
