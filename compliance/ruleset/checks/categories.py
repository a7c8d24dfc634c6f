"""Checks beyond labels: restricted products, retouching notices, video posts, audience size.

These raise prompts for a person, not verdicts: a caption that mentions betting tips or a
filter shows what to look at, never what the image shows or what the law finally says.
Words come from the rule files; matching is case- and accent-insensitive on the normalised
caption, and every span is mapped back to the caption as read.

Each check's parameters are a frozen dataclass below, parsed once when the rule file loads.
`terms` are whole words or phrases (`casino*` lets the word go on; `sports betting` also finds
`#sportsbetting`); `patterns` are regular expressions over the normalised caption, run with a timeout.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import regex

from compliance.analysis.normalise import Normalised
from compliance.analysis.prefilter import Needs
from compliance.analysis.prefilter import fold as prefilter_fold
from compliance.model import Finding, Span
from compliance.ruleset.checks.context import Context
from compliance.ruleset.checks.onscreen import judge_onscreen
from compliance.ruleset.checks.registry import check
from compliance.ruleset.model import REGEX_TIMEOUT, Rule
from compliance.safe_regex import CharClass, compile_safe


# ------------------------------------------------------------------------------- matching
class _Caption:
    """A normalised caption as the checks read it, made once per post (see `_caption`)."""

    __slots__ = ("norm", "folded", "marks", "_casefolded", "_starts")

    def __init__(self, norm: Normalised, folded: str, marks: bool):
        self.norm = norm
        self.folded = folded  # same length as norm.text: lower-case, accents removed
        self.marks = marks  # combining marks in `folded`: they may sit between a term's letters
        self._casefolded: str | None = None
        self._starts: set[bytes] | None = None

    @property
    def starts(self) -> set[bytes]:
        """The first three characters of every run of ASCII letters, digits and `_` in `folded`
        (shorter runs whole), made once per post in C-speed steps for every rule's `Terms`: a
        non-ASCII character becomes `?` (one byte for one character), then every byte that is
        not a word character a space, and the text is split at the spaces."""
        if self._starts is None:
            words = self.folded.encode("ascii", "replace").translate(_NON_WORD_TO_SPACE).split()
            self._starts = {w[:3] for w in words}
        return self._starts

    @property
    def casefolded(self) -> str:
        """The normalised text as `prefilter.Needs` reads it (only made for a rule with patterns)."""
        if self._casefolded is None:
            self._casefolded = prefilter_fold(self.norm.text)
        return self._casefolded


def _fold_char(ch: str) -> str:
    """One character, lower-cased without accents; unchanged if that would change its length."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).lower()
    if len(bare) == 1:
        return bare
    low = ch.lower()
    return low if len(low) == 1 else ch


# Every character met so far; the folds that change one; and the characters `str.lower` does not
# fold alone (accents, expanding lower cases, the context-dependent final sigma). A caption without
# the last is folded by `lower()`, others by `translate`, both in C: a Python step per character
# cost 70 us a long caption. The sets are bounded by the characters in use.
_SEEN: set[str] = set()
_FOLDS: dict[int, str] = {}
_NOT_LOWER: set[str] = {"\u03a3"}


def _learn(chars: set[str]) -> None:
    for ch in chars:
        folded = _fold_char(ch)
        if folded != ch:
            _FOLDS[ord(ch)] = folded
        if folded != ch.lower():
            _NOT_LOWER.add(ch)
    _SEEN.update(chars)


def fold_same_length(text: str) -> str:
    """Lower case without accents, one character for one, so offsets hold."""
    if text.isascii():  # the common case: lower-casing ASCII keeps every offset
        return text.lower()
    chars = set(text)
    if not chars <= _SEEN:
        _learn(chars - _SEEN)
    if chars.isdisjoint(_NOT_LOWER):
        return text.lower()
    return text.translate(_FOLDS)


_MARK = CharClass(r"\p{M}")  # per distinct character: no timed search of every caption


_LAST: list[_Caption] = []  # the last caption folded: every rule of every jurisdiction asks for it


