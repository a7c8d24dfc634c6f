"""Generated hostile shapes (tests/fuzz/shapes.py), a modest fixed set of seeds: every reader
conserves every record (a post or an error record at the record's place), in every encoding and
delivery the generator knows. `bench/robustness.py --only shapes` runs many more seeds.

A failure names its seed; rebuild it with `python3 -m tests.fuzz.shapes --seed N --cases 1`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz import shapes
from tests.fuzz.harness import Judge

SEEDS = range(int(os.environ.get("SHAPE_SEEDS", "120")))
BIG = 60_000  # the huge caption: 15k-60k characters, both sides of the 50,000-character caption bound
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def judge():
    return Judge()


@pytest.mark.parametrize("seed", SEEDS)
def test_every_generated_record_is_read_exactly_once(judge, tmp_path, seed):
    case = shapes.make_case(seed, BIG)
    outcome = shapes.run_case(case, judge, tmp_path)
    assert not outcome.failed, outcome.describe()
    assert outcome.refused is None, f"{case.name}: refused whole: {outcome.refused}"
    assert outcome.records == outcome.expected


def test_the_seeds_cover_every_format_shape_encoding_and_delivery():
    """The modest set is not vacuous: all of it is built at least once."""
    cases = [shapes.make_case(seed, BIG) for seed in SEEDS]
    assert {c.fmt for c in cases} == set(shapes.FORMATS)
    assert {s for c in cases for s in c.shapes} == set(shapes.RECORD_SHAPES)
    assert {c.encoding for c in cases} == set(shapes.ENCODINGS)
    assert {c.delivery for c in cases} >= {"file", "fifo", "symlinks", "zip", "gzip-jsonl"}
    for fmt in shapes.FORMATS:  # each reader meets the nastiest shapes itself
        mine = [s for c in cases if c.fmt == fmt for s in c.shapes]
        assert {"deep-array", "deep-object", "huge-int", "unclosed", "huge-caption"} <= set(mine), fmt
        assert any(c.encoding.startswith("utf-16") for c in cases if c.fmt == fmt), fmt


def test_the_same_seed_builds_the_same_bytes():
    a, b = shapes.make_case(7, BIG), shapes.make_case(7, BIG)
    assert shapes.encode(a, shapes.build_text(a)[0]) == shapes.encode(b, shapes.build_text(b)[0])


def test_a_lost_or_misplaced_record_is_caught(judge, tmp_path, monkeypatch):
    """The conservation check can fail: a reader that drops one record, or reads two as one."""
    import compliance.readers as readers

    real = readers.read_inputs
    case = next(c for c in map(lambda s: shapes.make_case(s, BIG), range(500)) if c.fmt == "csv" and len(c.shapes) >= 3)
    monkeypatch.setattr(readers, "read_inputs", lambda *a, **k: [r for i, r in enumerate(real(*a, **k)) if i != 1])
    assert shapes.run_case(case, judge, tmp_path).lost

    def shifted(*a, **k):
        from dataclasses import replace

        out = list(real(*a, **k))
        return [replace(out[0], caption="r99: someone else")] + out[1:]

    monkeypatch.setattr(readers, "read_inputs", shifted)
    assert shapes.run_case(case, judge, tmp_path).misplaced


def test_bombs_cost_one_record_and_keep_the_rest(judge, tmp_path):
    from compliance.model import InputError
    from compliance.readers import ReadOptions, read_inputs

    for name, filename, data, count in shapes.bombs(17 * 1024 * 1024):  # just over the 16 MiB record bound
        assert len(data) < 100_000, name  # small on disk
        path = tmp_path / filename
        path.write_bytes(data)
        records = list(read_inputs([str(path)], ReadOptions(note=lambda m: None)))
        assert len(records) == count, name
        assert [r.id for r in records if not isinstance(r, InputError)] == ["a", "b"], name


def _exit_code(report: dict) -> int:
    counts = report["summary"]
    if any(c.get("violation") for c in counts["by_jurisdiction"].values()):
        return 1
    return 3 if counts["errors"] else 0


@pytest.mark.parametrize("delivery", ["fifo", "symlinks"])
def test_shapes_through_the_real_cli(tmp_path, delivery):
    """A FIFO and a folder of symlinks, scanned by the real process: no traceback, every record in
    the report, the README's exit code (1 a violation, 3 some posts not judged, never 0 then)."""
    case = next(
        c
        for c in map(lambda s: shapes.make_case(s, BIG), range(2000))
        if c.delivery == delivery and c.fmt == "jsonl" and "unclosed" in c.shapes and len(c.shapes) >= 3
    )
    text, places = shapes.build_text(case)
    scan, _, writer = shapes.deliver(case, shapes.encode(case, text), tmp_path)
    out = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "compliance", "scan", scan, "-o", str(out), "--no-progress", "--no-config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if writer is not None:
        writer.join(5)
    assert "Traceback" not in proc.stderr, f"seed {case.seed}: {proc.stderr[-2000:]}"
    report = json.loads(out.read_text(encoding="utf-8"))
    assert sorted(p["source"]["line"] for p in report["posts"]) == sorted(n for _, n in places), case.name
    assert proc.returncode == _exit_code(report) != 0, case.name
    if delivery == "symlinks":
        assert "outside" not in {p["id"] for p in report["posts"]}
