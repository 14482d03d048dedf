"""walltime.py: Chart 1, wall time per workload and model."""

import math

from aiobench.report.charts import gp_tics, write_dat
from aiobench.report.context import Lines
from aiobench.report.words import compare, fmt_ratio, fmt_time, short_describe


def section(ctx):
    """Chart 1, its sentences, and the reference clients' lines across it."""
    out = Lines()
    path = render_walltime(
        ctx, "walltime", ctx.res.headline,
        "Wall time per workload and model (bar: median; whisker: min to max of the counted runs)",
        "ideal (waiting only)", references=True)
    out.add("## Chart 1: wall time per workload and model", "")
    out.figure(path, "Wall time per workload and model, with the ideal", WALLTIME_MARKS)
    out.add(*walltime_sentences(ctx, ctx.res.headline), "")
    drawn = [n for n in ctx.res.references
             if any(ctx.res.stat(n, g["points"][0]) for g in ctx.res.headline)]
    if drawn:
        out.add(f"The grey dash-dotted lines across fetch and download are the reference "
                f"clients' medians ({', '.join(drawn)}; not models), each the time its "
                "table row gives: " + "; ".join(
                     f"{n}'s " + ("whole process" if ctx.ref_facts(n).get("clock") == "whole"
                                  else "own wall_ms, without its start")
                     for n in drawn) + ".", "")
    return out


# What each mark of the bar charts of wall time means (Chart 1 and the
# processing runs'; the reference clients' lines are said apart, Chart 1 only).
WALLTIME_MARKS = (
    "The marks: a bar per model in its colour, as high as the median of the counted runs "
    "(log scale), its time written above it; a thin black whisker with caps from the "
    "fastest counted run to the slowest; a thick black dash across the bar, that model's "
    "ideal (none: no ideal there).")


def render_walltime(ctx, name, groups, title, ideal_title, references=False):
    """Chart 1's bars for the headline groups given, and with references
    the reference clients' medians as lines across their groups; None
    without data."""
    models, rows_by_model, tics = ctx.res.models, {m: [] for m in ctx.res.models}, []
    width = 0.8 / max(1, len(models))
    walls = []
    ref_rows = {r: [] for r in ctx.res.references}
    for i, group in enumerate(groups):
        point = group["points"][0]
        for ref in ctx.res.references_at(point) if references else ():
            stat = ctx.res.stat(ref, point)
            if stat is not None and stat.median is not None:
                ref_rows[ref].append((i - 0.45, i + 0.45, stat.median / 1000))
                walls.append(stat.median / 1000)
        tics.append((group["name"] + "\\n" + short_describe(
            group["params"], ctx.dishes, ctx.meta.get("rounds_default")), i))
        for j, model in enumerate(models):
            stat = ctx.res.stat(model, point)
            if stat is None or stat.median is None:
                continue
            x = i + (j - (len(models) - 1) / 2) * width
            ideal = ctx.res.ideal(model, point)
            ideal_s = ideal / 1000 if ideal else None
            rows_by_model[model].append((x, stat.median / 1000, stat.min / 1000,
                                         stat.max / 1000, ideal_s, fmt_time(stat.median)))
            walls += [stat.min / 1000, stat.max / 1000] + ([ideal_s] if ideal_s else [])
    for model, rows in rows_by_model.items():
        write_dat(ctx.charts.data(f"{name}-{model}.dat"), rows,
                  "x median_s min_s max_s ideal_s label")
    for ref, rows in ref_rows.items():
        write_dat(ctx.charts.data(f"{name}-ref-{ref}.dat"), rows, "x_left x_right median_s")
    if not walls:
        return None
    low, high = max(min(walls), 1e-4), max(walls)
    return ctx.charts.render(name, "walltime.gp", "walltime", {
        "models": " ".join(models), "data": ctx.charts.data(name),
        "chart_title": title, "ideal_title": ideal_title,
        "xtics_cmd": gp_tics("x", tics), "xmax": len(groups) - 0.4,
        "ymin": 10 ** math.floor(math.log10(low)),
        "ymax": 10 ** math.ceil(math.log10(high * 3)), "bw": width * 0.9,
        "refs": " ".join(r for r, rows in ref_rows.items() if rows)})


def walltime_sentences(ctx, groups):
    """Per workload: the fastest and slowest model; where overlap paid most."""
    gains, lines = [], []
    for group in groups:
        point = group["points"][0]
        timed = sorted(((s.median, m) for m in ctx.res.models
                        for s in [ctx.res.stat(m, point)] if s and s.median),
                       key=lambda t: t[0])
        if len(timed) < 2:
            continue
        (fast_ms, fast), (slow_ms, slow) = timed[0], timed[-1]
        lines.append(f"- {group['name']}: {fast} {fmt_time(fast_ms)}, {slow} "
                     f"{fmt_time(slow_ms)}; {fast} was {compare(fast_ms, slow_ms)} {slow}.")
        gains.append((slow_ms / fast_ms, group["name"]))
    if gains:
        best, worst = max(gains), min(gains)
        lines.append(f"\nThe gap between the fastest and the slowest model was widest in "
                     f"{best[1]} ({fmt_ratio(best[0])}) and narrowest in {worst[1]} "
                     f"({fmt_ratio(worst[0])}). The black dash on each bar is the model's "
                     "ideal; a bar far above its dash is time spent on something other "
                     "than the waiting.")
    return lines
