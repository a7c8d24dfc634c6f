"""The JSONL reader parses lines with orjson only where that gives exactly what json.loads gives."""

from __future__ import annotations

import io
import json

import pytest

from compliance.model import InputError, Post, Source
from compliance.readers.jsonl import _JSON, _fast_object, read_stream


def _records(data: bytes) -> list:
    return list(read_stream(io.BytesIO(data), "in.jsonl", None))


@pytest.mark.parametrize(
    "line",
    [
        b'{"id": "a", "caption": "x", "n": 18446744073709551616}',  # beyond 64 bits: orjson would give a float
        b'{"id": 123456789012345678901, "caption": "x"}',
        b'{"id": "a", "caption": "x", "v": NaN}',  # json reads NaN, orjson refuses it
        b'{"id": "a", "caption": "\\ud800"}',  # a lone surrogate escape
        b'{"id": "a", "caption": "x", "v": 1e400}',  # json: inf
        b'{"id": "a", "caption": "x",}',
        b'{"id": "a", "caption": "x", "deep": ' + b"[" * 300 + b"]" * 300 + b"}",  # many brackets: json reads it
    ],
)
def test_lines_orjson_reads_otherwise_go_to_json(line: bytes) -> None:
    assert _fast_object(line) is _JSON


def test_fast_parse_gives_json_loads_values() -> None:
    line = (
        b'{"id": "p1", "caption": "Caf\\u00e9 \xc3\xa9 #ad", "brands": ["A"], "likes": 922337203685477580,'
        b' "rate": 0.1, "tiny": 1e-05, "neg": -0.0, "a": 1, "a": 2, "nested": {"x": [1.5, null, true]}}\n'
    )
    fast = _fast_object(line)
    assert fast is not _JSON
    assert repr(fast) == repr(json.loads(line.decode("utf-8")))


def test_every_line_still_one_record_with_json_errors() -> None:
    data = (
        b'{"id": "a", "caption": "one"}\n'
        b'{"id": "b", "caption": "two", "big": 18446744073709551616}\n'
        b'{"id": "c", "caption": \n'
        b'{"id": 123456789012345678901, "caption": "four"}\n'
        b'{"id": "e", "caption": "five", "v": NaN}\n'
        b"[1, 2]\n"
        b'{"id": "g", "caption": "\\ud83d"}\n'
    )
    records = _records(data)
    assert [type(r) for r in records] == [Post, Post, InputError, Post, Post, InputError, Post]
    assert records[0] == Post(id="a", caption="one", source=Source("in.jsonl", line=1))
    assert records[1].metadata == {"big": 18446744073709551616}
    assert type(records[1].metadata["big"]) is int
    assert records[2].message.startswith("line 3: invalid JSON: Expecting value (column")
    assert records[3].id == "123456789012345678901"
    assert records[4].metadata["v"] != records[4].metadata["v"]  # NaN, as json reads it
    assert records[5].message == "line 6: expected a JSON object, got list"
    assert records[6].caption == "\ud83d"
    assert [r.source.line for r in records] == [1, 2, 3, 4, 5, 6, 7]


def test_nesting_json_cannot_read_stays_an_error_record() -> None:
    deep = b'{"id": "a", "caption": "x", "m": ' + b"[" * 5000 + b"]" * 5000 + b"}\n"
    (record,) = _records(deep)
    assert isinstance(record, InputError)
    assert record.message == "line 1: JSON nested too deeply"
