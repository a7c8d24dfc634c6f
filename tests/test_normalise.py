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
