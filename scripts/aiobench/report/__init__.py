"""report/: the charts and REPORT.md of a bench run, made from its data alone.

Reads runs.csv, meta.json, reference.json, syscalls.csv, threads.csv and
traces/ of a results folder (results.py) and writes charts/*.png and *.svg
(charts.py, with the gnuplot scripts of scripts/charts/) and REPORT.md (document.py: one module per
section, each a function from the results to its lines). Every number and
every comparative word is computed from the data, so the text cannot
contradict it. bench.py calls build() on its work folder before it
publishes; scripts/report.py remakes the report of existing results.
"""

import os
import sys
import tempfile

from aiobench import ROOT
from aiobench.errors import ReportError
from aiobench.report.charts import Charts, check_gnuplot
from aiobench.report.context import Context
from aiobench.report.document import text
from aiobench.report.results import Results
from aiobench.report.terminal import headline_table

__all__ = ["ReportError", "build", "check_gnuplot", "headline_table", "main", "write_whole"]

PROGRAM = "report"


def build(folder):
    """Makes charts/ and REPORT.md in folder from its runs.csv and meta.json."""
    check_gnuplot()
    results = Results(folder)
    with tempfile.TemporaryDirectory(prefix="report-") as data_dir:
        report = text(Context(results, Charts(folder, data_dir)))
    write_whole(os.path.join(folder, "REPORT.md"), report)


def write_whole(path, text):
    """Replaces path with text, whole or not at all, as the clients write a
    trace: into a temporary file beside it whose name mkstemp makes unique
    (whatever the process id: in a container every run may be PID 1),
    renamed over path; a write that fails leaves nothing behind."""
    fd, tmp = tempfile.mkstemp(prefix=".aio-bench-", dir=os.path.dirname(path) or ".")
    try:
        # mkstemp makes it 0600; the file gets the mode open() would give it.
        umask = os.umask(0o022)
        os.umask(umask)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), 0o666 & ~umask)
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def main(argv):
    """scripts/report.py [RESULTS_DIR]: the exit status (0 made, 2 usage, 3 cannot)."""
    folder = argv[0] if argv else os.path.join(ROOT, "results")
    if len(argv) > 1 or folder.startswith("-"):
        sys.stderr.write("usage: scripts/report.py [RESULTS_DIR]\n")
        return 2
    try:
        build(folder)
    except ReportError as err:
        sys.stderr.write(f"{PROGRAM}: {err}\n")
        return 3
    return 0
