"""Find every disclosure label the vocabulary knows, accepted anywhere or not.

Which labels a jurisdiction accepts is decided later, by its rule file; here we only say what
label is where. A bare word like "ad" is a label only when it stands alone ("Ad | ...",
"AD:", "(ad)"), never inside a sentence ("an ad for mattresses", "ad hoc").
"""

from __future__ import annotations

import regex

from compliance.analysis.brands import compact
from compliance.analysis.cjk import CjkLabels
from compliance.analysis.normalise import fold_key
from compliance.analysis.prefilter import Needs, fold
from compliance.analysis.tokenizer import is_separator
from compliance.analysis.walk import walk_of
from compliance.model import Span
from compliance.ruleset.model import VocabEntry

PATTERN_TIMEOUT = 0.25
# Decoration the tokenizer may leave glued before a label word ("-werbung", "~anzeige"): the word
# after it is read as the label. Links and handles ("/", "@", "#", ".") are never cut.
_LEAD = "-–—~*=_+>»|"
_NOT_GLUED = frozenset("/@#.")
_LEAD_SET = frozenset(_LEAD)
_BRAND_CACHE = 256  # brand sets whose templates are kept (a scan's zones stay below this)


class LabelFinder:
    """Built once per vocabulary; brand templates are expanded per brand set."""

    def __init__(self, nlp, vocabulary: dict[str, VocabEntry]):
        from spacy.matcher import PhraseMatcher

        self.vocabulary = vocabulary
        self.hashtags: dict[str, str] = {}
        self.words = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.single: dict[str, str] = {}  # one-word label forms -> key, for words glued to decoration
        self.patterns: list[tuple[str, regex.Pattern]] = []
        self._needs: list[Needs | None] = []  # per pattern: what a caption must contain to be searched
        for key in sorted(vocabulary):
            entry = vocabulary[key]
            for tag in entry.hashtags:
                self.hashtags.setdefault(fold_key(tag), key)
            for matcher, forms in ((self.words, entry.words), (self.phrases, entry.phrases)):
                variants = sorted(set(forms) | {fold_key(f) for f in forms})
                if variants:
                    matcher.add(key, [nlp.make_doc(v) for v in variants])
            for form in entry.words:
                if form.isalpha():
                    self.single.setdefault(fold_key(form), key)
            for pattern in entry.patterns:
                self.patterns.append((key, regex.compile(pattern, regex.IGNORECASE)))
                self._needs.append(Needs.of(pattern, regex.IGNORECASE))
        self._brand_cache: dict[int, tuple[dict[str, str], object]] = {}
        self.cjk = CjkLabels(vocabulary)  # labels inside text without spaces

    def make_room(self, count: int) -> None:
        """Room for `count` more brand sets without a clear in between: the scan calls this before
        warming a memory zone's brand sets, so none of them is dropped and rebuilt inside the zone."""
        if len(self._brand_cache) + count > _BRAND_CACHE:
            self._brand_cache.clear()

    def _brand_templates(self, nlp, brands):
        cached = self._brand_cache.get(id(brands))
        if cached is not None and cached[2] is brands:
            return cached[0], cached[1]
        from spacy.matcher import PhraseMatcher

        tags: dict[str, str] = {}
        matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for key in sorted(self.vocabulary):
            entry = self.vocabulary[key]
            docs = []
            for brand in brands.brands:
                name = brand.name.lstrip("@")
                for form in brand.compacts:
                    for tmpl in entry.brand_hashtags:
                        tags.setdefault(fold_key(tmpl.replace("{brand}", form)), key)
                for tmpl in entry.brand_phrases:
                    docs.append(nlp.make_doc(tmpl.replace("{brand}", name)))
            if docs:
                matcher.add(key, docs)
        if len(self._brand_cache) > _BRAND_CACHE:
            self._brand_cache.clear()
        self._brand_cache[id(brands)] = (tags, matcher, brands)
        return tags, matcher

    def find(self, doc, nlp, brand_sets: list, brand_spans: list[Span]) -> list[Span]:
        """`brand_sets`: the campaign's brands and the post's own, each with cached templates.
        `doc`: a spaCy doc, or the analyser's `Walk` of it."""
        walk = walk_of(doc)
        words, starts = walk.words, walk.starts
        strings = nlp.vocab.strings
        found: list[Span] = []
        templates = [self._brand_templates(nlp, brands) for brands in brand_sets]
        for i in walk.tags:
            text = words[i]
            if text[0] == "#":
                body = fold_key(text[1:])
                key = self.hashtags.get(body)
                for brand_tags, _ in templates:
                    key = key or brand_tags.get(compact(text[1:])) or brand_tags.get(body)
                if key:
                    found.append(Span("disclosure", text, starts[i], starts[i] + len(text), label=key))
        count = len(words)
        for match_id, start, end in self.words(walk.doc):
            before = words[start - 1] if start > 0 else None
            after = words[end] if end < count else None
            # An @handle may precede a label ("@brand Werbung | ..."), as punctuation may.
            left_ok = before is None or is_separator(before) or before.startswith("@")
            if left_ok and (after is None or is_separator(after)) and not self._in_word_list(words, start, end):
                text, lo, hi = walk.span(start, end)
                found.append(Span("disclosure", text, lo, hi, label=strings[match_id]))
        found.extend(self._glued(walk))
        matchers = [self.phrases] + [matcher for _, matcher in templates]
        for matcher in matchers:
            for match_id, start, end in matcher(walk.doc):
                text, lo, hi = walk.span(start, end)
                found.append(Span("disclosure", text, lo, hi, label=strings[match_id]))
        text = walk.text
        folded = None
        for (key, pattern), needs in zip(self.patterns, self._needs, strict=True):
            if needs is not None:
                folded = fold(text) if folded is None else folded
                if not needs.met(folded):
                    continue  # the caption lacks words every match contains
            for m in pattern.finditer(text, timeout=PATTERN_TIMEOUT):
                if "party" in pattern.groupindex and m.group("party") is not None:
                    lo, hi = m.span("party")
                    if not ("@" in m.group("party") or any(b.start < hi and lo < b.end for b in brand_spans)):
                        continue
                found.append(Span("disclosure", m.group(), m.start(), m.end(), label=key))
        found.extend(self.cjk.find(text))
        return _dedupe(found)

    def _in_word_list(self, words: list[str], start: int, end: int) -> bool:
        """A label word between commas whose neighbours are ordinary words is one keyword of a list
        ("freelancer, employee, female worker"), not a label; next to another label ("#ootd, ad,
        gifted") it stays one."""
        if start < 2 or end + 1 >= len(words) or words[start - 1] != "," or words[end] != ",":
            return False
        left, right = words[start - 2], words[end + 1]
        return all(w.isalpha() and fold_key(w) not in self.single for w in (left, right))

    def _glued(self, walk) -> list[Span]:
        """Label words behind leading decoration in one token ("-werbung", "~Anzeige~"), standing
        alone on their right as a word label must."""
        words, starts = walk.words, walk.starts
        count = len(words)
        out: list[Span] = []
        if _LEAD_SET.isdisjoint(walk.text):  # no decoration anywhere: no token starts with one
            return out
        for i, word in enumerate(words):
            if len(word) < 3 or word[0] not in _LEAD or not _NOT_GLUED.isdisjoint(word):
                continue
            lead = len(word) - len(word.lstrip(_LEAD))
            body = word[lead:].rstrip(_LEAD)  # "~Anzeige~": decoration on both sides
            key = self.single.get(fold_key(body)) if body.isalpha() else None
            if key is None:
                continue
            after = words[i + 1] if i + 1 < count else None
            if after is None or is_separator(after):
                lo = starts[i] + lead
                out.append(Span("disclosure", body, lo, lo + len(body), label=key))
        return out


def _dedupe(spans: list[Span]) -> list[Span]:
    """Drop a label that lies inside a longer one ("ad" inside "ad - gifted"); keep order."""
    spans = sorted(spans, key=lambda s: (s.start, -(s.end - s.start), s.label or ""))
    kept: list[Span] = []
    reach = -1  # every kept span starts at or before this one, so "inside one" = "ends by the furthest end"
    for span in spans:
        if kept and span.end <= reach:
            continue
        kept.append(span)
        reach = max(reach, span.end)
    return kept
