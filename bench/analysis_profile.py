"""Per-post analysis cost against the tokenizer floor, in one process: prints numbers, never asserts.

    python bench/analysis_profile.py --posts 20000            # ratio scan / floor
    python bench/analysis_profile.py --posts 5000 --profile   # and the top cProfile entries

The floor is `json.loads` of each line plus `spacy.blank("en").make_doc(caption)` over the same
captions (bench/gen.py), in the same process. The scan is what `--jobs 1` does per post: parse
the line into a Post, analyse and judge it inside the scan's memory zones (`ChunkJudge`), and
turn the result into a dict. Report encoding and writing are not included (bench/batch.py
measures the whole command). Times are this process's CPU seconds, so other processes on a
loaded machine disturb them less; still, compare the ratios of one run.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import gen  # noqa: E402

from compliance.model import Source  # noqa: E402
from compliance.readers.post_fields import post_from_object  # noqa: E402

JURISDICTIONS = ["us", "uk", "de", "fr"]


def lines(count: int, seed: int = 7) -> list[str]:
    import random

    rng = random.Random(seed)
    return [json.dumps(gen.post(rng, n), ensure_ascii=False) for n in range(count)]


def floor(data: list[str]) -> float:
    """Seconds for json.loads + blank English make_doc on every line (a fresh pipeline)."""
    import spacy

    nlp = spacy.blank("en")
    start = time.process_time()
    count = 0
    for line in data:
        count += len(nlp.make_doc(json.loads(line)["caption"]))
    return time.process_time() - start


def scanner():
    from compliance.judging.scanner import Scanner

    return Scanner(jurisdictions=JURISDICTIONS, brands=gen.BRANDS + gen.HANDLES)


def scan(data: list[str], judge) -> float:
    """Seconds for parsing each line into a Post and judging it as `--jobs 1` does."""
    from compliance.run import CHUNK_SIZE

    start = time.process_time()
    chunk = []
    for i, line in enumerate(data):
        chunk.append(post_from_object(json.loads(line), Source("bench.jsonl", line=i + 1)))
        if len(chunk) == CHUNK_SIZE:
            judge(chunk)
            chunk = []
    if chunk:
        judge(chunk)
    return time.process_time() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=2, help="alternate floor and scan this many times; best of each")
    ap.add_argument("--profile", action="store_true", help="also profile one scan and print the top entries")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument(
        "--timer",
        choices=["cpu", "wall"],
        default="cpu",
        help="profile clock: this process's CPU time (default; other processes on a shared machine do not "
        "inflate it) or wall time (cProfile's own default)",
    )
    args = ap.parse_args()
    from compliance.run.chunks import ChunkJudge

    data = lines(args.posts)
    judge = ChunkJudge(scanner())
    judge([post_from_object(json.loads(line), Source("warm", line=1)) for line in data[:50]])  # build matchers
    floors, scans = [], []
    for _ in range(args.rounds):
        gc.collect()
        floors.append(floor(data))
        gc.collect()
        scans.append(scan(data, judge))
    f, s = min(floors), min(scans)
    print(f"posts: {args.posts:,}")
    print(f"floor (json.loads + blank('en').make_doc): {f:.2f} CPU s, {args.posts / f:,.0f} posts/s")
    print(f"scan  (parse + analyse + judge, --jobs 1): {s:.2f} CPU s, {args.posts / s:,.0f} posts/s")
    print(f"ratio scan / floor: {s / f:.2f}x")
    if args.profile:
        prof = cProfile.Profile(time.process_time) if args.timer == "cpu" else cProfile.Profile()
        prof.enable()
        scan(data, judge)
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
