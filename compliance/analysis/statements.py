"""Disclosure statements: whole sentences that say why a post is commercial, with a class.

A tag like "#ad" is one token; creators also write sentences ("if you buy through these links I
earn a small commission", "Dieses Video enthält Werbung"). The rule files hold spaCy Matcher
token patterns for them (`[statements.*]`); a match is widened to its sentence or line, with a
heading such as "AFFILIATE DISCLAIMER:" on the line before, so the span quotes the statement
and a bare word "affiliate" inside an explanation is not judged on its own. Denials ("this
video is NOT sponsored") are matched too, only to stop the words inside them counting.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from compliance.analysis.walk import Walk, walk_of
from compliance.model import Span
from compliance.ruleset.model import STATEMENT_CLASSES, StatementEntry

# Earlier classes win when one sentence matches several: an explanation beats a bare "affiliate".
PRIORITY = {cls: i for i, cls in enumerate(STATEMENT_CLASSES)}
# Classes that disclose an affiliate relationship: judged against the links they cover.
AFFILIATE_CLASSES = frozenset({"payment-explained", "support-the-channel", "bare-affiliate"})
_STOPS = frozenset(".!?…|•")
_RIGHT_STOPS = frozenset(":")  # "Sponsored by X: my trip" ends at the colon; a heading's colon does not
_REACH = 400  # characters a statement may reach either side of its match
_HEADING_MAX = 48  # a line of at most this many characters ending in ":" heads the next line
# Decoration the tokenizer leaves glued to a word ("-------[Sponsorships]-----", "~Sponsors~",
# "-werbung"): a token that starts or ends with one of these is also read as its pieces.
# Links are not: a token holding "/", "@", "#" or "." is never cut.
_GLUE = frozenset("-–—[](){}<>*=_~|:+!?»«►▶•")
_NOT_GLUED = frozenset("/@#.")
# Token texts known to add no anchor word to a line (`StatementFinder._silent`): most of a caption's
# words come back post after post. Bounded, so a scan of made-up words keeps its memory flat.
_SILENT_MAX = 20_000


def _pieces(word: str) -> list[str]:
    """A token cut into its runs of letters and digits and its other characters, one each."""
    out: list[str] = []
    start = -1  # where the current run of letters and digits began
    for i, ch in enumerate(word):
        if ch.isalnum() or (start >= 0 and ch in "'’"):
            start = i if start < 0 else start
            continue
        if start >= 0:
            out.append(word[start:i])
            start = -1
        if not ch.isspace():
            out.append(ch)
    if start >= 0:
        out.append(word[start:])
    return out


def fold(text: str) -> str:
    """Lower case without accents, so "affilies" finds "affiliés"."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


# `fold` of one token's lower case (or a piece of it), remembered: `_lines` folds every token that
# is not ASCII (an emoji is one), on every line, and the same ones come back caption after caption.
_fold_word = lru_cache(maxsize=8192)(fold)


def _with_folds(value):
    if isinstance(value, str):
        forms = sorted({value.lower(), fold(value)})
        return forms[0] if len(forms) == 1 else {"IN": forms}
    return {op: sorted({v.lower() for v in items} | {fold(v) for v in items}) for op, items in value.items()}


def _boundary_words() -> list[str]:
    return [".", "!", "?", "…", "|", "•", "..", "...", "!!", "!!!", "?!", "??"]


def matcher_pattern(tokens) -> list[dict]:
    """The rule file's token tables as spaCy wants them: accent-free forms added, wildcards kept in
    their sentence (a wildcard never crosses a full stop; lines are matched one by one, so it may
    cross a run of spaces, as in "I am  an affiliate", but never a line break)."""
    out = []
    for token in tokens:
        token = dict(token)
        if set(token) <= {"OP"}:
            token.update({"ORTH": {"NOT_IN": _boundary_words()}})
        for attr in ("LOWER", "NORM"):
            if attr in token:
                token[attr] = _with_folds(token[attr])
        out.append(token)
    return out


