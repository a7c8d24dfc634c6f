"""The scanner's path for the usual post (no waiver, no --discover) gives exactly the verdicts of
its general path, and a Context that keeps placement answers by zone set places labels as one
that works each out."""

from __future__ import annotations

from compliance.judging.scanner import Scanner
from compliance.model import Post, Source
from compliance.ruleset.checks.context import Context

CAPTIONS = [
    "#ad My morning routine with @glowlyskin's new serum",
    "Loving my mornings with @glowlyskin #sp",
    "New PeakFit shorts, use code LEO20 for 20% off\n.\n.\n.\n#fitness #gym #ad #peakfit",
    "Thanks @glowlyskin for the gift! #gifted #werbung",
    "Paid partnership with PeakFit. Publicité | new casino bonus and vape flavours, 18+",
    "Photoshop retouched pic with a free bet from PeakFit #ad",
    "Sponsored by @glowlyskin: this post is an advert. Link: https://amzn.to/3xyz",
    "just a walk by the lake",
    "",
]


def _posts():
    for n, caption in enumerate(CAPTIONS):
        for paid in (False, True):
            for platform in ("instagram", "youtube"):
                yield Post(f"p{n}", caption, Source("t.jsonl", line=n + 1), platform=platform, paid_partnership=paid)


def test_the_usual_posts_path_matches_the_general_one():
    scanner = Scanner(["us", "uk", "de", "fr", "it", "no"], brands=["PeakFit", "@glowlyskin"])
    found = 0
    for post in _posts():
        analysis = scanner.analyser.analyse(post)
        commercial = analysis.commercial or post.paid_partnership
        labelled = bool(analysis.disclosures) or post.paid_partnership
        have = (commercial, labelled, True)
        fast = scanner._plain_verdicts(post, analysis, commercial, have)
        assert fast == scanner._verdicts(post, analysis, [], commercial, have), post
        assert scanner.judge(post).verdicts == fast
        found += sum(len(v.findings) for v in fast.values())
    assert found > 50
    assert any(scanner._judging[i][-1] for i in range(len(scanner._judging)))  # zone sets were kept


def test_kept_zone_answers_place_labels_as_working_them_out():
    scanner = Scanner(["us", "uk", "de", "fr"], brands=["PeakFit", "@glowlyskin"])
    memos: dict[str, dict] = {rs.code: {} for rs in scanner.rulesets}
    placed = 0
    for _ in range(2):  # the second round answers from the kept zone sets
        for post in _posts():
            analysis = scanner.analyser.analyse(post)
            for rs in scanner.rulesets:
                rules, placement = scanner.rules[rs.code], scanner._placement[rs.code]
                kept = Context(post, analysis, rs, rules, placement, memos[rs.code])
                plain = Context(post, analysis, rs, rules, placement)
                assert kept.placed == plain.placed and kept.misplaced == plain.misplaced
                placed += len(kept.placed)
    assert placed > 20 and all(memos.values())
