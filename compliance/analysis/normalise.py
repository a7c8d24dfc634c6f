"""Undo the tricks captions use, keeping a map from every normalised character to the original.

Captions hide labels with fullwidth or mathematical letters (`＃ａｄ`, `𝐀𝐃`), zero-width
characters (`#a\u200bd`), Cyrillic or Greek look-alikes (`#аd`) and braille blanks used as
spacers. Detectors work on the normalised text; the report quotes the original, so every
normalised character remembers the original stretch it came from.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import regex

from compliance.safe_regex import CharClass

# Default-ignorable code points (zero-width space/joiners, soft hyphen, variation selectors, BOM,
# tag characters ...) are invisible: drop them. U+2800 (braille blank) and other blank-looking
# characters are used as visible spacers: they become a plain space.
_INVISIBLE = regex.compile(r"\p{Default_Ignorable_Code_Point}")
_SPACERS = {"\u2800": " ", "\u3164": " ", "\u115f": " ", "\u1160": " ", "\uffa0": " "}
_WORD = regex.compile(r"[\p{L}\p{M}]+")
_LOOKALIKE_SCRIPTS = ("Cyrillic", "Greek")
# These patterns are linear; the timeout only backstops a pathological caption (-> error record).
TIMEOUT = 5.0


def _is_surrogate(ch: str) -> bool:
    return "\ud800" <= ch <= "\udfff"


@lru_cache(maxsize=1)
def _lookalike_table() -> dict[str, str]:
    """Cyrillic and Greek letters that look like one Latin letter, from Unicode's confusables."""
    from confusable_homoglyphs import confusables

    table: dict[str, str] = {}
    ranges = [range(0x0370, 0x0400), range(0x0400, 0x0530)]
    for rng in ranges:
        for cp in rng:
            ch = chr(cp)
            if not ch.isalpha():
                continue
            found = confusables.is_confusable(ch, greedy=True, preferred_aliases=["latin"]) or []
            for entry in found:
                for glyph in entry.get("homoglyphs", []):
                    c = glyph.get("c", "")
                    if len(c) == 1 and "a" <= c.lower() <= "z":
                        table.setdefault(ch, c)
    return table


@dataclass(frozen=True)
class Normalised:
    """The normalised text and, per character, the [start, end) it covers in the original."""

    raw: str
    text: str
    starts: Sequence[int]  # a range when the text maps one to one
    ends: Sequence[int]

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised [start, end) back to the original caption."""
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else len(self.raw)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


MAX_PASSES = 4


# Anything the per-cluster pass would drop or replace; without it, and already NFKC, a caption
# maps one character to one character and needs no cluster walk.
_NEEDS_PASS = CharClass(r"[\p{Default_Ignorable_Code_Point}\p{Cs}" + "".join(_SPACERS) + "]")


def normalise(raw: str) -> Normalised:
    """Repeat the pass until nothing changes: dropping an invisible can bring a combining mark
    next to its letter (`a\u200b\u0301`), which only the next pass composes; normalising the
    result again must give the same text."""
    if raw.isascii() or (not _NEEDS_PASS.found(raw) and unicodedata.is_normalized("NFKC", raw)):
        # The common case (plain text, emoji, accents): only look-alikes may change, one for one.
        text = raw if raw.isascii() else _unmask_lookalikes(raw)
        return Normalised(raw, text, range(len(raw)), range(1, len(raw) + 1))
    text, starts, ends = _one_pass(raw)
    for _ in range(MAX_PASSES - 1):
        if text.isascii():
            break
        again, s2, e2 = _one_pass(text)
        if again == text:
            break
        starts = [starts[s] for s in s2]
        ends = [ends[e - 1] for e in e2]
        text = again
    return Normalised(raw, text, tuple(starts), tuple(ends))


# The cluster pass reads the text as runs of ASCII characters that are each a cluster of their own
# (an ASCII character followed by another ASCII one, or by the end, is never joined to what
# follows) and single clusters for the rest: one match per emoji or accented letter, not one per
# character (each match of a timed search reads the process clock, two system calls).
_SEGMENT = regex.compile(r"(?:[\x00-\x7f](?=[\x00-\x7f]|\Z))++|\X", regex.DOTALL)


def _one_pass(raw: str) -> tuple[str, list[int], list[int]]:
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    # Invisible characters, found once for the text (the property is per code point).
    invisible = {m.start() for m in _INVISIBLE.finditer(raw, timeout=TIMEOUT)}
    for m in _SEGMENT.finditer(raw, timeout=TIMEOUT):
        cluster = m.group()
        lo, hi = m.span()
        if cluster.isascii():
            # Fast path: ASCII needs nothing but a per-character map (CRLF is one cluster).
            out.append(cluster)
            starts.extend(range(lo, hi))
            ends.extend(range(lo + 1, hi + 1))
            continue
        piece = cluster
        if invisible and not invisible.isdisjoint(range(lo, hi)):
            piece = "".join(ch for at, ch in enumerate(cluster, lo) if at not in invisible)
        # A lone surrogate (JSON can carry "\\ud800") is no character: U+FFFD, so the
        # tokenizer and every encoder downstream can take the text.
        piece = "".join("\ufffd" if _is_surrogate(ch) else _SPACERS.get(ch, ch) for ch in piece)
        piece = unicodedata.normalize("NFKC", piece)
        out.append(piece)
        starts.extend([lo] * len(piece))
        ends.extend([hi] * len(piece))
    text = "".join(out)
    if not text.isascii():
        text = _unmask_lookalikes(text)
    return text, starts, ends


@lru_cache(maxsize=1)
def _lookalike_chars() -> frozenset[str]:
    """Every look-alike, for a C-speed test of the common caption with none (a set test costs a
    quarter of a character-class search, which also reads the clock for its timeout)."""
    return frozenset(_lookalike_table())


def _unmask_lookalikes(text: str) -> str:
    """Replace look-alike letters inside words that are mostly Latin, one char for one char.

    A word of pure Cyrillic or Greek is left alone (it is someone's language), unless the caption
    is otherwise Latin and every letter of the word has a Latin twin (a disguised `#ad`).
    """
    table = _lookalike_table()
    if _lookalike_chars().isdisjoint(text):
        return text
    latin_letters = sum(1 for ch in text if _is_latin(ch))
    letters = sum(1 for ch in text if ch.isalpha()) or 1
    mostly_latin = latin_letters / letters >= 0.6
    chars = list(text)
    for m in _WORD.finditer(text, timeout=TIMEOUT):
        word = m.group()
        has_latin = any(_is_latin(ch) for ch in word)
        swappable = [ch in table for ch in word if ch.isalpha() and not _is_latin(ch)]
        if not any(swappable):
            continue
        if has_latin and all(swappable) or (mostly_latin and all(swappable)):
            for i, ch in enumerate(word, start=m.start()):
                if ch in table:
                    chars[i] = table[ch]
    return "".join(chars)


def _is_latin(ch: str) -> bool:
    """Latin script, accented letters included: the é of `Publicité` is no Cyrillic letter."""
    return "a" <= ch.lower() <= "z" or unicodedata.name(ch, "").startswith("LATIN ")


def fold_key(text: str) -> str:
    """Case- and accent-insensitive form for comparing labels (`#Publicité` == `#publicite`)."""
    if text.isascii():  # nothing to decompose: casefold is lower()
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
