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


def _lexemes(doc) -> list[tuple]:
    return [
        (t.text, t.whitespace_, t.lower_, t.norm_, t.shape_, t.prefix_, t.suffix_, t.is_punct, t.like_url, t.like_num)
        for t in doc
    ]


def test_words_recurring_across_zones_are_learned_and_tokenized_as_before():
    from compliance.analysis.tokenizer import caption_nlp

    nlp = caption_nlp.__wrapped__()  # a pipeline of its own: the shared one has learned other words
    text = "Qorvantel, blimsadu! #zentika @vorlux.de https://zq.example/p?x=1 (Mirandolex) SAVE42"
    assert _created_in_zone(nlp, text) > 0  # zone 1: new, noted
    assert nlp.tokenizer.learned == 0
    assert _created_in_zone(nlp, "nothing " + text) > 0  # zone 2: new again, then learned after the zone
    assert nlp.tokenizer.learned >= 7
    assert _created_in_zone(nlp, text) == 0  # zone 3: every word and split is kept
    fresh = caption_nlp.__wrapped__()
    assert _lexemes(nlp(text)) == _lexemes(fresh(text))
    assert _created_in_zone(nlp, "Wortneuschoepfung") == 1  # seen in one zone only: not learned


def test_learning_has_a_budget(monkeypatch):
    from compliance.analysis import tokenizer as tk

    nlp = tk.caption_nlp.__wrapped__()
    monkeypatch.setattr(tk, "_LEARN_MAX", 3)
    words = " ".join(f"zq{n}vort" for n in range(10))
    for _ in range(3):
        _created_in_zone(nlp, words)
    assert nlp.tokenizer.learned == 3
    assert not nlp.tokenizer.learning and not nlp.tokenizer.seen  # nothing noted any more
    assert not nlp.tokenizer.known  # nor kept to be checked against
    assert _created_in_zone(nlp, words) == 7


def test_chunks_seen_once_are_forgotten_past_their_limit(monkeypatch):
    from compliance.analysis import tokenizer as tk

    nlp = tk.caption_nlp.__wrapped__()
    monkeypatch.setattr(tk, "_SEEN_MAX", 20)
    for zone in range(5):
        _created_in_zone(nlp, " ".join(f"zq{zone}x{n}" for n in range(8)))
        assert len(nlp.tokenizer.seen) <= 20
    assert nlp.tokenizer.learned == 0


def test_words_given_before_a_zone_are_learned_before_it_not_made_in_it():
    from compliance.analysis.tokenizer import caption_nlp

    nlp = caption_nlp.__wrapped__()
    text = "Qorvantel, blimsadu! #zentika @vorlux.de (Mirandolex) SAVE42"
    assert nlp.tokenizer.prepare([text]) == 0  # zone 1: seen for the first time, nothing to learn
    assert _created_in_zone(nlp, text) > 0
    assert nlp.tokenizer.prepare(["nothing " + text]) >= 6  # zone 2: learned before it
    assert _created_in_zone(nlp, "nothing " + text) == 1  # only "nothing", new in this zone
    assert not nlp.tokenizer.prepared  # the zone's end consumed the preparation
    fresh = caption_nlp.__wrapped__()
    assert _lexemes(nlp(text)) == _lexemes(fresh(text))
    with nlp.memory_zone():
        assert nlp.tokenizer.prepare([text]) == 0  # inside a zone: nothing is learned


def test_a_chunk_judge_prepares_each_zone_and_results_stay(scanner):
    records = [_post(n, f"Morning run with Glowly zq{n % 5}vort éte{n % 3}é ⬇️ #zq{n % 4}tag") for n in range(40)]
    plain = [scanner.judge_record(r).to_dict() for r in records]
    tokenizer = scanner.analyser.nlp.tokenizer
    before = tokenizer.learned
    assert ChunkJudge(scanner, zone_size=10)(records) == plain
    assert tokenizer.learned > before  # words of the first zone were learned before the second
    assert not scanner.analyser._normalised or len(scanner.analyser._normalised) <= 10


def _zones_of_new_words(nlp, zones: int, words: int = 2000) -> list[int]:
    """Tokenize `zones` memory zones of words never seen before; the word and string tables'
    largest capacity after each zone."""
    from compliance.analysis.tokenizer import _tables

    nlp.tokenizer.learning = False  # every word here is new once: nothing to learn
    sizes = []
    for zone in range(zones):
        with nlp.memory_zone():
            nlp(" ".join(f"zq{zone}w{n}x" for n in range(words)))
        sizes.append(max(table.capacity for table in _tables(nlp.vocab)))
    return sizes


def test_word_tables_do_not_grow_with_the_words_zones_forget(monkeypatch):
    from compliance.analysis import tokenizer as tk

    nlp = tk.caption_nlp.__wrapped__()
    kept = nlp("Qorvantel blimsadu #zentika")  # made outside any zone: must survive every rebuild
    sizes = _zones_of_new_words(nlp, 40)
    assert len(tk._tables(nlp.vocab)) == 2  # the lexemes' and the strings' table
    assert max(sizes) <= 2 * sizes[0]
    assert [t.text for t in nlp("Qorvantel blimsadu #zentika")] == [t.text for t in kept]
    assert nlp.vocab["Qorvantel"].orth == kept[0].orth and nlp.vocab.strings[kept[2].orth] == "#zentika"
    assert _created_in_zone(nlp, "Qorvantel blimsadu #zentika") == 0

    # Without the rebuild the same zones leave tables of mostly deleted cells, twice as large or more.
    plain = tk.caption_nlp.__wrapped__()
    monkeypatch.setattr(type(plain.tokenizer), "compact", lambda self: 0)
    grown = _zones_of_new_words(plain, 40)
    assert grown[-1] >= 4 * sizes[-1]
