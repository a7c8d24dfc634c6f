"""Checks about whether a disclosure is there at all and whether this jurisdiction accepts it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from compliance.model import Finding
from compliance.ruleset.checks.context import Context, Label
from compliance.ruleset.checks.registry import check
from compliance.ruleset.model import Rule


@dataclass(frozen=True)
class LabelParams:
    labels: tuple[str, ...] = field(
        default=(),
        metadata={
            "help": "the vocabulary keys this rule is about; none: every label no other rule of this check type names"
        },
    )
    # Filled in by the loader for a rule without `labels`: the keys its sibling rules name, so the
    # catch-all leaves them alone. Written down on the rule, not looked up at judging time.
    _claimed: tuple[str, ...] = ()

    def concerns(self, names: Iterable[str]) -> bool:
        """`names`: a label's key, and for a statement its class and the labels it holds."""
        return not self._named.isdisjoint(names) if self.labels else self._others.isdisjoint(names)

    # Kept on the instance at first use, never fields (`rules explain` and the state fingerprint
    # read the fields): each label of most posts is tested against several rules per jurisdiction.
    @cached_property
    def _named(self) -> frozenset[str]:
        return frozenset(self.labels)

    @cached_property
    def _others(self) -> frozenset[str]:
        return frozenset(self._claimed)


def _concerned(rule: Rule, label: Label) -> bool:
    return bool(rule.params.concerns(label.names))


@check("requires-disclosure", needs=("commercial", "unlabelled"))
def requires_disclosure(ctx: Context, rule: Rule) -> list[Finding]:
    """Commercial content with no label of any kind: point at what makes it commercial."""
    if not ctx.commercial or ctx.labels:
        return []
    first = ctx.analysis.signals[0] if ctx.analysis.signals else None
    return [ctx.finding(rule, first)]


@check("label-insufficient", LabelParams, needs=("commercial", "labels"), when="insufficient")
def label_insufficient(ctx: Context, rule: Rule) -> list[Finding]:
    """Only labels this jurisdiction does not accept (#sp, thanks, sponsored in the UK ...)."""
    if not ctx.commercial:
        return []
    return [ctx.finding(rule, lbl.span, label=lbl.key) for lbl in ctx.insufficient if _concerned(rule, lbl)]


@check("label-review", LabelParams, needs=("commercial", "labels"), when="reviewable")
def label_review(ctx: Context, rule: Rule) -> list[Finding]:
    """A well-placed label whose sufficiency is unsettled here, and no accepted one: a person decides."""
    if not ctx.commercial:
        return []
    return [ctx.finding(rule, lbl.span, label=lbl.key) for lbl in ctx.reviewable if _concerned(rule, lbl)]
