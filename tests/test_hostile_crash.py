"""Issue 17, crashes and exit codes: hostile rule and config files, abstract rule sets, posts
that could not be judged, damaged state files, hostile reader shapes. Each test is a repro."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from datetime import UTC
from pathlib import Path

import pytest

from compliance.ruleset.loader import RuleFileError, load_file
from compliance.safe_regex import MAX_COUNTED, compile_safe, counted_repetition, nested_quantifier

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN = ROOT / "fixtures" / "posts" / "campaign.jsonl"

RULE_FILE = """[ruleset]
code = "qq"
name = "Hostland"
version = "1"
extends = "base"

[labels]
accepted = ["ad"]

[[rules]]
id = "QQ-001"
name = "missing-disclosure"
check = "requires-disclosure"
severity = "error"
message = "No disclosure."
citation = { source = "Hostland Act", url = "https://www.agency.example/act" }
examples.pass = ["#ad Glowly serum"]
examples.fail = ["Loving my Glowly serum"]
examples.brands = ["Glowly"]
"""


def run(*args, stdin: bytes | None = None, cwd: Path = ROOT):
    proc = subprocess.run(
        [sys.executable, "-m", "compliance", *map(str, args)], input=stdin, capture_output=True, cwd=cwd, timeout=300
    )
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def rules_dir(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / "qq.toml").write_text(text, encoding="utf-8")
    return folder


# ------------------------------------------------------------------ 16: wrong types in rule files
WRONG_TYPES = [
    ("extends", RULE_FILE.replace('extends = "base"', "extends = 5"), "extends", 5),
    ("ruleset", RULE_FILE.replace("[ruleset]", "ruleset = 5\n[other]"), "ruleset", 1),
    (
        "params",
        RULE_FILE.replace('examples.brands = ["Glowly"]', 'examples.brands = ["Glowly"]\nparams = { labels = 5 }'),
        "labels",
        0,
    ),
    ("placement", RULE_FILE + '\n[placement]\nhashtag_block_min = "x"\n', "hashtag_block_min", 22),
    ("fold", RULE_FILE + '\n[platforms.default]\nfold_chars = "abc"\n', "fold_chars", 22),
    ("video", RULE_FILE + '\n[platforms.tiktok]\nvideo = "yes"\n', "video", 22),
    ("signals", RULE_FILE + '\n[signals]\naffiliate_hosts = "amzn.to"\n', "affiliate_hosts", 22),
    ("labels", RULE_FILE.replace('accepted = ["ad"]', "accepted = 5"), "accepted", 8),
    ("label-list", RULE_FILE.replace('accepted = ["ad"]', "accepted = [5]"), "accepted", 8),
    ("order", RULE_FILE.replace('version = "1"', 'version = "1"\norder = "first"'), "order", 5),
    ("vocab", RULE_FILE + '\n[vocabulary.ad]\ncommercial = "yes"\n', "commercial", 22),
    ("vocab-list", RULE_FILE + '\n[vocabulary.ad]\nhashtags = "ad"\n', "hashtags", 22),
    ("deep", RULE_FILE + "x = " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply", 0),
]


@pytest.mark.parametrize("name,text,key,line", WRONG_TYPES, ids=[w[0] for w in WRONG_TYPES])
def test_wrong_types_in_a_rule_file_exit_2_naming_file_line_and_key(tmp_path, name, text, key, line):
    folder = rules_dir(tmp_path, text)
    with pytest.raises(RuleFileError) as info:
        load_file(folder / "qq.toml")
    message = str(info.value)
    assert "qq.toml" in message and key in message
    if line:
        assert f"qq.toml:{line}:" in message
    for command in (
        ("check", "-j", "qq", "--rules-dir", folder, "hello Glowly"),
        ("rules", "validate", folder / "qq.toml"),
    ):
        code, _, err = run(*command)
        assert code == 2, (command, err)
        assert "Traceback" not in err and "qq.toml" in err


def test_fold_chars_of_the_wrong_type_no_longer_validates_then_fails_every_post(tmp_path):
    folder = rules_dir(tmp_path, RULE_FILE + '\n[platforms.default]\nfold_chars = "abc"\n')
    posts = b'{"id": "a", "caption": "Loving my Glowly serum"}\n'
    code, out, err = run("scan", "-", "-j", "qq", "--rules-dir", folder, "--brand", "Glowly", stdin=posts)
    assert code == 2 and out == "" and "fold_chars" in err


def test_a_pyproject_whose_tool_is_not_a_table_is_not_our_config_and_never_a_traceback(tmp_path):
    (tmp_path / "pyproject.toml").write_text("tool = 5\n# [tool.compliance] is mentioned here\n")
    code, _, err = run("check", "hello", cwd=tmp_path)
    assert code == 0 and "Traceback" not in err
    code, _, err = run("check", "--config", tmp_path / "pyproject.toml", "hello", cwd=tmp_path)
    assert code == 2 and "pyproject.toml:1: tool must be a table" in err


def test_a_deeply_nested_config_file_exits_2(tmp_path):
    (tmp_path / "compliance.toml").write_text("select = " + "[" * 3000 + "]" * 3000 + "\n")
    code, _, err = run("check", "hello", cwd=tmp_path)
    assert code == 2 and "compliance.toml" in err and "Traceback" not in err


# ------------------------------------------------------------------ 17: abstract rule sets
def test_an_abstract_rule_set_is_not_a_jurisdiction():
    code, out, err = run("check", "-j", "base", "Loving my Glowly serum", "--brand", "Glowly")
    assert code == 2 and "abstract" in err and "us" in err
    code, out, err = run("scan", "-", "-j", "base", stdin=b'{"id": "a", "caption": "x"}\n')
    assert code == 2 and out == ""


# ------------------------------------------------------------------ 18: nothing judged is never 0
def test_a_run_where_no_post_could_be_judged_exits_3():
    garbage = gzip.compress(CAMPAIGN.read_bytes())
    code, out, err = run("scan", "-", stdin=garbage)
    report = json.loads(out)
    assert report["summary"]["errors"] > 0 and report["summary"]["errors"] == report["summary"]["posts"]
    assert code == 3, err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_some_posts_not_judged_exits_3_and_a_violation_wins(jobs):
    clean = b'{"id": "a", "caption": "Lovely walk today"}\n{"id": "b", "caption": \n'
    code, out, _ = run("scan", "-", "--jobs", jobs, "--chunk-size", "1", stdin=clean)
    assert code == 3 and json.loads(out)["summary"]["errors"] == 1
    dirty = clean + b'{"id": "c", "caption": "Loving my Glowly serum"}\n'
    code, out, _ = run("scan", "-", "--jobs", jobs, "--chunk-size", "1", "--brand", "Glowly", stdin=dirty)
    assert code == 1 and json.loads(out)["summary"]["errors"] == 1


def test_exit_code_3_is_documented():
    for doc in (ROOT / "README.md", ROOT / "docs" / "report-contract.md"):
        assert "| 3 |" in doc.read_text() or "`3`" in doc.read_text()
    _, out, _ = run("scan", "--help")
    assert " 3 " in " ".join(out.split())


# ------------------------------------------------------------------ 14: counted repetition
@pytest.mark.parametrize(
    "pattern", ["a{1000000}", "(a{100}){100}", "((ab{50}){50}){50}", "x{2000,}", "(?:(?:a{40}){40})"]
)
def test_a_counted_repeat_too_large_to_compile_is_refused_before_compiling(pattern):
    assert counted_repetition(pattern) and nested_quantifier(pattern)
    with pytest.raises(ValueError, match="counted repeat"):
        compile_safe(pattern)


@pytest.mark.parametrize(
    "pattern",
    [r"\bIN[AHZ]\d{9}\b", r"[^\n!?.]{1,30}?", "((ab){20}c){20}", r"\{1000000\}", "[{]1000000}", f"a{{{MAX_COUNTED}}}"],
)
def test_ordinary_counts_pass(pattern):
    assert counted_repetition(pattern) is None
    compile_safe(pattern)


def test_a_rule_file_with_a_counted_repeat_bomb_exits_2(tmp_path):
    text = RULE_FILE + '\n[vocabulary.bomb]\nmeaning = "advertising"\npatterns = ["(a{1000}){1000}"]\n'
    code, _, err = run("rules", "validate", rules_dir(tmp_path, text) / "qq.toml")
    assert code == 2 and "counted repeat" in err


# ------------------------------------------------------------------ 13: X notes matched in linear time
def test_x_notes_are_matched_through_an_index_not_by_trying_every_note(tmp_path, monkeypatch):
    from datetime import datetime, timedelta

    from compliance.readers import ReadOptions, read_inputs, xarchive

    n = 2000
    start = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
    tweets, notes = [], []
    for i in range(n):
        when = start + timedelta(seconds=7 * i)
        whole = f"Long post number {i:05d}: " + "sunrise over the bay, coffee, a walk; " * 10
        short = whole[:40] if i % 2 else whole[:200]  # short prefixes are matched by time only
        tweets.append(
            {
                "tweet": {
                    "id_str": str(i),
                    "full_text": short + "…",
                    "created_at": when.strftime("%a %b %d %H:%M:%S +0000 %Y"),
                }
            }
        )
        notes.append(
            {
                "noteTweet": {
                    "noteTweetId": f"n{i}",
                    "createdAt": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "core": {"text": whole, "urls": []},
                }
            }
        )
    (tmp_path / "tweets.js").write_text("window.YTD.tweets.part0 = " + json.dumps(tweets), encoding="utf-8")
    (tmp_path / "note-tweet.js").write_text(
        "window.YTD.note_tweet.part0 = " + json.dumps(notes[::-1]), encoding="utf-8"
    )
    calls = 0
    original = xarchive._Note.matches

    def counted(self, prefix, created):
        nonlocal calls
        calls += 1
        return original(self, prefix, created)

    monkeypatch.setattr(xarchive._Note, "matches", counted)
    records = list(read_inputs([str(tmp_path / "tweets.js")], ReadOptions(note=lambda m: None)))
    assert [r.metadata.get("note_tweet_id") for r in records] == [f"n{i}" for i in range(n)]
    assert calls < 40 * n  # every note tried by every tweet was n * n = 4,000,000


# ------------------------------------------------------------------ 5: deep nesting inside one element
@pytest.mark.parametrize("depth", [250, 700, 990, 5000])
@pytest.mark.parametrize("shape", ["instagram", "tiktok", "x"])
def test_one_deeply_nested_element_is_an_error_record_and_the_rest_is_read(tmp_path, shape, depth):
    from compliance.model import InputError, Post
    from compliance.readers import ReadOptions, read_inputs

    deep = "[" * depth + "]" * depth
    if shape == "instagram":
        path = tmp_path / "posts_1.json"
        text = (
            '[{"title": "x", "media": ' + deep + "}, "
            '{"title": "Loving it #ad", "media": [{"uri": "m/p2.jpg", "title": "Loving it #ad"}]}]'
        )
    elif shape == "tiktok":
        path = tmp_path / "user_data_tiktok.json"
        text = (
            '{"Post": {"Posts": {"VideoList": [{"Title": "x", "ContentDisclosure": ' + deep + "}, "
            '{"Title": "Loving it #ad", "Link": "https://www.tiktok.com/@a/video/123"}]}}}'
        )
    else:
        path = tmp_path / "tweets.js"
        text = (
            'window.YTD.tweets.part0 = [{"tweet": {"id_str": "1", "full_text": "x", "e": ' + deep + "}}, "
            '{"tweet": {"id_str": "2", "full_text": "Loving it #ad"}}]'
        )
    path.write_text(text, encoding="utf-8")
    records = list(read_inputs([str(path)], ReadOptions(note=lambda m: None)))
    assert len(records) == 2
    assert isinstance(records[0], InputError) and "nested too deeply" in records[0].message
    assert isinstance(records[1], Post) and records[1].caption == "Loving it #ad"


# ------------------------------------------------------------------ 19: damaged state, full outputs, orphans
def _state(tmp_path: Path) -> Path:
    path = tmp_path / "state.db"
    code, _, err = run("scan", CAMPAIGN, "--state", path)
    assert code == 1, err
    return path


@pytest.mark.parametrize("damage", ["blob", "json", "columns", "page"])
def test_a_damaged_state_file_exits_2_with_a_message(tmp_path, damage):
    import sqlite3

    path = _state(tmp_path)
    if damage == "page":
        data = bytearray(path.read_bytes())
        for i in range(4096 * 2, min(len(data), 4096 * 6)):
            data[i] = (i * 7) % 256
        path.write_bytes(bytes(data))
    else:
        sql = {
            "blob": "UPDATE posts SET block = x'00112233', result = x'0011'",
            "json": "UPDATE posts SET statuses = 'not json'",
            "columns": "DROP TABLE history; CREATE TABLE history (a)",
        }[damage]
        conn = sqlite3.connect(path)
        conn.executescript(sql)
        conn.close()
    code, out, err = run("scan", CAMPAIGN, "--state", path)
    assert code == 2, err
    assert "Traceback" not in err and str(path.name) in err and out == ""


def test_a_foreign_sqlite_file_given_as_state_is_refused_and_left_unchanged(tmp_path):
    import sqlite3

    path = tmp_path / "app.db"
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE accounts (id INTEGER, name TEXT); INSERT INTO accounts VALUES (1, 'x');")
    conn.close()
    before = path.read_bytes()
    code, _, err = run("scan", CAMPAIGN, "--state", path)
    assert code == 2 and "not a compliance state file" in err and "accounts" in err
    assert path.read_bytes() == before  # no tables added, still not in WAL mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "command",
    [
        ("check", "Loving my Glowly serum", "--brand", "Glowly"),
        ("check", "--format", "json", "Loving my Glowly serum"),
        ("fix", "-j", "us", "Loving my Glowly serum", "--brand", "Glowly"),
        ("scan", str(CAMPAIGN)),
        ("rules", "list"),
        ("formats",),
    ],
)
def test_a_full_stdout_is_a_message_and_exit_2(command):
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "compliance", *command], stdout=full, stderr=subprocess.PIPE, cwd=ROOT, timeout=300
        )
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "Traceback" not in err and "Exception ignored" not in err and "No space left" in err


@pytest.mark.parametrize(
    "command",
    [
        ("check", "--format", "json", "Loving my Glowly serum"),
        ("scan", str(CAMPAIGN), "--format", "jsonl"),
        ("scan", str(CAMPAIGN), "--format", "json", "--jobs", "2"),
        ("rules", "list"),
    ],
)
def test_a_closed_stdout_ends_quietly_with_141(command):
    """`compliance scan ... | head -1`: the reader left, so the run stops without a message or a
    traceback, with the status a shell shows for a command SIGPIPE ended (128 + 13), as `yes | head`."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write to stdout now fails with EPIPE
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "compliance", *command, "--no-progress"][: None if command[0] == "scan" else -1],
            stdout=write_end,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            timeout=300,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 141, proc.stderr.decode()
    assert proc.stderr.decode() == ""