_OPTIONAL = {"?", "!", "*"}


def anchor_forms(tokens) -> set[str]:
    """Words one required token of a pattern must be: the longest-worded such token, so that a
    caption line without any of them cannot match. Empty when no required token names words."""
    best: set[str] = set()
    best_len: tuple[int, int] | None = None
    for token in tokens:
        op = token.get("OP")
        if op in _OPTIONAL or (isinstance(op, str) and op.startswith(("{0", "{,"))):
            continue
        for attr in ("LOWER", "NORM", "ORTH", "TEXT"):
            value = token.get(attr)
            if value is None:
                continue
            forms = {value} if isinstance(value, str) else set(value.get("IN", ()))
            if not forms:
                continue
            forms = {f.lower() for f in forms} | {fold(f) for f in forms}
            score = (-sum(f in _COMMON for f in forms), min(len(f) for f in forms))
            if best_len is None or score > best_len:
                best, best_len = forms, score
            break
    return best


def required_forms(tokens) -> tuple[frozenset[str], ...]:
    """For each required token of a pattern that names words (LOWER, ORTH or TEXT), the lower-case
    forms one of which the line must hold for the pattern to match there: a token matches
    `LOWER IN forms` only if its lower case is one of the forms, and `ORTH`/`TEXT` only if its
    lower case is the value's. NORM is left out (spaCy's norm table maps "’s" to "'s")."""
    out: set[frozenset[str]] = set()
    for token in tokens:
        op = token.get("OP")
        if op in _OPTIONAL or (isinstance(op, str) and op.startswith(("{0", "{,"))):
            continue
        for attr in ("LOWER", "ORTH", "TEXT"):
            value = token.get(attr)
            if value is None:
                continue
            forms = {value} if isinstance(value, str) else set(value.get("IN", ()))
            if forms:
                out.add(frozenset({f.lower() for f in forms} | {fold(f) for f in forms}))
            break
    return tuple(sorted(out, key=len))  # the fewest forms first: the likeliest to be missing


# Words on most caption lines: a pattern is looked for by another of its words where it has one.
_COMMON = frozenset(
    """a an and are as at be by can do does for from get gets got has have i i'm if in is it
its me my no not now of on or our out so that the them these they this to up us was we were will with
you your video videos channel link links free review make show help using content share part little
small more here all any some""".split()
)


@dataclass(frozen=True)
class Found:
    key: str
    cls: str
    start: int  # token indices of the match
    end: int


