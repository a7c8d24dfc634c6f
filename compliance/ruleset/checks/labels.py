"""Checks about whether a disclosure is there at all and whether this jurisdiction accepts it."""
from __future__ import annotations

from compliance.ruleset.checks import CHECKS
from compliance.ruleset.checks.context import Context


def _labels_param(params: dict) -> str | None:
    labels = params.get("labels", [])
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        return "params.labels must be a list of label names"
    unknown = set(params) - {"labels"}
    return f"unknown params {sorted(unknown)}" if unknown else None


@CHECKS.register("requires-disclosure")
def requires_disclosure(ctx: Context, rule):
    """Commercial content with no label of any kind: point at what makes it commercial."""
    if not ctx.commercial or ctx.labels:
        return []
    first = ctx.analysis.signals[0] if ctx.analysis.signals else None
    return [ctx.finding(rule, first)]


requires_disclosure.validate = lambda params: f"unknown params {sorted(params)}" if params else None


@CHECKS.register("label-insufficient")
def label_insufficient(ctx: Context, rule):
    """Only labels this jurisdiction does not accept (#sp, thanks, sponsored in the UK ...)."""
    if not ctx.commercial or ctx.candidates:
        return []
    return [ctx.finding(rule, lbl.span, label=lbl.key) for lbl in ctx.labels
            if lbl.cls == "insufficient" and ctx.concerns(rule, lbl)]


label_insufficient.validate = _labels_param


@CHECKS.register("label-review")
def label_review(ctx: Context, rule):
    """A well-placed label whose sufficiency is unsettled here, and no accepted one: a person decides."""
    if not ctx.commercial or not ctx.placed or any(lbl.cls == "accepted" for lbl in ctx.placed):
        return []
    return [ctx.finding(rule, lbl.span, label=lbl.key) for lbl in ctx.placed
            if lbl.cls == "review" and ctx.concerns(rule, lbl)]


label_review.validate = _labels_param
