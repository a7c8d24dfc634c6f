"""Incremental scans: a SQLite file remembers each post's result so a re-run judges only changes.

A post is remembered by its id, a hash of everything judging reads (caption, platform,
brands, paid_partnership, metadata, author, posted_at) and a fingerprint of the run's
configuration (tool version, rule sets' full content, jurisdictions, select/ignore, campaign
brands). A stored result is reused only when both match, so a changed rule re-judges all.

Each chunk is one transaction (WAL journal): a run killed at any point leaves whole chunks,
and the next run reuses them, with no post lost or doubled. Every run adds one history row
per post (its status per jurisdiction); `resolved` compares a run with the last complete run,
`trend` and `post_history` expose the history to reports.

Posts are keyed by id: two different posts sharing an id are both reported correctly, but
only the last one is remembered. Records without an id (input errors) are never stored.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import operator
import os
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import PurePath
from typing import Any

import orjson

from compliance import __version__
from compliance.analysis.affiliates import load_catalogue as load_affiliates
from compliance.analysis.discover import load_catalogue
from compliance.model import Post, Source
from compliance.reporters.encode import dumps_compact, nested_from_line
from compliance.reporters.streaming import PACK_ERRORS, Rendered, pack, post_texts, unpack, unpack_bytes
from compliance.run.chunks import Batch

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run INTEGER PRIMARY KEY AUTOINCREMENT,
    fingerprint TEXT NOT NULL,
    config TEXT NOT NULL,
    complete INTEGER NOT NULL DEFAULT 0,
    posts INTEGER NOT NULL DEFAULT 0,
    judged INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS posts (
    key TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    hash TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    run INTEGER NOT NULL,
    source TEXT NOT NULL,
    statuses TEXT NOT NULL,
    result BLOB NOT NULL,
    block BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
    key TEXT NOT NULL,
    run INTEGER NOT NULL,
    statuses TEXT NOT NULL,
    PRIMARY KEY (key, run)
) WITHOUT ROWID;
-- the rows of one run: `resolved` and `trend` here, and `compliance serve --state`
-- (compliance/web/dashboard_data.py), which counts each run's statuses through it
CREATE INDEX IF NOT EXISTS history_by_run ON history (run);
"""
# 3: a post's report block is no longer stored (`block` is empty): it is derived from its JSONL line
# (`result`), which halves what is compressed and written. A schema-2 file (blocks stored) is read
# as it is, its stored blocks used, and marked 3 when a scan opens it: older versions then refuse
# it by its schema instead of failing on an empty block.
SCHEMA_VERSION = "3"
READABLE_SCHEMAS = ("2", "3")
_LOOKUP_BATCH = 500
PAGE_SIZE = 16384  # bytes, for new state files (see `connect`)


class StateError(Exception):
    """The state file cannot be used (not SQLite, newer schema, locked): a usage problem."""


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


# Dataclass fields that say where a rule was read from, not what it says: the fingerprint leaves
# them out, so the same rules from another checkout, virtualenv or folder reuse stored results
# (no report holds them; the rules' content is all in the other fields).
_LOCATION_FIELDS = frozenset({"file"})


