"""Incremental scans with --state: reuse, only-new, resolved, history, and surviving kill -9."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from compliance.run import state as state_mod
from tests.test_pipeline import run_cli, run_process, write_posts

ROOT = Path(__file__).resolve().parent.parent


def runs(db: Path) -> list[tuple[int, int, int, int]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT run, complete, posts, judged FROM runs ORDER BY run").fetchall()
    finally:
        conn.close()


def scan(path: Path, db: Path, *extra: str):
    return run_cli(
        "scan", str(path), "--brand", "Glowly", "--state", str(db), "--jobs", "1", "--chunk-size", "4", *extra
    )


def posts_file(tmp_path: Path, posts: list[dict], name: str = "posts.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in posts), encoding="utf-8")
    return path


BASE = [
    {"id": "a", "caption": "Loving my Glowly serum", "platform": "instagram"},  # violation: undisclosed
    {"id": "b", "caption": "#ad Loving my Glowly serum", "platform": "instagram"},
    {"id": "c", "caption": "Morning swim, water was freezing"},
    {"id": "d", "caption": "Use code GLOW10 at Glowly"},  # violation, will be deleted
]


def test_second_run_reuses_every_result_and_gives_the_same_bytes(tmp_path):
    path = write_posts(tmp_path / "posts.jsonl", 25, bad_every=8)
    db = tmp_path / "state.sqlite"
    first = scan(path, db)
    second = scan(path, db)
    plain = run_cli("scan", str(path), "--brand", "Glowly", "--jobs", "1")
    assert first.returncode == second.returncode == plain.returncode == 1, first.stderr
    assert first.stdout == second.stdout == plain.stdout
    (r1, done1, posts1, judged1), (r2, done2, posts2, judged2) = runs(db)
    assert (done1, posts1, judged1) == (1, 25, 25)
    assert (done2, posts2, judged2) == (1, 25, 3)  # only the 3 unreadable lines (never stored)


def test_moved_posts_are_reused_with_their_new_place(tmp_path):
    db = tmp_path / "state.sqlite"
    scan(posts_file(tmp_path, BASE), db)
    moved = posts_file(tmp_path, [BASE[2], BASE[0], BASE[1]], "moved.jsonl")
    again = json.loads(scan(moved, db).stdout)
    assert runs(db)[-1][3] == 0
    assert [(p["id"], p["source"]) for p in again["posts"]] == [
        ("c", {"file": str(moved), "line": 1}),
        ("a", {"file": str(moved), "line": 2}),
        ("b", {"file": str(moved), "line": 3}),
    ]
    assert again == json.loads(run_cli("scan", str(moved), "--brand", "Glowly").stdout)


def test_changed_rules_or_brands_rejudge_everything(tmp_path):
    path = posts_file(tmp_path, BASE)
    db = tmp_path / "state.sqlite"
    scan(path, db)
    scan(path, db, "-j", "us")
    run_cli("scan", str(path), "--brand", "Velocy", "--state", str(db), "--jobs", "1")
    assert [r[3] for r in runs(db)] == [4, 4, 4]


def test_only_new_reports_changes_and_resolved_violations(tmp_path):
    db = tmp_path / "state.sqlite"
    first = json.loads(scan(posts_file(tmp_path, BASE), db, "--only-new").stdout)
    assert [p["id"] for p in first["posts"]] == ["a", "b", "c", "d"]
    assert first["resolved"] == []
    fixed = [
        {"id": "a", "caption": "#ad Loving my Glowly serum", "platform": "instagram"},
        BASE[1],
        BASE[2],
        {"id": "e", "caption": "Thanks Glowly for the gift"},
    ]
    result = scan(posts_file(tmp_path, fixed), db, "--only-new")  # the same input, re-exported
    report = json.loads(result.stdout)
    assert [p["id"] for p in report["posts"]] == ["a", "e"]
    assert report["summary"]["posts"] == 2
    by_id = {r["id"]: r for r in report["resolved"]}
    assert by_id["a"]["reason"] == "fixed" and "us" in by_id["a"]["jurisdictions"]
    assert by_id["d"]["reason"] == "deleted" and by_id["d"]["jurisdictions"] == ["de", "fr", "uk", "us"]
    assert list(report) == sorted(report)  # keys still sorted: "resolved" sits among them
    # Nothing changed since: nothing new, nothing resolved.
    quiet = json.loads(scan(posts_file(tmp_path, fixed), db, "--only-new").stdout)
    assert quiet["posts"] == [] and quiet["resolved"] == []
    assert quiet["summary"]["posts"] == 0


def test_only_new_compares_with_the_last_run_over_the_same_inputs(tmp_path, monkeypatch):
    """Scanning another input in between neither deletes this input's posts nor hides its changes."""
    db = tmp_path / "state.sqlite"
    feed = posts_file(tmp_path, BASE)
    scan(feed, db, "--only-new")
    other = posts_file(tmp_path, [{"id": "z", "caption": "Use code GLOW10 at Glowly"}], "other.jsonl")
    between = json.loads(scan(other, db, "--only-new").stdout)
    assert between["resolved"] == []  # a, d are not "deleted": they were never in other.jsonl
    assert [p["id"] for p in between["posts"]] == ["z"]
    posts_file(tmp_path, [BASE[0], BASE[1], BASE[2]])  # d deleted from the feed
    again = json.loads(scan(feed, db, "--only-new").stdout)
    assert again["posts"] == []
    assert again["resolved"] == [{"id": "d", "jurisdictions": ["de", "fr", "uk", "us"], "reason": "deleted"}]
    # the same files named from another folder are the same inputs
    monkeypatch.chdir(tmp_path)
    relative = run_cli("scan", "posts.jsonl", "--brand", "Glowly", "--state", str(db), "--jobs", "1", "--only-new")
    assert json.loads(relative.stdout)["resolved"] == [] and json.loads(relative.stdout)["posts"] == []


