"""SARIF 2.1.0, for caption drafts kept in a repository: code-scanning tools show each finding
on the line it is about.

Where a finding points depends on the input: a draft file holding one caption (`check FILE`,
`check --files`) has no line of its own in the report, so the finding's caption offsets become
line and column in that file; a post read from a JSONL line or CSV row points at that line or
row. Columns count Unicode code points (the run says so in `columnKind`). Input errors are tool
notifications, not results: they are about the input, not a rule. The output is deterministic.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, TextIO
from urllib.parse import quote

from compliance.reporters.document import Report
from compliance.reporters.registry import REPORTERS
from compliance.reporters.views import ordered_verdicts

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in code points) of a character offset; CRLF counts as one break."""
    offset = max(0, min(offset, len(text)))
    before = text[:offset]
    line = before.count("\n") + 1
    start = before.rfind("\n") + 1
    return line, offset - start + 1


def finding_place(post: Mapping[str, Any], finding: Mapping[str, Any]) -> dict[str, int]:
    """Where in its source file a finding is: startLine (+ columns when the file is the caption)."""
    source = post.get("source") or {}
    for key in ("line", "row"):
        if isinstance(source.get(key), int):
            return {"startLine": source[key]}
    caption = post.get("caption") or ""
    start, end = finding.get("start"), finding.get("end")
    if not isinstance(start, int) or not isinstance(end, int):
        return {"startLine": 1}
    line, col = line_col(caption, start)
    end_line, end_col = line_col(caption, max(end, start))
    place = {"startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col}
    if end_line != line or end_col <= col:  # a multi-line or empty span: mark the start only
        place = {"startLine": line, "startColumn": col}
    return place


def source_uri(source: Mapping[str, Any] | None) -> str:
    """The input file as a relative URI reference (`<stdin>` and friends are percent-encoded)."""
    source = source or {}
    path = str(source.get("file") or "")
    if source.get("member"):
        path = f"{path}/{source['member']}"
    return quote(path.replace("\\", "/"), safe="/._-~")


def _findings(report: Report) -> Iterator[tuple[Mapping, str, Mapping]]:
    jurisdictions = list(report.data.get("jurisdictions") or [])
    for post in report.data.get("posts") or []:
        if post.get("error"):
            continue
        for code, verdict in ordered_verdicts(post, jurisdictions):
            for finding in verdict.get("findings") or []:
                yield post, code, finding


def sarif_log(report: Report) -> dict[str, Any]:
    """The SARIF log as plain data."""
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for post, code, finding in _findings(report):
        rule_id = str(finding.get("rule") or "")
        if rule_id not in rules:
            cite = finding.get("citation") or {}
            rule = {
                "id": rule_id,
                "name": str(finding.get("name") or rule_id),
                "shortDescription": {"text": str(finding.get("name") or rule_id)},
                "properties": {"jurisdiction": code},
            }
            if cite.get("url"):
                rule["helpUri"] = str(cite["url"])
            if cite.get("source"):
                rule["help"] = {"text": str(cite["source"])}
            rules[rule_id] = rule
        message = str(finding.get("message") or "")
        if finding.get("fix"):
            message += f" Fix: {finding['fix']}"
        result: dict[str, Any] = {
            "ruleId": rule_id,
            "level": LEVELS.get(str(finding.get("severity")), "warning"),
            "message": {"text": f"[{code}] {message}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": source_uri(post.get("source"))},
                        "region": finding_place(post, finding),
                    },
                    "logicalLocations": [{"name": str(post.get("id") or ""), "kind": "object"}],
                }
            ],
            "partialFingerprints": {"postRuleJurisdiction/v1": f"{post.get('id')}|{rule_id}|{code}"},
            "properties": {"jurisdiction": code, "postId": post.get("id"), "confidence": finding.get("confidence")},
        }
        if finding.get("text") is not None:
            result["locations"][0]["physicalLocation"]["region"]["snippet"] = {"text": str(finding["text"])}
        results.append(result)
    ordered_rules = sorted(rules)
    index = {rule_id: i for i, rule_id in enumerate(ordered_rules)}
    for result in results:
        result["ruleIndex"] = index[result["ruleId"]]
    notifications = [
        {
            "level": "error",
            "message": {"text": str(post.get("error"))},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": source_uri(post.get("source"))},
                        **({"region": {"startLine": post["source"][k]}} if (k := _place_key(post)) else {}),
                    }
                }
            ],
        }
        for post in report.data.get("posts") or []
        if post.get("error")
    ]
    tool = report.data.get("tool") or {}
    run = {
        "tool": {
            "driver": {
                "name": str(tool.get("name") or "compliance"),
                "version": str(tool.get("version") or ""),
                "rules": [rules[r] for r in ordered_rules],
            }
        },
        "columnKind": "unicodeCodePoints",
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "results": results,
        "properties": {"jurisdictions": list(report.data.get("jurisdictions") or [])},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _place_key(post: Mapping[str, Any]) -> str | None:
    source = post.get("source") or {}
    for key in ("line", "row"):
        if isinstance(source.get(key), int):
            return key
    return None


@REPORTERS.register("sarif")
def render(report: Report, out: TextIO, options: Mapping[str, Any]) -> None:
    out.write(json.dumps(sarif_log(report), ensure_ascii=False, sort_keys=True, indent=2))
    out.write("\n")
