"""CSV exports from influencer platforms, Meta Business Suite and spreadsheets.

Columns are found by their usual names (matched ignoring case, spaces, `_` and `-`), or
named with --id-column / --caption-column / --author-column. Meta Business Suite's
"Post ID / Description / Publish time / Permalink" is read as id / caption / posted_at /
permalink. A row with no id gets one from its row number ("row-7"). Columns we do not
map are kept, by their header, in the post's metadata.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from compliance.model import InputError
from compliance.readers.base import ReadOptions, Record
from compliance.readers.post_fields import post_from_object
from compliance.readers.sources import Entry
from compliance.readers.tables import Table, bad_bytes, normalise_header, rows

# First match wins, so the more specific names come first.
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "post id", "postid", "media id", "content id", "item id", "tweet id", "video id", "post number"),
    "caption": (
        "caption",
        "post caption",
        "captions",
        "text",
        "post text",
        "full text",
        "description",
        "message",
        "body",
        "content",
        "post content",
        "copy",
    ),
    "author": (
        "author",
        "username",
        "user name",
        "account username",
        "creator",
        "creator handle",
        "handle",
        "influencer",
        "account",
        "account name",
        "page name",
        "screen name",
        "user",
    ),
    "platform": ("platform", "network", "social network"),
    "posted_at": (
        "posted at",
        "posted",
        "publish time",
        "published at",
        "published",
        "publish date",
        "date posted",
        "post date",
        "created at",
        "created time",
        "created",
        "date",
        "timestamp",
        "time",
    ),
    "paid_partnership": ("paid partnership", "paid partnership label", "branded content"),
    "brands": ("brands", "brand", "campaign brands"),
    "permalink": ("permalink", "post url", "post link", "url", "link"),
}
KNOWN = {name for names in ALIASES.values() for name in names}
_TRUE = {"true", "yes", "y", "1", "x", "on"}
_FALSE = {"false", "no", "n", "0", "", "off"}
_BRAND_SPLIT = re.compile(r"[;,|]")


@dataclass(frozen=True)
class Columns:
    """Field name -> column index in the header."""

    index: dict[str, int]


def columns_for(header: list[str], options: ReadOptions) -> Columns | str:
    """Which column holds which field; a message if the caption column is missing."""
    normal = [normalise_header(h) for h in header]
    found: dict[str, int] = {}
    explicit = {"id": options.id_column, "caption": options.caption_column, "author": options.author_column}
    for fld, wanted in explicit.items():
        if wanted:
            key = normalise_header(wanted)
            if key not in normal:
                return f"no column named {wanted!r} for --{fld}-column (columns: {', '.join(repr(h) for h in header)})"
            found[fld] = normal.index(key)
    taken = set(found.values())
    for fld, names in ALIASES.items():
        if fld in found:
            continue
        for name in names:
            if name in normal and normal.index(name) not in taken:
                found[fld] = normal.index(name)
                taken.add(found[fld])
                break
    if "caption" not in found:
        return (
            "no caption column (looked for "
            + ", ".join(ALIASES["caption"][:6])
            + " ...; columns: "
            + ", ".join(repr(h) for h in header[:12])
            + "); name it with --caption-column"
        )
    return Columns(found)


def _bool(value: str):
    text = value.strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return value  # left as text: post_fields reports it as an error for this row


def read(entry: Entry, options: ReadOptions, table: Table, columns: Columns) -> Iterator[Record]:
    if table.encoding == "cp1252":
        options.note(
            f"{entry.source().where()}: not UTF-8; read as Windows-1252 (Excel's "
            'legacy CSV). Save as "CSV UTF-8" to be sure of accents and emoji'
        )
    codec = "Windows-1252" if table.encoding == "cp1252" else "UTF-8"
    header = [h or f"column {i + 1}" for i, h in enumerate(table.header)]
    extra = [i for i in range(len(header)) if i not in set(columns.index.values())]
    for row, fields in rows(entry, table):
        source = entry.source(row=row)
        if isinstance(fields, str):
            yield InputError(source, fields)
            continue
        if not "".join(fields).strip():
            continue
        broken = bad_bytes(fields)
        if broken:
            col, byte = broken
            name = header[col] if col < len(header) else f"column {col + 1}"
            yield InputError(
                source,
                f"row {row}: not valid {codec} (byte 0x{byte:02x} in column {name!r}); re-export the file as UTF-8",
            )
            continue
        yield _record(fields, row, source, columns.index, header, extra, options)


def _record(
    fields: list[str], row: int, source, idx: dict[str, int], header: list[str], extra: list[int], options: ReadOptions
) -> Record:
    cells = {fld: fields[at] for fld, at in idx.items() if at < len(fields)}
    obj: dict[str, Any] = {
        "id": cells.get("id", "").strip() or None,
        "caption": cells.get("caption", ""),
        "author": cells.get("author", "").strip() or None,
        "posted_at": cells.get("posted_at", "").strip() or None,
    }
    if cells.get("platform", "").strip():
        obj["platform"] = cells["platform"]
    if "paid_partnership" in cells:
        obj["paid_partnership"] = _bool(cells["paid_partnership"])
    if cells.get("brands", "").strip():
        obj["brands"] = [b.strip() for b in _BRAND_SPLIT.split(cells["brands"]) if b.strip()]
    record = post_from_object(obj, source, options.default_platform, fallback_id=f"row-{row}")
    if isinstance(record, InputError):
        return InputError(
            source, f"row {row}: {record.message}", record.id, record.caption, record.platform, record.author
        )
    metadata = {}
    if cells.get("permalink", "").strip():
        metadata["permalink"] = cells["permalink"].strip()
    for col in extra:
        if col < len(fields) and fields[col].strip():
            metadata.setdefault(header[col], fields[col])
    for col in range(len(header), len(fields)):
        if fields[col].strip():
            metadata.setdefault(f"column {col + 1}", fields[col])
    return replace(record, metadata=metadata) if metadata else record
