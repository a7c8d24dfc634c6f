"""JSONL posts, one object per line: every non-blank line becomes exactly one record."""
from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import BinaryIO

from compliance.model import InputError, Post, Source
from compliance.readers.base import UnreadableInput
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


def read_stream(stream: BinaryIO, name: str, options, member: str | None = None) -> Iterator[Post | InputError]:
    """Lines are read as bytes so one bad byte costs one record, not the file."""
    default_platform = getattr(options, "default_platform", None)
    lineno = 0
    try:
        for raw in stream:
            lineno += 1
            yield from _one_line(raw, lineno, Source(name, line=lineno, member=member), default_platform)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        yield InputError(Source(name, line=lineno + 1, member=member),
                         f"input ends in an unreadable state: {exc}")


def _one_line(raw: bytes, lineno: int, source: Source, default_platform) -> Iterator[Post | InputError]:
    if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        pid = _salvage_id(raw)
        yield InputError(source, f"line {lineno}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at "
                                 f"column {exc.start + 1}); re-export the file as UTF-8", id=pid)
        return
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        yield InputError(source, f"line {lineno}: invalid JSON: {exc.msg} (column {exc.colno})")
        return
    except ValueError:  # an integer over Python's 4,300-digit limit: this line only
        yield InputError(source, f"line {lineno}: a number too long to read (over 4,300 digits)",
                         id=_salvage_id(raw))
        return
    except RecursionError:
        yield InputError(source, f"line {lineno}: JSON nested too deeply")
        return
    record = post_from_object(obj, source, default_platform)
    if isinstance(record, InputError) and not record.message.startswith("line "):
        record = InputError(record.source, f"line {lineno}: {record.message}", record.id,
                            record.caption, record.platform, record.author)
    yield record


def _salvage_id(raw: bytes) -> str | None:
    """The post id of a line that is not UTF-8, so the error record can still be traced."""
    try:
        obj = json.loads(raw.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        return None
    pid = obj.get("id") if isinstance(obj, dict) else None
    return str(pid) if isinstance(pid, (str, int)) and not isinstance(pid, bool) else None
