"""Correct a caption's disclosure with the fewest, most respectful edits, then prove it.

The only edits are at the start of the caption:
- each jurisdiction's accepted label, in the ruleset's own language, goes in front
  ("Werbung | Publicité | #ad Loving my serum"): word labels first, joined by " | ", then
  hashtag labels, because a word label only counts when it stands alone;
- a hashtag label the creator already wrote, accepted there but buried (after the fold, in a
  pile of hashtags), is moved: that one token leaves its old spot and opens the caption.
Nothing else is deleted. An ambiguous label (#sp, #collab) stays where it is and an accepted
label goes in front: every rule file treats the post as disclosed then, and the creator's
hashtags survive. One label serves several jurisdictions when each accepts it and it is in
their language (#ad for the US and the UK).

Every candidate is judged again by the same Scanner; a jurisdiction that is still not
compliant or clear gets its next accepted label, and what cannot be satisfied (a warning no
caption text resolves) is reported, never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from compliance.model import Post, PostResult, Source, Span, Verdict
from compliance.ruleset.model import RuleSet

OK_STATUSES = ("compliant", "clear")
MAX_ATTEMPTS = 8

_TAG_MARKS = ("#", "\uff03")  # '#' and the fullwidth '＃' the analyser also reads


@dataclass(frozen=True)
class LabelChoice:
    """A label to put in front: its vocabulary key, how it is written, its language."""

    key: str
    text: str
    language: str
    moved: bool = False  # the creator's own buried hashtag, moved to the start

    @property
    def is_tag(self) -> bool:
        return self.text.startswith(_TAG_MARKS)


@dataclass(frozen=True)
class FixResult:
    """The corrected caption, its judgement, and what could not be satisfied (if anything)."""

    original: str
    caption: str
    before: PostResult
    after: PostResult
    edits: tuple[str, ...] = ()
    unsatisfied: tuple[str, ...] = ()  # jurisdiction codes still not compliant or clear
    error: str | None = None  # the caption could not be judged at all

    @property
    def changed(self) -> bool:
        return self.caption != self.original

    @property
    def ok(self) -> bool:
        return self.error is None and not self.unsatisfied

    def verdict(self, code: str) -> Verdict | None:
        return self.after.verdicts.get(code)


def languages(ruleset: RuleSet) -> tuple[str, ...]:
    langs = ruleset.meta.get("languages") or ()
    return tuple(str(x) for x in langs) if isinstance(langs, (list, tuple)) else ()


def in_language(language: str, langs: tuple[str, ...]) -> bool:
    """A vocabulary entry's language ("de", or "da, no" for several) against a ruleset's; none = any."""
    return not langs or any(part.strip() in langs for part in language.split(","))


def surface_form(ruleset: RuleSet, key: str) -> str | None:
    """How to write label `key` so it reads as that label: known form, word, phrase or hashtag."""
    entry = ruleset.vocabulary.get(key)
    if entry is None:
        return None
    if entry.display:
        return entry.display
    for forms in (entry.words, entry.phrases):
        if forms:
            text = forms[0]
            return text[:1].upper() + text[1:]
    if entry.hashtags:
        return "#" + entry.hashtags[0]
    return None  # brand templates and patterns need words we cannot invent


def label_choices(ruleset: RuleSet) -> list[LabelChoice]:
    """The accepted labels of a ruleset, best first: its own language, then the known forms."""
    langs = languages(ruleset)

    def rank(key: str):
        entry = ruleset.vocabulary.get(key)
        # The ruleset's first language first ("Mainos" before "Reklam" in Finland), then its others.
        parts = [p.strip() for p in (entry.language if entry else "").split(",")]
        language = min((langs.index(p) for p in parts if p in langs), default=len(langs)) if langs else 0
        order = ruleset.fix_order
        preferred = order.index(key) if key in order else len(order)
        # Then plain advertising words ("Pubblicità") before sponsorship wording or phrases that
        # expect a brand after them ("In collaborazione con"), and one word before several.
        plain = entry is not None and entry.meaning == "advertising" and bool(entry.words or entry.hashtags)
        text = surface_form(ruleset, key) or ""
        return (language, preferred, 0 if plain else 1, len(text.split()), key)

    out = []
    for key in sorted(ruleset.accepted, key=rank):
        entry = ruleset.vocabulary.get(key)
        text = surface_form(ruleset, key)
        if entry is not None and text:
            out.append(LabelChoice(key, text, entry.language))
    return out


class Fixer:
    """Fixes captions against one Scanner's jurisdictions and brands."""

    def __init__(self, scanner):
        self.scanner = scanner
        self.rulesets = {rs.code: rs for rs in scanner.rulesets}
        self.choices = {rs.code: label_choices(rs) for rs in scanner.rulesets}

    def fix(self, post: Post, before: PostResult | None = None) -> FixResult:
        """`before`: the post's judgement when the caller has it already (not judged twice)."""
        before = before if before is not None else self.scanner.judge_record(post)
        original = before.caption if before.caption is not None else post.caption
        post = replace(post, caption=original)  # as judged: lone surrogates already made writable
        if before.error:
            return FixResult(original, original, before, before, error=before.error)
        failing = self._failing(before)
        if not failing:
            return FixResult(original, original, before, before)
        need = [code for code in self.scanner.jurisdictions if code in failing]
        step = {code: 0 for code in self.scanner.jurisdictions}
        best = FixResult(original, original, before, before, unsatisfied=tuple(failing))
        for _ in range(MAX_ATTEMPTS):
            caption, edits = self._compose(post.caption, before, need, step)
            after = self.scanner.judge_record(replace(post, caption=caption))
            if after.error:
                break
            still = self._failing(after)
            attempt = FixResult(post.caption, caption, before, after, edits, tuple(still))
            if self._badness(after) < self._badness(best.after):
                best = attempt  # strictly better only: when nothing helps, the caption stays as written
            if not still:
                return attempt
            moved_on = False
            for code in still:
                if code not in need:  # our labels broke a jurisdiction that was fine: give it its own
                    need.append(code)
                    moved_on = True
                elif step[code] + 1 < len(self.choices[code]):
                    step[code] += 1
                    moved_on = True
            need.sort(key=self.scanner.jurisdictions.index)
            if not moved_on:
                break
        return best

    def _failing(self, result: PostResult) -> list[str]:
        return [
            code
            for code in self.scanner.jurisdictions
            if result.verdicts.get(code) is None or result.verdicts[code].status not in OK_STATUSES
        ]

    def _badness(self, result: PostResult) -> int:
        """Violations weigh more than reviews: trading a violation for a review is progress."""
        weights = {"violation": 2, "review": 1}
        return sum(
            weights.get(result.verdicts[c].status, 0) if c in result.verdicts else 2 for c in self.scanner.jurisdictions
        )

    def _compose(
        self, caption: str, before: PostResult, need: list[str], step: dict[str, int]
    ) -> tuple[str, tuple[str, ...]]:
        chosen: list[LabelChoice] = []
        moves: list[Span] = []
        edits = []
        for code in need:
            rs = self.rulesets[code]
            serving = next((c for c in chosen if self._covers(rs, c)), None)
            if serving is not None:
                edits.append(f"{code}: {serving.text!r} serves here too")
                continue
            tag = self._buried_tag(before, rs, moves) if step[code] == 0 else None
            if tag is not None:
                entry = rs.vocabulary.get(tag.label or "")
                chosen.append(LabelChoice(tag.label or "", tag.text, entry.language if entry else "", moved=True))
                moves.append(tag)
                edits.append(f"{code}: moved {tag.text!r} to the start")
                continue
            options = self.choices[code]
            if not options:
                continue
            pick = options[min(step[code], len(options) - 1)]
            if pick.text not in (c.text for c in chosen):
                chosen.append(pick)
            edits.append(f"{code}: added {pick.text!r} at the start")
        body = caption
        for span in sorted(moves, key=lambda s: s.start, reverse=True):
            body = remove_token(body, span.start, span.end)
        return prepend(body, chosen), tuple(edits)

    def _covers(self, rs: RuleSet, choice: LabelChoice) -> bool:
        """A label already going in front serves this jurisdiction too (same language, or the creator's)."""
        if choice.key not in rs.accepted:
            return False
        return choice.moved or in_language(choice.language, languages(rs))

    def _buried_tag(self, before: PostResult, rs: RuleSet, taken):
        """The creator's own hashtag label this jurisdiction accepts, not at the start (first one)."""
        langs = languages(rs)
        found = [
            d
            for d in before.disclosures
            if d.text.startswith(_TAG_MARKS)
            and d.label in rs.accepted
            and "start" not in d.zone
            and d not in taken
            and "\n" not in d.text
        ]
        same = [
            d
            for d in found
            if rs.vocabulary.get(d.label or "") and in_language(rs.vocabulary[d.label or ""].language, langs)
        ]
        pool = same or found
        return pool[0] if pool else None


