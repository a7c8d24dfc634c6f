"""Streaming scans: same bytes as the in-memory report, input order kept, flat spaCy memory."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from compliance.model import Post, Source
from compliance.reporters.document import build_report, report_from_posts, summarise
from compliance.reporters.json_report import render_json
from compliance.reporters.streaming import JsonReportWriter, header, jsonl_line
from compliance.run.chunks import ChunkJudge, LocalBackend, ScannerSpec, chunked, scan_stream
from compliance.run.progress import Progress, count_posts
from compliance.run.scan import BatchOptions, run_scan

ROOT = Path(__file__).resolve().parent.parent
BRANDS = ["Glowly", "@glowlyskin", "Dove"]

CAPTIONS = [
    "#ad Loving my @glowlyskin serum ✨",
    "Morning swim before work, water was freezing 🥶 #swimming",
    "Use code GLOW10 at Glowly https://amzn.to/abc",
    "Werbung | Mein neues Lieblingsrezept mit Glowly",
    "Publicité — en partenariat avec @glowlyskin #collab",
    "a dove landed on my balcony",
    "Thanks Glowly for sending this! #gifted",
    "Paid partnership with Glowly\nmore text here #sp",
]


def write_posts(path: Path, count: int, bad_every: int = 0, word_seed: int = 0) -> Path:
    """Varied posts (new made-up words in each), with a broken line every `bad_every` lines."""
    lines = []
    for n in range(count):
        if bad_every and n % bad_every == bad_every - 1:
            lines.append(f'{{"id": "broken-{n}", "caption": ')
            continue
        caption = f"{CAPTIONS[n % len(CAPTIONS)]} zq{word_seed}x{n}vort blem{n * 7 + word_seed}ik"
        post = {"id": f"p{n}", "caption": caption, "platform": ["instagram", "tiktok", "x", None][n % 4]}
        if n % 5 == 0:
            post["brands"] = [f"Brand{word_seed}n{n}"]  # a brand set never seen before
        lines.append(json.dumps(post, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_records(path: Path):
    from compliance.readers import read_inputs

    return list(read_inputs([str(path)]))


@pytest.fixture(scope="module")
def scanner():
    from compliance.judging.scanner import Scanner

    return Scanner(["us", "uk", "de", "fr"], brands=BRANDS)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """The CLI in this process (no spaCy start-up per call); same streams and exit code."""
    from click.testing import CliRunner

    from compliance.cli.commands import main

    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def run_process(*args: str) -> subprocess.CompletedProcess:
    """The CLI as a user runs it (needed where worker processes are spawned)."""
    return subprocess.run(
        [sys.executable, "-m", "compliance", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )


def streamed_json(records, scanner, chunk_size=7, **kwargs) -> tuple[str, int]:
    out = io.StringIO()
    opts = BatchOptions(fmt="json", chunk_size=chunk_size, jobs=1, **kwargs)
    import compliance.run.scan as batch

    original = batch.output_stream
    batch.output_stream = lambda output: _nullcontext(out)
    try:
        code = run_scan(records, scanner, ScannerSpec.of(scanner), ["posts.jsonl"], opts)
    finally:
        batch.output_stream = original
    return out.getvalue(), code


class _nullcontext:
    def __init__(self, value):
        self.value = value

    def __enter__(self):
        return self.value

    def __exit__(self, *exc):
        return False


def test_streamed_json_is_byte_identical_to_the_json_reporter(tmp_path, scanner):
    path = write_posts(tmp_path / "posts.jsonl", 45, bad_every=9)
    records = read_records(path)
    report = build_report(
        [scanner.judge_record(r) for r in records], scanner.jurisdictions, scanner.ruleset_meta(), ["posts.jsonl"]
    )
    expected = io.StringIO()
    render_json(report, expected, {})
    got, code = streamed_json(records, scanner)
    assert got == expected.getvalue()
    assert code == report.exit_code == 1
    data = json.loads(got)
    assert [p["id"] for p in data["posts"]][:3] == ["p0", "p1", "p2"]
    assert sum(1 for p in data["posts"] if p["error"]) == 5
    assert data["posts"][8]["source"] == {"file": str(path), "line": 9}


def test_streamed_json_of_no_posts_matches_the_reporter():
    writer = JsonReportWriter()
    head = header(["us"], {}, ["empty.jsonl"], summarise([], ["us"]))
    out = io.StringIO()
    writer.finish(out, head)
    expected = io.StringIO()
    render_json(report_from_posts([], ["us"], {}, ["empty.jsonl"]), expected, {})
    assert out.getvalue() == expected.getvalue()
    assert '"posts": []' in out.getvalue()


def test_streamed_json_is_the_same_through_a_text_stream_and_a_file(tmp_path):
    """The post blocks are copied as bytes under a UTF-8 file's text layer, decoded into any other
    text stream: both give the reporter's document."""
    posts = [
        {"id": str(i), "caption": caption, "verdicts": {"us": {"status": "clear", "findings": []}}, "error": None}
        for i, caption in enumerate(["#ad é ✨ \u2028 \U0001f600", "Werbung | Glowly", 'quote " and \\ back'])
    ]
    head = header(["us"], {}, ["in.jsonl"], summarise(posts, ["us"]))
    expected = io.StringIO()
    render_json(report_from_posts(posts, ["us"], {}, ["in.jsonl"]), expected, {})
    texts = []
    for into_file in (False, True):
        writer = JsonReportWriter()
        for post in posts:
            writer.add(post)
        if into_file:
            with open(tmp_path / "report.json", "w", encoding="utf-8", newline="\n") as out:
                writer.finish(out, head)
            texts.append((tmp_path / "report.json").read_text(encoding="utf-8"))
        else:
            out = io.StringIO()
            writer.finish(out, head)
            texts.append(out.getvalue())
    assert texts[0] == texts[1] == expected.getvalue()


