"""The orjson-backed report encoder writes exactly what `json.dumps` writes, for any value."""

from __future__ import annotations

import json
import math
from collections import OrderedDict

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.reporters.encode import (
    dumps_compact,
    dumps_indent,
    dumps_nested,
    dumps_pair,
    dumps_post_compact,
    encode_nested,
    encode_pair,
    encode_post_nested,
    encode_post_pair,
    nested_from_line,
)
from tests.conftest import ROOT


def stdlib_indent(obj):
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2)


def stdlib_compact(obj):
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def stdlib_nested(obj):
    """An item of the report's "posts" array: indented, every line four spaces further in."""
    return "    " + stdlib_indent(obj).replace("\n", "\n    ")


def stdlib_pair(obj):
    return stdlib_compact(obj), stdlib_nested(obj)


def outcome(fn, obj):
    """The text, or the kind of error: both encoders must agree on either."""
    try:
        return fn(obj)
    except (TypeError, ValueError, RecursionError) as exc:
        return type(exc)


# Every code point, lone surrogates and controls included; and the ones that matter most, often.
NASTY_CHARS = st.sampled_from(
    list('"\\/\x00\x01\x08\t\n\x0c\r\x1f\x7f\x80\xa0\xe9\u2028\u2029\ud800\udfff\ufeff\uffff\U0001f600\U0010ffff')
)
TEXT = st.text(st.one_of(st.characters(codec=None), NASTY_CHARS), max_size=12)
INTS = st.one_of(
    st.integers(),
    st.sampled_from([2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64 - 1, 2**64, -(2**64), 10**40, -(10**40)]),
)
FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e16, 1e15, 1e-5, 1e-4, 1e21, 1e22, 5e-324, 1.7976931348623157e308, 0.1, 1 / 3]),
)
SCALARS = st.one_of(st.none(), st.booleans(), INTS, FLOATS, TEXT)
KEYS = st.one_of(TEXT, TEXT, TEXT, st.integers(-5, 5), st.booleans(), st.none(), st.floats(-2, 2))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.lists(inner, max_size=5).map(tuple),
        st.dictionaries(TEXT, inner, max_size=5),
        st.dictionaries(KEYS, inner, max_size=4),
    ),
    max_leaves=30,
)


@settings(max_examples=1500, deadline=None)
@given(VALUES)
def test_same_bytes_as_json_dumps(value):
    assert outcome(dumps_indent, value) == outcome(stdlib_indent, value)
    assert outcome(dumps_compact, value) == outcome(stdlib_compact, value)
    assert outcome(dumps_nested, value) == outcome(stdlib_nested, value)
    assert outcome(dumps_pair, value) == outcome(stdlib_pair, value)


class Tagged(str):
    pass


class Mapping(OrderedDict):
    pass


def test_corner_cases_by_name():
    cases = [
        {"z": 1, "a": [1.5, 1e-05, float("nan"), float("inf"), -math.inf, -0.0], "é": "\u2028\x00\x7f"},
        [2**64, -(2**63) - 1, {"b": {}}, [], ()],
        {"lone": "\ud83d"},
        {1: "x", "2": "y"},
        {None: 1, True: 2},
        {Tagged("k"): Tagged("v")},
        Mapping(b=1, a=[True, None]),
        [[[[[[[[[[[]]]]]]]]]]],
        "\U0001f600 top-level string",
        12.5,
        [1.0, {"x": 2.0}],
    ]
    for case in cases:
        assert outcome(dumps_indent, case) == outcome(stdlib_indent, case), case
        assert outcome(dumps_compact, case) == outcome(stdlib_compact, case), case
        assert outcome(dumps_pair, case) == outcome(stdlib_pair, case), case


def test_deep_and_circular_values_behave_as_json_does():
    deep: list = []
    for _ in range(400):  # deeper than orjson nests
        deep = [deep, 1.5]
    assert dumps_indent(deep) == stdlib_indent(deep)
    assert dumps_pair(deep) == stdlib_pair(deep)
    nearly: list = []
    for _ in range(253):  # orjson nests this deep, but not two levels more (the block's wrapper)
        nearly = [nearly]
    assert dumps_pair(nearly) == stdlib_pair(nearly)
    loop: list = []
    loop.append(loop)
    assert outcome(dumps_indent, loop) is outcome(stdlib_indent, loop) is ValueError
    assert outcome(dumps_compact, {"a": object()}) is TypeError


def test_golden_report_is_reproduced():
    text = (ROOT / "tests" / "golden" / "campaign.json").read_text(encoding="utf-8")
    assert dumps_indent(json.loads(text)) + "\n" == text
    for post in json.loads(text)["posts"]:
        assert dumps_pair(post) == stdlib_pair(post)
        compact, nested = stdlib_pair(post)
        assert encode_pair(post) == (compact.encode("utf-8"), nested.encode("utf-8"))
        assert encode_nested(post) == nested.encode("utf-8")


