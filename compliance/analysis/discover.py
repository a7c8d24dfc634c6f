"""`--discover`: posts that look commercial although no brand list names the brand.

A brand list makes detection exact, but nobody has the list for ads nobody tagged. Discovery
looks for what such posts share instead: a party (an @handle that is not a photo credit, a link,
a brand hashtag) together with cues of commercial intent (calls to action, prices, codes, "link
in bio", giveaways, launches, credit lists, "thanks @x for", gift and collaboration wording).
The wording and the weights are data (`rules/catalogues/discover.toml`); this module only knows
how to look for them. Each cue is a signal with its span, so every report format shows why a
post was discovered; the post's score combines the weights, and a flagged post gets a `review`
finding, never a violation: a person decides whether there is a commercial relationship.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import regex

from compliance.analysis.normalise import fold_key
from compliance.analysis.prefilter import Needs, fold
from compliance.analysis.walk import Walk, walk_of
from compliance.model import Finding, Span
from compliance.paths import data_dir
from compliance.ruleset.model import rule_selected
from compliance.safe_regex import TIMEOUT, nested_quantifier

CUE_KEYS = {"kind", "lang", "phrases", "token_patterns", "patterns", "examples"}
HANDLE_ATTR = "cue_handle"


class CatalogueError(ValueError):
    """The discover catalogue is broken: the run stops, naming file and entry."""


def catalogue_path() -> Path:
    return data_dir("rules") / "catalogues" / "discover.toml"


@dataclass(frozen=True)
class Cue:
    kind: str
    phrases: tuple[str, ...]
    token_patterns: tuple
    patterns: tuple[str, ...]
    match: tuple[str, ...]
    no_match: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    """The parsed catalogue: cue wording, weights and thresholds (plain, picklable data)."""

    version: str
    threshold: float
    without_party: float
    party_weight: float
    repeat: float
    confidence: tuple[tuple[str, float], ...]
    credit_words: tuple[str, ...]
    brand_hashtag_words: tuple[str, ...]
    weights: tuple[tuple[str, float], ...]
    needs_party: frozenset[str]
    cues: tuple[Cue, ...]
    own_name_affixes: tuple[str, ...] = ()
    own_name_min: int = 4

    own_name_kind = "cue-own-name"

    def weight(self, kind: str) -> float:
        return dict(self.weights)[kind]

    def confidence_of(self, value: float) -> str:
        for name, floor in self.confidence:
            if value >= floor:
                return name
        return "low"

    def canonical(self) -> str:
        """Everything judging depends on, for the state file's fingerprint."""
        return repr(self)


def load_catalogue(path: Path | None = None) -> Catalogue:
    return _load(str(path or catalogue_path()))


@lru_cache(maxsize=4)
def _load(path: str) -> Catalogue:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{path}: {exc}") from None
    head = data.get("discover") or {}
    weights = {str(k): float(v) for k, v in (head.get("weights") or {}).items()}
    cues = []
    for i, raw in enumerate(data.get("cues") or ()):
        where = f"{path}: cues[{i}]"
        unknown = set(raw) - CUE_KEYS
        if unknown:
            raise CatalogueError(f"{where}: unknown key {sorted(unknown)[0]!r}")
        kind = raw.get("kind")
        if kind not in weights:
            raise CatalogueError(f"{where}: kind {kind!r} has no weight in [discover.weights]")
        for pattern in raw.get("patterns") or ():
            problem = nested_quantifier(pattern)
            if problem:
                raise CatalogueError(f"{where}: pattern {pattern!r}: {problem}")
            try:
                regex.compile(pattern, regex.V1)
            except regex.error as exc:
                raise CatalogueError(f"{where}: pattern {pattern!r} does not compile: {exc}") from None
        examples = raw.get("examples") or {}
        if not examples.get("match"):
            raise CatalogueError(f"{where}: a cue needs examples.match")
        cues.append(
            Cue(
                kind,
                tuple(raw.get("phrases") or ()),
                _freeze(raw.get("token_patterns") or ()),
                tuple(raw.get("patterns") or ()),
                tuple(examples.get("match") or ()),
                tuple(examples.get("no_match") or ()),
            )
        )
    confidence = sorted(((str(k), float(v)) for k, v in (head.get("confidence") or {}).items()), key=lambda kv: -kv[1])
    return Catalogue(
        version=str(head.get("version", "")),
        threshold=float(head.get("threshold", 0.5)),
        without_party=float(head.get("without_party", 0.5)),
        confidence=tuple(confidence),
        party_weight=float(head.get("party_weight", 0.0)),
        repeat=float(head.get("repeat", 0.0)),
        credit_words=tuple(head.get("credit_words") or ()),
        brand_hashtag_words=tuple(head.get("brand_hashtag_words") or ()),
        weights=tuple(sorted(weights.items())),
        needs_party=frozenset(k for k, v in (head.get("needs_party") or {}).items() if v),
        cues=tuple(cues),
        own_name_affixes=tuple(fold_key(a) for a in head.get("own_name_affixes") or ()),
        own_name_min=int(head.get("own_name_min", 4)),
    )


