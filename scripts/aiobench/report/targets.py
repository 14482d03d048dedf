"""targets.py: the section "Targets": speed beside plain clients, memory per waiting task."""

from aiobench.report.context import Lines
from aiobench.reference_step import STATUS_ONLY_SUFFIX
from aiobench.report.plain_clients import reference_missing, reference_words
from aiobench.report.words import fmt_size, fmt_time
from aiobench.schema import parse_size
from aiobench.server import SERVER_THREADS_MAX

# The speed targets: a client's whole-process median against another's, at
# most 1 + tolerance times it: (comparison, client, against, tolerance).
SPEED_TARGETS = [("fetch", "async_threads", "plain_pool", 0.03),
                 ("fetch", "async_coro", "async_uv", 0.03),
                 ("fetch", "async_uring", "async_coro", 0.03),
                 ("download", "async_threads", "curl_parallel", 0.10),
                 ("download", "async_uv", "curl_parallel", 0.10),
                 ("download", "async_coro", "curl_parallel", 0.10),
                 ("download", "async_uring", "curl_parallel", 0.10)]
# The workload the speed targets speak of (the full plan's reference step).
TARGET_WORKLOAD = {"count": 100, "latency_ms": 200, "size": "1M"}
# Peak memory per waiting request, at most limit KB, plus the model's
# touched stack when plus_stack is set, plus another model's whole figure
# when beside names one: (model, limit_kb, plus_stack, beside). A
# coroutine may cost what a callback costs and its stack, and 1 KB more.
MEMORY_TARGETS = [("async_uv", 10, False, None),
                  ("async_coro", 1, True, "async_uv"),
                  ("async_uring", 1, True, "async_uv"),
                  ("async_threads", 40, False, None)]


def section(ctx):
    """The speed and memory targets, each with its measured figure and verdict."""
    out = Lines()
    rows = [speed_target(ctx, *t) for t in SPEED_TARGETS] + \
        [memory_target(ctx, *t) for t in MEMORY_TARGETS]
    out.add("## Targets: the speed and memory each model is held to", "",
            "Each target is judged from this run's data: the speed targets from "
            "the whole-process medians of [Against plain clients](#against-plain-clients), "
            "the memory targets from the slope of peak RSS over the count sweep "
            "([The cost of one waiting task](#the-cost-of-one-waiting-task)).", "")
    notes = []
    ref = ctx.res.reference
    if ref is not None and not ref["skipped"]:
        params = {k: ref["params"][k] for k in TARGET_WORKLOAD}
        if params != TARGET_WORKLOAD:
            notes.append(f"the reference step ran {reference_words(ctx)}")
    group = ctx.res.groups.get("count")
    largest = group["points"][-1]["value"] if group else None
    if largest is not None and largest < SERVER_THREADS_MAX:
        notes.append(f"the count sweep went up to N = {largest:,}")
    if notes:
        out.add(f"This {ctx.meta['mode']} plan measured less than the targets speak of: "
                f"{'; '.join(notes)}. The verdicts below are indicative only.", "")
    out.add("| target | measured | verdict |", "|---|---|---|")
    for target, measured, verdict in rows:
        out.add(f"| {target} | {measured} | {verdict} |")
    met = sum(1 for _, _, verdict in rows if verdict == "met")
    unmet = [target.split(": ", 1)[1] for target, _, verdict in rows if verdict == "not met"]
    summary = f"{met} of {len(rows)} targets met"
    if unmet:
        summary += "; not met: " + "; ".join(unmet)
    out.add("", summary + ".", "")
    return out


def speed_target(ctx, comparison, client, against, tolerance):
    """(target, measured, verdict) of a speed target, from reference.json."""
    size = fmt_size(parse_size(TARGET_WORKLOAD["size"]))
    what = f"{TARGET_WORKLOAD['count']} x {TARGET_WORKLOAD['latency_ms']} ms" + \
        (f", {size} each" if comparison == "download" else "")
    target = f"{comparison} {what}: {client} within {tolerance:.0%} of {against}"
    missing = reference_missing(ctx)
    mine = ctx.res.reference_record(comparison, client)
    theirs = ctx.res.reference_record(comparison, against)
    if missing or mine is None or theirs is None:
        absent = client if mine is None else against
        why = ctx.meta.get("models_unavailable", {}).get(absent)
        said = missing or (f"{absent} cannot run here: {why}" if why else f"no record of {absent}")
        return target, f"not measured: {said}", "not measured"
    measured_ratio = mine["whole_ms"] / theirs["whole_ms"]
    measured = (f"{measured_ratio:.3f}x: {fmt_time(mine['whole_ms'])} against "
                f"{fmt_time(theirs['whole_ms'])}")
    # The same model without the content check, where the step ran it: what
    # that check costs it (the verdict stays the checking model's).
    unchecked = ctx.res.reference_record(comparison, client + STATUS_ONLY_SUFFIX)
    if unchecked is not None:
        failed_note = (f" ({unchecked['failed_runs']} of {unchecked['runs']} runs failed)"
                       if unchecked["failed_runs"] else "")
        measured += (f"; {unchecked['whole_ms'] / theirs['whole_ms']:.2f}x with"
                     f"{STATUS_ONLY_SUFFIX}{failed_note}")
    failed = [f"{r['client']} {r['failed_runs']} of {r['runs']}" for r in (mine, theirs)
              if r["failed_runs"]]
    if failed:
        return target, measured + f"; failed runs: {', '.join(failed)}", "not judged"
    return target, measured, "met" if measured_ratio <= 1 + tolerance else "not met"


def memory_target(ctx, model, limit_kb, plus_stack, beside):
    """(target, measured, verdict) of a memory target, from the count sweep."""
    target = (f"fetch 10,000 at once: {model} at most "
              f"{beside + ' + ' if beside else ''}"
              f"{'its touched stack + ' if plus_stack else ''}{limit_kb} KB per waiting request")
    cost = ctx.costs.get(model)
    other = ctx.costs.get(beside) if beside else None
    if cost is None or (beside and other is None):
        absent = model if cost is None else beside
        return target, f"not measured: fewer than two points of {absent}'s count sweep", \
            "not measured"
    measured = (f"{cost.rss_kb:.1f} KB per task (peak RSS slope, N = {cost.counts[0]:,} "
                f"to {cost.counts[-1]:,})")
    if plus_stack and cost.stack_kb is None:
        return target, measured + "; no stack_touched_avg_kb reported", "not judged"
    parts = ([f"{other.rss_kb:.1f}"] if beside else []) + \
        ([f"{cost.stack_kb:.1f}"] if plus_stack else []) + [f"{limit_kb:g}"]
    limit = (other.rss_kb if beside else 0) + (cost.stack_kb if plus_stack else 0) + limit_kb
    if len(parts) > 1:
        measured += f" against {' + '.join(parts)} = {limit:.1f} KB"
    return target, measured, "met" if cost.rss_kb <= limit else "not met"
