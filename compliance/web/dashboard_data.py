"""The dashboard's queries over a `--state` file: read-only, and fast at a million posts.

The state file is opened read-only (`mode=ro`, `PRAGMA query_only`) and checked first as the
scanner checks it (`check_ours`): a foreign or damaged file is a StateError (exit 2), never a
traceback, and never written. The author, caption and rules of a post live in the state only
inside its compressed result, so the dashboard reads each result once into a catalogue of its
own (a private temporary SQLite database with indexes for every filter) and answers pages from
there; the history table (with the state's `history_by_run` index) gives the trends. When
another scan completes, the catalogue is rebuilt in the background and swapped in; pages keep
answering from the old one meanwhile.

Everything read from the state is untrusted text: it is only ever handed to autoescaped
templates, pygal's XML writer, and CSV/XLSX writers that neutralise formulas.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from compliance.model import STATUSES
from compliance.run.state import READABLE_SCHEMAS, SCHEMA_VERSION, StateError, check_ours

RANK = {status: i for i, status in enumerate(STATUSES)}  # violation 0, review 1, compliant 2, clear 3
ACTION = RANK["review"]  # worst rank at or below this: the post needs someone to act
PAGE_SIZE = 50
SEARCHES_KEPT = 8  # recent searches whose matches are kept (a search's next page reads them)
TOP = 8  # series in the per-creator and per-rule charts
MAX_QUERY = 200
FILTER_STATUSES = ("action", *STATUSES, "all")
CHECK_EVERY = 5.0  # seconds between looks at the state for a newly completed scan
_BATCH = 5000

# `post` is narrow (what filters and counts read, a million rows in a few tens of MB of pages);
# what a page shows lives in `detail`, read for the 50 rows of a page only.
CATALOGUE = """
CREATE TABLE post (n INTEGER PRIMARY KEY, author TEXT NOT NULL, judged INTEGER, first INTEGER, last INTEGER,
    worst INTEGER NOT NULL);
CREATE TABLE detail (n INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, id TEXT NOT NULL, platform TEXT NOT NULL,
    caption TEXT NOT NULL, statuses TEXT NOT NULL);
