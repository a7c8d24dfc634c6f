"""What a scan costs outside analysis and judging: prints numbers, never asserts.

    python3 bench/io_profile.py --posts 20000              # CPU per post, first run and --only-new re-run
    python3 bench/io_profile.py --posts 20000 --profile    # and where the first run's time goes (cProfile)

A real `compliance scan --jobs 1 --state` runs in this process over `bench/gen.py` posts, once
with the real judge (which records each post's result), then again with `Scanner.judge_encodable`
answering from those records: what is left is reading, building posts, encoding, the state
file and writing the report. The stages are also timed one by one over the same posts. CPU
seconds (this process only) per post; start-up (building the scanner) is excluded.

The state's own methods are timed inside each stubbed run (`ScanState.lookup`, `store` and the
rest): what `--state` adds, since the report block a `store` encodes is the one the report
writes. `store` is then taken apart over the same posts: the JSONL line it encodes (beyond the
block), compressing it, the post's hash, its other texts, and SQLite's writes.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import gen  # noqa: E402

from compliance.cli.commands import main as cli  # noqa: E402
from compliance.judging.scanner import Scanner  # noqa: E402
from compliance.run.state import ScanState  # noqa: E402

JURISDICTIONS = ["us", "uk", "de", "fr"]
# ChunkJudge calls `judge_encodable` (the CLI's other paths `judge_record`, which calls it).
_REAL = Scanner.judge_encodable
_SEEN: dict = {}  # post id -> PostResult from the real judge


def _recording(self, record):
    result = _REAL(self, record)
    if getattr(record, "id", None):
        _SEEN[record.id] = result
    return result


def _replaying(self, record):
    found = _SEEN.get(getattr(record, "id", None) or "")
    return found if found is not None else _REAL(self, record)


_STATE_SPENT: dict[str, float] = {}  # ScanState method -> CPU seconds, in the current run


def _timing(name: str, method):
    def timed(*args, **kwargs):
        start = time.process_time()
        try:
            return method(*args, **kwargs)
        finally:
            _STATE_SPENT[name] = _STATE_SPENT.get(name, 0.0) + time.process_time() - start

    return timed


for _name in ("__init__", "lookup", "store", "resolved", "finish", "close"):
    setattr(ScanState, _name, _timing(_name, getattr(ScanState, _name)))


def state_part(n: int) -> str:
    """The last run's CPU in the state's methods, a post."""
    total = sum(_STATE_SPENT.values())
    parts = ", ".join(
        f"{k.strip('_')} {v / n * 1e6:.1f}" for k, v in sorted(_STATE_SPENT.items(), key=lambda kv: -kv[1])
    )
    return f"{total / n * 1e6:.1f} us ({parts})"


def scan(path: Path, brands: Path, state: Path, out: Path, *extra: str) -> float:
    """One in-process `compliance scan`; CPU seconds of the run (reading to report, no start-up)."""
    _STATE_SPENT.clear()
    args = ["scan", str(path), "--brands", str(brands), "--no-progress", "--jobs", "1", "--state", str(state)]
    args += ["-o", str(out)]
    for j in JURISDICTIONS:
        args += ["-j", j]
    args += list(extra)
    import compliance.run.scan as run_scan

    real_run = run_scan.run_scan
    spent: list[float] = []

    def timed(*a, **k):
        start = time.process_time()
        try:
            return real_run(*a, **k)
        finally:
            spent.append(time.process_time() - start)

    run_scan.run_scan = timed
    try:
        cli.main(args, standalone_mode=False)
    except SystemExit as exc:
        if exc.code not in (0, 1, None):
            raise
    finally:
        run_scan.run_scan = real_run
    return spent[0]


def fresh(state: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{state}{suffix}").unlink(missing_ok=True)
    return state


def cpu_a_post(name: str, fn, n: int) -> object:
    """fn(), its CPU a post printed; the collector off, as a scan runs (compliance.run.scan.quiet_gc):
    no collection walks the recorded results."""
    gc.collect()
    gc.disable()
    start = time.process_time()
    try:
        value = fn()
    finally:
        gc.enable()
    print(f"  {name}: {(time.process_time() - start) / n * 1e6:.1f} us", flush=True)
    return value


def stages(path: Path, n: int) -> None:
    """Each stage on its own over the same posts (CPU us per post)."""
    from compliance.readers import ReadOptions, read_inputs
    from compliance.reporters.streaming import pack, post_texts
    from compliance.run.state import _source_text, post_hash

    records = cpu_a_post("read + build Posts", lambda: list(read_inputs([str(path)], ReadOptions())), n)
    dicts = [_SEEN[r.id].to_dict() for r in records]
    cpu_a_post("PostResult.to_dict", lambda: [_SEEN[r.id].to_dict() for r in records], n)
    cpu_a_post("post_hash", lambda: [post_hash(r) for r in records], n)
    texts = cpu_a_post("encode (line + block)", lambda: [post_texts(d) for d in dicts], n)
    cpu_a_post("pack the line (what the state keeps)", lambda: [pack(line) for line, _ in texts], n)  # type: ignore[union-attr]
    cpu_a_post("source text", lambda: [_source_text(d["source"]) for d in dicts], n)


def store_parts(path: Path, brands: Path, db: Path, n: int) -> None:
    """What one `ScanState.store` a post is made of, each piece on its own (CPU a post)."""
    import sqlite3

    from compliance.readers import ReadOptions, read_inputs
    from compliance.reporters.streaming import pack, post_texts
    from compliance.run.chunks import CHUNK_SIZE
    from compliance.run.state import _source_text, _statuses, connect, post_hash

    records = list(read_inputs([str(path)], ReadOptions()))
    dicts = [_SEEN[r.id].to_dict() for r in records]

    try:
        from compliance.reporters.encode import encode_post_nested as encode_block
    except ImportError:  # before the post-aware encoder (to compare with an older checkout)
        from compliance.reporters.encode import encode_nested as encode_block

    print("a store, piece by piece (CPU a post):")
    texts = cpu_a_post("  encode line + block", lambda: [post_texts(d) for d in dicts], n)
    cpu_a_post("  encode the block alone (what the report needs anyway)", lambda: [encode_block(d) for d in dicts], n)
    packed = cpu_a_post("  compress the line", lambda: [pack(line) for line, _ in texts], n)  # type: ignore[union-attr]
    hashes = cpu_a_post("  post hash", lambda: [post_hash(r) for r in records], n)
    sources = cpu_a_post(
        "  source and statuses texts", lambda: [(_source_text(d["source"]), _statuses(d)) for d in dicts], n
    )
    fresh(db)
    conn = connect(str(db))
    run = conn.execute("INSERT INTO runs (fingerprint, config) VALUES ('f', '{}')").lastrowid
    fingerprint = "0" * 64

    def write() -> None:
        for start in range(0, n, CHUNK_SIZE):
            rows = []
            history = []
            for i in range(start, min(n, start + CHUNK_SIZE)):
                d = dicts[i]
                source, statuses = sources[i]  # type: ignore[index]
                rows.append((d["id"], d["id"], hashes[i], fingerprint, run, source, statuses, packed[i], b""))  # type: ignore[index]
                history.append((d["id"], run, statuses))
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT OR REPLACE INTO posts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            conn.executemany("INSERT OR REPLACE INTO history VALUES (?, ?, ?)", history)
            conn.execute("COMMIT")

    try:
        cpu_a_post("  SQLite: rows of posts and history, a commit a chunk", write, n)
    except sqlite3.Error as exc:
        print(f"  SQLite: {exc}")
    finally:
        conn.close()
        fresh(db)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=20_000)
    ap.add_argument("--workdir", default="/tmp/compliance-bench")
    ap.add_argument("--profile", action="store_true", help="cProfile the stubbed first run")
    ap.add_argument("--repeat", type=int, default=2, help="stubbed runs of each kind (the best is shown)")
    ap.add_argument("--top", type=int, default=35)
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    n = args.posts
    path = work / f"posts-{n}.jsonl"
    if not path.exists():
        gen.write_posts(str(path), n)
    brands = work / "brands.txt"
    gen.brands_file(str(brands))
    state = work / "io-state.sqlite"
    out = work / "io-report.json"

    Scanner.judge_encodable = _recording  # type: ignore[method-assign]
    real = scan(path, brands, fresh(state), out)
    print(f"real first run (judging included): {real / n * 1e6:.0f} us CPU a post", flush=True)
    Scanner.judge_encodable = _replaying  # type: ignore[method-assign]
    firsts, agains, fulls = [], [], []
    size = 0
    in_state: dict[str, list[str]] = {"first": [], "only-new": [], "full": []}
    for _ in range(args.repeat):
        firsts.append(scan(path, brands, fresh(state), out))
        in_state["first"].append(state_part(n))
        size = sum(Path(f"{state}{x}").stat().st_size for x in ("", "-wal") if Path(f"{state}{x}").exists())
        agains.append(scan(path, brands, state, Path(os.devnull), "--only-new"))
        in_state["only-new"].append(state_part(n))
        fulls.append(scan(path, brands, state, Path(os.devnull)))
        in_state["full"].append(state_part(n))
    print(f"state file after the first run: {size / n:,.0f} bytes a post")
    print(
        f"outside judging, first run: {min(firsts) / n * 1e6:.1f} us CPU a post "
        f"(runs: {', '.join(f'{t / n * 1e6:.1f}' for t in firsts)})"
    )
    print(
        f"--only-new re-run, unchanged: {min(agains) / n * 1e6:.1f} us CPU a post "
        f"(runs: {', '.join(f'{t / n * 1e6:.1f}' for t in agains)})"
    )
    print(
        f"re-run reporting every post, unchanged: {min(fulls) / n * 1e6:.1f} us CPU a post "
        f"(runs: {', '.join(f'{t / n * 1e6:.1f}' for t in fulls)})"
    )
    print("of which in the state's methods (CPU a post, each run):")
    for kind, parts in in_state.items():
        for text in parts:
            print(f"  {kind}: {text}")
    print("stages one by one (CPU a post):")
    stages(path, n)
    store_parts(path, brands, work / "io-parts.sqlite", n)
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        scan(path, brands, fresh(state), out)
        prof.disable()
        text = io.StringIO()
        stats = pstats.Stats(prof, stream=text)
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
        print(text.getvalue())


if __name__ == "__main__":
    main()
