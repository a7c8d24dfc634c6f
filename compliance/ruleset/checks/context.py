"""What every check needs to know about one post under one jurisdiction, computed once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from compliance.analysis.analyser import Analysis
from compliance.model import Finding, Post, Span, new_record
from compliance.ruleset.model import Rule, RuleSet

PLATFORM_LABEL = "platform-paid-partnership"
_ZONES_MAX = 4096
POSITIONS = ("start", "first_line", "above_fold", "anywhere")
BLOCKS = ("forbid", "edges", "allow")


@dataclass(frozen=True)
class PlacementParams:
    """Where a label must sit (`label-placement`); every check reads it to know a well-placed label."""

    require: str = field(
        default="anywhere",
        metadata={"choices": POSITIONS, "help": "the zone the label must be in: " + ", ".join(POSITIONS)},
    )
    near_links: str = field(
        default="accept",
        metadata={
            "choices": ("accept", "ignore"),
            "help": "accept: an affiliate statement before or next to the first affiliate link is well placed "
            "wherever the fold falls",
        },
    )
    hashtag_block: str = field(
        default="allow",
        metadata={
            "choices": BLOCKS,
            "help": "a label inside a trailing hashtag block: forbid, allow only at its edges, or allow",
        },
    )


def satisfies(zones: tuple[str, ...], params: PlacementParams) -> bool:
    """Does a label in these zones meet one placement rule's parameters?

    `near_links = "accept"`: an affiliate statement before or next to the first affiliate link
    is placed well wherever the fold falls (the links it covers are where readers look).
    """
    if params.near_links == "accept" and "near_links" in zones:
        return True
    if params.require != "anywhere" and params.require not in zones:
        return False
    if "hashtag_block" in zones and "start" not in zones:
        if params.hashtag_block == "forbid":
            return False
        if params.hashtag_block == "edges" and not ("block_first" in zones or "block_last" in zones):
            return False
    return True


class _once:
    """`functools.cached_property` without its lock: Python 3.11's takes an RLock on every first
    read, and a Context is made per post and jurisdiction, so that lock cost a tenth of judging.
    A Context is never shared between threads. The value lands in the instance's `__dict__`, so
    later reads never reach this descriptor."""

    def __init__(self, func: Any) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value


@dataclass(frozen=True)
class Label:
    """A disclosure as this jurisdiction sees it. `span` is None for the platform's own label."""

    key: str
    cls: str  # accepted | review | insufficient
    span: Span | None

    @property
    def names(self) -> tuple[str, ...]:
        """What a rule's `params.labels` may name to concern this label: its key, a statement's
        class, and the vocabulary labels a statement holds (a tuple: rules test it against their
        own sets, for every label of most posts, so no set is made)."""
        if self.span is None or self.span.cls is None:
            return (self.key,)
        return (self.key, self.span.cls, *self.span.inner)

    @property
    def zones(self) -> tuple[str, ...]:
        return self.span.zone if self.span else ("platform",)


