"""Judge posts: analysis once per post, then every selected rule of every jurisdiction.

`judge` is a pure function of the post, the rule sets and the brands, so the local scan, a
process pool and a Dask worker all produce the same record for the same post.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from compliance.model import Finding, InputError, Post, PostResult, Verdict
from compliance.ruleset.loader import Rule, RuleSet, default_dirs, load_ruleset

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def status_of(findings: list[Finding], commercial: bool) -> str:
    severities = {f.severity for f in findings}
    if "error" in severities:
        return "violation"
    if "warning" in severities:
        return "review"
    return "compliant" if commercial else "clear"


def rule_selected(rule: Rule, select: list[str], ignore: list[str]) -> bool:
    """`--select`/`--ignore` match a rule by id, name, group or id prefix (`FTC`, `FTC-00`)."""

    def hit(pattern: str) -> bool:
        p = pattern.strip()
        return p in (rule.id, rule.name, rule.group) or rule.id.startswith(p.upper()) or p.lower() == rule.jurisdiction

    if select and not any(hit(p) for p in select):
        return False
    return not any(hit(p) for p in ignore)


class Scanner:
    """Rule sets and the analyser, loaded once; `judge_record` never raises for a post."""

    def __init__(self, jurisdictions: list[str], brands: list[str] | None = None,
                 rules_dirs: list[Path] | None = None, select: list[str] | None = None,
                 ignore: list[str] | None = None, severity_overrides: dict[str, str] | None = None,
                 rulesets: list[RuleSet] | None = None, exceptions: dict[str, list[str]] | None = None):
        from compliance.analysis.analyser import Analyser

        codes = []
        for code in jurisdictions:
            code = code.strip().lower()
            if code not in codes:
                codes.append(code)
        dirs = default_dirs(list(rules_dirs or []))
        self.rulesets = rulesets or [load_ruleset(code, dirs) for code in codes]
        self.jurisdictions = [rs.code for rs in self.rulesets]
        self.select = list(select or [])
        self.ignore = list(ignore or [])
        self.severity_overrides = dict(severity_overrides or {})
        # Accepted exceptions: post id -> rules (id, name, group or prefix) not applied to that post.
        self.exceptions = {post_id: list(rules) for post_id, rules in (exceptions or {}).items()}
        self.rules = {rs.code: [self._override(r) for r in rs.rules if rule_selected(r, self.select, self.ignore)]
                      for rs in self.rulesets}
        self.analyser = Analyser(self.rulesets, list(brands or []))

    def _override(self, rule: Rule) -> Rule:
        from dataclasses import replace

        for key in (rule.id, rule.name):
            if key in self.severity_overrides:
                return replace(rule, severity=self.severity_overrides[key])
        return rule

    def ruleset_meta(self) -> dict[str, dict[str, Any]]:
        return {rs.code: rs.summary() for rs in self.rulesets}

    def judge_record(self, record: Post | InputError) -> PostResult:
        record = _encodable(record)
        if isinstance(record, InputError):
            return PostResult(id=record.id, source=record.source, caption=record.caption,
                              platform=record.platform, author=record.author, error=record.message)
        try:
            return self.judge(record)
        except TimeoutError:
            return _failed(record, "a pattern timed out on this caption; it was not judged")
        except Exception as exc:  # a post must never take the run down with it
            return _failed(record, f"internal error while judging this post: {type(exc).__name__}: {exc}")

    def judge(self, post: Post) -> PostResult:
        from compliance.ruleset.checks import CHECKS
        from compliance.ruleset.checks.context import Context

        analysis = self.analyser.analyse(post)
        verdicts = {}
        for rs in self.rulesets:
            excepted = self.exceptions.get(post.id)
            rules = [r for r in self.rules[rs.code] if not excepted or rule_selected(r, [], excepted)]
            ctx = Context(post, analysis, rs, rules)
            findings: list[Finding] = []
            for rule in rules:
                findings.extend(CHECKS.get(rule.check)(ctx, rule))
            findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.start if f.start is not None else -1, f.rule))
            verdicts[rs.code] = Verdict(status_of(findings, ctx.commercial), tuple(findings))
        return PostResult(
            id=post.id, source=post.source, caption=post.caption, platform=post.platform,
            author=post.author, posted_at=post.posted_at, paid_partnership=post.paid_partnership,
            signals=analysis.signals, disclosures=analysis.disclosures, verdicts=verdicts,
        )


_SURROGATES = {cp: "\ufffd" for cp in range(0xD800, 0xE000)}


def encodable_text(value):
    """A lone surrogate (JSON allows "\\ud800") cannot be written as UTF-8: U+FFFD, one for one,
    so offsets into the caption still hold and every report format can be written."""
    if not isinstance(value, str):
        return value
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return value.translate(_SURROGATES)


def _encodable(record: Post | InputError) -> Post | InputError:
    from dataclasses import fields, replace

    source = replace(record.source, file=encodable_text(record.source.file),
                     member=encodable_text(record.source.member))
    changes = {f.name: encodable_text(getattr(record, f.name)) for f in fields(record)
               if isinstance(getattr(record, f.name), str)}
    if isinstance(record, Post):
        changes["brands"] = tuple(encodable_text(b) for b in record.brands)
    return replace(record, source=source, **changes)


def _failed(post: Post, message: str) -> PostResult:
    return PostResult(id=post.id, source=post.source, caption=post.caption, platform=post.platform,
                      author=post.author, posted_at=post.posted_at, error=message)