class StatementFinder:
    """Built once per scan from the statement entries of the loaded rule files."""

    def __init__(self, nlp, statements: dict[str, StatementEntry], exhaustive: bool = False):
        """`exhaustive`: run every group on every line, no test first (what the tests compare
        the shortcuts with)."""
        from spacy.matcher import Matcher
        from spacy.tokens import Doc

        self.statements = statements
        self.vocab = nlp.vocab
        self.make_doc = Doc  # for a line whose glued tokens are cut (`_unglued`)
        # Patterns are grouped by the words one of their tokens must be (`anchor_forms`), one
        # Matcher per group, and a line runs only the groups whose words it holds: spaCy tries every
        # pattern of a Matcher at every token, so a long entry run on every line that holds any of
        # its words cost most of the matching.
        self.groups: list[tuple[str, Any]] = []  # (entry key, Matcher); Any: spaCy is imported late
        self.by_word: dict[str, list[int]] = {}  # anchor word -> the groups that need it
        self.always: list[int] = []  # groups with a pattern that names no word: every line
        self.anchors: set[str] = set()
        # A group also runs only on a line holding, for one of its patterns, a form of every
        # required word of it (`required_forms`): an anchor word alone let most calls through
        # ("link" in a line of links, no "affiliate" or "commission" in it). None: no such test.
        self.needs: list[tuple[tuple[frozenset[str], ...], ...] | None] = []
        self.exhaustive = exhaustive
        required: set[str] = set()
        for key in sorted(statements):
            buckets: dict[frozenset[str], list] = {}
            for pattern in statements[key].patterns:
                buckets.setdefault(frozenset(anchor_forms(pattern)), []).append(pattern)
            for words, patterns in buckets.items():
                # validate=False: the loader checks every token pattern (attributes, operators, value
                # types) with file and line; spaCy's own check cost 50 ms of every start-up.
                matcher = Matcher(nlp.vocab, validate=False)
                matcher.add(key, [matcher_pattern(p) for p in patterns])
                index = len(self.groups)
                self.groups.append((key, matcher))
                if not words:
                    self.always.append(index)
                for word in words:
                    self.by_word.setdefault(word, []).append(index)
                self.anchors.update(words)
                needs = tuple(dict.fromkeys(required_forms(p) for p in patterns))
                self.needs.append(None if not all(needs) else needs)
                required.update(form for forms in needs for clause in forms for form in clause)
        self.required = frozenset(required | self.anchors)  # the words `_lines` notes per line
        self.everywhere = bool(self.always) or exhaustive  # a group runs on every line
        self._silent: set[str] = set()  # token texts that give a line no anchor word (`_silent_caption`)
        self._loud: set[str] = set()  # token texts that give one

    def matches(self, doc) -> list[Found]:
        """Every raw match, before sentences are merged (the rule-file example tests read these).
        `doc`: a spaCy doc or the analyser's `Walk` of it."""
        if not self.statements:
            return []
        walk = walk_of(doc)
        if not self.everywhere and self._silent_caption(walk.words):
            return []  # no line can hold an anchor word: `_lines` would keep none (most captions)
        return self._matches(walk)

    def _matches(self, walk: Walk) -> list[Found]:
        out = []
        needs = self.needs
        for lo, hi, words, glued, present in self._lines(walk):
            if self.exhaustive:
                groups = set(range(len(self.groups)))
            else:
                groups = set(self.always)
                for word in words:
                    groups.update(self.by_word[word])
                if not glued:  # a glued token's pieces are not in `present`: then every group runs
                    groups = {i for i in groups if _may_match(needs[i], present)}
                if not groups:
                    continue
            if glued:
                line, owner = self._unglued(walk, lo, hi, glued)
            else:
                line, owner = walk.doc[lo:hi], None
            for index in sorted(groups):
                key, matcher = self.groups[index]
                cls = self.statements[key].cls
                for _, start, end in matcher(line):
                    if owner is None:
                        out.append(Found(key, cls, lo + start, lo + end))
                    else:
                        out.append(Found(key, cls, owner[start], owner[end - 1] + 1))
        # One match per entry and span, as one Matcher per entry gave (two groups of an entry, or
        # two pieces of one glued token, may find the same span).
        return sorted(set(out), key=lambda f: (f.start, f.end, f.key))

    def _lines(self, doc) -> list[tuple[int, int, set[str], list[int], set[str]]]:
        """Each line (a match never crosses a line break) with the anchor words it holds, the
        tokens in it whose words are glued to decoration, and the pattern words it holds."""
        walk = walk_of(doc)
        lines = []
        words: set[str]
        glued: list[int]
        present: set[str]
        start, words, glued, present = 0, set(), [], set()
        anchors = self.anchors
        required = self.required
        everywhere = self.everywhere
        for i, low in enumerate(walk.lowers):
            if "\n" in low and low.isspace():
                if words or everywhere:
                    lines.append((start, i, words, glued, present))
                start, words, glued, present = i + 1, set(), [], set()
                continue
            if low in required:
                present.add(low)
                if low in anchors:
                    words.add(low)
                    continue
            if len(low) > 2 and (low[0] in _GLUE or low[-1] in _GLUE) and _NOT_GLUED.isdisjoint(low):
                inner = {_fold_word(p) for p in _pieces(low)} & anchors
                if inner:
                    words.update(inner)
                    glued.append(i)
            elif not low.isascii():
                folded = _fold_word(low)
                if folded in anchors:
                    words.add(folded)
        if words or everywhere:
            lines.append((start, len(walk), words, glued, present))
        return lines

    def _silent_caption(self, words: list[str]) -> bool:
        """Does no token give its line an anchor word? Then `_lines` keeps no line (unless a group
        runs everywhere). Set operations in C against the token texts already sorted into silent and
        loud ones, and `_gives_anchor` for the others, instead of the per-token loop over every caption."""
        loud = self._loud
        if not loud.isdisjoint(words):
            return False
        silent = self._silent
        new = set(words)
        new -= silent
        if not new:
            return True
        for word in new:
            if self._gives_anchor(word.lower()):
                if len(loud) >= _SILENT_MAX:
                    loud.clear()
                loud.add(word)
                return False
        if len(silent) + len(new) > _SILENT_MAX:
            silent.clear()
        silent |= new
        return True

    def _gives_anchor(self, low: str) -> bool:
        """Would `_lines` add an anchor word for a token whose lower case is `low`? (Its tests, in order.)"""
        anchors = self.anchors
        if low in anchors:
            return True
        if len(low) > 2 and (low[0] in _GLUE or low[-1] in _GLUE) and _NOT_GLUED.isdisjoint(low):
            return not anchors.isdisjoint({_fold_word(p) for p in _pieces(low)})
        return not low.isascii() and _fold_word(low) in anchors

    def _unglued(self, walk: Walk, lo: int, hi: int, glued: list[int]):
        """The line as a doc of its own with glued tokens cut into pieces ("~Sponsors~" -> "~",
        "Sponsors", "~"), and for each of its tokens the index of the token it came from."""
        words: list[str] = []
        owner: list[int] = []
        cut = set(glued)
        for i in range(lo, hi):
            pieces = _pieces(walk.words[i]) if i in cut else [walk.words[i]]
            words.extend(pieces)
            owner.extend([i] * len(pieces))
        return self.make_doc(self.vocab, words=words), owner

    def find(self, doc) -> tuple[list[Span], list[Span]]:
        """(statements, denials) as disclosure spans of the text; a statement has `cls` set.
        `doc`: a spaCy doc or the analyser's `Walk` of it."""
        walk = walk_of(doc)
        found = self.matches(walk)
        if not found:  # most captions: nothing below to build
            return [], []
        denials = [f for f in found if f.cls == "denial"]
        positive = [
            f for f in found if f.cls != "denial" and not any(d.start < f.end and f.start < d.end for d in denials)
        ]
        ranges: list[list] = []  # [lo, hi, Found] of each sentence, overlapping ones merged
        around: dict[tuple[int, int], tuple[int, int]] = {}  # each match's sentence, worked out once
        for f in positive:
            if (f.start, f.end) not in around:
                around[f.start, f.end] = sentence(walk, f.start, f.end)
        for f in sorted(positive, key=lambda f: around[f.start, f.end]):
            lo, hi = around[f.start, f.end]
            if ranges and lo < ranges[-1][1]:
                last = ranges[-1]
                last[1] = max(last[1], hi)
                if PRIORITY[f.cls] < PRIORITY[last[2].cls]:
                    last[2] = f
                continue
            ranges.append([lo, hi, f])
        spans = []
        for lo, hi, f in ranges:
            text, a, b = walk.span(lo, hi)
            spans.append(Span("disclosure", text, a, b, label=f.key, cls=f.cls))
        denial_spans = []
        for f in denials:
            text, a, b = walk.span(f.start, f.end)
            denial_spans.append(Span("disclosure", text, a, b, label=f.key, cls="denial"))
        return spans, denial_spans


