"""One caption in, its commercial signals and disclosure labels out, as spans of the original text.

This is the only module that runs spaCy over captions. The analysis is the same whatever
jurisdictions are judged afterwards: judging never re-reads the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from compliance.analysis.brands import BrandSet, brand_set
from compliance.analysis.cjk import perceived_length
from compliance.analysis.disclosures import LabelFinder
from compliance.analysis.discover import Discoverer, load_catalogue
from compliance.analysis.normalise import Normalised, fold_key, normalise
from compliance.analysis.signals import SignalFinder
from compliance.analysis.statements import StatementFinder, absorb, near_links
from compliance.analysis.tokenizer import caption_nlp
from compliance.analysis.vocabulary import frequent_words, pattern_strings, warm
from compliance.analysis.walk import Walk
from compliance.analysis.zones import place
from compliance.model import InputError, Post, Span
from compliance.ruleset.model import RuleSet

# Non-ASCII captions longer than this are given to the tokenizer's `prepare` as written, not
# normalised (a pathological one would otherwise spend its regex timeouts twice).
_PREPARE_MAX = 4000


@dataclass(frozen=True)
class Analysis:
    """What the caption contains, with offsets into `Post.caption`."""

    signals: tuple[Span, ...]
    disclosures: tuple[Span, ...]
    commercial: bool
    platform: str
    normalised: Normalised = field(compare=False, repr=False)  # for checks that read the text
    cues: tuple[Span, ...] = ()  # --discover: commercial-intent cues (never make a post commercial)
    discovery: Any = None  # --discover: a compliance.analysis.discover.Discovery, when a cue fired
    # Commercial only because of short links beside shopping words: findings are for a person to
    # review (error -> warning), never a violation on that alone.
    tentative: bool = False


class Analyser:
    """Built once per scan from the union of the loaded rule sets' vocabulary."""

    def __init__(self, rulesets: list[RuleSet], brands: list[str], discover: bool = False):
        self.nlp = caption_nlp()
        base = rulesets[0]
        vocabulary = {}
        for rs in rulesets:
            vocabulary.update(rs.vocabulary)
        self.vocabulary = vocabulary
        signals = base.signals
        self.common_words = frozenset(fold_key(w) for w in signals.get("common_word_brands", []))
        self.shopping_words = frozenset(fold_key(w) for w in signals.get("shopping_words", []))
        self.campaign = tuple(brands)
        self.campaign_brands = BrandSet(self.campaign, self.common_words, self.shopping_words)
        self.labels = LabelFinder(self.nlp, vocabulary)
        statements = {}
        for rs in rulesets:
            statements.update(rs.statements)
        self.statements = StatementFinder(self.nlp, statements)
        self.signals = SignalFinder(self.nlp, signals)
        self.platforms = base.platforms
        self.block_min = int(base.placement.get("hashtag_block_min", 3))
        self.discoverer = _discoverer(self.nlp) if discover else None
        self.signal_words = signals
        self._warmed = False
        self._normalised: dict[str, Normalised] = {}  # prepare_zone's work, for analyse to take

    def warm_vocabulary(self) -> int:
        """Teach the tokenizer the common words once, outside any memory zone (see
        compliance.analysis.vocabulary); later calls do nothing. Returns how many forms."""
        if self._warmed or self.nlp.vocab.in_memory_zone:
            return 0
        self._warmed = True
        return warm(self.nlp, self.warm_words())

    def warm_words(self) -> list[str]:
        """The rules' wording, the campaign's brands and the shipped frequent words."""
        words: list[str] = list(frequent_words())
        for entry in self.vocabulary.values():
            words += ["#" + tag.lstrip("#") for tag in entry.hashtags]
            words += [*entry.words, *entry.phrases, *entry.brand_phrases]
        for statement in self.statements.statements.values():
            words += pattern_strings(statement.patterns)
        for value in self.signal_words.values():
            if isinstance(value, (list, tuple)):
                words += [v for v in value if isinstance(v, str) and "/" not in v]
        for brand in self.campaign:
            words += [brand, brand.replace("&", "and")]
        if self.discoverer is not None:
            for cue in self.discoverer.catalogue.cues:
                words += cue.phrases
        return [w.replace("{brand}", "") for w in words]

    def prepare_zone(self, records: list) -> int:
        """Before a memory zone: tell the tokenizer the texts the zone's posts will give it, so
        the words it saw in earlier zones are learned before this one instead of made again in it
        (see compliance.analysis.tokenizer). Their normalised captions are kept for `analyse`.
        Returns how many chunks were learned."""
        prepare = getattr(self.nlp.tokenizer, "prepare", None)
        self._normalised.clear()
        if prepare is None or not self.nlp.tokenizer.learning or self.nlp.vocab.in_memory_zone:
            return 0
        texts = []
        for record in records:
            caption = getattr(record, "caption", None)
            if not isinstance(caption, str) or isinstance(record, InputError):
                continue
            if caption.isascii() or len(caption) > _PREPARE_MAX:  # as tokenized, or near enough
                texts.append(caption)
                continue
            try:
                norm = normalise(caption)
            except Exception:  # the post's own analysis meets it again and reports it
                continue
            self._normalised[caption] = norm
            texts.append(norm.text)
        return int(prepare(texts))

    def brands_for(self, post: Post) -> list[BrandSet]:
        """The campaign's brand set (built once) plus a small one for the post's own extra brands."""
        sets = [self.campaign_brands] if self.campaign_brands else []
        extra = tuple(b for b in post.brands if b not in self.campaign)
        if extra:
            sets.append(brand_set(extra, self.common_words, self.shopping_words))
        return sets

    def analyse(self, post: Post) -> Analysis:
        norm = self._normalised.pop(post.caption, None) if self._normalised else None
        norm = norm or normalise(post.caption)
        doc = Walk(self.nlp(norm.text), norm.text)  # the one walk over the doc every detector reads
        brand_sets = self.brands_for(post)
        brand_spans = [span for brands in brand_sets for span in brands.find(doc, self.nlp)]
        other = self.signals.find(doc, norm.text, brand_spans, brand_sets)
        labels = self.labels.find(doc, self.nlp, brand_sets, brand_spans)
        labels = absorb(labels, *self.statements.find(doc))
        platform = post.platform if post.platform in self.platforms else "default"
        fold = self.platforms[platform]
        labels = place(
            doc,
            labels,
            int(fold["fold_chars"]),
            int(fold["fold_lines"]),
            self.block_min,
            measure=perceived_length(norm),
        )
        signals = [_to_raw(s, norm) for s in _dedupe_signals(brand_spans + other)]
        signals += self._expanded_links(post)  # already in caption offsets
        signals = self._resolved_links(post, signals)
        firm = [s for s in signals if s.kind != "short_link"]
        cued = any(s.kind == "short_link" and s.confidence != "low" for s in signals)
        labelled = any(self.vocabulary[d.label].commercial for d in labels if d.label in self.vocabulary) or any(
            self.statements.statements[d.label].commercial
            for d in labels
            if d.cls and d.label in self.statements.statements
        )
        commercial = bool(firm) or cued or labelled
        disclosures = near_links([_to_raw(d, norm) for d in labels], signals, post.caption)
        cues: tuple[Span, ...]
        cues, discovery = (), None
        if self.discoverer is not None:
            found, discovery = self.discoverer.find(doc, norm.text, post.author)
            cues = tuple(sorted((_to_raw(c, norm) for c in found), key=_order))
            if discovery is not None and discovery.lead is not None:
                discovery = replace(discovery, lead=_to_raw(discovery.lead, norm))
        return Analysis(
            signals=tuple(sorted(signals, key=_order)),
            disclosures=tuple(sorted(disclosures, key=_order)),
            commercial=commercial,
            platform=post.platform or "default",
            normalised=norm,
            cues=cues,
            discovery=discovery,
            tentative=commercial and not firm and not labelled and not post.paid_partnership,
        )

    def _expanded_links(self, post: Post) -> list[Span]:
        """Links a platform shortened (X's t.co): judge the real target, quote the written text."""
        out = []
        for item in post.metadata.get("expanded_urls", ()) or ():
            try:
                url, start, end = str(item["url"]), int(item["start"]), int(item["end"])
            except (KeyError, TypeError, ValueError):
                continue
            if not (0 <= start < end <= len(post.caption)):
                continue
            kind = self.signals.classify_url(url)
            match = self.signals.catalogue.classify(url)
            if kind or match:
                out.append(
                    Span(
                        "affiliate_link",
                        post.caption[start:end],
                        start,
                        end,
                        value=kind or (match.value if match else None),
                        programme=match.programme if match else None,
                    )
                )
        return out

    def _resolved_links(self, post: Post, signals: list[Span]) -> list[Span]:
        """Short links followed with --resolve-links: record the chain on the short link, and where
        a hop or the final target belongs to a programme, an affiliate link quoting the text as written."""
        resolved = post.metadata.get("resolved_links") if isinstance(post.metadata, dict) else None
        if not isinstance(resolved, dict) or not resolved:
            return signals
        out = []
        for s in signals:
            data = resolved.get(s.text) if s.kind == "short_link" else None
            if not isinstance(data, dict):
                out.append(s)
                continue
            chain = tuple(str(u) for u in data.get("chain", ()) if isinstance(u, str))
            info = tuple(
                sorted(
                    {
                        "chain": chain,
                        "status": str(data.get("status", "")),
                        **({"final": str(data["final"])} if data.get("final") else {}),
                    }.items()
                )
            )
            out.append(replace(s, resolved=info))
            final = [str(data["final"])] if data.get("final") else []
            for url in final + list(reversed(chain[1:])):
                match = self.signals.catalogue.classify(url)
                if match:
                    out.append(
                        Span(
                            "affiliate_link",
                            s.text,
                            s.start,
                            s.end,
                            value=match.value,
                            programme=match.programme,
                            resolved=info,
                        )
                    )
                    break
        return out


def _order(span: Span):
    return (span.start, span.end, span.kind, span.label or "", span.value or "")


def _to_raw(span: Span, norm: Normalised) -> Span:
    if norm.text is norm.raw and span.start < span.end:  # a caption normalising changed nothing
        if norm.raw[span.start : span.end] == span.text:  # offsets map to themselves: the span as it is
            return span
    start, end = norm.raw_span(span.start, span.end)
    return span.moved(start=start, end=end, text=norm.raw[start:end])


def _dedupe_signals(spans: list[Span]) -> list[Span]:
    """One signal per kind and stretch: a brand hashtag found twice is one brand."""
    seen = set()
    out = []
    for s in spans:
        key = (s.kind, s.start, s.end)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def _discoverer(nlp):
    """`--discover`'s cue finder, from the shipped catalogue (rules/catalogues/discover.toml)."""

    return Discoverer(nlp, load_catalogue())
