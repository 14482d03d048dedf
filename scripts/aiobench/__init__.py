"""aiobench: the benchmark runner, its statistics and its report, as one package.

scripts/bench.py, scripts/report.py, scripts/compare.py and
scripts/lesson.py are its command lines; each imports the module of the same name here and calls its main().
A reader looking for a fact finds it in the module named for it:

    schema       runs.csv's columns and meta.json's keys, one parse_size
    models       the models and reference clients: their knobs, windows, command lines
    plan         the plan (PLANS) and its expansion into configurations and runs
    ideal        the ideal time of a run: its formula and its words, side by side
    stats        medians, the median's interval, the U test, slopes (compare and report)
    server       bin/mock_server: its thread count, started, watched and stopped
    process      starting a client through a shell, bounded in time; exit statuses
    clients      one run of a model or a reference client, and which can run here
    progress     the "[k/n] elapsed, about T left" lines
    reference    the reference step before the plan (scripts/reference.py)
    runner       running the configurations: warm-up, counted runs, rows, traces
    meta         meta.json: the machine, the software, the plan as it ran
    publish      the work folder that becomes results/runs/STAMP (or --out's) at the end
    bench        the bench's command line and main
    compare      two runs compared, configuration by configuration
    figures      a document's figures parsed and recomputed from a run
    lesson       the lesson with another run's figures, and what moved
    report/      REPORT.md: charts.py (gnuplot) and one module per section

The command line's rules and words are scripts/options.py's (client/cli.c's
twin, shared with peers/python_asyncio), which sits beside this package.
Python 3 standard library only.
"""

import os

# The top of the repository: scripts/aiobench/ is two folders below it.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