CREATE TABLE hay (n INTEGER PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE verdict (n INTEGER NOT NULL, j TEXT NOT NULL, status INTEGER NOT NULL);
CREATE TABLE rule (n INTEGER NOT NULL, j TEXT NOT NULL, rule TEXT NOT NULL, status INTEGER NOT NULL);
"""
COLUMNS = "p.n, d.key, d.id, p.author, d.platform, d.caption, p.judged, p.first, p.last, d.statuses, p.worst"
# The list order, in the state's own terms: the worst status of a post (as RANK orders them; an
# unknown status counts as clear, as in Catalogue._read_posts), then its key.
ORDER_SQL = """
SELECT key FROM posts ORDER BY CASE
    WHEN instr(statuses, '"violation"') THEN 0 WHEN instr(statuses, '"review"') THEN 1
    WHEN instr(statuses, '"compliant"') THEN 2 ELSE 3 END, key
"""
CATALOGUE_INDEXES = """
CREATE INDEX post_author ON post (author);
CREATE INDEX post_last ON post (last);
CREATE INDEX verdict_j ON verdict (j, status, n);
CREATE INDEX verdict_n ON verdict (n);
CREATE INDEX rule_rule ON rule (rule, j, status, n);
CREATE INDEX rule_n ON rule (n);
"""


def open_state(path: str) -> sqlite3.Connection:
    """A read-only connection to a state file, or StateError saying why the file cannot be shown."""
    if not os.path.isfile(path):
        raise StateError(f"{path}: no such file: give the file a `compliance scan --state FILE` wrote")
    uri = "file:" + quote(os.path.abspath(path)) + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30)
    except sqlite3.DatabaseError as exc:
        raise StateError(f"{path}: cannot open the state file: {exc}") from None
    try:
        conn.execute("PRAGMA query_only=ON")
        check_ours(conn, path)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"meta", "runs", "posts", "history"} <= tables:
            raise StateError(f"{path}: holds no scan history yet: run `compliance scan --state {path}` first")
        row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None or row[0] not in READABLE_SCHEMAS:
            found = row[0] if row else "none"
            raise StateError(f"{path}: state schema {found} is not the one this version reads ({SCHEMA_VERSION})")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StateError(f"{path}: not a readable state file: {exc}") from None
    except StateError:
        conn.close()
        raise
    return conn


@dataclass(frozen=True)
class Filters:
    """What the posts page and the exports show; every value already checked."""

    q: str = ""
    j: str = ""
    rule: str = ""
    creator: str = ""
    status: str = "action"
    latest: bool = False  # only posts that were part of the latest complete scan
    page: int = 1

    def query(self, **changes: Any) -> dict[str, str]:
        """The non-default values as URL parameters (for links: next page, export)."""
        f = replace(self, **changes)
        out = {k: str(v) for k, v in vars(f).items() if v not in ("", None) and v != getattr(Filters, k)}
        if "latest" in out:
            out["latest"] = "1"
        return out


class FilterError(ValueError):
    """A filter value the dashboard does not take; the message is shown to the person."""


def parse_filters(params: dict[str, list[str]], jurisdictions: list[str]) -> Filters:
    def one(name: str, limit: int = MAX_QUERY) -> str:
        values = params.get(name, [])
        if len(values) > 1:
            raise FilterError(f"{name!r} was given more than once")
        value = values[0].strip() if values else ""
        if len(value) > limit:
            raise FilterError(f"{name!r} is longer than {limit} characters")
        return value

    j = one("j").lower()
    if j and j not in jurisdictions:
        raise FilterError(f"no jurisdiction {j!r} in this state; it has: {', '.join(jurisdictions) or 'none'}")
    status = one("status") or "action"
    if status not in FILTER_STATUSES:
        raise FilterError(f"status is one of: {', '.join(FILTER_STATUSES)}")
    raw_page = one("page", 12) or "1"
    if not raw_page.isdigit() or int(raw_page) < 1:
        raise FilterError("page is a whole number from 1")
    latest = one("latest", 5)
    if latest not in ("", "0", "1"):
        raise FilterError("latest is 1 (only posts in the latest scan) or 0")
    return Filters(
        q=one("q"),
        j=j,
        rule=one("rule"),
        creator=one("creator"),
        status=status,
        latest=latest == "1",
        page=int(raw_page),
    )


def _where(
    f: Filters, latest: int | None, spans: dict[int, tuple[int, int]], matches: str = ""
) -> tuple[str, list[Any]]:
    """SQL conditions on `post p` for the filters. `spans`: the range of `n` each worst status holds
    (n follows the list order), so a status filter is a range of rowids, read in order; `matches`:
    the temporary table holding the posts the search words match (Catalogue._matches)."""
    conds: list[str] = []
    args: list[Any] = []
    if f.latest:
        conds.append("p.last = ?")
        args.append(latest if latest is not None else -1)
    if f.status != "all":
        ranks = (0, ACTION) if f.status == "action" else (RANK[f.status], RANK[f.status])
        if f.j:
            conds.append("p.n IN (SELECT n FROM verdict WHERE j = ? AND status BETWEEN ? AND ?)")
            args += [f.j, *ranks]
        else:
            inside = [spans[r] for r in range(ranks[0], ranks[1] + 1) if r in spans]
            conds.append("p.n BETWEEN ? AND ?")
            args += [min(lo for lo, _ in inside), max(hi for _, hi in inside)] if inside else [1, 0]
    elif f.j:
        conds.append("p.n IN (SELECT n FROM verdict WHERE j = ?)")
        args.append(f.j)
    if f.rule:
        conds.append("p.n IN (SELECT n FROM rule WHERE rule = ?" + (" AND j = ?)" if f.j else ")"))
        args += [f.rule, f.j] if f.j else [f.rule]
    if f.creator:
        conds.append("p.author = ?")
        args.append(f.creator)
    if f.q and matches:
        conds.append(f"p.n IN (SELECT n FROM {matches})")
    elif f.q:  # id, creator and caption, case-folded once when read (any script, not only ASCII)
        conds.append("p.n IN (SELECT n FROM hay WHERE instr(text, ?) > 0)")
        args.append(f.q.casefold())
    return (" WHERE " + " AND ".join(conds)) if conds else "", args


def _any(statuses: dict[str, str], status: str) -> bool:
    return any(s == status for s in statuses.values())


def _loads_statuses(text: str) -> dict[str, str]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


class Catalogue:
    """One snapshot of the state, read into a private indexed database; queries are thread-safe."""

    def __init__(self, path: str, progress: list[int] | None = None):
        self.path = path
        self.progress = progress if progress is not None else [0, 0]
        started = time.perf_counter()
        self.lock = threading.RLock()
        self._searches: dict[str, str] = {}
        self._search_seq = 0
        self.db = sqlite3.connect("", check_same_thread=False)  # private, temporary, on disk
        self.db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;")
        self.db.executescript(CATALOGUE)
        state = open_state(path)
        try:
            # One read transaction: every query sees the same snapshot while a scan may be writing.
            state.execute("BEGIN")
            self.signature = signature(state)
            self.runs = self._runs(state)
            self.complete = [r["run"] for r in self.runs if r["complete"]]
            self._read_posts(state)
            self._seen(state)
            self.db.executescript(CATALOGUE_INDEXES + "ANALYZE;")
            self.jurisdictions = [r[0] for r in self.db.execute("SELECT DISTINCT j FROM verdict ORDER BY j")]
            self.spans = {
                worst: (lo, hi)
                for worst, lo, hi in self.db.execute("SELECT worst, min(n), max(n) FROM post GROUP BY worst")
            }
            self.rule_ids = [r[0] for r in self.db.execute("SELECT DISTINCT rule FROM rule ORDER BY rule LIMIT 2000")]
            self.by_run = self._by_run(state)
            self.creators = self._creator_trend(state)
            state.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise StateError(f"{path}: damaged state file: {exc}") from None
        finally:
            state.close()
        self.rules = self._rule_trend()
        self.build_seconds = time.perf_counter() - started

    # -- building -------------------------------------------------------------------------------
    @staticmethod
    def _runs(state: sqlite3.Connection) -> list[dict[str, Any]]:
        out = []
        for run, complete, posts, judged, config in state.execute(
            "SELECT run, complete, posts, judged, config FROM runs ORDER BY run"
        ):
            try:
                cfg = json.loads(config)
                cfg = cfg if isinstance(cfg, dict) else {}
            except ValueError:
                cfg = {}
            inputs = cfg.get("inputs")
            inputs = inputs if isinstance(inputs, list) else []
            codes = cfg.get("jurisdictions")
            codes = codes if isinstance(codes, list) else []
            out.append(
                {
                    "run": int(run),
                    "complete": bool(complete),
                    "posts": int(posts or 0),
                    "judged": int(judged or 0),
                    "inputs": [os.path.basename(str(i)) or str(i) for i in inputs],
                    "jurisdictions": [str(c) for c in codes],
                }
            )
        return out

    def _read_posts(self, state: sqlite3.Connection) -> None:
        """Every stored result, decoded once: author, caption, statuses and the rules that fired.

        A post's number `n` is its place in the list order (worst status first, then key), so every
        filtered list and export reads in `n` order with no sort, and pages stop early."""
        posts: list[tuple] = []
        verdicts: list[tuple] = []
        rules: list[tuple] = []
        hay: list[tuple] = []
        order = {key: i for i, (key,) in enumerate(state.execute(ORDER_SQL), 1)}
        self.progress[:] = [0, len(order)]
        done = 0
        for key, post_id, run, statuses_text, blob in state.execute("SELECT key, id, run, statuses, result FROM posts"):
            done += 1
            n = order[key]
            try:
                data = json.loads(zlib.decompress(blob).decode("utf-8"))
            except (zlib.error, ValueError, UnicodeDecodeError, TypeError):
                data = {}
            if not isinstance(data, dict):
                data = {}
            statuses = _loads_statuses(statuses_text)
            worst = min((RANK.get(s, RANK["clear"]) for s in statuses.values()), default=RANK["clear"])
            author, caption = str(data.get("author") or ""), str(data.get("caption") or "")[:2000]
            posts.append(
                (
                    n,
                    str(key),
                    str(post_id),
                    author,
                    str(data.get("platform") or ""),
                    caption,
                    run,
                    json.dumps(statuses, sort_keys=True),
                    worst,
                )
            )
            hay.append((n, f"{post_id}\n{author}\n{caption}".casefold()))
            for j, status in statuses.items():
                verdicts.append((n, j, RANK.get(status, RANK["clear"])))
            found = data.get("verdicts")
            if isinstance(found, dict):
                for j, verdict in found.items():
                    if not isinstance(verdict, dict):
                        continue
                    rank = RANK.get(str(verdict.get("status")), RANK["clear"])
                    if rank > ACTION:
                        continue
                    seen = set()
                    for finding in verdict.get("findings") or ():
                        rule = str(finding.get("rule") or "") if isinstance(finding, dict) else ""
                        if rule and rule not in seen:
                            seen.add(rule)
                            rules.append((n, str(j), rule, rank))
            if len(posts) >= _BATCH:
                self._flush(posts, verdicts, rules, hay)
                self.progress[0] = done
        self._flush(posts, verdicts, rules, hay)
        self.progress[0] = done

    def _flush(self, posts: list, verdicts: list, rules: list, hay: list) -> None:
        self.db.executemany(
            "INSERT INTO post (n, author, judged, worst) VALUES (?, ?, ?, ?)",
            [(r[0], r[3], r[6], r[8]) for r in posts],
        )
        self.db.executemany(
            "INSERT INTO detail (n, key, id, platform, caption, statuses) VALUES (?, ?, ?, ?, ?, ?)",
            [(r[0], r[1], r[2], r[4], r[5], r[7]) for r in posts],
        )
        self.db.executemany("INSERT INTO verdict VALUES (?, ?, ?)", verdicts)
        self.db.executemany("INSERT INTO rule VALUES (?, ?, ?, ?)", rules)
        self.db.executemany("INSERT INTO hay VALUES (?, ?)", hay)
        hay.clear()
        posts.clear()
        verdicts.clear()
        rules.clear()

    def _seen(self, state: sqlite3.Connection) -> None:
        """First and last complete run each post was part of."""
        if not self.complete:
            return
        self.db.execute("CREATE TEMP TABLE seen (key TEXT PRIMARY KEY, first INTEGER, last INTEGER)")
        rows = state.execute(
            "SELECT key, min(run), max(run) FROM history WHERE run IN (SELECT run FROM runs WHERE complete=1) "
            "GROUP BY key"
        )
        while batch := rows.fetchmany(_BATCH):
            self.db.executemany("INSERT OR REPLACE INTO seen VALUES (?, ?, ?)", batch)
        self.db.execute(
            "UPDATE post SET first = x.first, last = x.last FROM (SELECT d.n AS n, s.first AS first, "
            "s.last AS last FROM seen s JOIN detail d ON d.key = s.key) AS x WHERE x.n = post.n"
        )
        self.db.execute("DROP TABLE seen")

    def _by_run(self, state: sqlite3.Connection) -> dict[int, dict[str, int]]:
        """Per complete run: how many posts had each distinct set of statuses."""
        out: dict[int, dict[str, int]] = {run: {} for run in self.complete}
        for run in self.complete:  # one run at a time through the state's history_by_run index
            for statuses, count in state.execute(
                "SELECT statuses, count(*) FROM history WHERE run = ? GROUP BY statuses", (run,)
            ):
                out[run][statuses] = out[run].get(statuses, 0) + count
        return out

    def _top(self, sql: str) -> list[str]:
        return [row[0] for row in self.db.execute(sql, (TOP,))]

    def _creator_trend(self, state: sqlite3.Connection) -> dict[str, dict[int, int]]:
        """Posts in violation per run for the creators with most violations now (their history only)."""
        top = self._top(
            "SELECT author, count(*) FROM post WHERE worst = 0 AND author != '' GROUP BY author "
            "ORDER BY count(*) DESC, author LIMIT ?"
        )
        trend: dict[str, dict[int, int]] = {a: {r: 0 for r in self.complete} for a in top}
        if not top:
            return trend
        marks = ",".join("?" * len(top))
        owner = dict(
            self.db.execute(
                f"SELECT d.key, p.author FROM post p JOIN detail d ON d.n = p.n WHERE p.author IN ({marks})", top
            ).fetchall()
        )
        keys = sorted(owner)
        complete = set(self.complete)
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            for key, run, statuses in state.execute(
                f"SELECT key, run, statuses FROM history WHERE key IN ({','.join('?' * len(part))})", part
            ):
                if run in complete and '"violation"' in statuses:
                    trend[owner[key]][run] += 1
        return trend

    def _rule_trend(self) -> dict[str, dict[int, int]]:
        """Posts in violation per run by rule, from the stored results: a result is the post's
        judgement from the run that judged it to the last run it was seen in (earlier judgements
        of an edited post are not kept by the state, so they are not counted here)."""
        top = self._top(
            "SELECT rule, count(DISTINCT n) FROM rule WHERE status = 0 GROUP BY rule "
            "ORDER BY count(DISTINCT n) DESC, rule LIMIT ?"
        )
        trend: dict[str, dict[int, int]] = {r: {run: 0 for run in self.complete} for r in top}
        if not top:
            return trend
        marks = ",".join("?" * len(top))
        for rule, judged, last, count in self.db.execute(
            f"SELECT r.rule, p.judged, p.last, count(DISTINCT r.n) FROM rule r JOIN post p ON p.n = r.n "
            f"WHERE r.status = 0 AND r.rule IN ({marks}) AND p.last IS NOT NULL GROUP BY r.rule, p.judged, p.last",
            top,
        ):
            for run in self.complete:
                if judged <= run <= last:
                    trend[rule][run] += count
        return trend

    # -- pages ----------------------------------------------------------------------------------
    def overview(self) -> dict[str, Any]:
        """Scans over time and the trends, as plain numbers (charts and tables are made from these)."""
        scans = []
        per_j: dict[str, dict[str, dict[int, int]]] = {}
        for run in self.runs:
            combos = self.by_run.get(run["run"], {})
            counts = {"violation": 0, "review": 0, "posts": 0}
            for text, count in combos.items():
                statuses = _loads_statuses(text)
                counts["posts"] += count
                if _any(statuses, "violation"):
                    counts["violation"] += count
                elif _any(statuses, "review"):
                    counts["review"] += count
                for j, status in statuses.items():
                    per_j.setdefault(j, {}).setdefault(status, {})
                    per_j[j][status][run["run"]] = per_j[j][status].get(run["run"], 0) + count
            scans.append({**run, **{f"n_{k}": v for k, v in counts.items()}})
        with self.lock:
            now = dict(
                self.db.execute(
                    "SELECT worst, count(*) FROM post WHERE last = ? GROUP BY worst",
                    (self.complete[-1] if self.complete else -1,),
                ).fetchall()
            )
        jurisdictions = sorted(per_j)
        return {
            "scans": scans,
            "complete": self.complete,
            "jurisdictions": jurisdictions,
            "violations_by_jurisdiction": {
                j: {run: per_j[j].get("violation", {}).get(run, 0) for run in self.complete} for j in jurisdictions
            },
            "by_creator": self.creators,
            "by_rule": self.rules,
            "now": {s: now.get(RANK[s], 0) for s in STATUSES},
        }

    def _where(self, f: Filters) -> tuple[str, list[Any]]:
        return _where(f, self.complete[-1] if self.complete else None, self.spans, self._matches(f.q))

    def _matches(self, q: str) -> str:
        """A temporary table of the posts whose id, creator or caption holds `q` (case-folded): one
        scan per search, then its pages and its count read the table. The last few are kept."""
        if not q:
            return ""
        folded = q.casefold()
        table = self._searches.pop(folded, None)
        if table is None:
            self._search_seq += 1
            table = f"temp.match{self._search_seq}"
            self.db.execute(f"CREATE TABLE {table} (n INTEGER PRIMARY KEY)")
            self.db.execute(f"INSERT INTO {table} SELECT n FROM hay WHERE instr(text, ?) > 0", (folded,))
            while len(self._searches) >= SEARCHES_KEPT:
                self.db.execute(f"DROP TABLE {self._searches.pop(next(iter(self._searches)))}")
        self._searches[folded] = table  # most recent last
        return table

    def count(self, f: Filters) -> int:
        with self.lock:
            where, args = self._where(f)
            return self.db.execute(f"SELECT count(*) FROM post p{where}", args).fetchone()[0]

    def posts(self, f: Filters, size: int = PAGE_SIZE) -> list[dict[str, Any]]:
        with self.lock:
            where, args = self._where(f)
            rows = self.db.execute(
                f"SELECT {COLUMNS} FROM (SELECT p.n FROM post p{where} ORDER BY p.n LIMIT ? OFFSET ?) AS pick "
                "JOIN post p ON p.n = pick.n JOIN detail d ON d.n = pick.n ORDER BY p.n",
                [*args, size, (f.page - 1) * size],
            ).fetchall()
            rules = self._rules_of([r[0] for r in rows])
        return [self._row(r, rules.get(r[0], {})) for r in rows]

    def _rules_of(self, ns: list[int]) -> dict[int, dict[str, list[str]]]:
        out: dict[int, dict[str, list[str]]] = {}
        if ns:
            for n, j, rule in self.db.execute(
                f"SELECT n, j, rule FROM rule WHERE n IN ({','.join('?' * len(ns))}) ORDER BY n, j, rule", ns
            ):
                out.setdefault(n, {}).setdefault(j, []).append(rule)
        return out

    @staticmethod
    def _row(r: tuple, rules: dict[str, list[str]]) -> dict[str, Any]:
        n, key, post_id, author, platform, caption, judged, first, last, statuses, worst = r
        return {
            "key": key,
            "id": post_id,
            "author": author,
            "platform": platform,
            "caption": caption,
            "judged": judged,
            "first": first,
            "last": last,
            "statuses": _loads_statuses(statuses),
            "worst": STATUSES[worst] if 0 <= worst < len(STATUSES) else "clear",
            "rules": rules,
        }

    def export(self, f: Filters) -> Iterator[dict[str, Any]]:
        """Every row of the filtered view, in page order, a batch at a time (keyset: no OFFSET)."""
        after = 0
        while True:
            with self.lock:  # the search's table is looked up again: other searches may have evicted it
                where, args = self._where(f)
                extra, extra_args = f"{' AND ' if where else ' WHERE '}p.n > ?", [after]
                rows = self.db.execute(
                    f"SELECT {COLUMNS} FROM (SELECT p.n FROM post p{where}{extra} ORDER BY p.n LIMIT ?) AS pick "
                    "JOIN post p ON p.n = pick.n JOIN detail d ON d.n = pick.n ORDER BY p.n",
                    [*args, *extra_args, _BATCH],
                ).fetchall()
                rules = self._rules_of([r[0] for r in rows])
            yield from (self._row(r, rules.get(r[0], {})) for r in rows)
            if len(rows) < _BATCH:
                return
            after = rows[-1][0]

    def post(self, key: str) -> dict[str, Any] | None:
        """One post now and in every complete run it was part of, with what happened when."""
        with self.lock:
            row = self.db.execute(
                f"SELECT {COLUMNS} FROM detail d JOIN post p ON p.n = d.n WHERE d.key = ?", (key,)
            ).fetchone()
            if row is None:
                return None
            post = self._row(row, self._rules_of([row[0]]).get(row[0], {}))
        state = open_state(self.path)
        try:
            history = state.execute(
                "SELECT h.run, h.statuses FROM history h JOIN runs r ON r.run = h.run "
                "WHERE h.key = ? AND r.complete = 1 ORDER BY h.run",
                (key,),
            ).fetchall()
            fingerprints = dict(state.execute("SELECT run, fingerprint FROM runs").fetchall())
        except sqlite3.DatabaseError as exc:
            raise StateError(f"{self.path}: damaged state file: {exc}") from None
        finally:
            state.close()
        post["history"] = [{"run": run, "statuses": _loads_statuses(s)} for run, s in history]
        post["events"] = events(post, fingerprints, self.complete)
        return post


def events(post: dict[str, Any], fingerprints: dict[int, str], complete: list[int]) -> list[dict[str, Any]]:
    """First seen, each change of status (fixed, new problem), a re-judgement, and disappearance."""
    out: list[dict[str, Any]] = []
    previous: dict[str, str] | None = None
    previous_run: int | None = None
    for entry in post["history"]:
        run, statuses = entry["run"], entry["statuses"]
        if previous is None:
            worst = min((RANK.get(s, 3) for s in statuses.values()), default=3)
            out.append({"run": run, "kind": "first", "text": f"First seen ({STATUSES[worst]})"})
        else:
            if run == post["judged"] and previous_run is not None:
                same_config = fingerprints.get(run) == fingerprints.get(previous_run)
                out.append(
                    {
                        "run": run,
                        "kind": "changed",
                        "text": "Changed: judged again because the post changed"
                        if same_config
                        else "Judged again: the rules or settings changed",
                    }
                )
            for j in sorted(set(previous) | set(statuses)):
                before, after = previous.get(j), statuses.get(j)
                if before == after:
                    continue
                was, now = RANK.get(before or "", 4), RANK.get(after or "", 4)
                if was <= ACTION and now > ACTION:
                    kind = "fixed"
                    text = f"Fixed in {j}: {before} → {after}"
                elif now == 0:
                    kind = "problem"
                    text = f"Violation in {j}: {before or 'not judged'} → {after}"
                else:
                    kind = "status"
                    text = f"{j}: {before or 'not judged'} → {after or 'not judged'}"
                out.append({"run": run, "kind": kind, "text": text})
        previous, previous_run = statuses, run
    if previous_run is not None and complete and previous_run < complete[-1]:
        later = [r for r in complete if r > previous_run]
        out.append(
            {
                "run": later[0],
                "kind": "gone",
                "text": "Not in this scan or any later one (deleted, or no longer among the scan's inputs)",
            }
        )
    return out


def signature(state: sqlite3.Connection) -> tuple[int, int]:
    """Changes when a scan completes (or starts): the catalogue is then out of date."""
    row = state.execute("SELECT count(*), coalesce(max(run), 0) FROM runs WHERE complete = 1").fetchone()
    return int(row[0]), int(row[1])


class Dashboard:
    """The current catalogue of a state file, refreshed in the background when a scan completes.

    `background=True` (the server's way) checks the file at once (a foreign file is refused before
    anything listens) and reads it in a thread: until the first read is done, `catalogue()` is
    None and `progress` says how far it got."""

    def __init__(self, path: str, background: bool = False):
        self.path = path
        open_state(path).close()  # refuse a foreign or damaged file now, not in a thread
        self.progress = [0, 0]  # posts read, posts in the state (of the read under way)
        self.current: Catalogue | None = None
        self._checked = time.monotonic()
        self._building = False
        self._lock = threading.Lock()
        self.problem: str | None = None
        self.ready = threading.Event()
        if background:
            self._building = True
            threading.Thread(target=self._rebuild, daemon=True).start()
        else:
            self.current = Catalogue(path, self.progress)
            self.ready.set()

    def catalogue(self) -> Catalogue | None:
        now = time.monotonic()
        if self.current is not None and now - self._checked >= CHECK_EVERY:
            self._checked = now
            self._maybe_rebuild(self.current)
        return self.current

    @property
    def updating(self) -> bool:
        return self._building

    def _maybe_rebuild(self, current: Catalogue) -> None:
        try:
            state = open_state(self.path)
            try:
                changed = signature(state) != current.signature
            finally:
                state.close()
        except (StateError, sqlite3.DatabaseError) as exc:
            self.problem = str(exc)
            return
        with self._lock:
            if not changed or self._building:
                return
            self._building = True
        threading.Thread(target=self._rebuild, daemon=True).start()

    def _rebuild(self) -> None:
        try:
            self.current = Catalogue(self.path, self.progress)
            self.problem = None
        except (StateError, sqlite3.DatabaseError) as exc:
            self.problem = str(exc)
        finally:
            self._building = False
            self.ready.set()
