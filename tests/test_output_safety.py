"""Outputs never destroy a file: not an input, not another output, not on a failed write (issue 17)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from compliance.outputs import atomic_text, clashes
from compliance.run.dask_engine import DaskProblem, _remove_old_parts, check_output_dir
from tests.conftest import FIXTURES, ROOT

CAMPAIGN = FIXTURES / "campaign.jsonl"


def run(*args, cwd):
    proc = subprocess.run(
        [sys.executable, "-m", "compliance", *map(str, args)],
        capture_output=True,
        cwd=cwd,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


@pytest.fixture
def posts(tmp_path):
    path = tmp_path / "same.jsonl"
    shutil.copy(CAMPAIGN, path)
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "jsonl", "-o", "same.jsonl"],
        ["-o", "./same.jsonl"],
        ["--format", "jsonl", "--summary", "same.jsonl"],
        ["--format", "jsonl", "-o", "r.jsonl", "--summary", "r.jsonl"],
        ["-o", "link.jsonl"],
    ],
)
def test_an_output_onto_an_input_or_another_output_is_refused(tmp_path, posts, args):
    os.link(posts, tmp_path / "link.jsonl")  # same inode, other name
    before = posts.read_bytes()
    code, _, err = run("scan", "same.jsonl", *args, cwd=tmp_path)
    assert code == 2, err
    assert "would destroy it" in err or "each output needs its own file" in err
    assert posts.read_bytes() == before
    assert not (tmp_path / "r.jsonl").exists()


def test_an_output_over_a_file_in_a_scanned_folder_is_refused_but_an_old_report_is_replaced(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(CAMPAIGN, folder / "a.jsonl")
    code, _, err = run("scan", "data", "-o", "data/a.jsonl", cwd=tmp_path)
    assert code == 2 and "input folder data" in err
    assert (folder / "a.jsonl").read_bytes() == CAMPAIGN.read_bytes()
    code, _, err = run("scan", "data", "--format", "jsonl", "-o", "data/report.jsonl", cwd=tmp_path)
    assert code == 1, err
    first = (folder / "report.jsonl").read_text(encoding="utf-8")
    # the next scan of the folder skips the report (not read as 24 more posts) and may replace it
    code, _, err = run("scan", "data", "--format", "jsonl", "-o", "data/report.jsonl", cwd=tmp_path)
    assert code == 1, err
    assert (folder / "report.jsonl").read_text(encoding="utf-8") == first
    assert len(first.splitlines()) == len(CAMPAIGN.read_text(encoding="utf-8").splitlines())


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old report\n", encoding="utf-8")
    with pytest.raises(OSError):
        with atomic_text(str(target)) as out:
            out.write("half a new rep")
            raise OSError(28, "No space left on device")
    assert target.read_text(encoding="utf-8") == "old report\n"
    assert os.listdir(tmp_path) == ["report.json"]
    with atomic_text(str(target)) as out:
        out.write("new report\n")
    assert target.read_text(encoding="utf-8") == "new report\n"
    assert os.listdir(tmp_path) == ["report.json"]


def test_scan_replaces_the_report_only_when_complete(tmp_path, posts):
    target = tmp_path / "out.json"
    target.write_text("old\n", encoding="utf-8")
    code, _, err = run("scan", "same.jsonl", "-o", "out.json", cwd=tmp_path)
    assert code == 1, err
    assert json.loads(target.read_text(encoding="utf-8"))["summary"]["posts"] == 24
    assert sorted(os.listdir(tmp_path)) == ["out.json", "same.jsonl"]


def test_clashes_ignores_stdout_and_pipes():
    assert clashes(["a.jsonl"], [("-o", "-"), ("--summary", None)]) is None
    assert clashes(["/dev/stdin"], [("-o", "/dev/null"), ("--summary", "/dev/null")]) is None


def test_dask_never_deletes_inputs_in_its_output_dir(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(CAMPAIGN, data / "part-00000.jsonl")
    code, _, err = run("scan", "data", "--engine", "dask", "--output-dir", "data", cwd=tmp_path)
    assert code == 2 and "--output-dir data" in err
    code, _, err = run("scan", "data/part-00000.jsonl", "--engine", "dask", "--output-dir", "data", cwd=tmp_path)
    assert code == 2 and "--output-dir data" in err
    assert (data / "part-00000.jsonl").read_bytes() == CAMPAIGN.read_bytes()


def test_dask_removes_only_the_parts_its_previous_run_listed(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name in ("part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl.tmp-12-34", "notes.txt"):
        (out / name).write_text("x\n", encoding="utf-8")
    summary = {"tool": {"name": "compliance"}, "partitions": ["part-00000.jsonl", "part-00001.jsonl"]}
    (out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    check_output_dir(str(out), [str(CAMPAIGN)])
    _remove_old_parts(str(out))
    assert sorted(os.listdir(out)) == ["notes.txt", "summary.json"]
    # a part-named file no earlier run listed is someone's data: refuse the folder
    (out / "part-00007.jsonl").write_text("mine\n", encoding="utf-8")
    with pytest.raises(DaskProblem, match="part-00007.jsonl"):
        check_output_dir(str(out), [str(CAMPAIGN)])
    (out / "summary.json").write_text(json.dumps({"partitions": ["part-00007.jsonl"]}), encoding="utf-8")
    with pytest.raises(DaskProblem):  # a summary.json not written by compliance proves nothing
        check_output_dir(str(out), [str(CAMPAIGN)])
    assert (out / "part-00007.jsonl").read_text(encoding="utf-8") == "mine\n"


def test_a_symlinked_output_replaces_its_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    with atomic_text(str(link)) as out:
        out.write("new\n")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "new\n"


def test_dask_refuses_a_pipe_instead_of_reading_nothing(tmp_path):
    from compliance.run.dask_engine import plan_blocks

    fifo = tmp_path / "posts.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(DaskProblem, match="not pipes"):
        plan_blocks([str(fifo)], [str(fifo)], 1024)
