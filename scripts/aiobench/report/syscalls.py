"""syscalls.py: the section "System calls and threads per task".

From syscalls.csv and threads.csv (the untimed step, syscall_step.py): per
model and run, the system calls per task in the groups of
aiobench.syscalls, the start-up's calls (a run of one task) taken out, as
a table and a stacked bar chart; then the most
threads each files run had at once, its own and the kernel's io_uring
workers. Results older than the step have neither file: no section.
"""

from typing import NamedTuple

from aiobench.report.charts import gp_tics, write_dat
from aiobench.report.context import Lines
from aiobench.report.words import fmt_ratio, fmt_size
from aiobench.schema import parse_size
from aiobench.syscalls import GROUP_NAMES, OTHER, SYSCALL_WORKLOADS, group_of, grouped

CLUSTER_GAP = 1.0              # between two runs' clusters of bars, in bar slots


class Counted(NamedTuple):
    """One model's run as the section shows it."""
    model: str
    run: str                   # "files --fsync"
    tasks: int
    groups: dict               # {group: calls per task}, every GROUP_NAMES
    total: float               # calls per task
    top_other: tuple           # (syscall, calls per task): the most frequent in OTHER
    marginal: bool             # the start-up taken out (a run of one task was counted)


def run_label(workload, fsync):
    return f"{workload}{' --fsync' if fsync else ''}"


def marginal_calls(calls, one, tasks):
    """{syscall: calls per task} beyond the start-up: (calls(N) - calls(1))
    / (N - 1) from the runs' {syscall: calls}. A call made less often in
    the run of N tasks than in the run of one (a start-up that varies, a
    pool's wake-ups) counts 0, not less: the chart stacks the groups."""
    return {name: max(calls.get(name, 0) - one.get(name, 0), 0) / (tasks - 1)
            for name in calls.keys() | one.keys()}


def per_task(rows, models):
    """[Counted] in the order of models and SYSCALL_WORKLOADS, for the runs
    counted: the marginal calls per task where the run of one task was
    counted too, else the whole run's calls over its tasks."""
    calls = {}
    for row in rows:
        key = (row["model"], run_label(row["workload"], row["fsync"]))
        calls.setdefault(key, {}).setdefault(row["tasks"], {})[row["syscall"]] = row["calls"]
    out = []
    for model in models:
        for workload, fsync in SYSCALL_WORKLOADS:
            runs = calls.get((model, run_label(workload, fsync)))
            if not runs or max(runs) == 1:
                continue
            tasks = max(runs)
            if 1 in runs:
                each = marginal_calls(runs[tasks], runs[1], tasks)
            else:
                each = {name: n / tasks for name, n in runs[tasks].items()}
            groups = grouped(each)
            other = max(((n, name) for name, n in each.items() if group_of(name) == OTHER),
                        default=(0, ""))
            top = (other[1], other[0]) if other[0] > 0 else ("", 0)
            out.append(Counted(model, run_label(workload, fsync), tasks, groups,
                               sum(groups.values()), top, 1 in runs))
    return out


def intro(params):
    """What ran, and what strace can and cannot see, in words."""
    count, size = params["count"], fmt_size(parse_size(params["size"]))
    return ("Outside the timed runs, each model ran once under `strace -f -c` on each of "
            f"fetch ({count} items at {params['latency_ms']} ms), download ({count} blobs "
            f"of {size} at {params['latency_ms']} ms), files and files --fsync ({count} "
            f"files of {size}), with the same options for every model (no window), "
            "against the same mock server, and each once more with one task. A figure "
            "is the calls one more task costs: the start-up's calls (loading the "
            "program and its libraries, a few hundred), measured in a run of one "
            f"task, are taken out, (calls of {count} tasks - calls of one) / "
            f"{count - 1}, per system call (a call made less often in the run of "
            f"{count} than in the run of one counts 0). strace -c counts by "
            "name and cannot tell a read of a socket from a read of a file, so reads "
            "and writes (read, write, pread, pwrite, recv*, send*) are one group. "
            "strace sees only the program's own threads: what io_uring does in the "
            "kernel, its iou-wrk workers included, makes no system call there. That "
            "is the point of the ring, not a gap in the count: one io_uring_enter "
            "submits many requests and reaps many completions, where a readiness loop "
            "pays a wait, a read or write, and with a pool the pool's wake-ups (futex), "
            "for each.")


SYSCALL_MARKS = (
    "The marks: a cluster of bars per run, a bar per model stacked from its system calls "
    "per task by group, one colour per group as the key names them, with a strip of the "
    "model's own colour under the bar to say whose it is.")


