"""Run a rule's own pass/fail examples: the executable half of every rule's documentation.

A `fail` example must raise the rule; a `pass` example must not. Used by the test suite (every
rule of every shipped file) and by `compliance rules test`.
"""

from __future__ import annotations

from dataclasses import dataclass

from compliance.judging.scanner import Scanner
from compliance.model import Post, Source
from compliance.ruleset.model import Rule, RuleSet


@dataclass(frozen=True)
class ExampleResult:
    rule: str
    kind: str  # "pass" or "fail"
    caption: str
    ok: bool
    raised: tuple[str, ...]  # rule ids the example raised in its jurisdiction

    def describe(self) -> str:
        want = "must raise" if self.kind == "fail" else "must not raise"
        got = ", ".join(self.raised) or "nothing"
        return f"{self.rule}: {self.kind} example {want} {self.rule}, raised {got}: {self.caption!r}"


def run_examples(ruleset: RuleSet, rules: list[Rule] | None = None) -> list[ExampleResult]:
    results = []
    scanners: dict[tuple[str, ...], Scanner] = {}
    for rule in rules if rules is not None else ruleset.rules:
        ex = rule.examples
        if ex is None:
            continue
        brands = tuple(ex.brands)
        if brands not in scanners:
            scanners[brands] = Scanner([ruleset.code], brands=list(brands), rulesets=[ruleset])
        scanner = scanners[brands]
        for kind, captions in (("pass", ex.passing), ("fail", ex.failing)):
            for caption in captions:
                post = Post(
                    id="example",
                    caption=caption,
                    source=Source(ruleset.file),
                    platform=ex.platform,
                    paid_partnership=ex.paid_partnership,
                    metadata=dict(ex.metadata),
                )
                result = scanner.judge(post)
                raised = tuple(f.rule for f in result.verdicts[ruleset.code].findings)
                ok = (rule.id in raised) == (kind == "fail")
                results.append(ExampleResult(rule.id, kind, caption, ok, raised))
    return results