def test_history_and_trend_follow_each_run(tmp_path):
    db = tmp_path / "state.sqlite"
    scan(posts_file(tmp_path, BASE), db)
    scan(posts_file(tmp_path, [{"id": "a", "caption": "#ad Loving my Glowly serum"}] + BASE[1:3], "v2.jsonl"), db)
    history = state_mod.post_history(str(db), "a")
    assert [h["statuses"]["us"] for h in history] == ["violation", "compliant"]
    trend = state_mod.trend(str(db))
    assert [t["by_jurisdiction"]["us"].get("violation", 0) for t in trend] == [2, 0]
    assert [sum(t["by_jurisdiction"]["uk"].values()) for t in trend] == [4, 3]


def test_only_new_without_state_and_a_broken_state_file_are_usage_errors(tmp_path):
    path = posts_file(tmp_path, BASE)
    missing = run_cli("scan", str(path), "--only-new")
    assert missing.returncode == 2 and "--only-new needs --state" in missing.stderr
    bad = tmp_path / "not.sqlite"
    bad.write_bytes(b"this is not a database at all" * 100)
    broken = run_cli("scan", str(path), "--state", str(bad))
    assert broken.returncode == 2 and "cannot use as a state file" in broken.stderr


def test_a_killed_scan_resumes_without_losing_or_doubling_posts(tmp_path):
    path = write_posts(tmp_path / "posts.jsonl", 1500, bad_every=97)
    db = tmp_path / "state.sqlite"
    out = tmp_path / "killed.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "compliance",
            "scan",
            str(path),
            "--brand",
            "Glowly",
            "--state",
            str(db),
            "--jobs",
            "1",
            "--chunk-size",
            "50",
            "-o",
            str(out),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 240
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                rows = runs(db)
                stored = rows[0][2] if rows else 0
            except sqlite3.OperationalError:
                stored = 0
            if stored >= 200:
                break
        time.sleep(0.05)
    assert proc.poll() is None, "the scan finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    ((run, complete, stored, judged),) = runs(db)
    assert complete == 0 and 200 <= stored < 1500 and stored % 50 == 0  # whole chunks only
    resumed = run_process(
        "scan", str(path), "--brand", "Glowly", "--state", str(db), "--jobs", "1", "--chunk-size", "50"
    )
    clean = run_process("scan", str(path), "--brand", "Glowly", "--jobs", "1")
    assert resumed.returncode == clean.returncode == 1, resumed.stderr
    assert resumed.stdout == clean.stdout
    report = json.loads(resumed.stdout)
    ids = [p["id"] for p in report["posts"] if p["id"] is not None]
    assert len(ids) == len(set(ids)) and len(report["posts"]) == 1500
    last = runs(db)[-1]
    assert last[1:3] == (1, 1500)
    unreadable = 1500 // 97
    reused = stored - sum(1 for n in range(stored) if n % 97 == 96)  # readable posts of the killed run
    assert last[3] == 1500 - reused
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*), count(DISTINCT key) FROM posts").fetchone() == (1500 - unreadable,) * 2
    finally:
        conn.close()