def _freeze(value):
    """TOML tables and arrays as tuples, so the catalogue is hashable and picklable."""
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value):
    """A frozen spaCy pattern back into lists and dicts."""
    if (
        isinstance(value, tuple)
        and value
        and all(isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) for v in value)
    ):
        return {k: _thaw(v) for k, v in value}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class Discovery:
    """Why a post looks commercial: the cue kinds that fired, their combined score."""

    score: float
    confidence: str
    cues: tuple[str, ...]  # kinds, strongest first
    party: bool  # the caption names someone: an @handle, a link, a brand hashtag
    flagged: bool  # score reached the threshold
    lead: Span | None = None  # the strongest cue, in caption offsets (the finding points at it)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 3),
            "confidence": self.confidence,
            "cues": list(self.cues),
            "party": self.party,
            "flagged": self.flagged,
        }


class Discoverer:
    """Built once per scan; `find` runs on every caption's spaCy doc."""

    def __init__(self, nlp, catalogue: Catalogue):
        from spacy.attrs import IS_ALPHA, IS_PUNCT, LIKE_URL
        from spacy.matcher import Matcher, PhraseMatcher
        from spacy.tokens import Token

        if not Token.has_extension(HANDLE_ATTR):
            Token.set_extension(HANDLE_ATTR, getter=_is_handle)
        self.catalogue = catalogue
        # What `token.like_url`, `is_punct` and `is_alpha` read, applied to a token's text.
        getters = nlp.vocab.lex_attr_getters
        self.like_url, self.is_punct, self.is_alpha = getters[LIKE_URL], getters[IS_PUNCT], getters[IS_ALPHA]
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        # Token patterns, each with the word sets a caption must meet for it to match (one word of
        # each) and whether it needs an @handle: most patterns never run on most captions.
        self.tokens: list[tuple[tuple[frozenset[str], ...], bool, Any]] = []
        self.patterns: list[tuple[str, Any]] = []
        self.pattern_needs: list[Needs | None] = []  # the literals a caption needs for each pattern
        by_kind: dict[str, set[str]] = {}
        token_patterns: dict[str, list] = {}
        for cue in catalogue.cues:
            phrases = by_kind.setdefault(cue.kind, set())
            phrases.update(p.lower() for p in cue.phrases)
            phrases.update(fold_key(p) for p in cue.phrases)
            # Phones type the typographic apostrophe: "tonight\u2019s show" is "tonight's show".
            phrases.update(p.replace("'", "\u2019") for p in list(phrases) if "'" in p)
            if cue.token_patterns:
                token_patterns.setdefault(cue.kind, []).extend(_thaw(p) for p in cue.token_patterns)
            self.patterns += [(cue.kind, regex.compile(p, regex.V1)) for p in cue.patterns]
            self.pattern_needs += [Needs.of(p) for p in cue.patterns]
        self.hashtags: dict[str, str] = {}  # "linkinbio" -> cue-link-in-bio: the phrase as a hashtag
        for kind, phrases in sorted(by_kind.items()):
            if phrases:
                self.phrases.add(kind, [nlp.make_doc(p) for p in sorted(phrases)])
            for phrase in sorted(phrases):
                tag = "".join(ch for ch in fold_key(phrase) if ch.isalnum())
                if len(tag) >= 4:
                    self.hashtags.setdefault(tag, kind)
        for kind, patterns in sorted(token_patterns.items()):
            for pattern in patterns:
                matcher = Matcher(nlp.vocab)
                matcher.add(kind, [pattern])
                self.tokens.append((*_pattern_needs(pattern), matcher))
        self.credit_words = frozenset(fold_key(w) for w in catalogue.credit_words)
        self.hashtag_words = tuple(fold_key(w) for w in catalogue.brand_hashtag_words)
        self.collab_tags = [p for k, p in self.patterns if k == "cue-collab"]

    def find(self, doc, text: str, author: str | None = None) -> tuple[list[Span], Discovery | None]:
        """Cue spans (offsets into `text`, the normalised caption) and the post's discovery.
        `doc`: a spaCy doc or the analyser's `Walk` of it; `author`: the account's handle when
        the export names it (own-name cues need it)."""
        walk = walk_of(doc)
        words, starts = walk.words, walk.starts
        found: list[Span] = []
        strings = walk.doc.vocab.strings
        for match_id, start, end in self.phrases(walk.doc):
            span_text, lo, hi = walk.span(start, end)
            if _whole_words(text, lo, hi):
                found.append(Span(strings[match_id], span_text, lo, hi, value=fold_key(span_text)))
        lowers = set(walk.lowers)
        has_handle = any(_is_handle(words[i]) for i in walk.tags)
        for needs, needs_handle, matcher in self.tokens:
            if (needs_handle and not has_handle) or any(words.isdisjoint(lowers) for words in needs):
                continue
            for match_id, start, end in matcher(walk.doc):
                span_text, lo, hi = walk.span(start, end)
                handle = next((words[i] for i in range(end - 1, start - 1, -1) if _is_handle(words[i])), span_text)
                found.append(Span(strings[match_id], span_text, lo, hi, value=handle))
        for i in walk.tags:
            word = words[i]
            if word.startswith("#") and len(word) > 4:
                kind = self.hashtags.get(fold_key(word[1:]))
                if kind:
                    found.append(Span(kind, word, starts[i], starts[i] + len(word), value=fold_key(word)))
        folded = fold(text)
        for (kind, pattern), literals in zip(self.patterns, self.pattern_needs, strict=True):
            if literals is not None and not literals.met(folded):
                continue
            for m in pattern.finditer(text, timeout=TIMEOUT):
                if m.end() > m.start():
                    found.append(Span(kind, m.group(), m.start(), m.end(), value=fold_key(m.group())))
        if author:
            found += self._own_names(walk, author)
        cues = _outermost(found)
        if not cues:
            return [], None
        cat = self.catalogue
        party = self._party(doc, text)
        factor = 1.0 if party else cat.without_party
        kinds = sorted({c.kind for c in cues}, key=lambda k: (-cat.weight(k), k))
        if all(cat.weight(k) <= 0 for k in kinds):
            return [], None  # only counter-cues: nothing looked commercial
        remaining = 1.0
        damp = 1.0
        for kind in kinds:
            if cat.weight(kind) < 0:  # a counter-cue ("read the full story"): scales the score down
                damp *= 1.0 + cat.weight(kind)
                continue
            if party or kind not in cat.needs_party:
                remaining *= 1.0 - cat.weight(kind) * factor
                others = len({c.value for c in cues if c.kind == kind}) - 1
                remaining *= (1.0 - cat.weight(kind) * factor * cat.repeat) ** others
        if party:
            remaining *= 1.0 - cat.party_weight
        score = max(0.0, (1.0 - remaining) * damp)
        cues = [
            Span(c.kind, c.text, c.start, c.end, value=c.value, confidence=cat.confidence_of(cat.weight(c.kind)))
            for c in cues
        ]
        lead = min(cues, key=lambda c: (-cat.weight(c.kind), c.start))
        flagged = score >= cat.threshold - 1e-9
        return cues, Discovery(score, cat.confidence_of(score), tuple(kinds), party, flagged, lead)

    def _own_names(self, walk: Walk, author: str) -> list[Span]:
        """The author's own name inside a hashtag, a handle or a website's name: "#AirbnbPlus" or
        "@airbnbexperiences" by @airbnb, "jonasbrothers.com" by @jonasbrothers. An account
        naming its own product, show or shop is own promotion. The handle itself ("#zoragaston"
        by @zoragaston: a signature) is no cue; a website of exactly that name is."""
        if self.catalogue.own_name_kind not in dict(self.catalogue.weights):
            return []
        whole = _alnum(fold_key(author.lstrip("@")))
        core = self._author_core(whole)
        if len(core) < self.catalogue.own_name_min:
            return []
        out = []
        words = walk.words
        # only hashtags, handles and dotted words can be a tag or a website
        for i in sorted({*walk.tags, *(i for i, w in enumerate(words) if "." in w)}):
            word = words[i]
            is_url = word[:1] not in ("#", "@") and (self.like_url(word) or word.lower().startswith("www."))
            if is_url:
                host = word.split("://", 1)[-1].split("/", 1)[0].lower().removeprefix("www.")
                key = _alnum(host.rsplit(".", 1)[0]) if "." in host else ""
            elif word[:1] in ("#", "@") and len(word) > 2:
                key = _alnum(fold_key(word[1:]))
                if key == whole:
                    continue
            else:
                continue
            if core in key:
                start = walk.starts[i]
                out.append(Span(self.catalogue.own_name_kind, word, start, start + len(word), value=key))
        return out

    def _author_core(self, whole: str) -> str:
        """The name inside a handle: "theellenshow" -> "ellen", "realpacman24" -> "pacman" (the
        catalogue's affixes and trailing digits go, unless too little would be left)."""
        core = whole.rstrip("0123456789") or whole
        for affix in self.catalogue.own_name_affixes:
            if core.startswith(affix) and len(core) - len(affix) > self.catalogue.own_name_min:
                core = core[len(affix) :]
            if core.endswith(affix) and len(core) - len(affix) > self.catalogue.own_name_min:
                core = core[: -len(affix)]
        return core

    def _party(self, doc, text: str) -> bool:
        """Does the caption name someone a post could be for: a handle (not a photo credit), a
        link, or a hashtag that names a brand relationship?"""
        walk = walk_of(doc)
        words = walk.words
        like_url = self.like_url
        for i, word in enumerate(words):
            if _is_handle(word) and not self._credited(walk, i):
                return True
            if like_url(word) or word.lower().startswith("www."):
                return True
            if word.startswith("#") and len(word) > 2:
                tag = fold_key(word[1:])
                if any(w in tag for w in self.hashtag_words):
                    return True
        return any(p.search(text, timeout=TIMEOUT) for p in self.collab_tags)

    def _credited(self, walk: Walk, i: int) -> bool:
        """A handle right after "Photo:", "🎥", "via" ... (up to three tokens back, same line)."""
        words = walk.words
        is_punct, is_alpha = self.is_punct, self.is_alpha
        for j in range(i - 1, max(-1, i - 4), -1):
            word = words[j]
            if "\n" in word:
                return False
            key = fold_key(word)
            if key in self.credit_words or (j > 0 and f"{fold_key(words[j - 1])} {key}" in self.credit_words):
                return True
            if _is_handle(word) or is_punct(word) or word.isspace() or word in ("&", "+", "x", "and", "und", "et"):
                continue
            if is_alpha(word) and j < i - 1:
                return False
        return False