@settings(max_examples=1500, deadline=None)
@given(VALUES)
def test_the_block_derived_from_a_line_is_json_s(value):
    """A state keeps only a post's line; the block written from it is json's indentation of what
    the line holds, whatever the line holds (floats orjson spells otherwise, huge integers, NaN)."""
    try:
        line = stdlib_compact(value).encode("utf-8")
    except (TypeError, ValueError, RecursionError, UnicodeEncodeError):
        return  # nothing a scan could have stored
    expected = stdlib_nested(json.loads(line)).encode("utf-8")
    assert nested_from_line(line) == expected
    assert nested_from_line(line + b"\n") == expected


def test_blocks_derived_from_the_golden_report_s_lines():
    text = (ROOT / "tests" / "golden" / "campaign.json").read_text(encoding="utf-8")
    for post in json.loads(text)["posts"]:
        compact, nested = stdlib_pair(post)
        assert nested_from_line(compact.encode("utf-8") + b"\n") == nested.encode("utf-8")
    for odd in ({"x": [1e-05, 2**70, 1.5]}, [float("nan"), {"a": -0.0}], {"deep": [[[[]]]] * 3}):
        compact, nested = stdlib_pair(odd)
        assert nested_from_line(compact.encode("utf-8")) == nested.encode("utf-8")


def post_outcomes(post):
    """The post-record encoders' texts (or errors), as bytes, beside json's."""
    ours = (
        outcome(encode_post_pair, post),
        outcome(encode_post_nested, post),
        outcome(lambda p: dumps_post_compact(p).encode("utf-8"), post),
    )

    def stdlib(p):
        compact, nested = stdlib_pair(p)
        return compact.encode("utf-8"), nested.encode("utf-8")

    pair = outcome(stdlib, post)
    theirs = (pair, pair[1] if isinstance(pair, tuple) else pair, pair[0] if isinstance(pair, tuple) else pair)
    return ours, theirs


def golden_posts():
    return json.loads((ROOT / "tests" / "golden" / "campaign.json").read_text(encoding="utf-8"))["posts"]


@settings(max_examples=600, deadline=None)
@given(VALUES, VALUES, VALUES, VALUES, st.sampled_from(range(len(golden_posts()))))
def test_post_records_with_any_free_form_parts_are_encoded_as_json_does(discovery, media, onscreen, resolved, which):
    """The post-record encoders skip walking what the typed records build (findings, spans, the
    source), but every free-form part (discovery's score, media, onscreen labels, a resolved link,
    an unknown key) may hold floats orjson spells otherwise, huge integers, NaN, odd keys: the
    bytes are still json's."""
    post = dict(golden_posts()[which])
    post["discovery"] = discovery
    post["media"] = media
    post["onscreen"] = onscreen
    post["extra"] = resolved
    if post["signals"]:
        post["signals"] = [dict(post["signals"][0], resolved=resolved), *post["signals"][1:]]
    ours, theirs = post_outcomes(post)
    assert ours == theirs


def test_post_records_of_the_golden_report_and_odd_records_are_encoded_as_json_does():
    for post in golden_posts():
        ours, theirs = post_outcomes(post)
        assert ours == theirs
    post = golden_posts()[0]
    odd = [
        {**post, "discovery": {"score": 1e-05, "flagged": True}},  # a float orjson writes as 0.00001
        {**post, "source": Mapping(file="a.jsonl", line=1)},  # a dict subclass: orjson would write it
        {**post, "source": {"file": Tagged("a.jsonl")}},  # a str subclass in a part not walked
        {**post, "caption": "lone \ud800 surrogate"},
        {**post, "verdicts": {"us": {"status": "clear", "findings": [], "n": 2**70}}},
        {**post, "signals": [{"resolved": {"chain": [float("nan")]}}]},
        {**post, "id": 1.5e16},
        {**post, 5: "a key json writes and orjson refuses"},
        Mapping(post),
        [post, 1e-05],
        "not a post",
    ]
    for case in odd:
        ours, theirs = post_outcomes(case)
        assert ours == theirs, case
    assert outcome(encode_post_pair, {**post, "media": {"a": object()}}) is TypeError


def test_the_records_whose_parts_are_not_walked_hold_no_floats_or_free_values():
    """The post-record encoders do not walk `source`, `disclosures`, `verdicts` or a signal's fields
    (only its `resolved`): that is safe while the typed records building them hold only str, int,
    bool, None and each other (orjson spells some floats otherwise than json does). A field of any
    other type added to one of them must bring its walk back (compliance/reporters/encode.py
    `_BUILT_PLAIN`), and this test says which."""
    import dataclasses
    import re

    from compliance import model

    records = (model.Source, model.Span, model.Citation, model.Finding, model.Waiver, model.Verdict)
    allowed = {"str", "int", "bool", "None", "tuple", "...", *(r.__name__ for r in records)}
    for record in records:
        for field in dataclasses.fields(record):
            if (record, field.name) == (model.Span, "resolved"):  # walked: a resolution holds any JSON value
                continue
            names = set(re.findall(r"[A-Za-z_]+|\.\.\.", str(field.type)))
            assert names <= allowed, f"{record.__name__}.{field.name}: {field.type}"