def canonical(obj: Any) -> Any:
    """Plain, ordered JSON data for any rule-set value (sets sorted, dataclasses as dicts; where
    a rule was read from left out)."""
    if type(obj) in _PLAIN_TYPES:  # most values: answered before the slower checks below
        return obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {
            f.name: canonical(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.name not in _LOCATION_FIELDS
        }
    if isinstance(obj, Mapping):
        return {str(k): canonical(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, (set, frozenset)):
        return sorted((canonical(v) for v in obj), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(obj, (list, tuple)):
        return [canonical(v) for v in obj]
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, PurePath):
        return obj.name
    pattern = getattr(obj, "pattern", None)
    if isinstance(pattern, str):
        return {"pattern": pattern, "flags": getattr(obj, "flags", 0)}
    return repr(obj)


def fingerprint(scanner) -> tuple[str, dict[str, Any]]:
    """What a stored result depends on besides the post itself."""
    config: dict[str, Any] = {
        "tool": __version__,
        "jurisdictions": list(scanner.jurisdictions),
        "versions": {code: meta.get("version") for code, meta in scanner.ruleset_meta().items()},
        "select": list(scanner.settings.select),
        "ignore": list(scanner.settings.ignore),
        "brands": list(scanner.settings.brands),  # the campaign's (the analyser is not built for this)
    }
    parts = [
        config,
        canonical(scanner.rulesets),
        canonical(scanner.rules),
        sorted(scanner.settings.severity.items()),
        sorted(w.to_dict() for w in scanner.settings.exceptions),
    ]
    if scanner.settings.discover:  # --discover results depend on the cue catalogue
        config["discover"] = True
        parts.append(load_catalogue().canonical())
    affiliates = load_affiliates()  # the affiliate catalogue judges links too (the analyser's own)
    parts.append(canonical([affiliates.programmes, affiliates.shorteners, affiliates.cues, affiliates.cue_window]))
    content = json.dumps(parts, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(content.encode("utf-8")).hexdigest(), config


def input_key(inputs: list[str]) -> list[str]:
    """The run's inputs as absolute paths, sorted: the same files from any folder."""
    return sorted(name if name == "-" else os.path.abspath(name) for name in inputs)


_HASH_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS
_TEXT_OR_NONE = frozenset({str, type(None)})


def post_hash(post: Post) -> str:
    """A hash of everything judging reads. The compact JSON text (orjson where it writes json's
    exact bytes) costs a quarter of `json.dumps` with its default separators, which an unchanged
    re-run paid for every post; a value JSON cannot hold is written as its `str`, as before.

    The usual post (texts, a flag, brand names, no metadata) is handed to orjson as it is: those
    types it writes as json does (a str subclass it refuses), so the walk `dumps_compact` makes
    first is left out, and the bytes are hashed as orjson gives them (1.6 -> 0.7 us a post)."""
    brands = list(post.brands)
    data = [post.caption, post.platform, post.author, post.posted_at, post.paid_partnership, brands, post.metadata]
    if (
        not post.metadata
        and type(post.metadata) is dict
        and type(post.paid_partnership) is bool
        and all(type(v) in _TEXT_OR_NONE for v in data[:4])
        and all(type(b) is str for b in brands)
    ):
        try:
            return hashlib.sha256(orjson.dumps(data, option=_HASH_OPTIONS)).hexdigest()
        except orjson.JSONEncodeError:  # a lone surrogate: json writes it, as below
            pass
    try:
        text = dumps_compact(data)
    except (TypeError, ValueError):
        text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


_STATUSES_TEXT: dict[tuple, str] = {}


def _statuses(post: Mapping[str, Any]) -> str:
    """The post's status per jurisdiction as the history keeps it (compact JSON, sorted). Posts
    share a few combinations, so each text is made once (a json.dumps a post was 3 us)."""
    verdicts = post["verdicts"]
    key = (*verdicts, *map(_status_of, verdicts.values()))  # jurisdictions, then their statuses
    text = _STATUSES_TEXT.get(key)
    if text is None:
        if len(_STATUSES_TEXT) >= 4096:
            _STATUSES_TEXT.clear()
        statuses = {j: v["status"] for j, v in verdicts.items()}
        text = _STATUSES_TEXT[key] = json.dumps(dict(sorted(statuses.items())), separators=(",", ":"))
    return text


_status_of = operator.itemgetter("status")


def _source_text(source: Mapping[str, Any]) -> str:
    """json.dumps(source, sort_keys=True, separators=(",", ":"), ensure_ascii=False), by orjson."""
    return dumps_compact(source)


def _stored_source_text(source: Mapping[str, Any]) -> str:
    """`_source_text` of a judged post's source; the usual one, a file and a line, from the file's
    part written once per file (as `_line_source_text` does for a record's source)."""
    if len(source) == 2 and type(source.get("line")) is int and type(source.get("file")) is str:
        return f"{_file_head(source['file'])}{source['line']}}}"
    return _source_text(source)


_LINE_SOURCE_HEAD: dict[str, str] = {}


def _parts(keys: list[str]) -> Iterator[list[str]]:
    """Keys in groups small enough for one `IN (...)` query."""
    for start in range(0, len(keys), _LOOKUP_BATCH):
        yield keys[start : start + _LOOKUP_BATCH]


def _marks(part: list[str]) -> str:
    return ",".join("?" * len(part))


def _line_source_text(source: Source) -> str:
    """`_source_text(source.to_dict())` for the usual source, a file and a line: the file's part
    is written once per file (a re-run compares every post's source with the stored one)."""
    line = source.line
    if source.member is not None or source.row is not None or source.index is not None or type(line) is not int:
        return _source_text(source.to_dict())
    return f"{_file_head(source.file)}{line}}}"


def _file_head(file: str) -> str:
    """The source text of a file's line up to the line number, made once per file."""
    head = _LINE_SOURCE_HEAD.get(file)
    if head is None:
        if len(_LINE_SOURCE_HEAD) > 1024:
            _LINE_SOURCE_HEAD.clear()
        head = _LINE_SOURCE_HEAD[file] = _source_text({"file": file, "line": 0})[: -len("0}")]
    return head


_STATUS_CACHE: dict[str, dict[str, str]] = {}


def _parsed_statuses(text: str) -> dict[str, str]:
    """A stored statuses text parsed (read-only: callers copy). Posts share a few combinations of
    statuses, so a re-run parses each once instead of once per post."""
    found = _STATUS_CACHE.get(text)
    if found is None:
        if len(_STATUS_CACHE) >= 4096:
            _STATUS_CACHE.clear()
        found = _STATUS_CACHE[text] = json.loads(text)
    return found


# Our tables and their columns: a file holding other tables, or ours with other columns, is not ours.
_COLUMNS = {
    "meta": ["key", "value"],
    "runs": ["run", "fingerprint", "config", "complete", "posts", "judged"],
    "posts": ["key", "id", "hash", "fingerprint", "run", "source", "statuses", "result", "block"],
    "history": ["key", "run", "statuses"],
    # --resolve-links keeps resolved short links beside the scan state (compliance/run/link_cache.py)
    "resolved_links": ["url", "final", "chain", "status", "code", "fetched"],
}


def check_ours(conn: sqlite3.Connection, path: str) -> None:
    """Refuse, before anything is written (tables, WAL), a SQLite file that is not a state file."""
    tables = {
        name
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
    }
    if not tables:
        return  # new or empty: ours to set up
    # Ours: the state's marker is there, or only the link cache has written so far (it runs first).
    ours = tables <= {"resolved_links"} or (
        "meta" in tables and conn.execute("SELECT 1 FROM meta WHERE key='schema'").fetchone() is not None
    )
    foreign = sorted(tables - set(_COLUMNS))
    if not ours or foreign:
        what = f"tables {', '.join(foreign or sorted(tables))}"
        raise StateError(
            f"{path}: not a compliance state file (it holds {what}); it was left unchanged: "
            "give --state a new file name"
        )
    for table, columns in _COLUMNS.items():
        found = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        if table in tables and found != columns:
            raise StateError(
                f"{path}: damaged state file: table {table} has columns {', '.join(found)}; "
                "it was left unchanged: delete it or give --state a new file name"
            )


def connect(path: str) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    except sqlite3.DatabaseError as exc:
        raise StateError(f"{path}: cannot use as a state file: {exc}") from None
    try:
        check_ours(conn, path)
        # A new file's pages are 16 KiB instead of 4: a post's row (its compressed line, ~1.7 kB) and
        # its history row fill far fewer pages, and each page costs a WAL frame, a checksum and a
        # copy at the checkpoint (bench/io_profile.py: 20,000 posts, SQLite's part 13.4 -> 9.0 us CPU
        # a post, 8.8 -> 6.3 when re-run; 200,000 posts in random id order 29.9 -> 21.4; the file a
        # quarter smaller). A file that already has tables keeps its page size (SQLite ignores this).
        conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        # Posts arrive in any id order, so each chunk's rows land all over the key indexes: a page
        # cache of 16 MiB instead of 2 keeps more of them (about 3 us a post less at 60,000 posts).
        conn.execute("PRAGMA cache_size=-16384")
        conn.executescript(SCHEMA)
        row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None:
            conn.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        elif row[0] not in READABLE_SCHEMAS:
            raise StateError(f"{path}: state schema {row[0]} is not the one this version uses ({SCHEMA_VERSION})")
        elif row[0] != SCHEMA_VERSION:  # an older file: its rows stay as they are (see SCHEMA_VERSION)
            conn.execute("UPDATE meta SET value=? WHERE key='schema'", (SCHEMA_VERSION,))
    except (sqlite3.DatabaseError, StateError) as exc:
        conn.close()
        if isinstance(exc, StateError):
            raise
        raise StateError(f"{path}: cannot use as a state file: {exc}") from None
    return conn


def _damaged(method, decoding: bool = False):
    """A damaged page (or, `decoding`, a bad blob or JSON) inside the state file, or a full disk, is a
    StateError (exit 2), never a traceback."""
    import functools

    if not decoding:

        @functools.wraps(method)
        def guarded_sql(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except sqlite3.DatabaseError as exc:
                raise _state_error(self.path, exc) from None

        return guarded_sql

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            raise _state_error(self.path, exc) from None
        except (*PACK_ERRORS, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StateError(
                f"{self.path}: damaged state file: {type(exc).__name__}: {exc}; delete it "
                "(or give --state a new name) to start afresh"
            ) from None

    return guarded


def _state_error(path: str, exc: Exception) -> StateError:
    if "full" in str(exc):
        return StateError(
            f"{path}: cannot write the state file, the disk is full ({exc}); the chunks "
            "already stored are kept: free space and run again to resume"
        )
    return StateError(f"{path}: damaged state file: {exc}; delete it (or give --state a new name) to start afresh")


def _damaged_reading(method):
    return _damaged(method, decoding=True)


class ScanState:
    """One run's view of the state file: look chunks up, store them, close the run."""

    @_damaged
    def __init__(self, path: str, scanner, inputs: list[str] | None = None, only_new: bool = False):
        self.path = path
        self.only_new = only_new  # posts unchanged since the last complete run will not be reported
        # Posts an accepted exception names: the summary counts the findings it set aside, which
        # the stored statuses do not hold, so their verdicts are read from the stored line.
        self.waived_ids = {w.post for w in scanner.settings.exceptions}
        self.conn = connect(path)
        self.fingerprint, config = fingerprint(scanner)
        if inputs is not None:  # kept with the run, not in the fingerprint: results stay shared
            config = {**config, "inputs": input_key(inputs)}
        self.previous: int | None = self._previous(config.get("inputs"))
        cur = self.conn.execute(
            "INSERT INTO runs (fingerprint, config) VALUES (?, ?)",
            (self.fingerprint, json.dumps(config, sort_keys=True)),
        )
        assert cur.lastrowid is not None  # set by the INSERT just above
        self.run: int = cur.lastrowid
        self.posts = 0
        self.judged = 0

    def _previous(self, inputs: list[str] | None) -> int | None:
        """The last complete run over the same inputs: what `resolved` and "new" compare with.
        A run over other inputs would make all of this run's absent posts look deleted."""
        if inputs is None:
            row = self.conn.execute("SELECT max(run) FROM runs WHERE complete=1").fetchone()
            return row[0]
        for run, config in self.conn.execute("SELECT run, config FROM runs WHERE complete=1 ORDER BY run DESC"):
            try:
                earlier = json.loads(config).get("inputs")
            except (ValueError, AttributeError):
                continue
            if earlier == inputs:
                return run
        return None

    # -- per chunk -------------------------------------------------------------------------------
    @_damaged_reading
    def lookup(self, records: list) -> Batch:
        keys: list[str | None] = []
        hashes: list[str | None] = []
        for record in records:
            if isinstance(record, Post) and record.id:
                keys.append(record.id)
                hashes.append(post_hash(record))
            else:
                keys.append(None)
                hashes.append(None)
        rows: dict[str, tuple] = {}
        wanted = sorted({k for k in keys if k is not None})
        for part in _parts(wanted):
            for row in self.conn.execute(
                f"SELECT key, hash, fingerprint, run, source, statuses FROM posts WHERE key IN ({_marks(part)})", part
            ):
                rows[row[0]] = row[1:]
        # The stored texts (the large part of a row) are read only for posts whose texts are used:
        # an unchanged post an --only-new report leaves out needs its statuses alone.
        matched: list[tuple | None] = []  # per record, when reusable: (row, in the same place, recent)
        needed: set[str] = set()
        for record, key, h in zip(records, keys, hashes, strict=False):
            row = rows.get(key) if key is not None else None
            if key is None or row is None or row[0] != h or row[1] != self.fingerprint:
                matched.append(None)
                continue
            placed = _line_source_text(record.source) == row[3]
            # Judged by an interrupted run after the last complete one: still new to a reader.
            is_recent = self.previous is None or row[2] > self.previous
            matched.append((row, placed, is_recent))
            if not (placed and self.only_new and not is_recent and record.id not in self.waived_ids):
                needed.add(key)
        texts: dict[str, tuple] = {}
        for part in _parts(sorted(needed)):
            for key, line, block in self.conn.execute(
                f"SELECT key, result, block FROM posts WHERE key IN ({_marks(part)})", part
            ):
                texts[key] = (line, block)
        reused: list[dict | None] = []
        recent: list[bool] = []
        known: list[str | None] = []  # the stored statuses of each reused post: its history row as it is
        for record, key, match in zip(records, keys, matched, strict=False):
            if match is None or key is None:
                reused.append(None)
                recent.append(True)
                known.append(None)
                continue
            (_, _, _, _, statuses), placed, is_recent = match
            line, block = texts.get(key, (None, None))
            known.append(statuses)
            if placed:
                # Unchanged and in the same place: the stored texts are the output, as they are.
                verdicts = {j: {"status": s} for j, s in _parsed_statuses(statuses).items()}
                if record.id in self.waived_ids:
                    for j, verdict in json.loads(unpack(line))["verdicts"].items():
                        if verdict.get("waived"):
                            verdicts[j]["waived"] = verdict["waived"]
                data = {"id": record.id, "error": None, "verdicts": verdicts}
                if self.only_new and not is_recent:
                    # Not reported (--only-new): the texts were not even read (see `needed`).
                    post = Rendered(data, line=line, block=block or None, partial=True, packed=True)
                else:
                    # Expanded here, where a damaged blob (zlib's checksum, or a line that is not JSON)
                    # is a StateError, not later in the middle of writing the report. A block is
                    # stored only in files of schema 2; else it is derived from the line.
                    text = unpack_bytes(line)
                    post = Rendered(
                        data,
                        line=text,
                        block=unpack_bytes(block) if block else nested_from_line(text),
                        partial=True,
                    )
            else:
                post = json.loads(unpack(line))
                post["source"] = record.source.to_dict()
            reused.append(post)
            recent.append(is_recent)
        return Batch(records, reused, meta=(keys, hashes, known), recent=recent)

    @_damaged
    def store(self, batch: Batch, posts: list[dict[str, Any]]) -> None:
        keys, hashes, known = batch.meta
        upserts = []
        history = []
        for i, (key, h, post, done) in enumerate(zip(keys, hashes, posts, batch.reused, strict=False)):
            if key is None or post.get("error"):
                continue
            statuses = known[i] if done is not None else _statuses(post)
            if done is None:
                # A pool worker sends the texts already encoded (compliance/run/pool.py `rendered`).
                # Only the line is kept: the block is derived from it when a re-run reports the post.
                stored = post.stored() if isinstance(post, Rendered) and post.partial else None
                if stored is None:
                    line, block = post_texts(post)
                    stored = pack(line)
                    if not isinstance(post, Rendered):
                        posts[i] = Rendered(post, line=line, block=block)  # the writer need not encode it again
                upserts.append(
                    (
                        key,
                        post["id"],
                        h,
                        self.fingerprint,
                        self.run,
                        _stored_source_text(post["source"]),
                        statuses,
                        stored,
                        b"",
                    )
                )
            history.append((key, self.run, statuses))
        self.posts += len(posts)
        self.judged += sum(1 for done in batch.reused if done is None)
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT OR REPLACE INTO posts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", upserts)
            conn.executemany("INSERT OR REPLACE INTO history VALUES (?, ?, ?)", history)
            conn.execute("UPDATE runs SET posts=?, judged=? WHERE run=?", (self.posts, self.judged, self.run))
            conn.execute("COMMIT")
        except BaseException:
            # Ctrl-C can land between statements: before BEGIN took effect or after COMMIT did,
            # when there is nothing to roll back (and trying would call the file damaged).
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    # -- end of run ------------------------------------------------------------------------------
    @_damaged_reading
    def resolved(self) -> list[dict[str, Any]]:
        """Violations of the last complete run that are gone now: the post was fixed or deleted."""
        if self.previous is None:
            return []
        out = []
        query = (
            "SELECT h0.key, p.id, h0.statuses, h1.statuses FROM history h0 "
            "LEFT JOIN history h1 ON h1.key = h0.key AND h1.run = ? "
            "LEFT JOIN posts p ON p.key = h0.key "
            # Only changed statuses that held a violation leave SQLite (a superset: the loop below
            # decides): an unchanged re-run no longer reads every post's statuses into Python.
            "WHERE h0.run = ? AND h0.statuses LIKE '%\"violation\"%' "
            "AND (h1.statuses IS NULL OR h1.statuses != h0.statuses) ORDER BY h0.key"
        )
        for key, post_id, before, after in self.conn.execute(query, (self.run, self.previous)):
            before = json.loads(before)
            now = json.loads(after) if after is not None else None
            gone = sorted(
                j
                for j, status in before.items()
                if status == "violation" and (now is None or now.get(j, "violation") != "violation")
            )
            if gone:
                out.append(
                    {
                        "id": post_id if post_id is not None else key,
                        "jurisdictions": gone,
                        "reason": "deleted" if now is None else "fixed",
                    }
                )
        return out

    @_damaged
    def finish(self) -> None:
        self.conn.execute("UPDATE runs SET complete=1 WHERE run=?", (self.run,))

    def close(self) -> None:
        self.conn.close()


def trend(path: str) -> list[dict[str, Any]]:
    """Per complete run: how many posts had each status in each jurisdiction (oldest first)."""
    conn = connect(path)
    try:
        out = []
        runs = conn.execute("SELECT run FROM runs WHERE complete=1 ORDER BY run").fetchall()
        for (run,) in runs:
            counts: dict[str, dict[str, int]] = {}
            for (statuses,) in conn.execute("SELECT statuses FROM history WHERE run=?", (run,)):
                for j, status in json.loads(statuses).items():
                    by_status = counts.setdefault(j, {})
                    by_status[status] = by_status.get(status, 0) + 1
            out.append({"run": run, "by_jurisdiction": {j: counts[j] for j in sorted(counts)}})
        return out
    finally:
        conn.close()


def post_history(path: str, post_id: str) -> list[dict[str, Any]]:
    """One post's status per jurisdiction in every complete run it was part of."""
    conn = connect(path)
    try:
        rows = conn.execute(
            "SELECT h.run, h.statuses FROM history h JOIN runs r ON r.run = h.run "
            "WHERE h.key = ? AND r.complete = 1 ORDER BY h.run",
            (post_id,),
        )
        return [{"run": run, "statuses": json.loads(statuses)} for run, statuses in rows]
    finally:
        conn.close()
