"""The report's JSON texts, written by orjson, byte for byte what the standard library writes.

`json.dumps(..., indent=2)` runs the pure-Python encoder (the C one is used only without
indent) and was about a tenth of a scan's time. orjson writes the same bytes for plain JSON
data (str keys, str, int, bool, None, list, tuple, dict: same separators, same escapes with
`ensure_ascii=False`, same key order), but not for floats (`1e-05` against `0.00001`, NaN as
`null`), integers beyond 64 bits, lone surrogates, non-str keys or subclasses. So one walk
looks at the types of the values first (orjson itself refuses every key that is not exactly a
str): floats are handed over as `orjson.Fragment`s holding the
standard library's own spelling; anything else orjson might write differently, and anything
orjson refuses, goes to `json.dumps` itself. The output is the standard library's in every
case (tests/test_encode.py checks this over generated values).

A post record (`encode_post_pair` and its siblings, what a scan writes for every post) is not
walked where its builder already fixes the types (see `_BUILT_PLAIN`): the walk was about 8 us
of a post's 16 us of encoding.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

_INDENT = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
_COMPACT = orjson.OPT_SORT_KEYS
_PLAIN, _FLOATS, _OTHER = 0, 1, 2
_SCALARS = frozenset({str, int, bool, type(None)})


def _kind(obj: Any) -> int:
    """_PLAIN: only types orjson writes exactly as json does; _FLOATS: those and floats; _OTHER: anything else.

    Dict keys are not looked at: orjson refuses any key that is not exactly a str (json would
    write some of them), and a refusal hands the value to json."""
    t = type(obj)
    if t is dict:
        return _kind_of_values(obj.values())
    if t is list or t is tuple:
        return _kind_of_values(obj)
    if t in _SCALARS:
        return _PLAIN
    return _FLOATS if t is float else _OTHER


def _kind_of_values(values: Any) -> int:
    """The widest _kind of a container's values (_OTHER as soon as one is); one call a container."""
    found = _PLAIN
    for value in values:
        vt = type(value)
        if vt in _SCALARS:
            continue
        if vt is float:
            found = _FLOATS
            continue
        if vt is dict:
            k = _kind_of_values(value.values())
        elif vt is list or vt is tuple:
            k = _kind_of_values(value)
        else:
            return _OTHER
        if k == _OTHER:
            return _OTHER
        found |= k
    return found


def _float_text(value: float) -> str:
    """json's own spelling (`json.encoder` floatstr with allow_nan)."""
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == -float("inf"):
        return "-Infinity"
    return float.__repr__(value)


def _with_fragments(obj: Any) -> Any:
    """A copy with every float replaced by a Fragment of its json spelling (types already checked)."""
    t = type(obj)
    if t is float:
        return orjson.Fragment(_float_text(obj))
    if t is dict:
        return {key: _with_fragments(value) for key, value in obj.items()}
    if t is list or t is tuple:
        return [_with_fragments(value) for value in obj]
    return obj


def _prepared(obj: Any) -> tuple[bool, Any]:
    """(True, what orjson may encode as json would) or (False, None) when json must do it."""
    try:
        kind = _kind(obj)
    except RecursionError:  # deeper than we walk (or circular): json says what it says about it
        return False, None
    if kind == _OTHER:
        return False, None
    return True, (_with_fragments(obj) if kind == _FLOATS else obj)


def _orjson(obj: Any, option: int, prepare: Callable[[Any], tuple[bool, Any]] = _prepared) -> str | None:
    """orjson's text when it is certainly json's, else None."""
    ok, obj = prepare(obj)
    if not ok:
        return None
    try:
        return orjson.dumps(obj, option=option).decode("utf-8")
    except orjson.JSONEncodeError:  # ints beyond 64 bits, lone surrogates, nesting deeper than orjson's limit
        return None


def dumps_indent(obj: Any) -> str:
    """Exactly `json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2)`."""
    text = _orjson(obj, _INDENT)
    if text is None:
        return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2)
    return text


def dumps_compact(obj: Any) -> str:
    """Exactly `json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))`."""
    text = _orjson(obj, _COMPACT)
    if text is None:
        return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text


# A value nested as the only item of a list under one key, indented: the item's lines come out
# indented by four spaces, as inside the report's "posts" array.
_NEST_HEAD = b'{\n  "_": [\n'
_NEST_TAIL = b"\n  ]\n}"


def _orjson_pair(obj: Any, compact: bool, post: bool = False) -> tuple[bytes | None, bytes] | None:
    """orjson's (compact or None, nested) bytes when they are certainly json's, else None; `post`:
    a post record, walked only where its builder leaves the types open (see _BUILT_PLAIN)."""
    ok, ready = _post_prepared(obj) if post else _prepared(obj)
    if not ok:
        return None
    indent, flat = (_POST_INDENT, _POST_COMPACT) if post else (_INDENT, _COMPACT)
    try:
        nested = orjson.dumps({"_": [ready]}, option=indent)[len(_NEST_HEAD) : -len(_NEST_TAIL)]
        return (orjson.dumps(ready, option=flat) if compact else None), nested
    except orjson.JSONEncodeError:
        return None


