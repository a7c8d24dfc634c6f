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
    proc = subprocess.run(
        [sys.executable, "-m", "compliance", *map(str, args)],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


# -- pipes (item 3) ------------------------------------------------------------------------


def test_dev_stdin_and_process_substitution_read_every_post():
    data = CAMPAIGN.read_bytes()
    code, out, err = cli("scan", "/dev/stdin", "--format", "jsonl", stdin=data)
    assert code == 1, err
    assert len(out.splitlines()) == 24
    proc = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m compliance scan <(cat "{CAMPAIGN}") --format jsonl'],
        capture_output=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
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
    path.write_text(
        '{"id":"a","caption":"one"}\n{"id":"b","caption":"x","n":' + HUGE + '}\n{"id":"c","caption":"three"}\n',
        encoding="utf-8",
    )
    records = read([path])
    assert kinds(records) == [("post", "a"), ("error", {"file": str(path), "line": 2}), ("post", "c")]
    assert "number too long" in records[1].message


def test_a_huge_integer_costs_one_json_array_element(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(
        '[{"id":"a","caption":"one"},\n{"id":"b","caption":"x","n":' + HUGE + '},\n{"id":"c","caption":"three"}]',
        encoding="utf-8",
    )
    records = read([path])
    assert [type(r) for r in records] == [Post, InputError, Post]
    assert [records[0].id, records[2].id] == ["a", "c"]


def test_a_huge_integer_costs_one_instagram_post(tmp_path):
    folder = tmp_path / "your_instagram_activity" / "content"
    folder.mkdir(parents=True)
    posts = [
        {
            "media": [{"uri": "a.jpg", "creation_timestamp": 1705312800, "title": f"caption {i}"}],
            "title": f"caption {i}",
        }
        for i in range(3)
    ]
    text = json.dumps(posts).replace(
        '"creation_timestamp": 1705312800, "title": "caption 1"',
        f'"creation_timestamp": {HUGE}, "title": "caption 1"',
        1,
    )
    (folder / "posts_1.json").write_text(text, encoding="utf-8")
    records = read([tmp_path])
    assert [type(r) for r in records] == [Post, InputError, Post]
    assert [records[0].caption, records[2].caption] == ["caption 0", "caption 2"]


# -- CSV quoting and field size (item 6) ---------------------------------------------------


def test_an_unclosed_quote_costs_its_row_not_every_later_row(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        'id,caption\n1,"never closed #ad\n2,second\n3,"multi\nline #ad"\n4,fourth\n'.replace(
            '3,"multi\nline #ad"', "3,third"
        ),
        encoding="utf-8",
    )
    records = read([path])
    assert kinds(records) == [("error", {"file": str(path), "row": 2}), ("post", "2"), ("post", "3"), ("post", "4")]
    assert "never closed" in records[0].message
    assert [r.caption for r in records[1:]] == ["second", "third", "fourth"]


def test_an_unclosed_quote_closed_by_a_later_rows_quote_costs_its_row_only(tmp_path):
    """Found by the shape fuzzer: the stray quote paired with the next quoted cell, and every row
    between became one caption (csv's lenient mode reads `"...\n3,"x` as one cell)."""
    path = tmp_path / "p.csv"
    path.write_text(
        'id,caption\n1,"stray quote #ad\n2,second\n3,"say ""hi"" #ad"\n4,"sloppy"tail\n5,"two\nlines"\n',
        encoding="utf-8",
    )
    records = read([path])
    assert kinds(records) == [
        ("error", {"file": str(path), "row": 2}),
        ("post", "2"),
        ("post", "3"),
        ("post", "4"),
        ("post", "5"),
    ]
    assert "never closed" in records[0].message
    assert [r.caption for r in records[1:]] == ["second", 'say "hi" #ad', "sloppytail", "two\nlines"]


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
    assert kinds(records) == [
        ("post", "1"),
        ("error", {"file": str(path), "row": 3}),
        ("error", {"file": str(path), "row": 4}),
        ("post", "4"),
    ]
    assert records[3].caption == "after"


def test_youtube_csv_with_an_unclosed_quote_reads_the_later_videos(tmp_path):
    path = tmp_path / "videos.csv"
    path.write_text(
        "Video ID,Video Title (Original),Video Description (Original)\n"
        'v1,t1,"never closed\nv2,t2,desc two\nv3,t3,desc three\n',
        encoding="utf-8",
    )
    records = read([path])
    assert [type(r) for r in records] == [InputError, Post, Post]
    assert [r.id for r in records[1:]] == ["v2", "v3"]


# -- minor shapes (item 20) ----------------------------------------------------------------

LINES = ['{"id":"a","caption":"Größe #ad"}', '{"id":"b","caption":"two"}']


@pytest.mark.parametrize(
    "name,payload",
    [
        ("le.jsonl", "\n".join(LINES).encode("utf-16-le")),
        ("be.jsonl", ("\n".join(LINES) + "\n").encode("utf-16-be")),
        ("bom.jsonl", ("\n".join(LINES) + "\n").encode("utf-16")),
        ("le_no_extension", "\n".join(LINES).encode("utf-16-le")),
        ("cr.jsonl", ("\r".join(LINES) + "\r").encode()),
        ("cr_no_extension", ("\r".join(LINES) + "\r").encode()),
        ("crlf.jsonl", ("\r\n".join(LINES) + "\r\n").encode()),
        ("joined.jsonl", b"\xef\xbb\xbf" + LINES[0].encode() + b"\n\xef\xbb\xbf" + LINES[1].encode() + b"\n"),
    ],
)
def test_jsonl_in_utf16_without_bom_cr_line_ends_and_a_bom_on_a_later_line(tmp_path, name, payload):
    path = tmp_path / name
    path.write_bytes(payload)
    records = read([path])
    assert [(r.id, r.caption, r.source.line) for r in records] == [("a", "Größe #ad", 1), ("b", "two", 2)]


def test_cr_only_jsonl_on_stdin(tmp_path):
    code, out, err = cli("scan", "-", "--format", "jsonl", stdin=("\r".join(LINES) + "\r").encode())
    assert code in (0, 1), err
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["a", "b"]


@pytest.mark.parametrize(
    "payload",
    [
        "id\tcaption\n1\tGröße #ad\n2\ttwo\n".encode("utf-16-le"),
        'id,caption\r1,Größe #ad\r2,"two"\r'.encode(),
    ],
)
def test_csv_in_utf16_without_bom_and_with_cr_line_ends(tmp_path, payload):
    path = tmp_path / "p.csv"
    path.write_bytes(payload)
    assert [(r.id, r.caption, r.source.row) for r in read([path])] == [("1", "Größe #ad", 2), ("2", "two", 3)]


def test_youtube_csv_streams_instead_of_holding_every_row(tmp_path, monkeypatch):
    """The first video comes out after one row of the second pass, not after the whole file."""
    from compliance.readers import youtube

    path = tmp_path / "videos.csv"
    rows_text = "".join(f"v{i},title {i},description {i}\n" for i in range(200))
    path.write_text(
        "Video ID,Video Title (Original),Video Description (Original)\n"
        + rows_text
        + "v3,title 3,newer description 3\n",
        encoding="utf-8",
    )
    passes: list[int] = []
    real_rows = youtube.rows

    def counting_rows(entry, table):
        passes.append(0)
        for item in real_rows(entry, table):
            passes[-1] += 1
            yield item

    monkeypatch.setattr(youtube, "rows", counting_rows)
    records = read_inputs([str(path)], ReadOptions(note=lambda m: None))
    first = next(records)
    assert first.id == "v0" and passes[-1] <= 2 and len(passes) == 2
    rest = list(records)
    assert [r.id for r in [first] + rest] == [f"v{i}" for i in range(200)]
    assert rest[2].caption == "newer description 3"  # the newest row, at the video's first place


def test_a_signal_list_given_as_a_string_is_a_usage_error(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    text = (ROOT / "rules" / "us.toml").read_text(encoding="utf-8").replace('code = "us"', 'code = "xx"', 1)
    (rules / "xx.toml").write_text(text + '\n[signals]\naffiliate_hosts = "amzn.to"\n', encoding="utf-8")
    code, _, err = cli("check", "see amzn.to/x", "--rules-dir", rules, "-j", "xx")
    line = len(text.splitlines()) + 3
    assert code == 2
    assert f"xx.toml:{line}: [signals] affiliate_hosts must be a list of strings" in err


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b"")]
)
@pytest.mark.parametrize("name", ["posts.json", "user_data_tiktok.json"])
def test_a_json_document_saved_as_utf16_is_read_element_by_element(tmp_path, encoding, bom, name):
    """Found by the shape fuzzer: JSON arrays and exports in UTF-16 were one "not valid UTF-8"
    error for the whole file (every post lost)."""
    items = [{"id": f"g{i}", "caption": f"Café {i} #ad"} for i in range(3)]
    if name.startswith("user_data"):
        items = [
            {
                "Date": "2024-03-01 07:15:02",
                "Link": f"https://www.tiktokv.com/share/video/734100000000000{i}/",
                "Title": f"Café {i} #ad",
            }
            for i in range(3)
        ]
        text = json.dumps({"Post": {"Posts": {"VideoList": items}}}, ensure_ascii=False)
    else:
        text = json.dumps(items, ensure_ascii=False)
    path = tmp_path / name
    path.write_bytes(bom + text.encode(encoding))
    records = read([path])
    assert [(type(r).__name__, r.source.index, r.caption) for r in records] == [
        ("Post", i, f"Café {i} #ad") for i in range(3)
    ]


