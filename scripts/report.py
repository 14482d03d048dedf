#!/usr/bin/env python3
"""report.py: the charts and REPORT.md of a bench run, made from its data alone.

    scripts/report.py [RESULTS_DIR]        (default: results)

Reads runs.csv, meta.json and traces/ in RESULTS_DIR and writes charts/*.png,
charts/*.svg (gnuplot, with the scripts in scripts/charts/) and REPORT.md.
Every number and every comparative word of the report is computed from
runs.csv and the traces (aiobench/report/: one module per section), so the
text cannot contradict the data. bench.py makes the report of its own run;
run this by hand to remake the report of existing results
(`scripts/report.py results/latest` for your last `make bench`).
"""

import sys

from aiobench.report import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