def _compact_json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def encode_pair(obj: Any, post: bool = False) -> tuple[bytes, bytes]:
    """`dumps_pair` as UTF-8 bytes (what orjson writes; a scan stores and copies them as they are)."""
    found = _orjson_pair(obj, compact=True, post=post)
    if found is not None and found[0] is not None:
        return found[0], found[1]
    return _compact_json(obj).encode("utf-8"), _nested_json(obj).encode("utf-8")


def dumps_pair(obj: Any) -> tuple[str, str]:
    """(`dumps_compact(obj)`, `dumps_indent(obj)` nested two levels deep), from one type walk.

    A scan writes each post twice (the JSONL line kept in the state, the block of the JSON
    report); the walk that decides whether orjson may write it is most of the cost, so it is
    done once. The nested text is orjson's own indentation of `{"_": [obj]}` cut out of its
    wrapper, the same bytes as indenting `obj` and prefixing every line with four spaces."""
    found = _orjson_pair(obj, compact=True)
    if found is not None and found[0] is not None:
        return found[0].decode("utf-8"), found[1].decode("utf-8")
    return _compact_json(obj), _nested_json(obj)


def encode_nested(obj: Any, post: bool = False) -> bytes:
    """`dumps_nested` as UTF-8 bytes."""
    found = _orjson_pair(obj, compact=False, post=post)
    return found[1] if found is not None else _nested_json(obj).encode("utf-8")


def dumps_nested(obj: Any) -> str:
    """`dumps_indent(obj)` with every line indented four more spaces (an item of the report's posts)."""
    found = _orjson_pair(obj, compact=False)
    return found[1].decode("utf-8") if found is not None else _nested_json(obj)


def nested_from_line(line: bytes) -> bytes:
    """`encode_nested` of the post a JSONL line (`encode_pair`'s first text, newline or not) holds,
    from the line alone: the state keeps only the line, and a re-run writes the report block from it.

    orjson parses the line and writes it again; when that gives back the line's very bytes, every
    value in it is one orjson spells as json does (a float like 1e-05, or an integer beyond 64 bits,
    would not be), so orjson's indentation of it is json's too. Otherwise json parses it and the
    block is encoded as any value is."""
    body = line[:-1] if line.endswith(b"\n") else line
    try:
        obj = orjson.loads(body)
        if orjson.dumps(obj, option=_COMPACT) == body:
            return orjson.dumps({"_": [obj]}, option=_INDENT)[len(_NEST_HEAD) : -len(_NEST_TAIL)]
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):  # NaN, nesting beyond orjson's limits
        pass
    return encode_nested(json.loads(body))


# -- post records ---------------------------------------------------------------------------------
# A post record as `PostResult.to_dict` (compliance/model.py) builds it, or as it comes back parsed
# from a line this encoder wrote. The values under these keys are made by the to_dict methods of
# typed records (Source, Span, Finding, Citation, Waiver, Verdict) whose fields hold only str, int,
# bool and None (a rule's texts are checked as strings when its file is read, a waiver's date is
# written as ISO text, a resolved link's fields as str): they are not walked, which was most of the
# cost of encoding a post (findings are nested three deep, about 28 containers a post). Everything
# else (`discovery` with its float score, `media`, `onscreen`, a signal's `resolved`, any key not
# named here) is walked as any value is. orjson is also told to refuse what json would not write
# as it does (subclasses, dataclasses, dates): a refusal hands the whole post to json.
_BUILT_PLAIN = frozenset({"source", "disclosures", "verdicts"})
_POST_OPTIONS = orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
_POST_INDENT = _INDENT | _POST_OPTIONS
_POST_COMPACT = _COMPACT | _POST_OPTIONS


def _post_prepared(post: Any) -> tuple[bool, Any]:
    """`_prepared` for a post record: only its free-form parts are walked (see _BUILT_PLAIN)."""
    if type(post) is not dict:
        return _prepared(post)
    floats: list[str] | None = None
    for key, value in post.items():
        vt = type(value)
        if vt in _SCALARS:
            continue
        if key in _BUILT_PLAIN and (vt is dict or vt is list):
            continue
        if key == "signals" and vt is list:
            kind = _PLAIN
            for signal in value:
                if type(signal) is not dict:
                    return _prepared(post)
                resolved = signal.get("resolved")
                if resolved is not None:
                    try:
                        kind |= _kind(resolved)
                    except RecursionError:
                        return False, None
        else:
            try:
                kind = _kind(value)
            except RecursionError:
                return False, None
        if kind == _OTHER:
            return False, None
        if kind == _FLOATS:
            if key == "signals":  # a float in a resolved link (never written so): the slow way
                return _prepared(post)
            floats = [*(floats or ()), key]
    if floats is None:
        return True, post
    return True, {**post, **{key: _with_fragments(post[key]) for key in floats}}


def encode_post_pair(post: Any) -> tuple[bytes, bytes]:
    """`encode_pair` of a post record (see _BUILT_PLAIN): its JSONL line and its report block."""
    return encode_pair(post, post=True)


def encode_post_nested(post: Any) -> bytes:
    """`encode_nested` of a post record (see _BUILT_PLAIN)."""
    return encode_nested(post, post=True)


def dumps_post_compact(post: Any) -> str:
    """`dumps_compact` of a post record (see _BUILT_PLAIN)."""
    text = _orjson(post, _POST_COMPACT, _post_prepared)
    return _compact_json(post) if text is None else text


def _nested_json(obj: Any) -> str:
    return "    " + json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2).replace("\n", "\n    ")
