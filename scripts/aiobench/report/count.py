"""count.py: Chart 3, the count sweep: N tasks from one to thousands."""

from aiobench.ideal import ideal_words, sweep_titles
from aiobench.report.context import Lines
from aiobench.report.sweeps import reference_limit, render_sweep
from aiobench.report.tables import reference_window
from aiobench.report.words import describe, fmt_ratio, fmt_time, latency_words
from aiobench.server import SERVER_THREADS_MAX


def section(ctx):
    """The heading of Chart 3, then the count sweep's chart and sentences."""
    out = Lines()
    group = ctx.res.groups.get("count")
    if not group:
        return out
    latency = latency_words(group["params"])
    path, marks = render_sweep(ctx, "sweep-count", group, float, {
        "chart_title": f"Count sweep: fetch {describe(dict(group['params'], count='N'), [])}",
        "xlabel_text": "tasks N (log scale)", "ylabel_text": "wall time (s, log scale)",
        "logx": True, "logy": True, "xtics_cmd": "set xtics autofreq",
        "ideal_titles": sweep_titles("count", ctx.res.models)}, references=group.get("references"))
    out.add("## Chart 3: the sweeps", "", f"### Count: N from {group['points'][0]['value']:,} "
            f"to {group['points'][-1]['value']:,} at {latency}", "")
    out.figure(path, "Wall time against the number of tasks", marks)
    out.add(*count_sentences(ctx, group), "")
    return out


def count_sentences(ctx, group):
    lines = []
    for model in ctx.res.models:
        ran = ctx.res.ran(model, group)
        stops = [(p["value"], ctx.res.skipped(model, p)) for p in group["points"]
                 if ctx.res.skipped(model, p)]
        if not ran:
            lines.append(f"- {model}: no point ran ({stops[0][1] if stops else 'no data'}).")
            continue
        n, stat, ideal = ran[-1]
        text = (f"- {model}: the largest N run was {n:,}, in {fmt_time(stat.median)}"
                + (f", {fmt_ratio(stat.median / ideal)} its {fmt_time(ideal)} ideal"
                   if ideal else ""))
        if stat.failed:
            text += f", with {stat.failed} failed task(s)"
        if len(ran) > 1:
            n0, s0, i0 = ran[0]
            text += f"; at N={n0:,} it took {fmt_time(s0.median)}"
        if stops:
            first_n, why = stops[0]
            text += (f". Limit: it stopped before N={first_n:,}: {why}" +
                     ("; its line continues as the ideal only (open circles)."
                      if "limit" in why else "."))
        else:
            text += f". It ran every point of the plan, up to N={n:,}."
        lines.append(text)
    if group.get("references"):
        lines += reference_count_sentences(ctx, group)
    last = group["points"][-1]["value"]
    if last >= SERVER_THREADS_MAX:
        lines.append(f"\nThe plan stops at N={last:,}: the mock server holds one civetweb "
                     f"thread per waiting request and runs at most {SERVER_THREADS_MAX:,} "
                     f"threads, and kernel.pid_max ({ctx.meta['machine']['pid_max']:,}) "
                     "must hold the server's threads and the thread-pool client's together.")
    else:
        lines.append(f"\nThis {ctx.meta['mode']} plan stops at N={last:,}; the full plan "
                     f"(`make bench`) goes on to N={SERVER_THREADS_MAX:,}.")
    return lines


def reference_count_sentences(ctx, group):
    """The reference clients on the count sweep: how far each went and
    why it stops there, and its time at its largest N."""
    lines = []
    for name in ctx.res.references:
        facts = ctx.ref_facts(name)
        label = f"- {name} (reference, not a model)"
        if facts.get("skipped"):
            lines.append(f"{label}: did not run ({facts['skipped']}).")
            continue
        ran = ctx.res.ran(name, group)
        limit = reference_limit(ctx, name, group)
        reach = (f"planned up to N = {limit:,} and no further: {facts.get('limit_why')}"
                 if limit else "planned at every point of this plan")
        if not ran:
            lines.append(f"{label}: {reach}; no point ran.")
            continue
        n, stat, ideal = ran[-1]
        text = (f"{label}: {reach}. Its largest N run was {n:,}, in {fmt_time(stat.median)}"
                + (f" ({'whole process' if facts.get('clock') == 'whole' else 'its own wall_ms'})")
                + (f", {fmt_ratio(stat.median / ideal)} its {fmt_time(ideal)} ideal "
                   f"({reference_words(ctx, name, dict(group['params'], count=n))})"
                   if ideal else ""))
        if stat.failed:
            text += f", with {stat.failed} failed task(s)"
        stopped = next(((p["value"], ctx.res.skipped(name, p)) for p in group["points"]
                        if ctx.res.skipped(name, p)), None)
        if stopped:
            text += f"; not run from N = {stopped[0]:,}: {stopped[1]}"
        lines.append(text + ".")
    return lines


def reference_words(ctx, name, params):
    """A reference client's ideal on params in words: all at once, or its window."""
    return ideal_words(name, params, window=reference_window(ctx, name, params))