def draw(ctx, counted, models):
    """The stacked bars: a cluster per run, a bar per model, a strip of the
    model's colour under its bar. Returns the chart's path."""
    slots = {}
    labels = []
    x = 0.0
    for label in (run_label(w, f) for w, f in SYSCALL_WORKLOADS):
        ran = [m for m in models if any(c.model == m and c.run == label for c in counted)]
        if not ran:
            continue
        for i, model in enumerate(ran):
            slots[(model, label)] = x + i
        labels.append((label, x + (len(ran) - 1) / 2))
        x += len(ran) + CLUSTER_GAP
    for model in models:
        rows = [(slots[(c.model, c.run)], *(c.groups[g] for g in GROUP_NAMES), c.total)
                for c in counted if c.model == model]
        write_dat(ctx.charts.data(f"syscalls-{model}.dat"), rows,
                  "x " + " ".join(f"group_{k}" for k in range(1, len(GROUP_NAMES) + 1)) +
                  " total")
    top = max(c.total for c in counted)
    return ctx.charts.render("syscalls", "syscalls.gp", "syscalls", {
        "models": " ".join(m for m in models if any(c.model == m for c in counted)),
        "data": ctx.charts.data("syscalls"), "xtics_cmd": gp_tics("x", labels),
        "xmax": x - CLUSTER_GAP - 0.4, "ymax": 1.15 * top if top > 0 else 1, "bw": 0.8,
        "groups": len(GROUP_NAMES),
        **{f"group_title_{k}": name for k, name in enumerate(GROUP_NAMES, start=1)},
        "chart_title": "System calls per task, by group (strace -f -c, untimed runs)"})


def extremes(counted):
    """Per run, which model made the fewest and the most calls per task."""
    lines = []
    for workload, fsync in SYSCALL_WORKLOADS:
        label = run_label(workload, fsync)
        runs = [(c.total, c.model) for c in counted if c.run == label]
        if len(runs) > 1 and min(runs)[0] > 0:
            (low, fewest), (high, most) = min(runs), max(runs)
            lines.append(f"- {label}: {fewest} made the fewest system calls per task "
                         f"({low:.1f}), {most} the most ({high:.1f}), "
                         f"{fmt_ratio(high / low)} as many.")
    return lines


def other_lines(counted, models):
    """Per model, the call that weighs most in its "other", where it weighs
    most: what the chart's grey part is made of."""
    lines = []
    for model in models:
        mine = [c for c in counted if c.model == model and c.top_other[0]]
        if mine:
            most = max(mine, key=lambda c: c.top_other[1])
            lines.append(f"- {model}: {most.top_other[0]}, {most.top_other[1]:.1f} per task "
                         f"in {most.run}.")
    return lines


def thread_lines(rows, models):
    """A line per model and files run: the most threads seen at once."""
    lines = []
    for model in models:
        for row in (r for r in rows if r["model"] == model):
            if not row["samples"]:
                lines.append(f"- {model}, {run_label(row['workload'], row['fsync'])}: it "
                             "ended before the first look at its threads.")
                continue
            own = f"{row['own_max']} thread{'s' if row['own_max'] != 1 else ''} of its own"
            kernel = [f"up to {row[key]} {name} thread{'s' if row[key] != 1 else ''} of the "
                      "kernel's" for key, name in (("iou_wrk_max", "iou-wrk"),
                                                    ("iou_sqp_max", "iou-sqp")) if row[key]]
            seen = (", " + " and ".join(kernel) if kernel else
                    f"; no io_uring worker seen in {row['samples']} looks")
            lines.append(f"- {model}, {run_label(row['workload'], row['fsync'])}: {own}{seen}.")
    return lines


def section(ctx):
    """The table, the chart and the threads; nothing for older results."""
    out = Lines()
    step = ctx.meta.get("syscalls")
    if ctx.res.syscalls is None or step is None:
        return out
    out.add("## System calls and threads per task", "")
    if step["skipped"]:
        out.add(f"Not counted in this run: {step['skipped']}.", "")
        return out
    models = ctx.res.models
    counted = per_task(ctx.res.syscalls, models)
    out.add(intro(step["params"]), "")
    if not counted:
        out.add("No run was counted; see Skipped and failed runs.", "")
        return out
    out.figure(draw(ctx, counted, models), "System calls per task, by group", SYSCALL_MARKS)
    out.add("| model | run | calls per task | " + " | ".join(GROUP_NAMES) + " |",
            "|---|---|" + "---:|" * (len(GROUP_NAMES) + 1))
    for c in counted:
        out.add(f"| {c.model} | {c.run} | {c.total:.1f} | " +
                " | ".join(f"{c.groups[g]:.1f}" for g in GROUP_NAMES) + " |")
    whole = [f"{c.model} {c.run}" for c in counted if not c.marginal]
    if whole:
        out.add("", f"No run of one task was counted for {', '.join(whole)}: there the "
                "figure is the whole run's calls over its tasks, the start-up's included.")
    out.add("", *extremes(counted), "",
            "The most frequent call among the other ones, per model (where it was most "
            "frequent):", "", *other_lines(counted, models), "")
    if ctx.res.threads_seen:
        out.add("### Threads in the files runs", "",
                "In runs of their own, without strace (ptrace changes the threads' "
                f"timing), each model's threads were counted in /proc/PID/task every "
                f"{step['sample_interval_ms']:g} ms: the most seen at once, the program's own "
                "(its main thread, a pool's) apart from io_uring's kernel workers "
                "(iou-wrk: the blocking part of a request, as a buffered write; iou-sqp: "
                "a submission poller), which belong to the process too, told apart by "
                "the kernel's flag for them (PF_IO_WORKER), not by name. A thread that "
                "lives less than a look's interval can be missed: these are at least "
                "the counts.", "", *thread_lines(ctx.res.threads_seen, models), "")
    return out
