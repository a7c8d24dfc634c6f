"""Write a report while the posts stream past, without holding them all in memory.

The JSON report must stay byte-identical to the `json` reporter's output, and its keys are
sorted, so "posts" comes before "summary": post blocks go to a temporary file as they arrive
(already indented as the reporter would indent them) and the document is assembled at the
end around them. The header is rendered by the same encoder the reporter uses
(`compliance.reporters.encode`: orjson, with json's exact bytes).
"""

from __future__ import annotations

import codecs
import io
import json
import os
import shutil
import tempfile
import types
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any, TextIO

from compliance.model import Waiver
from compliance.reporters.document import Report, report_from_posts, summarise
from compliance.reporters.encode import (
    dumps_indent,
    dumps_post_compact,
    encode_post_nested,
    encode_post_pair,
    nested_from_line,
)

_deflate: types.ModuleType
# Deflate level of the texts a state file keeps. ISA-L's level 0 is its fastest that compresses
# (zlib's 0 stores): a post's line in 6 us instead of 15 at level 1, 2.0x smaller instead of 2.4x.
PACK_LEVEL: int
try:  # ISA-L's deflate: the zlib format, read and written several times faster than zlib's own
    from isal import isal_zlib

    _deflate = isal_zlib
    PACK_LEVEL = 0
    PACK_ERRORS: tuple[type[Exception], ...] = (zlib.error, isal_zlib.error)  # type: ignore[assignment]  # stubs: an instance
except ImportError:  # pragma: no cover - isal is a dependency; a platform without a wheel still works
    _deflate = zlib
    PACK_LEVEL = 1
    PACK_ERRORS = (zlib.error,)

_PLACEHOLDER = "\x00posts\x00"


def pack(text: str | bytes) -> bytes:
    """A JSON text (str, or its UTF-8 bytes) compressed as the state file keeps it: a zlib stream
    (RFC 1950), whichever library wrote it, so state files stay readable by zlib alone, older
    ones by this code."""
    return _deflate.compress(text.encode("utf-8") if isinstance(text, str) else text, PACK_LEVEL)


def unpack_bytes(blob: bytes) -> bytes:
    """The UTF-8 text of a blob `pack` (or zlib.compress) wrote; one of PACK_ERRORS if it is damaged."""
    return _deflate.decompress(blob)


def unpack(blob: bytes) -> str:
    return unpack_bytes(blob).decode("utf-8")


