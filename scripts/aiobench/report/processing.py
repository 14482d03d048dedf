"""processing.py: the section "When async does not pay: computing, and blocking the loop"."""

from aiobench.ideal import CPU_IDEAL, PROCESSING_WORDS
from aiobench.report import cpu_threads, loop
from aiobench.report.context import Lines
from aiobench.report.tables import group_table, headline_sentence
from aiobench.report.walltime import WALLTIME_MARKS, render_walltime
from aiobench.report.words import compare, fmt_ratio, fmt_time


def section(ctx):
    """The cpu runs, fetch's processing per item, the thread sweep of the
    computing and the loop's health: where overlapping waits cannot help."""
    out = Lines()
    groups = ctx.res.processing
    if not groups:
        return out
    out.add("## When async does not pay: computing, and blocking the loop", "",
            "Asynchronous I/O overlaps waiting, not computing. Here each task computes "
            "(cpu), or each fetched item is processed: a pause, which overlaps like a "
            "wait, or CPU work, which needs a core. The loop models also run the two "
            "pitfalls, to measure them: the CPU work on the loop's one thread, and the "
            "pause written as a blocking sleep (--blocking-process). T is the number "
            "of threads that could compute at once: 1 for sync and for a loop model "
            "without --offload, the pool's threads for async_threads, libuv's pool "
            f"with --offload. This machine has {ctx.res.cores} core(s).", "",
            PROCESSING_WORDS, "",
            *calibration_sentences(ctx), "")
    path = render_walltime(
        ctx, "walltime-processing", groups,
        "When async does not pay: wall time per configuration and model "
        "(bar: median; whisker: min to max)", "ideal")
    out.figure(path, "Wall time of the computing and processing runs, with the ideal",
               WALLTIME_MARKS)
    for group in groups:
        out.add(*group_table(ctx, group))
        if not group["points"][0]["models"]:
            continue
        out.add(headline_sentence(ctx, group, group["points"][0]), "")
        if group["params"]["workload"] == "cpu":
            out.add(*cpu_sentences(ctx, group), "")
    out.add(*processing_sentences(ctx, groups))
    out.add(*cpu_threads.section(ctx))
    out.add(*loop.section(ctx))
    return out


def calibration_sentences(ctx):
    lines = []
    for cal in ctx.meta.get("cpu_calibrations", []):
        run = f"`{cal['model']} {cal['args']}`"
        if cal["task_ms"] is None:
            lines.append(f"W, one cpu task of {cal['rounds']:,} rounds on one core, could not "
                         f"be measured: the calibration run {run} did not go through, so "
                         "the cpu runs have no ideal.")
        else:
            lines.append(f"W, one cpu task of {cal['rounds']:,} rounds on one core, is "
                         f"{fmt_time(cal['task_ms'])}: the median wall time of "
                         f"{cal['runs']} counted run(s) of {run} in this same bench, its "
                         f"{cal['count']} tasks one after another on one thread, over "
                         f"{cal['count']}. Every cpu ideal below is {CPU_IDEAL} with "
                         f"this W, so {cal['model']}'s own ideal there is its median: "
                         "the other ratios compare each model with that pace.")
    return lines


def cpu_sentences(ctx, group):
    """Who computed on how many cores, and on-loop against sync."""
    stats, point = ctx.stats_of(group), group["points"][0]
    lines = []
    for model, stat in stats.items():
        ideal = ctx.res.ideal(model, point)
        text = (f"- {model}: T = {stat.threads}, at best min(T, cores) = "
                f"{min(stat.threads, ctx.res.cores)} core(s) computing: "
                f"{fmt_time(stat.median)}")
        if ideal:
            text += f", {fmt_ratio(stat.median / ideal)} its ideal {fmt_time(ideal)}"
        cpu = f"; its CPU time {fmt_time(stat.cpu_ms)}" if stat.cpu_ms else ""
        lines.append(text + cpu + ".")
    sync = stats.get("sync")
    for model, stat in stats.items():
        if model != "sync" and sync and stat.threads == 1:
            word = compare(stat.median, sync.median)
            why = (": with nothing to wait for, there is nothing to overlap" if
                   word == "about as fast as" else ", though with nothing to wait for "
                   "neither overlaps anything: the gap is the machine's noise or the "
                   "model's overhead (see min and max)")
            lines.append(f"- With one thread computing, {model} was {word} sync{why}.")
    offloaded = None if group["params"].get("offload") else \
        group_like(ctx, group, offload=True)
    for model, stat in (ctx.stats_of(offloaded) if offloaded else {}).items():
        if model in stats:
            on_loop = stats[model].median
            lines.append(f"- {model} with --offload ({stat.threads} pool threads) took "
                         f"{fmt_time(stat.median)} against {fmt_time(on_loop)} on its loop: "
                         f"{compare(stat.median, on_loop)} on its loop.")
    return lines


