"""Rebuild the git-ignored cache of real Instagram captions used by `bench/realworld_discover.py`.

The captions come from two public research repositories that carry no licence, so they are never
committed: this script reads them from a local git mirror (bare or not) or clones them from GitHub,
and writes `.cache/realworld/instagram/posts.jsonl`, one post per line:

    {"id": "ks-…", "dataset": "kayschulz", "caption": "…", "dataset_label": 1, "half": "dev"}

`id` is a stable hash of the dataset's own post key (the post link, the image file name), so the
hand labels in `instagram_labels.jsonl` can be committed without any caption text. `half` splits
the posts by that hash into `dev` (cues are developed on it) and `holdout` (only reported).

    python bench/realworld_data/instagram.py                      # git clone both repos (network)
    python bench/realworld_data/instagram.py --kayschulz DIR --documentintent DIR   # local mirrors
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "realworld" / "instagram"
REPOS = {
    # The full labelled file lives only in this commit's tree; later commits deleted it.
    "kayschulz": ("https://github.com/kayschulz/detecting_promotional_instagrams.git", "2e0eb0c", "data/posts.csv"),
    "documentintent": ("https://github.com/karansikka1/documentIntent_emnlp19.git", "HEAD", "master_metadata.json"),
}


def stable_id(dataset: str, key: str) -> str:
    digest = hashlib.sha256(f"{dataset}\0{key}".encode()).hexdigest()
    return f"{dataset[:2]}-{digest[:16]}"


def half_of(post_id: str) -> str:
    """Half by hash, never by content: the split cannot be steered by what a caption says."""
    return "dev" if int(hashlib.sha256(post_id.encode()).hexdigest(), 16) % 2 == 0 else "holdout"


def git_show(git_dir: Path, commit: str, path: str) -> str:
    out = subprocess.run(
        ["git", "--git-dir", str(git_dir), "show", f"{commit}:{path}"], check=True, capture_output=True
    )
    return out.stdout.decode("utf-8", errors="replace")


def git_dir_of(path: Path) -> Path:
    """A bare mirror, a checkout (its `.git`), or a folder holding either."""
    for candidate in (path, path / ".git", path / "repo", path / "repo" / ".git"):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    raise SystemExit(f"{path}: not a git repository")


def kayschulz_posts(text: str) -> list[dict]:
    out = []
    for row in csv.DictReader(io.StringIO(text)):
        key = (row.get("link") or "").strip()
        caption = row.get("comment") or ""
        if not key or row.get("promo") not in ("0", "1"):
            continue
        out.append(
            {"key": key, "caption": caption, "dataset_label": int(row["promo"]), "account": row.get("user") or ""}
        )
    return out


def documentintent_posts(text: str) -> list[dict]:
    out = []
    for item in json.loads(text):
        key = str(item.get("id") or "")
        if not key:
            continue
        out.append(
            {
                "key": key,
                "caption": item.get("orig_caption") or item.get("caption") or "",
                "dataset_label": int(item.get("intent") == "promote"),
                "account": "",
            }
        )
    return out


PARSERS = {"kayschulz": kayschulz_posts, "documentintent": documentintent_posts}


def build(sources: dict[str, Path], cache: Path = CACHE) -> Path:
    rows = []
    for dataset, (_url, commit, path) in REPOS.items():
        seen = set()
        for post in PARSERS[dataset](git_show(git_dir_of(sources[dataset]), commit, path)):
            post_id = stable_id(dataset, post["key"])
            if post_id in seen:
                continue
            seen.add(post_id)
            rows.append(
                {
                    "id": post_id,
                    "dataset": dataset,
                    "caption": post["caption"],
                    "dataset_label": post["dataset_label"],
                    "account": post["account"],
                    "half": half_of(post_id),
                }
            )
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / "posts.jsonl"
    with target.open("w", encoding="utf-8", newline="\n") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kayschulz", type=Path, help="local git mirror of kayschulz/detecting_promotional_instagrams")
    parser.add_argument("--documentintent", type=Path, help="local git mirror of karansikka1/documentIntent_emnlp19")
    parser.add_argument("--cache", type=Path, default=CACHE)
    args = parser.parse_args(argv)
    given = {"kayschulz": args.kayschulz, "documentintent": args.documentintent}
    with tempfile.TemporaryDirectory() as tmp:
        sources = {}
        for dataset, path in given.items():
            if path is None:  # clone (needs network); blob-less, the files are read with git show
                url = REPOS[dataset][0]
                path = Path(tmp) / dataset
                subprocess.run(["git", "clone", "--bare", "--filter=blob:none", "--quiet", url, str(path)], check=True)
            sources[dataset] = path
        target = build(sources, args.cache)
    n = sum(1 for _ in target.open(encoding="utf-8"))
    print(f"wrote {n} posts to {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
