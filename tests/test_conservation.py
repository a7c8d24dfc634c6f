"""Nothing lost: every non-blank input line is in every report exactly once.

The input is fixture posts with random damage shuffled among truncated lines, bad encodings,
binary garbage, duplicate ids, two 10 MB lines, lone surrogates, non-object JSON, deep nesting
and blank lines (tests/fuzz/corrupt.py). Each format is checked in its own terms:

- json: `posts` has one record per line, in line order;
- jsonl: one post record per line, in line order;
- csv: per line, one row per jurisdiction for a judged post, or exactly one error row;
- text: the counts say every post, and each post needing action is listed exactly once;
- html: every post appears as one numbered entry.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.fuzz.corrupt import corrupted_jsonl, nonblank_line_numbers

ROOT = Path(__file__).resolve().parent.parent
JURISDICTIONS = ["us", "uk", "de", "fr"]
FORMATS = ("json", "jsonl", "csv", "text", "html")


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("conserve")
    data = corrupted_jsonl(seed=7)
    posts = tmp / "damaged.jsonl"
    posts.write_bytes(data)
    out = {"expected": nonblank_line_numbers(data), "file": str(posts)}
    for fmt in FORMATS:
        target = tmp / f"report.{fmt}"
        args = [
            "scan",
            str(posts),
            "--brand",
            "Glowly",
            "--brand",
            "@glowlyskin",
            "--format",
            fmt,
            "-o",
            str(target),
            "--jobs",
            "1",
            "--no-progress",
            "--no-config",
        ]
        if fmt == "json":  # the real process once: no traceback, the contract's exit code
            proc = subprocess.run(
                [sys.executable, "-m", "compliance", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
            )
            assert proc.returncode == 1, proc.stderr[-3000:]  # damaged input is not a usage error
            assert "Traceback" not in proc.stderr
        else:
            from click.testing import CliRunner

            from compliance.cli.commands import main

            result = CliRunner().invoke(main, args, catch_exceptions=False)
            assert result.exit_code == 1, result.output[-3000:]
        out[fmt] = target.read_bytes().decode("utf-8")
    return out


def test_the_damage_is_real(scan):
    """The input has what the docstring promises, so the checks below are not vacuous."""
    data = Path(scan["file"]).read_bytes()
    lines = data.split(b"\n")
    assert max(len(line) for line in lines) >= 10 * 1024 * 1024
    assert any(b"\\ud800" in line for line in lines)
    assert sum(1 for line in lines if not line.strip()) >= 2
    assert len(scan["expected"]) >= 40


def test_json_posts_are_every_line_once_in_order(scan):
    report = json.loads(scan["json"])
    lines = [p["source"]["line"] for p in report["posts"]]
    assert lines == scan["expected"]
    assert report["summary"]["posts"] == len(scan["expected"])
    errors = [p for p in report["posts"] if p["error"]]
    assert report["summary"]["errors"] == len(errors) > 10
    for post in errors:  # an error record names the place, so a person can find the line
        assert post["error"].startswith(f"line {post['source']['line']}")
    judged = [p for p in report["posts"] if not p["error"]]
    assert all(sorted(p["verdicts"]) == sorted(JURISDICTIONS) for p in judged)
    # duplicate ids are two posts, not one
    assert [p["id"] for p in report["posts"]].count("dup") == 2


def test_jsonl_records_are_every_line_once_in_order(scan):
    records = [json.loads(line) for line in scan["jsonl"].splitlines() if line.strip()]
    posts = [r for r in records if "source" in r]
    assert [r["source"]["line"] for r in posts] == scan["expected"]
    assert [r["id"] for r in posts] == [p["id"] for p in json.loads(scan["json"])["posts"]]


def test_csv_rows_account_for_every_line(scan):
    report = json.loads(scan["json"])
    rows = list(csv.DictReader(io.StringIO(scan["csv"], newline="")))
    by_line: dict[int, list[dict]] = {}
    for row in rows:
        match = re.fullmatch(r".*, line (\d+)", row["source"])
        assert match, row["source"]
        by_line.setdefault(int(match.group(1)), []).append(row)
    assert sorted(by_line) == scan["expected"]
    for post in report["posts"]:
        got = by_line[post["source"]["line"]]
        if post["error"]:
            assert len(got) == 1 and got[0]["status"] == "error", got
        else:
            assert sorted(r["jurisdiction"] for r in got) == sorted(JURISDICTIONS), got
            assert {r["jurisdiction"]: r["status"] for r in got} == {
                j: v["status"] for j, v in post["verdicts"].items()
            }


def test_text_counts_every_post_and_lists_each_needing_action_once(scan):
    report = json.loads(scan["json"])
    text = scan["text"]
    head = re.search(r"(\d+) posts from .*; (\d+) input errors", text)
    assert head and int(head.group(1)) == len(scan["expected"])
    assert int(head.group(2)) == report["summary"]["errors"]
    listed = Counter(int(m.group(1)) for m in re.finditer(r"(?m)^\S.*?, line (\d+)(?:  |$)", text))
    action = [
        p["source"]["line"]
        for p in report["posts"]
        if p["error"] or any(v["status"] in ("violation", "review") for v in p["verdicts"].values())
    ]
    assert sorted(listed) == sorted(action)
    assert set(listed.values()) == {1}


def test_html_shows_every_post_once(scan):
    report = json.loads(scan["json"])
    html = scan["html"]
    anchors = re.findall(r'id="post-(\d+)"', html)
    assert sorted(map(int, anchors)) == list(range(1, len(report["posts"]) + 1))
