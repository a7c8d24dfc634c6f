"""Rebuild the git-ignored cache of real affiliate-linked YouTube descriptions.

    python3 bench/realworld_data/affiliates.py                   # git clone from GitHub (needs network)
    python3 bench/realworld_data/affiliates.py --source PATH     # a local clone or bare git dir

Source: Mathur, Narayanan & Chetty, "Endorsements on Social Media: An Empirical Study of
Affiliate Marketing Disclosures on YouTube and Pinterest" (CSCW 2018), repository
github.com/aruneshmathur/affiliate-marketing-disclosures. Its YouTube description sentences
(`disclosure-analysis/YouTube/clusters.csv`, 2,250 affiliate-linked videos) are joined back into
one description per video, one sentence per line, and its Adblock-style list of affiliate URL
formats (`affiliate_markting_links.txt`), which the authors compiled, is copied beside them as
the independent answer key for bench/realworld_affiliates.py.

The captions carry no licence: they are written to `.cache/realworld/affiliates/` (git-ignored)
and must never be committed, put in tests, or quoted in the repository.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = "https://github.com/aruneshmathur/affiliate-marketing-disclosures"
SENTENCES = "disclosure-analysis/YouTube/clusters.csv"
FILTERS = "affiliate_markting_links.txt"
ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "realworld" / "affiliates"


def read_file(source: Path, path: str) -> str:
    """A file from a checkout, or from a (bare) git directory at HEAD."""
    if (source / path).is_file():
        return (source / path).read_text(encoding="utf-8")
    git_dir = source if (source / "HEAD").is_file() else source / ".git"
    out = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"HEAD:{path}"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def build(source: Path, cache: Path = CACHE) -> dict:
    rows = csv.DictReader(io.StringIO(read_file(source, SENTENCES)))
    videos: dict[str, list[str]] = {}
    for row in rows:
        videos.setdefault(row["id"], []).append(row["sentence"])
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / "youtube_descriptions.jsonl", "w", encoding="utf-8", newline="\n") as out:
        for vid, sentences in videos.items():
            out.write(
                json.dumps({"id": vid, "platform": "youtube", "caption": "\n".join(sentences)}, ensure_ascii=False)
                + "\n"
            )
    (cache / "affiliate_formats.txt").write_text(read_file(source, FILTERS), encoding="utf-8")
    return {"videos": len(videos), "cache": str(cache)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="a local clone or bare git dir of the repository")
    args = parser.parse_args()
    if args.source:
        print(json.dumps(build(args.source)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["git", "clone", "--depth", "1", REPO, tmp + "/repo"], check=True)
        print(json.dumps(build(Path(tmp) / "repo")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