def test_reused_results_render_the_same_in_every_format(tmp_path):
    path = posts_file(tmp_path, BASE)
    for fmt in ("jsonl", "csv", "text"):
        db = tmp_path / f"{fmt}.sqlite"
        first = scan(path, db, "--format", fmt)
        second = scan(path, db, "--format", fmt)
        assert runs(db)[-1][3] == 0
        assert first.stdout == second.stdout and first.stdout.strip(), fmt
    lines = scan(path, tmp_path / "jsonl.sqlite", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["a", "b", "c", "d"]


def test_only_new_never_reads_the_stored_texts_it_will_not_report(tmp_path):
    """An unchanged post is not in an --only-new report, so its stored texts are not expanded (the
    re-run's cost); a full re-run expands them, and a damaged one is still a usage error there."""
    db = tmp_path / "state.sqlite"
    path = posts_file(tmp_path, BASE)
    assert scan(path, db).returncode == 1
    conn = sqlite3.connect(db)
    conn.execute("UPDATE posts SET block = x'00112233', result = x'0011' WHERE key = 'c'")
    conn.commit()
    conn.close()
    quiet = scan(path, db, "--only-new")
    assert quiet.returncode == 0, quiet.stderr
    assert json.loads(quiet.stdout)["posts"] == []
    full = scan(path, db)
    assert full.returncode == 2 and "damaged state file" in full.stderr and "Traceback" not in full.stderr


def test_a_rerun_counts_what_each_exception_set_aside_as_the_first_run_did(tmp_path):
    """Reused posts are summarised from the state; the findings an exception waived are counted too."""
    db = tmp_path / "state.sqlite"
    caption = "Loving my mornings with @glowlyskin #sp"  # FTC-002 in the US
    path = posts_file(tmp_path, [{"id": "p1", "caption": caption}, {"id": "p2", "caption": caption}])
    args = ("-j", "us", "--brand", "@glowlyskin", "--exception", "p1:FTC-002")
    first = scan(path, db, *args)
    second = scan(path, db, *args)
    assert runs(db)[-1][3] == 0  # nothing judged again
    assert json.loads(first.stdout)["summary"]["waivers"][0]["matched"] == 1
    assert first.stdout == second.stdout and "matched no finding" not in second.stderr


def test_state_texts_are_zlib_streams_both_ways(tmp_path):
    """Each post's JSONL line is stored, written by ISA-L in the zlib format: zlib alone reads it
    (the dashboard, other tools), and a state file whose lines zlib wrote is reused as it is. The
    report block is not stored: a re-run derives it from the line, byte for byte."""
    import zlib

    db = tmp_path / "state.sqlite"
    path = posts_file(tmp_path, BASE)
    first = scan(path, db)
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT key, result, block FROM posts").fetchall()
    assert len(rows) == 4
    for key, line, block in rows:
        post = json.loads(zlib.decompress(line).decode("utf-8"))
        assert post["id"] == key and block == b""
        conn.execute("UPDATE posts SET result = ? WHERE key = ?", (zlib.compress(zlib.decompress(line), 6), key))
    conn.commit()
    conn.close()
    second = scan(path, db)
    assert runs(db)[-1][3] == 0
    assert second.stdout == first.stdout and second.returncode == first.returncode


def test_schema_2_files_are_reused_with_their_stored_blocks_and_marked_3(tmp_path):
    """A state file of schema 2 stored each post's report block beside its line: it is reused as it
    is (the stored block is what the report holds), then marked 3, so an older version refuses it
    by its schema instead of failing on a block it cannot find."""
    import zlib

    from compliance.reporters.encode import encode_nested

    db = tmp_path / "state.sqlite"
    path = posts_file(tmp_path, BASE)
    first = scan(path, db)
    conn = sqlite3.connect(db)
    for key, line in conn.execute("SELECT key, result FROM posts").fetchall():
        post = json.loads(zlib.decompress(line))
        if key == "b":  # a block that differs from the line's: shows which one the re-run writes
            post["caption"] = "as stored in the block"
        conn.execute("UPDATE posts SET block = ? WHERE key = ?", (zlib.compress(encode_nested(post), 1), key))
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
    conn.commit()
    conn.close()
    second = scan(path, db)
    assert runs(db)[-1][3] == 0 and second.returncode == first.returncode
    report = json.loads(second.stdout)
    assert [p["caption"] for p in report["posts"]] == [
        BASE[0]["caption"],
        "as stored in the block",
        BASE[2]["caption"],
        BASE[3]["caption"],
    ]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == ("3",)
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
    conn.commit()
    from compliance.web.dashboard_data import open_state

    open_state(str(db)).close()  # the dashboard reads schema 2 (read-only: it marks nothing)
    conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema'")  # a later version's file
    conn.commit()
    conn.close()
    refused = scan(path, db)
    assert refused.returncode == 2 and "state schema 4" in refused.stderr


def test_the_same_rules_from_another_folder_keep_the_fingerprint(tmp_path):
    """Where rule files live (another checkout, a reinstall) is not what results depend on: a
    state keeps being reused. What they say is: one changed message text re-judges."""
    import shutil

    from compliance.judging.scanner import Scanner

    def fingerprint_of(folder: Path) -> str:
        scanner = Scanner(jurisdictions=["us", "de"], brands=["Glowly"], rules_dirs=[folder])
        assert all(str(rs.file).startswith(str(folder)) for rs in scanner.rulesets)
        return state_mod.fingerprint(scanner)[0]

    one, two = tmp_path / "one" / "rules", tmp_path / "elsewhere" / "rules"
    shutil.copytree(ROOT / "rules", one)
    shutil.copytree(ROOT / "rules", two)
    assert fingerprint_of(one) == fingerprint_of(two)
    us = two / "us.toml"
    text = us.read_text(encoding="utf-8")
    changed = text.replace('message = "', 'message = "Changed: ', 1)
    assert changed != text
    us.write_text(changed, encoding="utf-8")
    assert fingerprint_of(one) != fingerprint_of(two)


def test_the_quick_source_text_is_the_full_one():
    """A re-run compares each post's source with the stored text through a per-file shortcut."""
    from hypothesis import given
    from hypothesis import strategies as st

    from compliance.model import Source

    names = st.one_of(st.text(max_size=30), st.sampled_from(["posts.jsonl", 'a"b\\c.jsonl', "ü/𝔵 0.csv", "-"]))
    numbers = st.one_of(st.none(), st.integers(min_value=-(2**70), max_value=2**70))

    @given(name=names, line=numbers, row=numbers, index=numbers, member=st.one_of(st.none(), names))
    def same(name, line, row, index, member):
        source = Source(name, line=line, row=row, index=index, member=member)
        assert state_mod._line_source_text(source) == state_mod._source_text(source.to_dict())
        assert state_mod._line_source_text(source) == state_mod._source_text(source.to_dict())  # the kept head
        assert state_mod._stored_source_text(source.to_dict()) == state_mod._source_text(source.to_dict())

    same()


def test_the_quick_post_hash_is_the_full_one():
    """The usual post is hashed from orjson's bytes without the type walk: the same hash as the
    walked text's, so state files written before keep matching their posts."""
    import hashlib
    from dataclasses import replace

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from compliance.model import Post, Source
    from compliance.reporters.encode import dumps_compact

    class Tagged(str):
        pass

    texts = st.one_of(st.none(), st.text(max_size=20), st.sampled_from(["\ud800 lone", 'q"\\', "é𝔵\u2028"]))

    def walked(post):
        data = [post.caption, post.platform, post.author, post.posted_at, post.paid_partnership]
        data += [list(post.brands), post.metadata]
        try:
            text = dumps_compact(data)
        except (TypeError, ValueError):
            text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    @settings(max_examples=300, deadline=None)
    @given(
        caption=st.one_of(st.text(max_size=40), st.just("lone \udc00")),
        platform=texts,
        author=st.one_of(texts, st.just(Tagged("sub")), st.just(1e-05)),
        posted_at=texts,
        paid=st.one_of(st.booleans(), st.just(1)),
        brands=st.lists(st.one_of(st.text(max_size=8), st.just(2.5e-07)), max_size=3),
        metadata=st.one_of(st.just({}), st.dictionaries(st.text(max_size=5), st.floats(), max_size=2)),
    )
    def same(caption, platform, author, posted_at, paid, brands, metadata):
        post = Post("p", caption, Source("f.jsonl", line=1), platform, author, posted_at, paid, tuple(brands), metadata)
        assert state_mod.post_hash(post) == walked(post)
        assert state_mod.post_hash(replace(post, metadata={"n": 1})) == walked(replace(post, metadata={"n": 1}))

    same()


def test_ctrl_c_just_after_a_chunk_commits_keeps_the_chunk_and_the_file_sound(tmp_path):
    """A KeyboardInterrupt landing right after COMMIT has nothing to roll back: it stops the scan
    as Ctrl-C, never as a "damaged state file", and the committed chunk is kept."""
    import pytest

    from compliance.judging.scanner import Scanner
    from compliance.readers import ReadOptions, read_inputs
    from compliance.run.chunks import ChunkJudge

    class InterruptAfterCommit:
        def __init__(self, conn):
            self.conn = conn

        def __getattr__(self, name):
            return getattr(self.conn, name)

        def execute(self, sql, *args):
            out = self.conn.execute(sql, *args)
            if sql == "COMMIT":
                raise KeyboardInterrupt
            return out

    scanner = Scanner(["us"], brands=["Glowly"])
    path = posts_file(tmp_path, BASE)
    db = tmp_path / "state.sqlite"
    st = state_mod.ScanState(str(db), scanner)
    records = list(read_inputs([str(path)], ReadOptions(note=lambda m: None)))
    batch = st.lookup(records)
    posts = batch.merge(ChunkJudge(scanner)(batch.todo))
    real = st.conn
    st.conn = InterruptAfterCommit(real)
    with pytest.raises(KeyboardInterrupt):
        st.store(batch, posts)
    st.conn = real
    st.close()
    stored = sqlite3.connect(db).execute("SELECT count(*) FROM posts").fetchone()[0]
    assert stored == len(BASE)
    again = scan(path, db, "-j", "us")
    assert again.returncode == 1, again.stderr
    assert runs(db)[-1][3] == 0  # every post reused from the committed chunk


def test_a_rerun_that_reuses_every_post_never_loads_spacy(tmp_path):
    """Start-up is most of an unchanged re-run: the analyser (spaCy's import, the matchers) is
    built only when a post needs judging. A changed post builds it, and the bytes are the same."""
    path = write_posts(tmp_path / "posts.jsonl", 12, bad_every=5)
    db = tmp_path / "state.sqlite"
    probe = (
        "import atexit, sys; "
        "atexit.register(lambda: sys.stderr.write('SPACY=%s\\n' % ('spacy' in sys.modules))); "
        "from compliance.cli.commands import main; main()"
    )

    def scan_here(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", probe, "scan", str(path), "--brand", "Glowly", "--state", str(db), *extra],
            cwd=ROOT,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=300,
        )

    first, again = scan_here("--jobs", "1"), scan_here("--jobs", "1")
    assert first.returncode == again.returncode == 1, again.stderr
    assert "SPACY=True" in first.stderr
    assert "SPACY=False" in again.stderr and again.stdout == first.stdout
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"id": "new", "caption": "Use code GLOW10 at Glowly"}) + "\n")
    changed = scan_here("--jobs", "2", "--only-new")
    assert changed.returncode == 1, changed.stderr
    assert "SPACY=True" in changed.stderr
    reported = json.loads(changed.stdout)["posts"]
    assert [p["id"] for p in reported if not p.get("error")] == ["new"]  # unreadable lines: always shown


