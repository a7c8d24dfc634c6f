"""CSV exports from influencer platforms, Meta Business Suite and spreadsheets.

Columns are found by their usual names (matched ignoring case, spaces, `_` and `-`), or
named with --id-column / --caption-column / --author-column. Meta Business Suite's
"Post ID / Description / Publish time / Permalink" is read as id / caption / posted_at /
permalink. A row with no id gets one from its row number ("row-7"). Columns we do not
map are kept, by their header, in the post's metadata.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterator

from compliance.model import InputError
from compliance.readers.base import ReadOptions, Record
from compliance.readers.post_fields import post_from_object
from compliance.readers.sources import Entry
from compliance.readers.tables import Table, bad_bytes, normalise_header, rows

# First match wins, so the more specific names come first.
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "post id", "postid", "media id", "content id", "item id", "tweet id",
           "video id", "post number"),
    "caption": ("caption", "post caption", "captions", "text", "post text", "full text",
                "description", "message", "body", "content", "post content", "copy"),
    "author": ("author", "username", "user name", "account username", "creator", "creator handle",
               "handle", "influencer", "account", "account name", "page name", "screen name", "user"),
    "platform": ("platform", "network", "social network"),
    "posted_at": ("posted at", "posted", "publish time", "published at", "published", "publish date",
                  "date posted", "post date", "created at", "created time", "created", "date",
                  "timestamp", "time"),
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
    explicit = {"id": options.id_column, "caption": options.caption_column,
                "author": options.author_column}
    for fld, wanted in explicit.items():
        if wanted:
            key = normalise_header(wanted)
            if key not in normal:
                return (f"no column named {wanted!r} for --{fld}-column "
                        f"(columns: {', '.join(repr(h) for h in header)})")
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
        return ("no caption column (looked for " + ", ".join(ALIASES["caption"][:6])
                + " ...; columns: " + ", ".join(repr(h) for h in header[:12])
                + "); name it with --caption-column")
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
        options.note(f"{entry.source().where()}: not UTF-8; read as Windows-1252 (Excel's "
                     "legacy CSV). Save as \"CSV UTF-8\" to be sure of accents and emoji")
    idx = columns.index
    mapped = set(idx.values())
    for row, fields in rows(entry, table):
        source = entry.source(row=row)
        if isinstance(fields, str):
            yield InputError(source, f"{fields}; the rest of this file cannot be read")
            return
        if not any(f.strip() for f in fields):
            continue
        broken = bad_bytes(fields)
        if broken:
            col, byte = broken
            name = table.header[col] if col < len(table.header) else f"column {col + 1}"
            codec = "Windows-1252" if table.encoding == "cp1252" else "UTF-8"
            yield InputError(source, f"row {row}: not valid {codec} (byte 0x{byte:02x} in "
                             f"column {name!r}); re-export the file as UTF-8")
            continue

        def cell(fld: str) -> str | None:
            at = idx.get(fld)
            return fields[at] if at is not None and at < len(fields) else None

        obj = {"id": (cell("id") or "").strip() or None, "caption": cell("caption") or "",
               "author": (cell("author") or "").strip() or None,
               "posted_at": (cell("posted_at") or "").strip() or None}
        platform = (cell("platform") or "").strip()
        if platform:
            obj["platform"] = platform
        if cell("paid_partnership") is not None:
            obj["paid_partnership"] = _bool(cell("paid_partnership"))
        if cell("brands"):
            obj["brands"] = [b.strip() for b in _BRAND_SPLIT.split(cell("brands")) if b.strip()]
        record = post_from_object(obj, source, options.default_platform, fallback_id=f"row-{row}")
        if isinstance(record, InputError):
            yield InputError(source, f"row {row}: {record.message}", record.id, record.caption,
                             record.platform, record.author)
            continue
        metadata = {}
        if cell("permalink"):
            metadata["permalink"] = cell("permalink").strip()
        for col, value in enumerate(fields):
            if col not in mapped and value.strip():
                key = table.header[col] if col < len(table.header) and table.header[col] else f"column {col + 1}"
                metadata.setdefault(key, value)
        yield replace(record, metadata=metadata) if metadata else record
