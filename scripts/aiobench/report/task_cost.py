"""task_cost.py: the cost of one waiting task (in Chart 4's section)."""

from aiobench.report.charts import write_dat
from aiobench.report.context import Lines
from aiobench.report.results import MEMORY_PARTS
from aiobench.report.words import fmt_ratio, latency_words

# What waits for each model, in a learner's words.
WAITER = {"async_threads": "A thread", "async_coro": "A coroutine",
          "async_uv": "A callback's state", "async_uring": "A coroutine on io_uring"}


TASK_COST_MARKS = (
    "The marks: left, a bar per model stacked from its measured parts of memory per task, "
    "one colour per part as the key names them, and a thick black dash at the peak-RSS "
    "slope, written above; right, a bar per model stacked from CPU time per task, user "
    "below and system above, the sum written above. The models are the columns, named "
    "under them.")


def section(ctx):
    """The chart and table of what one more waiting task costs, per model."""
    out = Lines()
    group = ctx.res.groups.get("count")
    if not group:
        return out
    rows = []
    # sync is left out: it never has more than one task waiting, and its
    # slope is noise (the table and the text say so).
    waiters = [(m, c) for m, c in ctx.costs.items() if m in WAITER]
    for x, (model, cost) in enumerate(waiters):
        rows.append((x, model, *cost.parts(), cost.rss_kb, max(cost.user_us, 0),
                     max(cost.sys_us, 0), f"{cost.rss_kb:.1f} KB", f"{cost.cpu_us:.0f} µs"))
    write_dat(ctx.charts.data("cost-task.dat"), rows,
              "x model " + " ".join(f"part_{k}" for k in range(1, 4)) +
              " rss_kb user_us sys_us mem_label cpu_label")
    path = None
    if rows:
        mem_top = max(max(sum(r[2:5]), r[5]) for r in rows)
        cpu_top = max(r[6] + r[7] for r in rows)
        path = ctx.charts.render("cost-task", "cost-task.gp", "cost-task", {
            "data": ctx.charts.data("cost-task"), "xmax": len(rows) - 0.4, "bw": 0.6,
            "chart_title": f"The cost of one waiting task: slopes over the count sweep "
                           f"(fetch at {latency_words(group['params'])}, all N at once)",
            "mem_max": 1.2 * mem_top if mem_top > 0 else 1,
            "cpu_max": 1.2 * cpu_top if cpu_top > 0 else 1,
            **{f"part_title_{k}": name for k, name in enumerate(MEMORY_PARTS, start=1)}})
    out.add("### The cost of one waiting task", "",
            "For each model, what one more task adds: the slope of a least-squares line "
            "through the count sweep's medians against the most tasks the model let "
            "wait at once (its concurrency: N, but the threads it could start for "
            "async_threads past the open-files limit), so that what a run costs "
            "whatever its N (the program, libcurl's and libuv's set-up) drops out. The "
            "memory bar is split into measured parts: the stack a thread or coroutine "
            "touched, on average (stack_touched_avg_kb at the largest N, counted by "
            "mincore), the model's own state per task (task_state_bytes, its struct's "
            "size), and what the peak-RSS slope holds besides: libcurl's easy handle, "
            "its connection and its receive buffer above all, with the allocator's "
            "overhead (clamped at 0, so the bar can stand above the peak-RSS slope, "
            "drawn as a black dash). KB are 1,024 bytes.", "")
    out.figure(path, "Memory and CPU time per waiting task, per model", TASK_COST_MARKS)
    if not rows:
        return out
    out.add("| model | N | peak RSS / task | " + " | ".join(MEMORY_PARTS) +
            " | CPU / task (user + system) |", "|---|---|" + "---:|" * 5)
    for model, cost in ctx.costs.items():
        parts = " | ".join(f"{v:.1f} KB" for v in cost.parts())
        out.add(f"| {model} | {cost.counts[0]:,} to {cost.counts[-1]:,} | "
                f"{cost.rss_kb:.1f} KB | {parts} | {cost.cpu_us:.0f} µs "
                f"({cost.user_us:.0f} + {cost.sys_us:.0f}) |")
    out.add("", *task_cost_sentences(ctx), "")
    return out


def task_cost_sentences(ctx):
    """A paragraph a learner can quote: what a thread, a coroutine and a
    callback's state cost per waiting task, from the figures."""
    lines = []
    for model, cost in ctx.costs.items():
        stack, state, rest = cost.parts()
        if model in WAITER:
            details = []
            if cost.stack_kb is not None:
                details.append(f"{stack:.1f} KB of stack it touched")
            if cost.state_kb is not None:
                details.append(f"{state:.2f} KB of the model's own state")
            details.append(f"{rest:.1f} KB of libcurl's handle and connection and the rest")
            # A negative part of the CPU time is noise (the kernel
            # charges user and system time by sampling): no split then.
            kernel = (f"; {cost.sys_us:.0f} µs of the CPU time is the kernel's"
                      if cost.user_us >= 0 and cost.sys_us >= 0 else "")
            lines.append(f"- {WAITER[model]} ({model}) costs {cost.rss_kb:.1f} KB of memory "
                         f"and {cost.cpu_us:.0f} µs of CPU time per waiting task: "
                         f"{', '.join(details)}{kernel}.")
        elif model == "sync":
            # Its peak memory does not grow with N: the slope is noise
            # around zero, and not a cost to quote.
            lines.append(f"- sync keeps one task at a time, so a larger N adds no waiting "
                         f"task and no memory (a slope of {cost.rss_kb:.1f} KB per task is "
                         f"noise); each more task adds {cost.cpu_us:.0f} µs of CPU time, "
                         "the request's own work.")
    waiting = {m: c for m, c in ctx.costs.items() if m in WAITER and c.rss_kb > 0}
    if len(waiting) > 1:
        least = min(waiting, key=lambda m: waiting[m].rss_kb)
        others = [f"{WAITER[m].lower()} {fmt_ratio(c.rss_kb / waiting[least].rss_kb)}"
                  for m, c in waiting.items() if m != least]
        lines.append(f"\nAgainst {WAITER[least].lower()} ({least}), the cheapest way to "
                     f"wait here, {' and '.join(others)} the memory per waiting task.")
    silent = []
    for model, cost in ctx.costs.items():
        keys = [key for key, value in (("task_state_bytes", cost.state_kb),) if value is None]
        if keys:
            silent.append(f"{model} ({', '.join(keys)})")
    if silent:
        lines.append(f"\nNot reported, so counted in the rest: {'; '.join(silent)}.")
    return lines
