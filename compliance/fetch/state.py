"""What `compliance fetch` has already fetched: the posts, each creator's newest post, and the
page a fetch that was stopped had reached.

SQLite in WAL mode, one transaction per page: a page's posts and the cursor to the next page
are stored together, so a fetch killed at any moment resumes at the first page it had not
stored, and a post fetched twice replaces itself (posts are keyed by platform and id). The
output JSONL is written from here, whole, in one atomic rename, so it never holds a duplicate
or a half-written line. No key or token is ever stored.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS posts (
    platform TEXT NOT NULL, id TEXT NOT NULL, creator TEXT NOT NULL, posted_at TEXT,
    record TEXT NOT NULL, PRIMARY KEY (platform, id)
);
CREATE TABLE IF NOT EXISTS creators (
    creator TEXT PRIMARY KEY, newest TEXT, cursor TEXT, cursor_floor TEXT
);
"""
SCHEMA_VERSION = "1"


class FetchStateError(Exception):
    pass


class FetchState:
    def __init__(self, path: str | None):
        self.path = path or ":memory:"
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            if path:
                self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.executescript(SCHEMA)
            row = self.conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row is None:
                self.conn.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            elif row[0] != SCHEMA_VERSION:
                raise FetchStateError(f"{path}: fetch state schema {row[0]} is not {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise FetchStateError(f"{path}: cannot use as a fetch state file: {exc}") from None

    def creator(self, key: str) -> dict[str, str | None]:
        """newest: the newest posted_at stored for this creator by a complete fetch; cursor: where
        a stopped fetch was, with the floor (oldest date wanted) it was fetching down to."""
        row = self.conn.execute("SELECT newest, cursor, cursor_floor FROM creators WHERE creator=?", (key,)).fetchone()
        if row is None:
            return {"newest": None, "cursor": None, "cursor_floor": None}
        return {"newest": row[0], "cursor": row[1], "cursor_floor": row[2]}

    def store_page(
        self, key: str, records: Iterable[dict[str, Any]], next_cursor: str | None, floor: str | None
    ) -> int:
        """Store one page's posts and the cursor to the next page in one transaction."""
        rows = [
            (r["platform"], str(r["id"]), key, r.get("posted_at"), json.dumps(r, ensure_ascii=False, sort_keys=True))
            for r in records
        ]
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT OR REPLACE INTO posts VALUES (?, ?, ?, ?, ?)", rows)
            conn.execute(
                "INSERT INTO creators (creator, cursor, cursor_floor) VALUES (?, ?, ?) "
                "ON CONFLICT(creator) DO UPDATE SET cursor=excluded.cursor, "
                "cursor_floor=excluded.cursor_floor",
                (key, next_cursor, floor),
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # Ctrl-C can land before BEGIN took effect or after COMMIT did
                conn.execute("ROLLBACK")
            raise
        return len(rows)

    def finish_creator(self, key: str) -> None:
        """A complete fetch: forget the cursor, remember the newest post for the next --since."""
        newest = self.conn.execute("SELECT max(posted_at) FROM posts WHERE creator=?", (key,)).fetchone()[0]
        self.conn.execute(
            "INSERT INTO creators (creator, newest) VALUES (?, ?) ON CONFLICT(creator) DO UPDATE "
            "SET newest=excluded.newest, cursor=NULL, cursor_floor=NULL",
            (key, newest),
        )

    def known(self, platform: str, post_id: str) -> bool:
        return (
            self.conn.execute("SELECT 1 FROM posts WHERE platform=? AND id=?", (platform, post_id)).fetchone()
            is not None
        )

    def records(self, creators: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Stored posts (of these creators), ordered by creator, date and id: a stable output."""
        query = "SELECT creator, record FROM posts ORDER BY creator, posted_at, id"
        wanted = set(creators) if creators is not None else None
        return [json.loads(rec) for creator, rec in self.conn.execute(query) if wanted is None or creator in wanted]

    def close(self) -> None:
        self.conn.close()


def write_jsonl(path: str, records: Iterable[dict[str, Any]]) -> int:
    """Write all records to `path` atomically (a temporary file renamed over it); `-` is stdout."""
    lines = [json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records]
    if path == "-":
        import sys

        sys.stdout.write("".join(lines))
        sys.stdout.flush()
        return len(lines)
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=str(target.parent or "."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.writelines(lines)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return len(lines)
