"""Size bounds for reading hostile inputs (issue 17 item 11), and a line reader that keeps them.

A zip of a gzip of one 300 MB line used to be read whole into memory (784 MB); a 20 KB zip of
blank lines expands to millions of lines handled one by one in Python (24 s). Here a line is
read in chunks: one over MAX_RECORD_BYTES becomes one error record after at most that many
bytes are held, the rest of it is skipped without being kept, and runs of blank lines are
stepped over in C (counted, never turned into objects).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from gzip import GzipFile
from typing import IO

MAX_RECORD_BYTES = 16 * 1024 * 1024  # one JSONL line, one JSON array element, one JSON string
CHUNK = 1 << 20
_BLANKS = re.compile(rb"(?:[ \t\f\v]*+\r?\n)++")  # a lone CR is a line end of its own


def bounded_lines(
    stream: IO[bytes] | GzipFile, limit: int = MAX_RECORD_BYTES, chunk: int = CHUNK
) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes with its newline) for each line that is not blank; None for a line
    longer than `limit` bytes, which is skipped. Blank lines are counted but not yielded.

    Lines end at LF, CRLF or a lone CR (old Mac exports, files joined with cat): a raw CR cannot
    occur inside a JSON value, and a CR-only file whose first line is long was one huge line."""
    lineno = 0
    parts: list[bytes] = []  # the current line so far (a line may span chunks)
    held = 0
    too_long = False
    after_cr = False  # the last chunk ended with a CR: an LF starting this one belongs to it
    # read1: what is there now (a pipe's lines as they come; a damaged gzip's lines up to the damage)
    read = getattr(stream, "read1", stream.read)
    while True:
        data = read(chunk)
        if not data:
            break
        start = 1 if after_cr and data.startswith(b"\n") else 0
        after_cr = False
        size = len(data)
        while start < size:
            if not parts and not too_long:
                m = _BLANKS.match(data, start)
                if m and m.end() > start:
                    lineno += data.count(b"\n", start, m.end())
                    start = m.end()
                    continue
            nl = data.find(b"\n", start)
            cr = data.find(b"\r", start, size if nl < 0 else nl)
            if cr >= 0 and cr + 1 != nl:  # a lone CR ends the line (CRLF is left to the LF)
                nl = cr
                after_cr = cr + 1 == size
            end = size if nl < 0 else nl + 1
            if not too_long:
                if held + (end - start) > limit:
                    too_long, parts, held = True, [], 0
                else:
                    parts.append(data[start:end])
                    held += end - start
            start = end
            if nl >= 0:
                lineno += 1
                if too_long:
                    yield lineno, None
                else:
                    yield lineno, b"".join(parts)
                parts, held, too_long = [], 0, False
    if parts or too_long:
        lineno += 1
        yield lineno, None if too_long else b"".join(parts)
