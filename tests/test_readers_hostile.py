"""Hostile input shapes from issue 17: pipes, huge integers, broken CSV quoting, odd encodings.

Each bad part costs its own record (an error naming the place); every other post is read.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from compliance.model import InputError, Post
from compliance.readers import ReadOptions, UnreadableInput, read_inputs
from tests.conftest import FIXTURES, ROOT

CAMPAIGN = FIXTURES / "campaign.jsonl"
HUGE = "9" * 5000  # over Python's 4,300-digit int-string limit


def read(paths):
    return list(read_inputs([str(p) for p in paths], ReadOptions(note=lambda m: None)))


def kinds(records):
    return [("post", r.id) if isinstance(r, Post) else ("error", r.source.to_dict()) for r in records]


def cli(*args, stdin=None, cwd=ROOT):
    proc = subprocess.run([sys.executable, "-m", "compliance", *map(str, args)], input=stdin,
                          capture_output=True, cwd=cwd, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


# -- pipes (item 3) ------------------------------------------------------------------------

def test_dev_stdin_and_process_substitution_read_every_post():
    data = CAMPAIGN.read_bytes()
    code, out, err = cli("scan", "/dev/stdin", "--format", "jsonl", stdin=data)
    assert code == 1, err
    assert len(out.splitlines()) == 24
    proc = subprocess.run(["bash", "-c", f'"{sys.executable}" -m compliance scan <(cat "{CAMPAIGN}") --format jsonl'],
                          capture_output=True, cwd=ROOT, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 1, proc.stderr
    assert len(proc.stdout.splitlines()) == 24


def _fifo(tmp_path, name, payload: bytes):
    path = tmp_path / name
    os.mkfifo(path)

    def writer():
        with open(path, "wb") as out:
            out.write(payload)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    return path, thread


@pytest.mark.parametrize("name", ["posts", "posts.jsonl"])
def test_a_named_fifo_is_opened_once_and_read_whole(tmp_path, name):
    path, thread = _fifo(tmp_path, name, CAMPAIGN.read_bytes())
    records = read([path])
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert len(records) == 24 and all(isinstance(r, Post) for r in records)


def test_a_csv_fifo_is_sniffed_and_replayed(tmp_path):
    payload = (ROOT / "fixtures/exports/csv/creator_campaign.csv").read_bytes()
    expected = [r.caption for r in read([ROOT / "fixtures/exports/csv/creator_campaign.csv"])]
    path, thread = _fifo(tmp_path, "posts.csv", payload)
    assert [r.caption for r in read([path])] == expected
    thread.join(timeout=30)


def test_a_zip_from_a_pipe_is_refused_clearly(tmp_path):
    path, thread = _fifo(tmp_path, "export", (ROOT / "fixtures/exports/instagram.zip").read_bytes())
    with pytest.raises(UnreadableInput, match="zip read from a pipe"):
        read([path])


# -- huge integers (item 4) ----------------------------------------------------------------

def test_a_huge_integer_costs_one_jsonl_line(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"id":"a","caption":"one"}\n{"id":"b","caption":"x","n":%s}\n{"id":"c","caption":"three"}\n'
                    % HUGE, encoding="utf-8")
    records = read([path])
    assert kinds(records) == [("post", "a"), ("error", {"file": str(path), "line": 2}), ("post", "c")]
    assert "number too long" in records[1].message


def test_a_huge_integer_costs_one_json_array_element(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('[{"id":"a","caption":"one"},\n{"id":"b","caption":"x","n":%s},\n{"id":"c","caption":"three"}]'
                    % HUGE, encoding="utf-8")
    records = read([path])
    assert [type(r) for r in records] == [Post, InputError, Post]
    assert [records[0].id, records[2].id] == ["a", "c"]


def test_a_huge_integer_costs_one_instagram_post(tmp_path):
    folder = tmp_path / "your_instagram_activity" / "content"
    folder.mkdir(parents=True)
    posts = [{"media": [{"uri": "a.jpg", "creation_timestamp": 1705312800, "title": f"caption {i}"}],
              "title": f"caption {i}"} for i in range(3)]
    text = json.dumps(posts).replace('"creation_timestamp": 1705312800, "title": "caption 1"',
                                     f'"creation_timestamp": {HUGE}, "title": "caption 1"', 1)
    (folder / "posts_1.json").write_text(text, encoding="utf-8")
    records = read([tmp_path])
    assert [type(r) for r in records] == [Post, InputError, Post]
    assert [records[0].caption, records[2].caption] == ["caption 0", "caption 2"]


# -- CSV quoting and field size (item 6) ---------------------------------------------------

def test_an_unclosed_quote_costs_its_row_not_every_later_row(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text('id,caption\n1,"never closed #ad\n2,second\n3,"multi\nline #ad"\n4,fourth\n'.replace(
        '3,"multi\nline #ad"', '3,third'), encoding="utf-8")
    records = read([path])
    assert kinds(records) == [("error", {"file": str(path), "row": 2}), ("post", "2"), ("post", "3"), ("post", "4")]
    assert "never closed" in records[0].message
    assert [r.caption for r in records[1:]] == ["second", "third", "fourth"]


def test_a_multiline_quoted_cell_is_still_one_caption(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text('id,caption\n1,"two\nlines #ad"\n2,"say ""hi"""\n', encoding="utf-8")
    assert [(r.id, r.caption) for r in read([path])] == [("1", "two\nlines #ad"), ("2", 'say "hi"')]


def test_an_over_long_cell_costs_its_row_and_the_rest_is_read(tmp_path):
    from compliance.readers.tables import FIELD_LIMIT

    path = tmp_path / "p.csv"
    with open(path, "w", encoding="utf-8") as out:
        out.write("id,caption\n1,first\n2,")
        out.write("x" * (FIELD_LIMIT + 10))
        out.write('\n3,"')
        out.write("y" * (FIELD_LIMIT + 10))
        out.write('\nstill the same cell"\n4,after\n')
    records = read([path])
    assert kinds(records) == [("post", "1"), ("error", {"file": str(path), "row": 3}),
                              ("error", {"file": str(path), "row": 4}), ("post", "4")]
    assert records[3].caption == "after"


def test_youtube_csv_with_an_unclosed_quote_reads_the_later_videos(tmp_path):
    path = tmp_path / "videos.csv"
    path.write_text("Video ID,Video Title (Original),Video Description (Original)\n"
                    'v1,t1,"never closed\nv2,t2,desc two\nv3,t3,desc three\n', encoding="utf-8")
    records = read([path])
    assert [type(r) for r in records] == [InputError, Post, Post]
    assert [r.id for r in records[1:]] == ["v2", "v3"]
