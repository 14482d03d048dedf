"""timelines.py: Chart 2, every task of the median run from its start to its end."""

import csv
import os

from aiobench.report.charts import gp_tics, write_dat
from aiobench.report.context import Lines
from aiobench.report.words import describe, fmt_time
from aiobench.schema import TRACE_NUMERIC, number


def section(ctx):
    """Chart 2: a timeline per headline entry with traces, and its sentences."""
    out = Lines()
    out.add("## Chart 2: every task of a run, from its start to its end", "",
            "Each bar is one task of the median counted run, from its start to its end, "
            "green when it completed, red when it failed; a retried task is lighter "
            "from its first start to its last attempt's start. A timeline whose "
            "panels' runs differ more than "
            f"{SHARED_AXIS_WITHIN:g}-fold in length gives each panel its own time axis, "
            "so that the short runs' bars are not slivers.", "")
    for group in ctx.res.headline:
        traces = read_traces(ctx, group["name"])
        if not traces:
            continue
        path, shared = render_timeline(ctx, group, traces)
        out.add(f"### {group['name']}", "")
        out.figure(path, f"Timeline of {group['name']} per model", axis_words(shared))
        out.add(*timeline_sentences(ctx, group, traces), "")
    return out


def read_traces(ctx, name):
    """{model: [trace rows]} for the traces kept of headline group name."""
    traces = {}
    for model in ctx.res.models:
        path = os.path.join(ctx.res.folder, "traces", f"{name}-{model}.csv")
        if not os.path.exists(path):
            continue
        with open(path, newline="") as trace:
            rows = list(csv.DictReader(trace))
        for row in rows:
            for field in TRACE_NUMERIC:
                row[field] = number(row[field])
        traces[model] = rows
    return traces


def render_timeline(ctx, group, traces):
    name = "timeline-" + group["name"].replace(" ", "").replace("--", "-")
    ymax = 1
    states = {"completed": 0, "failed": 1}
    variables, walls = {}, {}
    for model, rows in traces.items():
        data = []
        for row in rows:
            if row["start_ms"] is None or row["end_ms"] is None:
                continue
            data.append((row["id"], row["start_ms"] / 1000, row["attempt_start_ms"] / 1000,
                         row["end_ms"] / 1000, states.get(row["state"], 2)))
            ymax = max(ymax, row["id"])
        write_dat(ctx.charts.data(f"{name}-{model}.dat"), data,
                  "id start_s attempt_start_s end_s state")
        wall = max((r[3] for r in data), default=0)
        walls[model] = wall
        variables[f"ptitle_{model}"] = (f"{model}: {len(data)} tasks, at most "
                                        f"{max_overlap(rows)} at once, last one ended at "
                                        f"{wall:.3g} s")
    if group["params"]["workload"] == "cook":
        ytics = gp_tics("y", [(n, i + 1) for i, (n, _) in enumerate(ctx.dishes)])
        ylabel = "dish"
    else:
        ytics = "set ytics autofreq"
        ylabel = "task id"
    variables.update({
        "models": " ".join(traces), "data": ctx.charts.data(name),
        "chart_title": f"{group['name']}: {describe(group['params'], ctx.dishes)}, "
                       "each task from its start to its end",
        "ymax": ymax,
        "ylabel_text": ylabel, "ytics_cmd": ytics})
    shared = shares_axis(walls.values())
    for model, wall in walls.items():
        variables.update(time_axis(model, max(walls.values()) if shared else wall))
    return ctx.charts.render(name, "timeline.gp", "timeline", variables), shared


# A panel whose last task ended before this many seconds has its axis in ms.
MS_AXIS_BELOW_S = 2.0
# The panels share one time axis while the longest run is at most this many
# times the shortest; past it each has its own (one of 20 s beside 0.2 s
# would draw the short runs' bars as slivers).
SHARED_AXIS_WITHIN = 4.0


def shares_axis(walls):
    """Whether panels whose runs ended at walls (s) share one time axis."""
    walls = [w for w in walls if w > 0]
    return not walls or max(walls) <= SHARED_AXIS_WITHIN * min(walls)


def axis_words(shared):
    """The time axes of a timeline, in words for its caption."""
    if shared:
        return ("The marks: the panels share one time axis, so the bars' lengths compare "
                "across panels.")
    return ("The marks: each panel has its own time axis, from 0 to just past its last "
            f"task's end, in the unit under it (ms for a run under {MS_AXIS_BELOW_S:g} s): "
            "the axes differ, so compare the panels by the times in their titles, not by "
            "the bars' lengths.")


def time_axis(model, wall_s):
    """A panel's own time axis, to just past its last end wall_s: the
    variables xmax_MODEL (in its unit), xscale_MODEL (units per second)
    and xunit_MODEL."""
    scale, unit = (1000, "ms") if wall_s < MS_AXIS_BELOW_S else (1, "s")
    return {f"xmax_{model}": wall_s * scale * 1.02 if wall_s > 0 else 1.0,
            f"xscale_{model}": scale, f"xunit_{model}": unit}


def timeline_sentences(ctx, group, traces):
    lines = []
    for model, rows in traces.items():
        starts = [r["start_ms"] for r in rows if r["start_ms"] is not None]
        ends = [r["end_ms"] for r in rows if r["end_ms"] is not None]
        if not starts:
            continue
        retried = sum(1 for r in rows if (r["attempts"] or 0) > 1)
        overlap = max_overlap(rows)
        text = (f"- {model}: {len(rows)} tasks, at most {overlap} running at once; "
                f"the first started at {fmt_time(min(starts))}, the last at "
                f"{fmt_time(max(starts))}, the last ended at {fmt_time(max(ends))}")
        if overlap == 1 and len(rows) > 1:
            text += " (each task began when the one before it ended: a staircase)"
        elif overlap == len(rows) and len(rows) > 1:
            text += f" (every task started within {fmt_time(max(starts) - min(starts))}: a wall)"
        text += "; " + ("no task was retried." if retried == 0
                        else f"{retried} task(s) were retried.")
        lines.append(text)
    if group["params"]["workload"] == "cook":
        lines.append("\n" + cook_sentence(ctx, traces))
    return lines


def cook_sentence(ctx, traces):
    """Which dish was ready when, per model, against the sum and the longest."""
    scale = 1
    for group in ctx.res.headline:
        if group["params"]["workload"] == "cook":
            scale = group["params"].get("time_scale", 1)
    total = sum(s for _, s in ctx.dishes) * scale
    longest = max(s for _, s in ctx.dishes) * scale
    parts = []
    for model, rows in traces.items():
        end = max(r["end_ms"] for r in rows if r["end_ms"] is not None) / 1000
        nearer = "the sum" if abs(end - total) < abs(end - longest) else "the longest dish"
        parts.append(f"{model} had every dish ready at {end:.3g} s (nearer {nearer})")
    return (f"The dishes take {total:g} s one after another and {longest:g} s (the "
            f"longest) side by side: " + "; ".join(parts) + ".")


def max_overlap(rows):
    """The most tasks of a trace running at the same moment."""
    events = []
    for row in rows:
        if row["start_ms"] is not None and row["end_ms"] is not None:
            events += [(row["start_ms"], 1), (row["end_ms"], -1)]
    events.sort(key=lambda e: (e[0], e[1]))    # an end before a start at the same time
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most
