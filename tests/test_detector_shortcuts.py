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
    """`Walk` takes offsets and lengths from spaCy's arrays: the same texts and offsets as the tokens."""
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


def _plain_lines(finder, walk):
    """`StatementFinder._lines` as it was, every test made on every token (the reference)."""
    from compliance.analysis.statements import _GLUE, _NOT_GLUED, _pieces, fold

    lines = []
    start, words, glued, present = 0, set(), [], set()
    for i, low in enumerate(walk.lowers):
        if "\n" in low and low.isspace():
            if words or finder.everywhere:
                lines.append((start, i, words, glued, present))
            start, words, glued, present = i + 1, set(), [], set()
            continue
        if low in finder.required:
            present.add(low)
            if low in finder.anchors:
                words.add(low)
                continue
        if len(low) > 2 and (low[0] in _GLUE or low[-1] in _GLUE) and _NOT_GLUED.isdisjoint(low):
            inner = {fold(p) for p in _pieces(low)} & finder.anchors
            if inner:
                words.update(inner)
                glued.append(i)
        elif not low.isascii():
            folded = fold(low)
            if folded in finder.anchors:
                words.add(folded)
    if words or finder.everywhere:
        lines.append((start, len(walk), words, glued, present))
    return lines


def test_statement_lines_read_per_token_text_as_token_by_token():
    """`_lines` remembers what each token text adds to its line: the same lines, anchor words,
    glued tokens and pattern words as testing every token (rule-file examples, mangled, glued to
    decoration, accented, across line breaks), asked twice so the remembered answers are used."""
    from tests.test_statements import _FAST, _SEPARATORS, _fragment

    accented = st.sampled_from(["Affiliés", "AFFILIÉ", "-affilié~", "Werbung", "~Sponsors~", "commissión", "ad:"])

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.tuples(st.one_of(_fragment(), accented), st.sampled_from(_SEPARATORS)), min_size=1, max_size=8))
    def check(parts):
        text = "".join(f + sep for f, sep in parts)
        norm = normalise(text).text
        walk = Walk(caption_nlp()(norm), norm)
        expected = _plain_lines(_FAST, walk)
        assert _FAST._lines(walk) == expected, text
        assert _FAST._lines(walk) == expected, text

    check()
