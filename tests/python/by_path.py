"""by_path.py: a program without a .py suffix, loaded by path as a module.

peers/python_asyncio is a program, not a module: test_peer.py takes it with
load(), as a module of its own (pytest puts this folder on sys.path, where
the test files find this one). The package under test, scripts/aiobench,
is imported as a package (conftest.py puts scripts/ on sys.path).
"""

import importlib.machinery
import importlib.util
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = os.path.join(ROOT, "scripts")


def load(path, name):
    """The module of the Python file at path (from the top of the tree),
    loaded once as name. scripts/ goes on sys.path first, where the
    program finds scripts/options.py."""
    if SCRIPTS not in sys.path:
        sys.path.insert(0, SCRIPTS)
    if name in sys.modules:
        return sys.modules[name]
    loader = importlib.machinery.SourceFileLoader(name, os.path.join(ROOT, path))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader))
    sys.modules[name] = module      # before it runs, as an import would
    try:
        loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