def test_a_full_disk_under_the_state_file_is_a_message(tmp_path, monkeypatch):
    import sqlite3

    from compliance.run import state as state_module

    path = _state(tmp_path)

    class Full:
        def __init__(self, conn):
            self.conn = conn

        def execute(self, sql, *args):
            if sql.startswith(("INSERT", "UPDATE")):
                raise sqlite3.OperationalError("database or disk is full")
            return self.conn.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self.conn, name)

    real = state_module.connect
    monkeypatch.setattr(state_module, "connect", lambda p: Full(real(p)))
    from compliance.judging.scanner import Scanner

    with pytest.raises(state_module.StateError, match="disk is full"):
        state_module.ScanState(str(path), Scanner(["us"]))


def _descendants(pid: int) -> set[int]:
    out: set[int] = set()
    todo = [pid]
    while todo:
        here = todo.pop()
        try:
            tasks = Path(f"/proc/{here}/task").iterdir()
            kids = {int(k) for t in tasks for k in (t / "children").read_text().split()}
        except OSError:
            continue
        out |= kids
        todo.extend(kids)
    return out


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_workers_exit_when_their_parent_is_killed(tmp_path):
    import os
    import signal
    import time

    posts = tmp_path / "many.jsonl"
    line = json.dumps({"id": "x", "caption": "Loving my Glowly serum, code LENA15 " * 5})
    posts.write_text("\n".join(line.replace('"x"', f'"{i}"') for i in range(20000)) + "\n")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "compliance",
            "scan",
            str(posts),
            "--jobs",
            "3",  # the main process and two workers
            "--chunk-size",
            "50",
            "--brand",
            "Glowly",
            "-o",
            str(tmp_path / "r.json"),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: set[int] = set()
    deadline = time.monotonic() + 240
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.5)
        workers = (
            {p for p in _descendants(proc.pid) if b"resource_tracker" not in Path(f"/proc/{p}/cmdline").read_bytes()}
            if proc.poll() is None
            else set()
        )
    assert len(workers) >= 2, "the pool did not start"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 60
    alive = workers
    while alive and time.monotonic() < deadline:
        time.sleep(0.5)
        alive = {
            p for p in alive if Path(f"/proc/{p}").exists() and Path(f"/proc/{p}/stat").read_text().split()[2] != "Z"
        }
    try:
        assert not alive, f"workers still running after their parent was killed: {alive}"
    finally:
        for pid in alive:
            os.kill(pid, signal.SIGKILL)


