"""Disclosure statements: every rule-file entry's examples, FTC-003 on bare vs explained affiliate
wording in several languages, denials, placement against the links, and loader validation."""

from __future__ import annotations

import pytest

from compliance.analysis.analyser import Analyser
from compliance.analysis.normalise import normalise
from compliance.analysis.statements import StatementFinder
from compliance.analysis.tokenizer import caption_nlp
from compliance.model import Post, Source
from compliance.ruleset.loader import RuleFileError, load_file, load_ruleset

BASE = load_ruleset("us")
FINDER = StatementFinder(caption_nlp(), BASE.statements)
ENTRIES = sorted(BASE.statements.items())
CASES = [(key, ex, True) for key, e in ENTRIES for ex in e.examples] + [
    (key, ex, False) for key, e in ENTRIES for ex in e.not_examples
]


def _find(text):
    doc = caption_nlp()(normalise(text).text)
    return FINDER.matches(doc), FINDER.find(doc)


def test_every_language_of_the_rule_files_has_statements():
    languages = {lang for e in BASE.statements.values() for lang in e.language.split()}
    assert {"en", "de", "fr", "es", "it", "nl", "pt", "da", "no", "sv", "fi"} <= languages
    classes = {e.cls for e in BASE.statements.values()}
    assert classes == {
        "payment-explained",
        "sponsorship-named",
        "gift-named",
        "support-the-channel",
        "bare-affiliate",
        "denial",
    }


@pytest.mark.parametrize("key, text, should", CASES, ids=[f"{k}:{'ex' if s else 'not'}:{t[:30]}" for k, t, s in CASES])
def test_rule_file_statement_examples(key, text, should):
    matches, (statements, denials) = _find(text)
    cls = BASE.statements[key].cls
    if should:
        assert key in {m.key for m in matches}, f"{key} does not match {text!r}"
        assert cls in {s.cls for s in statements + denials}, f"{text!r} is not reported as {cls}"
    else:
        assert key not in {m.key for m in matches}, f"{key} matches {text!r}"


def test_span_covers_the_sentence_and_its_heading():
    text = "Gear I used:\nhttps://amzn.to/2gKKV6N\n\nAFFILIATE DISCLAIMER:\nSome links are affiliate links, so I earn a small commission if you buy. Thanks!"
    _, (statements, _) = _find(text)
    assert len(statements) == 1
    st = statements[0]
    assert st.cls == "payment-explained"
    assert st.text == "AFFILIATE DISCLAIMER:\nSome links are affiliate links, so I earn a small commission if you buy."


def _analyse(caption, platform="youtube"):
    return Analyser([BASE], ["Glowly", "PeakFit"]).analyse(
        Post(id="p", caption=caption, source=Source("t.jsonl", line=1), platform=platform)
    )


def _rules(caption, code="us", platform="youtube"):
    from compliance.ruleset.checks import CHECKS
    from compliance.ruleset.checks.context import Context

    rs = load_ruleset(code)
    post = Post(id="p", caption=caption, source=Source("t.jsonl", line=1), platform=platform)
    analysis = Analyser([rs], ["Glowly", "PeakFit"]).analyse(post)
    ctx = Context(post, analysis, rs)
    return {f.rule for rule in rs.rules for f in CHECKS.get(rule.check)(ctx, rule)}


EXPLAINED = [
    "Affiliate links: if you buy through them I earn a small commission.\nhttps://amzn.to/3bc9Lmn",
    "As an Amazon Associate I earn from qualifying purchases.\nhttps://amzn.to/3bc9Lmn",
    "*Affiliate-Link: kaufst du darüber, erhalte ich eine Provision.\nhttps://amzn.to/3bc9Lmn",
    "Liens affiliés : je touche une commission.\nhttps://amzn.to/3bc9Lmn",
    "Enlaces de afiliado: recibo una pequeña comisión.\nhttps://amzn.to/3bc9Lmn",
    "Link affiliati: ricevo una piccola commissione.\nhttps://amzn.to/3bc9Lmn",
    "Ich bin Amazon-Partner und verdiene an qualifizierten Verkäufen.\nhttps://amzn.to/3bc9Lmn",
    "Partenaire Amazon, je réalise un bénéfice sur les achats remplissant les conditions requises.\nhttps://amzn.to/3bc9Lmn",
]
BARE = [
    "Affiliate link: https://amzn.to/3bc9Lmn my go-to running shoes",
    "Some of the links below are affiliate links.\nhttps://amzn.to/3bc9Lmn",
    "Die Links sind Affiliate-Links.\nhttps://amzn.to/3bc9Lmn",
    "Liens affiliés ci-dessous.\nhttps://amzn.to/3bc9Lmn",
]


