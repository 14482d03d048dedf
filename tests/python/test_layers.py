"""test_layers.py: the C code keeps to the layers README.md's layout table draws.

The table's third column names, for each folder with C code, the folders
whose headers that code may include. Every `#include "name.h"` of the
folder's .c and .h files is found as the compiler finds it (the including
file's own folder first, then the Makefile's -I folders in their order),
and its folder must be one the row names. The Makefile's -I list and the
table's folders must agree, so that a new layer is written in both or in
neither. coro/coro_loop.c includes its loop's header by a name the Makefile
gives each model's object (CORO_LOOP_H): that header must keep to the layer
of the model whose program the object is built into.
"""

import os
import re

from by_path import ROOT

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def layout_rows(readme):
    """{folder: [folders it may include]} from README.md's "## Layout" table,
    for the rows whose third cell names any."""
    section = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        allowed = re.findall(r"`([^`]+)/`", cells[2])
        if allowed:
            rows[cells[0].strip("`/")] = allowed
    return rows


def include_path():
    """The -I folders of the Makefile's CPPFLAGS, in order."""
    flags = re.search(r"^CPPFLAGS \+=(.*)$", read("Makefile"), re.M).group(1)
    return re.findall(r"-I(\S+)", flags)


def where(header, including_folder, search):
    """The folder the compiler takes header from, or None."""
    for folder in [including_folder] + search:
        if os.path.isfile(os.path.join(ROOT, folder, header)):
            return folder
    return None


def violations(rows, search):
    """'file: includes header from folder' for each include outside the
    including folder's row, or that no folder provides."""
    found = []
    for folder, allowed in sorted(rows.items()):
        for name in sorted(os.listdir(os.path.join(ROOT, folder))):
            if not name.endswith((".c", ".h")):
                continue
            path = f"{folder}/{name}"
            for header in INCLUDE.findall(read(path)):
                home = where(header, folder, search)
                if home is None:
                    found.append(f"{path}: includes {header}, which no folder has")
                elif home not in allowed:
                    found.append(f"{path}: includes {header} from {home}/, "
                                 f"not one of {' '.join(allowed)}")
    return found


def test_the_table_names_every_c_folder():
    rows = layout_rows(read("README.md"))
    c_folders = {d for d in os.listdir(ROOT)
                 if os.path.isdir(os.path.join(ROOT, d)) and d not in ("tests", "build")
                 and any(n.endswith(".c") for n in os.listdir(os.path.join(ROOT, d)))}
    assert set(rows) == c_folders


def test_the_makefile_searches_the_shared_layers():
    rows = layout_rows(read("README.md"))
    # The folders some other folder includes from: the -I list.
    shared = {a for folder, allowed in rows.items() for a in allowed if a != folder}
    assert set(include_path()) == shared


def test_every_include_keeps_to_its_layer():
    assert violations(layout_rows(read("README.md")), include_path()) == []


def test_an_include_outside_the_row_is_said():
    """The check itself: were tasks/ allowed base/ and itself alone, its
    includes of client/ headers would each be said, with file and folder."""
    said = violations({"tasks": ["base", "tasks"]}, include_path())
    assert "tasks/task.c: includes cpu.h from client/, not one of base tasks" in said


def test_the_server_links_base_alone():
    rule = re.search(r"^\$\(BINDIR\)/mock_server:(.*)$", read("Makefile"), re.M).group(1)
    assert "$(BASE_LIB)" in rule and "CLIENT" not in rule


# A coroutine model's object of coro/coro_loop.c, and the loop header the
# Makefile names for it: `$(BUILD)/MODEL/coro_loop.o: CORO_LOOP := [-IDIR]
# -DCORO_LOOP_H='"HEADER"'`. The source has no #include line for it.
CORO_LOOP_RULE = re.compile(
    r"^\$\(BUILD\)/(\w+)/coro_loop\.o: CORO_LOOP := (.*?)-DCORO_LOOP_H='\"([^\"]+)\"'\s*$",
    re.M)


def chosen_header_violations(makefile, rows, search):
    """'MODEL: coro_loop.o includes HEADER from FOLDER' for each loop header
    the Makefile chooses from a folder outside MODEL's row, or that no
    folder has: the object is built into MODEL's program, so the header
    keeps to MODEL's layer."""
    found = []
    for model, flags, header in CORO_LOOP_RULE.findall(makefile):
        home = where(header, "coro", re.findall(r"-I(\S+)", flags) + search)
        if home is None:
            found.append(f"{model}: coro_loop.o includes {header}, which no folder has")
        elif home not in rows.get(model, []):
            found.append(f"{model}: coro_loop.o includes {header} from {home}/, "
                         f"not one of {' '.join(rows.get(model, []))}")
    return found


def test_the_loop_header_the_makefile_chooses_keeps_to_the_model_s_layer():
    makefile = read("Makefile")
    assert sorted(m for m, _, _ in CORO_LOOP_RULE.findall(makefile)) == ["async_coro",
                                                                         "async_uring"]
    assert chosen_header_violations(makefile, layout_rows(read("README.md")),
                                    include_path()) == []


def test_a_chosen_header_outside_the_row_is_said():
    """The check itself: were async_coro allowed no loop/, the loop_uv.h
    its object is built against would be said."""
    rows = dict(layout_rows(read("README.md")), async_coro=["base", "coro", "async_coro"])
    said = chosen_header_violations(read("Makefile"), rows, include_path())
    assert said == ["async_coro: coro_loop.o includes loop_uv.h from loop/, "
                    "not one of base coro async_coro"]