def group_like(ctx, group, **changes):
    """The processing group whose params are group's with changes (a
    False value: the key absent), ignoring the pool size; or None."""
    def key(params):
        return {k: v for k, v in params.items() if v and k != "threads"}
    want = key(dict(group["params"], **changes))
    return next((g for g in ctx.res.processing if key(g["params"]) == want), None)


def processing_sentences(ctx, groups):
    """fetch: a pause against CPU work per item, and the blocking pause
    beside the pause as a timer, per model."""
    pause = next((g for g in groups if g["params"]["workload"] == "fetch"
                  and g["params"].get("process_ms")
                  and not g["params"].get("blocking_process")), None)
    if pause is None:
        return []
    params = pause["params"]
    count, each = params["count"], params["process_ms"]
    busy = group_like(ctx, pause, process_ms=False, process_cpu_ms=each)
    blocking = group_like(ctx, pause, blocking_process=True)
    lines = ["### Processing after each wait: a pause, CPU work, a blocking sleep", ""]
    pause_stats = ctx.stats_of(pause)
    if busy is not None:
        busy_stats = ctx.stats_of(busy)
        for model, stat in pause_stats.items():
            if model in busy_stats:
                took = busy_stats[model]
                lines.append(f"- {model}: {fmt_time(stat.median)} with a {each} ms pause per "
                             f"item, {fmt_time(took.median)} with {each} ms of CPU work per "
                             f"item (T = {took.threads}): the CPU work was "
                             f"{compare(took.median, stat.median)} the pause.")
        lines.append(f"\nA pause overlaps like any wait; the {count} items' {count}*{each} ms "
                     f"= {fmt_time(count * each)} of CPU work does not: it needs a core, "
                     f"and this machine has {ctx.res.cores}.")
    for model, stat in (ctx.stats_of(blocking) if blocking else {}).items():
        right = pause_stats.get(model)
        if right is not None:
            lines += ["", blocking_sentences(model, stat, right, count, each)]
    return lines + [""]


def blocking_sentences(model, blocked, right, count, each):
    """--blocking-process beside the pause as a timer, in two sentences.
    Taking at least the pauses' sum shows they ran one after another."""
    serial_ms = count * each
    if blocked.median >= serial_ms:
        how = (f"the {count} pauses ran one after another ({count}*{each} ms = "
               f"{fmt_time(serial_ms)})")
    else:
        how = (f"less than its {count} pauses one after another would take "
               f"({fmt_time(serial_ms)}), so some overlapped")
    text = (f"With the pause written as a blocking sleep, {model} took "
            f"{fmt_time(blocked.median)} instead of {fmt_time(right.median)}: {how}")
    if blocked.lag_max is not None:
        text += f"; its loop was held up to {fmt_time(blocked.lag_max)} at a time"
        if right.lag_max is not None:
            text += f", against {fmt_time(right.lag_max)} with the pause as a timer"
    text += "."
    if blocked.loop_busy is not None and right.loop_busy is not None:
        text += (f" Its loop was busy {blocked.loop_busy:.0%} of the run against "
                 f"{right.loop_busy:.0%}: a callback that sleeps counts as busy, because "
                 "the loop can do nothing else meanwhile.")
    return text
