"""Text without spaces: labels and brand names inside Chinese, Japanese and Korean captions.

The spaCy tokenizer splits on spaces and punctuation, so in `GlowlyのセラムPR` or `新作#广告推荐`
there is no token boundary around the brand or the label. For a caption that contains CJK script
we therefore also match by substring on the normalised text (NFKC has already folded fullwidth
`＃ＰＲ` to `#PR` and `［広告］` to `[広告]`), with script-aware boundaries: a form written in
CJK needs no boundary, but a Latin form must not be part of a longer Latin word (`PR` is not
found in `PRODUCT` or `GlowlyPR`). Latin-script captions are never touched by this path, so
"#pr" stays a runner's personal record there.

Placement counts user-perceived characters (grapheme clusters) of the caption as written, one per
CJK character, never bytes, and never the longer NFKC form (`㍿` -> `株式会社`).
"""

from __future__ import annotations

import weakref
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property, lru_cache
from itertools import accumulate
from typing import Any

import regex

from compliance.model import Span
from compliance.safe_regex import CharClass

TIMEOUT = 0.25  # seconds; these patterns are alternations of literals (linear)
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")
_CJK_CHARS = CharClass(_CJK.pattern)  # has_cjk: per distinct character, no timed search
_LATIN_EDGE = regex.compile(r"[\p{Latin}0-9]")
_HANDLE = regex.compile(r"(?<![A-Za-z0-9_.@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?")
_CLUSTER = regex.compile(r"\X", regex.DOTALL)
# The characters that can join the one before into a cluster (marks, joiners, flags' halves, Hangul
# jamo) or the one after (CR, prepended signs): where none is, each character is one cluster.
_JOINING = regex.compile(
    "[\r"
    + "".join(
        rf"\p{{Grapheme_Cluster_Break={kind}}}"
        for kind in ("Extend", "SpacingMark", "ZWJ", "Prepend", "Regional_Indicator", "L", "V", "T")
    )
    + "]"
)
_JOINING_CHARS = CharClass(_JOINING.pattern)  # per distinct character, no timed search a label


def has_cjk(text: str) -> bool:
    """Does the text contain Han, kana or Hangul (the scripts written without spaces between words)?"""
    return not text.isascii() and _has_cjk(text)


@lru_cache(maxsize=16)
def _has_cjk(text: str) -> bool:
    """Cached: the label finder and each brand set ask about the same caption."""
    return _CJK_CHARS.found(text)


def cut_at_cjk(text: str) -> str:
    """`@glowlyskinさんから` -> `@glowlyskin`: handles are never written in CJK script."""
    if text.isascii():
        return text
    m = _CJK.search(text, timeout=TIMEOUT)
    return text[: m.start()] if m else text


def is_cjk_form(form: str) -> bool:
    return has_cjk(form)


_LEFT = r"(?<![\p{Latin}0-9_@#])"  # a Latin form does not continue a Latin word, tag or handle
_RIGHT = r"(?![\p{Latin}0-9_])"


def _latin(ch: str) -> bool:
    return bool(ch) and _LATIN_EDGE.match(ch, timeout=TIMEOUT) is not None


def _fold(ch: str) -> str:
    low = ch.lower()
    return low if len(low) == 1 else ch


