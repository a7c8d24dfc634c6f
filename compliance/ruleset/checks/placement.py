"""Checks about where an acceptable label sits: upfront, above the fold, not buried in hashtags."""

from __future__ import annotations

from compliance.model import Finding
from compliance.ruleset.checks.context import Context, PlacementParams, satisfies
from compliance.ruleset.checks.registry import check
from compliance.ruleset.model import Rule

__all__ = ["PlacementParams", "label_placement", "satisfies"]


@check("label-placement", PlacementParams, needs=("commercial", "labels"), when="misplaced")
def label_placement(ctx: Context, rule: Rule) -> list[Finding]:
    """Fires on each candidate label that breaks this rule, when no candidate is placed well."""
    if not ctx.commercial:
        return []
    return [
        ctx.finding(rule, lbl.span, label=lbl.key) for lbl in ctx.misplaced if not satisfies(lbl.zones, rule.params)
    ]
