"""by_path.py: the scripts under test, loaded by path (the unit tests' one helper).

The scripts are programs, not a package, and peers/python_asyncio has no
.py suffix: each test file takes the script it tests with load(), as a
module of its own (pytest puts this folder on sys.path, where the test
files find this one). tests/run.sh runs this folder with
/usr/bin/python3 -B -m pytest -p no:cacheprovider, so that nothing is
written into the tree (no __pycache__, no .pytest_cache).
"""

import importlib.machinery
import importlib.util
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = os.path.join(ROOT, "scripts")


def load(path, name):
    """The module of the Python file at path (from the top of the tree),
    loaded once as name. scripts/ goes on sys.path first, where each script
    finds its neighbours (bench.py imports report)."""
    if SCRIPTS not in sys.path:
        sys.path.insert(0, SCRIPTS)
    if name in sys.modules:
        return sys.modules[name]
    loader = importlib.machinery.SourceFileLoader(name, os.path.join(ROOT, path))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader))
    sys.modules[name] = module      # before it runs: bench's `import report` finds this one
    try:
        loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
