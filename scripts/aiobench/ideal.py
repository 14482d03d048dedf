"""ideal.py: the ideal time of a run, its formula and its words side by side.

The ideal is the time the run would take if only what cannot overlap
counted. Waiting: N*L one at a time, ceil(N/C)*L with a window of C, L all
at once; fetch's pause (process_ms) is waiting too: L+P per item. cook: the
sum of the dishes one at a time, the longest at once. Computing: N*W over
min(T, cores) cores, T the threads that compute (models.compute_threads),
W one task's time on one core (task_ms, measured by the bench's cpu
calibration); fetch's busy CPU (process_cpu_ms, P_cpu) after the wait:
L + N*P_cpu/min(T, cores). A blocking pause holds the loop: L + N*P, the
pauses one after another. None where no ideal is well defined: files (the
disk's time), cpu without a measured W, busy or blocking processing under a
window (how it interleaves with the waits depends on the order of
answers), and a server whose latency is its own (bench.py --url). Under
--rate R the last task cannot start before (N-1)/R: all at once the run
takes (N-1)/R + L, one at a time max(N*L, (N-1)/R + L); none under a
window between (_scheduled_case).

One case analysis (_case) gives both: the bench records ideal_ms in
runs.csv and meta.json, and the report says which formula it was with
ideal_words. The paragraphs and chart titles that explain the ideals to
the report's readers are here too.
"""

import math

from aiobench.models import compute_threads, knobs_of, window_of

# The report's words for the ideals, beside the formulas below.
HEADLINE_WORDS = (
    "The ideal is the time if only the waiting counted: N*L one at a time (sync), L all at "
    "once, ceil(N/C)*L with a window of C; for cook the sum of the dishes against the "
    "longest. files has no ideal: its work is the disk's and the CPU's, with no known "
    "waiting to overlap.")
PROCESSING_WORDS = (
    "The ideals: a pause P per item is waiting, L+P all at once and N*(L+P) one at a time; "
    "CPU work after the wait, L + N*P/min(T, cores); a pause that blocks the loop, L + N*P, "
    "the pauses one after another; cpu, N*W/min(T, cores). Under a window, CPU work or a "
    "blocking pause has no ideal here: how it interleaves with the waits depends on the "
    "order of the answers.")
# A sweep's ideal lines in its chart's key: (a model's without the sweep's
# knob, SWEEP_KNOB: sync one at a time, async_uring with no pool to compute
# on; the other models').
SWEEP_TITLES = {"count": ("N*L (one at a time)", "L (all at once)"),
                "latency": ("N*L (one at a time)", "L (all at once)"),
                "window": ("N*L (one at a time)", "ceil(N/C)*L (window C)"),
                "cpu-threads": ("N*W (one thread)", "N*W/min(T, cores)")}
SWEEP_KNOB = {"count": "window", "latency": "window", "window": "window",
              "cpu-threads": "threads"}
WINDOW_IDEAL = "ceil(N/C)*L"
CPU_IDEAL = "N*W/min(T, cores)"


def intended_p99(model, params):
    """(words, ms): the ideal p99 of model's latency from the intended start
    under --rate R (task i meant at i/R s), or (None, None). All at once,
    every task takes L from its time: L. One at a time, task i starts at
    max(i/R, i*L) and so takes max(L, (i+1)*L - i/R) from its time, which
    grows with i; the p99 (nearest rank, as the clients' summary) is task
    k-1's, k = ceil(0.99*N) (k = N up to N = 100). None under a window
    between, with processing or without a latency or a rate."""
    if "latency_ms" not in params or not params.get("rate") or \
            set(params) & {"process_ms", "process_cpu_ms", "blocking_process"}:
        return None, None
    count, latency, rate = params["count"], params["latency_ms"], params["rate"]
    window = window_of(model, params)
    if window == count:
        return "L (all at once)", latency
    if window > 1:
        return None, None
    k = math.ceil(0.99 * count)
    return "max(L, k*L - (k-1)/R), k = ceil(0.99*N) (one at a time)", \
        max(latency, k * latency - (k - 1) * 1000.0 / rate)