def _caption(norm: Normalised) -> _Caption:
    """A normalised caption plus its folded copy, made once per post for all its rules and
    jurisdictions (checks pass the analysis' own normalisation)."""
    last = _LAST[0] if _LAST else None
    if last is not None and last.norm is norm:
        return last
    folded = fold_same_length(norm.text)
    marks = not folded.isascii() and _MARK.found(folded)
    cap = _Caption(norm, folded, marks)
    _LAST[:] = [cap]
    return cap


def _term_regex(term: str, plural: bool = False, marks: bool = True) -> str:
    """A term as a whole-word pattern over folded text.

    Words may be joined by spaces, `-`, `_` or nothing (so `sports betting` also finds
    `#sportsbetting`); a trailing `*` lets the last word go on (`casino*`); with `plural`,
    each word may end in s or x (`image retouchée` finds `Images retouchées`). `marks`: combining
    marks may sit between letters (without, the same matches in a text that has none, faster).
    """
    mark = r"\p{M}*" if marks else ""
    words = fold_same_length(term.strip()).split()
    stem = words[-1].endswith("*") if words else False
    if stem:
        words[-1] = words[-1][:-1]
    parts = []
    for word in words:
        if plural and len(word) > 3 and word[-1] in "sx":
            word = word[:-1]
        body = mark.join(regex.escape(c) for c in word)
        parts.append(body + (mark + "[sx]?" if plural else ""))
    joined = r"[\s_-]*".join(parts)
    tail = r"\w*" if stem else ""
    return rf"(?<!\w){joined}{tail}(?!\w)"


def _term_heads(terms: tuple[str, ...], plural: bool = False) -> tuple[str, ...] | None:
    """Each term's first word, as its regex spells it: a caption without marks holds one of them,
    not right after a word character, wherever a term matches. None: no such test. (The whole
    word: its first three letters, `pro`, `par`, `for`, `fre`, begin half the words of a caption,
    and then every term was searched for.)"""
    heads = []
    for term in terms:
        words = fold_same_length(term.strip()).split()
        word = words[0] if words else ""
        if len(words) == 1 and word.endswith("*"):
            word = word[:-1]
        if plural and len(word) > 3 and word[-1] in "sx":
            word = word[:-1]
        if not word:
            return None
        heads.append(word)
    return tuple(sorted(set(heads)))


class Terms:
    """One list of terms, prepared when the rule file loads; the patterns compile at first use.

    Most captions hold none of the terms' first letters: then no pattern runs. A caption without
    combining marks (almost all) is searched by the pattern without room for them."""

    def __init__(self, terms: tuple[str, ...], plural: bool = False):
        self.terms = terms
        self.plural = plural
        self.heads = _term_heads(terms, plural)
        self._index()

    def _index(self) -> None:
        # Heads of three or more ASCII word characters, by their first three (looked up in the
        # caption's `starts`, a set test for all of them at once), and the others (tested alone).
        self.by_start: dict[bytes, tuple[str, ...]] = {}
        self.other: tuple[str, ...] = ()
        for head in self.heads or ():
            if len(head) >= 3 and set(head) <= _ASCII_WORD:
                key = head[:3].encode("ascii")
                self.by_start[key] = self.by_start.get(key, ()) + (head,)
            else:
                self.other += (head,)
        self.start_keys = frozenset(self.by_start)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def __repr__(self) -> str:
        return f"Terms({self.terms!r}, plural={self.plural})"

    @cached_property
    def _marked(self) -> regex.Pattern:
        return regex.compile("|".join(_term_regex(t, self.plural) for t in self.terms), regex.V0)

    @cached_property
    def _plain(self) -> regex.Pattern:
        return regex.compile("|".join(_term_regex(t, self.plural, marks=False) for t in self.terms), regex.V0)

    def may_hold(self, cap: _Caption) -> bool:
        """Can a term match? Only combining marks (which the pattern allows between letters) keep a
        term's first letters apart, so without them the caption must contain one of the heads
        where a word can start (`(?<!\\w)`: not after a letter, digit or `_`)."""
        if self.heads is None or cap.marks:
            return True
        folded = cap.folded
        for head in self.other:
            if head in folded and _at_word_start(folded, head):
                return True
        # An ASCII-word head where a word can start is the start of one of the caption's runs of
        # ASCII word characters (what precedes it is no such character): its first three are in
        # `starts`. Most captions share none with a rule: no substring search at all.
        starts = cap.starts
        if self.start_keys.isdisjoint(starts):
            return False
        for key in self.start_keys.intersection(starts):
            for head in self.by_start[key]:
                if head in folded and _at_word_start(folded, head):
                    return True
        return False

    def spans(self, cap: _Caption) -> list[tuple[int, int]]:
        if not self.terms or not self.may_hold(cap):
            return []
        pattern = self._marked if cap.marks else self._plain
        return [m.span() for m in pattern.finditer(cap.folded, timeout=REGEX_TIMEOUT)]


