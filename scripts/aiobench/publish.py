"""publish.py: the work folder that replaces the previous results at the end.

Everything is written to OUT/.tmp-bench-* first and moved into place only
when the report is made, so an interrupted or failed bench leaves the
previous results as they were.
"""

import os
import re
import shutil
import tempfile


OUTPUTS = ("REPORT.md", "runs.csv", "meta.json", "reference.json", "syscalls.csv",
           "threads.csv", "charts", "traces")


def make_work_dir(out):
    """A fresh results/.tmp-bench-PID-* folder; stale ones of dead runs go."""
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        match = re.fullmatch(r"\.tmp-bench-(\d+)-\w+", name)
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
