"""publish.py: the work folder that becomes a bench's results at the end.

Everything is written to a .tmp-bench-* folder first and moved into place
only when the report is made, so an interrupted or failed bench leaves the
previous results as they were. Without --out a run is a new folder of its own,
results/runs/STAMP (publish_run), and results/latest links to the newest:
the committed reference run in results/ is never touched. With --out DIR the
outputs replace DIR's (publish), which is how the reference run is remade.
"""

import datetime
import os
import re
import shutil
import tempfile


OUTPUTS = ("REPORT.md", "runs.csv", "meta.json", "reference.json", "syscalls.csv",
           "threads.csv", "charts", "traces")


def make_work_dir(out):
    """A fresh out/.tmp-bench-PID-* folder; stale ones of dead runs go."""
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        match = re.fullmatch(r"\.tmp-bench-(\d+)-(old-)?\w+", name)
        if match and not pid_alive(int(match.group(1))):
            shutil.rmtree(os.path.join(out, name), ignore_errors=True)
    work = tempfile.mkdtemp(prefix=f".tmp-bench-{os.getpid()}-", dir=out)
    for sub in ("traces", "trace-runs", "charts"):
        os.makedirs(os.path.join(work, sub))
    return work


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def publish(work, out):
    """Moves the new outputs into out, replacing the previous run's, then
    removes the work folder. Every output is complete before the first move."""
    old = tempfile.mkdtemp(prefix=f".tmp-bench-{os.getpid()}-old-", dir=out)
    for name in OUTPUTS:
        if os.path.lexists(os.path.join(out, name)):
            os.rename(os.path.join(out, name), os.path.join(old, name))
    for name in OUTPUTS:
        os.rename(os.path.join(work, name), os.path.join(out, name))
    shutil.rmtree(old)
    shutil.rmtree(work)


RUNS = "runs"           # results/runs/STAMP: each run without --out
LATEST = "latest"       # results/latest: a link to the newest of them


def publish_run(work, results):
    """Renames the work folder (made in results/runs) to results/runs/STAMP,
    STAMP the UTC time it ends (YYYY-MM-DD-HHMMSS, -2, -3 ... if taken),
    keeping only the outputs, then points results/latest at it, the link
    replaced whole. Returns the new folder's path."""
    for name in os.listdir(work):
        if name not in OUTPUTS:
            path = os.path.join(work, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d-%H%M%S")
    runs = os.path.join(results, RUNS)
    name, n = stamp, 1
    while os.path.lexists(os.path.join(runs, name)):
        n += 1
        name = f"{stamp}-{n}"
    umask = os.umask(0o022)
    os.umask(umask)
    os.chmod(work, 0o777 & ~umask)      # mkdtemp made it 0700
    os.rename(work, os.path.join(runs, name))
    link = tempfile.mktemp(prefix=".tmp-latest-", dir=results)
    os.symlink(os.path.join(RUNS, name), link)
    os.replace(link, os.path.join(results, LATEST))
    return os.path.join(runs, name)