def _alternation(forms: Iterable[str]) -> regex.Pattern | None:
    """One pattern for all forms, as a trie (a position costs one test per next character, so a
    caption of 60,000 `#` stays fast), longest form first, with a Latin boundary on each side
    that is a Latin letter or digit."""
    trie: dict = {}
    for form in {f for f in forms if f}:
        node = trie
        for ch in form:
            node = node.setdefault(_fold(ch), {})
        node[""] = form  # the end of a form

    def emit(node: dict) -> str:
        alts = [regex.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if "" in node:  # shorter form last: the longest match wins
            alts.append(_RIGHT if _latin(node[""][-1]) else "")
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    parts = [(_LEFT if _latin(ch) else "") + regex.escape(ch) + emit(child) for ch, child in sorted(trie.items())]
    if not parts:
        return None
    return regex.compile("|".join(parts), regex.IGNORECASE | regex.V0)


class CjkLabels:
    """Label forms matched by substring in CJK captions, built once per vocabulary.

    Every hashtag (as `#form`), every word or phrase written in CJK, and each entry's
    `cjk_forms` (Latin forms such as "PR" that are labels only in CJK text)."""

    def __init__(self, vocabulary: dict):
        self.owner: dict[str, str] = {}
        for key in sorted(vocabulary):
            entry = vocabulary[key]
            forms = ["#" + h for h in entry.hashtags]
            forms += [w for w in entry.words + entry.phrases if is_cjk_form(w)]
            forms += list(getattr(entry, "cjk_forms", ()))
            for form in forms:
                self.owner.setdefault(form.casefold(), key)

    @cached_property
    def pattern(self) -> regex.Pattern | None:
        """Compiled at the first CJK caption: most scans (and `check` on one caption) never need it."""
        return _alternation(self.owner)

    def find(self, text: str) -> list[Span]:
        if not has_cjk(text) or self.pattern is None:
            return []
        out = []
        for m in self.pattern.finditer(text, timeout=TIMEOUT):
            key = self.owner.get(m.group().casefold())
            if key:
                out.append(Span("disclosure", m.group(), m.start(), m.end(), label=key))
        return out


_BRAND_PATTERNS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _brand_pattern(brands) -> tuple[regex.Pattern | None, dict[str, Any]]:
    cached = _BRAND_PATTERNS.get(brands)
    if cached is None:
        owner: dict[str, Any] = {}  # variant -> Brand
        for brand in brands.names:
            variants = {brand.name.strip()}
            if "&" in brand.name:
                variants.add(brand.name.replace("&", "and").strip())
            if " " in brand.name.strip():
                variants.add(brand.name.replace(" ", ""))
            for v in variants:
                owner.setdefault(v.casefold(), brand)
        cached = (_alternation(owner), owner)
        _BRAND_PATTERNS[brands] = cached
    return cached


def brand_spans(brands, text: str, existing: Sequence[Span] = ()) -> list[Span]:
    """Campaign brand names and @handles inside CJK text (`GlowlyのセラムPR`, `資生堂の新作`,
    `@glowlyskinさんから`). A name that is an everyday word counts only when not all lower-case."""
    if not has_cjk(text):
        return []
    out = []
    pattern, owner = _brand_pattern(brands)
    if pattern is not None:
        for m in pattern.finditer(text, timeout=TIMEOUT):
            brand = owner.get(m.group().casefold())
            if brand is None:
                continue
            confidence = "high"
            if brand.common:
                if m.group().islower():
                    continue
                confidence = "medium"
            out.append(Span("brand", m.group(), m.start(), m.end(), value=brand.name, confidence=confidence))
    for m in _HANDLE.finditer(text, timeout=TIMEOUT):
        found = brands.for_handle(m.group()[1:])
        if found:
            brand, confidence = found
            out.append(Span("brand", m.group(), m.start(), m.end(), value=brand.name, confidence=confidence))
    # one brand, one signal: not again inside a hashtag or handle the token path already found
    return [s for s in out if not any(o.start <= s.start and s.end <= o.end for o in existing)]


def perceived_length(norm) -> Callable[[int, int], int] | None:
    """How many user-perceived characters of the caption as written lie between two offsets of the
    normalised text: grapheme clusters, so a CJK character, an accented letter or an emoji with
    its joiners counts once. None for ASCII captions, where that is plain subtraction."""
    if norm.raw.isascii():
        return None
    raw = norm.raw
    starts: list[int] = []

    def raw_offset(i: int) -> int:
        return norm.starts[i] if i < len(norm.starts) else len(raw)

    def measure(lo: int, hi: int) -> int:
        raw_lo = raw_offset(lo)
        raw_hi = norm.ends[hi - 1] if 0 < hi <= len(norm.ends) else raw_offset(hi)
        # Nothing between (or just before) that joins characters: each one is a cluster. Most
        # captions' stretches, and a search of the stretch, not a split of the whole caption.
        if raw_lo <= raw_hi and not _JOINING_CHARS.found(raw[max(raw_lo - 1, 0) : raw_hi]):
            return raw_hi - raw_lo
        if not starts:  # cluster starts, once: lengths summed in C, not a Python step per cluster
            starts.extend(accumulate(map(len, _CLUSTER.findall(raw, timeout=5.0)), initial=0))
        return bisect_left(starts, raw_hi) - bisect_left(starts, raw_lo)

    return measure
