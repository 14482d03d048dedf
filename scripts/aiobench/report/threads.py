"""threads.py: Chart 3, the thread sweep of files: the pool that does the blocking work."""

from aiobench.models import knobs_of
from aiobench.report.context import Lines
from aiobench.report.sweeps import render_sweep
from aiobench.report.words import compare, describe, fmt_time


def section(ctx):
    """The thread sweep of files: its chart and sentences."""
    out = Lines()
    group = ctx.res.groups.get("threads")
    if not group:
        return out
    params = group["params"]
    path, marks = render_sweep(ctx, "sweep-threads", group, float, {
        "chart_title": f"Thread sweep: files, {describe(params, ctx.dishes)}; "
                       "async_uv, async_coro: --uv-threadpool; async_threads: pool size",
        "xlabel_text": "threads doing the blocking file work (log scale)",
        "ylabel_text": "wall time (s)", "logx": True, "logy": False,
        "xtics_cmd": "set xtics autofreq", "ideal_titles": {}})
    out.add(f"### Threads: UV_THREADPOOL_SIZE and pool size for files "
            f"({describe(params, ctx.dishes)})", "")
    out.figure(path, "Wall time of files against the number of threads", marks)
    out.add(*threads_sentences(ctx, group), "")
    return out


def threads_sentences(ctx, group):
    lines, sync_ms = [], None
    for model in ctx.res.models:
        ran = [(t, s) for t, s, _ in ctx.res.ran(model, group)]
        if not ran:
            continue
        if model == "sync":
            sync_ms = ran[0][1].median
            lines.append(f"- sync writes one file at a time: {fmt_time(sync_ms)}, "
                         "drawn flat.")
            continue
        if not knobs_of(model)["threads"]:
            lines.append(f"- {model} has no pool to size: the same run at every point, "
                         f"{fmt_time(ran[0][1].median)}, drawn flat.")
            continue
        best = min(ran, key=lambda t: t[1].median)
        worst = max(ran, key=lambda t: t[1].median)
        text = (f"- {model}: fastest with {best[0]} thread(s), {fmt_time(best[1].median)}; "
                f"slowest with {worst[0]}, {fmt_time(worst[1].median)}")
        if sync_ms:
            text += f"; at its best it was {compare(best[1].median, sync_ms)} sync"
        lines.append(text + ".")
    lines.append("\nThere is no ideal line: the time is the disk's and the CPU's, and "
                 f"this machine has {ctx.meta['machine']['cores']} core(s).")
    return lines
