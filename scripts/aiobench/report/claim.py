"""claim.py: the source material's claim, tested with the Python reference client."""

from aiobench.report.context import Lines
from aiobench.report.task_cost import WAITER
from aiobench.report.words import SAME_WITHIN, compare, fmt_ratio, fmt_time

# The claim of the source material that the report tests with the Python
# reference client: with asyncio, count requests of latency_ms each take
# "around 1 second" (claimed_ms).
CLAIM = {"count": 100, "latency_ms": 200, "claimed_ms": 1000}


def section(ctx):
    """The source material's claim (CLAIM) against python_asyncio's
    headline fetch, in its own wall time and as a whole process, and
    its cost per request against the C models as N grows."""
    out = Lines()
    group = next((g for g in ctx.res.headline
                  if g["params"]["workload"] == "fetch" and g.get("references")), None)
    if group is None or "python_asyncio" not in ctx.res.ref_clients:
        return out
    count, latency, claimed = CLAIM["count"], CLAIM["latency_ms"], CLAIM["claimed_ms"]
    out.add(f"## The claim: {count} requests of {latency} ms in around "
            f"{claimed / 1000:g} second", "",
            f"The source material says that with Python's asyncio {count} requests that "
            f"each wait {latency} ms take around {claimed / 1000:g} second, where one after "
            f"another they take {count * latency / 1000:g} s. The floor is {latency} ms: the "
            "requests can all wait at once, but none is answered sooner. It is tested here "
            "with python_asyncio, a reference client (not a model).", "")
    facts = ctx.ref_facts("python_asyncio")
    stat = ctx.res.stat("python_asyncio", group["points"][0])
    if facts.get("skipped") or stat is None or stat.median is None:
        why = facts.get("skipped") or ctx.res.skipped("python_asyncio", group["points"][0]) \
            or "no run of it on the headline fetch went through (see Skipped and failed runs)"
        out.add(f"Not tested in this run: {why}.", "")
        return out
    out.add(claim_paragraph(ctx, group, stat), "")
    out.add(*python_cost_lines(ctx))
    return out


def claim_paragraph(ctx, group, stat):
    params = group["params"]
    count, latency, claimed = CLAIM["count"], CLAIM["latency_ms"], CLAIM["claimed_ms"]
    wall, whole = stat.median, stat.whole_ms
    text = (f"Measured: python_asyncio ran the headline fetch, {ctx.describe(params)}, in "
            f"{fmt_time(wall)} by its own clock (its summary's wall_ms, timed inside the "
            "process as each model times its own)")
    if whole is not None:
        text += (f", and in {fmt_time(whole)} as a whole process (the runner's clock, from "
                 f"its start to its exit: {fmt_time(whole - wall)} more, what the process did "
                 "outside its own clock: the interpreter's start, the imports of aiohttp and "
                 "the rest, and its exit)")
    text += (f"; median of {stat.runs} run(s). The tables and Chart 1 use the first, the "
             "same yardstick as the models'; runs.csv has both (wall_ms, whole_ms).")
    if stat.failed:
        text += f" {stat.failed} of its tasks failed (see its row)."
    fast = min(((s.median, m) for m in ctx.res.models
                for s in [ctx.res.stat(m, group["points"][0])] if s and s.median),
               default=None)
    if fast:
        text += (f" The fastest model, {fast[1]}, took {fmt_time(fast[0])}: python_asyncio "
                 f"was {compare(wall, fast[0])} it.")
    if (params["count"], params.get("latency_ms")) != (count, latency):
        floor = params.get("latency_ms")
        return (text + f" This {ctx.meta['mode']} plan's headline fetch is not the claim's "
                f"{count} requests of {latency} ms, so the claim itself is not tested here "
                "(the full plan, `make bench`, tests it); against this workload's own floor of "
                f"{floor} ms the run took {fmt_ratio(wall / floor)} it" +
                (f" and the whole process {fmt_ratio(whole / floor)}." if whole else "."))
    text += (f" Against the claim: the run took {fmt_time(wall)}, {compare(wall, claimed)} "
             f"the claimed {fmt_time(claimed)}")
    if whole is not None:
        text += f", and the whole process {compare(whole, claimed)} it"
    text += (f". Against the floor: the run took {fmt_ratio(wall / latency)} the {latency} ms "
             f"({fmt_time(abs(wall - latency))} {'above' if wall >= latency else 'below'} it)")
    if whole is not None:
        text += f", the whole process {fmt_ratio(whole / latency)}"
    longest = whole if whole is not None else wall
    if longest * SAME_WITHIN <= claimed:
        near, far = ("the floor", "the claimed second") if longest - latency < \
            claimed - longest else ("the claimed second", "the floor")
        text += (f". So the claim holds with room to spare on this machine: even as a whole "
                 f"process, start-up included, the {count} requests took less than the "
                 f"second claimed, nearer {near} than {far}.")
    elif longest <= claimed * SAME_WITHIN:
        text += ". So the claim holds here: about a second, start-up included."
    else:
        text += (f". So the claim does not hold on this machine: "
                 f"{'the whole process' if whole is not None else 'the run'} took longer "
                 "than the second claimed.")
    return text


