"""tables.py: a headline entry's table and the sentence under it (headline and processing)."""

from aiobench.ideal import ideal_words
from aiobench.report.context import Lines
from aiobench.report.words import SAME_WITHIN, compare, fmt_mib, fmt_ratio, fmt_time, ratio


def group_table(ctx, group):
    """A headline entry's heading and table: a row per model that takes
    its flags, then a line naming the models that do not."""
    out = Lines()
    point = group["points"][0]
    out.add(f"### {group['name']}: {ctx.describe(group['params'])}", "")
    if point["models"]:
        out.add("| model | median | min | max | ideal | median / ideal "
                "| tasks ok / failed, all runs | peak RSS | CPU |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for model in ctx.res.models:
            if model in point["models"]:
                out.add(headline_row(ctx, model, group, point))
        for name in ctx.res.references_at(point):
            out.add(headline_row(ctx, name, group, point))
        out.add("")
    absent = group.get("absent", {})
    lacking = {}
    for model in ctx.res.models:
        if model in absent:
            lacking.setdefault(" or ".join(absent[model]), []).append(model)
    for flags, models in lacking.items():
        out.add(f"No row for {' and '.join(models)}: "
                f"{'it does' if len(models) == 1 else 'they do'} not take {flags}.")
    if lacking:
        out.add("")
    return out


def headline_row(ctx, name, group, point):
    """A headline table's row of a model, or of a reference client,
    marked as such."""
    stat = ctx.res.stat(name, point)
    ideal = ctx.res.ideal(name, point)
    reference = name in ctx.res.ref_clients
    label = f"{name} (reference)" if reference else name
    if stat is None:
        why = ctx.res.skipped(name, point) or "no run"
        return f"| {label} | not run: {why} | | | | | | | |"
    kind = (ideal_words(name, group["params"], window=reference_window(ctx, name, group["params"]))
            if reference else ideal_words(name, group["params"], stat.threads))
    ideal_text = f"{fmt_time(ideal)} ({kind})" if ideal is not None else \
        "unknown (the server's latency)" if ctx.external else "none"
    return (f"| {label} | {fmt_time(stat.median)} | {fmt_time(stat.min)} | "
            f"{fmt_time(stat.max)} | {ideal_text} | {fmt_ratio(ratio(stat.median, ideal))} | "
            f"{stat.ok} / {stat.failed} | {fmt_mib(stat.rss_kb)} | {fmt_time(stat.cpu_ms)} |")


def headline_sentence(ctx, group, point):
    """'async_uv took 0.212 s, 1.06x its 0.2 s ideal; ...; fastest ... than'."""
    timed = [(m, ctx.res.stat(m, point)) for m in ctx.res.models]
    timed = sorted([(m, s) for m, s in timed if s and s.median], key=lambda t: t[1].median)
    if not timed:
        return "No model has a timed run here."
    parts = []
    for model, stat in timed:
        ideal = ctx.res.ideal(model, point)
        text = f"{model} took {fmt_time(stat.median)}"
        if ideal:
            text += f", {fmt_ratio(stat.median / ideal)} its {fmt_time(ideal)} ideal"
        parts.append(text)
    sentence = "; ".join(parts) + "."
    (fast, fast_stat), (slow, slow_stat) = timed[0], timed[-1]
    if len(timed) > 1:
        word = compare(fast_stat.median, slow_stat.median)
        if word == "about as fast as":
            sentence += f" All models were within {SAME_WITHIN - 1:.0%} of each other."
        else:
            sentence += f" The fastest, {fast}, was {word} {slow}."
    sentence += coro_sentence(dict(timed))
    failed = [m for m, s in timed if s.failed]
    if failed:
        sentence += f" Tasks failed in the runs of {', '.join(failed)} (see the table)."
    return sentence


def coro_sentence(stats):
    """async_coro against async_uv: the same loop and waits, tasks as
    coroutines rather than callbacks; the gap is what the switches cost."""
    coro, uv = stats.get("async_coro"), stats.get("async_uv")
    if not coro or not uv:
        return ""
    change = coro.median / uv.median - 1
    return (f" async_coro, the same loop as async_uv with each task a coroutine, took "
            f"{fmt_time(coro.median)} against {fmt_time(uv.median)} "
            f"({change:+.1%}).")


def reference_window(ctx, name, params):
    """The most transfers a reference client ran at once on params: all,
    or its own limit (meta.json's window_max)."""
    cap = ctx.ref_facts(name).get("window_max")
    return min(params["count"], cap) if cap else params["count"]
