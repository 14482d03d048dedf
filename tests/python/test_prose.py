"""test_prose.py: the words that count the models and workloads count right.

The models are the Makefile's MODELS, the workloads client/options.h's enum
workload: each fact has one home, and prose that repeats a count goes stale
at the next model. So wherever a file of the repository (git's files) gives
a number, in words, of "the N models", "all N models", "N concurrency
models", "N client programs" or "N workloads", it must be today's, and the
tables that list the models must list exactly MODELS, each of which is a
folder with its model.c.
"""

import os
import re

import pytest

from by_path import ROOT, load

check_links = load("tests/tools/check_links.py", "check_links")

NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "both": 2}
NUMBER = "(" + "|".join(NUMBERS) + ")"

# Files not read: this one, whose examples are miscounts on purpose.
NOT_READ = {"tests/python/test_prose.py"}


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def models():
    """The Makefile's MODELS."""
    return re.search(r"^MODELS\s*:=(.*)$", read("Makefile"), re.M).group(1).split()


def workloads():
    """The members of client/options.h's enum workload."""
    body = re.search(r"enum workload \{(.*?)\}", read("client/options.h"), re.S).group(1)
    return re.findall(r"WORKLOAD_\w+", body)


def counted_phrases():
    """(pattern, the number it must say, what it counts)."""
    n_models, n_workloads = len(models()), len(workloads())
    return [
        (re.compile(rf"\b(?:(?:the|all) {NUMBER}|{NUMBER} concurrency|(both)) models\b", re.I),
         n_models, "models"),
        (re.compile(rf"\b{NUMBER} client programs\b", re.I), n_models, "client programs"),
        (re.compile(rf"\b{NUMBER} workloads\b", re.I), n_workloads, "workloads"),
    ]


def miscounts(path, text, phrases):
    """'PATH:LINE: "PHRASE": there are N THINGS' for each phrase of text
    whose number is not its count."""
    found = []
    for pattern, count, things in phrases:
        for m in pattern.finditer(text):
            word = next(g for g in m.groups() if g is not None).lower()
            if NUMBERS[word] != count:
                line = text.count("\n", 0, m.start()) + 1
                found.append(f'{path}:{line}: "{m.group(0)}": there are {count} {things}')
    return found


def text_files():
    """(path, text) of every text file of the repository, by git's list."""
    for path in sorted(check_links.Repository(ROOT).files):
        if path in NOT_READ:
            continue
        try:
            text = read(path)
        except (UnicodeDecodeError, IsADirectoryError):
            continue
        if "\0" not in text:
            yield path, text


def first_column(path, heading):
    """The `names` in the first column of the table under heading in the
    Markdown file at path, without a trailing /."""
    section = re.search(rf"^#+ {re.escape(heading)}\n(.*?)(?=^#|\Z)", read(path), re.M | re.S)
    assert section, f"{path}: no heading '{heading}'"
    return [name.rstrip("/") for name in re.findall(r"^\| `([^`]+)` \|", section.group(1), re.M)]


def test_the_counts_are_read():
    assert models() and "sync" in models()
    assert "WORKLOAD_FETCH" in workloads()


def test_no_file_miscounts():
    phrases = counted_phrases()
    found = [line for path, text in text_files() for line in miscounts(path, text, phrases)]
    assert found == []


@pytest.mark.parametrize("text, want", [
    ("the three models", 1), ("All Three Models", 1), ("three concurrency models", 1),
    ("both models", 1), ("five client programs", 1), ("three workloads", 1),
    ("the four models", 0), ("four concurrency models", 0), ("the two loop models", 0),
    ("Three models run that code; the fourth cannot", 0), ("five workloads", 0),
])
def test_a_planted_miscount_is_found(text, want):
    phrases = [(pattern, {"models": 4, "client programs": 4, "workloads": 5}[things], things)
               for pattern, _, things in counted_phrases()]
    assert len(miscounts("planted.md", f"A line.\n{text}.\n", phrases)) == want


def test_each_model_is_a_folder_with_its_model_c():
    on_disk = sorted(d for d in os.listdir(ROOT) if os.path.isfile(os.path.join(ROOT, d, "model.c")))
    assert on_disk == sorted(models())


@pytest.mark.parametrize("path", ["README.md", "docs/models.md"])
def test_the_layout_tables_list_every_model_and_only_folders_that_exist(path):
    folders = first_column(path, "Layout")
    assert set(models()) <= set(folders)
    assert [f for f in folders if not os.path.isdir(os.path.join(ROOT, f))] == []


def test_the_model_table_lists_exactly_the_models():
    section = next(h for h in re.findall(r"^## (.*)$", read("docs/models.md"), re.M)
                   if h.endswith("models, one task"))
    assert sorted(first_column("docs/models.md", section)) == sorted(models())
