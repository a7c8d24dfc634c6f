"""Inputs as they come: zips read in place, folders scanned, several inputs, clear refusals."""

from __future__ import annotations

import gzip
import io
import json
import os
import sys
import warnings
import zipfile

import pytest

from compliance.model import InputError, Post
from compliance.readers import ReadOptions, UnreadableInput, read_inputs
from compliance.readers.base import Reader
from compliance.readers.detect import detect
from compliance.readers.sources import file_entry

EXPORTS = "fixtures/exports"


def read(paths, notes=None, **opts):
    note = notes.append if notes is not None else (lambda m: None)
    return list(read_inputs(paths, ReadOptions(note=note, **opts)))


def line(obj) -> str:
    return json.dumps(obj, ensure_ascii=False) + "\n"


def test_several_inputs_keep_input_order_and_their_own_sources():
    records = read(
        [
            f"{EXPORTS}/jsonl/posts.jsonl.gz",
            f"{EXPORTS}/tiktok/user_data_tiktok.json",
            f"{EXPORTS}/csv/creator_campaign.csv",
        ]
    )
    assert [r.id for r in records] == [
        "gz-1",
        "gz-2",
        "7334455667788990011",
        "7337000111222333444",
        "7341999888777666555",
        "cmp-001",
        "cmp-002",
        "row-4",
        "cmp-004",
    ]
    assert records[0].caption == "Neue Farbe, neues Glück 💅 #werbung @nailly"
    assert records[0].source.to_dict() == {"file": f"{EXPORTS}/jsonl/posts.jsonl.gz", "line": 1}
    assert records[1].caption == "Día de playa 🏖️ sin patrocinio"


def test_whole_exports_folder_reads_every_format_once():
    notes: list[str] = []
    records = read([EXPORTS], notes)
    members = sorted({r.source.member for r in records if isinstance(r, Post) and r.source.file == EXPORTS})
    assert members == [
        "csv/broken_utf8.csv",
        "csv/creator_campaign.csv",
        "csv/excel_cp1252.csv",
        "csv/meta_business_suite.csv",
        "instagram/your_instagram_activity/content/posts_1.json",
        "instagram/your_instagram_activity/content/reels.json",
        "instagram/your_instagram_activity/content/stories.json",
        "jsonl/posts.jsonl.gz",
        "tiktok/user_data_tiktok.json",
        "x/data/tweets-part1.js",
        "x/data/tweets.js",
        "youtube/Takeout/YouTube and YouTube Music/video metadata/videos.csv",
    ]
    zipped = [r for r in records if r.source.file == f"{EXPORTS}/instagram.zip"]
    assert len(zipped) == 6 and zipped[0].source.member == "your_instagram_activity/content/posts_1.json"
    assert len(records) == 4 + 3 + 2 + 2 + 6 + 6 + 2 + 3 + 4 + 3  # csv, ig folder+zip, gz, tiktok, x, yt
    # the HTML Instagram export inside gets its own note; other files are one summary line
    assert any("instagram_html" in n and "Format: JSON" in n for n in notes)
    assert sum("skipped" in n for n in notes) == 2  # the folder and the zip inside it


def test_zip_members_are_never_written_and_odd_names_stay_strings(tmp_path, monkeypatch):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../evil/posts.jsonl", line({"id": "e1", "caption": "Trust me #ad"}))
        zf.writestr("/abs/posts.jsonl", line({"id": "e2", "caption": "Absolute"}))
        zf.writestr("__MACOSX/._posts.jsonl", b"\x00\x05\x16\x07")
        zf.writestr("notes/readme.txt", "hello")
    monkeypatch.chdir(tmp_path)
    before = sorted(os.listdir(tmp_path))
    records = read(["export.zip"])
    assert [(r.id, r.source.file, r.source.member, r.source.line) for r in records] == [
        ("e1", "export.zip", "../../evil/posts.jsonl", 1),
        ("e2", "export.zip", "/abs/posts.jsonl", 1),
    ]
    assert sorted(os.listdir(tmp_path)) == before
    assert not (tmp_path.parent / "evil").exists()


def test_two_members_with_the_same_name_are_both_read(tmp_path):
    archive = tmp_path / "twice.zip"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("posts.jsonl", line({"id": "first", "caption": "one"}))
            zf.writestr("posts.jsonl", line({"id": "second", "caption": "two"}))
    assert [r.id for r in read([str(archive)])] == ["first", "second"]


