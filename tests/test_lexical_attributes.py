"""The caption pipeline's shortcuts: it computes only the lexical attributes something reads (READ_ATTRIBUTES):
those values must be spaCy's own, and every attribute a shipped pattern or the loader allows
must be among them; called with no components it only tokenizes."""

from __future__ import annotations

import tomllib
from pathlib import Path

import spacy
from spacy.attrs import IDS, NAMES

from compliance.analysis.tokenizer import READ_ATTRIBUTES, caption_nlp
from compliance.ruleset.loader import TOKEN_ATTRS

ROOT = Path(__file__).resolve().parent.parent

WORDS = [
    "the", "The", "THE", "Werbung", "#ad", "#Ad", "@brand_x", "über", "ÜBER", "Ça", "café",
    "naïve", "Ελλάδα", "москва", "東京", "ﾃｽﾄ", "١٢٣", "12", "1,000", "3.5", "½", "twenty",
    "https://ex.example/a?b=1", "www.shop.example", "bit.ly/xyz", "mail@ex.example",
    "!", "...", "…", "—", "–", "’", "'s", "’S", "“", "«", "€", "$", "(", "]", "🙂", "👍🏽",
    "🇩🇪", " ", "\n", "\t\t", "  ", "A", "a1", "A1B2", "McDonald's", "e.g.", "U.S.", "x",
    "SAVE20", "Save20", "co-op", "l'été", "ẞ", "ǅ", "İstanbul", "ﬁ", "Ⅻ", "x²",
    "1/2", "+5", "-3.5", "±2", "~10", "1/2/3", "٣/٤", "ex.com/", "a.b", ".com", "com.", "shop.de",
    "user@ex.com", "http://x", "https://", "http:/x", "www.a", "www.", "foo.de:8080", "x.zz",
    "(", "!?", "¿", "_", "__init__", "‰", "。", "12ab", "ab12", "²", "৩", "a_b",
]  # fmt: skip


def _pattern_keys(value, out: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            out.add(key)
            _pattern_keys(item, out)
    elif isinstance(value, list):
        for item in value:
            _pattern_keys(item, out)
    return out


def test_kept_attributes_give_spacys_values_for_new_words():
    ours = caption_nlp().vocab
    full = spacy.blank("xx").vocab
    assert len(full.lex_attr_getters) > len(ours.lex_attr_getters)  # something was dropped
    for word in WORDS:
        mine, theirs = ours[word], full[word]
        for name in READ_ATTRIBUTES:
            attr = name.lower() + ("_" if name in ("LOWER", "NORM", "LANG") else "")
            assert getattr(mine, attr) == getattr(theirs, attr), (word, name)
        assert mine.orth_ == theirs.orth_ == word


def test_only_read_attributes_are_computed():
    getters = caption_nlp().vocab.lex_attr_getters
    assert {NAMES[attr] if attr != IDS["LANG"] else "LANG" for attr in getters} == set(READ_ATTRIBUTES)


def test_every_lexical_attribute_a_pattern_may_use_is_kept():
    lexical = {name for name in IDS if IDS[name] in spacy.blank("xx").vocab.lex_attr_getters}
    allowed = set(TOKEN_ATTRS)
    for path in sorted((ROOT / "rules").rglob("*.toml")):
        with open(path, "rb") as fh:
            allowed |= _pattern_keys(tomllib.load(fh), set())
    used = allowed & lexical
    assert {"LOWER", "IS_TITLE", "IS_UPPER", "IS_PUNCT"} <= used  # the walk found the patterns
    assert used <= set(READ_ATTRIBUTES)


def test_calling_the_pipeline_without_components_is_tokenizing():
    nlp = caption_nlp()
    text = "Loving it!#ad @brand_x https://ex.example/a 🙂🙂"
    doc, made = nlp(text), nlp.make_doc(text)
    assert [(t.text, t.whitespace_) for t in doc] == [(t.text, t.whitespace_) for t in made]
    nlp.add_pipe("sentencizer", name="test_sentencizer")
    try:
        assert nlp(text).has_annotation("SENT_START")  # a component runs: spaCy's own call
    finally:
        nlp.remove_pipe("test_sentencizer")
    assert not nlp(text).has_annotation("SENT_START")


def test_the_quick_look_never_misses_a_stretch():
    from compliance.analysis.tokenizer import _LONG, _STRETCH, _may_stretch

    found = 0
    for length in (_LONG, _LONG + 1, _LONG + 127, 3 * _LONG):
        for before in range(0, 260, 7):
            for run in ("€", "!?", "🙂", "\u00bd", "-_"[0]):
                text = "word " * (before // 5) + "w" * (before % 5) + (run * length)[:length] + " tail"
                if _STRETCH.search(text) is not None:
                    found += 1
                    assert _may_stretch(text), (length, before, run)
    assert found > 400  # every run above is a stretch
    ordinary = "Loving the new serum #ad @brand https://ex.example/p?ref=1\n" * 40
    assert _STRETCH.search(ordinary) is None and not _may_stretch(ordinary)
    assert _may_stretch("東京" * 200)  # no spaces: a candidate, the full search decides


def test_no_code_reads_a_dropped_attribute():
    """A detector reading `token.is_stop` or `shape_` would get spaCy's empty default: keep the
    attribute in READ_ATTRIBUTES first."""
    import regex

    dropped = (
        {NAMES[attr] for attr in spacy.blank("xx").vocab.lex_attr_getters} - set(READ_ATTRIBUTES) - {"MORPH"}
    )  # 83 is LANG (kept); NAMES calls it MORPH
    assert {"SHAPE", "IS_STOP", "PREFIX"} <= dropped
    names = "|".join(sorted(dropped))
    reads = regex.compile(rf"\.(?:{names.lower()})_?\b|[\"'](?:{names})[\"']")
    assert reads.search("if token.is_stop:") and reads.search('{"SHAPE": "Xxx"}') and reads.search("t.shape_")
    found = []
    packages = ("analysis", "judging", "ruleset")  # where spaCy tokens are read (media's numpy arrays have .shape)
    for path in sorted(p for package in packages for p in (ROOT / "compliance" / package).rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if reads.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found
