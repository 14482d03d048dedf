"""cost.py: Chart 4, what each model costs as the work grows."""

from aiobench.report import task_cost
from aiobench.report.charts import log_range, write_dat
from aiobench.report.context import Lines
from aiobench.report.words import fmt_ratio, fmt_time


COST_MARKS = (
    "The marks: in each panel a coloured line per model through a filled dot at each N, "
    "the median of the counted runs (left: peak resident memory; right: CPU time, user + "
    "system); grey dash-dotted lines with open squares, the reference clients (not models). "
    "Both axes are log scales.")


def section(ctx):
    """Chart 4, peak memory and CPU time against N, then the cost of one
    waiting task (task_cost.py)."""
    out = Lines()
    group = ctx.res.groups.get("count")
    if not group:
        return out
    lines, refs = [], []
    references = ctx.res.references if group.get("references") else []
    for model in ctx.res.models + references:
        rows = []
        for point in group["points"]:
            stat = ctx.res.stat(model, point)
            if stat and stat.rss_kb is not None:
                rows.append((point["value"], stat.rss_kb / 1024,
                             max(stat.cpu_ms or 0, 1) / 1000))
        is_ref = model in references
        write_dat(ctx.charts.data(f"cost-{'ref-' if is_ref else ''}{model}.dat"), rows,
                  "n rss_mib cpu_s")
        if rows:
            refs += [model] if is_ref else []
            (n0, r0, c0), (n1, r1, c1) = rows[0], rows[-1]
            lines.append(f"- {model}{' (reference)' if is_ref else ''}: from N={n0:,} to "
                         f"N={n1:,} its peak memory went from {r0:.1f} to {r1:.1f} MiB "
                         f"({fmt_ratio(r1 / r0)}) and its CPU time from "
                         f"{fmt_time(c0 * 1000)} to {fmt_time(c1 * 1000)}.")
    xmin, xmax = log_range([p["value"] for p in group["points"]])
    path = None if not lines else ctx.charts.render("cost", "cost.gp", "cost", {
        "models": " ".join(ctx.res.models), "data": ctx.charts.data("cost"),
        "refs": " ".join(refs), "xmin": xmin, "xmax": xmax})
    out.add("## Chart 4: what each model costs as the work grows", "")
    out.figure(path, "Peak memory and CPU time against N", COST_MARKS)
    out.add(*lines, "", "CPU times below 1 ms are drawn at 1 ms (the log scale has no 0).", "")
    out.add(*task_cost.section(ctx))
    return out
