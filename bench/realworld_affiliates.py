"""Affiliate-link recall on real YouTube descriptions, per programme, against an independent key.

    python3 bench/realworld_data/affiliates.py --source PATH   # once: build the git-ignored cache
    python3 bench/realworld_affiliates.py                       # then: print the numbers

The answer key is the research group's own list of affiliate URL formats (Adblock filter syntax,
grouped by network or merchant), not our catalogue. Every link in the 2,250 descriptions that a
format in that list matches is an affiliate link "whose format a network identifies"; it counts
as found when the scanner (the real analyser, all of its rules) reports an affiliate_link
signal over it. Also printed: how many descriptions show any affiliate link, and the share of
links that go through a known shortener (whose target the text does not show).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CACHE = ROOT / ".cache" / "realworld" / "affiliates"


def parse_formats(text: str) -> list[tuple[str, re.Pattern]]:
    """(group, pattern) per filter line. `||` = scheme and any subdomain, `*` = anything,
    `^` = a separator or the end; everything else literal."""
    out = []
    group = "?"
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("!"):
            group = line[1:].strip()
            continue
        body = line[2:] if line.startswith("||") else line
        rx = "".join(".*?" if ch == "*" else "(?:[/?&=:]|$)" if ch == "^" else re.escape(ch) for ch in body)
        prefix = r"^[a-z]+://(?:[^/?#]*\.)?" if line.startswith("||") else ""
        out.append((group, re.compile(prefix + rx, re.IGNORECASE)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--misses", type=int, default=0, help="print up to N missed links per group (stderr)")
    parser.add_argument(
        "--without-catalogue",
        action="store_true",
        help="judge with an empty catalogue (base.toml's generic hosts and parameters only), "
        "to see what the catalogue adds",
    )
    args = parser.parse_args()
    posts_file = args.cache / "youtube_descriptions.jsonl"
    if not posts_file.is_file():
        print(f"no cache at {args.cache}: run bench/realworld_data/affiliates.py first", file=sys.stderr)
        return 2

    from compliance.analysis.affiliates import load_catalogue
    from compliance.analysis.links import find_links
    from compliance.judging.scanner import Scanner
    from compliance.model import Post, Source

    formats = parse_formats((args.cache / "affiliate_formats.txt").read_text(encoding="utf-8"))
    catalogue = load_catalogue()
    scanner = Scanner(["us"])
    if args.without_catalogue:
        from compliance.analysis.affiliates import parse_catalogue

        scanner.analyser.signals.catalogue = parse_catalogue({})
    total = Counter()
    found = Counter()
    misses = defaultdict(list)
    links_all = short = 0
    posts_with_affiliate = posts_with_short = posts_with_either = posts = 0
    statuses = Counter()
    programmes = Counter()
    with open(posts_file, encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            caption = record["caption"]
            posts += 1
            result = scanner.judge(Post(id=record["id"], caption=caption, source=Source("bench"), platform="youtube"))
            spans = [(s.start, s.end) for s in result.signals if s.kind == "affiliate_link"]
            programmes.update(
                s.programme or "(base.toml generic)" for s in result.signals if s.kind == "affiliate_link"
            )
            posts_with_affiliate += bool(spans)
            posts_with_short += any(s.kind == "short_link" for s in result.signals)
            posts_with_either += any(s.kind in ("short_link", "affiliate_link") for s in result.signals)
            statuses[result.verdicts["us"].status] += 1
            for link in find_links(caption):
                url = link.text if "://" in link.text[:12] else "http://" + link.text
                links_all += 1
                short += catalogue.shortener(url) is not None and catalogue.classify(url) is None
                group = next((g for g, rx in formats if rx.search(url[:2000])), None)
                if group is None:
                    continue
                total[group] += 1
                if any(a < link.end and link.start < b for a, b in spans):
                    found[group] += 1
                elif len(misses[group]) < args.misses:
                    misses[group].append(link.text[:120])

    print(f"descriptions: {posts}")
    print(f"  with an affiliate_link signal: {posts_with_affiliate} ({posts_with_affiliate / posts:.1%})")
    print(f"  with a short_link signal:      {posts_with_short} ({posts_with_short / posts:.1%})")
    print(f"  with either:                   {posts_with_either} ({posts_with_either / posts:.1%})")
    print(
        "  verdict (us): "
        + ", ".join(
            f"{k} {statuses[k]} ({statuses[k] / posts:.1%})" for k in ("violation", "review", "compliant", "clear")
        )
    )
    print(f"links: {links_all}; through a known shortener: {short} ({short / max(links_all, 1):.1%})")
    print()
    print("affiliate links whose format the research key identifies, by its group:")
    print(f"  {'group':34} {'links':>6} {'found':>6} {'recall':>7}")
    for group in sorted(total, key=lambda g: (-total[g], g)):
        print(f"  {group:34} {total[group]:6} {found[group]:6} {found[group] / total[group]:7.3f}")
    n, f = sum(total.values()), sum(found.values())
    print(f"  {'ALL':34} {n:6} {f:6} {f / max(n, 1):7.3f}")
    print()
    print("programmes named by the scanner (affiliate_link signals):")
    for name, count in programmes.most_common(25):
        print(f"  {count:6}  {name}")
    for group, items in misses.items():
        for item in items:
            print(f"MISS {group}: {item}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
