"""The generated reference: one page per rule, one page of check types, and the rule-file schema.

Everything here is derived from the rule files and the check-type registry, so the reference
cannot drift from what the tool does: `python scripts/update_docs.py` writes it, and the test
suite fails when the committed copy differs from what this module produces.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from compliance.ruleset.checks import CHECKS
from compliance.ruleset.loader import default_dirs, jurisdiction_codes, load_ruleset
from compliance.ruleset.model import STATEMENT_CLASSES, Rule, RuleSet

SEVERITIES = ("error", "warning", "info")


def _md(text: str) -> str:
    """Plain text safe inside a Markdown table cell or paragraph."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _example_list(items: tuple[str, ...]) -> list[str]:
    out = []
    for text in items:
        fence = "```"
        while fence in text:
            fence += "`"
        out += [f"{fence}text", text, fence, ""]
    return out


def rule_page(rs: RuleSet, rule: Rule) -> str:
    """What a rule flags, why, how to fix it, examples that fail and pass, and its source."""
    lines = [
        f"# {rule.id} `{rule.name}`",
        "",
        f"**{rs.name}** · severity `{rule.severity}` · confidence `{rule.confidence}` · check "
        f"[`{rule.check}`](../../checks.md#{rule.check})",
        "",
    ]
    lines += ["## What it flags", "", _md(rule.message), ""]
    if rule.why:
        lines += ["## Why", "", _md(rule.why), ""]
    if rule.fix:
        lines += ["## Fix", "", _md(rule.fix), ""]
    ex = rule.examples
    if ex is not None:
        context = []
        if ex.brands:
            context.append("campaign brands " + ", ".join(f"`{b}`" for b in ex.brands))
        if ex.platform:
            context.append(f"platform `{ex.platform}`")
        if ex.paid_partnership:
            context.append("the platform's paid-partnership label")
        lines += ["## Examples", ""]
        if context:
            lines += ["Judged with " + "; ".join(context) + ".", ""]
        lines += ["Flagged:", ""] + _example_list(ex.failing)
        lines += ["Not flagged:", ""] + _example_list(ex.passing)
    cit = rule.citation
    source = f"[{_md(cit.source)}]({cit.url})"
    if cit.pinpoint:
        source += f", {_md(cit.pinpoint)}"
    lines += ["## Source", "", source, ""]
    dates = [f"{k} {v}" for k, v in (("effective", rule.effective), ("reviewed", rule.reviewed or rs.reviewed)) if v]
    if dates:
        lines += ["Dates: " + " · ".join(dates) + ".", ""]
    if rule.see_also:
        lines += ["See also (secondary commentary, not the authority):", ""]
        lines += [f"- [{_md(c.source)}]({c.url})" for c in rule.see_also] + [""]
    lines += [f"Defined in `rules/{Path(rule.file).name}`.", ""]
    return "\n".join(lines)


def jurisdiction_index(rs: RuleSet) -> str:
    lines = [f"# {rs.name} (`{rs.code}`)", ""]
    dates = [f"{k} {v}" for k, v in (("effective", rs.effective), ("reviewed", rs.reviewed)) if v]
    if dates:
        lines += ["Rule set " + " · ".join(dates) + ".", ""]
    lines += ["| Rule | Name | Severity | Check |", "| --- | --- | --- | --- |"]
    lines += [f"| [{r.id}]({r.id}.md) | {r.name} | {r.severity} | {r.check} |" for r in rs.rules]
    return "\n".join(lines) + "\n"


def checks_page() -> str:
    """Every check type with its docstring and parameters (from the registry)."""
    lines = [
        "# Check types",
        "",
        "Rule files pick one of these for each rule and give it parameters (`params`). The parameters are",
        "checked when the file loads; an unknown name or a wrong type stops the load, naming file, line",
        "and rule.",
        "",
    ]
    for name in CHECKS.names():
        check = CHECKS.get(name)
        lines += [f"## {name}", "", check.doc.strip() or "(no description)", ""]
        params = check.describe_params()
        if params:
            lines += ["| Parameter | Type | Meaning |", "| --- | --- | --- |"]
            lines += [f"| `{p}` | {t} | {_md(h)} |" for p, t, h in params] + [""]
        else:
            lines += ["No parameters.", ""]
    return "\n".join(lines)


