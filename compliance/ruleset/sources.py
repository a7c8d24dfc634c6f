"""What every shipped jurisdiction file must state about its sources (checked by `rules validate`).

The loader only type-checks the issue-12 keys so that files can be converted one at a time; this
module holds the requirements a legal team relies on: dates (`effective`, `reviewed`), declared
authorities, a pinpoint and a primary citation for every rule (a URL on one of the file's
authorities' domains, or a stated reason why not), case ids with the file's prefix. It also
builds the per-jurisdiction summary line and the "reviewed too long ago" warning.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from compliance.ruleset.loader import _key_line
from compliance.ruleset.model import Rule, RuleSet

STALE_AFTER_DAYS = 365


def is_primary(ruleset: RuleSet, rule: Rule) -> bool:
    """A pinpointed citation on one of the file's authorities, or outside them with a reason."""
    if not rule.citation.pinpoint:
        return False
    return bool(rule.outside_authorities) or any(a.covers(rule.citation.url) for a in ruleset.authorities)


def source_problems(ruleset: RuleSet, text: str, today: datetime.date) -> list[str]:
    """`file:line: message` for every missing date, authority, pinpoint or non-primary citation."""
    if ruleset.meta.get("abstract"):
        return []
    path = ruleset.file
    head = next((i for i, line in enumerate(text.splitlines(), 1) if line.strip() == "[ruleset]"), 0)
    out = []
    for key, what in (
        ("effective", "when the law or guidance the file implements took effect"),
        ("reviewed", "when someone last checked the file against its sources"),
    ):
        value = getattr(ruleset, key)
        if not value:
            out.append(f"{path}:{head}: [ruleset] needs {key} = YYYY-MM-DD ({what})")
        elif datetime.date.fromisoformat(value) > today:
            out.append(f"{path}:{_key_line(text, key, head)}: [ruleset] {key} {value} is after today ({today})")
    if not ruleset.authorities:
        out.append(
            f"{path}:{head}: needs at least one [[authorities]] table (name, domains), own or inherited: "
            f"the bodies whose texts its rules cite"
        )
    names = ", ".join(f"{a.name} ({', '.join(a.domains)})" for a in ruleset.authorities) or "none declared"
    for rule in ruleset.rules:
        where = f"{path}:{rule.line}: rule {rule.id}"
        if not rule.citation.pinpoint:
            out.append(f"{where}: citation needs a pinpoint (section, paragraph, page or question)")
        if not rule.effective:
            out.append(f"{where}: needs effective = YYYY-MM-DD (when the cited primary text took effect)")
        if rule.reviewed and datetime.date.fromisoformat(rule.reviewed) > today:
            out.append(f"{where}: reviewed {rule.reviewed} is after today ({today})")
        if (
            ruleset.authorities
            and not rule.outside_authorities
            and not any(a.covers(rule.citation.url) for a in ruleset.authorities)
        ):
            out.append(
                f"{where}: citation {rule.citation.url} is not on the file's authorities ({names}): "
                f'cite the primary text, or give citation.outside_authorities = "why"'
            )
    prefix = ruleset.code.upper() + "-C-"
    for case in ruleset.cases:
        if not case.id.startswith(prefix) or case.id == prefix:
            out.append(f"{path}:{case.line}: case {case.id}: id must start with {prefix}")
    return out


def stale_warnings(ruleset: RuleSet, text: str, today: datetime.date) -> list[str]:
    """A warning when the file (or a rule that states its own date) was reviewed over a year ago."""
    out = []
    head = next((i for i, line in enumerate(text.splitlines(), 1) if line.strip() == "[ruleset]"), 0)

    def stale(value: str | None) -> int | None:
        if not value:
            return None
        days = (today - datetime.date.fromisoformat(value)).days
        return days if days > STALE_AFTER_DAYS else None

    days = stale(ruleset.reviewed)
    if days is not None:
        out.append(
            f"{ruleset.file}:{_key_line(text, 'reviewed', head)}: warning: [ruleset] reviewed "
            f"{ruleset.reviewed}, {days} days ago (more than {STALE_AFTER_DAYS}): check it against its sources"
        )
    for rule in ruleset.rules:
        if rule.reviewed != ruleset.reviewed:  # a rule with its own date
            days = stale(rule.reviewed)
            if days is not None:
                out.append(
                    f"{ruleset.file}:{rule.line}: warning: rule {rule.id} reviewed {rule.reviewed}, "
                    f"{days} days ago (more than {STALE_AFTER_DAYS})"
                )
    return out


def summary_line(ruleset: RuleSet, case_counts: tuple[int, int, int]) -> str:
    """`us  effective 2023-07-26  reviewed 2026-12-04  rules 12 (primary 12/12)  cases 9 run, 9 agree, 2 not run`"""
    primary = sum(is_primary(ruleset, r) for r in ruleset.rules)
    ran, agree, not_run = case_counts
    return (
        f"{ruleset.code}  effective {ruleset.effective or '-'}  reviewed {ruleset.reviewed or '-'}  "
        f"rules {len(ruleset.rules)} (primary {primary}/{len(ruleset.rules)})  "
        f"cases {ran} run, {agree} agree, {not_run} not run"
    )


def read_text(ruleset: RuleSet) -> str:
    return Path(ruleset.file).read_text(encoding="utf-8")
