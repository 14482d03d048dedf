"""headline.py: the section "The headline: each workload once per model"."""

from aiobench.ideal import HEADLINE_WORDS
from aiobench.report.context import Lines
from aiobench.report.tables import group_table, headline_sentence
from aiobench.report.words import fmt_time


def section(ctx):
    """The headline's tables, a row per model and reference client, each
    with the sentences under it."""
    out = Lines()
    out.add("## The headline: each workload once per model", "",
            f"Median, fastest and slowest of {ctx.meta['runs_per_config']} counted "
            f"run(s) per model, after one warm-up run that is not counted. "
            + HEADLINE_WORDS, "")
    out.add(*references_intro(ctx))
    for group in ctx.res.headline:
        out.add(*group_table(ctx, group))
        out.add(headline_sentence(ctx, group, group["points"][0]), "")
        if reference_sentence(ctx, group, group["points"][0]):
            out.add(reference_sentence(ctx, group, group["points"][0]), "")
    return out


def references_intro(ctx):
    """What the reference clients are, which time of theirs is shown,
    curl's caveats, and which of them did not run and why."""
    if not ctx.res.references:
        return []
    described = {
        "python_asyncio": "python_asyncio, the Python client of peers/python_asyncio: "
                          "aiohttp on one asyncio loop, with the C clients' options and "
                          "summary",
        "curl_parallel": "curl_parallel, curl's own parallel mode (`curl --parallel "
                         "--parallel-immediate --parallel-max N`) over the same URLs",
    }
    names = []
    for name in ctx.res.references:
        version = ctx.ref_facts(name).get("version")
        names.append(described.get(name, name) + (f" ({version})" if version else ""))
    lines = ["Beside the models run reference clients: " + "; and ".join(names) + ". "
             "They are not models: their rows are marked (reference), they are drawn grey "
             "and dash-dotted in the charts, and no statement about the models (the fastest, "
             "the targets) counts them. They run on the headline fetch and download below "
             "and on the count sweep, each up to a limit given there."]
    clocks = []
    for name in ctx.res.references:
        if ctx.ref_facts(name).get("clock") == "whole":
            clocks.append(f"{name} has no clock of its own, so its time is the whole "
                          "process on the runner's clock, start to exit")
        else:
            clocks.append(f"{name}'s time is its own wall_ms, from its summary, as a "
                          "model's is; the whole process (the runner's clock, the "
                          "interpreter's start and imports included) is given beside it")
    lines[0] += " Times: " + "; ".join(clocks) + "."
    if "curl_parallel" in ctx.res.ref_clients:
        cap = ctx.ref_facts("curl_parallel").get("window_max")
        version = ctx.ref_facts("curl_parallel").get("version") or "curl"
        lines[0] += (" curl_parallel checks no content: a transfer counts as ok when "
                     "curl got a 200 and its exit code for that transfer is 0, whatever "
                     "the bytes, so it has no checksum")
        if cap:
            lines[0] += (f"; and {version} caps --parallel-max at {cap}, so past {cap} "
                         f"transfers it runs a window of {cap}, not all at once")
        lines[0] += "."
    for name in ctx.res.references:
        if ctx.ref_facts(name).get("skipped"):
            lines.append(f"{name} did not run: {ctx.ref_facts(name)['skipped']}.")
    return [" ".join(lines), ""]


def reference_time(ctx, name, stat):
    """'python_asyncio took 0.31 s by its own clock and 0.45 s as a whole process'."""
    if ctx.ref_facts(name).get("clock") == "whole" or stat.whole_ms is None:
        return f"{name} took {fmt_time(stat.median)} as a whole process"
    return (f"{name} took {fmt_time(stat.median)} by its own clock and "
            f"{fmt_time(stat.whole_ms)} as a whole process "
            f"({fmt_time(stat.whole_ms - stat.median)} more: its start and exit)")


def reference_sentence(ctx, group, point):
    """Under a headline table: the reference clients' times, or why one
    has none; '' where none was planned."""
    if not group.get("references"):
        return ""
    parts, missing = [], []
    for name in ctx.res.references:
        stat = ctx.res.stat(name, point)
        if ctx.ref_facts(name).get("skipped"):
            continue                      # said once, above the tables
        if stat is None or stat.median is None:
            missing.append(f"{name}: {ctx.res.skipped(name, point) or 'no run went through'}")
            continue
        text = reference_time(ctx, name, stat)
        if stat.failed:
            text += f", {stat.failed} task(s) failed"
        parts.append(text)
    text = ("Reference clients, not models: " + "; ".join(parts) + "." if parts else "")
    if missing:
        text += " No time of " + "; ".join(missing) + "."
    return text.strip()