def rulefile_schema() -> dict[str, Any]:
    """A JSON Schema of a rule file (as TOML parses it), for editors; params per check type."""
    string_list = {"type": "array", "items": {"type": "string"}}
    date = {"type": "string", "format": "date", "description": "a TOML date, e.g. 2023-07-26"}
    citation = {
        "type": "object",
        "required": ["source", "url"],
        "additionalProperties": False,
        "properties": {
            "source": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "pinpoint": {"type": "string"},
            "outside_authorities": {"type": "string"},
        },
    }
    param_variants = []
    for name in CHECKS.names():
        props: dict[str, Any] = {}
        for pname, ptype, phelp in CHECKS.get(name).describe_params():
            kinds: dict[str, dict[str, Any]] = {
                "list of strings": string_list,
                "true/false": {"type": "boolean"},
                "whole number": {"type": "integer", "minimum": 1},
                "number": {"type": "number", "minimum": 0},
                "string": {"type": "string"},
            }
            kind = kinds.get(ptype, {})
            props[pname] = {**kind, "description": phelp}
        param_variants.append(
            {
                "if": {"properties": {"check": {"const": name}}},
                "then": {
                    "properties": {"params": {"type": "object", "properties": props, "additionalProperties": False}}
                },
            }
        )
    rule = {
        "type": "object",
        "required": ["id", "name", "check", "severity", "message", "citation", "examples"],
        "properties": {
            "id": {"type": "string", "pattern": "^[A-Z]+-[A-Z0-9-]+$"},
            "name": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
            "check": {"enum": CHECKS.names()},
            "severity": {"enum": list(SEVERITIES)},
            "message": {"type": "string"},
            "why": {"type": "string"},
            "fix": {"type": "string"},
            "citation": citation,
            "see_also": {"type": "array", "items": citation},
            "effective": date,
            "reviewed": date,
            "params": {"type": "object"},
            "confidence": {"enum": ["high", "medium", "low"]},
            "group": {"type": "string"},
            "note": {"type": "string"},
            "examples": {
                "type": "object",
                "properties": {
                    "pass": string_list,
                    "fail": string_list,
                    "brands": string_list,
                    "platform": {"type": "string"},
                    "paid_partnership": {"type": "boolean"},
                    "metadata": {"type": "object"},
                },
            },
        },
        "allOf": param_variants,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://compliance.invalid/schema/rulefile.schema.json",
        "title": "compliance rule file (TOML)",
        "description": "Generated from the loader's check-type registry by compliance.ruleset.reference.",
        "type": "object",
        "properties": {
            "ruleset": {
                "type": "object",
                "required": ["code", "name", "version"],
                "properties": {
                    "code": {"type": "string"},
                    "name": {"type": "string"},
                    "version": {"type": "string"},
                    "extends": {"type": "string"},
                    "abstract": {"type": "boolean"},
                    "regulator": {"type": "string"},
                    "languages": string_list,
                    "order": {"type": "integer"},
                    "default": {"type": "boolean"},
                    "summary": {"type": "string"},
                    "url": {"type": "string"},
                    "status": {"type": "string"},
                    "effective": date,
                    "reviewed": date,
                },
            },
            "authorities": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "domains"],
                    "properties": {"name": {"type": "string"}, "domains": string_list},
                },
            },
            "labels": {
                "type": "object",
                "properties": {
                    key: string_list
                    for key in ("accepted", "review", "add_accepted", "add_review", "remove", "hashtag_only")
                }
                | {
                    key: {"type": "array", "items": {"enum": [c for c in STATEMENT_CLASSES if c != "denial"]}}
                    for key in ("accepted_statements", "review_statements")
                },
            },
            "vocabulary": {"type": "object"},
            "statements": {"type": "object"},
            "signals": {"type": "object"},
            "platforms": {"type": "object"},
            "placement": {"type": "object"},
            "examples": {"type": "object"},
            "rules": {"type": "array", "items": rule},
            "cases": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "title", "authority", "decided", "url", "caption", "outcome"],
                },
            },
        },
    }


def reference_files(dirs: list[Path] | None = None) -> dict[str, str]:
    """Relative path under the repository -> the text it must hold."""
    dirs = dirs or default_dirs()
    files: dict[str, str] = {"docs/checks.md": checks_page()}
    index = [
        "# Rules",
        "",
        "Generated from the rule files (`python scripts/update_docs.py`); do not edit by hand.",
        "",
        "| Jurisdiction | Rules |",
        "| --- | --- |",
    ]
    for code in jurisdiction_codes(dirs):
        rs = load_ruleset(code, dirs)
        index.append(f"| [{_md(rs.name)}]({code}/index.md) | {len(rs.rules)} |")
        files[f"docs/rules/{code}/index.md"] = jurisdiction_index(rs)
        for rule in rs.rules:
            files[f"docs/rules/{code}/{rule.id}.md"] = rule_page(rs, rule)
    files["docs/rules/index.md"] = "\n".join(index) + "\n"
    files["compliance/schema/rulefile.schema.json"] = json.dumps(rulefile_schema(), indent=2, sort_keys=True) + "\n"
    return files
