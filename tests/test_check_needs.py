"""A check's declared `needs` are true: a post without them gets nothing from it, so the scanner may
skip the call (judging every rule of every jurisdiction on every post was a fifth of a scan)."""

from __future__ import annotations

import dataclasses

from compliance.analysis.analyser import Analyser
from compliance.judging.scanner import _plans, _terms_of
from compliance.model import Post, Source
from compliance.ruleset.checks import CHECKS
from compliance.ruleset.checks.categories import TermGate
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
    skipped = unneeded = ran = 0
    for caption in CAPTIONS:
        for paid in (False, True):
            post = Post("p", caption, Source("t.jsonl", line=1), platform="tiktok", paid_partnership=paid)
            analysis = analyser.analyse(post)
            have = {"commercial"} if analysis.commercial or paid else set()
            have |= {"labels"} if analysis.disclosures or paid else {"unlabelled"}
            for rs in rulesets:
                ctx = Context(post, analysis, rs)
                for rule in rs.rules:
                    check = CHECKS.get(rule.check)
                    if not check.needs_of(rule) <= have:
                        skipped += 1
                        assert check.run(ctx, rule) == [], (caption, rule.id)
                    elif check.when is not None and not getattr(ctx, check.when):
                        unneeded += 1  # the list the check reports from is empty: the scanner skips it
                        assert check.run(ctx, rule) == [], (caption, rule.id)
                    else:
                        ran += bool(check.run(ctx, rule))
    assert skipped > 200 and unneeded > 100 and ran > 50


def test_plans_keep_rule_order_and_lift_commercial_only_false():
    rules = load_ruleset("fr").rules
    plans = _plans(rules)
    unlabelled = [r.id for r, *_ in plans[True, False, True]]
    assert unlabelled == [r.id for r in rules if CHECKS.get(r.check).needs_of(r) <= {"commercial", "unlabelled"}]
    assert unlabelled[0] == next(r.id for r in rules if r.check == "requires-disclosure")
    # A labelled post: every rule but the one for posts without a label, in rule-file order.
    assert [r.id for r, *_ in plans[True, True, True]] == [r.id for r in rules if r.check != "requires-disclosure"]
    restricted = next(r for r in rules if r.check == "restricted-category")
    assert restricted not in [r for r, *_ in plans[False, False, True]]
    lifted = dataclasses.replace(restricted, params=dataclasses.replace(restricted.params, commercial_only=False))
    assert [r for r, *_ in _plans([lifted])[False, False, True]] == [lifted]
    # Without words a gated rule can match, the word-list checks are left out, the rest kept in order.
    words_out = [r.id for r, *_ in plans[True, True, False]]
    assert restricted.id not in words_out
    assert words_out == [r.id for r in rules if _terms_of(r) is None and r.check != "requires-disclosure"]
    assert len(words_out) < len(rules)


GATE_CAPTIONS = CAPTIONS + [
    "Sportwetten-Tipps und Online-Casino heute #werbung",
    "Images retouchées pour @glowlyskin #publicité",
    "PHOTOSHOPPED and FaceTuned with @glowlyskin #ad",
    "Ma cigarette électronique préférée, code LENA15",
    "cafe\u0301 and ca\u0301sino with combining marks, code LENA15",
    "just coffee with @glowlyskin #ad",
    "",
]


def test_the_term_gate_closes_only_where_no_gated_rule_can_fire():
    """One test of every gated rule's word list per post (`TermGate`): when it says no, each of
    those rules, run alone, finds nothing; and it opens where one of them fires."""
    rulesets = [load_ruleset(code) for code in jurisdiction_codes(default_dirs())]
    gated = [(rs, r) for rs in rulesets for r in rs.rules if _terms_of(r) is not None]
    assert len(gated) > 10
    gate = TermGate([_terms_of(r) for _, r in gated])
    assert gate.heads is not None
    assert not any(a != b and a.startswith(b) for a in gate.heads for b in gate.heads)  # prefix-free
    analyser = Analyser(rulesets, ["PeakFit", "@glowlyskin"])
    closed = fired = 0
    for caption in GATE_CAPTIONS:
        post = Post("p", caption, Source("t.jsonl", line=1), platform="tiktok", paid_partnership=True)
        analysis = analyser.analyse(post)
        found = [rule.id for rs, rule in gated if CHECKS.get(rule.check).run(Context(post, analysis, rs), rule)]
        if not gate.open_for(analysis.normalised):
            closed += 1
            assert found == [], caption
        fired += bool(found)
    assert closed >= 3 and fired >= 3
