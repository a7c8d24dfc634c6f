"""`compliance fetch`: download creators' posts from the platforms into the JSONL `scan` reads.

Each platform module offers a `Source` with `key` (platform:creator) and `pages(cursor, floor)`,
which yields `Page`s: the posts of one API page (in the JSONL contract, the platform's own paid
flag as `paid_partnership`) and an opaque cursor to the next page (None on the last). The driver
here stores every page with its cursor in the fetch state, so a stopped fetch resumes where it
was; `floor` is the oldest publication date wanted: `--since` when given (so a window can be
re-read to catch edited captions), else the newest post already fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from compliance.fetch.http import FetchError


class QuotaExhausted(FetchError):
    """The platform says the quota (or rate limit) for this key is spent; retrying now is useless."""


class NoAccess(FetchError):
    """The platform refuses this key or token, or the user has no access to the API."""


@dataclass
class Page:
    records: list[dict[str, Any]]
    next_cursor: str | None
    warnings: list[str] = field(default_factory=list)


class Source(Protocol):
    key: str

    def pages(self, cursor: str | None, floor: str | None) -> Iterator[Page]: ...


@dataclass
class CreatorResult:
    key: str
    stored: int = 0
    pages: int = 0
    resumed: bool = False
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


def fetch_creator(
    source: Source,
    state,
    since: str | None,
    max_pages: int | None = None,
    on_page: Callable[[str, Page], None] | None = None,
) -> CreatorResult:
    """Fetch one creator into the state; raises FetchError subclasses after storing what it got."""
    info = state.creator(source.key)
    result = CreatorResult(source.key)
    if info["cursor"] is not None:  # a stopped fetch: go on from its next page, down to its floor
        cursor, floor = info["cursor"], info["cursor_floor"]
        result.resumed = True
    else:
        cursor, floor = None, since or info["newest"]  # --since re-reads its window (edited captions)
    for page in source.pages(cursor, floor):
        result.stored += state.store_page(source.key, page.records, page.next_cursor, floor)
        result.pages += 1
        result.warnings.extend(page.warnings)
        if on_page is not None:
            on_page(source.key, page)
        if page.next_cursor is None:
            break
        if max_pages is not None and result.pages >= max_pages:
            return result  # the cursor stays: the next run continues from here
    state.finish_creator(source.key)
    return result