def header(
    jurisdictions: list[str],
    rulesets: Mapping[str, Mapping[str, Any]],
    inputs: list[str],
    summary: dict[str, Any],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The report document without its posts (built by the contract's own constructor)."""
    data = dict(report_from_posts([], jurisdictions, rulesets, inputs).data)
    data["summary"] = summary
    data.update(extra or {})
    del data["posts"]
    return data


def post_block(post: Mapping[str, Any]) -> str:
    """One post as it appears inside the report's "posts" array (indent 2, at depth 2)."""
    return encode_post_nested(post).decode("utf-8")


def post_texts(post: Mapping[str, Any]) -> tuple[bytes, bytes]:
    """The post's JSONL line and its report block as UTF-8 bytes, encoded together (one type walk)."""
    compact, block = encode_post_pair(post)
    return compact + b"\n", block


Text = str | bytes


class Rendered(dict):
    """A post dict that already knows its JSON texts (from the state file, or a pool worker), so
    it is written without being parsed and re-encoded. When `partial`, the dict holds only what
    summaries need (id, error, statuses); `full()` gives the whole record.

    Texts are str or UTF-8 bytes (as orjson writes them: a worker sends bytes, which pickle
    copies as they are, where a str is encoded and decoded again); with `packed`, bytes are
    compressed (`pack`) and expanded only if asked for. Without a block, the block is derived
    from the line when asked for (`nested_from_line`: a state file keeps only the line)."""

    def __init__(
        self,
        data: dict,
        line: Text | None = None,
        block: Text | None = None,
        partial: bool = False,
        packed: bool = False,
    ):
        super().__init__(data)
        self._line = line
        self._block = block
        self.partial = partial
        self.packed = packed

    def _text(self, value: Text | None) -> str | None:
        if isinstance(value, bytes):
            return unpack(value) if self.packed else value.decode("utf-8")
        return value

    def _bytes(self, value: Text | None) -> bytes | None:
        if isinstance(value, bytes):
            return unpack_bytes(value) if self.packed else value
        return None if value is None else value.encode("utf-8")

    def _packed(self, value: Text | None) -> bytes | None:
        if isinstance(value, bytes) and self.packed:
            return value
        return None if value is None else pack(value)

    @property
    def line_text(self) -> str | None:
        return self._text(self._line)

    @property
    def block_text(self) -> str | None:
        if self._block is not None or self._line is None:
            return self._text(self._block)
        data = self.block_bytes
        return None if data is None else data.decode("utf-8")

    @property
    def block_bytes(self) -> bytes | None:
        if self._block is None and self._line is not None:
            line = self._bytes(self._line)
            assert line is not None
            return nested_from_line(line)
        return self._bytes(self._block)

    def stored(self) -> bytes | None:
        """The line compressed as the state keeps it (the block is derived from it), if known."""
        return self._packed(self._line)

    def full(self) -> dict[str, Any]:
        if not self.partial:
            return dict(self)
        line = self._bytes(self._line)
        assert line is not None  # a partial record is built from a stored line (run/state.py)
        return json.loads(line)


def full_post(post: Mapping[str, Any]) -> Mapping[str, Any]:
    return post.full() if isinstance(post, Rendered) else post


def block_of(post: Mapping[str, Any]) -> str:
    text = post.block_text if isinstance(post, Rendered) else None
    return text if text is not None else post_block(full_post(post))


def block_bytes_of(post: Mapping[str, Any]) -> bytes:
    """`block_of` as UTF-8 bytes."""
    data = post.block_bytes if isinstance(post, Rendered) else None
    return data if data is not None else encode_post_nested(full_post(post))


def line_of(post: Mapping[str, Any]) -> str:
    text = post.line_text if isinstance(post, Rendered) else None
    return text if text is not None else jsonl_line(full_post(post))


class JsonReportWriter:
    """Collects post blocks in a temporary file; `finish` writes the whole document."""

    def __init__(self) -> None:
        self.tmp = tempfile.TemporaryFile("w+b", buffering=1 << 20)  # UTF-8 bytes, as encoded
        self.count = 0

    def add(self, post: Mapping[str, Any]) -> None:
        if self.count:
            self.tmp.write(b",\n")
        self.tmp.write(block_bytes_of(post))
        self.count += 1

    def finish(self, out: TextIO, head: Mapping[str, Any]) -> None:
        before, after = _around_posts(head)
        out.write(before)
        if self.count:
            out.write("[\n")
            self.tmp.seek(0)
            raw = _utf8_bytes_under(out)
            if raw is not None:  # the blocks are already the bytes the text layer would write
                out.flush()
                shutil.copyfileobj(self.tmp, raw, 1 << 20)
                raw.flush()
            else:
                blocks = io.TextIOWrapper(self.tmp, encoding="utf-8", newline="")  # no newline translation
                shutil.copyfileobj(blocks, out, 1 << 20)
                blocks.detach()
            out.write("\n  ]")
        else:
            out.write("[]")
        out.write(after)
        out.write("\n")
        self.close()

    def close(self) -> None:
        self.tmp.close()


def _around_posts(head: Mapping[str, Any]) -> tuple[str, str]:
    """The document's text before and after the value of "posts"."""
    data = dict(head)
    data["posts"] = _PLACEHOLDER
    text = dumps_indent(data)
    marker = json.dumps(_PLACEHOLDER, ensure_ascii=False)
    before, after = text.split(marker, 1)
    return before, after


class DirectJsonReportWriter:
    """`JsonReportWriter` for a report file opened at the start of the scan: the keys sort, and
    the only ones before "posts" ("inputs", "jurisdictions") are known before any post is judged,
    so each block goes straight to the file, and only the summary waits for the end. No copy of
    every block goes through a temporary file (about 5 kB a post, written and read back once
    more at the end of the scan, while a pool's workers had nothing left to do).

    `out` must be a UTF-8 text stream over a binary one (`_utf8_bytes_under`): see `opened`."""

    def __init__(self, out: TextIO, start: Mapping[str, Any]):
        raw = _utf8_bytes_under(out)
        assert raw is not None, "see DirectJsonReportWriter.opened"
        self.raw = raw
        self.before, _ = _around_posts(start)
        out.flush()
        self.raw.write(self.before.encode("utf-8"))
        self.count = 0
        # Blocks gathered and written a megabyte at a time: the file's own buffer is 8 kB, less than
        # two blocks, and a write call per post cost more than the temporary file's copy did.
        self.parts: list[bytes] = []
        self.held = 0

    @classmethod
    def opened(cls, out: TextIO, start: Mapping[str, Any]) -> DirectJsonReportWriter | None:
        """A writer over `out`, or None when its bytes cannot be written directly (then use
        JsonReportWriter, which writes at the end)."""
        return cls(out, start) if _utf8_bytes_under(out) is not None else None

    def add(self, post: Mapping[str, Any]) -> None:
        block = block_bytes_of(post)
        self.parts.append(b",\n" if self.count else b"[\n")
        self.parts.append(block)
        self.count += 1
        self.held += len(block)
        if self.held >= _WRITE_AT:
            self._write()

    def _write(self) -> None:
        self.raw.write(b"".join(self.parts))
        self.parts.clear()
        self.held = 0

    def finish(self, head: Mapping[str, Any]) -> None:
        before, after = _around_posts(head)
        if before != self.before:  # a key sorting before "posts" that depends on the posts: a bug here
            raise RuntimeError("the report's head changed during the scan")
        self._write()
        tail = "\n  ]" if self.count else "[]"
        self.raw.write(f"{tail}{after}\n".encode())
        self.raw.flush()


_WRITE_AT = 1 << 20


def _utf8_bytes_under(out: TextIO) -> IO[bytes] | None:
    """The binary stream under a UTF-8 text stream that writes "\\n" as it is (a report file, stdout
    on POSIX), where bytes written directly are what writing their text would give; else None."""
    raw = getattr(out, "buffer", None)
    encoding = getattr(out, "encoding", None)
    if raw is None or not encoding or os.linesep != "\n":
        return None
    try:
        if codecs.lookup(encoding).name != "utf-8" or getattr(out, "errors", "strict") != "strict":
            return None
    except LookupError:
        return None
    return raw


def jsonl_line(post: Mapping[str, Any]) -> str:
    """One post per line: sorted keys, compact separators, UTF-8 as is."""
    return dumps_post_compact(post) + "\n"


def summarise_stream(
    posts: Iterable[Mapping[str, Any]], jurisdictions: list[str], sink, waivers: Sequence[Waiver] = ()
) -> dict[str, Any]:
    """Count posts with the report's own `summarise`, handing each to `sink` as it passes."""

    def passing():
        for post in posts:
            sink(post)
            yield post

    return summarise(passing(), jurisdictions, waivers)


def exit_code(summary: Mapping[str, Any]) -> int:
    return Report({"summary": summary}).exit_code
