"""Memory zones with a warmed vocabulary: common words are created once, zones keep their brand sets."""

from __future__ import annotations

import pytest

from compliance.analysis.vocabulary import forms, frequent_words, pattern_strings
from compliance.model import Post, Source
from compliance.run.chunks import ZONE_BRAND_SETS, ChunkJudge


@pytest.fixture(scope="module")
def scanner():
    from compliance.judging.scanner import Scanner

    return Scanner(jurisdictions=["us", "de", "fr"], brands=["Glowly", "@velocybikes"])


def _post(n: int, caption: str, brands: tuple[str, ...] = ()) -> Post:
    return Post(id=f"z{n}", caption=caption, source=Source("zones.jsonl", line=n + 1), brands=brands)


def _created_in_zone(nlp, text: str) -> int:
    """Lexemes the tokenizer creates for `text` inside a memory zone (the vocab counts every one)."""
    with nlp.memory_zone():
        before = len(nlp.vocab)
        nlp(text)
        return len(nlp.vocab) - before


def test_warmed_words_are_not_created_again_inside_a_zone(scanner):
    analyser = scanner.analyser
    nlp = analyser.nlp
    assert analyser.warm_vocabulary() > 1000
    assert analyser.warm_vocabulary() == 0  # once per analyser
    common = "Thanks for the love today Danke für die Liebe heute merci pour le code #Werbung #ad Glowly"
    assert _created_in_zone(nlp, common) == 0
    assert _created_in_zone(nlp, common.upper()) == 0
    assert _created_in_zone(nlp, "Qorvantel blimsadu") == 2  # the counter counts: made-up words are new


def test_warming_inside_a_zone_does_nothing(scanner):
    nlp = scanner.analyser.nlp
    from compliance.analysis.vocabulary import warm

    with nlp.memory_zone():
        assert warm(nlp, ["Wortneuschoepfung"]) == 0


def test_the_warm_list_holds_the_rules_wording_and_every_language():
    words = frequent_words()
    for word in ("the", "und", "merci", "gracias", "grazie", "dank", "obrigado", "dziękuję", "tack", "kiitos"):
        assert word in words
    assert {"Werbung", "werbung", "WERBUNG"} <= set(forms(["Werbung"]))
    pattern = ({"LOWER": {"IN": ["affiliate", "partner"]}}, {"ORTH": "links", "OP": "?"})
    assert list(pattern_strings(pattern)) == ["affiliate", "partner", "links", "?"]


def test_a_zone_ends_before_its_posts_bring_too_many_brand_lists(scanner):
    records = [
        _post(n, f"#ad from us, thanks @Brand{n}", brands=(f"Brand{n}",)) for n in range(ZONE_BRAND_SETS * 2 + 5)
    ]
    records += [_post(900 + n, "plain words") for n in range(10)]
    zones = list(ChunkJudge(scanner, zone_size=1000).zones(records))
    assert [len(z) for z in zones] == [ZONE_BRAND_SETS, ZONE_BRAND_SETS, 15]
    assert list(ChunkJudge(scanner, zone_size=4).zones(records[:10])) == [records[:4], records[4:8], records[8:10]]


def test_results_do_not_depend_on_zones_or_warming(scanner):
    records = [
        _post(n, f"#ad Loving my Brand{n % 80} serum with Glowly zq{n}vort", brands=(f"Brand{n % 80}",))
        for n in range(200)
    ]
    plain = [scanner.judge_record(r).to_dict() for r in records]
    assert ChunkJudge(scanner, zone_size=7)(records) == plain
    assert ChunkJudge(scanner, zone_size=1000)(records) == plain
    assert ChunkJudge(scanner, zone_size=1000)(records) == plain  # brand matchers outlived their zones
    assert any(s["kind"] == "brand" and s["value"] == "Brand3" for s in plain[3]["signals"])
