"""JSONL posts, one object per line: every non-blank line becomes exactly one record."""

from __future__ import annotations

import codecs
import gzip
import io
import json
from collections.abc import Iterator
from typing import IO, Any

import orjson

from compliance.model import InputError, Post, Source, new_record
from compliance.readers.base import UnreadableInput
from compliance.readers.limits import MAX_RECORD_BYTES, bounded_lines
from compliance.readers.post_fields import post_from_object


def read_path(path: str, options) -> Iterator[Post | InputError]:
    opener = gzip.open if path.endswith(".gz") else open
    try:
        stream = opener(path, "rb")
    except OSError as exc:
        raise UnreadableInput(f"{path}: cannot open: {exc.strerror or exc}") from None
    with stream:
        yield from read_stream(stream, path, options)


def read_entry(entry, options) -> Iterator[Post | InputError]:
    """A JSONL file inside a folder or zip (or gzipped): same rules, member kept in Source."""
    with entry.open() as stream:
        yield from read_stream(stream, entry.file, options, member=entry.member)


def read_stream(
    stream: IO[bytes] | gzip.GzipFile, name: str, options, member: str | None = None
) -> Iterator[Post | InputError]:
    """Lines are read as bytes so one bad byte costs one record, not the file."""
    default_platform = getattr(options, "default_platform", None)
    lineno = 0
    try:
        for lineno, raw in _lines(stream):
            if raw is None:
                yield InputError(
                    Source(name, line=lineno, member=member),
                    f"line {lineno}: longer than {MAX_RECORD_BYTES:,} bytes; not read",
                )
                continue
            # Every field given: made without the frozen dataclass's __init__ (equal to Source(...)).
            source = new_record(Source, {"file": name, "line": lineno, "row": None, "index": None, "member": member})
            yield from _one_line(raw, lineno, source, default_platform)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        yield InputError(Source(name, line=lineno + 1, member=member), f"input ends in an unreadable state: {exc}")


def _head(stream) -> bytes:
    """The first bytes, without consuming them (BufferedReader, GzipFile, zip members peek)."""
    peek = getattr(stream, "peek", None)
    if peek is not None:
        return peek(4096)[:4096]
    if isinstance(stream, io.BytesIO):
        return stream.getvalue()[stream.tell() : stream.tell() + 4096]
    return b"\n"  # unknown stream: read it as plain UTF-8 lines


def utf16(head: bytes) -> str | None:
    """The UTF-16 codec the first bytes show (a BOM, or ASCII with every other byte NUL)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    start = head[: min(len(head), 32) // 2 * 2]
    if len(start) < 4:
        return None
    if all(start[0::2]) and not any(start[1::2]):
        return "utf-16-le"  # '{' 00 '"' 00 ...: ASCII text saved as UTF-16 without a byte-order mark
    if all(start[1::2]) and not any(start[0::2]):
        return "utf-16-be"
    return None


def _lines(stream: IO[bytes] | gzip.GzipFile) -> Iterator[tuple[int, bytes | None]]:
    """(line number, UTF-8 bytes) per line; None for a line over the size bound (UTF-8 files).
    UTF-16 (with or without a BOM) is re-encoded, and CR-only line ends (old Mac exports) are split
    like LF (a raw CR cannot occur inside a JSON value)."""
    head = _head(stream)
    encoding = utf16(head)
    if encoding:
        yield from enumerate(_recoded(stream, encoding, "utf-8"), 1)
    elif b"\r" in head and b"\n" not in head:
        yield from enumerate(_recoded(stream, "latin-1", "latin-1"), 1)  # byte for byte, universal line ends
    else:
        yield from bounded_lines(stream)


def _recoded(stream: IO[bytes] | gzip.GzipFile, encoding: str, out: str) -> Iterator[bytes]:
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline=None)
    try:
        for line in text:
            yield line.encode(out)
    finally:
        text.detach()  # the caller owns the stream (stdin stays open)


# A run of 19 digits: a number orjson might not read as json does (it reads integers beyond 64
# bits as floats); such a line, rare, is read by json. Found by mapping every digit to "0" and
# every other byte to " " (a fifth of a regex search's cost).
_DIGITS_ONLY = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_DIGITS = b"0" * 19
_MANY_BRACKETS = 256
_JSON = object()  # "read this line with json"


def _fast_object(raw: bytes) -> Any:
    """The line parsed by orjson (from the bytes, no decode: a third of json.loads' cost) when it
    certainly gives what json.loads gives: orjson refuses what json refuses, and more (NaN,
    lone surrogates, invalid UTF-8, floats beyond the double range), and reads every number
    json does the same way, except integers beyond 64 bits; it reads deeper nesting. _JSON for every other line: json
    reads it and reports its errors as before."""
    if _LONG_DIGITS in raw.translate(_DIGITS_ONLY):
        return _JSON
    # orjson reads nesting deeper than json does (which says "nested too deeply") and deeper than
    # the rest of a scan can walk: a line with many brackets (a post has a few) goes to json.
    if raw.count(b"[") + raw.count(b"{") >= _MANY_BRACKETS:
        return _JSON
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _JSON


def _one_line(raw: bytes, lineno: int, source: Source, default_platform) -> Iterator[Post | InputError]:
    if raw.startswith(codecs.BOM_UTF8):  # also on a later line: files joined with cat
        raw = raw[3:]
    if not raw.strip():
        return
    obj = _fast_object(raw)
    if obj is not _JSON:
        yield _post(obj, lineno, source, default_platform)
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        pid = _salvage_id(raw)
        yield InputError(
            source,
            f"line {lineno}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at "
            f"column {exc.start + 1}); re-export the file as UTF-8",
            id=pid,
        )
        return
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        yield InputError(source, f"line {lineno}: invalid JSON: {exc.msg} (column {exc.colno})")
        return
    except ValueError:  # an integer over Python's 4,300-digit limit: this line only
        yield InputError(source, f"line {lineno}: a number too long to read (over 4,300 digits)", id=_salvage_id(raw))
        return
    except RecursionError:
        yield InputError(source, f"line {lineno}: JSON nested too deeply")
        return
    yield _post(obj, lineno, source, default_platform)


def _post(obj: Any, lineno: int, source: Source, default_platform) -> Post | InputError:
    record = post_from_object(obj, source, default_platform)
    if isinstance(record, InputError) and not record.message.startswith("line "):
        record = InputError(
            record.source, f"line {lineno}: {record.message}", record.id, record.caption, record.platform, record.author
        )
    return record


def _salvage_id(raw: bytes) -> str | None:
    """The post id of a line that is not UTF-8, so the error record can still be traced."""
    try:
        obj = json.loads(raw.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        return None
    pid = obj.get("id") if isinstance(obj, dict) else None
    return str(pid) if isinstance(pid, (str, int)) and not isinstance(pid, bool) else None
