"""Write a report while the posts stream past, without holding them all in memory.

The JSON report must stay byte-identical to the `json` reporter's output, and its keys are
sorted, so "posts" comes before "summary": post blocks go to a temporary file as they arrive
(already indented as the reporter would indent them) and the document is assembled at the
end around them. The header is rendered by the same encoder the reporter uses
(`compliance.reporters.encode`: orjson, with json's exact bytes).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import types
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

from compliance.model import Waiver
from compliance.reporters.document import Report, report_from_posts, summarise
from compliance.reporters.encode import dumps_compact, dumps_indent, dumps_nested, dumps_pair

_deflate: types.ModuleType
try:  # ISA-L's deflate: the zlib format, read and written several times faster than zlib's own
    from isal import isal_zlib

    _deflate = isal_zlib
    PACK_ERRORS: tuple[type[Exception], ...] = (zlib.error, isal_zlib.error)  # type: ignore[assignment]  # stubs: an instance
except ImportError:  # pragma: no cover - isal is a dependency; a platform without a wheel still works
    _deflate = zlib
    PACK_ERRORS = (zlib.error,)

_PLACEHOLDER = "\x00posts\x00"
# Deflate level of the texts a state file keeps: 1, the fastest that still shrinks them about 2.4x.
PACK_LEVEL = 1


def pack(text: str) -> bytes:
    """A JSON text compressed as the state file keeps it: a zlib stream (RFC 1950), whichever library
    wrote it, so state files stay readable by zlib alone, older ones by this code."""
    return _deflate.compress(text.encode("utf-8"), PACK_LEVEL)


def unpack(blob: bytes) -> str:
    """The text of a blob `pack` (or zlib.compress) wrote; one of PACK_ERRORS if it is damaged."""
    return _deflate.decompress(blob).decode("utf-8")


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
    return dumps_nested(post)


def post_texts(post: Mapping[str, Any]) -> tuple[str, str]:
    """The post's JSONL line and its report block, encoded together (one type walk)."""
    compact, block = dumps_pair(post)
    return compact + "\n", block


class Rendered(dict):
    """A post dict that already knows its JSON texts (from the state file), so an unchanged
    post is written without being parsed and re-encoded. When `partial`, the dict holds only
    what summaries need (id, error, statuses); `full()` gives the whole record. Texts may be
    given zlib-compressed (bytes): they are expanded only if asked for."""

    def __init__(
        self, data: dict, line: str | bytes | None = None, block: str | bytes | None = None, partial: bool = False
    ):
        super().__init__(data)
        self._line = line
        self._block = block
        self.partial = partial

    @staticmethod
    def _text(value: str | bytes | None) -> str | None:
        return unpack(value) if isinstance(value, bytes) else value

    @property
    def line_text(self) -> str | None:
        return self._text(self._line)

    @property
    def block_text(self) -> str | None:
        return self._text(self._block)

    def full(self) -> dict[str, Any]:
        if not self.partial:
            return dict(self)
        line = self.line_text
        assert line is not None  # a partial record is built from a stored line (run/state.py)
        return json.loads(line)


def full_post(post: Mapping[str, Any]) -> Mapping[str, Any]:
    return post.full() if isinstance(post, Rendered) else post


def block_of(post: Mapping[str, Any]) -> str:
    text = post.block_text if isinstance(post, Rendered) else None
    return text if text is not None else post_block(full_post(post))


def line_of(post: Mapping[str, Any]) -> str:
    text = post.line_text if isinstance(post, Rendered) else None
    return text if text is not None else jsonl_line(full_post(post))


class JsonReportWriter:
    """Collects post blocks in a temporary file; `finish` writes the whole document."""

    def __init__(self) -> None:
        self.tmp = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")
        self.count = 0

    def add(self, post: Mapping[str, Any]) -> None:
        if self.count:
            self.tmp.write(",\n")
        self.tmp.write(block_of(post))
        self.count += 1

    def finish(self, out: TextIO, head: Mapping[str, Any]) -> None:
        data = dict(head)
        data["posts"] = _PLACEHOLDER
        text = dumps_indent(data)
        marker = json.dumps(_PLACEHOLDER, ensure_ascii=False)
        before, after = text.split(marker, 1)
        out.write(before)
        if self.count:
            out.write("[\n")
            self.tmp.seek(0)
            shutil.copyfileobj(self.tmp, out, 1 << 20)
            out.write("\n  ]")
        else:
            out.write("[]")
        out.write(after)
        out.write("\n")
        self.close()

    def close(self) -> None:
        self.tmp.close()


def jsonl_line(post: Mapping[str, Any]) -> str:
    """One post per line: sorted keys, compact separators, UTF-8 as is."""
    return dumps_compact(post) + "\n"


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
