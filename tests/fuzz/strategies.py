"""Hypothesis strategies for hostile captions, shared by the property tests, the fuzz harness and
bench/robustness.py.

Plain `st.text()` almost never produces what breaks caption tools, so text is built from pieces
that do: labels and brands, invisible and bidi characters, combining marks, emoji sequences,
look-alike letters, NULs, and lone surrogates (JSON carries them as `\\ud800` escapes).
"""

from __future__ import annotations

from hypothesis import strategies as st

INVISIBLES = (
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\u00ad",
    "\ufeff",
    "\ufe0f",
    "\u180e",
    "\U000e0061",
)  # zero-width space/non-joiner/joiner, word joiner, soft hyphen, BOM, VS16, tag
BIDI = ("\u202e", "\u202d", "\u2066", "\u2067", "\u2069", "\u200f", "\u061c")
# One look-alike per ASCII letter where Unicode has a well-known one (Cyrillic, Greek).
LOOKALIKES = {
    "a": "\u0430",
    "e": "\u0435",
    "o": "\u043e",
    "p": "\u0440",
    "c": "\u0441",
    "x": "\u0445",
    "y": "\u0443",
    "i": "\u0456",
    "d": "\u0501",
    "A": "\u0391",
    "B": "\u0392",
    "E": "\u0395",
    "O": "\u039f",
    "P": "\u03a1",
    "T": "\u03a4",
}

HOSTILE_PIECES = (
    "#ad",
    "#Ad",
    "AD",
    "Ad |",
    "#sponsored",
    "#Werbung",
    "Werbung |",
    "Anzeige",
    "#publicité",
    "#sp",
    "#collab",
    "#gifted",
    "paid partnership",
    "@glowlyskin",
    "Glowly",
    "PeakFit",
    "Dove",
    "code LENA15",
    "use code GLOW20 for 20%",
    "https://amzn.to/3x?tag=abc-20",
    "bit.ly/x",
    "thanks @peakfit for the free",
    "Danke an @peakfit für",
    "merci @glowlyskin pour",
    " ",
    "  ",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "\x00",
    "\x1b[31m",
    "\x7f",
    "\u2028",
    "\u0085",
    "\u2800",
    "\u3164",
    "...",
    "·",
    "|",
    "#",
    "@",
    "##",
    "#@",
    "\ud800",
    "\udfff",
    "\udc80",
    "\u0301",
    "\u0301\u0301\u0301",
    "\u20dd",
    "e\u0301",
    "\U0001f44d\U0001f3fd",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    "\U0001f1fa\U0001f1f8",
    "\u0130",
    "\u00df",
    "\ufb01",
    "\u0149",
    "\u1e9e",
    "\uff03\uff41\uff44",
    "\U0001d41a\U0001d41d",
    "\u2460",
    "\ufdfa",
    "\u0345",
    "<script>",
    '"',
    "'",
    "&amp;",
    "\\",
    "\uffff",
    "\U0010ffff",
    "\ue000",
    "\u0600",
    "\u05d0\u05d3",
    "\u0627\u0644",
)

_any_char = st.characters(codec=None, exclude_categories=())  # every code point, surrogates included
_surrogate = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)

piece = st.one_of(
    st.sampled_from(HOSTILE_PIECES),
    st.sampled_from(INVISIBLES + BIDI),
    st.text(_any_char, max_size=6),
    _surrogate,
)

# A caption: a run of hostile pieces, usually short, sometimes a few hundred characters.
captions = st.lists(piece, max_size=40).map("".join)

# Short, field-like strings for ids, authors and brand names.
field_text = st.lists(piece, max_size=6).map("".join)


def fuzz_settings(default_examples: int):
    """Hypothesis settings for a short, repeatable CI run; FUZZ_EXAMPLES=N makes it a long random run.

    In CI the run is derandomized (same examples every time, no flaky failures). A long run
    (`FUZZ_EXAMPLES=20000 python3 -m pytest tests/fuzz tests/test_properties.py`) draws fresh
    random examples; whatever it finds goes into fixtures/regressions/ as a fixed case.
    """
    import os

    from hypothesis import HealthCheck, settings

    wanted = os.environ.get("FUZZ_EXAMPLES")
    return settings(
        max_examples=int(wanted) if wanted else default_examples,
        deadline=None,
        derandomize=not wanted,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    )
