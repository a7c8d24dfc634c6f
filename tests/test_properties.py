"""Properties that must hold for any caption, however hostile (hypothesis, moderate example counts).

- judging never raises and never gives up on a caption (no error record for plain text);
- every span in the result quotes the caption it points into, exactly;
- the result can always be written as UTF-8 (lone surrogates included);
- normalising is idempotent;
- hiding an accepted label behind zero-width or look-alike characters changes nothing;
- text added after the fold never turns a violation into compliance.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from compliance.analysis.normalise import normalise
from compliance.model import Post, Source
from tests.conftest import BRANDS
from tests.fuzz.strategies import INVISIBLES, LOOKALIKES, captions, fuzz_settings

JURISDICTIONS = ("us", "uk", "de", "fr")
SETTINGS = fuzz_settings(150)


@pytest.fixture(scope="module")
def scanner(scanner_for):
    return scanner_for(*JURISDICTIONS, brands=BRANDS)


def _surrogate_free(text: str) -> str:
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)


def _check_spans(result: dict) -> int:
    """Assert every span quotes the caption; return how many spans were checked."""
    caption = result["caption"]
    checked = 0
    for span in result["signals"] + result["disclosures"]:
        assert 0 <= span["start"] < span["end"] <= len(caption), span
        assert caption[span["start"] : span["end"]] == span["text"], span
        checked += 1
    for verdict in result["verdicts"].values():
        for finding in verdict["findings"]:
            if finding["start"] is None:
                assert finding["end"] is None and finding["text"] is None, finding
                continue
            assert caption[finding["start"] : finding["end"]] == finding["text"], finding
            checked += 1
    return checked


@SETTINGS
@given(captions)
@example("\ud800#ad @glowlyskin")
@example("#a\u200bd\u0301 Glowly \u202e#ad\u202c\x00")
@example("Solara\u200b\u0301")  # found by this test: a dropped invisible left a mark to compose
@example("\U0001f44d" + "\U0001f3fd" * 200 + "#ad")
def test_any_caption_is_judged_and_every_span_quotes_it(scanner, caption):
    record = scanner.judge_record(Post(id="p", caption=caption, source=Source("fuzz")))
    assert record.error is None, record.error
    result = record.to_dict()
    # The report carries the caption as read, lone surrogates shown as U+FFFD one for one.
    assert result["caption"] == _surrogate_free(caption)
    _check_spans(result)
    json.dumps(result, ensure_ascii=False).encode("utf-8")  # writable as UTF-8, always


def test_spans_are_checked_on_a_disguised_caption(scanner):
    """The property above really compares offsets: a caption with look-alikes yields spans."""
    caption = "\uff03\uff41\uff44 New \u0413lowly serum from @glowly\u200bskin"
    result = scanner.judge_record(Post(id="p", caption=caption, source=Source("t"))).to_dict()
    texts = {d["text"] for d in result["disclosures"]}
    assert "\uff03\uff41\uff44" in texts
    assert _check_spans(result) >= 2


@SETTINGS
@given(captions)
@example("Solara\u200b\u0301")
@example("a\u200b\u0301\u200b\u0327")
def test_normalising_is_idempotent(caption):
    once = normalise(caption)
    assert normalise(once.text).text == once.text
    assert len(once.starts) == len(once.ends) == len(once.text)
    # Every normalised character maps to a non-empty, in-range stretch of the original.
    for start, end in zip(once.starts, once.ends, strict=False):
        assert 0 <= start < end <= len(caption)


# --- disguised labels ------------------------------------------------------------------------

# Captions that carry an accepted label, the label's letters, and the jurisdictions that accept it.
LABELLED = [
    ("#ad My new favourite serum from @glowlyskin", "ad"),
    ("Ad | PeakFit's summer sale, use code LENA15", "Ad"),
    ("#advertisement Glowly serum, honest review below", "advertisement"),
    ("Werbung | Mein neues Serum von @glowlyskin", "Werbung"),
    ("#Anzeige Mein Lieblingsserum von Glowly", "Anzeige"),
    ("Publicité | Mon nouveau sérum @glowlyskin", "Publicité"),
    ("#ad #Werbung #publicité Glowly serum @glowlyskin", "Werbung"),
]


def _disguise(label: str, how: list[tuple[int, str]]) -> str:
    """Apply (position, trick) pairs to the label's letters."""
    chars = list(label)
    inserts: dict[int, str] = {}
    for pos, trick in how:
        i = pos % len(chars)
        if trick in INVISIBLES:
            inserts[i] = inserts.get(i, "") + trick
        elif trick == "lookalike" and chars[i] in LOOKALIKES:
            chars[i] = LOOKALIKES[chars[i]]
        elif trick == "fullwidth" and chars[i].isascii() and chars[i].isalpha():
            chars[i] = chr(ord(chars[i]) + 0xFEE0)
    return "".join(inserts.get(i, "") + ch if i else ch + inserts.get(i, "") for i, ch in enumerate(chars))


