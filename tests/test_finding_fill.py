"""A finding's message and fix are filled once per (rule texts, text, platform, extras) and then
reused: the reused texts are exactly what `fill` makes, in the order its values always had."""

from __future__ import annotations

from dataclasses import replace

from compliance.ruleset.checks import context
from compliance.ruleset.checks.context import _filled, fill
from compliance.ruleset.loader import load_ruleset


def _expected(rule, text, platform, extra):
    values = {"text": text or "", "label": text if text is not None else extra.get("label", ""), "platform": platform}
    values.update(extra)
    return fill(rule.message, values), (fill(rule.fix, values) if rule.fix else rule.fix)


def test_filled_texts_match_fill_and_are_reused_per_key():
    rule = replace(
        load_ruleset("us").rules[0],
        message="{text} / {label} on {platform} ({count} of {min})",
        fix="Replace {label} on {platform}",
    )
    context._FILLED.clear()
    cases = [
        ("#sp", "instagram", {}),
        ("#sp", "tiktok", {}),
        (None, "instagram", {"label": "sp"}),
        ("#sp", "instagram", {"label": "sp"}),  # an extra `label` wins over the span's text
        (None, "x", {"count": "12,000", "min": "10,000", "key": "followers"}),
        ("{platform} {label}", "youtube", {"label": "ad"}),  # a value holding a later key is filled too
    ]
    for text, platform, extra in cases:
        first = _filled(rule, text, platform, extra)
        assert first == _expected(rule, text, platform, extra)
        assert _filled(rule, text, platform, extra) is first  # the second time: the kept texts
    assert _filled(rule, "{platform} {label}", "youtube", {"label": "ad"})[0] == (
        "youtube ad / ad on youtube ({count} of {min})"
    )
    assert len(context._FILLED) == len(cases)


def test_the_memo_is_bounded_and_skips_long_texts():
    rule = replace(load_ruleset("us").rules[0], message="{text}!", fix=None)
    context._FILLED.clear()
    long = "x" * (context._FILLED_TEXT + 1)
    assert _filled(rule, long, "instagram", {}) == (long + "!", None)
    assert not context._FILLED
    for n in range(context._FILLED_MAX + 5):
        assert _filled(rule, f"#t{n}", "instagram", {}) == (f"#t{n}!", None)
    assert 0 < len(context._FILLED) <= context._FILLED_MAX


def test_a_citation_dict_is_made_once_and_handed_out_as_a_copy():
    from compliance.model import Citation

    cite = Citation("Guide", "https://example.org/g", "para 4")
    first = cite.to_dict()
    first["source"] = "changed by a caller"
    assert cite.to_dict() == {"source": "Guide", "url": "https://example.org/g", "pinpoint": "para 4"}
    assert cite.to_dict() is not cite.to_dict()
    assert cite == Citation("Guide", "https://example.org/g", "para 4")  # the kept dict is no field
    assert hash(cite) == hash(Citation("Guide", "https://example.org/g", "para 4"))
    assert Citation("Guide", "https://example.org/g").to_dict() == {"source": "Guide", "url": "https://example.org/g"}
