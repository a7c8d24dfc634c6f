"""YouTube Takeout: "YouTube and YouTube Music/video metadata/videos.csv".

One row per video: Video ID, Video Title (Original), Video Description (Original) and
timestamps (header case varies between exports, so names are matched ignoring case).
The caption is the description, since that is where creators put "includes paid
promotion" and affiliate links; the title goes to metadata["title"]. A video listed more
than once keeps its newest row (by update, then publish, then create timestamp; a later
row wins a tie), at the position where the video first appears.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from urllib.parse import quote

from compliance.model import InputError
from compliance.readers.base import ReadOptions, Record
from compliance.readers.post_fields import platform_post
from compliance.readers.sources import Entry
from compliance.readers.tables import Table, bad_bytes, normalise_header, rows

ID = ("video id",)
TITLE = ("video title (original)", "video title", "title")
DESCRIPTION = ("video description (original)", "video description", "description")
PUBLISHED = ("video publish timestamp", "video publish time", "publish timestamp")
CREATED = ("video create timestamp", "video create time", "create timestamp")
UPDATED = ("video update timestamp", "video update time")
KNOWN = set(ID + TITLE + DESCRIPTION + PUBLISHED + CREATED + UPDATED)


def is_videos_csv(header: list[str]) -> bool:
    normal = {normalise_header(h) for h in header}
    return "video id" in normal and ("video description (original)" in normal or "video title (original)" in normal)


def _column(normal: list[str], names: tuple[str, ...]) -> int | None:
    return next((normal.index(n) for n in names if n in normal), None)


def _iso(value: str | None) -> str | None:
    """Takeout writes `2023-05-01T12:00:00+00:00`; the report uses `...Z` for UTC."""
    if not value:
        return None
    value = value.strip()
    return value[:-6] + "Z" if value.endswith("+00:00") else value or None


def read(entry: Entry, options: ReadOptions, table: Table) -> Iterator[Record]:
    """Two passes over the file, so memory holds ids and timestamps, not every description:
    the first picks each video's newest row, the second yields the chosen rows in the order
    the videos first appear (a chosen row that comes later is held until its turn)."""
    normal = [normalise_header(h) for h in table.header]
    at = {
        name: _column(normal, names)
        for name, names in (
            ("id", ID),
            ("title", TITLE),
            ("description", DESCRIPTION),
            ("published", PUBLISHED),
            ("created", CREATED),
            ("updated", UPDATED),
        )
    }
    chosen: dict[str, tuple[tuple, int]] = {}  # video id -> (age key, row)
    order: deque[str | InputError] = deque()
    for row, fields in rows(entry, table):
        problem = _problem(entry, table, row, fields, at)
        if problem is None:
            continue
        if isinstance(problem, InputError):
            order.append(problem)
            continue
        vid, age = problem
        if vid not in chosen:
            order.append(vid)
        if vid not in chosen or age >= chosen[vid][0]:
            chosen[vid] = (age, row)
    ready: dict[str, tuple[int, list[str]]] = {}
    if not any(isinstance(item, str) for item in order):
        yield from (item for item in order if isinstance(item, InputError))  # only error records: one pass
        return
    for row, fields in rows(entry, table):
        if not isinstance(fields, str):
            vid = _cell(fields, at, "id").strip()
            if vid in chosen and chosen[vid][1] == row:
                ready[vid] = (row, fields)
        while order and (not isinstance(order[0], str) or order[0] in ready):
            item = order.popleft()
            if isinstance(item, str):
                yield _post(entry, *ready.pop(item), at, item)
            else:
                yield item
    # Nothing is left unless the file changed between the passes; a video whose row went missing
    # then is not invented, its error records are kept.
    yield from (item for item in order if isinstance(item, InputError))


def _cell(fields: list[str], at: dict, name: str) -> str:
    i = at[name]
    return fields[i] if i is not None and i < len(fields) else ""


def _problem(entry: Entry, table: Table, row: int, fields: list[str] | str, at: dict):
    """None for a blank row, an InputError for a bad one, else (video id, age key)."""
    source = entry.source(row=row)
    if isinstance(fields, str):
        return InputError(source, fields, platform="youtube")
    if not any(f.strip() for f in fields):
        return None
    broken = bad_bytes(fields)
    if broken:
        col, byte = broken
        name = repr(table.header[col]) if col < len(table.header) else str(col + 1)  # a row longer than the header
        return InputError(
            source, f"row {row}: not valid UTF-8 (byte 0x{byte:02x} in column {name})", platform="youtube"
        )
    vid = _cell(fields, at, "id").strip()
    if not vid:
        return InputError(source, f"row {row}: no Video ID", platform="youtube")
    return vid, (_cell(fields, at, "updated"), _cell(fields, at, "published"), _cell(fields, at, "created"))


def _post(entry: Entry, row: int, fields: list[str], at: dict, vid: str) -> Record:
    def cell(name: str) -> str:
        i = at[name]
        return fields[i] if i is not None and i < len(fields) else ""

    metadata = {"title": cell("title"), "link": "https://www.youtube.com/watch?v=" + quote(vid, safe="")}
    return platform_post(
        entry.source(row=row),
        id=vid,
        caption=cell("description"),
        platform="youtube",
        posted_at=_iso(cell("published") or cell("created")),
        metadata=metadata,
    )