@pytest.mark.parametrize("caption", EXPLAINED)
def test_explained_affiliate_disclosure_is_never_ftc_003(caption):
    fired = _rules(caption)
    assert "FTC-003" not in fired
    assert "FTC-001" not in fired


@pytest.mark.parametrize("caption", BARE)
def test_bare_affiliate_is_ftc_003(caption):
    assert "FTC-003" in _rules(caption)


def test_denial_is_not_a_disclosure_and_the_post_stays_commercial():
    caption = "This video is NOT sponsored by anyone.\nMy camera: https://amzn.to/3bc9Lmn"
    analysis = _analyse(caption)
    assert analysis.commercial
    assert analysis.disclosures == ()
    assert "FTC-001" in _rules(caption)


def test_denial_beside_an_explanation_keeps_the_explanation():
    caption = "Not sponsored. Links are affiliate links and I earn a small commission.\nhttps://amzn.to/3bc9Lmn"
    analysis = _analyse(caption)
    assert [d.cls for d in analysis.disclosures] == ["payment-explained"]
    assert not _rules(caption) & {"FTC-001", "FTC-003"}


@pytest.mark.parametrize(
    "caption",
    [
        "Over the years of my affiliate marketing experience I learnt one thing.\nhttps://amzn.to/3bc9Lmn",
        "What is an affiliate marketing funnel? Watch to the end.\nhttps://amzn.to/3bc9Lmn",
        "For sponsorships/collabs please email me.\nhttps://amzn.to/3bc9Lmn",
        "Earn cash back on your online purchases!\nhttps://amzn.to/3bc9Lmn",
    ],
)
def test_wording_about_the_topic_discloses_nothing(caption):
    """ "my affiliate" inside "my affiliate marketing experience" is neither a label nor a statement."""
    analysis = _analyse(caption)
    assert analysis.commercial
    assert analysis.disclosures == ()
    assert "FTC-001" in _rules(caption)


def test_statement_quotes_the_original_caption_and_reports_its_class():
    caption = "Ｔhis video is sponsored by PeakFit. Enjoy!"
    analysis = _analyse(caption)
    (d,) = analysis.disclosures
    assert caption[d.start : d.end] == d.text == "Ｔhis video is sponsored by PeakFit."
    out = d.disclosure_dict()
    assert out["class"] == "sponsorship-named" and out["labels"] == ["sponsored-by"]


def test_affiliate_statement_next_to_the_links_is_placed_well_below_the_fold():
    intro = "\n".join(f"Line {i} about my trip to the mountains." for i in range(6))
    near = intro + "\nShoes: https://amzn.to/3bc9Lmn\nI earn a small commission if you buy through that link."
    far = (
        intro
        + "\nShoes: https://amzn.to/3bc9Lmn\n\n\nMusic: a friend\nCamera: my phone\n\nI earn a small commission if you buy."
    )
    (d,) = [d for d in _analyse(near).disclosures if d.cls]
    assert "near_links" in d.zone and "below_fold" in d.zone
    assert "FTC-005" not in _rules(near)
    (d,) = [d for d in _analyse(far).disclosures if d.cls]
    assert "near_links" not in d.zone
    assert "FTC-005" in _rules(far)


def test_support_the_channel_alone_is_not_a_clear_us_disclosure():
    caption = "Using my links helps the channel at no cost to you.\nShoes https://amzn.to/3bc9Lmn"
    (d,) = [d for d in _analyse(caption).disclosures if d.cls]
    assert d.cls == "support-the-channel"
    assert "FTC-004" in _rules(caption)


def test_jurisdiction_decides_which_classes_suffice():
    caption = "Thanks to PeakFit for sponsoring today's video!"
    assert not _rules(caption, "us") & {"FTC-001", "FTC-004"}
    assert _rules(caption, "uk")  # the ASA wants "Ad": a sponsor sentence is not enough there
    # A statement holding an accepted word keeps that word's standing.
    assert not {r for r in _rules("Dieses Video enthält Werbung für PeakFit.", "de") if r.startswith("DE-00")} & {
        "DE-001",
        "DE-002",
    }