def _verdicts(scanner, caption: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    result = scanner.judge(Post(id="p", caption=caption, source=Source("t")))
    return {j: (v.status, tuple(f.rule for f in v.findings)) for j, v in result.verdicts.items()}


tricks = st.lists(
    st.tuples(st.integers(0, 20), st.sampled_from(INVISIBLES + ("lookalike", "fullwidth"))), min_size=1, max_size=4
)


@SETTINGS
@given(st.sampled_from(LABELLED), tricks)
def test_disguising_an_accepted_label_does_not_change_the_verdict(scanner, labelled, how):
    caption, label = labelled
    disguised_label = _disguise(label, how)
    assume(disguised_label != label)
    disguised = caption.replace(label, disguised_label, 1)
    assert _verdicts(scanner, disguised) == _verdicts(scanner, caption), disguised


def test_disguised_labels_are_still_found(scanner):
    """The invariance is not vacuous: the clean captions are compliant somewhere, and the
    disguised one is found as the same label at the disguised text."""
    caption = LABELLED[0][0]
    assert _verdicts(scanner, caption)["us"] == ("compliant", ())
    disguised = caption.replace("ad", "\u0430\u200bd", 1)
    result = scanner.judge(Post(id="p", caption=disguised, source=Source("t")))
    assert [(d.label, d.text) for d in result.disclosures] == [("ad", "#\u0430\u200bd")]


# --- text after the fold ---------------------------------------------------------------------

FILLER_WORDS = (
    "sunny",
    "morning",
    "coffee",
    "walk",
    "river",
    "bread",
    "blue",
    "quiet",
    "the",
    "and",
    "with",
    "\U0001f33f",
    ".",
    "42",
    "\n",
)
VIOLATING = [
    "Loving my @glowlyskin serum",
    "Shop the look here: https://amzn.to/4kQzXyz?tag=lena-21",
    "Fresh coffee and a new Glowly hat #morning #sunny #style #ad #ootd",
    "#sponsored Glowly serum, code LENA15",
    "Thanks @peakfit for the free shoes!",
    "My PeakFit routine #sp",
]
filler = st.lists(st.sampled_from(FILLER_WORDS), min_size=60, max_size=120).map(" ".join)


@SETTINGS
@given(st.one_of(st.sampled_from(VIOLATING), captions), filler)
def test_text_after_the_fold_never_clears_a_violation(scanner, caption, more):
    before = _verdicts(scanner, caption)
    violated = [j for j, (status, _) in before.items() if status == "violation"]
    assume(violated)
    after = _verdicts(scanner, caption + "\n\n\n\n\n" + more)
    for j in violated:
        assert after[j][0] == "violation", (j, before[j], after[j])


def test_the_fold_examples_do_violate(scanner):
    """Every hand-written violating caption violates somewhere, so the property is exercised."""
    for caption in VIOLATING:
        assert "violation" in {status for status, _ in _verdicts(scanner, caption).values()}, caption