def test_a_zip_member_whose_first_line_nests_thousands_deep_is_read_not_a_crash(tmp_path):
    """Found by the shape fuzzer: the own-report check parsed the first line with json.loads,
    which raised RecursionError on `[[[[...` and took the whole scan down."""
    import zipfile

    path = tmp_path / "export.zip"
    deep = "[" * 5000 + "]" * 5000
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "user_data_tiktok.json", '{"Post": {"Posts": {"VideoList": [{"x": ' + deep + ', "Title": "hi #ad"}]}}}'
        )
        zf.writestr("posts.jsonl", "[" * 5000 + "\n" + '{"id": "b", "caption": "second #ad"}\n')
    records = read([path])
    assert sorted((r.source.member, type(r).__name__, r.id) for r in records) == [
        ("posts.jsonl", "InputError", None),
        ("posts.jsonl", "Post", "b"),
        ("user_data_tiktok.json", "InputError", None),
    ]


@pytest.mark.parametrize("chunk_edge", [False, True])
def test_cr_only_jsonl_with_a_long_first_line_is_split_into_its_lines(tmp_path, chunk_edge):
    """Found by the shape fuzzer: CR-only line ends were noticed only when a CR showed in the
    first 4 KB; a longer first line made the whole file one line (every later post lost)."""
    from compliance.readers.limits import bounded_lines

    first = json.dumps({"id": "a", "caption": "#ad " + "long " * 2000})
    lines = [first, json.dumps({"id": "b", "caption": "second"}), "", json.dumps({"id": "c", "caption": "third"})]
    path = tmp_path / "mac.jsonl"
    path.write_bytes("\r".join(lines).encode() + b"\r\n")
    assert [(r.id, r.source.line) for r in read([path])] == [("a", 1), ("b", 2), ("c", 4)]
    if chunk_edge:  # a CRLF split across two reads is one line end, not two
        import io

        data = b'{"id": "x"}\r\n{"id": "y"}\r{"id": "z"}\n'
        got = [(n, line) for n, line in bounded_lines(io.BytesIO(data), chunk=12)]
        assert [n for n, _ in got] == [1, 2, 3]
