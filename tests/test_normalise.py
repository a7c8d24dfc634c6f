"""The normaliser undoes disguises and keeps a faithful map back to the original caption."""

from __future__ import annotations

import pytest

from compliance.analysis.normalise import fold_key, normalise


@pytest.mark.parametrize(
    "raw, text",
    [
        ("＃ａｄ Orbit", "#ad Orbit"),  # fullwidth
        ("𝐀𝐃 | Glowly", "AD | Glowly"),  # mathematical bold
        ("#a\u200bd now", "#ad now"),  # zero-width space
        ("#a\u2060d\ufeff now", "#ad now"),  # word joiner, BOM
        ("#\u0430d now", "#ad now"),  # Cyrillic a inside a Latin word
        ("#\u0430\u0501 hi there friends", "#ad hi there friends"),  # all-look-alike word in a Latin caption
        ("Publicite\u0301 | x", "Publicité | x"),  # combining accent composed
        ("\u2800\n.\n#ad", " \n.\n#ad"),  # braille blank spacer becomes a space
    ],
)
def test_disguises_are_undone(raw, text):
    assert normalise(raw).text == text


def test_real_cyrillic_text_is_left_alone():
    assert normalise("Привет мир, это мой день").text == "Привет мир, это мой день"


def test_every_normalised_span_maps_back_to_the_original():
    raw = "＃ａｄ 𝐆𝐥𝐨𝐰𝐥𝐲 se\u200brum 🚨#ad🚨"
    norm = normalise(raw)
    start = norm.text.index("Glowly")
    s, e = norm.raw_span(start, start + len("Glowly"))
    assert raw[s:e] == "𝐆𝐥𝐨𝐰𝐥𝐲"
    s, e = norm.raw_span(0, 3)
    assert raw[s:e] == "＃ａｄ"
    i = norm.text.index("serum")
    s, e = norm.raw_span(i, i + 5)
    assert raw[s:e] == "se\u200brum"


def test_normalising_twice_changes_nothing():
    raw = "＃ａｄ #\u0430d 𝐀𝐃 \u2800 café\u0301"
    once = normalise(raw).text
    assert normalise(once).text == once


def test_fold_key_ignores_case_and_accents():
    assert fold_key("Publicité") == fold_key("PUBLICITE") == "publicite"


# ------------------------------------------------------- the segmented cluster pass changes nothing
def _one_pass_by_cluster(raw):
    """The cluster pass as first written, one grapheme cluster at a time: the reference."""
    import unicodedata

    import regex

    from compliance.analysis.normalise import _SPACERS, _is_surrogate, _unmask_lookalikes

    out, starts, ends = [], [], []
    for m in regex.finditer(r"\X", raw, flags=regex.DOTALL):
        cluster = m.group()
        if cluster.isascii():
            for i, ch in enumerate(cluster):
                out.append(ch)
                starts.append(m.start() + i)
                ends.append(m.start() + i + 1)
            continue
        piece = regex.sub(r"\p{Default_Ignorable_Code_Point}", "", cluster)
        piece = "".join("\ufffd" if _is_surrogate(ch) else _SPACERS.get(ch, ch) for ch in piece)
        piece = unicodedata.normalize("NFKC", piece)
        for ch in piece:
            out.append(ch)
            starts.append(m.start())
            ends.append(m.end())
    text = "".join(out)
    if not text.isascii():
        text = _unmask_lookalikes(text)
    return text, starts, ends


# What joins characters into clusters, or is dropped or replaced: marks, joiners, variation
# selectors, flags' halves, keycaps, tags, Hangul jamo, prepended and spacing marks, spacers,
# fillers, lone surrogates, CR LF, fullwidth and look-alike letters.
_CLUSTER_BITS = (
    list("ab #@1.\r\n ")
    + ["\u0301", "\u0308", "\u200d", "\u200b", "\ufe0f", "\ufe0e", "\u20e3", "\U0001f1e9", "\U0001f1ea"]
    + ["\U0001f600", "\u2764", "\U0001f469", "\U000e0067", "\U000e007f", "\U0001f3f4", "\u1100", "\u1161"]
    + ["\u11a8", "\uac00", "\u0600", "\u0903", "\u0915", "\u094d", "\u2800", "\u3164", "\uffa0", "\u115f"]
    + ["\ud800", "\udfff", "\uff41", "\u0430", "\u0435", "\u00e9", "\u00ad", "\ufeff", "\u3042", "\u0e33"]
)


def test_segmented_pass_equals_the_pass_by_cluster():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from compliance.analysis.normalise import _one_pass

    @settings(max_examples=1500, deadline=None)
    @given(st.lists(st.sampled_from(_CLUSTER_BITS), max_size=24).map("".join))
    def check(raw):
        assert _one_pass(raw) == _one_pass_by_cluster(raw)

    check()
    for raw in [
        "",
        "a\r\nb",
        "1\ufe0f\u20e3 \U0001f1e9\U0001f1ea\U0001f1e9",
        "e\u0301\u200b\u0301",
        "\u0600a",
        "x\ud800",
    ]:
        assert _one_pass(raw) == _one_pass_by_cluster(raw), raw


def test_segmented_pass_on_any_text():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from compliance.analysis.normalise import _one_pass

    @settings(max_examples=500, deadline=None)
    @given(st.text(max_size=30))
    def check(raw):
        assert _one_pass(raw) == _one_pass_by_cluster(raw)

    check()