def _may_match(needs: tuple[tuple[frozenset[str], ...], ...] | None, present: set[str]) -> bool:
    """Does the line hold, for one of the group's patterns, a form of each of its required words?"""
    if needs is None:
        return True
    return any(all(not forms.isdisjoint(present) for forms in pattern) for pattern in needs)


def _is_break(word: str) -> bool:
    return "\n" in word and word.isspace()


_STOP_CHARS = "".join(sorted(_STOPS))


def _is_stop(word: str) -> bool:
    # Every character a stop <=> nothing is left once stops are stripped from both ends (in C).
    return _is_break(word) or (bool(word) and not word.strip(_STOP_CHARS))


def sentence(doc, start: int, end: int) -> tuple[int, int]:
    """The token range of the sentence or line around a match, with its heading line, if any.
    `doc`: a spaCy doc or the analyser's `Walk` of it."""
    walk = walk_of(doc)
    words, starts = walk.words, walk.starts
    count = len(words)
    lo = start
    limit = starts[start] - _REACH
    while lo > 0 and not _is_stop(words[lo - 1]) and starts[lo - 1] >= limit:
        lo -= 1
    hi = end
    limit = starts[end - 1] + _REACH
    while hi < count and not _is_stop(words[hi]) and words[hi] not in _RIGHT_STOPS and starts[hi] <= limit:
        hi += 1
    while hi < count and not words[hi].isspace() and (_is_stop(words[hi]) or words[hi] in _RIGHT_STOPS):
        hi += 1  # keep the sentence's own full stop or "!"
    lo = _heading(walk, lo)
    while lo < hi and words[lo].isspace():
        lo += 1
    while hi > lo and words[hi - 1].isspace():
        hi -= 1
    return lo, hi


