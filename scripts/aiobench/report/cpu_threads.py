"""cpu_threads.py: the threads computing, T from 1 past the cores (in "When async does not pay")."""

from aiobench.ideal import CPU_IDEAL, sweep_titles
from aiobench.models import knobs_of
from aiobench.report.charts import gp_tics
from aiobench.report.context import Lines
from aiobench.report.sweeps import render_sweep
from aiobench.report.words import SAME_WITHIN, compare, fmt_time


def section(ctx):
    """The cpu threads sweep's chart and sentences."""
    out = Lines()
    group = ctx.res.groups.get("cpu-threads")
    if not group:
        return out
    params = group["params"]
    cores = ctx.res.cores
    values = [p["value"] for p in group["points"]]
    titles = sweep_titles("cpu-threads", ctx.res.models)
    what = ctx.describe(dict(params, offload=False))
    path, marks = render_sweep(ctx, "sweep-cpu-threads", group, float, {
        "chart_title": f"The threads computing: cpu, {what}; async_threads: "
                       "--concurrency T; async_uv, async_coro: --offload --uv-threadpool T",
        "xlabel_text": "threads T that can compute at once (log scale)",
        "ylabel_text": "wall time (s)", "logx": True, "logy": False,
        "xtics_cmd": gp_tics("x", [(str(v), v) for v in values]),
        "ideal_titles": titles, "mark_x": cores,
        "mark_title": f" {cores} core(s)"})
    out.add(f"### The threads computing: T from {values[0]} to {values[-1]}, {what}", "")
    task_ms = ctx.res.task_ms(params.get("rounds", ctx.meta.get("rounds_default")))
    if marks and task_ms:
        marks += (f" The ideals use W = {fmt_time(task_ms)}, this run's calibration, as the "
                  "cpu rows above do: the same set-up has the same ideal in both.")
    out.figure(path, "Wall time of cpu against the threads computing", marks)
    out.add(*cpu_threads_sentences(ctx, group), "")
    return out


def cpu_threads_sentences(ctx, group):
    cores = ctx.res.cores
    lines = [f"This machine has {cores} core(s): the ideal {CPU_IDEAL} falls as T "
             f"grows to {cores} and is flat past it."]
    gained = []
    for model in ctx.res.models:
        ran = [(t, st.median) for t, st, _ in ctx.res.ran(model, group)]
        if not ran:
            continue
        if model == "sync":
            lines.append(f"- sync computes on its one thread whatever T: "
                         f"{fmt_time(ran[0][1])}, drawn flat.")
            continue
        if not knobs_of(model)["threads"]:
            lines.append(f"- {model} has no pool to compute on: it computes on its one "
                         f"thread whatever T, {fmt_time(ran[0][1])}, drawn flat.")
            continue
        at_cores = dict(ran).get(cores)
        past = [(t, ms) for t, ms in ran if t > cores]
        (t0, m0), (tl, ml) = ran[0], ran[-1]
        text = f"- {model}: " + ", ".join(f"T = {t}: {fmt_time(ms)}" for t, ms in ran)
        if at_cores and t0 < cores:
            text += f"; at T = {cores} it was {compare(at_cores, m0)} at T = {t0}"
        if at_cores and past:
            text += (f"; past the cores, at T = {tl} it was {compare(ml, at_cores)} "
                     f"at T = {cores}")
            if ml * SAME_WITHIN < at_cores:
                gained.append(model)
        lines.append(text + ".")
    values = [p["value"] for p in group["points"]]
    if values[-1] <= cores:
        lines.append(f"\nThe sweep does not go past this machine's {cores} cores.")
    elif cores not in values:
        lines.append(f"\nThe sweep has no point at T = {cores}, this machine's cores, to "
                     "compare the points past it with.")
    elif gained:
        verb = "was" if len(gained) == 1 else "were"
        lines.append(f"\nAt T = {values[-1]}, past the {cores} core(s), {' and '.join(gained)} "
                     f"{verb} still more than {SAME_WITHIN - 1:.0%} faster than at T = {cores}.")
    else:
        lines.append(f"\nAt T = {values[-1]}, past the {cores} core(s), no model was more "
                     f"than {SAME_WITHIN - 1:.0%} faster than at T = {cores}: threads beyond "
                     "the cores take turns on them.")
    return lines