def _write(tmp_path, body):
    path = tmp_path / "xx.toml"
    path.write_text(
        '[ruleset]\ncode = "xx"\nname = "X"\nversion = "1"\nextends = "base"\n'
        + body
        + '\n[[rules]]\nid = "XX-001"\nname = "missing-disclosure"\ncheck = "requires-disclosure"\n'
        'severity = "error"\nmessage = "m"\ncitation = { source = "s", url = "https://example.org" }\n'
        'examples.pass = ["#ad hi @glowlyskin"]\nexamples.fail = ["Use code LENA15 for Glowly"]\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "body, needle",
    [
        ('[statements.x]\nclass = "paid"\npatterns = [[{ LOWER = "a" }]]\nexamples = ["a"]\n', "class must be one of"),
        ('[statements.x]\nclass = "denial"\npatterns = [[{ LOWR = "a" }]]\nexamples = ["a"]\n', "did you mean 'LOWER'"),
        (
            '[statements.x]\nclass = "denial"\npatterns = [[{ LOWER = "a" }, { OP = "*" }]]\nexamples = ["a"]\n',
            "bounded",
        ),
        ('[statements.x]\nclass = "denial"\npatterns = [[{ OP = "{0,3}" }]]\nexamples = ["a"]\n', "needs a word"),
        ('[statements.x]\nclass = "denial"\npatterns = [[{ LOWER = "a" }]]\n', "needs `examples`"),
        ('[statements.x]\nclass = "denial"\npatterns = [["a"]]\nexamples = ["a"]\n', "must be a table"),
        ('[labels]\naccepted_statements = ["explained"]\n', "unknown statement class"),
    ],
)
def test_loader_rejects_bad_statement_tables_naming_file_and_line(tmp_path, body, needle):
    with pytest.raises(RuleFileError) as err:
        load_file(_write(tmp_path, body))
    message = str(err.value)
    assert needle in message and "xx.toml" in message


def test_loader_error_names_the_line(tmp_path):
    path = _write(
        tmp_path, '\n\n[statements.broken]\nclass = "denial"\npatterns = [[{ LOWER = 3 }]]\nexamples = ["a"]\n'
    )
    with pytest.raises(RuleFileError) as err:
        load_file(path)
    assert "xx.toml:8:" in str(err.value)


def test_only_lines_holding_a_pattern_word_are_matched_and_results_do_not_change():
    """The per-line prefilter is an optimisation: it must find what a whole-caption match finds."""
    from spacy.matcher import Matcher

    from compliance.analysis.statements import matcher_pattern

    text = (
        "Gear list:\nCamera https://amzn.to/3bc9Lmn\nThis video is not sponsored.\n"
        "Some links are affiliate links and I earn a small commission.\nThanks to PeakFit for sponsoring!"
    )
    doc = caption_nlp()(text)
    whole = Matcher(caption_nlp().vocab)
    for key, entry in BASE.statements.items():
        whole.add(key, [matcher_pattern(p) for p in entry.patterns])
    strings = doc.vocab.strings
    expected = sorted((strings[m], s, e) for m, s, e in whole(doc))
    got = sorted((f.key, f.start, f.end) for f in FINDER.matches(doc))
    assert got == expected and got
    assert all(lo == 0 or doc[lo - 1].text.count("\n") for lo, *_ in FINDER._lines(doc))


@pytest.mark.parametrize(
    "text, cls, span",
    [
        ("Links\n-------[Sponsorships]--------\nGlowly", "sponsorship-named", "-------[Sponsorships]--------"),
        ("~Sponsors~\nPeakFit: https://example.com/peakfit", "sponsorship-named", "~Sponsors~"),
        (
            "Gear\n*Affiliate-links* https://amzn.to/3bc9Lmn",
            "bare-affiliate",
            "*Affiliate-links* https://amzn.to/3bc9Lmn",
        ),
    ],
)
def test_words_glued_to_decoration_are_read(text, cls, span):
    """The tokenizer keeps "-------[Sponsorships]--------" in one piece; the statement is still found,
    and its span is the whole decorated line."""
    _, (statements, _) = _find(text)
    assert [(s.cls, s.text) for s in statements] == [(cls, span)]


def test_links_are_never_cut_into_words():
    """A link ending in "/" or holding a sponsor word in its path is not read as words."""
    matches, _ = _find("Shop: https://example.com/sponsors-/ and http://astore.example.com/support-the-channel/")
    assert matches == []


@pytest.mark.parametrize(
    "caption, label, text",
    [
        ("Neuer Haul -werbung\nAlles von Glowly", "werbung", "werbung"),
        ("Outfit des Tages ~Werbung~ | @glowlyskin", "werbung", "Werbung"),
    ],
)
def test_label_word_glued_after_decoration_is_read_as_the_label(caption, label, text):
    """The tokenizer keeps "-werbung" in one token; the word behind the decoration is the label, and
    its span starts after the decoration."""
    found = [(d.label, d.text, caption[d.start : d.end]) for d in _analyse(caption).disclosures]
    assert found == [(label, text, text)]


@pytest.mark.parametrize("caption", ["Mein Tag -werbungfrei", "Shop: https://example.com/-werbung"])
def test_glued_decoration_never_makes_a_label_of_a_longer_word_or_a_link(caption):
    assert _analyse(caption).disclosures == ()