def _heading(walk: Walk, lo: int) -> int:
    """Include a short "DISCLOSURE:" line just above the statement."""
    words = walk.words
    if lo == 0 or not _is_break(words[lo - 1]) or words[lo - 1].count("\n") > 2:
        return lo
    first = lo - 1
    while first > 0 and not _is_break(words[first - 1]):
        first -= 1
    if first == lo - 1:
        return lo
    text = walk.span(first, lo - 1)[0].strip()
    if 1 < len(text) <= _HEADING_MAX and text.endswith(":") and any(ch.isalpha() for ch in text):
        return first
    return lo


def absorb(labels: list[Span], statements: list[Span], denials: list[Span]) -> list[Span]:
    """Labels inside a statement become part of it; labels a denial touches are dropped.

    The statement remembers the labels it swallowed (`inner`), so a jurisdiction that accepts
    "Werbung" still accepts "Dieses Video enthält Werbung" whatever it thinks of the class.
    """
    if not statements and not denials:  # most captions: the labels as they are
        return sorted(labels, key=_by_place)
    kept = [lbl for lbl in labels if not any(d.start < lbl.end and lbl.start < d.end for d in denials)]
    out: list[Span] = []
    inner: dict[int, list[str]] = {i: [] for i in range(len(statements))}
    for lbl in kept:
        home = next((i for i, st in enumerate(statements) if st.start <= lbl.start and lbl.end <= st.end), None)
        if home is None:
            out.append(lbl)
        elif lbl.label is not None and lbl.label not in inner[home]:
            inner[home].append(lbl.label)
    for i, st in enumerate(statements):
        out.append(st.moved(inner=tuple(sorted(inner[i]))))
    return sorted(out, key=_by_place)


def _by_place(span: Span) -> tuple[int, int]:
    return span.start, span.end


LINK_KINDS = frozenset({"affiliate_link", "short_link"})


def near_links(disclosures: list[Span], signals: list[Span], text: str) -> list[Span]:
    """Mark affiliate statements placed before or next to the first affiliate link: zone `near_links`.

    "Next to" means on the same line as that link or the line right after it. Offsets are the
    caption's; disclosures and signals must both be in them.
    """
    if not disclosures:
        return disclosures
    links = sorted((s for s in signals if s.kind in LINK_KINDS), key=lambda s: s.start)
    if not links:
        return disclosures
    first = links[0]
    out = []
    for d in disclosures:
        if d.cls in AFFILIATE_CLASSES and (d.start <= first.end or text.count("\n", first.end, d.start) <= 1):
            d = d.moved(zone=d.zone + ("near_links",))
        out.append(d)
    return out
