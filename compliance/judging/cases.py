"""Run a rule file's published decisions (`[[cases]]`): real rulings as tests of the rules.

A case that has `not_run` (the caption alone cannot decide it: label in the image, the brand's own
account ...) is recorded and never run. Every other case must get the status its `expect` names
in its own jurisdiction, and every rule it lists must be among the findings. Used by
`compliance rules test`, `compliance rules validate` and the test suite.
"""

from __future__ import annotations

from dataclasses import dataclass

from compliance.judging.scanner import Scanner
from compliance.model import Post, Source
from compliance.ruleset.model import Case, RuleSet


@dataclass(frozen=True)
class CaseResult:
    case: Case
    ran: bool
    ok: bool  # True for a case that was not run: it cannot disagree
    status: str | None = None  # what the scan returned
    findings: tuple[str, ...] = ()  # rule ids raised
    missing: tuple[str, ...] = ()  # rules the case names that were not raised

    def describe(self) -> str:
        c = self.case
        found = ", ".join(self.findings) or "no findings"
        why = f"; rules not raised: {', '.join(self.missing)}" if self.missing else ""
        return (
            f"case {c.id}: expected {c.expect}, got {self.status} ({found}){why}: "
            f"{c.title} ({c.authority}, {c.decided}): {c.caption!r}"
        )


def case_post(ruleset: RuleSet, case: Case) -> Post:
    return Post(
        id=case.id,
        caption=case.caption,
        source=Source(ruleset.file, line=case.line),
        platform=case.platform,
        paid_partnership=case.paid_partnership,
        brands=case.brands,
    )


def run_case(ruleset: RuleSet, case: Case, scanners: dict | None = None) -> CaseResult:
    """Judge one case in its own jurisdiction (with its campaign brands) and compare."""

    if case.not_run:
        return CaseResult(case, ran=False, ok=True)
    scanners = {} if scanners is None else scanners
    key = (ruleset.file, case.brands)
    if key not in scanners:
        scanners[key] = Scanner([ruleset.code], brands=list(case.brands), rulesets=[ruleset])
    verdict = scanners[key].judge(case_post(ruleset, case)).verdicts[ruleset.code]
    raised = tuple(f.rule for f in verdict.findings)
    missing = tuple(r for r in case.rules if r not in raised)
    return CaseResult(
        case,
        ran=True,
        ok=verdict.status == case.expect and not missing,
        status=verdict.status,
        findings=raised,
        missing=missing,
    )


def run_cases(ruleset: RuleSet) -> list[CaseResult]:
    scanners: dict = {}
    return [run_case(ruleset, case, scanners) for case in ruleset.cases]


def counts(results: list[CaseResult]) -> tuple[int, int, int]:
    """(run, agreeing, not run)."""
    ran = [r for r in results if r.ran]
    return len(ran), sum(r.ok for r in ran), len(results) - len(ran)
