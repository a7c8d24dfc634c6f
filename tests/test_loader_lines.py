"""Rule-file line numbers (every error message names one) found quickly, and as by scanning lines."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.ruleset.loader import _key_line, _where

# Pieces that make lines, keys and every kind of line break str.splitlines() knows.
PIECES = ["a", "k", "key", "=", ".", " ", "{", ",", "[x]", "é", "\t", "\n", "\r\n", "\r", "\x0c", "\x1c", "\u2028"]
texts = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)
needles = st.lists(st.sampled_from(PIECES), max_size=3).map("".join)


def where_by_lines(text: str, needle: str) -> int:
    if not needle:
        return 0
    return next((i for i, line in enumerate(text.splitlines(), 1) if needle in line), 0)


def key_line_by_lines(text: str, key: str, start: int) -> int:
    pattern = re.compile(r"(?:^|[\s{,])" + re.escape(key) + r"\s*[=.]")
    for i, line in enumerate(text.splitlines()[max(start, 1) - 1 :], max(start, 1)):
        if pattern.search(line):
            return i
    return start if start > 1 else 0


@settings(max_examples=2000, deadline=None)
@given(texts, needles, st.integers(-1, 12))
def test_lines_are_those_a_scan_of_the_lines_finds(text, needle, start):
    assert _where(None, text, needle) == where_by_lines(text, needle)
    assert _key_line(text, needle, start) == key_line_by_lines(text, needle, start)


def test_lines_in_a_rule_file():
    text = 'code = "us"\n[vocabulary.ad]\nwords = ["ad"]\r\n[rules]\n  severity= "error"\n'
    assert _where(None, text, "[vocabulary.ad]") == 2
    assert _where(None, text, "missing") == 0
    assert _key_line(text, "severity") == 5
    assert _key_line(text, "words", 4) == 4  # not after `start`: `start` itself
    assert _key_line(text, "code") == 1
