"""test_publish.py: where a bench run goes (aiobench/publish.py).

Without --out a run becomes results/runs/STAMP and results/latest points at
it (publish_run); the committed files of results/ are never touched. Work
folders are made here by make_work_dir, with outputs written by hand.
"""

import os
import re
import subprocess

from aiobench import publish


def work_with_outputs(results):
    """A work folder in results/runs holding every output, and two that are not."""
    work = publish.make_work_dir(os.path.join(results, publish.RUNS))
    for name in publish.OUTPUTS:
        if not os.path.isdir(os.path.join(work, name)):
            with open(os.path.join(work, name), "w") as out:
                out.write(name)
    with open(os.path.join(work, "server.log"), "w") as out:
        out.write("log")
    return work


def test_a_run_gets_its_own_folder_and_latest(tmp_path):
    results = str(tmp_path)
    (tmp_path / "runs.csv").write_text("the reference run")
    first = publish.publish_run(work_with_outputs(results), results)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-\d{6}", os.path.basename(first))
    assert sorted(os.listdir(first)) == sorted(publish.OUTPUTS)      # no server.log, trace-runs
    assert os.readlink(tmp_path / "latest") == os.path.join("runs", os.path.basename(first))
    assert (tmp_path / "runs.csv").read_text() == "the reference run"
    assert os.stat(first).st_mode & 0o077 != 0                        # not mkdtemp's 0700
    # A second run (STAMP-2 when in the same second): latest moves to it.
    second = publish.publish_run(work_with_outputs(results), results)
    assert second != first and os.path.isdir(first)
    assert os.path.realpath(tmp_path / "latest") == os.path.realpath(second)
    assert [n for n in os.listdir(results) if n.startswith(".tmp")] == []
    assert [n for n in os.listdir(tmp_path / "runs") if n.startswith(".tmp")] == []


def test_stale_work_folders_of_a_dead_run_go(tmp_path):
    """A run killed before it finished leaves its work folder and, when it
    died while publishing, its "-old-" folder; the next run removes both,
    and never a live run's."""
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = [f".tmp-bench-{dead.pid}-ab_12", f".tmp-bench-{dead.pid}-old-cd_34"]
    live = f".tmp-bench-{os.getpid()}-old-ef_56"
    for name in stale + [live]:
        (tmp_path / name).mkdir()
    work = publish.make_work_dir(str(tmp_path))
    left = sorted(n for n in os.listdir(tmp_path))
    assert left == sorted([live, os.path.basename(work)])
