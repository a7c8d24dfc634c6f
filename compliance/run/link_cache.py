"""Resolved short links kept in the `--state` SQLite file, so a re-run asks the network nothing twice.

A table of its own (`resolved_links`) beside the scan state's tables; the scan state never
reads it. The fetch time is kept for people who look at the file, never put in a report.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from compliance.run.state import StateError, check_ours

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resolved_links (
    url TEXT PRIMARY KEY,
    final TEXT,
    chain TEXT NOT NULL,
    status TEXT NOT NULL,
    code INTEGER,
    fetched TEXT NOT NULL
);
"""


class LinkCache:
    def __init__(self, path: str):
        try:
            self.conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
            check_ours(self.conn, path)  # a SQLite file that is not our state is never written to
            self.conn.executescript(_SCHEMA)
        except StateError as exc:
            self.conn.close()
            raise LinkCacheError(str(exc)) from None
        except sqlite3.DatabaseError as exc:
            raise LinkCacheError(f"--state {path}: cannot keep resolved links there: {exc}") from None

    def get_many(self, urls: list[str]) -> dict[str, dict[str, Any]]:
        """url -> {url, chain, status, final?, code?} for the URLs the table knows."""
        out = {}
        for i in range(0, len(urls), 500):
            part = urls[i : i + 500]
            marks = ",".join("?" * len(part))
            rows = self.conn.execute(
                f"SELECT url, final, chain, status, code FROM resolved_links WHERE url IN ({marks})", part
            )
            for url, final, chain, status, code in rows:
                row = {"url": url, "chain": json.loads(chain), "status": status}
                if final is not None:
                    row["final"] = final
                if code is not None:
                    row["code"] = code
                out[url] = row
        return out

    def put_many(self, results: Iterable[dict[str, Any]]) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.conn:
            self.conn.executemany(
                "INSERT OR REPLACE INTO resolved_links (url, final, chain, status, code, fetched) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (r["url"], r.get("final"), json.dumps(list(r["chain"])), r["status"], r.get("code"), now)
                    for r in results
                ],
            )

    def close(self) -> None:
        self.conn.close()


class LinkCacheError(Exception):
    """The state file cannot hold the resolved-links table."""
