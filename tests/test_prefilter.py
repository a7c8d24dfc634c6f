"""The pattern prefilter only skips captions a pattern cannot match: results never change."""

from __future__ import annotations

import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st

from compliance.analysis.normalise import normalise
from compliance.analysis.prefilter import Needs, fold
from compliance.analysis.signals import _URL, _may_link, url_windows
from compliance.ruleset.checks.categories import Terms, _caption

CAPTIONS = [
    "Paula gave me these free socks, love them",
    "PAULA GAVE ME THESE FREE SOCKS",
    "Mia ſent me a free serum",  # long s folds to s
    "Thanks İsabel for the free gift!",  # dotted capital I folds to i + dot
    "thank you @glowly for the complimentary kit",
    "Morning run by the lake #ad",
    "She gave us free tickets",
    "",
]


def test_needs_reads_the_literals_every_match_contains():
    needs = Needs.of(r"(?P<party>[@\w][^\n!?.]{0,38}?) (?:gave|sent|gifted) me (?:these )?free\b", regex.I)
    assert needs is not None
    assert frozenset({"gave", "sent", "gifted"}) in needs.clauses and frozenset({" me "}) in needs.clauses
    assert not needs.met(fold("She gave us free tickets")) and needs.met(fold("PAULA GAVE ME THESE FREE SOCKS"))


def test_a_pattern_the_prefilter_cannot_read_always_runs():
    for pattern in [
        r"[[:alpha:]]+ad",
        r"(?:sponsored){e<=1}",
        r"(?V1)[[a-z]--[aeiou]]ad",
        r"\p{L}+",
        r"x*",
        r"(?:a|[0-9])",
    ]:
        assert Needs.of(pattern) is None, pattern


def test_no_caption_a_pattern_matches_is_skipped():
    patterns = [
        r"(?P<party>[@\w][^\n!?.]{0,38}?) (?:gave|sent|gifted) me (?:these |a )?(?:free|complimentary)\b",
        r"\b(?:thanks|thank you|thx)(?: so much)?(?: to)? (?P<party>[^\n!?.]{1,40}?) for (?:the|my) (?:free|complimentary)\b",
        r"\bthanks (?P<party>@[\w.]+|\w+)",
        r"#ad\b",
    ]
    hits = 0
    for pattern in patterns:
        compiled = regex.compile(pattern, regex.IGNORECASE)
        needs = Needs.of(pattern, regex.IGNORECASE)
        assert needs is not None
        for caption in CAPTIONS:
            if compiled.search(caption):
                hits += 1
                assert needs.met(fold(caption)), (pattern, caption)
    assert hits >= 5


def test_category_terms_are_looked_for_only_where_a_first_word_can_start():
    terms = Terms(("crypto", "sports betting", "casino*", "nfts"), plural=True)
    pattern = terms._marked
    for caption, expected in [
        ("Buy CRYPTO now", True),
        ("#SportsBetting tips", True),
        ("casinoroyale night", True),
        ("my NFT drop", True),
        ("c\u0301rypto with a mark between letters", True),  # marks: the regex runs
        ("a morning run by the lake", False),
    ]:
        cap = _caption(normalise(caption))
        assert bool(pattern.search(cap.folded)) == expected, caption
        assert bool(terms.spans(cap)) == expected, caption
        if expected:
            assert terms.may_hold(cap), caption
    assert not terms.may_hold(_caption(normalise("a morning run by the lake")))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["crypto", "nft", "s", " ", "-", "_", "\u0301", "C", "#", "bet", "ting", "x"]), max_size=12
    )
)
def test_terms_find_the_same_with_or_without_room_for_marks(pieces):
    terms = Terms(("crypto", "sports betting", "casino*", "nfts", "bet"), plural=True)
    cap = _caption(normalise("".join(pieces)))
    assert terms.spans(cap) == [m.span() for m in terms._marked.finditer(cap.folded)]


URL_PIECES = [
    ".",
    "://",
    "/",
    " ",
    "\n",
    "\t",
    "\u00a0",
    "www.",
    "http",
    "s",
    "shop",
    "com",
    ".de",
    "@",
    "-",
    "_",
    "'",
    "<",
    "é",
    "K",
    "ſ",
    "x1",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(URL_PIECES), max_size=30).map("".join))
def test_links_are_searched_only_where_a_dot_or_scheme_is_and_found_the_same(text):
    whole = [m.span() for m in _URL.finditer(text)]
    assert [m.span() for lo, hi in url_windows(text) for m in _URL.finditer(text, lo, hi)] == whole
    assert [
        m.span() for lo, hi in url_windows(text) if _may_link(text[lo:hi]) for m in _URL.finditer(text, lo, hi)
    ] == whole


def test_url_windows_are_the_words_holding_a_dot_or_scheme():
    text = "see shop.com/x now\nor http://a and end."
    assert [text[lo:hi] for lo, hi in url_windows(text)] == ["shop.com/x", "http://a", "end."]
    assert url_windows("no link here") == []


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20) | st.sampled_from(["ΟΔΟΣ.", "İs", "ﬀß"])
)
def test_folding_in_c_is_the_fold_of_each_character(text):
    from compliance.ruleset.checks.categories import _fold_char, fold_same_length

    assert fold_same_length(text) == (text.lower() if text.isascii() else "".join(_fold_char(ch) for ch in text))