def prepend(caption: str, labels: list[LabelChoice]) -> str:
    """Labels in front of the caption's first non-blank character (its leading blank lines stay)."""
    if not labels:
        return caption
    words = [c.text for c in labels if not c.is_tag]
    tags = [c.text for c in labels if c.is_tag]
    head = " | ".join(words)
    if tags:
        head = (head + " | " if head else "") + " ".join(tags) + " "
    else:
        head += " | "
    body = caption.lstrip()
    lead = caption[: len(caption) - len(body)]
    if not body:
        return lead + head.rstrip(" |")
    return lead + head + body


def remove_token(text: str, start: int, end: int) -> str:
    """Cut one token and the spaces that belonged to it; a line left blank goes with it."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    before, after = text[line_start:start], text[end:line_end]
    if not before.strip() and not after.strip():
        # The token was alone on its line: drop the line and one of its line breaks.
        if line_end < len(text):
            return text[:line_start] + text[line_end + 1 :]
        return text[: max(line_start - 1, 0)] + text[line_end:]
    s, e = start, end
    if not before.strip():  # first on its line: the spaces after it go
        while e < line_end and text[e] in " \t":
            e += 1
    elif before[-1] in " \t":  # after a space: the spaces before it go
        while s > line_start and text[s - 1] in " \t":
            s -= 1
    return text[:s] + text[e:]


def make_post(
    caption: str,
    name: str = "<argument>",
    platform: str | None = None,
    post_id: str = "caption",
    paid_partnership: bool = False,
) -> Post:
    return Post(id=post_id, caption=caption, source=Source(name), platform=platform, paid_partnership=paid_partnership)
