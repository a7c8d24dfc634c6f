"""Disclosure precision and recall on real YouTube descriptions labelled by hand.

Reads the git-ignored cache built by `bench/realworld_data/disclosures.py` and the committed labels
`bench/realworld_data/disclosure_labels.jsonl` (video id, caption hash, split, and the lines that
disclose with their class; no caption text). Scans every labelled description with all rule
files and prints, for the `dev` half (patterns were developed against it), the `holdout` half
(never looked at while writing patterns) and both:

- disclosure precision and recall per description. A description counts as found only when a
  reported disclosure overlaps a line the labels mark as disclosing (right place, not just any
  word), and as a false alarm when something is reported on a description that discloses nothing
  or nowhere near a labelled line;
- class agreement on the found ones (the best class reported on the labelled lines against the
  labelled class);
- FTC-003 ("affiliate" does not say you are paid) on descriptions whose label is an explained
  payment (`payment-explained`): the target is 0.

    python bench/realworld_disclosures.py [--show dev] [--misses]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHE = ROOT / ".cache" / "realworld" / "disclosures" / "youtube.jsonl"
LABELS = ROOT / "bench" / "realworld_data" / "disclosure_labels.jsonl"
# The first sample's halves ("dev", "holdout") and the later samples, each labelled after the
# patterns last changed and held out whole until then ("round2", "round3": disclosure_labels_round<n>*.jsonl).
SPLITS = ("dev", "holdout", "round2", "round3")
ORDER = ["payment-explained", "sponsorship-named", "gift-named", "support-the-channel", "bare-affiliate"]
# A vocabulary label (a tag or a word) stands for the class its meaning is closest to.
MEANING_CLASS = {
    "affiliate": "bare-affiliate",
    "gift": "gift-named",
    "advertising": "sponsorship-named",
    "sponsorship": "sponsorship-named",
    "partnership": "sponsorship-named",
}


def line_spans(caption: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for line in caption.split("\n"):
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def class_of(d, vocabulary) -> str | None:
    if d.cls:
        return d.cls
    if d.label == "paid-link":
        return "payment-explained"
    entry = vocabulary.get(d.label)
    return MEANING_CLASS.get(entry.meaning) if entry else None


def counted(d, vocabulary) -> bool:
    """Statements, and vocabulary labels the rule files treat as commercial ("#ad", "affiliate")."""
    if d.cls:
        return True
    entry = vocabulary.get(d.label)
    return bool(entry and entry.commercial)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", choices=[*SPLITS, "all"], help="print the errors of one split")
    parser.add_argument("--misses", action="store_true", help="with --show: the lines of missed disclosures")
    args = parser.parse_args(argv)
    if not CACHE.is_file():
        sys.exit(f"no cache at {CACHE}: run bench/realworld_data/disclosures.py first")
    from compliance.judging.scanner import Scanner
    from compliance.model import Post, Source
    from compliance.ruleset.loader import default_dirs

    posts = {}
    for line in CACHE.read_text(encoding="utf-8").splitlines():
        p = json.loads(line)
        posts[p["id"]] = p
    labels = [
        json.loads(line)
        for path in sorted(LABELS.parent.glob("disclosure_labels*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    codes = sorted({p.stem for d in default_dirs() for p in d.glob("*.toml")} - {"base"})
    scanner = Scanner(["us"] + [c for c in codes if c != "us"])
    vocabulary = scanner.analyser.vocabulary
    stats = {
        split: {"tp": 0, "fp": 0, "fn": 0, "agree": 0, "explained": 0, "ftc003": 0, "n": 0}
        for split in SPLITS
        if split in {lab["split"] for lab in labels}
    }
    errors = []
    for lab in labels:
        post = posts.get(lab["id"])
        if post is None or hashlib.sha256(post["caption"].encode()).hexdigest()[:16] != lab["sha"]:
            sys.exit(f"{lab['id']}: caption missing or changed in the cache; rebuild it")
        caption = post["caption"]
        result = scanner.judge(Post(id=lab["id"], caption=caption, source=Source(str(CACHE)), platform="youtube"))
        found = [d for d in result.disclosures if counted(d, vocabulary)]
        spans = line_spans(caption)
        marked = [spans[s["line"]] for s in lab["statements"]]
        on_lines = [d for d in found if any(d.start < hi and lo < d.end for lo, hi in marked)]
        st = stats[lab["split"]]
        st["n"] += 1
        if lab["discloses"]:
            if on_lines:
                st["tp"] += 1
                got = [c for c in (class_of(d, vocabulary) for d in on_lines) if c]
                best = min(got, key=ORDER.index) if got else None
                st["agree"] += best == lab["class"]
                if best != lab["class"]:
                    errors.append((lab["split"], "class", lab, caption, found, best))
            else:
                st["fn"] += 1
                errors.append((lab["split"], "miss", lab, caption, found, None))
            if found and not on_lines:
                st["fp"] += 1
        elif found:
            st["fp"] += 1
            errors.append((lab["split"], "false", lab, caption, found, None))
        if lab["class"] == "payment-explained":
            st["explained"] += 1
            fired = [f for f in result.verdicts["us"].findings if f.rule == "FTC-003"]
            st["ftc003"] += bool(fired)
            if fired:
                errors.append((lab["split"], "FTC-003", lab, caption, found, None))
    print(f"{len(labels)} hand-labelled real YouTube descriptions (Mathur et al. 2018), platform youtube\n")
    print(
        f"{'split':8} {'n':>4} {'disclose':>8} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}"
        f" {'class ok':>8} {'explained':>9} {'FTC-003':>7}"
    )
    total = {k: sum(s[k] for s in stats.values()) for k in next(iter(stats.values()))}
    for name, st in (*stats.items(), ("all", total)):
        prec = st["tp"] / (st["tp"] + st["fp"]) if st["tp"] + st["fp"] else 1.0
        rec = st["tp"] / (st["tp"] + st["fn"]) if st["tp"] + st["fn"] else 1.0
        agree = f"{st['agree']}/{st['tp']}"
        print(
            f"{name:8} {st['n']:>4} {st['tp'] + st['fn']:>8} {st['tp']:>4} {st['fp']:>4} {st['fn']:>4}"
            f" {prec:>9.3f} {rec:>7.3f} {agree:>8} {st['explained']:>9} {st['ftc003']:>7}"
        )
    if args.show:
        for split, kind, lab, caption, found, best in errors:
            if args.show != "all" and split != args.show:
                continue
            print(f"\n[{split}] {kind} {lab['id']} label={lab['class']} got={best}")
            for d in found:
                print(f"   found {d.label}/{d.cls}: {d.text[:120]!r}")
            if args.misses or kind != "miss":
                lines = caption.split("\n")
                for s in lab["statements"]:
                    print(f"   line {s['line']} {s['class']}: {lines[s['line']][:160]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