def test_terms_are_looked_for_where_a_word_can_start():
    terms = Terms(("bet",))
    assert not terms.may_hold(_caption(normalise("alphabet soup")))  # only inside a word
    assert terms.may_hold(_caption(normalise("alphabet #bet")))
    assert terms.may_hold(_caption(normalise("ßbet")))  # no ASCII word character before: the pattern decides


CODE_PIECES = ["CODE", "code", "Código", "CÓDIGO", "Gutschein", "ſ", "K", ":", " ", "LENA15", "for", "FÜR", "20%", "İ"]
# Heads inside longer words and code words holding another head, signs whose fold is longer or
# shorter than they are, and text before the first code word: the worded search starts there.
CODE_GLUED = ["bar", "promo", "Kortings", "rabatt", "kod", "e", "\u0307", "ß", "ﬀ", "Discount", "✨", "x", "-", "\n"]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(CODE_PIECES), max_size=10).map(" ".join)
    | st.lists(st.sampled_from(CODE_PIECES + CODE_GLUED), max_size=14).map("".join)
)
@example("my Kortingscode LENA15 and code: SUMMER20")  # "code" is found first, inside a longer code word
@example("ßß ﬀ code LENA15")  # folded longer than written: offsets differ, the search starts at 0
@example("i\u0307i\u0307ßcode LENA15")
@example("barcode LENA15 then PROMO code SAVE10")
def test_code_patterns_skipped_only_where_they_cannot_match(text):
    from compliance.judging.scanner import Scanner

    signals = _scanner(Scanner).analyser.signals
    every = [(m.start(), m.end(), m.group("code")) for p in signals.code_patterns for m in p.finditer(text)]
    assert [(s.start, s.end, s.value) for s in signals._codes(text)] == every


_SCANNERS: list = []


def _scanner(cls):
    if not _SCANNERS:
        _SCANNERS.append(cls(jurisdictions=["us", "de", "es"]))
    return _SCANNERS[0]


def test_brand_forms_of_plain_ascii_skip_the_search_and_match_it():
    """compact() and the camel-case split answer plain ASCII without a regex: the same answers."""
    from hypothesis import given, settings

    from compliance.analysis.brands import _CAMEL, _NON_ALNUM, compact
    from compliance.analysis.normalise import fold_key

    @settings(max_examples=400, deadline=None)
    @given(st.text(alphabet=st.sampled_from(list("aZz09_-&. #éÉß") + ["\u0301", "\u0130"]), max_size=12))
    def check(name):
        assert compact.__wrapped__(name) == _NON_ALNUM.sub("", fold_key(name))
        if name.isascii() and name.isalpha() and name.islower():
            assert _CAMEL.findall(name) == [name]

    check()


def test_a_character_class_answers_as_its_search():
    """CharClass.found (per distinct character, remembered) says what the timed search said, for
    each class the analysis asks about, on any text; the memo's limit changes nothing."""
    from hypothesis import given, settings

    from compliance import safe_regex
    from compliance.analysis.cjk import _CJK_CHARS, _JOINING_CHARS
    from compliance.analysis.normalise import _NEEDS_PASS
    from compliance.ruleset.checks.categories import _MARK

    bits = list("ab #\r\n") + ["\u0301", "\u0903", "\u20e3", "\ufe0f", "\u200b", "\u00ad", "\u2800", "\u3164"]
    bits += ["\ud800", "\u4e00", "\u3042", "\u30a2", "\uac00", "\u1100", "\uff21", "\U0001f600", "\U00020000"]
    bits += ["\U000e0067", "\u00e9", "\u0430", "\U0001f1e9", "\u0600", "\u1161", "\u11a8"]

    @settings(max_examples=600, deadline=None)
    @given(st.one_of(st.text(max_size=20), st.lists(st.sampled_from(bits), max_size=12).map("".join)))
    def check(text):
        for cls in (_CJK_CHARS, _NEEDS_PASS, _MARK, _JOINING_CHARS):
            assert cls.found(text) == (cls.pattern.search(text) is not None), (cls.pattern.pattern, text)

    check()
    tiny = safe_regex.CharClass(r"\p{M}")
    old = safe_regex._CHAR_MEMO_MAX
    try:
        safe_regex._CHAR_MEMO_MAX = 3
        for text in ["e\u0301", "abc", "\u00e9\u00e8\u00ea\u00eb", "x\u0308"]:
            assert tiny.found(text) == ("\u0301" in text or "\u0308" in text)
            assert len(tiny.memo) <= 3
    finally:
        safe_regex._CHAR_MEMO_MAX = old


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.frozensets(st.text(alphabet="ab ", max_size=3), min_size=1, max_size=4), min_size=1, max_size=5),
    st.lists(st.text(alphabet="ab c", max_size=8), min_size=1, max_size=10),
)
def test_needs_drops_only_literals_and_clauses_that_change_no_answer(clauses, texts):
    """Literals holding another literal of their clause, and clauses another clause implies, are
    dropped: every text gets the answer of the clauses as read."""
    needs = Needs(clauses)
    assert len(needs.clauses) <= len(clauses)
    for text in texts:
        assert needs.met(text) == all(any(s in text for s in c) for c in clauses), (clauses, text)


def test_needs_keeps_the_rarest_literals_it_needs():
    needs = Needs(
        [frozenset({"thanks", "big thanks", "thx"}), frozenset({" "}), frozenset({" me "}), frozenset({" me "})]
    )
    assert sorted(map(sorted, needs.clauses)) == [[" me "], ["thanks", "thx"]]