def test_new_state_files_use_large_pages_and_old_small_page_files_are_reused(tmp_path):
    """A new state file gets PAGE_SIZE pages (fewer WAL frames and copies a post); a file made with
    SQLite's default 4 KiB pages (as earlier versions made them) keeps its pages and is reused as
    it is, every post's result taken from it."""
    path = posts_file(tmp_path, BASE)
    db = tmp_path / "state.sqlite"
    first = scan(path, db)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA page_size").fetchone() == (state_mod.PAGE_SIZE,)
        indexes = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert "history_by_run" in indexes and "posts_by_run" not in indexes  # the dashboard reads only the first
    finally:
        conn.close()
    old = tmp_path / "old.sqlite"
    conn = sqlite3.connect(old)
    conn.execute("PRAGMA page_size=4096")
    conn.executescript(state_mod.SCHEMA + "CREATE INDEX posts_by_run ON posts (run);")  # as schema 3 made it
    conn.execute("INSERT INTO meta VALUES ('schema', '3')")
    conn.commit()
    conn.close()
    assert scan(path, old).stdout == first.stdout
    again = scan(path, old)
    assert runs(old)[-1][3] == 0 and again.stdout == first.stdout
    conn = sqlite3.connect(old)
    try:
        assert conn.execute("PRAGMA page_size").fetchone() == (4096,)
    finally:
        conn.close()
