#!/usr/bin/env python3
"""lesson.py: docs/LESSON.md with the figures of your own bench run.

    scripts/lesson.py [--reference DIR] [--lesson FILE] [RUN_DIR]
        (default: results/latest, the newest `make bench`)

Writes RUN_DIR/LESSON.md: the lesson with every figure recomputed from
RUN_DIR/runs.csv (the code of tests/tools/check_figures.py, in
aiobench/figures.py), its links resolving from RUN_DIR; prints the figures
that moved by more than the run-to-run spread (--help defines it) and those
the run lacks. Exit status: 0 written; 2 usage, or a folder without
runs.csv. Python 3 standard library only.
"""

import sys

from aiobench.lesson import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
