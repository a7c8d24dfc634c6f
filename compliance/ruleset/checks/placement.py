"""Checks about where an acceptable label sits: upfront, above the fold, not buried in hashtags."""
from __future__ import annotations

from compliance.ruleset.checks import CHECKS
from compliance.ruleset.checks.context import Context

POSITIONS = {"start", "first_line", "above_fold", "anywhere"}
BLOCKS = {"forbid", "edges", "allow"}


def satisfies(zones: tuple[str, ...], params: dict) -> bool:
    """Does a label in these zones meet one placement rule's parameters?"""
    require = params.get("require", "anywhere")
    if require != "anywhere" and require not in zones:
        return False
    block = params.get("hashtag_block", "allow")
    if "hashtag_block" in zones and "start" not in zones:
        if block == "forbid":
            return False
        if block == "edges" and not ("block_first" in zones or "block_last" in zones):
            return False
    return True


def _validate(params: dict) -> str | None:
    unknown = set(params) - {"require", "hashtag_block"}
    if unknown:
        return f"unknown params {sorted(unknown)} (known: require, hashtag_block)"
    if params.get("require", "anywhere") not in POSITIONS:
        return f"params.require must be one of {sorted(POSITIONS)}"
    if params.get("hashtag_block", "allow") not in BLOCKS:
        return f"params.hashtag_block must be one of {sorted(BLOCKS)}"
    return None


@CHECKS.register("label-placement")
def label_placement(ctx: Context, rule):
    """Fires on each candidate label that breaks this rule, when no candidate is placed well."""
    if not ctx.commercial or not ctx.candidates or ctx.placed:
        return []
    return [ctx.finding(rule, lbl.span, label=lbl.key) for lbl in ctx.candidates
            if lbl.span is not None and not satisfies(lbl.zones, rule.params)]


label_placement.validate = _validate
