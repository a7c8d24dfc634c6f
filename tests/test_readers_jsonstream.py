"""The chunked JSON walker: right elements at every chunk size, errors placed, not fatal."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.readers.jsonstream import ElementError, JsonStream, JsonStreamError

PATHS = [("Post", "Posts", "VideoList")]


def elements(text: str, chunk: int, paths=PATHS):
    stream = JsonStream(io.BytesIO(text.encode("utf-8")), chunk)
    stream.skip_bom()
    if stream.find_array(paths) is None:
        return None
    return [value for _, value in stream.elements()]


json_text = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(
    before=json_text,
    posts=st.lists(json_text, max_size=6),
    after=json_text,
    chunk=st.sampled_from([1, 2, 3, 7, 64, 4096]),
)
def test_finds_exactly_the_array_on_the_path(before, posts, after, chunk):
    doc = {"Activity": {"VideoList": before}, "Post": {"Other": before, "Posts": {"VideoList": posts}}, "Later": after}
    assert elements(json.dumps(doc, ensure_ascii=False), chunk) == posts
    assert elements(json.dumps(doc, ensure_ascii=True, indent=2), chunk) == posts


def test_keys_match_without_case_and_missing_path_is_none():
    assert elements('{"post": {"posts": {"videolist": [1, 2]}}}', 3) == [1, 2]
    assert elements('{"Post": {"Posts": {"VideoList": null}}}', 3) is None
    assert elements('{"Post": [1]}', 3) is None
    assert elements("[1, 2]", 3) is None


def test_bad_element_is_reported_and_the_next_one_still_read():
    values = elements('{"Post": {"Posts": {"VideoList": [\n{"a": 1},\n{"a": tru},\n{"a": 3}]}}}', 4)
    assert values[0] == {"a": 1} and values[2] == {"a": 3}
    assert isinstance(values[1], ElementError) and values[1].message.endswith("at line 3")


def test_structural_damage_stops_with_the_line():
    with pytest.raises(JsonStreamError, match="file ends inside an object or array at line 2"):
        elements('{"Post": {"Posts": {"VideoList": [{"a": 1},\n{"a": [1, 2', 5)
    with pytest.raises(JsonStreamError, match="expected ',' or ']' after element 0"):
        elements('{"Post": {"Posts": {"VideoList": [{"a": 1} {"a": 2}]}}}', 5)


def test_invalid_utf8_is_named_by_byte_offset():
    raw = b'{"Post": {"Posts": {"VideoList": ["ok", "\xff"]}}}'
    stream = JsonStream(io.BytesIO(raw), 8)
    stream.find_array(PATHS)
    with pytest.raises(JsonStreamError, match="not valid UTF-8 near byte 41"):
        list(stream.elements())


def test_prefix_before_equals_is_skipped_not_evaluated():
    stream = JsonStream(io.BytesIO(b'window.YTD.tweets.part0 = [1, {"x": "="}]'), 4)
    stream.skip_until("=")
    assert stream.find_array([()]) == ()
    assert [v for _, v in stream.elements()] == [1, {"x": "="}]