def sweep_titles(sweep, models):
    """{model: its ideal's formula} for a sweep's chart (SWEEP_TITLES)."""
    titles = SWEEP_TITLES[sweep]
    return {m: titles[1] if knobs_of(m)[SWEEP_KNOB[sweep]] else titles[0] for m in models}


def ideal_ms(model, params, facts, task_ms=None):
    """The ideal time of model's run of params, in ms (None: no ideal).
    facts: the dishes and the cores (plan.Facts); task_ms: W, measured."""
    threads = None if params["workload"] in ("files", "cook") else compute_threads(model, params)
    return _case(model, params, threads)[1](facts, task_ms)


def ideal_words(model, params, threads=None, window=None):
    """Which formula model's ideal on params is, in words: 'one at a time,
    N*L', 'all at once, L', ... (None where there is none). threads: those
    that could compute at once, as the run reported them (the T of the
    CPU-bound ideals; None: not said); window: the most it ran at once,
    when it is not the model's own (a reference client's limit)."""
    return _case(model, params, threads, window)[0]


def _none(facts, task_ms):
    return None


def _scheduled_case(params, window, per_item, item_ms):
    """_case under --rate R (task i meant to start at i/R s): the last task
    starts at (N-1)/R at the earliest, so all at once the run takes
    (N-1)/R + L; one at a time the starts also wait for the tasks before,
    max(N*L, (N-1)/R + L). None under a window between, or with CPU work
    or a blocking pause (how they interleave with the schedule varies)."""
    count, rate = params["count"], params["rate"]
    last_start_ms = (count - 1) * 1000.0 / rate
    if params.get("process_cpu_ms") or params.get("blocking_process"):
        return None, _none
    if window == 1:
        return f"one at a time on a schedule, max(N*{per_item}, (N-1)/R + {per_item})", \
            lambda facts, task_ms: max(count * item_ms, last_start_ms + item_ms)
    if window < count:
        return None, _none
    return f"on a schedule, (N-1)/R + {per_item}", \
        lambda facts, task_ms: last_start_ms + item_ms


def _case(model, params, threads, window=None):
    """(words, ms): the case model's run of params falls in, with its
    formula as a function of (facts, task_ms). threads: the T of the
    CPU-bound formulas; window: as ideal_words'."""
    workload = params["workload"]
    if workload == "files":
        return None, _none
    if workload == "cook":
        def dishes_ms(facts):
            scale = params.get("time_scale", 1.0)
            return [seconds * scale * 1000.0 for _, seconds in facts.dishes]
        if model == "sync":
            return "the sum of the dishes", lambda facts, task_ms: sum(dishes_ms(facts))
        return "the longest dish", lambda facts, task_ms: max(dishes_ms(facts))
    spread = f"min(T, cores), T = {threads}" if threads else "min(T, cores)"
    if workload == "cpu":
        return f"N*W/{spread}", lambda facts, task_ms: (
            None if task_ms is None else params["count"] * task_ms / min(threads, facts.cores))
    if "latency_ms" not in params:
        return None, _none       # another server's own latency: unknown
    count, latency = params["count"], params["latency_ms"]
    pause, busy = params.get("process_ms", 0), params.get("process_cpu_ms", 0)
    per_item = "(L+P)" if pause or busy else "L"
    window = window_of(model, params) if window is None else window
    if params.get("rate"):
        return _scheduled_case(params, window, per_item, latency + pause)
    if window == 1:
        return f"one at a time, N*{per_item}", \
            lambda facts, task_ms: count * (latency + pause + busy)
    if busy or params.get("blocking_process"):
        if window < count:
            return None, _none
        if params.get("blocking_process"):
            return "L + N*P, the pauses in turn", \
                lambda facts, task_ms: latency + count * (pause + busy)
        return f"L + N*P/{spread}", \
            lambda facts, task_ms: latency + pause + count * busy / min(threads, facts.cores)
    if params.get("concurrency"):
        words = f"window C, ceil(N/C)*{per_item}"
    elif window < count:         # a reference client's own limit
        words = f"window of {window}, ceil(N/{window})*L"
    else:
        words = f"all at once, {per_item.strip('()')}"
    return words, lambda facts, task_ms: math.ceil(count / window) * (latency + pause)
