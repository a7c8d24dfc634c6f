"""`--discover` on real Instagram captions: precision, recall and F1, on our hand labels and on the
datasets' own labels, for the development half and the held-out half.

The captions are not in the repository (they carry no licence): build the cache first with
`python bench/realworld_data/instagram.py` (see bench/realworld_data/README.md). The hand labels
(`bench/realworld_data/instagram_labels.jsonl`) hold only a hash id and a class per post.

Each post carries its author when the data set names the account (kayschulz does, documentIntent
does not), as a platform export's `username` would: own-name cues read it.

A post counts as found when its verdict is not `clear` (so a post the scanner finds commercial
without `--discover`, for example through `#ad` or a discount code, counts too); the line
"without --discover" shows what the scanner finds on its own.

    python bench/realworld_discover.py [--cache DIR] [--labels FILE] [-j us] [--errors dev] [--skip 525:725]

`--skip START:END` leaves out positions START..END-1 of each data set in id order (a labelling round
still held out): they are neither judged nor counted, also in the datasets' own labels. The last
block counts, for each cue kind, the unlabelled posts it fires on (and how many of those the data
set calls promotional), to spot false alarms of a new cue on captions nobody tuned to.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compliance.analysis.discover import load_catalogue  # noqa: E402
from compliance.judging.scanner import Scanner  # noqa: E402
from compliance.model import Post, Source  # noqa: E402

CACHE = ROOT / ".cache" / "realworld" / "instagram"
LABELS = ROOT / "bench" / "realworld_data" / "instagram_labels.jsonl"
# Labelled after the cues were last changed: round 2 the next 150 posts of each data set in id
# order (positions 225-374), round 3 the 150 after those (375-524), round 4 the 200 after those
# (525-724; one file per data set, each labelled by its own reader), round 5 the 200 after those (725-924).
DATA = ROOT / "bench" / "realworld_data"
ROUNDS = {
    "round2": [DATA / "instagram_labels_round2.jsonl"],
    "round3": [DATA / "instagram_labels_round3.jsonl"],
    "round4": [DATA / "instagram_labels_round4_a.jsonl", DATA / "instagram_labels_round4_b.jsonl"],
    # positions 725-924, labelled while the cues of round 4's pass were written: absent until measured
    "round5": [DATA / "instagram_labels_round5_a.jsonl", DATA / "instagram_labels_round5_b.jsonl"],
}
HALVES = ("dev", "holdout", "round2", "round3", "round4", "round5")


def prf(pairs: list[tuple[bool, bool]]) -> dict[str, float]:
    tp = sum(1 for truth, pred in pairs if truth and pred)
    fp = sum(1 for truth, pred in pairs if not truth and pred)
    fn = sum(1 for truth, pred in pairs if truth and not pred)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"n": len(pairs), "pos": tp + fn, "tp": tp, "fp": fp, "fn": fn, "p": p, "r": r, "f1": f}


def line(name: str, m: dict[str, float]) -> str:
    return (
        f"  {name:<44} n={m['n']:>4} pos={m['pos']:>3}  P={m['p']:.3f}  R={m['r']:.3f}  "
        f"F1={m['f1']:.3f}  (tp {m['tp']}, fp {m['fp']}, fn {m['fn']})"
    )


def predictions(posts: list[dict], jurisdictions: list[str], discover: bool) -> tuple[dict[str, dict], float]:
    """Each post's outcome, and the CPU seconds the judging took (the scanner's start-up and a
    first pass over 300 posts, which fills the tokenizer's caches, aside)."""
    scanner = Scanner(jurisdictions, discover=discover)
    out = {}
    for row in posts[:300]:
        scanner.judge_record(_post(row))
    started = time.process_time()
    for row in posts:
        result = scanner.judge_record(_post(row))
        statuses = {v.status for v in result.verdicts.values()}
        out[row["id"]] = {
            "found": bool(statuses - {"clear"}),
            "discovery": result.discovery,
            "score": float((result.discovery or {}).get("score") or 0.0),
            "cues": [(s.kind, s.text) for s in result.signals if s.kind.startswith("cue-")],
        }
    return out, time.process_time() - started


def loro_table(posts: list[dict], labels: dict[str, str], without: dict, with_cues: dict) -> None:
    """Leave one round out: the threshold that maximises F1 on the other labelled rounds together,
    and the F1 it gives on the round left out, next to the catalogue's threshold. Round 1 is the
    dev and holdout halves together. Only the threshold moves (scores are the catalogue's)."""
    current = load_catalogue().threshold
    round_of = {"dev": "round1", "holdout": "round1"}
    rounds: dict[str, list[dict]] = {}
    for p in posts:
        if p["id"] in labels:
            rounds.setdefault(round_of.get(p["half"], p["half"]), []).append(p)
    if len(rounds) < 2:
        return

    def f1(group: list[dict], threshold: float) -> float:
        pairs = [
            (
                labels[p["id"]] in ("paid", "own"),
                without[p["id"]]["found"] or with_cues[p["id"]]["score"] >= threshold - 1e-9,
            )
            for p in group
        ]
        return prf(pairs)["f1"]

    grid = [round(0.30 + 0.05 * i, 2) for i in range(9)]  # 0.30 .. 0.70
    print("\nleave one round out (threshold chosen on the other rounds; F1 on the round left out):")
    for name in sorted(rounds):
        others = [p for r, group in rounds.items() if r != name for p in group]
        best = max(grid, key=lambda t: (round(f1(others, t), 4), t == current))
        print(
            f"  {name:<8} best threshold on the others {best:.2f} (F1 there {f1(others, best):.3f}): "
            f"F1 {f1(rounds[name], best):.3f} here, {f1(rounds[name], current):.3f} at the catalogue's {current:.2f}"
        )