@dataclass
class Context:
    post: Post
    analysis: Analysis
    ruleset: RuleSet
    rules: list[Rule] | None = None  # the rules selected for this run (default: all of the rule set)
    # The `label-placement` rules among `rules`, when the caller has them at hand (the scanner
    # keeps them per jurisdiction rather than picking them out again for every post).
    placement: list[Rule] | None = None
    # Whether a label in given zones meets every placement rule, kept across posts by a caller
    # that judges many posts under the same placement rules (the scanner, per jurisdiction).
    zones_ok: dict[tuple[str, ...], bool] | None = None

    @property
    def active_rules(self) -> Sequence[Rule]:
        return self.ruleset.rules if self.rules is None else self.rules

    @_once
    def labels(self) -> list[Label]:
        out = []
        for d in self.analysis.disclosures:
            assert d.label is not None  # every disclosure span names its vocabulary key
            out.append(new_record(Label, {"key": d.label, "cls": self._judge(d), "span": d}))
        if self.post.paid_partnership:
            out.append(Label(PLATFORM_LABEL, self.ruleset.label_class(PLATFORM_LABEL), None))
        return out

    def _judge(self, d: Span) -> str:
        """A statement is judged by its class, or by the best label inside it if that is better."""
        if d.cls is None:
            assert d.label is not None  # every disclosure span names its vocabulary key
            return self.ruleset.label_class(d.label, d.text)
        order = ("accepted", "review", "insufficient")
        found = [self.ruleset.statement_class(d.cls)] + [self.ruleset.label_class(k) for k in d.inner]
        return min(found, key=order.index)

    @_once
    def commercial(self) -> bool:
        return self.analysis.commercial or self.post.paid_partnership

    @_once
    def candidates(self) -> list[Label]:
        """Labels that can disclose here if well placed: accepted, or unsettled (review)."""
        return [lbl for lbl in self.labels if lbl.cls in ("accepted", "review")]

    @_once
    def placement_rules(self) -> list[Rule]:
        if self.placement is not None:
            return self.placement
        return [r for r in self.active_rules if r.check == "label-placement"]

    def well_placed(self, label: Label) -> bool:
        if label.span is None:
            return True
        memo = self.zones_ok
        if memo is None:
            return all(satisfies(label.span.zone, r.params) for r in self.placement_rules)
        zones = label.span.zone
        try:
            return memo[zones]
        except KeyError:
            if len(memo) >= _ZONES_MAX:  # zone sets are few; a bound all the same
                memo.clear()
            ok = memo[zones] = all(satisfies(zones, r.params) for r in self.placement_rules)
            return ok

    @_once
    def placed(self) -> list[Label]:
        return [lbl for lbl in self.candidates if self.well_placed(lbl)]

    # What the label checks report from, once per post and jurisdiction for all their rules (and
    # their `when`: empty, the scanner skips them).
    @_once
    def insufficient(self) -> list[Label]:
        """Labels not accepted here, when no label that can disclose is present."""
        return [] if self.candidates else [lbl for lbl in self.labels if lbl.cls == "insufficient"]

    @_once
    def reviewable(self) -> list[Label]:
        """Well-placed labels whose sufficiency is unsettled here, when no well-placed one is accepted."""
        placed = self.placed
        if not placed or any(lbl.cls == "accepted" for lbl in placed):
            return []
        return [lbl for lbl in placed if lbl.cls == "review"]

    @_once
    def misplaced(self) -> list[Label]:
        """The candidates in the caption, when none is placed well."""
        return [] if self.placed else [lbl for lbl in self.candidates if lbl.span is not None]

    def finding(self, rule: Rule, span: Span | None, **extra: str) -> Finding:
        if span is not None:
            text: str | None = span.text
            start: int | None = span.start
            end: int | None = span.end
            confidence = span.confidence if span.kind != "disclosure" and span.confidence != "high" else rule.confidence
        else:
            text = start = end = None
            confidence = rule.confidence
        severity = rule.severity
        if severity == "error" and self.analysis.tentative:  # commercial only by short links + shopping words
            severity = "warning"
        message, fix = rule.message, rule.fix
        if "{" in message or (fix and "{" in fix):
            message, fix = _filled(rule, text, self.analysis.platform, extra)
        return new_record(  # one is made for most commercial posts in every jurisdiction
            Finding,
            {
                "rule": rule.id,
                "name": rule.name,
                "severity": severity,
                "message": message,
                "citation": rule.citation,
                "fix": fix,
                "start": start,
                "end": end,
                "text": text,
                "confidence": confidence,
            },
        )


# A rule's message and fix as filled for one finding, by (templates, text, platform, extras): the
# same label text on the same platform fills the same way in every post ("#sp" on instagram).
# Bounded: cleared when full; texts too long to be a label's are not kept.
_FILLED: dict[tuple[Any, ...], tuple[str, str | None]] = {}
_FILLED_MAX = 4096
_FILLED_TEXT = 200


def _filled(rule: Rule, text: str | None, platform: Any, extra: dict[str, str]) -> tuple[str, str | None]:
    """`rule.message` and `rule.fix` filled as `fill` does, with the finding's values in the
    order they always had: text, label, platform, then the check's own extras."""
    key = (rule.message, rule.fix, text, platform, *extra.items())
    try:
        return _FILLED[key]
    except KeyError:
        pass
    values = {"text": text or "", "label": text if text is not None else extra.get("label", ""), "platform": platform}
    values.update(extra)
    out = (fill(rule.message, values), fill(rule.fix, values) if rule.fix else rule.fix)
    if text is None or len(text) <= _FILLED_TEXT:
        if len(_FILLED) >= _FILLED_MAX:
            _FILLED.clear()
        _FILLED[key] = out
    return out


def fill(template: str, values: dict[str, str]) -> str:
    """`template` with each `{key}` replaced by its value, key after key in `values`' order (a
    value may itself hold a `{key}` a later key replaces). A template without `{` is returned
    as is: nothing to replace, and most rule texts name no placeholder."""
    if "{" not in template:
        return template
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template
