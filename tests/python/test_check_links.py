"""test_check_links.py: tests/tools/check_links.py on a small committed tree.

tests/python/fixtures/links/ holds a tree whose every link resolves; its
files end in .in, so that the repository's own link check leaves them out.
Each test copies it (without the .in), plants one thing and reads what the
checker says. tests/integration/test_links.sh runs it on the repository.
"""

import os
import shutil

import pytest

from by_path import ROOT, load

check_links = load("tests/tools/check_links.py", "check_links")

FIXTURE = os.path.join(ROOT, "tests", "python", "fixtures", "links")


@pytest.fixture
def tree(tmp_path):
    """A copy of the fixture, its files without .in."""
    for folder, _, names in os.walk(FIXTURE):
        for name in names:
            source = os.path.join(folder, name)
            target = tmp_path / os.path.relpath(source, FIXTURE).removesuffix(".in")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    return tmp_path


def plant(tree, path, text):
    """Appends text to the file at path in tree; returns the number of its
    first new line."""
    with open(tree / path, encoding="utf-8") as f:
        first = f.read().count("\n") + 1
    with open(tree / path, "a", encoding="utf-8") as f:
        f.write(text)
    return first


def run(tree, capsys):
    """The checker's exit status, stdout lines and stderr over tree."""
    status = check_links.main(["--root", str(tree)])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


def test_the_fixture_resolves(tree, capsys):
    status, out, err = run(tree, capsys)
    assert (status, out) == (0, [])
    assert err == ("check_links: 2 Markdown files (a walk of the tree), 4 links checked, "
                   "1 with a scheme skipped: all resolve\n")


def test_a_link_to_a_missing_file(tree, capsys):
    line = plant(tree, "README.md", "\nSee [the list](docs/list.md).\n") + 1
    status, out, err = run(tree, capsys)
    assert (status, out) == (1, [f"README.md:{line}: link 'docs/list.md': no such file or folder"])
    assert err.endswith(": 1 broken\n")


def test_an_anchor_to_no_heading(tree, capsys):
    line = plant(tree, "docs/guide.md", "\n[third notes](#notes-2)\n") + 1
    status, out, _ = run(tree, capsys)
    assert (status, out) == (
        1, [f"docs/guide.md:{line}: link '#notes-2': no heading with the id 'notes-2' in docs/guide.md"])


def test_links_in_code_are_not_links(tree, capsys):
    plant(tree, "docs/guide.md",
          "\nA span `[gone](gone-1.md)`, one `that crosses\n[a line](gone-2.md)` and\n\n"
          "```\n[in a fence](gone-3.md)\n```\n\n    [indented](gone-4.md)\n\n"
          "<!-- [in a comment](gone-5.md) -->\n")
    assert run(tree, capsys)[:2] == (0, [])


def test_a_link_after_code_keeps_its_line(tree, capsys):
    line = plant(tree, "docs/guide.md",
                 "\nA span `that crosses\na line` and a link [that](\ngone.md) on the line after.\n") + 2
    assert run(tree, capsys)[:2] == (1, [f"docs/guide.md:{line}: link 'gone.md': no such file or folder"])


def test_a_docs_page_nobody_links(tree, capsys):
    (tree / "docs" / "lost.md").write_text("# Lost\n\n[Home](../README.md)\n")
    status, out, _ = run(tree, capsys)
    assert (status, out) == (
        1, ["docs/lost.md:1: link 'docs/lost.md': README.md has no link to this page, so nobody can reach it"])


@pytest.mark.parametrize("heading, want", [
    ("Part two: the end!", "part-two-the-end"),
    ("`snake_case` and *more*", "snake_case-and-more"),
    ("A [link](x.md) in it", "a-link-in-it"),
    ("Ünïcode stays", "ünïcode-stays"),
])
def test_heading_ids_are_githubs(heading, want):
    _, anchors = check_links.read_page(f"## {heading}\n")
    assert anchors == {want}


def test_repeated_headings_are_numbered():
    _, anchors = check_links.read_page("# Twice\n\n# Twice\n\nTwice\n-----\n")
    assert anchors == {"twice", "twice-1", "twice-2"}


def test_html_links_and_ids():
    links, anchors = check_links.read_page(
        "Text <a href=\"a.md\">a</a>.\n\n<div id=\"box\">\n<img src=\"b.png\">\n</div>\n")
    assert links == [(1, "a.md"), (4, "b.png")]
    assert anchors == {"box"}
