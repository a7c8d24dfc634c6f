"""How far two readers agree on the Instagram hand labels: the ceiling any `--discover` score meets.

A round read twice, independently, under the same guide (`bench/realworld_data/README.md`), is
scored the way `bench/realworld_discover.py` scores the scanner: the first reader as truth, the
second as the prediction, commercial = paid or gifted + own promotion. If two careful people
agree at F1 0.8, a caption-only rule cannot be expected to agree with either much better.

    python bench/realworld_agreement.py            # every round with a second reading

Only label files are read (ids and classes): no captions, so no cache is needed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from realworld_discover import prf  # noqa: E402  (the scanner's own scoring, so the two compare)

DATA = ROOT / "bench" / "realworld_data"
CLASSES = ("paid", "own", "organic")
# round: (first readings, second readings), each a list of files (one per data set)
READINGS = {
    "round4": (
        [DATA / "instagram_labels_round4_a.jsonl", DATA / "instagram_labels_round4_b.jsonl"],
        [DATA / "instagram_labels_round4_second_a.jsonl", DATA / "instagram_labels_round4_second_b.jsonl"],
    ),
}


def read(paths: list[Path]) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in filter(Path.is_file, paths):
        for row in map(json.loads, path.open(encoding="utf-8")):
            out[row["id"]] = row["label"]
    return out


def kappa(pairs: list[tuple[str, str]], classes: tuple[str, ...]) -> float:
    """Cohen's kappa: agreement beyond what two readers with these class rates reach by chance."""
    n = len(pairs)
    observed = sum(1 for a, b in pairs if a == b) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[c] * second[c] for c in classes) / (n * n)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def report(name: str, first: dict[str, str], second: dict[str, str]) -> None:
    ids = sorted(set(first) & set(second))
    if not ids:
        return
    pairs = [(first[i], second[i]) for i in ids]
    commercial = [(a != "organic", b != "organic") for a, b in pairs]
    m = prf(commercial)
    binary = [("commercial" if a else "organic", "commercial" if b else "organic") for a, b in commercial]
    print(f"[{name}] {len(ids)} posts read twice")
    print(
        f"  commercial (paid + own), second reader against the first: P={m['p']:.3f}  R={m['r']:.3f}  "
        f"F1={m['f1']:.3f}  (both {m['tp']}, only second {m['fp']}, only first {m['fn']})"
    )
    print(
        f"  same class {sum(1 for a, b in pairs if a == b) / len(pairs):.3f}; Cohen's kappa: three classes "
        f"{kappa(pairs, CLASSES):.3f}, commercial or not {kappa(binary, ('commercial', 'organic')):.3f}"
    )
    table = Counter(pairs)
    print("  first \\ second  " + "".join(f"{c:>9}" for c in CLASSES))
    for a in CLASSES:
        print(f"  {a:<15} " + "".join(f"{table[(a, b)]:>9}" for b in CLASSES))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.parse_args(argv)
    shown = 0
    for name, (first_paths, second_paths) in READINGS.items():
        first, second = read(first_paths), read(second_paths)
        if set(first) & set(second):
            report(name, first, second)
            shown += 1
    if not shown:
        print("no round has a second reading yet", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
