"""plain_clients.py: the section "Against plain clients" (scripts/reference.py's records)."""

from aiobench.reference_step import STATUS_ONLY_SUFFIX
from aiobench.report.context import Lines
from aiobench.report.words import fmt_size, fmt_time
from aiobench.schema import parse_size


def section(ctx):
    """The reference step's records: each client's median and its ratio."""
    out = Lines()
    out.add("## Against plain clients", "",
            "The models beside reference clients on one server of their own, "
            "interleaved round by round (`scripts/reference.py`), each client timed as a "
            "whole process, start to exit; the ratio is to the reference's median. "
            "The data: [reference.json](reference.json).", "")
    missing = reference_missing(ctx)
    ref = ctx.res.reference
    if ref is not None and not ref["skipped"]:
        out.add(f"Run: {reference_words(ctx)}.", "")
    if missing:
        out.add(f"No figures: {missing}.", "")
        return out
    if ref["status"] != 0:
        out.add(f"scripts/reference.py failed (status {ref['status']}: {ref['error']}); "
                "what it printed is below.", "")
    if any(rec["client"].endswith(STATUS_ONLY_SUFFIX) for rec in ctx.res.reference_records):
        out.add(f"A client `MODEL{STATUS_ONLY_SUFFIX}` is that model's download again with "
                "its answers checked for a 2xx and hashed, but not compared byte by byte "
                "with the content: the coroutine models make that check on the loop's "
                "thread (tasks/task.c), the others on other threads, curl not at all.", "")
    out.add("| comparison | client | median, whole process | its own wall_ms | "
            "/ reference | failed runs |", "|---|---|---:|---:|---:|---:|")
    for rec in ctx.res.reference_records:
        client = f"{rec['client']} (reference)" if rec["client"] == rec["reference"] \
            else rec["client"]
        out.add(f"| {rec['comparison']} | {client} | {fmt_time(rec['whole_ms'])} | "
                f"{fmt_time(rec['wall_ms'])} | {rec['ratio']:.3f}x | "
                f"{rec['failed_runs']} of {rec['runs']} |")
    out.add("")
    return out


def reference_missing(ctx):
    """Why there are no reference figures, or None when there are."""
    ref = ctx.res.reference
    if ref is None:
        return "this bench ran no reference step"
    if ref["skipped"]:
        return f"the reference step was skipped: {ref['skipped']}"
    if not ctx.res.reference_records:
        return f"scripts/reference.py failed (status {ref['status']}: {ref['error']})"
    return None


def reference_words(ctx):
    """The reference step's workload in words."""
    params = ctx.res.reference["params"]
    return (f"fetch {params['count']} items at {params['latency_ms']} ms beside "
            f"bin/plain_pool, download {params['count']} blobs of "
            f"{fmt_size(parse_size(params['size']))} at {params['latency_ms']} ms beside "
            f"curl --parallel; {params['runs']} counted run(s) after a warm-up")
