"""Rebuild the git-ignored cache of real YouTube descriptions used by bench/realworld_disclosures.py.

Source: the data release of Mathur, Narayanan & Chetty, "Endorsements on Social Media: An Empirical
Study of Affiliate Marketing Disclosures on YouTube and Pinterest" (CSCW 2018),
https://github.com/aruneshmathur/affiliate-marketing-disclosures. Its file
`disclosure-analysis/YouTube/clusters.csv` holds, for 2,250 videos whose descriptions carry
affiliate links, the description split into sentences/lines (columns id, sentence, cluster).
We join each video's pieces with line breaks, in file order, as one caption.

The captions carry no licence: they are never committed. This script writes
`.cache/realworld/disclosures/youtube.jsonl` (one post per line: id, platform, caption, sha)
and the labelling samples `.cache/realworld/disclosures/sample.jsonl` and `sample2.jsonl`.

    python bench/realworld_data/disclosures.py PATH     # a clone or a bare mirror (git dir) of the repo
    python bench/realworld_data/disclosures.py --clone  # git clone it (needs network)
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "realworld" / "disclosures"
URL = "https://github.com/aruneshmathur/affiliate-marketing-disclosures"
MEMBER = "disclosure-analysis/YouTube/clusters.csv"
# Words that make a description worth reading for a disclosure. Used only to pick half of the
# labelling sample (the other half is drawn without it), so that the sample holds enough
# disclosures; the labels themselves come from reading every description in full.
CANDIDATE = re.compile(
    r"affiliat|commission|sponsor|disclos|disclaim|associate|compensat|paid|"
    r"support|provision|comisi|kickback|free|gift|\bearn",
    re.IGNORECASE,
)
SAMPLE_CANDIDATES = 100
SAMPLE_RANDOM = 100
# A third draw of 100 with narrower words, because the first two held few disclosures (37 of 200).
STRICT = re.compile(
    r"affiliat|commission|sponsor|disclos|disclaim|associates? program|compensat|"
    r"support (?:the|this|my|our) channel|at no (?:extra|additional) cost|provision|comisi",
    re.IGNORECASE,
)
SAMPLE_STRICT = 100


def read_csv(source: Path) -> str:
    """The CSV text from a working clone or a bare git directory."""
    if (source / MEMBER).is_file():
        return (source / MEMBER).read_text(encoding="utf-8")
    git_dir = source / ".git" if (source / ".git").exists() else source
    out = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"HEAD:{MEMBER}"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def posts(csv_text: str) -> list[dict]:
    pieces: dict[str, list[str]] = {}
    for row in csv.DictReader(io.StringIO(csv_text)):
        pieces.setdefault(row["id"], []).append(row["sentence"].strip())
    out = []
    for vid, lines in pieces.items():
        caption = "\n".join(lines)
        out.append({"id": vid, "platform": "youtube", "caption": caption, "sha": sha(caption)[:16]})
    return out


def split_of(vid: str) -> str:
    """Half of the labelled set is held out: patterns are developed on `dev` only."""
    return "dev" if int(sha("split:" + vid)[-1], 16) % 2 == 0 else "holdout"


def sample(all_posts: list[dict]) -> list[dict]:
    """A fixed sample: 100 descriptions with a disclosure-ish word, 100 drawn from all of them, and
    100 more with a narrower disclosure word. Sorted by id; `split` halves it for dev / holdout."""
    order = sorted(all_posts, key=lambda p: sha("sample:" + p["id"]))
    picked: list[dict] = [p for p in order if CANDIDATE.search(p["caption"])][:SAMPLE_CANDIDATES]
    seen = {p["id"] for p in picked}
    rest = [p for p in sorted(all_posts, key=lambda p: sha("random:" + p["id"])) if p["id"] not in seen]
    picked += rest[:SAMPLE_RANDOM]
    seen = {p["id"] for p in picked}
    strict = [
        p
        for p in sorted(all_posts, key=lambda p: sha("strict:" + p["id"]))
        if p["id"] not in seen and STRICT.search(p["caption"])
    ]
    picked += strict[:SAMPLE_STRICT]
    return [{**p, "split": split_of(p["id"])} for p in sorted(picked, key=lambda p: p["id"])]


def sample_round(all_posts: list[dict], earlier: list[dict], n: int) -> list[dict]:
    """Labelling sample number `n` (2, 3, ...), drawn the same three ways (other hash salts) from the
    descriptions the earlier samples left out. Each later round is labelled after the patterns were
    last changed and held out whole (`split` "round<n>"); earlier rounds become development data."""
    taken = {p["id"] for p in earlier}
    rest = [p for p in all_posts if p["id"] not in taken]
    picked = [p for p in sorted(rest, key=lambda p: sha(f"sample{n}:" + p["id"])) if CANDIDATE.search(p["caption"])]
    picked = picked[:SAMPLE_CANDIDATES]
    seen = {p["id"] for p in picked}
    randoms = [p for p in sorted(rest, key=lambda p: sha(f"random{n}:" + p["id"])) if p["id"] not in seen]
    picked += randoms[:SAMPLE_RANDOM]
    seen = {p["id"] for p in picked}
    strict = [
        p
        for p in sorted(rest, key=lambda p: sha(f"strict{n}:" + p["id"]))
        if p["id"] not in seen and STRICT.search(p["caption"])
    ]
    picked += strict[:SAMPLE_STRICT]
    return [{**p, "split": f"round{n}"} for p in sorted(picked, key=lambda p: p["id"])]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, help="a clone or bare mirror of " + URL)
    parser.add_argument("--clone", action="store_true", help="git clone the repository (network)")
    args = parser.parse_args(argv)
    if args.clone:
        tmp = Path(tempfile.mkdtemp())
        subprocess.run(["git", "clone", "--depth", "1", URL, str(tmp / "repo")], check=True)
        source = tmp / "repo"
    elif args.source:
        source = args.source
    else:
        parser.error("give a PATH to the repository or --clone")
    all_posts = posts(read_csv(source))
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "youtube.jsonl", "w", encoding="utf-8") as fh:
        for p in all_posts:
            fh.write(json.dumps(p, ensure_ascii=False, sort_keys=True) + "\n")
    chosen = sample(all_posts)
    with open(CACHE / "sample.jsonl", "w", encoding="utf-8") as fh:
        for p in chosen:
            fh.write(json.dumps(p, ensure_ascii=False, sort_keys=True) + "\n")
    earlier = list(chosen)
    sizes = [len(chosen)]
    for n in (2, 3):
        later = sample_round(all_posts, earlier, n)
        with open(CACHE / f"sample{n}.jsonl", "w", encoding="utf-8") as fh:
            for p in later:
                fh.write(json.dumps(p, ensure_ascii=False, sort_keys=True) + "\n")
        earlier += later
        sizes.append(len(later))
    print(
        f"{len(all_posts)} descriptions -> {CACHE / 'youtube.jsonl'}; labelling samples of "
        + ", ".join(map(str, sizes))
        + " (sample.jsonl, sample2.jsonl, sample3.jsonl)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
