"""What a scan costs outside analysis and judging: prints numbers, never asserts.

    python3 bench/io_profile.py --posts 20000              # CPU per post, first run and --only-new re-run
    python3 bench/io_profile.py --posts 20000 --profile    # and where the first run's time goes (cProfile)

A real `compliance scan --jobs 1 --state` runs in this process over `bench/gen.py` posts, once
with the real judge (which records each post's result), then again with `Scanner.judge_encodable`
answering from those records: what is left is reading, building posts, encoding, the state
file and writing the report. The stages are also timed one by one over the same posts. CPU
seconds (this process only) per post; start-up (building the scanner) is excluded.
"""

from __future__ import annotations

import argparse
import cProfile
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


def scan(path: Path, brands: Path, state: Path, out: Path, *extra: str) -> float:
    """One in-process `compliance scan`; CPU seconds of the run (reading to report, no start-up)."""
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


def stages(path: Path, n: int) -> None:
    """Each stage on its own over the same posts (CPU us per post)."""
    from compliance.readers import ReadOptions, read_inputs
    from compliance.reporters.streaming import pack, post_texts
    from compliance.run.state import _source_text, post_hash

    def clock(name: str, fn) -> object:
        start = time.process_time()
        value = fn()
        print(f"  {name}: {(time.process_time() - start) / n * 1e6:.1f} us", flush=True)
        return value

    records = clock("read + build Posts", lambda: list(read_inputs([str(path)], ReadOptions())))
    dicts = [_SEEN[r.id].to_dict() for r in records]
    clock("PostResult.to_dict", lambda: [_SEEN[r.id].to_dict() for r in records])
    clock("post_hash", lambda: [post_hash(r) for r in records])
    texts = clock("encode (line + block)", lambda: [post_texts(d) for d in dicts])
    clock("pack the line (what the state keeps)", lambda: [pack(line) for line, _ in texts])  # type: ignore[union-attr]
    clock("source text", lambda: [_source_text(d["source"]) for d in dicts])


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
    for _ in range(args.repeat):
        firsts.append(scan(path, brands, fresh(state), out))
        size = sum(Path(f"{state}{x}").stat().st_size for x in ("", "-wal") if Path(f"{state}{x}").exists())
        agains.append(scan(path, brands, state, Path(os.devnull), "--only-new"))
        fulls.append(scan(path, brands, state, Path(os.devnull)))
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
    print("stages one by one (CPU a post):")
    stages(path, n)
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