def python_cost_lines(ctx):
    """python_asyncio's cost per request as N grows, against the C
    models that keep every request waiting, over the same points."""
    group = ctx.res.groups.get("count")
    cost = ctx.res.task_cost("python_asyncio")
    if group is None or cost is None:
        return ["Its cost per request as N grows is not measured here: it ran fewer than "
                "two points of the count sweep.", ""]
    first, last = cost.counts[0], cost.counts[-1]
    models = {m: ctx.res.task_cost(m, last) for m in ctx.res.models if m in WAITER}
    models = {m: c for m, c in models.items() if c is not None}
    lines = [f"What one more request costs as N grows: the least-squares slope over the "
             f"count sweep's medians (as in [The cost of one waiting task]"
             f"(#the-cost-of-one-waiting-task)), here over N = {first:,} to {last:,}, the "
             "points python_asyncio ran, for every client alike.", "",
             "| client | N | CPU time / request (user + system) | peak RSS / request |",
             "|---|---|---:|---:|"]
    rows = list(models.items()) + [("python_asyncio", cost)]
    # curl's slope only where it ran all at once: past its window the
    # requests waiting at once are no longer N.
    cap = ctx.ref_facts("curl_parallel").get("window_max")
    curl = ctx.res.task_cost("curl_parallel", min(last, cap) if cap else last)
    if curl is not None:
        rows.append(("curl_parallel", curl))
        if cap and curl.counts[-1] < last:
            lines[0] = lines[0][:-1] + (f" (curl_parallel only up to N = {cap:,}, where it "
                                        "still runs every request at once).")
    for name, c in rows:
        label = f"{name} (reference)" if name in ctx.res.ref_clients else name
        lines.append(f"| {label} | {c.counts[0]:,} to {c.counts[-1]:,} | "
                     f"{c.cpu_us:.0f} µs ({c.user_us:.0f} + {c.sys_us:.0f}) | "
                     f"{c.rss_kb:.1f} KB |")
    lines.append("")
    text = (f"Per request, python_asyncio costs {cost.cpu_us:.0f} µs of CPU time and "
            f"{cost.rss_kb:.1f} KB of peak memory")
    if models:
        by_cpu = sorted(models, key=lambda m: models[m].cpu_us)
        by_kb = sorted(models, key=lambda m: models[m].rss_kb)
        lo_cpu, hi_cpu = models[by_cpu[0]], models[by_cpu[-1]]
        lo_kb, hi_kb = models[by_kb[0]], models[by_kb[-1]]
        text += (f", against {lo_cpu.cpu_us:.0f} µs ({by_cpu[0]}) to {hi_cpu.cpu_us:.0f} µs "
                 f"({by_cpu[-1]}) and {lo_kb.rss_kb:.1f} KB ({by_kb[0]}) to "
                 f"{hi_kb.rss_kb:.1f} KB ({by_kb[-1]}) for the C models that keep every "
                 "request waiting at once")
        if lo_cpu.cpu_us > 0 and cost.cpu_us > 0:
            text += (f": {fmt_ratio(cost.cpu_us / lo_cpu.cpu_us)} the CPU time of the "
                     f"cheapest ({by_cpu[0]})")
        if lo_kb.rss_kb > 0 and cost.rss_kb > 0:
            text += f" and {fmt_ratio(cost.rss_kb / lo_kb.rss_kb)} the memory of {by_kb[0]}"
    text += "."
    # The growth from the first point to the last, which leaves out what
    # a run costs whatever its N (the interpreter's start, if the client's
    # CPU time counts it).
    ends = [next(p for p in group["points"] if p["value"] == n) for n in (first, last)]
    grew = {}
    for name in [*models, "python_asyncio"]:
        low, high = (ctx.res.stat(name, p) for p in ends)
        if low and high and low.cpu_ms is not None and high.cpu_ms is not None:
            grew[name] = high.cpu_ms - low.cpu_ms
    if "python_asyncio" in grew and len(grew) > 1:
        py = grew.pop("python_asyncio")
        cheapest = min(grew, key=grew.get)
        text += (f" From N = {first:,} to {last:,}, python_asyncio's CPU time grew by "
                 f"{fmt_time(py)}, {cheapest}'s by {fmt_time(grew[cheapest])}"
                 + (f": {fmt_ratio(py / grew[cheapest])} as much" if grew[cheapest] > 0
                    and py > 0 else "") + ".")
    return lines + [text, ""]
