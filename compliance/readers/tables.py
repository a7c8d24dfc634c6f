"""CSV as people actually save it: any delimiter, a BOM, Excel's encodings, huge cells.

Encoding, decided per file:
- a UTF-8 or UTF-16 byte-order mark wins (Excel's "Unicode text" is UTF-16, tab-separated);
- a file that is valid UTF-8 is UTF-8;
- a file with invalid bytes but also real multi-byte UTF-8 characters is UTF-8 with some
  damaged rows: each damaged row becomes an error record naming the row and column;
- a file with bytes above 0x7F and no multi-byte UTF-8 at all is a legacy 8-bit file
  (Excel on Windows saving "CSV"): it is decoded as Windows-1252, and a note says so.
Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from compliance.readers.sources import Entry

# A caption is at most 50,000 characters; leave room for odd exports, but stay bounded.
FIELD_LIMIT = 16 * 1024 * 1024
if csv.field_size_limit() < FIELD_LIMIT:
    csv.field_size_limit(FIELD_LIMIT)

DELIMITERS = ",;\t|"
_ESCAPED = re.compile(r"[\udc80-\udcff]")
_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xef][\x80-\xbf]{2}"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
)


def normalise_header(name: str) -> str:
    """`Post_ID`, ` post-id ` and `POST ID` all become `post id`."""
    return " ".join(re.sub(r"[_\-]+", " ", name).casefold().split())


def encoding_of(entry: Entry) -> str:
    """The codec name to read this file with (see module docstring)."""
    with entry.open() as stream:
        head = stream.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if len(head) == 4 and head[0] and not head[1] and head[2] and not head[3]:
            return "utf-16-le"  # Excel's "Unicode text" saved without its byte-order mark
        if len(head) == 4 and not head[0] and head[1] and not head[2] and head[3]:
            return "utf-16-be"
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        chunk, tail, saw_multibyte, invalid = head, b"", False, False
        while chunk:
            data = tail + chunk
            saw_multibyte = saw_multibyte or bool(_MULTIBYTE.search(data))
            if not invalid:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    invalid = True
            if invalid and saw_multibyte:
                return "utf-8"
            tail = data[-3:]
            chunk = stream.read(1 << 20)
        if not invalid:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                invalid = True
        return "cp1252" if invalid and not saw_multibyte else "utf-8"


def bad_bytes(fields: list[str]) -> tuple[int, int] | None:
    """(column index, byte) of the first undecodable byte in a row, if any."""
    if not _ESCAPED.search("".join(fields)):
        return None
    for col, value in enumerate(fields):
        m = _ESCAPED.search(value)
        if m:
            return col, ord(m.group()) - 0xDC00
    return None


@dataclass
class Table:
    header: list[str]
    delimiter: str
    encoding: str


def _first_record(sample: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), [])  # CR-only too
    except csv.Error:
        return []


def choose_delimiter(sample: str, known: set[str], name: str = "") -> str:
    """csv.Sniffer's guess if the header it gives makes sense, else the best header split.

    The best split is the one whose header has the most column names we recognise, then
    the most columns; a file with one column falls back to a comma.
    """
    if name.lower().endswith((".tsv", ".tab")):
        return "\t"

    def score(d: str) -> tuple[int, int]:
        cols = [normalise_header(c) for c in _first_record(sample, d)]
        return sum(c in known for c in cols), len(cols)

    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    best = max(DELIMITERS, key=lambda d: (score(d), d == ","))
    if sniffed and score(sniffed)[1] > 1 and score(sniffed) >= score(best):
        return sniffed
    return best if score(best)[1] > 1 else ","


def open_table(entry: Entry, known: set[str]) -> Table | None:
    """The header, delimiter and encoding of a CSV file, or None if it has no header row."""
    encoding = encoding_of(entry)
    sample = _decode_sample(entry, encoding)
    if not sample.strip():
        return None
    delimiter = choose_delimiter(sample, known, entry.inner_name)
    header = [h.strip() for h in _first_record(sample, delimiter)]
    if not any(header):
        return None
    return Table(header, delimiter, encoding)


def _decode_sample(entry: Entry, encoding: str) -> str:
    raw = entry.head(256 * 1024)
    text = raw.decode(encoding, errors="replace")
    cut = max(text.rfind("\n"), text.rfind("\r"))
    return text[: cut + 1] if cut > 0 else text


class _Lines:
    """Physical lines for csv.reader, remembering those of the record being read so a bad
    record can be cut off at its first line and what follows it read again."""

    def __init__(self, text: io.TextIOBase) -> None:
        self._text = text
        self._pending: deque[str] = deque()
        self.taken: list[str] = []
        self.eof = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._pending:
            line = self._pending.popleft()
        else:
            line = self._text.readline()
            if not line:
                self.eof = True
                raise StopIteration
        self.taken.append(line)
        return line

    def replay(self, lines: list[str]) -> None:
        self._pending.extendleft(reversed(lines))
        if lines:
            self.eof = False


# csv's strict mode: a quoted cell's closing quote followed by something other than the
# delimiter or the line's end (how a stray quote shows when a later row's quote closes it).
_QUOTE_CLOSED_BADLY = "expected after '\"'"
_QUOTE_AT_EOF = "unexpected end of data"  # strict mode: the file ends inside a quoted cell


def _odd_quotes(lines: list[str]) -> bool:
    return sum(line.count('"') for line in lines) % 2 == 1


def rows(entry: Entry, table: Table) -> Iterator[tuple[int, list[str] | str]]:
    """(row number, fields) for each data row, or (row number, error message).

    A bad row costs that row only: a quote never closed (csv would swallow every later row
    into one cell) or a cell over FIELD_LIMIT becomes an error, and reading resumes on the
    next line (after the closing quote of an over-long quoted cell).
    """
    errors = "replace" if encoding_is_utf16(table.encoding) else "surrogateescape"
    with entry.open() as raw:
        text = io.TextIOWrapper(raw, encoding=table.encoding, errors=errors, newline="")
        lines = _Lines(text)
        reader = csv.reader(lines, delimiter=table.delimiter, strict=True)
        row = 0
        while True:
            row += 1
            lines.taken = []
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                reader = csv.reader(lines, delimiter=table.delimiter, strict=True)
                if _QUOTE_CLOSED_BADLY in str(exc) or _QUOTE_AT_EOF in str(exc):
                    if len(lines.taken) > 1:
                        # A stray quote opened a cell that a later row's quote "closed": that row
                        # is bad, the lines after its first are rows again (csv would have read
                        # them all into one cell).
                        lines.replay(lines.taken[1:])
                        if row > 1:
                            yield row, f"row {row}: a quote opened in this row is never closed"
                        continue
                    # One sloppy line (`"a"b`): read leniently, as csv always did.
                    fields = next(csv.reader(lines.taken, delimiter=table.delimiter), [])
                    if row > 1:
                        yield row, fields
                    continue
                if _odd_quotes(lines.taken):  # stopped inside a quoted cell: skip to its closing quote
                    for line in lines:
                        lines.taken.clear()
                        if line.count('"') % 2:
                            break
                reader = csv.reader(lines, delimiter=table.delimiter, strict=True)
                if row > 1:
                    yield row, f"row {row}: cannot be read as CSV ({exc})"
                continue
            if lines.eof and len(lines.taken) > 1 and _odd_quotes(lines.taken):
                lines.replay(lines.taken[1:])
                reader = csv.reader(lines, delimiter=table.delimiter, strict=True)
                if row > 1:
                    yield row, f"row {row}: a quote opened in this row is never closed"
                continue
            if row == 1:
                continue
            yield row, fields


def encoding_is_utf16(encoding: str) -> bool:
    return encoding.startswith("utf-16")
