"""A check's declared `needs` are true: a post without them gets nothing from it, so the scanner may
skip the call (judging every rule of every jurisdiction on every post was a fifth of a scan)."""

from __future__ import annotations

import dataclasses

from compliance.analysis.analyser import Analyser
from compliance.judging.scanner import _plans
from compliance.model import Post, Source
from compliance.ruleset.checks import CHECKS
from compliance.ruleset.checks.context import Context
from compliance.ruleset.loader import default_dirs, jurisdiction_codes, load_ruleset

CAPTIONS = [
    "A morning run by the lake, casino night later, new vape and crypto tips",  # nothing commercial
    "Photoshop retouched pic with a free bet from PeakFit #ad",
    "Loving @glowlyskin serum, code LENA15 for 20% off",  # commercial, no label
    "#sp thanks @glowlyskin for the gift, bitcoin too",
]


def test_a_check_finds_nothing_in_a_post_without_what_it_needs():
    rulesets = [load_ruleset(code) for code in jurisdiction_codes(default_dirs())]
    analyser = Analyser(rulesets, ["PeakFit", "@glowlyskin"])
    skipped = 0
    for caption in CAPTIONS:
        for paid in (False, True):
            post = Post("p", caption, Source("t.jsonl", line=1), platform="tiktok", paid_partnership=paid)
            analysis = analyser.analyse(post)
            have = {"commercial"} if analysis.commercial or paid else set()
            have |= {"labels"} if analysis.disclosures or paid else set()
            for rs in rulesets:
                ctx = Context(post, analysis, rs)
                for rule in rs.rules:
                    if not CHECKS.get(rule.check).needs_of(rule) <= have:
                        skipped += 1
                        assert CHECKS.get(rule.check).run(ctx, rule) == [], (caption, rule.id)
    assert skipped > 200


def test_plans_keep_rule_order_and_lift_commercial_only_false():
    rules = load_ruleset("fr").rules
    plans = _plans(rules)
    assert [r.id for r, _ in plans[True, True]] == [r.id for r in rules]
    restricted = next(r for r in rules if r.check == "restricted-category")
    assert restricted not in [r for r, _ in plans[False, False]]
    lifted = dataclasses.replace(restricted, params=dataclasses.replace(restricted.params, commercial_only=False))
    assert [r for r, _ in _plans([lifted])[False, False]] == [lifted]
