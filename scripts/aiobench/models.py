"""models.py: the models and the reference clients, and what each takes.

Each model's flags for the knobs a configuration may turn (MODEL_KNOBS, in
the order the models run), the reference clients' limits
(REFERENCE_CLIENTS), and what follows from them for one configuration: the
command line, the window, the threads that compute and the threads started.
"""

# The knobs a configuration may turn, per model: the flag for the window
# (most tasks in flight), for the size of the thread pool that does blocking
# work (or, with --offload, the computing), and the loop models' two flags:
# compute on libuv's pool, and the pause as a blocking sleep (the pitfall).
# In a sweep, a model without the knob runs the sweep's base configuration
# without it, as a reference line (sync is one at a time whatever the
# window). In the headline, a model without a knob the entry asks for has
# no run at all: the variant does not exist for it. The models run in this
# order, those that are built.
MODEL_KNOBS = {
    "sync":          {"window": None, "threads": None,
                      "offload": None, "blocking_process": None},
    "async_uv":      {"window": "--concurrency", "threads": "--uv-threadpool",
                      "offload": "--offload", "blocking_process": "--blocking-process"},
    "async_threads": {"window": "--concurrency", "threads": "--concurrency",
                      "offload": None, "blocking_process": None},
    "async_coro":    {"window": "--concurrency", "threads": "--uv-threadpool",
                      "offload": "--offload", "blocking_process": "--blocking-process"},
    # One thread and one io_uring, the kernel doing the I/O: no pool to
    # size or to compute on, so no threads and no --offload.
    "async_uring":   {"window": "--concurrency", "threads": None,
                      "offload": None, "blocking_process": "--blocking-process"},
}
MODELS = tuple(MODEL_KNOBS)
# The configuration's key that each knob sets (the knobs are named by what
# they do; the window is the configuration's "concurrency").
KNOB_PARAMS = {"offload": "offload", "blocking_process": "blocking_process",
               "window": "concurrency", "threads": "threads"}
LIBUV_THREADPOOL_DEFAULT = 4   # libuv's pool size without --uv-threadpool
NO_KNOBS = {"window": None, "threads": None, "offload": None, "blocking_process": None}

# The reference clients: plain, well-known clients run beside the models, so
# that a reader sees where a model stands against what people use. They are
# not models: the report never counts them among the models, nor judges a
# target by them. They run only on the plan's entries marked "references"
# (the headline fetch and download, and the count sweep up to count_max),
# interleaved with the models run by run, and their rows go into runs.csv
# under their own name. (scripts/reference.py, the step before the plan, is
# another thing: whole-process races on a server of its own, for the targets.)
#   python_asyncio: peers/python_asyncio (aiohttp on one asyncio loop), run by
#       AIO_BENCH_PYTHON with the C clients' options and --json;
#   curl_parallel: curl --parallel over the same URLs, timed by the runner.
# window_max: the most transfers it runs at once (None: all); clock: what its
# wall_ms is, "own" (its summary's, as a model's) or "whole" (the runner's
# whole-process time: curl has no clock of its own); start_s and
# per_task_ms: rough costs, for the estimates only. How each is run:
# clients.py.
CURL_PARALLEL_MAX = 300        # curl refuses more: --parallel-max is capped at 300
REFERENCE_CLIENTS = {
    "python_asyncio": {
        "count_max": 3000, "window_max": None, "clock": "own",
        "start_s": 0.25, "per_task_ms": 1.0,
        "limit_why": "its cost per request is fitted over the points up to there; a "
                     "larger N would only cost the bench more of the interpreter's one "
                     "thread, and the claim it is run for is about N = 100"},
    "curl_parallel": {
        "count_max": 1000, "window_max": CURL_PARALLEL_MAX, "clock": "whole",
        "start_s": 0.02, "per_task_ms": 0.3,
        "limit_why": f"curl caps --parallel-max at {CURL_PARALLEL_MAX}, so past "
                     f"N = {CURL_PARALLEL_MAX} it runs a window of {CURL_PARALLEL_MAX} "
                     f"(its ideal ceil(N/{CURL_PARALLEL_MAX})*L), not all at once; one point "
                     "past the cap shows it, more would only repeat it"},
}


