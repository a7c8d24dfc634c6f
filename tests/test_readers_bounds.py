"""Decompression and size bombs (issue 17 item 11): bounded memory, linear time, no post lost.

A zip of a gzip of one 300 MB line used to take 784 MB; a 20 KB zip of blank lines 24 s; an
Instagram file with one 200 MB string 53 s and 720 MB. A line, array element or string over
MAX_RECORD_BYTES is now one error record after at most that many bytes are held, and the posts
around it are read. (Memory is checked with tracemalloc; no timing here: bench/robustness.py.)
"""

from __future__ import annotations

import gzip
import io
import json
import re
import tracemalloc
import zipfile

from compliance.model import InputError, Post
from compliance.readers import read_inputs
from compliance.readers.jsonstream import ElementError, JsonStream
from compliance.readers.limits import MAX_RECORD_BYTES, bounded_lines


class Endless(io.RawIOBase):
    """`size` bytes of one line generated on demand, so the test itself holds none of them."""

    def __init__(self, head: bytes, size: int, tail: bytes):
        self.parts, self.left, self.tail = [head], size, tail

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.parts:
            data = self.parts.pop()
        elif self.left:
            data = b"x" * min(self.left, len(buffer))
            self.left -= len(data)
        else:
            data, self.tail = self.tail, b""
        buffer[: len(data)] = data
        return len(data)


def test_an_over_long_line_is_skipped_without_being_held():
    stream = io.BufferedReader(Endless(b"first\n", 64 * 1024 * 1024, b"\n\n\nlast\n"), 1 << 16)
    tracemalloc.start()
    try:
        lines = list(bounded_lines(stream, limit=1024 * 1024))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert lines == [(1, b"first\n"), (2, None), (5, b"last\n")]
    assert peak < 8 * 1024 * 1024, peak


def test_bounded_lines_agrees_with_plain_line_reading():
    """Line ends are LF, CRLF and a lone CR (universal newlines), wherever the reads split them."""
    data = b'\n \r\n{"a": 1}\n\n\t\nb\r\nmac\r \r\rc\rlast-no-newline'
    expected = [(n, line) for n, line in enumerate(re.split(rb"\r\n|\r|\n", data), 1) if line.strip()]
    for chunk in (1, 2, 5, 1 << 20):
        got = [(n, line.rstrip(b"\r\n")) for n, line in bounded_lines(io.BytesIO(data), chunk=chunk) if line.strip()]
        assert got == expected, chunk


def _zip(path, member, data):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, data)


def test_a_zip_of_a_gzip_of_one_huge_line_costs_one_record(tmp_path):
    body = (
        b'{"id": "a", "caption": "first #ad"}\n{"id": "big", "caption": "'
        + b"x" * (MAX_RECORD_BYTES + 10)
        + b'"}\n{"id": "b", "caption": "after"}\n'
    )
    bomb = tmp_path / "bomb.zip"
    _zip(bomb, "posts.jsonl.gz", gzip.compress(body, 9))
    del body
    records = list(read_inputs([str(bomb)]))
    assert [type(r) for r in records] == [Post, InputError, Post]
    assert records[1].source.line == 2 and "longer than" in records[1].message
    assert [r.id for r in records if isinstance(r, Post)] == ["a", "b"]
    assert records[2].source.line == 3


def test_a_zip_of_blank_lines_keeps_line_numbers(tmp_path):
    blank = tmp_path / "blank.zip"
    _zip(
        blank, "posts.jsonl", b'{"id": "a", "caption": "x"}\n' + b"\n \n" * 1_000_000 + b'{"id": "b", "caption": "y"}\n'
    )
    records = list(read_inputs([str(blank)]))
    assert [(r.id, r.source.line) for r in records] == [("a", 1), ("b", 2_000_002)]


def test_a_huge_string_in_a_json_array_is_one_element_error():
    data = (
        b'[{"title": "first"}, {"title": "' + b"y" * (MAX_RECORD_BYTES * 2) + b'", "media": []},'
        b' {"title": "after", "x": "' + b"z" * 3000 + b'"}]'
    )
    stream = JsonStream(io.BytesIO(data))
    tracemalloc.start()
    try:
        stream.find_array([()])
        elements = list(stream.elements())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elements[0] == (0, {"title": "first"})
    assert isinstance(elements[1][1], ElementError) and "longer than" in elements[1][1].message
    assert elements[2][0] == 2 and elements[2][1]["title"] == "after"
    assert peak < 4 * MAX_RECORD_BYTES, peak  # was the whole string, several times over


def test_a_huge_off_path_value_is_skipped_and_the_posts_are_found():
    data = json.dumps(
        {"history": "h" * (MAX_RECORD_BYTES + 5), "nums": [1] * 1000, "posts": [{"title": "one"}, {"title": "two"}]}
    ).encode()
    stream = JsonStream(io.BytesIO(data), chunk=1 << 16)
    assert stream.find_array([("posts",)]) == ("posts",)
    assert [v["title"] for _, v in stream.elements()] == ["one", "two"]


def test_a_huge_scalar_is_one_element_error():
    data = b"[1, " + b"9" * (MAX_RECORD_BYTES + 5) + b", 3]"
    stream = JsonStream(io.BytesIO(data))
    stream.find_array([()])
    values = [v for _, v in stream.elements()]
    assert values[0] == 1 and isinstance(values[1], ElementError) and values[2] == 3
