"""A JSON report file gets its post blocks as they are judged, with the same bytes as ever."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from compliance.reporters.document import Report, report_from_posts, summarise
from compliance.reporters.json_report import render_json
from compliance.reporters.streaming import DirectJsonReportWriter, header

ROOT = Path(__file__).resolve().parent.parent
POSTS = [
    {"id": str(i), "caption": caption, "verdicts": {"us": {"status": "clear", "findings": []}}, "error": None}
    for i, caption in enumerate(["#ad é ✨ \u2028 \U0001f600", "Werbung | Glowly", 'quote " and \\ back'])
]


@pytest.mark.parametrize("count", [0, 1, 3])
@pytest.mark.parametrize("extra", [{}, {"resolved": [{"id": "9", "jurisdictions": ["us"], "reason": "fixed"}]}])
def test_direct_writer_gives_the_reporters_document(tmp_path, count, extra):
    posts = POSTS[:count]
    expected = io.StringIO()
    data = dict(report_from_posts(posts, ["us"], {}, ["in.jsonl"]).data)
    data.update(extra)
    render_json(Report(data), expected, {})
    start = header(["us"], {}, ["in.jsonl"], summarise([], ["us"]), {k: [] for k in extra})
    path = tmp_path / "report.json"
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        writer = DirectJsonReportWriter.opened(out, start)
        assert writer is not None
        for post in posts:
            writer.add(post)
        writer.finish(header(["us"], {}, ["in.jsonl"], summarise(posts, ["us"]), extra))
    assert path.read_text(encoding="utf-8") == expected.getvalue()


def test_direct_writer_needs_utf8_bytes_underneath():
    start = header(["us"], {}, ["in.jsonl"], summarise([], ["us"]))
    assert DirectJsonReportWriter.opened(io.StringIO(), start) is None


def test_direct_writer_refuses_a_head_that_changed(tmp_path):
    start = header(["us"], {}, ["in.jsonl"], summarise([], ["us"]))
    with open(tmp_path / "r.json", "w", encoding="utf-8") as out:
        writer = DirectJsonReportWriter.opened(out, start)
        assert writer is not None
        with pytest.raises(RuntimeError):
            writer.finish(header(["us", "de"], {}, ["in.jsonl"], summarise([], ["us"])))


def _scan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "compliance", "scan", *args, "--brand", "Glowly", "--no-progress", "--jobs", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def test_report_file_is_stdouts_report_and_is_replaced_only_when_complete(tmp_path):
    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        '{"id": "a", "caption": "#ad Glowly serum"}\nnot json\n{"id": "b", "caption": "Thanks Glowly! code GLOW10"}\n',
        encoding="utf-8",
    )
    report = tmp_path / "report.json"
    to_stdout = _scan(str(posts))
    to_file = _scan(str(posts), "-o", str(report))
    assert to_file.returncode == to_stdout.returncode == 1, to_file.stderr
    assert report.read_text(encoding="utf-8") == to_stdout.stdout
    # A run that fails (an unusable state file) leaves the earlier report as it was, and no temporary file.
    bad_state = tmp_path / "state.sqlite"
    bad_state.write_bytes(b"not a database, not at all" * 100)
    failed = _scan(str(posts), "-o", str(report), "--state", str(bad_state))
    assert failed.returncode == 2
    assert report.read_text(encoding="utf-8") == to_stdout.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["posts.jsonl", "report.json", "state.sqlite"]