# ------------------------------------------------------------------ 15: escapes, symlinks, punctuation runs
def test_terminal_escapes_in_zip_member_names_never_reach_stderr_raw(tmp_path):
    import zipfile

    evil = "\x1b[31mEVIL\x1b]0;owned\x07"
    with zipfile.ZipFile(tmp_path / "notes.zip", "w") as z:
        z.writestr(f"{evil}.txt", "hello")
        z.writestr("posts.jsonl", '{"id": "a", "caption": "hi"}\n')
    with zipfile.ZipFile(tmp_path / "refused.zip", "w") as z:
        z.writestr(f"{evil}.bin", "hello")
    for name, expected in (("notes.zip", 0), ("refused.zip", 2)):
        proc = subprocess.run(
            [sys.executable, "-m", "compliance", "scan", str(tmp_path / name)],
            capture_output=True,
            cwd=ROOT,
            timeout=300,
        )
        assert proc.returncode == expected
        assert b"\x1b" not in proc.stderr and b"\x07" not in proc.stderr
    assert b"\\x1b[31mEVIL" in proc.stderr or expected == 2


def test_a_usage_problem_naming_a_hostile_file_is_escaped(tmp_path):
    name = tmp_path / "x\x1b[2Jy.toml"
    proc = subprocess.run(
        [sys.executable, "-m", "compliance", "check", "--config", str(name), "hi"],
        capture_output=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 2 and b"\x1b" not in proc.stderr and b"\\x1b[2Jy.toml" in proc.stderr


def test_symlinks_leaving_a_scanned_folder_are_not_followed(tmp_path):
    folder = tmp_path / "shared"
    (folder / "sub").mkdir(parents=True)
    (folder / "posts.jsonl").write_text('{"id": "inside", "caption": "hi"}\n')
    (tmp_path / "secret.jsonl").write_text('{"id": "secret", "caption": "outside the folder"}\n')
    (folder / "leak.jsonl").symlink_to(tmp_path / "secret.jsonl")
    (folder / "sub" / "again.jsonl").symlink_to(folder / "posts.jsonl")  # stays inside: read
    (folder / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)  # folders never followed
    code, out, err = run("scan", folder)
    assert code == 0, err
    assert [p["id"] for p in json.loads(out)["posts"]] == ["inside", "inside"]
    assert "not read: 1 symlink(s) to files outside the folder (leak.jsonl)" in err


@pytest.mark.parametrize(
    "stretch", ["€" * 48000, "€$" * 24000, "🔥" * 20000, "🇩🇪" * 5000, "👍🏽" * 5000, "!?" * 10000, "." * 20000]
)
def test_long_punctuation_stretches_reach_spacy_in_bounded_pieces(monkeypatch, stretch):
    """The cost model: spaCy's per-word cost grows with the word's length squared, so no piece it
    sees may be long; the text (and every offset) is unchanged and the words around keep their tokens."""
    from compliance.analysis import tokenizer as tokenizer_module

    nlp = tokenizer_module.caption_nlp()
    inner = nlp.tokenizer.tokenizer
    longest = 0

    class Spy:
        vocab = inner.vocab

        def __call__(self, text):
            nonlocal longest
            longest = max(longest, max((len(w) for w in text.split()), default=0))
            return inner(text)

    monkeypatch.setattr(nlp.tokenizer, "tokenizer", Spy())
    text = f"Loving my Glowly serum #ad {stretch} use code LENA15 @glowlyskin"
    doc = nlp(text)
    assert doc.text == text
    assert longest <= tokenizer_module._PIECE + 16
    words = [t.text for t in doc if any(c.isalnum() for c in t.text)]
    assert words == ["Loving", "my", "Glowly", "serum", "#ad", "use", "code", "LENA15", "@glowlyskin"]
    plain = inner(text.replace(stretch, "€"))
    assert [t.text for t in doc][:5] == [t.text for t in plain][:5]


def test_a_caption_of_48000_euro_signs_is_judged_through_the_cli():
    caption = "Loving my Glowly serum " + "€" * 48000
    code, out, err = run("check", "--format", "json", "--brand", "Glowly", "-j", "us", "-", stdin=caption.encode())
    assert code == 1, err
    assert json.loads(out)["verdicts"]["us"]["status"] == "violation"
