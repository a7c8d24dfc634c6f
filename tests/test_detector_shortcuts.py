"""The analysis detectors' shortcuts (issue 14) give what the plain way gives: hypothesis-made
captions of words, tags, links, emoji, CJK, invisible characters and line breaks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.analysis.normalise import normalise
from compliance.analysis.tokenizer import caption_nlp
from compliance.analysis.walk import Walk
from compliance.safe_regex import CharClass

_PIECES = [
    "Werbung",
    "#ad",
    "#Anzeige",
    "@glowly",
    "ad",
    "AD:",
    "(ad)",
    "-werbung",
    "~Sponsored~",
    "https://amzn.to/3xY9",
    "www.solara.com/x?ref=me",
    "code LENA10",
    "20%",
    "✨",
    "🇩🇪",
    "e\u0301",
    "\u200b",
    "\u2800",
    "広告",
    "グローリー",
    "Publicité",
    "аd",
    "...",
    "!!",
    "|",
    "\n",
    "\n\n",
    "  ",
    "\t",
    "\r\n",
]
_TEXT = st.lists(
    st.one_of(st.sampled_from(_PIECES), st.text(max_size=6)),
    max_size=14,
).map(lambda parts: " ".join(parts))


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_walk_reads_what_iterating_the_doc_reads(text):
    """`Walk`'s words and offsets are the tokens' texts and offsets, with or without the text given."""
    norm = normalise(text).text
    doc = caption_nlp()(norm)
    walk = Walk(doc, norm)
    assert walk.words == [t.text for t in doc]
    assert walk.starts == [t.idx for t in doc]
    again = Walk(doc)  # the doc's own text when none is given
    assert again.words == walk.words and again.starts == walk.starts


_CLASSES = [CharClass(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]"), CharClass(r"\p{M}"), CharClass(r"[\r\p{M}]")]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=6)), max_size=10))
def test_char_class_answers_as_a_search_whatever_was_asked_before(parts):
    """`CharClass.found` reuses the last text's characters: asking about texts in any order, the
    same text twice, or one text under several classes gives the answer of a plain search."""
    texts = [" ".join(parts), "".join(parts), *parts]
    for text in texts + texts[::-1]:
        for cls in _CLASSES:
            assert cls.found(text) == (cls.pattern.search(text) is not None), (cls.pattern.pattern, text)
