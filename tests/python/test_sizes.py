"""test_sizes.py: the package stays in pieces a reader can hold.

No Python file of scripts/aiobench (and of the four command lines beside
it) over FILE_MAX lines, no class over CLASS_MAX, no function or method
over FUNCTION_MAX: counted from the line of its `def` or `class` (or its
first decorator) to its last line, docstring and comments included, as
Python's ast gives them.
"""

import ast
import os

import pytest

from by_path import ROOT

FILE_MAX, CLASS_MAX, FUNCTION_MAX = 500, 300, 80
SCRIPTS = os.path.join(ROOT, "scripts")
PACKAGE = os.path.join(SCRIPTS, "aiobench")


def python_files():
    """The package's files and the command lines, from the top of the tree."""
    command_lines = ("bench.py", "report.py", "compare.py", "stop_time.py")
    files = [os.path.join(SCRIPTS, name) for name in command_lines]
    for folder, _, names in os.walk(PACKAGE):
        files += [os.path.join(folder, n) for n in names if n.endswith(".py")]
    return sorted(os.path.relpath(f, ROOT) for f in files)


def definitions(tree):
    """(kind, name, lines) of every class and function, nested ones too."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            kind = "class" if isinstance(node, ast.ClassDef) else "function"
            yield kind, node.name, node.end_lineno - first + 1


def test_the_package_is_there():
    assert len(python_files()) > 20


@pytest.mark.parametrize("path", python_files())
def test_sizes(path):
    with open(os.path.join(ROOT, path)) as source:
        text = source.read()
    lines = text.count("\n")
    assert lines <= FILE_MAX, f"{path}: {lines} lines, over {FILE_MAX}"
    too_long = [f"{kind} {name}: {count} lines"
                for kind, name, count in definitions(ast.parse(text))
                if count > (CLASS_MAX if kind == "class" else FUNCTION_MAX)]
    assert not too_long, f"{path}: " + "; ".join(too_long)
