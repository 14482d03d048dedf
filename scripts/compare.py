#!/usr/bin/env python3
"""compare.py: did anything change between two bench runs? (benchstat's method)

    scripts/compare.py [--metric COLUMN] [--alpha A] [--csv | --json] OLD NEW

OLD and NEW are results folders (their runs.csv is read) or runs.csv files.
For each configuration and model that both ran with the same arguments, it
prints the median of the counted runs that exited 0, each with a
distribution-free 95% confidence interval, and the change from OLD to NEW,
judged by a two-sided Mann-Whitney U test: a significant change prints its
percentage ((new - old) / old: +100% is twice the time, -50% half), else
"~" and the p-value; too few runs to ever reach significance are said so.
A geomean row per model sums up the configurations both sides measured.

Exit status: 0 compared (whatever it found); 2 usage, or a file that is
missing, not a runs.csv, without runs, with a value that is not a finite
number (nan, inf), or with nothing in common with the other, said in one
line "compare: what is wrong". Python 3 standard library
only: the statistics are written out in aiobench/stats.py, plainly.
"""

import sys

from aiobench.compare import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
