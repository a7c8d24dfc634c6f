"""What every check needs to know about one post under one jurisdiction, computed once."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from compliance.analysis.analyser import Analysis
from compliance.model import Finding, Post, Span
from compliance.ruleset.loader import Rule, RuleSet

PLATFORM_LABEL = "platform-paid-partnership"


@dataclass(frozen=True)
class Label:
    """A disclosure as this jurisdiction sees it. `span` is None for the platform's own label."""

    key: str
    cls: str  # accepted | review | insufficient
    span: Span | None

    @property
    def zones(self) -> tuple[str, ...]:
        return self.span.zone if self.span else ("platform",)


@dataclass
class Context:
    post: Post
    analysis: Analysis
    ruleset: RuleSet
    rules: list[Rule] | None = None  # the rules selected for this run (default: all of the rule set)

    @property
    def active_rules(self) -> list[Rule]:
        return self.ruleset.rules if self.rules is None else self.rules

    @cached_property
    def labels(self) -> list[Label]:
        out = [Label(d.label, self.ruleset.label_class(d.label), d) for d in self.analysis.disclosures]
        if self.post.paid_partnership:
            out.append(Label(PLATFORM_LABEL, self.ruleset.label_class(PLATFORM_LABEL), None))
        return out

    @property
    def commercial(self) -> bool:
        return self.analysis.commercial or self.post.paid_partnership

    @cached_property
    def candidates(self) -> list[Label]:
        """Labels that can disclose here if well placed: accepted, or unsettled (review)."""
        return [lbl for lbl in self.labels if lbl.cls in ("accepted", "review")]

    @cached_property
    def placement_rules(self) -> list[Rule]:
        return [r for r in self.active_rules if r.check == "label-placement"]

    def well_placed(self, label: Label) -> bool:
        from compliance.ruleset.checks.placement import satisfies

        return label.span is None or all(satisfies(label.zones, r.params) for r in self.placement_rules)

    @cached_property
    def placed(self) -> list[Label]:
        return [lbl for lbl in self.candidates if self.well_placed(lbl)]

    def claimed(self, check: str) -> set[str]:
        """Label keys named explicitly by rules of one check type (the rest fall to catch-alls).

        From the whole rule set, selected or not: ignoring FTC-002 silences its labels, it does not
        hand them to the catch-all rule.
        """
        keys: set[str] = set()
        for r in self.ruleset.rules:
            if r.check == check:
                keys.update(r.params.get("labels", []))
        return keys

    def concerns(self, rule: Rule, label: Label) -> bool:
        named = rule.params.get("labels")
        if named:
            return label.key in named
        return label.key not in self.claimed(rule.check)

    def finding(self, rule: Rule, span: Span | None, **extra: str) -> Finding:
        text = span.text if span else None
        values = {"text": text or "", "label": (span.text if span else extra.get("label", "")),
                  "platform": self.analysis.platform, **extra}
        message = rule.message
        fix = rule.fix
        for key, value in values.items():
            message = message.replace("{" + key + "}", value)
            fix = fix.replace("{" + key + "}", value) if fix else fix
        severity = rule.severity
        if severity == "error" and self.analysis.tentative:  # commercial only by short links + shopping words
            severity = "warning"
        return Finding(
            rule=rule.id, name=rule.name, severity=severity, message=message,
            citation=rule.citation, fix=fix, start=span.start if span else None,
            end=span.end if span else None, text=text,
            confidence=_confidence(rule, span),
        )


def _confidence(rule: Rule, span: Span | None) -> str:
    if span is not None and span.kind != "disclosure" and span.confidence != "high":
        return span.confidence
    return rule.confidence
