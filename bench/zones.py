"""Memory-zone size: throughput, words created and peak memory per zone size. Prints numbers.

Posts/s is wall time; CPU us/post is this process's CPU time, which other processes on a shared
machine disturb less.

    python bench/zones.py                      # 10,000 posts, zone sizes 100 ... 5000
    python bench/zones.py --posts 20000 --sizes 200,1000,2000 --no-warm
    python bench/zones.py --no-learn          # the tokenizer does not learn recurring words

Each size runs in a fresh process over the same bench/gen.py posts (as `--jobs 1` judges them,
`ChunkJudge`), so peak RSS is that run's own. "lexemes/post" counts the words the tokenizer had
to create (inside a zone a word is created again in every zone it appears in, until the
tokenizer learns it after a second zone: "learned" counts those, up to its budget): warming the
vocabulary outside the zones and larger zones both lower it; larger zones hold more transient
words at once. compliance.run.chunks.ZONE_SIZE is chosen from this table.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import gen  # noqa: E402

JURISDICTIONS = ["us", "uk", "de", "fr"]


def child(posts: int, zone: int, warm: bool, learn: bool = True) -> None:
    from compliance.judging.scanner import Scanner
    from compliance.model import Source
    from compliance.readers.post_fields import post_from_object
    from compliance.run import CHUNK_SIZE
    from compliance.run.chunks import ChunkJudge

    rng = random.Random(7)
    records = [post_from_object(gen.post(rng, n), Source("bench", line=n + 1)) for n in range(posts)]
    scanner = Scanner(jurisdictions=JURISDICTIONS, brands=gen.BRANDS + gen.HANDLES)
    analyser = scanner.analyser
    if not warm:
        analyser._warmed = True  # as if done: nothing is warmed
    if not learn:
        analyser.nlp.tokenizer.learning = False
    vocab = analyser.nlp.vocab
    judge = ChunkJudge(scanner, zone_size=zone)
    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    warm_s = 0.0
    if warm:
        analyser.warm_vocabulary()
        warm_s = time.perf_counter() - t
    before = len(vocab)
    t, cpu = time.perf_counter(), time.process_time()
    for i in range(0, posts, CHUNK_SIZE):
        judge(records[i : i + CHUNK_SIZE])
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    created = len(vocab) - before  # the vocab counts every lexeme ever made, freed ones too
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    learned = getattr(analyser.nlp.tokenizer, "learned", 0)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "warm_s": warm_s,
                "created": created,
                "peak": peak,
                "start": start_rss,
                "learned": learned,
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=10_000)
    ap.add_argument("--sizes", default="100,200,500,1000,2000,5000")
    ap.add_argument("--no-warm", action="store_true", help="do not warm the vocabulary (the old behaviour)")
    ap.add_argument("--no-learn", action="store_true", help="the tokenizer does not learn words recurring across zones")
    ap.add_argument("--child", nargs=3, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.posts, args.child[0], bool(args.child[1]), bool(args.child[2]))
        return
    print(
        f"{args.posts:,} posts, jurisdictions {','.join(JURISDICTIONS)}, warm: {not args.no_warm}, "
        f"learn: {not args.no_learn}"
    )
    print(
        "| zone size | posts/s | CPU us/post | lexemes created/post | words learned | peak RSS MiB | RSS growth while judging MiB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size in [int(s) for s in args.sizes.split(",")]:
        flags = [str(int(not args.no_warm)), str(int(not args.no_learn))]
        cmd = [sys.executable, __file__, "--posts", str(args.posts), "--child", str(size), *flags]
        out = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT).stdout)
        print(
            f"| {size} | {args.posts / out['seconds']:,.0f} | {out['cpu'] / args.posts * 1e6:.0f} "
            f"| {out['created'] / args.posts:.2f} | {out['learned']:,} "
            f"| {out['peak'] / 1024:.0f} | {(out['peak'] - out['start']) / 1024:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
