"""latency.py: Chart 3, the latency sweep: where does async stop paying off?"""

from aiobench.ideal import sweep_titles
from aiobench.report.charts import gp_tics
from aiobench.report.context import Lines
from aiobench.report.sweeps import render_sweep
from aiobench.report.words import SAME_WITHIN, compare, fmt_ratio, fmt_time


def section(ctx):
    """The latency sweep's chart, with the speed-up over sync, and sentences."""
    out = Lines()
    group = ctx.res.groups.get("latency")
    if not group:
        return out
    values = [p["value"] for p in group["points"]]
    positive = [v for v in values if v > 0]
    zero_at = min(positive) / 2 if positive else 1
    x_of = lambda v: v if v > 0 else zero_at
    tics = [("0" if v == 0 else f"{v:g}", x_of(v)) for v in values]
    speedup = speedups(ctx, group, x_of)
    path, marks = render_sweep(ctx, "sweep-latency", group, x_of, {
        "chart_title": f"Latency sweep: fetch {group['params']['count']} items, no window",
        "xlabel_text": "latency L per request (ms, log scale; 0 at the left)",
        "ylabel_text": "wall time (s, log scale)", "logx": True, "logy": True,
        "xtics_cmd": gp_tics("x", tics), "ideal_titles": sweep_titles("latency", ctx.res.models)},
        speedup=speedup)
    out.add(f"### Latency: L from {values[0]} to {values[-1]} ms at N = "
            f"{group['params']['count']}: where does async stop paying off?", "")
    out.figure(path, "Wall time and speed-up against latency", marks)
    out.add(*latency_sentences(ctx, group), "")
    return out


def speedups(ctx, group, x_of):
    """{model: [(x, sync time / model time)]} where both ran."""
    out = {}
    for model in ctx.res.models:
        if model == "sync" or "sync" not in ctx.res.models:
            continue
        out[model] = []
        for point in group["points"]:
            sync, other = ctx.res.stat("sync", point), ctx.res.stat(model, point)
            if sync and other and sync.median and other.median:
                out[model].append((x_of(point["value"]), sync.median / other.median))
    return out


def sync_pairs(ctx, group, model):
    """[(value, sync's median, model's median)] where both ran."""
    pairs = []
    for point in group["points"]:
        sync, other = ctx.res.stat("sync", point), ctx.res.stat(model, point)
        if sync and other and sync.median and other.median:
            pairs.append((point["value"], sync.median, other.median))
    return pairs


def latency_sentences(ctx, group):
    lines = []
    if "sync" not in ctx.res.models:
        return ["sync was not built, so there is no speed-up to show."]
    for model in ctx.res.models:
        if model == "sync":
            continue
        pairs = sync_pairs(ctx, group, model)
        if not pairs:
            continue
        l0, s0, a0 = pairs[0]
        text = (f"- {model}: at L = {l0} ms sync took {fmt_time(s0)} and {model} "
                f"{fmt_time(a0)}: {model} was {compare(a0, s0)} sync")
        twice = [l for l, s, a in pairs if all(s2 / a2 >= 2 for l2, s2, a2 in pairs if l2 >= l)]
        if twice:
            text += (f". From L = {twice[0]} ms on it was at least 2x faster"
                     f" (below that the gain is under 2x)")
        else:
            text += ". It was never 2x faster over the whole sweep"
        lh, sh, ah = pairs[-1]
        text += f"; at L = {lh} ms: {fmt_ratio(sh / ah)}."
        lines.append(text)
    lines += crossover_sentences(ctx, group)
    skipped = [p["value"] for p in group["points"] if ctx.res.skipped("sync", p)]
    if skipped:
        lines.append(f"\nsync was not run at L = {', '.join(map(str, skipped))} ms (one run "
                     f"would exceed {ctx.meta['skip_limit_s']:g} s): its ideal is drawn "
                     "instead, and no speed-up is shown there.")
    return lines


def crossover_sentences(ctx, group):
    """Below which latency sync was as fast as or faster than each async
    model: the first latency from which on the model was faster (by
    more than SAME_WITHIN) at every point, and the point before it."""
    summary, details = [], []
    for model in ctx.res.models:
        pairs = sync_pairs(ctx, group, model) if model != "sync" else []
        if not pairs:
            continue
        faster = [s / a >= SAME_WITHIN for _, s, a in pairs]
        first = next((i for i in range(len(pairs)) if all(faster[i:])), None)
        if first is None:
            lh, sh, ah = pairs[-1]
            summary.append(f"at every latency up to {lh} ms for {model}")
            details.append(f"- {model} never pulled ahead of sync for good: at L = {lh} ms, "
                           f"the largest measured, sync was {compare(sh, ah)} it.")
        elif first == 0:
            l0, s0, a0 = pairs[0]
            summary.append(f"at no latency measured for {model}")
            details.append(f"- {model} was faster than sync at every latency measured, even "
                           f"at L = {l0} ms ({fmt_ratio(s0 / a0)}): no crossover in this "
                           "sweep.")
        else:
            (lb, sb, ab), (lf, sf, af) = pairs[first - 1], pairs[first]
            summary.append(f"below L = {lf} ms for {model}")
            details.append(f"- {model}: at L = {lb} ms sync was {compare(sb, ab)} it "
                           f"({fmt_time(sb)} against {fmt_time(ab)}); from L = {lf} ms on "
                           f"{model} was faster ({fmt_ratio(sf / af)} at {lf} ms).")
    if not summary:
        return []
    listed = summary[0] if len(summary) == 1 else \
        "; ".join(summary[:-1]) + "; and " + summary[-1]
    return [f"\nWhere async stops paying off: sync was as fast as or faster (a gap under "
            f"{SAME_WITHIN - 1:.0%} counts as as fast) {listed}. The crossover is the "
            "first latency from which on the model was faster at every point of the "
            "sweep:"] + details