def _pattern_needs(pattern: list[dict]) -> tuple[tuple[frozenset[str], ...], bool]:
    """What a caption must hold for a spaCy token pattern to match: for each required token that
    names its words (`LOWER` equal to or `IN` a list), one of them, and an @handle if a required
    token must be one. A necessary condition only, so skipping a pattern changes no result."""
    needs: list[frozenset[str]] = []
    handle = False
    for token in pattern:
        op = str(token.get("OP", "1"))
        if op in ("?", "*", "!") or op.startswith(("{0", "{,")):  # optional, or must not match
            continue
        if (token.get("_") or {}).get(HANDLE_ATTR) is True:
            handle = True
        lower = token.get("LOWER")
        if isinstance(lower, str):
            needs.append(frozenset([lower]))
        elif isinstance(lower, dict) and set(lower) == {"IN"}:
            needs.append(frozenset(lower["IN"]))
    return tuple(needs), handle


def _is_handle(token) -> bool:
    """An @handle: a token, or a token's text."""
    text = token if isinstance(token, str) else token.text
    return len(text) > 1 and text[0] == "@" and (text[1].isalnum() or text[1] == "_")


def _alnum(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def _whole_words(text: str, start: int, end: int) -> bool:
    """A phrase is a cue only as whole words ("win a", not "twin apples")."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() and text[start].isalnum()) and not (after.isalnum() and text[end - 1].isalnum())


def _outermost(spans: list[Span]) -> list[Span]:
    """One span per stretch: a cue inside a longer cue ("promo" in "code promo") is dropped, and
    overlapping cues of one kind ("Tap the link" + "link in our bio") become one."""
    ordered = sorted(spans, key=lambda s: (s.start, -(s.end - s.start), s.kind))
    out: list[Span] = []
    pieces: dict[int, list[str]] = {}  # a merged stretch's text, joined once at the end (linear)
    for s in ordered:
        if any(o.start <= s.start and s.end <= o.end for o in out[-8:]):
            continue
        same = next(
            (
                i
                for i in range(len(out) - 1, max(-1, len(out) - 9), -1)
                if out[i].kind == s.kind and s.start < out[i].end
            ),
            None,
        )
        if same is not None:
            o = out[same]
            pieces.setdefault(same, [o.text]).append(s.text[o.end - s.start :])
            out[same] = Span(o.kind, o.text, o.start, s.end, value=o.value)
            continue
        out.append(s)
    for i, parts in pieces.items():
        o, text = out[i], "".join(parts)
        out[i] = Span(o.kind, text, o.start, o.end, value=fold_key(text))
    return out


def discovery_finding(ctx, discovery: Discovery | None, select=(), ignore=()) -> list[Finding]:
    """A flagged post that judging did not already find commercial: one `review` finding here.

    Warning severity only: a person decides whether the cues mean a paid or gifted relationship.
    The citation is this jurisdiction's own "commercial content needs a label" rule. `--select`,
    `--ignore` and accepted exceptions name it like a rule: `FTC-DISCOVER`, `discovered-commercial`.
    """
    from types import SimpleNamespace

    if discovery is None or not discovery.flagged or ctx.commercial:
        return []
    rules = ctx.ruleset.rules
    base = next((r for r in rules if r.check == "requires-disclosure"), rules[0] if rules else None)
    if base is None:
        return []
    prefix = base.id.split("-", 1)[0]
    as_rule = SimpleNamespace(
        id=f"{prefix}-DISCOVER", name="discovered-commercial", group="discover", jurisdiction=ctx.ruleset.code
    )
    if not rule_selected(as_rule, list(select), list(ignore)):
        return []
    cues = ", ".join(discovery.cues)
    lead = discovery.lead
    return [
        Finding(
            rule=f"{prefix}-DISCOVER",
            name="discovered-commercial",
            severity="warning",
            confidence=discovery.confidence,
            message=(
                f"Looks commercial though no brand list names a brand (score {discovery.score:.2f}; cues: "
                f"{cues}). If this post is paid, gifted or your own promotion it needs a disclosure."
            ),
            citation=base.citation,
            fix="If there is a commercial relationship, add a label this jurisdiction accepts at the start.",
            start=lead.start if lead else None,
            end=lead.end if lead else None,
            text=lead.text if lead else None,
        )
    ]


def discovered_rows(posts, action_views=()) -> list[dict[str, Any]]:
    """The HTML report's "Discovered posts" table: flagged posts, highest score first.

    Plain strings and numbers only; the template escapes them. `action_views` (the report's post
    cards) give each row a link to its card."""
    anchors = {id(v): v for v in action_views}
    by_number = {v["number"]: v["anchor"] for v in anchors.values()}
    rows = []
    for number, post in enumerate(posts, 1):
        found = post.get("discovery")
        if not isinstance(found, dict) or not found.get("flagged"):
            continue
        caption = post.get("caption") if isinstance(post.get("caption"), str) else ""
        cues = [
            {"kind": str(s.get("kind")), "text": " ".join(str(s.get("text") or "").split())}
            for s in post.get("signals") or ()
            if str(s.get("kind") or "").startswith("cue-")
        ]
        flat = " ".join(caption.split())
        rows.append(
            {
                "number": number,
                "anchor": by_number.get(number, ""),
                "id": "" if post.get("id") is None else str(post.get("id")),
                "author": str(post.get("author") or ""),
                "score": f"{float(found.get('score') or 0):.2f}",
                "confidence": str(found.get("confidence") or ""),
                "cues": cues,
                "excerpt": flat if len(flat) <= 90 else flat[:89].rstrip() + "\u2026",
            }
        )
    rows.sort(key=lambda r: (-float(r["score"]), r["number"]))
    return rows
