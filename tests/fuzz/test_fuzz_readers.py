"""The reader fuzz harness, short and repeatable: every format, mutated, never crashes or loses.

The long random run is `python3 -m tests.fuzz.harness --examples 3000` (tests/fuzz/README.md);
what it finds lands in fixtures/regressions/ and is replayed here for good.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import given

from tests.fuzz.harness import KINDS, REGRESSIONS, Judge, build, input_strategy, nonblank_lines, run_one
from tests.fuzz.strategies import fuzz_settings


@pytest.fixture(scope="module")
def judge():
    return Judge()


def _assert_clean(outcome):
    assert outcome.crash is None, outcome.crash
    assert not outcome.hang
    assert outcome.lost == 0
    if outcome.refused is None:
        assert outcome.formats == ["json", "csv", "text", "html"]


@fuzz_settings(120)
@given(sample=input_strategy())
def test_mutated_inputs_never_crash_hang_or_lose_posts(judge, tmp_path_factory, sample):
    kind, data = sample
    _assert_clean(run_one(kind, data, judge, tmp_path_factory.mktemp(kind)))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_seed_reads_cleanly_before_damage(judge, tmp_path, kind):
    """The seeds are real inputs: undamaged, each yields posts (so the fuzzing starts from sense)."""
    for seed in KINDS[kind][1]:
        outcome = run_one(kind, build(kind, seed.read_bytes(), []), judge, tmp_path)
        _assert_clean(outcome)
        assert outcome.refused is None and outcome.records > 0, (kind, seed)


def test_jsonl_accounting_counts_what_it_should(judge, tmp_path):
    """The loss check is real: blank lines are skipped, everything else is one record each."""
    data = (
        b'\xef\xbb\xbf{"id": "a", "caption": "#ad hi"}\n\n   \n{"id": "a", "caption": "dup id"}\n'
        b'\xff\xfe garbage\n["x"]\n{"id": "b", "caption": "\\ud800"}\n{"id": "c", "capt'
    )
    assert nonblank_lines(data) == [1, 4, 5, 6, 7, 8]
    outcome = run_one("jsonl", data, judge, tmp_path)
    _assert_clean(outcome)
    assert outcome.records == 6


def test_gzip_damage_keeps_what_was_read(judge, tmp_path):
    data = gzip.compress(b'{"id": "a", "caption": "#ad one"}\n' * 50, mtime=0)
    outcome = run_one("jsonl_gz", data[: len(data) // 2], judge, tmp_path)
    _assert_clean(outcome)
    assert outcome.refused is None and outcome.records >= 1


REGRESSION_FILES = sorted(REGRESSIONS.glob("*.bin"))


@pytest.mark.parametrize("path", REGRESSION_FILES, ids=[p.stem for p in REGRESSION_FILES])
def test_regression_fixture(judge, tmp_path, path: Path):
    """Inputs that once crashed, hung or lost posts (`<kind>--<what>.bin`; the .txt says what)."""
    kind = path.stem.split("--")[0]
    _assert_clean(run_one(kind, path.read_bytes(), judge, tmp_path))


def test_there_are_regression_fixtures():
    assert REGRESSION_FILES, "fixtures/regressions/ should hold the inputs fuzzing has found"


@pytest.mark.parametrize("path", REGRESSION_FILES, ids=[p.stem for p in REGRESSION_FILES])
def test_regression_fixture_through_the_scan_command(tmp_path, path: Path):
    """The same inputs through `compliance scan` itself, which warms matchers and learns words
    before judging: a lone surrogate in a post's brands once crashed it there (the harness above
    judges post by post and did not see it). Every post is in the report, once, in order."""
    import json

    from click.testing import CliRunner

    from compliance.cli.commands import main
    from compliance.readers import ReadOptions, UnreadableInput, read_inputs

    kind = path.stem.split("--")[0]
    name, _ = KINDS[kind]
    data = tmp_path / name
    data.write_bytes(path.read_bytes())
    try:
        expected = [(r.source.file, r.source.line) for r in read_inputs([str(data)], ReadOptions(note=lambda m: None))]
    except UnreadableInput:
        expected = None
    out = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["scan", str(data), "-j", "us", "--format", "json", "-o", str(out)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if expected is None:  # refused as a whole: a clear usage/input error, no report
        assert result.exit_code == 2
        return
    assert result.exit_code in (0, 1, 3), result.output
    posts = json.loads(out.read_text(encoding="utf-8"))["posts"]
    assert [(p["source"]["file"], p["source"].get("line")) for p in posts] == expected