def test_damaged_zip_member_becomes_an_error_record(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.jsonl", line({"id": "a", "caption": "fine"}))
        zf.writestr("b.jsonl", line({"id": "b", "caption": "will be damaged"}))
    data = bytearray(archive.read_bytes())
    at = data.index(b"will be damaged")
    data[at] ^= 0xFF
    archive.write_bytes(bytes(data))
    records = read([str(archive)])
    assert isinstance(records[0], Post) and records[0].id == "a"
    assert isinstance(records[-1], InputError) and records[-1].source.member == "b.jsonl"
    assert "CRC" in records[-1].message or "Bad" in records[-1].message


def test_nested_zip_in_a_zip_is_refused(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("posts.jsonl", line({"id": "i", "caption": "inner"}))
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.writestr("part1.zip", inner.getvalue())
    notes: list[str] = []
    with pytest.raises(UnreadableInput, match=r"nothing readable in .*outer\.zip: part1\.zip: a zip inside a zip"):
        read([str(outer)], notes)
    assert notes == []  # the error says it all; no note repeats it
    (tmp_path / "posts.jsonl").write_text(line({"id": "p", "caption": "beside"}), encoding="utf-8")
    with zipfile.ZipFile(outer, "a") as zf:
        zf.write(tmp_path / "posts.jsonl", "posts.jsonl")
    assert [r.id for r in read([str(outer)], notes)] == ["p"]
    assert notes == [f"{outer}: part1.zip: a zip inside a zip is not read: unzip the outer archive and scan the folder"]


def test_zip_inside_a_folder_is_read(tmp_path):
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as zf:
        zf.writestr("posts.jsonl", line({"id": "z", "caption": "zipped"}))
    (tmp_path / "b.jsonl").write_text(line({"id": "f", "caption": "plain"}), encoding="utf-8")
    records = read([str(tmp_path)])
    assert [(r.id, r.source.file, r.source.member) for r in records] == [
        ("z", str(tmp_path / "a.zip"), "posts.jsonl"),
        ("f", str(tmp_path), "b.jsonl"),
    ]


def test_unusable_inputs_fail_before_any_record(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text(line({"id": "1", "caption": "x"}), encoding="utf-8")
    (tmp_path / "picture.png").write_bytes(b"\x89PNG\r\n")
    (tmp_path / "empty").mkdir()
    (tmp_path / "notazip.zip").write_bytes(b"just text")
    cases = {
        str(tmp_path / "missing.jsonl"): "cannot open: No such file or directory",
        str(tmp_path / "picture.png"): "not a format compliance reads \\(supported: JSONL",
        str(tmp_path / "empty"): "no file in it is a format compliance reads",
        str(tmp_path / "notazip.zip"): "not a readable zip archive",
    }
    for bad, message in cases.items():
        records = read_inputs([str(good), bad], ReadOptions(note=lambda m: None))
        with pytest.raises(UnreadableInput, match=message):
            next(records)  # planning happens before the first record


def test_folder_with_some_unknown_files_skips_them_with_one_note(tmp_path):
    (tmp_path / "posts.jsonl").write_text(line({"id": "1", "caption": "Hi #ad"}), encoding="utf-8")
    for name in ("photo.jpg", "readme.md", "data.bin", ".DS_Store"):
        (tmp_path / name).write_bytes(b"\x00\x01")
    notes: list[str] = []
    records = read([str(tmp_path)], notes)
    assert [r.id for r in records] == ["1"]
    assert notes == [f"{tmp_path}: skipped 3 file(s) that hold no posts it reads (data.bin, photo.jpg, readme.md)"]


def test_detection_by_name_then_by_content(tmp_path):
    def kind(name: str, content: bytes) -> str | None:
        path = tmp_path / name
        path.write_bytes(content)
        found = detect(file_entry(str(path)), ReadOptions())
        return found.kind if isinstance(found, Reader) else type(found).__name__

    assert kind("posts.txt", line({"id": "1", "caption": "x"}).encode()) == "jsonl"
    assert kind("export.json", b'[{"id": "1", "caption": "x"}]') == "json_array"
    assert kind("backup.json", b'{"Activity": {}, "Post": {"Posts": {"VideoList": []}}}') == "tiktok"
    assert kind("whatever.json", b'\xef\xbb\xbf[{"media": [{"uri": "a.jpg", "creation_timestamp": 1}]}]') == "instagram"
    assert kind("tweets-archive.txt", b"window.YTD.tweets.part0 = []") == "x"
    assert kind("user_data.json", b"{}") == "tiktok"  # the name decides
    assert kind("archive.bin", b"PK\x03\x04rest") == "Archive"
    assert kind("page.htm", b"<!DOCTYPE html><html></html>") == "Refused"
    assert kind("notes.json", b'{"likes": []}') == "NoneType"


def test_json_list_of_posts(tmp_path):
    path = tmp_path / "posts.json"
    path.write_text(json.dumps([{"id": "a", "caption": "one 😀"}, {"id": "b"}], ensure_ascii=False), encoding="utf-8")
    records = read([str(path)], default_platform="linkedin")
    assert isinstance(records[0], Post) and records[0].platform == "linkedin" and records[0].source.index == 0
    assert isinstance(records[1], InputError) and "no `caption`" in records[1].message


def test_gzip_truncated_midway_keeps_the_lines_before(tmp_path):
    payload = "".join(line({"id": str(i), "caption": f"post {i}"}) for i in range(200)).encode()
    packed = gzip.compress(payload, mtime=0)
    path = tmp_path / "posts.jsonl.gz"
    path.write_bytes(packed[: len(packed) // 2])
    records = read([str(path)])
    assert isinstance(records[-1], InputError) and "unreadable" in records[-1].message
    good = [r for r in records if isinstance(r, Post)]
    assert good and [r.id for r in good] == [str(i) for i in range(len(good))]


def test_stdin_is_jsonl(monkeypatch):
    fake = io.TextIOWrapper(io.BytesIO(line({"id": "s", "caption": "from stdin ✓"}).encode()), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", fake)
    [post] = read(["-"])
    assert (post.id, post.caption, post.source.to_dict()) == ("s", "from stdin ✓", {"file": "<stdin>", "line": 1})


def test_same_input_gives_the_same_records_twice():
    first = read([EXPORTS])
    second = read([EXPORTS])
    assert first == second