def test_cli_json_output_is_the_same_for_any_chunk_size(tmp_path):
    path = write_posts(tmp_path / "posts.jsonl", 30, bad_every=7)
    one = run_cli("scan", str(path), "--brand", "Glowly", "--chunk-size", "4", "--jobs", "1")
    whole = run_cli("scan", str(path), "--brand", "Glowly", "--chunk-size", "1000", "--jobs", "1")
    assert one.returncode == whole.returncode == 1, one.stderr
    assert one.stdout == whole.stdout
    assert json.loads(one.stdout)["summary"]["posts"] == 30


def test_memory_zones_do_not_change_results(tmp_path, scanner):
    path = write_posts(tmp_path / "posts.jsonl", 40, word_seed=3)
    records = read_records(path)
    plain = [scanner.judge_record(r).to_dict() for r in records]
    zoned = ChunkJudge(scanner, zone_size=6)(records)
    assert zoned == plain
    brand_post = zoned[0]  # has its own, new brand set; the matcher was built outside the zone
    assert brand_post["id"] == "p0" and brand_post["disclosures"][0]["text"] == "#ad"


def test_string_store_stays_flat_while_new_words_stream_past(tmp_path, scanner):
    judge = ChunkJudge(scanner, zone_size=50)
    strings = scanner.analyser.nlp.vocab.strings
    judge(read_records(write_posts(tmp_path / "warm.jsonl", 50, word_seed=11)))  # warm-up
    before = len(strings)
    for seed in (21, 22, 23):
        posts = judge(read_records(write_posts(tmp_path / f"s{seed}.jsonl", 50, word_seed=seed)))
        assert any(f"zq{seed}x" in p["caption"] for p in posts)
    grown = len(strings) - before
    # Only the per-post brand matchers (built outside the zone on purpose) may add strings:
    # 10 new brands per batch. The 100 new made-up words per batch must not stay.
    assert grown <= 3 * 10 * 4, grown
    assert "blem212ik" not in strings  # a word from the second batch


def test_chunked_cuts_without_losing_items():
    assert [len(c) for c in chunked(range(10), 4)] == [4, 4, 2]
    assert list(chunked([], 3)) == []


def test_scan_stream_marks_everything_fresh_without_a_state(scanner):
    records = [Post(id=f"x{i}", caption=c, source=Source("t", line=i + 1)) for i, c in enumerate(CAPTIONS)]
    out = list(scan_stream(records, LocalBackend(scanner), chunk_size=3))
    assert [p["id"] for p, _ in out] == [f"x{i}" for i in range(len(CAPTIONS))]
    assert all(fresh for _, fresh in out)


def test_jobs_2_gives_the_same_report_in_the_same_order(tmp_path):
    path = write_posts(tmp_path / "posts.jsonl", 60, bad_every=11)
    pooled = run_process("scan", str(path), "--brand", "Glowly", "--jobs", "2", "--chunk-size", "5")
    local = run_process("scan", str(path), "--brand", "Glowly", "--jobs", "1")
    assert pooled.returncode == local.returncode == 1, pooled.stderr
    assert pooled.stdout == local.stdout
    ids = [p["id"] for p in json.loads(pooled.stdout)["posts"]]
    assert ids[:12] == [f"p{n}" for n in range(10)] + [None, "p11"]


