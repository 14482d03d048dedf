"""rate.py: the rate sweep: tasks started on a schedule, and the p99 latency
timed from the schedule against timed from each task's actual start.

Compare with latency.py and window.py, which draw wall time against a
setting: here every model's run lasts about as long as the schedule, so the
chart draws the p99 latency instead, twice per model. The gap between the
two lines is how late the tasks started (coordinated omission: LESSON step
7).
"""

import math

from aiobench.ideal import intended_p99
from aiobench.report.charts import gp_tics, log_range, write_dat
from aiobench.report.context import Lines
from aiobench.report.sweeps import DASH_WORDS
from aiobench.report.words import SAME_WITHIN, fmt_time
from aiobench.stats import median, went_through

# The two lines of each model, by the name of their data files (rate.gp):
# the p99 from the intended start and the task p99, from the actual start.
LINES = (("intended", "latency_from_intended_p99_ms"), ("start", "p99_ms"))


def spread(rows, field):
    """(median, min, max) of a column over the counted runs that went
    through, None when none has it."""
    values = [r.get(field) for r in rows if went_through(r)]
    values = sorted(v for v in values if v is not None)
    return (median(values), values[0], values[-1]) if values else None


def series(ctx, group, model, field):
    """[(rate, median, min, max)] of a model's column over the sweep."""
    rows = []
    for point in group["points"]:
        stat = ctx.res.stat(model, point)
        found = spread(stat.rows, field) if stat else None
        if found:
            rows.append((point["value"], *found))
    return rows


def section(ctx):
    """The rate sweep's chart and sentences."""
    out = Lines()
    group = ctx.res.groups.get("rate")
    if not group:
        return out
    params, values = group["params"], [p["value"] for p in group["points"]]
    drawn = {m: {name: series(ctx, group, m, field) for name, field in LINES}
             for m in group.get("models", ctx.res.models) if m in ctx.res.models}
    drawn = {m: lines for m, lines in drawn.items() if lines["intended"]}
    out.add(f"### Rate: R from {values[0]:g} to {values[-1]:g} tasks a second, "
            f"{params['count']} items at {params['latency_ms']} ms", "")
    path, variables = render(ctx, group, drawn) if drawn else (None, None)
    out.figure(path, "p99 latency against the rate asked for",
               rate_marks(variables) if path else None)
    out.add(*rate_sentences(ctx, group, drawn), "")
    return out


def one_over_l(params):
    """1/L, the rate a model one task at a time keeps up with, a second."""
    return 1000.0 / params["latency_ms"]


def log_tics(low, high):
    """[(label, y)] at 1, 2 and 5 times the powers of ten between low and
    high: a log axis a few times long would otherwise show one tic."""
    tics, power = [], 10.0 ** math.floor(math.log10(low))
    while power <= high:
        tics += [(f"{step * power:g}", step * power) for step in (1, 2, 5)
                 if low <= step * power <= high]
        power *= 10
    return tics


def render(ctx, group, drawn):
    """Writes the data and draws charts/sweep-rate; (path, its variables)."""
    params, values = group["params"], [p["value"] for p in group["points"]]
    for model, lines in drawn.items():
        for name, _ in LINES:
            write_dat(ctx.charts.data(f"sweep-rate-{name}-{model}.dat"), lines[name],
                      "x median min max")
    ideals = {}
    for model in drawn:
        words, curve = None, []
        for value in sorted(set(values) | {one_over_l(params)}):   # the knee at 1/L
            words, ms = intended_p99(model, dict(params, rate=value))
            curve.append((value, ms))
        if words:
            ideals.setdefault((words, tuple(curve)), []).append(model)
    variables = {}
    for k, ((words, curve), owners) in enumerate(ideals.items(), start=1):
        write_dat(ctx.charts.data(f"sweep-rate-ideal-{k}.dat"), curve, "x ideal")
        variables[f"ideal_title_{k}"] = f"ideal from the intended start, {', '.join(owners)}: {words}"
        variables[f"ideal_words_{k}"] = words
        variables.update({f"ideal_of_{model}": k for model in owners})
    xmin, xmax = log_range(values + [one_over_l(params)])
    ymin, ymax = log_range([y for lines in drawn.values() for rows in lines.values()
                            for row in rows for y in row[1:]] +
                           [y for _, curve in ideals for _, y in curve])
    variables.update({
        "chart_title": f"Rate sweep: fetch {params['count']} items at {params['latency_ms']} ms, "
                       "task i meant to start at i/R s (--rate R)",
        "xlabel_text": "rate asked for, R (tasks a second, log scale)",
        "ylabel_text": "p99 latency (ms, log scale)",
        "xtics_cmd": gp_tics("x", [(f"{v:g}", v) for v in values]),
        "ytics_cmd": gp_tics("y", log_tics(ymin, ymax)),
        "xmin": xmin, "xmax": xmax, "ymin": ymin, "ymax": ymax, "models": " ".join(drawn), "nideal": len(ideals),
        "data": ctx.charts.data("sweep-rate"), "mark_x": one_over_l(params),
        "mark_title": f" 1/L = {one_over_l(params):g} a second"})
    return ctx.charts.render("sweep-rate", "rate.gp", "sweep", variables), variables


def rate_marks(variables):
    """What each mark of the rate chart means, from the variables it was drawn with."""
    models = variables["models"].split()
    parts = [f"a panel per model ({', '.join(models)}), all on the same axes, so that "
             "one model's lines never hide another's",
             "in each, a wide line in the model's colour, with its filled "
             "marker at the median over the counted runs of the p99 latency from each "
             "task's intended start (i/R s after the run's start), and a whisker from the "
             "lowest run's to the highest run's",
             "a thin line in the same colour drawn over it, with the open marker of the "
             "same shape: the same model's p99 from each task's actual start (the task "
             "p99), whiskers alike; where a model's two lines part, its tasks started late"]
    for k in range(1, variables["nideal"] + 1):
        parts.append(f"the black {DASH_WORDS.get(k + 1, 'dashed')} line: "
                     f"{variables[f'ideal_title_{k}']}")
    parts.append(f"the grey dotted upright line in each panel, 1/L = {variables['mark_x']:g} "
                 "a second: one task at a time keeps up with a rate up to it, and falls "
                 "behind above it")
    return "The marks: " + "; ".join(parts) + "."


def rate_sentences(ctx, group, drawn):
    """Per model: the two p99s at the slowest and the fastest rate, how late
    the last start was, and from which rate on it fell behind."""
    lines = []
    for model, series_of in drawn.items():
        intended = {r: med for r, med, _, _ in series_of["intended"]}
        start = {r: med for r, med, _, _ in series_of["start"]}
        late = {r: med for r, med, _, _ in series(ctx, group, model, "start_late_max_ms")}
        rates = [r for r in intended if r in start]
        if not rates:
            continue
        low, high = rates[0], rates[-1]
        text = (f"- {model}: at R = {low:g} a second its p99 was {fmt_time(intended[low])} "
                f"from the intended start and {fmt_time(start[low])} from the actual start; "
                f"at R = {high:g}, {fmt_time(intended[high])} and {fmt_time(start[high])}, "
                f"the latest start {fmt_time(late.get(high))} behind its time")
        behind = [r for i, r in enumerate(rates)
                  if all(intended[q] > SAME_WITHIN * start[q] for q in rates[i:])]
        if behind:
            text += (f". It fell behind the schedule (from intended over {SAME_WITHIN:.2f}x "
                     f"the task p99) from R = {behind[0]:g} a second on.")
        else:
            text += ". It kept up with every rate of the sweep."
        lines.append(text)
    return lines
