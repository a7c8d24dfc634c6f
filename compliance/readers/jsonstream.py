"""Walk a large JSON document in chunks and hand back the elements of one array in it.

Platform exports put the posts in one array deep inside a file that may be hundreds of
megabytes (TikTok keeps the whole watch history next to the posts). We skip everything off
the path to that array with a few regex jumps, and decode one element at a time, so memory
stays at one chunk plus one post. A malformed element costs that element, not the file.
"""

from __future__ import annotations

import codecs
import gzip
import json
import re
from collections.abc import Iterator, Sequence
from typing import IO

from compliance.readers.jsonl import utf16
from compliance.readers.limits import MAX_RECORD_BYTES

CHUNK = 1 << 20
# Deepest nesting one element may have: the readers' helpers (Meta's text repair, TikTok's
# disclosure field, report writing) walk decoded values recursively, and no export nests past ~10.
MAX_DEPTH = 200
_WS = re.compile(r"[ \t\r\n]*")
_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.S)
# Possessive quantifiers (Python 3.11+): these never backtrack, so a run that stops short
# (a nested array, the end of the buffer) costs one pass, not an exponential search.
_STR = r'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_FILLER = re.compile(r'(?:[^"\[\]{}]++|' + _STR + r")*+", re.S)
_FLAT_RUN = re.compile(r'(?:[^"\[\]{}]*+\{(?:[^"\[\]{}]++|' + _STR + r")*+\})*", re.S)
_SCALAR = re.compile(r"[^\s,\]}:]*")
_STR_BODY = re.compile(r'[^"\\]*+(?:\\.[^"\\]*+)*+', re.S)  # a string's inside, up to its quote


def _end(pattern: re.Pattern[str], buf: str, pos: int) -> int:
    """Where `pattern` stops matching at `pos`; the patterns it is used with match the empty string."""
    m = pattern.match(buf, pos)
    assert m is not None
    return m.end()


class JsonStreamError(Exception):
    """The document stops making sense here; nothing after this point can be trusted."""


class ElementError:
    """One array element that is not valid JSON, though the array around it is intact."""

    def __init__(self, message: str) -> None:
        self.message = message


class JsonStream:
    def __init__(self, stream: IO[bytes] | gzip.GzipFile, chunk: int | None = None) -> None:
        self._stream = stream
        self._chunk = chunk or CHUNK
        self.encoding = "UTF-8"
        self._decoder: codecs.IncrementalDecoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._bytes_read = 0
        self.buf = ""
        self.pos = 0
        self.deepest = 0  # the deepest nesting skip_value saw in the value just read
        self._lines_dropped = 0  # newlines in text already dropped from the buffer
        self._mark: int | None = None
        self._oversized = False  # the element being read passed MAX_RECORD_BYTES: skipped, not kept
        self.eof = False

    # -- buffer ---------------------------------------------------------------------------
    def _more(self) -> bool:
        """Append the next chunk of text; False at the end of input."""
        if self.eof:
            return False
        data = self._stream.read(self._chunk)
        if not self._bytes_read and data:
            self._sniff(data)
        try:
            if data:
                text = self._decoder.decode(data)
            else:
                self.eof = True
                text = self._decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            at = self._bytes_read + exc.start
            raise JsonStreamError(f"not valid {self.encoding} near byte {at:,}") from None
        self._bytes_read += len(data)
        keep = self.pos if self._mark is None else min(self.pos, self._mark)
        if keep > self._chunk:
            self._lines_dropped += self.buf.count("\n", 0, keep)
            self.buf = self.buf[keep:]
            self.pos -= keep
            if self._mark is not None:
                self._mark -= keep
        self.buf += text
        return True

    def _sniff(self, head: bytes) -> None:
        """A JSON file saved as UTF-16 (Notepad's "Unicode", with or without a byte-order mark)
        is decoded as such; it was one "not valid UTF-8" error for the whole file."""
        encoding = utf16(head)
        if encoding:
            self.encoding = encoding.upper()
            self._decoder = codecs.getincrementaldecoder(encoding)("strict")

    def line_at(self, pos: int | None = None) -> int:
        pos = self.pos if pos is None else pos
        return self._lines_dropped + self.buf.count("\n", 0, pos) + 1

    def fail(self, what: str) -> JsonStreamError:
        return JsonStreamError(f"{what} at line {self.line_at():,}")

    # -- tokens ---------------------------------------------------------------------------
    def peek(self) -> str:
        """The next non-blank character ('' at the end), without consuming it."""
        while True:
            self.pos = _end(_WS, self.buf, self.pos)
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def skip_bom(self) -> None:
        self.peek()
        if self.buf.startswith("\ufeff", self.pos):
            self.pos += 1

    def expect(self, char: str) -> None:
        if self.peek() != char:
            found = self.peek() or "end of file"
            raise self.fail(f"expected {char!r}, found {found!r}")
        self.pos += 1

    def skip_until(self, char: str, limit: int = 4096) -> None:
        """Move past the first `char` (the `=` of `window.YTD.tweets.part0 = [`)."""
        while True:
            found = self.buf.find(char, self.pos)
            if found >= 0:
                self.pos = found + 1
                return
            if len(self.buf) > limit or not self._more():
                raise self.fail(f"no {char!r} near the start")

    def _check_size(self, at: int | None = None) -> None:
        """An element past MAX_RECORD_BYTES (at `at`, default `pos`) is skipped from here on
        without being kept."""
        if self._mark is not None and (self.pos if at is None else at) - self._mark > MAX_RECORD_BYTES:
            self._mark, self._oversized = None, True

    def _string_end(self, discard: bool = False) -> int:
        """Where the string at `pos` ends. Linear: a string cut by the end of the buffer is
        scanned on from where the scan stopped, not from its start again (a 200 MB string
        was quadratic). With `discard`, a string outside any element being kept (or in one
        already too long) is not kept in memory either; without, one over the bound fails."""
        scanned = 1  # offset from self.pos: past the opening quote
        while True:
            body = _STR_BODY.match(self.buf, self.pos + scanned)
            assert body is not None  # _STR_BODY matches the empty string
            end = body.end()
            if end < len(self.buf) and self.buf[end] == '"':
                return end + 1
            scanned = end - self.pos  # stopped at the end of the buffer (or a cut escape)
            if discard:
                self._check_size(end)
                if self._mark is None:
                    self.pos, scanned = end, 0
            elif scanned > MAX_RECORD_BYTES:
                raise self.fail(f"a string longer than {MAX_RECORD_BYTES:,} bytes")
            if not self._more():
                raise self.fail("unterminated string")

    def read_string(self) -> str:
        if self.peek() != '"':
            raise self.fail("expected a string")
        end = self._string_end()
        try:
            value = json.loads(self.buf[self.pos : end])
        except json.JSONDecodeError as exc:
            raise self.fail(f"bad string ({exc.msg})") from None
        self.pos = end
        return value

    def skip_value(self) -> None:
        first = self.peek()
        if first == "":
            raise self.fail("unexpected end of file")
        if first == '"':
            self.pos = self._string_end(discard=True)
            return
        if first not in "{[":
            consumed = 0
            while True:
                m = _SCALAR.match(self.buf, self.pos)
                assert m is not None  # _SCALAR matches the empty string
                end = m.end()
                consumed += end - self.pos
                self.pos = end
                if end < len(self.buf) or not self._more():
                    break
                self._check_size()
            if not consumed:
                raise self.fail(f"unexpected {first!r}")
            return
        depth = 0
        while True:
            # Whole strings and plain text, then (inside a container) whole runs of flat
            # objects, are consumed by the regex engine; Python sees only the brackets.
            self.pos = _end(_FILLER, self.buf, self.pos)
            if depth:
                self.pos = _end(_FLAT_RUN, self.buf, self.pos)
                self.pos = _end(_FILLER, self.buf, self.pos)
            if self.pos >= len(self.buf):
                self._check_size()
                if not self._more():
                    raise self.fail("file ends inside an object or array")
                continue
            char = self.buf[self.pos]
            if char == '"':  # a string cut by the end of the buffer
                self.pos = self._string_end(discard=True)
                continue
            self.pos += 1
            depth += 1 if char in "{[" else -1
            self.deepest = max(self.deepest, depth)
            if depth == 0:
                return

    def read_value(self):
        """One whole value, decoded; an ElementError if its text is not valid JSON."""
        self.peek()
        self._mark = self.pos
        self.deepest = 0
        try:
            self.skip_value()
            self._check_size()
            start = self._mark  # the buffer may have been compacted under us
        finally:
            self._mark = None
        if self._oversized or start is None:
            self._oversized = False
            return ElementError(
                f"an element longer than {MAX_RECORD_BYTES:,} bytes, ending at line {self.line_at():,}; not read"
            )
        if self.deepest > MAX_DEPTH:  # the readers' helpers walk values recursively: refuse it here
            return ElementError(
                f"JSON nested too deeply ({self.deepest:,} levels, at most {MAX_DEPTH}) at line {self.line_at(start):,}"
            )
        try:
            return json.loads(self.buf[start : self.pos])
        except json.JSONDecodeError as exc:
            line = self.line_at(start) + exc.lineno - 1
            return ElementError(f"invalid JSON: {exc.msg} at line {line:,}")
        except ValueError as exc:  # an integer over Python's 4,300-digit limit: this element only
            return ElementError(f"a number too long to read at line {self.line_at(start):,} ({exc})"[:300])
        except RecursionError:
            return ElementError(f"JSON nested too deeply at line {self.line_at(start):,}")

    # -- structure ------------------------------------------------------------------------
    def find_array(self, paths: Sequence[Sequence[str]]) -> tuple[str, ...] | None:
        """Step into the array at one of `paths` (object keys, compared case-insensitively).

        Returns the path found, positioned just inside the `[`, or None if the document has
        none of them. An empty path means the document itself is the array.
        """
        wanted = [tuple(k.casefold() for k in p) for p in paths]
        first = self.peek()
        if first == "[" and () in wanted:
            self.pos += 1
            return ()
        if first != "{":
            return None
        return self._walk(wanted, ())

    def _walk(self, wanted, here: tuple[str, ...]) -> tuple[str, ...] | None:
        self.expect("{")
        if self.peek() == "}":
            self.pos += 1
            return None
        while True:
            key = self.read_string()
            self.expect(":")
            path = here + (key.casefold(),)
            nxt = self.peek()
            if path in wanted and nxt == "[":
                self.pos += 1
                return path
            if nxt == "{" and any(w[: len(path)] == path and len(w) > len(path) for w in wanted):
                found = self._walk(wanted, path)
                if found is not None:
                    return found
            else:
                self.skip_value()
            sep = self.peek()
            if sep == ",":
                self.pos += 1
                continue
            if sep == "}":
                self.pos += 1
                return None
            raise self.fail("expected ',' or '}'")

    def elements(self) -> Iterator[tuple[int, object]]:
        """(index, value or ElementError) for each element of the array we stand in."""
        index = 0
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield index, self.read_value()
            index += 1
            sep = self.peek()
            if sep == ",":
                self.pos += 1
                continue
            if sep == "]":
                self.pos += 1
                return
            if sep == "":
                raise self.fail(f"file ends after element {index - 1}")
            raise self.fail(f"expected ',' or ']' after element {index - 1}")