class TermGate(Terms):
    """The word lists of many rules (of every jurisdiction judged) as one `may_hold` test: a
    caption none of whose lists can match skips all those rules at once, one set test per post
    instead of one per rule. Only `may_hold` is meaningful; it is true when any list's is.
    A head that begins with another head is left out: where it starts a word, so does the other
    (`e-cig` answers for `e-cigarettes`, three substring searches instead of eight)."""

    def __init__(self, lists: list[Terms]):
        self.terms = ()
        self.plural = False
        heads = [lst.heads for lst in lists]
        if any(h is None for h in heads):
            self.heads = None
        else:
            every = sorted({w for h in heads for w in h or ()})
            self.heads = tuple(w for w in every if not any(w != o and w.startswith(o) for o in every))
        self._index()

    def open_for(self, norm: Normalised) -> bool:
        """Can any of the lists match this normalised caption (the analysis' own)?"""
        return self.may_hold(_caption(norm))


_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_NON_WORD_TO_SPACE = bytes(b if chr(b) in _ASCII_WORD else 32 for b in range(256))


def _at_word_start(text: str, head: str) -> bool:
    """Is `head` somewhere not right after an ASCII word character? (Any other character before
    it counts as a start: a necessary condition for `(?<!\\w)head`, never a wrong skip.)"""
    at = text.find(head)
    while at >= 0:
        if at == 0 or text[at - 1] not in _ASCII_WORD:
            return True
        at = text.find(head, at + 1)
    return False


def _compile_all(key: str, patterns: tuple[str, ...]) -> tuple[Any, ...]:
    """Compiled once, when the rule file loads; an unsafe or broken pattern stops the load."""
    try:
        return tuple(compile_safe(p) for p in patterns)
    except ValueError as exc:
        raise ValueError(f"params.{key}: {exc}") from None


_NEEDS: dict[Any, Needs | None] = {}


def _needs(pattern: Any) -> Needs | None:
    """What a caption must contain for a rule's compiled pattern to match (None: no such test),
    read once per pattern (a few hundred in all rule files)."""
    try:
        return _NEEDS[pattern]
    except KeyError:
        needs = _NEEDS[pattern] = Needs.of(pattern.pattern, pattern.flags)
        return needs


def _matches(cap: _Caption, terms: Terms, patterns: tuple[Any, ...] = ()) -> list[Span]:
    """Every term match (on folded text) and pattern match (on normalised text), in caption order."""
    found = terms.spans(cap)
    for pattern in patterns:
        needs = _needs(pattern)
        if needs is not None and not needs.met(cap.casefolded):
            continue  # the caption lacks text every match contains: the timed search cannot match
        found += [m.span() for m in pattern.finditer(cap.norm.text, timeout=REGEX_TIMEOUT) if m.end() > m.start()]
    if not found:
        return []
    spans = []
    for start, end in sorted(found):
        lo, hi = cap.norm.raw_span(start, end)
        spans.append(Span("category", cap.norm.raw[lo:hi], lo, hi))
    return spans


