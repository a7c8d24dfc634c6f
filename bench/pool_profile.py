"""Where the extra CPU of `--jobs 2` goes: prints numbers, never asserts.

    python3 bench/pool_profile.py --posts 50000             # one pair: --jobs 1, then --jobs 2
    python3 bench/pool_profile.py --posts 100000 --pairs 3  # three pairs, back to back

Each scan is a real `python3 -m compliance scan --state` process (this file, run with --child
as a wrapper) whose stages are timed with per-thread CPU clocks, in the main process and in the
pool's worker; each process writes its numbers when it ends. Printed per pair, CPU seconds:
- judging: ChunkJudge, in each process (analysis, rules, the tokenizer's learning before each
  zone: `learning`, which each process of a pool does for itself);
- the analyser's build (importing spaCy) and its warming: once, before any worker starts;
- encoding: each post's JSON texts (by a worker for its posts, by the state's store for the rest);
- rendering: a worker's brief of each post (the few fields the main process reads);
- results' transport: the worker's spill write (its pieces' time outside judging and
  rendering) and the main process's read (`_unspill`);
- records' transport: the worker's time outside its pieces (receiving and unpickling them)
  and the main process's other threads (the executor's, pickling them);
- state: lookups and stores (compressing, SQLite), in the main process;
- the rest of the main process: reading, summary, writing the report, start-up.
Involuntary context switches count the times a process was made to give way: another
process wanted the core. Thousands mean the cores were shared with other work, which a
pool of two pays for more than a single process (every process is pre-empted, its caches
go cold), so such a pair says little about the pool itself.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import runpy
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JURISDICTIONS = ["us", "uk", "de", "fr"]
_CPU: defaultdict[str, float] = defaultdict(float)  # in a scan process: stage -> CPU seconds
_OPEN: list[float] = []  # CPU seconds of the stages now running inside the current one (a stack)


def _timed(name: str, fn):
    """`fn`, its CPU seconds added to `name`, less those of timed stages it calls (each second counts once)."""

    def wrapper(*args, **kwargs):
        start = time.thread_time()
        _OPEN.append(0.0)
        try:
            return fn(*args, **kwargs)
        finally:
            spent = time.thread_time() - start
            _CPU[name] += spent - _OPEN.pop()
            if _OPEN:
                _OPEN[-1] += spent

    return wrapper


def _write(out: str, kind: str) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _CPU["process"] = usage.ru_utime + usage.ru_stime
    _CPU["main thread"] = time.thread_time()
    _CPU["involuntary switches"] = usage.ru_nivcsw
    with open(f"{out}-{kind}-{os.getpid()}.json", "w") as stream:
        json.dump(_CPU, stream)


_judge_piece = None  # in a scan process: the pool's piece function, timed


def _piece(records, slot=None):
    _CPU["posts"] += len(records)
    assert _judge_piece is not None
    return _judge_piece(records, slot)


def child(out: str, args: list[str]) -> None:
    """Run `compliance ARGS` with the stages timed; numbers to OUT-{main,worker}-PID.json."""
    import atexit
    from multiprocessing import util

    import compliance.run.pool as pool
    from compliance.analysis.analyser import Analyser
    from compliance.analysis.tokenizer import _RunBound
    from compliance.judging.scanner import Scanner
    from compliance.run import state
    from compliance.run.chunks import ChunkJudge
    from compliance.run.state import ScanState

    ChunkJudge.__call__ = _timed("judging", ChunkJudge.__call__)  # type: ignore[method-assign]
    Analyser.prepare_zone = _timed("learning", Analyser.prepare_zone)  # type: ignore[method-assign]
    _RunBound.learn = _timed("learning", _RunBound.learn)  # type: ignore[method-assign]
    Analyser.warm_vocabulary = _timed("build", Analyser.warm_vocabulary)  # type: ignore[method-assign]
    built = Scanner.__dict__["analyser"]  # a cached_property: its function builds the analyser once
    built.func = _timed("build", built.func)
    ScanState.store = _timed("state", ScanState.store)  # type: ignore[method-assign]
    ScanState.lookup = _timed("state", ScanState.lookup)  # type: ignore[method-assign]
    pool.rendered = _timed("rendering", pool.rendered)
    encoding = _timed("encoding", state.post_texts)  # both the worker's rendering and the state's store call it
    pool.post_texts = encoding  # type: ignore[assignment]
    state.post_texts = encoding  # type: ignore[assignment]
    pool._unspill = _timed("results", pool._unspill)
    global _judge_piece
    _judge_piece = _timed("results", pool._judge_chunk)  # what is left of a piece: writing its results
    pool._judge_chunk = _piece  # sent to the worker by name: a module-level function of this script
    init = pool._init_worker

    def init_worker(*a, **k):
        _CPU.clear()  # a forked worker starts with a copy of the main process's numbers
        init(*a, **k)
        # A pool's worker ends through multiprocessing, which runs its finalizers, not atexit.
        util.Finalize(None, _write, args=(out, "worker"), exitpriority=100)

    pool._init_worker = init_worker
    atexit.register(_write, out, "main")
    sys.argv = ["compliance", *args]
    runpy.run_module("compliance", run_name="__main__")


def run(posts: Path, brands: Path, jobs: int, work: Path) -> tuple[float, dict[str, dict[str, float]]]:
    """One scan: its wall seconds and each process's numbers ("main", "worker")."""
    out = work / f"profile-j{jobs}"
    for old in glob.glob(f"{out}-*.json"):
        os.unlink(old)
    state = work / f"profile-state-j{jobs}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{state}{suffix}").unlink(missing_ok=True)
    cmd = [sys.executable, __file__, "--child", str(out), "--", "scan", str(posts), "--brands", str(brands)]
    cmd += ["--no-progress", "--jobs", str(jobs), "--state", str(state), "-o", os.devnull]
    for j in JURISDICTIONS:
        cmd += ["-j", j]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    start = time.perf_counter()
    rc = subprocess.run(cmd, cwd=ROOT, env=env).returncode
    wall = time.perf_counter() - start
    if rc not in (0, 1):
        raise SystemExit(f"failed ({rc}): {' '.join(cmd)}")
    found: dict[str, dict[str, float]] = {}
    for path in glob.glob(f"{out}-*.json"):
        kind = Path(path).name.split("-")[-2]
        with open(path) as stream:
            found[kind] = defaultdict(float, json.load(stream))
    return wall, found


