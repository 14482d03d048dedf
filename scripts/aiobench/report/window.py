"""window.py: Chart 3, the window sweep: at most C tasks in flight."""

from aiobench.ideal import WINDOW_IDEAL, sweep_titles
from aiobench.models import knobs_of
from aiobench.report.context import Lines
from aiobench.report.sweeps import render_sweep
from aiobench.report.words import fmt_ratio, fmt_time, latency_words


def section(ctx):
    """The window sweep's chart and sentences."""
    out = Lines()
    group = ctx.res.groups.get("window")
    if not group:
        return out
    params = group["params"]
    path, marks = render_sweep(ctx, "sweep-window", group, float, {
        "chart_title": f"Window sweep: fetch {params['count']} items at "
                       f"{latency_words(params)}, at most C in flight",
        "xlabel_text": "window C (log scale)", "ylabel_text": "wall time (s, log scale)",
        "logx": True, "logy": True, "xtics_cmd": "set xtics autofreq",
        "ideal_titles": sweep_titles("window", ctx.res.models)},
        models=windowed(ctx), nudge=WINDOW_NUDGE)
    out.add(f"### Window: C from {group['points'][0]['value']} to "
            f"{group['points'][-1]['value']} at N = {params['count']}", "")
    out.figure(path, "Wall time against the window", window_marks(ctx, marks))
    out.add(*window_sentences(ctx, group), "")
    return out


# How far apart the window sweep draws its models' points, a fraction of C
# per place: its lines coincide where the models keep up with the window.
WINDOW_NUDGE = 0.04


def windowed(ctx):
    """The models the window sweep draws: those that take --concurrency.
    sync refuses it (one at a time, whatever C): its time is said, not drawn."""
    return [m for m in ctx.res.models if knobs_of(m)["window"]]


def window_marks(ctx, marks):
    """The window sweep's marks (sweeps.sweep_marks), and the models left out."""
    left = [m for m in ctx.res.models if m not in windowed(ctx)]
    if marks and left:
        verb = "takes" if len(left) == 1 else "take"
        marks += f" Not drawn: {', '.join(left)}, which {verb} no --concurrency (below)."
    return marks


def window_sentences(ctx, group):
    lines = []
    for model in ctx.res.models:
        ran = ctx.res.ran(model, group)
        if not ran:
            continue
        if model == "sync":
            lines.append(f"- sync has no window (one at a time): "
                         f"{fmt_time(ran[0][1].median)} at every C, not drawn.")
            continue
        (c0, s0, i0), (c1, s1, i1) = ran[0], ran[-1]
        ratios = [s.median / i for _, s, i in ran if i]
        unknown = "unknown" if ctx.external else "n/a"
        text = (f"- {model}: C = {c0}: {fmt_time(s0.median)} "
                f"(ideal {fmt_time(i0) if i0 is not None else unknown}); "
                f"C = {c1}: {fmt_time(s1.median)} "
                f"(ideal {fmt_time(i1) if i1 is not None else unknown})")
        if ratios:
            text += (f"; across the sweep it took {fmt_ratio(min(ratios))} to "
                     f"{fmt_ratio(max(ratios))} its ideal {WINDOW_IDEAL}.")
        lines.append(text)
    return lines
