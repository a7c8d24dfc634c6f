"""What a scan cannot avoid, against the floor: prints numbers, never asserts.

    python3 bench/lower_bound.py --posts 100000      # the same file bench/batch.py reads
    python3 bench/lower_bound.py --posts 20000       # quicker

Issue 14 asks for `scan --jobs 1` at most 3x the floor (`json.loads` + `spacy.blank("en").make_doc`
of each caption). This script measures, in one process over the same file, the parts of a scan that
no faster detector or rule could remove, each done the cheapest way the contract allows:
- reading: orjson of each line into a Post;
- tokenizing as a long scan must, to keep memory flat: normalised captions through the scan's own
  pipeline, inside its memory zones, with the words learned before each zone;
- the report: the scan's real per-post records (from a `--format jsonl` run, not timed) encoded once
  with orjson, sorted and indented as the JSON report is;
- the state: per post, the content hash, the record compressed as the state file keeps it, and one
  row in one SQLite table, one transaction a chunk.
Then it times the real `scan --jobs 1 --state` and prints what is left for detectors, judging and
building the records: now, and at 3x. CPU seconds throughout.
"""

from __future__ import annotations

import argparse
import gc
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import batch  # noqa: E402
import gen  # noqa: E402
import orjson  # noqa: E402

from compliance.analysis.normalise import normalise  # noqa: E402
from compliance.judging.scanner import Scanner  # noqa: E402
from compliance.model import Source  # noqa: E402
from compliance.readers.post_fields import post_from_object  # noqa: E402
from compliance.reporters.streaming import pack  # noqa: E402
from compliance.run import CHUNK_SIZE  # noqa: E402
from compliance.run.chunks import ZONE_SIZE, ChunkJudge  # noqa: E402
from compliance.run.state import post_hash  # noqa: E402


def per_post(seconds: float, count: int) -> float:
    return seconds / count * 1e6


def tokenize(posts: list) -> float:
    """CPU seconds to normalise and tokenize every caption as the scan does, zones included."""
    scanner = Scanner(jurisdictions=batch.JURISDICTIONS, brands=gen.BRANDS + gen.HANDLES)
    ChunkJudge(scanner)(posts[:50])  # start-up: matchers and the warmed vocabulary, as a scan has
    analyser = scanner.analyser
    nlp = analyser.nlp
    start = time.process_time()
    for z in range(0, len(posts), ZONE_SIZE):
        part = posts[z : z + ZONE_SIZE]
        analyser.prepare_zone(part)
        with nlp.memory_zone():
            for post in part:
                norm = analyser._normalised.pop(post.caption, None) or normalise(post.caption)
                nlp(norm.text)
    return time.process_time() - start


def state_rows(posts: list, records: list[bytes], db: Path) -> float:
    """CPU seconds to keep one row a post: hash, compressed record, one insert."""
    batch.fresh(db)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE posts (key TEXT PRIMARY KEY, hash TEXT NOT NULL, result BLOB NOT NULL)")
    start = time.process_time()
    for c in range(0, len(posts), CHUNK_SIZE):
        rows = [
            (p.id, post_hash(p), pack(r))
            for p, r in zip(posts[c : c + CHUNK_SIZE], records[c : c + CHUNK_SIZE], strict=True)
        ]
        conn.execute("BEGIN")
        conn.executemany("INSERT OR REPLACE INTO posts VALUES (?, ?, ?)", rows)
        conn.execute("COMMIT")
    spent = time.process_time() - start
    conn.close()
    batch.fresh(db)
    return spent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--workdir", default="/tmp/compliance-bench")
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    brands = work / "brands.txt"
    gen.brands_file(str(brands))
    path = batch.ensure(work / f"posts-{args.posts}.jsonl", args.posts)

    _, floor_cpu, n = batch.floor(path)
    floor = per_post(floor_cpu, n)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "records.jsonl"
        cmd = batch.scan_cmd(path, brands, "--jobs", "1", "--format", "jsonl")
        cmd[cmd.index("-o") + 1] = str(out)
        done = subprocess.run(cmd, cwd=ROOT, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        records = [orjson.loads(line) for line in out.read_bytes().splitlines()]
        records = [r for r in records if "id" in r]  # the per-post records, not the closing summary
        if done.returncode not in (0, 1) or len(records) != n:
            raise SystemExit(
                f"the scan failed ({done.returncode}), {len(records)} records for {n} posts\n{done.stderr}"
            )
        state = Path(tmp) / "state.sqlite"
        batch.measure(batch.scan_cmd(path, brands, "--jobs", "1", "--state", str(state)), "scan")
        whole = per_post(batch.CPU["scan"], n)

        gc.freeze()  # the records: the bench's own data, which the collector must not walk while timing
        start = time.process_time()
        with open(path, "rb") as stream:
            posts = [
                post_from_object(orjson.loads(line), Source(str(path), line=i)) for i, line in enumerate(stream, 1)
            ]
        read = per_post(time.process_time() - start, n)
        gc.freeze()
        tok = per_post(tokenize(posts), n)
        start = time.process_time()
        with open(os.devnull, "wb") as sink:
            for record in records:
                sink.write(orjson.dumps(record, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2))
        encode = per_post(time.process_time() - start, n)
        lines = [orjson.dumps(record, option=orjson.OPT_SORT_KEYS) for record in records]
        gc.freeze()
        keep = per_post(state_rows(posts, lines, Path(tmp) / "rows.sqlite"), n)

    parts = [
        ("reading (orjson, Post)", read),
        ("normalise + tokenize in memory zones", tok),
        ("report: encode the records (orjson)", encode),
        ("state: hash, compress, one row", keep),
    ]
    least = sum(v for _, v in parts)
    print(f"posts: {n:,}; floor {floor:.0f} us CPU a post")
    for name, value in parts:
        print(f"  {name:42s} {value:6.1f} us  {value / floor:4.2f}x the floor")
    print(f"  {'unavoidable, together':42s} {least:6.1f} us  {least / floor:4.2f}x the floor")
    print(f"scan --jobs 1 --state: {whole:.0f} us a post, {whole / floor:.2f}x the floor")
    print(f"left for detectors, judging and records: now {whole - least:.0f} us; at 3x {3 * floor - least:.0f} us")


if __name__ == "__main__":
    main()