# ------------------------------------------------------------------------------ parameters
_WORDS = "whole words or phrases, case- and accent-insensitive (`casino*` lets the last word go on)"
_REGEXES = "regular expressions over the normalised caption, run with a timeout"
_COMMERCIAL_ONLY = "only for posts with a commercial signal (default true)"


@dataclass(frozen=True)
class RestrictedParams:
    terms: tuple[str, ...] = field(default=(), metadata={"help": "wording about the product: " + _WORDS})
    patterns: tuple[str, ...] = field(default=(), metadata={"help": _REGEXES})
    unless_terms: tuple[str, ...] = field(default=(), metadata={"help": "wording that answers the concern: " + _WORDS})
    unless_patterns: tuple[str, ...] = field(default=(), metadata={"help": _REGEXES})
    commercial_only: bool = field(default=True, metadata={"help": _COMMERCIAL_ONLY})
    _patterns: tuple[Any, ...] = field(default=(), init=False, repr=False, compare=False)
    _unless: tuple[Any, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not (self.terms or self.patterns):
            raise ValueError("params needs at least one of terms, patterns")
        object.__setattr__(self, "_patterns", _compile_all("patterns", self.patterns))
        object.__setattr__(self, "_unless", _compile_all("unless_patterns", self.unless_patterns))

    # Prepared at first use and kept on the instance, never a field: the state fingerprint and
    # `rules explain` read the fields only.
    @cached_property
    def _terms(self) -> Terms:
        return Terms(self.terms)

    @cached_property
    def _unless_terms(self) -> Terms:
        return Terms(self.unless_terms)


@dataclass(frozen=True)
class RetouchParams:
    triggers: tuple[str, ...] = field(default=(), metadata={"help": "wording about filters or retouching: " + _WORDS})
    trigger_patterns: tuple[str, ...] = field(default=(), metadata={"help": _REGEXES})
    notices: tuple[str, ...] = field(
        default=(),
        metadata={
            "help": "the required notice, singular or plural; none: the notice is not text, so every trigger asks for a look"
        },
    )
    commercial_only: bool = field(default=True, metadata={"help": _COMMERCIAL_ONLY})
    _triggers: tuple[Any, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not (self.triggers or self.trigger_patterns):
            raise ValueError("params needs at least one of triggers, trigger_patterns")
        object.__setattr__(self, "_triggers", _compile_all("trigger_patterns", self.trigger_patterns))

    @cached_property
    def _trigger_terms(self) -> Terms:
        return Terms(self.triggers)

    @cached_property
    def _notices(self) -> Terms:
        return Terms(self.notices, plural=True)


@dataclass(frozen=True)
class VideoParams:
    platforms: tuple[str, ...] = field(
        default=(),
        metadata={"help": "the platforms this applies to; none: those whose [platforms] table says video = true"},
    )
    # Figures for posts whose image or video was read (`compliance.media`); give one only where the
    # regulator gives a number. None of them: the measurement goes to a person as a `review`.
    min_height_share: float | None = field(default=None, metadata={"help": "label height / frame height, at least"})
    min_contrast: float | None = field(
        default=None, metadata={"help": "WCAG contrast ratio of the label against the pixels behind it, at least"}
    )
    visible_within_s: float | None = field(
        default=None, metadata={"help": "first on screen no later than this many seconds into the video"}
    )
    min_duration_s: float | None = field(default=None, metadata={"help": "on screen for at least this many seconds"})
    min_duration_share: float | None = field(
        default=None, metadata={"help": "on screen for at least this share of the video (1.0: throughout)"}
    )
    uncovered: bool = field(default=False, metadata={"help": "true: not under one of the platform's icons"})


@dataclass(frozen=True)
class ThresholdParams:
    min: int = field(metadata={"help": "the audience size at which the duty starts"})
    key: str = field(default="followers", metadata={"help": "the post metadata key that holds the audience size"})
    commercial_only: bool = field(default=True, metadata={"help": _COMMERCIAL_ONLY})


def _applies(ctx: Context, commercial_only: bool) -> bool:
    return ctx.commercial or not commercial_only


# ------------------------------------------------------------------------ restricted-category
def _restricted_terms(rule: Rule) -> Terms | None:
    """The terms a caption must be able to hold for `restricted_category` to fire (none with patterns)."""
    return None if rule.params._patterns else rule.params._terms


def _retouch_terms(rule: Rule) -> Terms | None:
    """The triggers a caption must be able to hold for `retouch_notice` to fire (none with patterns)."""
    return None if rule.params._triggers else rule.params._trigger_terms


@check("restricted-category", RestrictedParams, needs=("commercial",), terms=_restricted_terms)
def restricted_category(ctx: Context, rule: Rule) -> list[Finding]:
    """Wording about a product or service this jurisdiction bans or restricts: a person reviews.

    `unless_terms`/`unless_patterns` name wording that answers the concern (an 18+ notice,
    the amount paid); when one is present there is nothing to raise.
    """
    params: RestrictedParams = rule.params
    if not _applies(ctx, params.commercial_only):
        return []
    cap = _caption(ctx.analysis.normalised)
    hits = _matches(cap, params._terms, params._patterns)
    if not hits:
        return []
    if _matches(cap, params._unless_terms, params._unless):
        return []
    return [ctx.finding(rule, hits[0])]


# --------------------------------------------------------------------------- retouch-notice
@check("retouch-notice", RetouchParams, needs=("commercial",), terms=_retouch_terms)
def retouch_notice(ctx: Context, rule: Rule) -> list[Finding]:
    """The caption speaks of filters, retouching or AI faces, and the required notice is absent.

    Notices match singular or plural, accents optional. With no `notices` the notice cannot
    be text at all (Norway's mark sits on the image), so every trigger asks for a look.
    """
    params: RetouchParams = rule.params
    if not _applies(ctx, params.commercial_only):
        return []
    cap = _caption(ctx.analysis.normalised)
    hits = _matches(cap, params._trigger_terms, params._triggers)
    if not hits:
        return []
    if params.notices and _matches(cap, params._notices):
        return []
    return [ctx.finding(rule, hits[0])]


# -------------------------------------------------------------------------- video-disclosure
@check("video-disclosure", VideoParams, needs=("commercial",))
def video_disclosure(ctx: Context, rule: Rule) -> list[Finding]:
    """A commercial post on a video platform: whether the video shows or says the label, text cannot tell.

    When the post's image or video was read (`compliance.media`), the on-screen labels are judged
    instead against the rule's figures: see `checks/onscreen.py`."""
    if not ctx.commercial:
        return []
    media = ctx.post.metadata.get("media")
    if isinstance(media, dict) and not media.get("error"):
        return judge_onscreen(ctx, rule, media, ctx.post.metadata.get("onscreen") or [])
    platform = ctx.post.platform
    named = rule.params.platforms
    if not platform or not (platform in named if named else ctx.ruleset.platform(platform).get("video")):
        return []
    label = next((lbl for lbl in ctx.placed if lbl.span is not None), None)
    return [ctx.finding(rule, label.span if label else None)]


# ------------------------------------------------------------------------ audience-threshold
_NUMBER = regex.compile(r"\d{1,3}(?:[ ,.\u00a0\u202f']\d{3})+|\d+")


def audience_size(value) -> int | None:
    """A follower count from post metadata, or None: never estimated from anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else None
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER.fullmatch(text, timeout=REGEX_TIMEOUT):
            return int(regex.sub(r"\D", "", text, timeout=REGEX_TIMEOUT))
    return None


@check("audience-threshold", ThresholdParams, needs=("commercial",))
def audience_threshold(ctx: Context, rule: Rule) -> list[Finding]:
    """The post's metadata gives an audience at or above a legal threshold: extra duties may apply."""
    params: ThresholdParams = rule.params
    if not _applies(ctx, params.commercial_only):
        return []
    size = audience_size(ctx.post.metadata.get(params.key))
    if size is None or size < params.min:
        return []
    return [ctx.finding(rule, None, count=f"{size:,}", min=f"{params.min:,}", key=params.key)]
