"""Campaign brands: names, @handles and hashtags, found without mistaking everyday words for them.

A brand list is data from the user (`--brands`, or a post's own `brands`). Names match case-
insensitively as whole words (so `Solara` is not found in "solar"), inside hashtags
(`#SolaraPartner`), as handles, and in link hosts. A name that is also an everyday word
(Target, Apple, Dove) counts only where it is used as the brand.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from compliance.analysis.cjk import brand_spans, cut_at_cjk
from compliance.analysis.normalise import fold_key
from compliance.analysis.walk import walk_of
from compliance.model import Span

_NON_ALNUM = regex.compile(r"[^\p{L}\p{N}]+")
_CAMEL = regex.compile(r"\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|\p{N}+")
_TAG_MEMO = 4096  # hashtag bodies remembered per brand set
TIMEOUT = 1.0  # backstop for these linear patterns over user text (a timeout fails one post)


@lru_cache(maxsize=8192)
def compact(name: str) -> str:
    """`Kettle & Crumb` -> `kettlecrumb`: the form a name takes inside a hashtag, handle or host.
    Cached: the same tags and handles come back post after post, each asked for by every brand set
    and the label finder."""
    folded = fold_key(name)
    if folded.isascii() and folded.isalnum():  # ASCII letters and digits only: nothing to remove
        return folded  # (and no timed search, which reads the process clock twice)
    return _NON_ALNUM.sub("", folded, timeout=TIMEOUT)


@dataclass(frozen=True)
class Brand:
    name: str  # as the user wrote it
    compacts: tuple[str, ...]  # forms inside hashtags and hosts
    common: bool  # an everyday word: needs evidence of brand use
    handle: bool  # given as @handle


class BrandSet:
    """The brands of one campaign (or one post), with the matchers built for them once."""

    def __init__(self, entries: tuple[str, ...], common_words: frozenset[str], shopping_words: frozenset[str]):
        self.brands: list[Brand] = []
        self.handles: dict[str, Brand] = {}
        self.shopping_words = shopping_words
        for entry in entries:
            entry = entry.strip()
            if not entry:
                continue
            if entry.startswith("@"):
                body = entry[1:].lower()
                brand = Brand(entry, (compact(body),), False, True)
                self.handles[body] = brand
            else:
                forms = {compact(entry)}
                if "&" in entry:
                    forms.add(compact(entry.replace("&", "and")))
                is_common = fold_key(entry) in common_words
                brand = Brand(entry, tuple(sorted(f for f in forms if f)), is_common, False)
            self.brands.append(brand)
        self.names = [b for b in self.brands if not b.handle]
        # Lookup tables so hashtags, handles and hosts cost a few dict probes, not a loop over brands.
        self.by_compact: dict[str, Brand] = {}
        for brand in self.names:
            for form in brand.compacts:
                self.by_compact.setdefault(form, brand)
        self.handle_compacts = {compact(h): b for h, b in self.handles.items()}
        self.affix = {form: b for form, b in self.by_compact.items() if not b.common and len(form) >= 4}
        self.affix_longest = max(map(len, self.affix), default=0)
        self.common_forms = {form: b for form, b in self.by_compact.items() if b.common}
        self._matcher = None
        self._tags: dict[str, Brand | None] = {}
        self._handles: dict[str, tuple[Brand, str] | None] = {}

    def __bool__(self) -> bool:
        return bool(self.brands)

    def matcher(self, nlp):
        """PhraseMatcher over lower-cased tokens: fast for thousands of brand names."""
        if self._matcher is None:
            from spacy.matcher import PhraseMatcher

            matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
            for i, brand in enumerate(self.names):
                variants = {brand.name}
                if "&" in brand.name:
                    variants.add(brand.name.replace("&", "and"))
                if " " in brand.name.strip():
                    variants.add(brand.name.replace(" ", ""))
                matcher.add(f"B{i}", [nlp.make_doc(v) for v in sorted(variants)])
            self._matcher = matcher
        return self._matcher

    # -- detection ----------------------------------------------------------------------------
    def find(self, doc, nlp) -> list[Span]:
        """Brand spans in a doc (or its `Walk`, which the analyser shares between detectors)."""
        walk = walk_of(doc)
        words, starts = walk.words, walk.starts
        spans: list[Span] = []
        brand: Brand | None
        shouted: bool | None = None  # the whole caption in capitals: then capitals say nothing
        if self.names:
            strings = nlp.vocab.strings
            for match_id, start, end in self.matcher(nlp)(walk.doc):
                brand = self.names[int(strings[match_id][1:])]
                confidence: str | None
                confidence = "high"
                if brand.common:
                    if shouted is None:
                        shouted = not any(ch.islower() for ch in walk.text)
                    confidence = self._common_word_use(words, start, end, shouted)
                    if confidence is None:
                        continue
                text, lo, hi = walk.span(start, end)
                spans.append(Span("brand", text, lo, hi, value=brand.name, confidence=confidence))
        for i in walk.tags:
            text = words[i]
            if text[0] == "#":
                brand = self.in_hashtag(text[1:])
                if brand:
                    spans.append(Span("brand", text, starts[i], starts[i] + len(text), value=brand.name))
            else:
                text = cut_at_cjk(text)  # a handle ends where CJK text begins: "@glowlyskinさん"
                found = self.for_handle(text[1:]) if len(text) > 1 else None
                if found:
                    brand, confidence = found
                    body = text.rstrip(".")
                    spans.append(
                        Span("brand", body, starts[i], starts[i] + len(body), value=brand.name, confidence=confidence)
                    )

        spans.extend(brand_spans(self, walk.text, spans))
        return spans

    def _affix_brand(self, key: str, prefix_only: bool = False) -> Brand | None:
        """A non-common brand form that starts (or ends) `key`: #GlowlyPartner, @velocybikes.

        Only slices as long as the longest form are tried: a 64k-character hashtag costs as much
        as a short one (every slice length was tried before, which was quadratic)."""
        longest = self.affix_longest
        for i in range(min(len(key), longest), 3, -1):
            brand = self.affix.get(key[:i])
            if brand:
                return brand
        if not prefix_only:
            for i in range(max(0, len(key) - longest), len(key) - 3):
                brand = self.affix.get(key[i:])
                if brand:
                    return brand
        return None

    def for_handle(self, body: str) -> tuple[Brand, str] | None:
        """The brand an @handle's body names, and how sure; remembered per body (handles recur
        post after post, and a handle of no brand tries every prefix length)."""
        memo = self._handles
        if body in memo:
            return memo[body]
        if len(memo) >= _TAG_MEMO:
            memo.clear()
        found = memo[body] = self._for_handle(body)
        return found

    def _for_handle(self, body: str) -> tuple[Brand, str] | None:
        body = body.lower().rstrip(".")
        if body in self.handles:
            return self.handles[body], "high"
        key = compact(body)
        if key in self.by_compact:
            return self.by_compact[key], "high"
        brand = self._affix_brand(key, prefix_only=True)
        return (brand, "medium") if brand else None

    def in_hashtag(self, body: str) -> Brand | None:
        """The brand a hashtag's body names, if any; remembered per body (tags recur post after post,
        and each answer costs a few patterns)."""
        if body in self._tags:
            return self._tags[body]
        if len(self._tags) >= _TAG_MEMO:
            self._tags.clear()
        brand = self._tags[body] = self._in_hashtag(body)
        return brand

    def _in_hashtag(self, body: str) -> Brand | None:
        key = compact(body)
        if not key:
            return None
        brand = self.handle_compacts.get(key) or self.by_compact.get(key) or self._affix_brand(key)
        if brand or not self.common_forms:
            return brand
        # A body of lower-case ASCII letters is one segment (most tags): no timed search for it.
        plain = body.isascii() and body.isalpha() and body.islower()
        for segment in [body] if plain else _CAMEL.findall(body, timeout=TIMEOUT):
            brand = self.common_forms.get(fold_key(segment))
            if brand:
                return brand
        return None

    def in_host(self, host: str) -> Brand | None:
        for label in host.lower().split(".")[:-1]:
            key = compact(label)
            brand = self.handle_compacts.get(key) or self.by_compact.get(key)
            if brand and not brand.common and len(key) >= 4:
                return brand
        return None

    def _common_word_use(self, words: list[str], start: int, end: int, shouted: bool = False) -> str | None:
        """Is an everyday-word brand used as the brand here? None when it reads as the word.

        A word in capitals reads as emphasis ("I LOVE my BOOTS"), unless the whole caption is in
        capitals (`shouted`): there only its place in the sentence tells."""
        first = words[start]
        if first.islower():
            return None
        after = _next_word(words, end)
        if after is not None and after.lower() in self.shopping_words:
            return "medium"
        before = words[start - 1] if start > 0 else None
        sentence_start = (
            before is None or before.isspace() or before in ".!?:|\n" or not any(ch.isalnum() for ch in before)
        )
        if sentence_start or (first.isupper() and not shouted):
            return None
        return "medium"


def _next_word(words: list[str], i: int) -> str | None:
    while i < len(words) and words[i].isspace():
        i += 1
    return words[i] if i < len(words) else None


@lru_cache(maxsize=256)
def brand_set(entries: tuple[str, ...], common_words: frozenset[str], shopping_words: frozenset[str]) -> BrandSet:
    return BrandSet(entries, common_words, shopping_words)