def test_jsonl_format_streams_posts_and_puts_the_summary_aside(tmp_path):
    path = write_posts(tmp_path / "posts.jsonl", 20, bad_every=6)
    summary_file = tmp_path / "summary.json"
    lines = run_cli(
        "scan", str(path), "--brand", "Glowly", "--format", "jsonl", "--summary", str(summary_file), "--jobs", "1"
    )
    full = run_cli("scan", str(path), "--brand", "Glowly", "--jobs", "1")
    report = json.loads(full.stdout)
    assert lines.returncode == 1, lines.stderr
    out_lines = lines.stdout.splitlines()
    assert out_lines == [jsonl_line(p).rstrip("\n") for p in report["posts"]]
    assert all(": " not in line[:12] for line in out_lines)  # compact
    side = json.loads(summary_file.read_text(encoding="utf-8"))
    assert side == {k: v for k, v in report.items() if k != "posts"}
    to_stderr = run_cli("scan", str(path), "--brand", "Glowly", "--format", "jsonl", "--jobs", "1")
    assert json.loads(to_stderr.stderr.strip().splitlines()[-1])["summary"] == report["summary"]


def test_jsonl_reporter_renders_a_built_report(scanner, tmp_path):
    from compliance.reporters.registry import REPORTERS

    records = read_records(write_posts(tmp_path / "p.jsonl", 5))
    report = build_report(
        [scanner.judge_record(r) for r in records], scanner.jurisdictions, scanner.ruleset_meta(), ["p.jsonl"]
    )
    out = io.StringIO()
    side = tmp_path / "s.json"
    REPORTERS.get("jsonl")(report, out, {"summary": str(side)})
    assert [json.loads(line) for line in out.getvalue().splitlines()] == report.posts
    assert json.loads(side.read_text(encoding="utf-8"))["summary"]["posts"] == 5


def test_progress_line_shows_rate_and_eta_with_a_known_total():
    now = [100.0]
    stream = io.StringIO()
    progress = Progress(total=1000, enabled=True, stream=stream, clock=lambda: now[0])
    now[0] = 102.0
    progress.update(250)
    assert "250/1,000 posts (25%)" in stream.getvalue()
    assert "125 posts/s" in stream.getvalue()
    assert "ETA 0:00:06" in stream.getvalue()
    progress.close()
    assert stream.getvalue().endswith("\n")


def test_progress_is_quiet_when_stderr_is_not_a_terminal():
    stream = io.StringIO()
    progress = Progress(total=None, stream=stream)
    progress.update(10)
    progress.close()
    assert not progress.enabled and stream.getvalue() == ""


def test_progress_can_be_forced_and_never_touches_stdout(tmp_path):
    path = write_posts(tmp_path / "posts.jsonl", 12)
    forced = run_cli("scan", str(path), "--progress", "--jobs", "1", "--chunk-size", "5")
    quiet = run_cli("scan", str(path), "--jobs", "1")
    assert "compliance: 12/12 posts (100%)" in forced.stderr
    assert "posts/s" not in quiet.stderr
    assert forced.stdout == quiet.stdout


def test_count_posts_counts_jsonl_lines_and_gives_up_on_other_inputs(tmp_path):
    path = write_posts(tmp_path / "posts.jsonl", 17)
    assert count_posts([str(path)]) == 17
    assert count_posts(["-"]) is None
    (tmp_path / "x.csv").write_text("id,caption\n", encoding="utf-8")
    assert count_posts([str(tmp_path / "x.csv")]) is None


def test_summary_option_is_refused_outside_jsonl(tmp_path):
    path = write_posts(tmp_path / "posts.jsonl", 2)
    result = run_cli("scan", str(path), "--summary", str(tmp_path / "s.json"))
    assert result.returncode == 2
    assert "--summary is for --format jsonl" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_pool_starts_only_for_real_work(scanner, monkeypatch):
    import compliance.run.pool as parallel
    from compliance.run.chunks import Batch
    from compliance.run.pool import AutoBackend

    started = []

    class RecordingPool:
        def __init__(self, spec, jobs, scanner=None):
            started.append(jobs)

        def map(self, batches):
            return LocalBackend(scanner).map(batches)

        def close(self):
            pass

    monkeypatch.setattr(parallel, "PoolBackend", RecordingPool)
    records = [Post(id=f"x{i}", caption=c, source=Source("t", line=i + 1)) for i, c in enumerate(CAPTIONS[:6])]
    known = [{"id": f"x{i}"} for i in range(6)]

    def run(batches):
        return [(batch.records[0].id, judged) for batch, judged in AutoBackend(None, scanner, 2).map(batches)]

    out = run([Batch(records[:3], known[:3]), Batch(records[3:], known[3:])])  # a re-run: all known
    assert started == [] and [judged for _, judged in out] == [[], []]
    run([Batch(records, [None] * 6)])  # one chunk
    assert started == []
    out = run([Batch(records[:3], [None] * 3), Batch(records[3:], [None] * 3)])
    assert started == [2]
    assert [[p["id"] for p in judged] for _, judged in out] == [["x0", "x1", "x2"], ["x3", "x4", "x5"]]