ROWS = [
    ("judging", "judging (analysis, rules)"),
    ("learning", "tokenizer learning before each zone"),
    ("build", "analyser build (spaCy) + warming"),
    ("encoding", "encoding each post's texts (JSON)"),
    ("rendering", "a worker's brief of each post"),
    ("results", "results' transport (spill write / read)"),
    ("records", "records' transport"),
    ("state", "state (lookups, stores)"),
    ("rest", "rest (reading, summary, writing, start-up)"),
    ("process", "total"),
]


def stages(n: dict[str, float], worker: bool) -> dict[str, float]:
    """A process's CPU seconds by stage (see the module's docstring)."""
    timed = sum(n[key] for key in ("judging", "learning", "build", "encoding", "rendering", "results", "state"))
    out = {key: n[key] for key, _ in ROWS}
    if worker:  # its main thread outside the timed stages: receiving and unpickling records
        out["records"] = n["main thread"] - timed
    else:  # the executor's threads, which pickle the records sent
        out["records"] = n["process"] - n["main thread"]
        out["rest"] = n["main thread"] - timed
    return out


def main() -> None:
    if "--child" in sys.argv[1:2]:
        split = sys.argv.index("--")
        child(sys.argv[2], sys.argv[split + 1 :])
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=50_000)
    ap.add_argument("--pairs", type=int, default=1, help="--jobs 1 / --jobs 2 pairs, back to back")
    ap.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "compliance-bench"))
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    import gen

    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    brands = work / "brands.txt"
    gen.brands_file(str(brands))
    posts = work / f"posts-{args.posts}.jsonl"
    if not posts.exists():
        gen.write_posts(str(posts), args.posts)
    for pair in range(args.pairs):
        load = os.getloadavg()[0]
        wall1, one = run(posts, brands, 1, work)
        wall2, two = run(posts, brands, 2, work)
        j1 = stages(one["main"], worker=False)
        main2 = stages(two["main"], worker=False)
        worker2 = stages(two["worker"], worker=True)
        print(f"\npair {pair + 1}, {args.posts:,} posts, load average {load:.1f} at start")
        print(f"{'CPU seconds':44} {'jobs 1':>8} {'jobs 2 main':>12} {'worker':>8} {'jobs 2 - jobs 1':>16}")
        for key, name in ROWS:
            a, b, c = j1[key], main2[key], worker2[key]
            print(f"{name:44} {a:8.2f} {b:12.2f} {c:8.2f} {b + c - a:+16.2f}")
        print(
            f"{'involuntary context switches':44} {one['main']['involuntary switches']:8.0f} "
            f"{two['main']['involuntary switches']:12.0f} {two['worker']['involuntary switches']:8.0f}"
        )
        extra = (main2["process"] + worker2["process"]) / j1["process"] - 1
        print(
            f"wall {wall1:.1f} s vs {wall2:.1f} s: {wall1 / wall2:.2f}x; the pool's extra CPU {extra * 100:+.1f}%; "
            f"posts judged by the worker: {two['worker']['posts']:,.0f}"
        )


if __name__ == "__main__":
    main()