def _span(text: str) -> tuple[int, int]:
    start, _, end = text.partition(":")
    return int(start), int(end)


def _without(posts: list[dict], start: int, end: int) -> list[dict]:
    """The posts, less positions start..end-1 of each data set in id order."""
    by_dataset: dict[str, list[str]] = {}
    for p in posts:
        by_dataset.setdefault(p["dataset"], []).append(p["id"])
    skipped = {i for ids in by_dataset.values() for i in sorted(ids)[start:end]}
    return [p for p in posts if p["id"] not in skipped]


def _post(row: dict) -> Post:
    return Post(
        id=row["id"],
        caption=row["caption"],
        source=Source("bench"),
        platform="instagram",
        # The account, as an Instagram export names the author (kayschulz only; documentIntent has none).
        author=row.get("account") or None,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("-j", "--jurisdiction", dest="jurisdictions", action="append")
    ap.add_argument("--errors", choices=HALVES, help="list the mistakes on this half (ids and cues)")
    ap.add_argument("--skip", type=_span, help="START:END: leave out these positions of each data set (id order)")
    args = ap.parse_args(argv)
    source = args.cache / "posts.jsonl"
    if not source.is_file():
        print(f"{source}: missing; build it with python bench/realworld_data/instagram.py", file=sys.stderr)
        return 2
    posts = [json.loads(line) for line in source.open(encoding="utf-8")]
    if args.skip:
        posts = _without(posts, *args.skip)
    labels = {row["id"]: row["label"] for row in map(json.loads, args.labels.open(encoding="utf-8"))}
    # Later rounds of labels, each held out whole until labelled: their posts form their own half.
    by_id = {p["id"]: p for p in posts}
    for half, paths in ROUNDS.items():
        for path in filter(Path.is_file, paths):
            for row in map(json.loads, path.open(encoding="utf-8")):
                labels[row["id"]] = row["label"]
                if row["id"] in by_id:
                    by_id[row["id"]]["half"] = half
    jurisdictions = args.jurisdictions or ["us"]
    without, cpu_without = predictions(posts, jurisdictions, False)
    with_cues, cpu_with = predictions(posts, jurisdictions, True)
    found = {True: with_cues, False: without}

    def measure(select, truth, discover=True):
        return prf([(truth(p), found[discover][p["id"]]["found"]) for p in posts if select(p)])

    labelled = [p for p in posts if p["id"] in labels]
    print(
        f"Real Instagram captions: {len(posts)} in the cache, {len(labelled)} labelled by hand "
        f"({sum(1 for p in labelled if labels[p['id']] == 'paid')} paid or gifted, "
        f"{sum(1 for p in labelled if labels[p['id']] == 'own')} own promotion, "
        f"{sum(1 for p in labelled if labels[p['id']] == 'organic')} organic). Jurisdictions: "
        f"{', '.join(jurisdictions)}. Judging took {cpu_without / len(posts) * 1e6:.0f} us of CPU a post, "
        f"{cpu_with / len(posts) * 1e6:.0f} us with --discover (one run each: noisy on a busy machine)."
    )
    commercial = lambda p: labels[p["id"]] in ("paid", "own")  # noqa: E731
    for half in (*(h for h in HALVES if any(p["half"] == h for p in posts)), "all"):
        in_half = lambda p, h=half: h == "all" or p["half"] == h  # noqa: E731
        print(f"\n[{half}]")
        print("hand labels, commercial = paid or gifted + own promotion:")
        print(line("--discover", measure(lambda p, in_half=in_half: p["id"] in labels and in_half(p), commercial)))
        print(
            line(
                "without --discover",
                measure(lambda p, in_half=in_half: p["id"] in labels and in_half(p), commercial, False),
            )
        )
        paid = measure(
            lambda p, in_half=in_half: p["id"] in labels and in_half(p) and labels[p["id"]] != "own",
            lambda p: labels[p["id"]] == "paid",
        )
        print(line("--discover, paid or gifted vs organic", paid))
        print("datasets' own labels:")
        for ds, name in (
            ("kayschulz", "kayschulz promo (1,065 posts)"),
            ("documentintent", "documentIntent 'promote' (1,299 posts)"),
        ):
            truth = lambda p: bool(p["dataset_label"])  # noqa: E731
            print(
                line(
                    f"--discover, {name}",
                    measure(lambda p, ds=ds, in_half=in_half: p["dataset"] == ds and in_half(p), truth),
                )
            )
            print(
                line(
                    "without --discover",
                    measure(lambda p, ds=ds, in_half=in_half: p["dataset"] == ds and in_half(p), truth, False),
                )
            )
    loro_table(posts, labels, without, with_cues)
    unlabelled = [p for p in posts if p["id"] not in labels]
    fires: dict[str, list[int]] = {}
    for p in unlabelled:
        for kind in sorted({k for k, _ in with_cues[p["id"]]["cues"]}):
            counts = fires.setdefault(kind, [0, 0])
            counts[0] += 1
            counts[1] += bool(p["dataset_label"])
    print(f"\nunlabelled posts ({len(unlabelled)}): posts each cue kind fires on (of them, the data set's promotional)")
    for kind, (n, promo) in sorted(fires.items()):
        print(f"  {kind:<20} {n:>4} ({promo})")
    if args.errors:
        print(f"\nmistakes on the {args.errors} half (hand labels):")
        for p in labelled:
            if p["half"] != args.errors:
                continue
            pred = found[True][p["id"]]
            if pred["found"] != commercial(p):
                kind = "FP" if pred["found"] else "FN"
                print(f"  {kind} {p['id']} {labels[p['id']]:<8} {pred['cues']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
