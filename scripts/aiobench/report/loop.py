"""loop.py: the loop's health, lag and busy share (in "When async does not pay")."""

import math

from aiobench.report.charts import gp_tics, write_dat
from aiobench.report.context import Lines
from aiobench.report.words import fmt_time, processing_words

LAG_FLOOR_MS = 0.1          # the chart's log scale starts here


LOOP_MARKS = (
    "The marks: above, a bar per loop model in its colour as high as the largest lag of the "
    "run (log scale), written above it, and a black diamond at the p99 lag; below, a bar "
    "per loop model as high as its busy share, written above it. Each cluster is one "
    "configuration, the right way beside the way that holds the loop up.")


def section(ctx):
    """The loop's health: lag and busy share, the right way against the
    way that holds the loop, per loop model."""
    out = Lines()
    pairs = []
    for good, bad in ctx.meta.get("loop_pairs", []):
        found = [next((g for g in ctx.res.processing if g["name"] == name), None)
                 for name in (good, bad)]
        if all(found):
            pairs.append(found)
    groups = [g for pair in pairs for g in pair]
    stats = {g["name"]: ctx.stats_of(g) for g in groups}
    loop_models = [m for m in ctx.res.models
                   if any(st.lag_max is not None for s in stats.values()
                          for mm, st in s.items() if mm == m)]
    if not loop_models:
        return out
    width = 0.8 / len(loop_models)
    tics, top = [], 1.0
    at = [i + 0.4 * (i // 2) for i in range(len(groups))]   # a gap between the pairs
    for i, group in enumerate(groups):
        tics.append((f"{group['name']}\\n({loop_role(group['params'])})", at[i]))
    for j, model in enumerate(loop_models):
        rows = []
        for i, group in enumerate(groups):
            st = stats[group["name"]].get(model)
            if st is None or st.lag_max is None:
                continue
            x = at[i] + (j - (len(loop_models) - 1) / 2) * width
            rows.append((x, max(st.lag_max, LAG_FLOOR_MS), max(st.lag_p99, LAG_FLOOR_MS),
                         100 * (st.loop_busy or 0), f"{100 * (st.loop_busy or 0):.0f}%",
                         fmt_time(st.lag_max)))
            top = max(top, st.lag_max)
        write_dat(ctx.charts.data(f"loop-{model}.dat"), rows,
                  "x lag_max_ms lag_p99_ms busy_pct busy_label lag_label")
    path = ctx.charts.render("loop-health", "loop.gp", "loop", {
        "models": " ".join(loop_models), "data": ctx.charts.data("loop"),
        "xtics_cmd": gp_tics("x", tics), "xmax": at[-1] + 0.6, "bw": width * 0.9,
        "ymin": LAG_FLOOR_MS, "ymax": 10 ** math.ceil(math.log10(top * 4))})
    out.add("### The loop's health: lag and busy share", "",
            "A 10 ms timer on the loop measures how late it fires (the lag: p99 and the "
            "largest of the run); loop_busy is the share of the run the loop spent "
            "running callbacks. Medians of the counted runs.", "")
    out.figure(path, "Loop lag and busy share, the right way against the loop held up",
               LOOP_MARKS)
    out.add("| model | configuration | wall | loop busy | lag p99 | lag max |",
            "|---|---|---:|---:|---:|---:|")
    for model in loop_models:
        for group in groups:
            st = stats[group["name"]].get(model)
            if st is not None and st.lag_max is not None:
                out.add(f"| {model} | {group['name']} ({loop_role(group['params'])}) | "
                        f"{fmt_time(st.median)} | {st.loop_busy:.0%} | "
                        f"{fmt_time(st.lag_p99)} | {fmt_time(st.lag_max)} |")
    out.add("")
    for model in loop_models:
        for good, bad in pairs:
            g, b = stats[good["name"]].get(model), stats[bad["name"]].get(model)
            if g and b and g.lag_max is not None and b.lag_max is not None:
                out.add(f"- {model}, {loop_role(bad['params'])} against "
                        f"{loop_role(good['params'])}: its loop was held up to "
                        f"{fmt_time(b.lag_max)} at a time against {fmt_time(g.lag_max)}, "
                        f"and busy {b.loop_busy:.0%} of the run against "
                        f"{g.loop_busy:.0%}.")
    out.add("", f"Lags under {LAG_FLOOR_MS:g} ms are drawn at {LAG_FLOOR_MS:g} ms (the "
            "log scale has no 0).", "")
    return out


def loop_role(params):
    """What a loop model does with the processing in a configuration."""
    if params["workload"] == "cpu":
        return "computed on libuv's pool" if params.get("offload") else "computed on the loop"
    if params.get("blocking_process"):
        return "the pause as a blocking sleep"
    if params.get("process_ms"):
        return "the pause as a timer"
    return "processing " + processing_words(params).lstrip(", ")