def test_label_word_inside_a_keyword_list_is_not_a_label_but_beside_a_label_it_is():
    """Stock-footage keyword lists ("freelancer, employee, female worker") name the word, not a label."""
    assert _analyse("Stock clip tags: freelancer, promotion, female worker, student").disclosures == ()
    assert [d.label for d in _analyse("Summer haul #ootd, ad, gifted").disclosures] == ["ad", "gifted"]


# ---------------------------------------------------------------- the matching shortcuts change nothing
def _all_statements():
    from compliance.ruleset.loader import default_dirs, jurisdiction_codes

    out = {}
    for code in jurisdiction_codes(default_dirs([])):
        out.update(load_ruleset(code).statements)
    return out


_STATEMENTS = _all_statements()
_FAST = StatementFinder(caption_nlp(), _STATEMENTS)
_EXHAUSTIVE = StatementFinder(caption_nlp(), _STATEMENTS, exhaustive=True)
# Sentences that match, words the patterns name, and what sits around them in captions.
_EXAMPLE_WORDS = sorted({w for e in _STATEMENTS.values() for ex in e.examples + e.not_examples for w in ex.split()})
_GLUE_BITS = ["", "", "", "~", "-", "*", "[", "]", ":", "!", "."]
_SEPARATORS = [" ", " ", " ", "  ", "\n", "\n\n", " | ", ". ", ": "]


def _fragment():
    from hypothesis import strategies as st

    example = st.sampled_from(sorted({ex for e in _STATEMENTS.values() for ex in e.examples + e.not_examples}))
    # an example with some of its words dropped or swapped, so near-misses are tried too
    mangled = st.tuples(example, st.lists(st.integers(0, 30), max_size=3), st.sampled_from(_EXAMPLE_WORDS)).map(
        lambda t: " ".join(t[2] if i in t[1][1:] else w for i, w in enumerate(t[0].split()) if i != (t[1] or [-1])[0])
    )
    word = st.tuples(st.sampled_from(_GLUE_BITS), st.sampled_from(_EXAMPLE_WORDS), st.sampled_from(_GLUE_BITS)).map(
        "".join
    )
    other = st.sampled_from(["https://amzn.to/3bc9Lmn", "#ad", "@glowly", "✨", "Glowly", "the", "video", "link"])
    return st.one_of(example, mangled, word, other)


def test_shortcuts_find_what_every_pattern_on_every_line_finds():
    """Only lines holding an anchor word are matched, and of their groups only those whose
    patterns' required words are all on the line: hypothesis-made captions (rule-file examples,
    mangled ones, their words glued to decoration) give the same matches as running every group
    on every line."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.tuples(_fragment(), st.sampled_from(_SEPARATORS)), min_size=1, max_size=8))
    def check(parts):
        text = "".join(f + sep for f, sep in parts)
        doc = caption_nlp()(normalise(text).text)
        assert _FAST.matches(doc) == _EXHAUSTIVE.matches(doc), text

    check()


def test_every_example_sentence_is_found_with_the_shortcuts_as_without():
    for entry in _STATEMENTS.values():
        for text in entry.examples + entry.not_examples:
            doc = caption_nlp()(normalise(text).text)
            assert _FAST.matches(doc) == _EXHAUSTIVE.matches(doc), text


def test_silent_captions_are_skipped_by_the_words_they_hold_and_the_memo_changes_nothing(monkeypatch):
    """A caption whose tokens give no line an anchor word is answered from the memo of such token
    texts: the same words seen again (silent, then beside a statement, glued to decoration or
    written with accents) give what every pattern on every line gives, also once the memo is cleared."""
    import compliance.analysis.statements as statements

    finder = StatementFinder(caption_nlp(), _STATEMENTS)
    monkeypatch.setattr(statements, "_SILENT_MAX", 8)  # cleared again and again below
    captions = [
        "Sunday walk by the lake with my dog",
        "Sunday walk by the lake. This video is sponsored by PeakFit.",
        "Sunday walk by the lake ~Sponsored~ by PeakFit",
        "Sunday walk by the lake\nAffiliate link: https://amzn.to/3bc9Lmn",
        "Sunday walk by the lake #ad",
        "Ce post est sponsorisé par Glowly, merci à eux",
        "Sunday walk by the lake with my dog",
        "-------[Sponsorships]-----\nSunday walk",
    ]
    for _ in range(2):
        for text in captions:
            doc = caption_nlp()(normalise(text).text)
            assert finder.matches(doc) == _EXHAUSTIVE.matches(doc), text
            assert finder.find(doc) == _EXHAUSTIVE.find(doc), text
    silent = caption_nlp()(normalise(captions[0]).text)
    assert finder.find(silent) == ([], [])
    assert finder.matches(caption_nlp()(normalise(captions[1]).text))  # a statement is still found
