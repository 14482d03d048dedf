"""server.py: the section "The server: was it ever the bottleneck?"."""

import math

from aiobench.report.charts import log_range, write_dat
from aiobench.report.context import Lines
from aiobench.report.words import SAME_WITHIN, describe
from aiobench.server import SERVER_THREADS_MARGIN, SERVER_THREADS_MAX, SERVER_THREADS_MIN

# What a sweep's varied setting is called in a description of its base.
SWEPT = {"count": {"count": "N"}, "window": {"concurrency": "C"}, "latency": {"latency_ms": "L"}}


def server_sweep(ctx, sweep, variables):
    """Writes the server chart's data of one sweep and its variables;
    returns [(model, x, max_in_flight, could_have)] of its runs, and
    [(x, server threads)] of its points."""
    group = ctx.res.groups.get(sweep)
    points, threads_at = [], {}
    for model in ctx.res.models:
        rows = []
        for point in (group["points"] if group else []):
            stat = ctx.res.stat(model, point)
            if stat is None or stat.max_in_flight is None:
                continue
            could = in_flight(model, group["params"], sweep, point["value"])
            rows.append((point["value"], max(stat.max_in_flight, 0.8), could))
            points.append((model, point["value"], stat.max_in_flight, could))
            threads_at[point["value"]] = stat.server_threads
        write_dat(ctx.charts.data(f"server-{sweep}-{model}.dat"), rows,
                  "x max_in_flight could_have")
    threads = sorted(threads_at.items())
    write_dat(ctx.charts.data(f"server-{sweep}-threads.dat"), threads, "x threads")
    values = [p["value"] for p in group["points"]] if group else [1]
    variables[f"title_{sweep}"] = f"{sweep} sweep" if group is None else \
        f"{sweep} sweep: {describe(dict(group['params'], **SWEPT[sweep]), ctx.dishes)}"
    variables[f"xmin_{sweep}"], variables[f"xmax_{sweep}"] = log_range(values)
    top = max([t for _, t in threads] + values + [1])
    variables[f"ymax_{sweep}"] = 10 ** math.ceil(math.log10(top * 20))
    return points, threads


def section(ctx):
    """Was the server ever the bottleneck? Its max_in_flight in each run."""
    out = Lines()
    variables, drawn, short, steps = {}, [], [], {}
    for sweep in ("count", "window"):
        points, threads = server_sweep(ctx, sweep, variables)
        if points:
            drawn.append(sweep)
            steps[sweep] = threads
        short += [(sweep, m, x, held, could) for m, x, held, could in points
                  if held < could / SAME_WITHIN]
    used = [r for r in ctx.res.rows
            if r["server_threads"] and r["server_max_in_flight"] is not None]
    if not used:
        return out
    variables.update({"models": " ".join(ctx.res.models), "data": ctx.charts.data("server"),
                      "sweeps": " ".join(drawn)})
    path = ctx.charts.render("server", "server.gp", "server", variables) if drawn else None
    out.add("## The server: was it ever the bottleneck?", "")
    out.figure(path, "Server max_in_flight against the load", server_marks(steps))
    out.add(*server_sentences(ctx, used, short), "")
    return out


def server_marks(steps):
    """What each mark of the server chart means, and each step of its
    threads' line: steps, {sweep: [(x, server threads)]} in the sweep's order."""
    said = []
    for sweep, threads in steps.items():
        name = "N" if sweep == "count" else "C"
        rises = [f"{t:,} at {name} = {x:,}" for (_, before), (x, t) in zip(threads, threads[1:])
                 if t != before]
        first = f"{threads[0][1]:,} from {name} = {threads[0][0]:,}" if threads else "none"
        said.append(f"{sweep} sweep: {first}" + (", then " + ", ".join(rises) if rises else
                                                  ", flat"))
    return ("The marks: a filled dot per model and point, the most requests the server held "
            "at once during the run (/stats max_in_flight; a run that held none is "
            "drawn at 0.8, the log axis having no 0); the grey dotted line, what the client could have had in flight (N, or C "
            "under a window; 1 for sync); the red dashed line, the server's threads in that "
            "point's runs, a red x at each point (civetweb holds a thread per waiting "
            "request: the most it could hold). Its steps: the bench starts the server with the point's most in flight "
            f"+ {SERVER_THREADS_MARGIN}, rounded up to a power of two, at least "
            f"{SERVER_THREADS_MIN:,} and at most {SERVER_THREADS_MAX:,}, and restarts it only "
            "to grow, so each step up is a restart with more threads, drawn at the first "
            "point that needed it; the line holds a point's threads until the next point ("
            + "; ".join(said) + ").")


def server_sentences(ctx, used, short):
    at_limit = [r for r in used if r["server_max_in_flight"] >= r["server_threads"]]
    closest = max(used, key=lambda r: r["server_max_in_flight"] / r["server_threads"])
    if at_limit:
        lines = [f"In {len(at_limit)} of {len(used)} runs that used the server, it held as "
                 "many requests as it had threads: there it may have been the bottleneck "
                 f"(e.g. {at_limit[0]['model']} `{at_limit[0]['args']}`)."]
    else:
        lines = [f"In none of the {len(used)} runs that used the server did it hold as many "
                 "requests as it had threads. The most it held at once was "
                 f"{max(r['server_max_in_flight'] for r in used):,}; the closest to its limit "
                 f"was {closest['model']} `{closest['args']}` with "
                 f"{closest['server_max_in_flight']:,} of {closest['server_threads']:,} threads."]
    if short:
        lines.append("")
    for sweep, model, x, held, could in short:
        lines.append(f"- {sweep} sweep, {model} at {x:,}: the server held at most {held:,} "
                     f"requests at once, fewer than the {could:,} the client could have had "
                     "in flight.")
    return lines


def in_flight(model, params, sweep, value):
    """What model could have in flight at a sweep point."""
    count = value if sweep == "count" else params["count"]
    if model == "sync":
        return 1
    window = value if sweep == "window" else params.get("concurrency") or count
    return min(count, window)