def client_args(model, params):
    """The command line (after the program) that runs params on model."""
    workload = params["workload"]
    args = [workload]
    if workload != "cook":
        args += ["-n", str(params["count"])]
    if workload in ("fetch", "download") and "latency_ms" in params:
        args += ["--latency-ms", str(params["latency_ms"])]
    for key in ("verify", "path"):     # against a server that is not the mock
        if key in params:
            args += [f"--{key}", str(params[key])]
    if workload in ("download", "files"):
        args += ["--size", str(params["size"])]
    if params.get("fsync"):
        args.append("--fsync")
    if "time_scale" in params:
        args += ["--time-scale", f"{params['time_scale']:g}"]
    if "rounds" in params:
        args += ["--rounds", str(params["rounds"])]
    for key, flag in (("process_ms", "--process-ms"), ("process_cpu_ms", "--process-cpu-ms")):
        if params.get(key):
            args += [flag, str(params[key])]
    if "rate" in params:               # every model and the Python client take it
        args += ["--rate", f"{params['rate']:g}"]
    for knob in ("blocking_process", "offload", "window", "threads"):
        flag, value = knobs_of(model)[knob], params.get(KNOB_PARAMS[knob])
        if value and flag:
            args += [flag] if value is True else [flag, str(value)]
    return args


def knobs_of(model):
    """model's flags for the knobs (MODEL_KNOBS); a reference client has none."""
    return MODEL_KNOBS.get(model, NO_KNOBS)


def lacking_knobs(model, params):
    """The flags params asks for that model does not take, by knob name."""
    return [knob for knob, key in KNOB_PARAMS.items()
            if params.get(key) and not knobs_of(model)[knob]]


def knob_flag(knob):
    """A knob's flag as the models that take it spell it."""
    return next(k[knob] for k in MODEL_KNOBS.values() if k[knob])


def effective_params(model, params):
    """params without the knobs model does not have (what it really runs)."""
    lacking = {KNOB_PARAMS[knob] for knob in lacking_knobs(model, params)}
    return {k: v for k, v in params.items() if k not in lacking}


def compute_threads(model, params):
    """The threads that can compute at once: the pool of async_threads (one
    thread per task unless a window or pool size is set), libuv's pool when
    a loop model offloads, else the one thread (sync, the loop)."""
    knobs = knobs_of(model)
    if knobs["offload"]:
        return (params.get("threads") or LIBUV_THREADPOOL_DEFAULT) if params.get("offload") else 1
    if knobs["threads"]:
        count = params["count"]
        return min(count, params.get("threads") or params.get("concurrency") or count)
    return 1


def window_of(model, params):
    """The most tasks model runs at once on params (fetch, download): one for
    sync, the window asked for or all; a reference client's own limit."""
    count = params["count"]
    if model in REFERENCE_CLIENTS:
        return min(count, REFERENCE_CLIENTS[model]["window_max"] or count)
    if not knobs_of(model)["window"]:
        return 1
    return min(count, params.get("concurrency") or count)


def client_threads(model, params):
    """Roughly how many threads the client will start (for the pid budget)."""
    if model == "async_threads" and params["workload"] != "cook":
        window = params.get("threads") or params.get("concurrency") or params.get("count", 1)
        return min(window, params.get("count", window), 10000) + 2
    if model in ("async_uv", "async_coro"):
        return (params.get("threads") or 4) + 2
    return 2


def in_flight_max(model, params):
    """The most requests the run can have waiting at the server at once."""
    if params["workload"] not in ("fetch", "download"):
        return 0
    return window_of(model, params)
