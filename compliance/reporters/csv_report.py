"""CSV for spreadsheets: one row per post and jurisdiction, one row per input error.

Cells are untrusted text opened in Excel or Sheets, so any cell a spreadsheet would read as
a formula (starting with = + - @, tab or carriage return) gets a leading apostrophe.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from typing import Any, TextIO

from compliance.reporters.document import Report
from compliance.reporters.registry import REPORTERS
from compliance.reporters.views import ordered_verdicts, source_text

COLUMNS = ("id", "source", "author", "platform", "jurisdiction", "status", "rules", "messages", "error", "waived")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """Text for one cell, neutralised against formula injection."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def rows(report: Report):
    """The table as lists of plain strings, header first."""
    yield list(COLUMNS)
    jurisdictions = list(report.data.get("jurisdictions") or [])
    for post in report.data.get("posts") or []:
        base = [post.get("id"), source_text(post.get("source")), post.get("author"), post.get("platform")]
        verdicts = ordered_verdicts(post, jurisdictions)
        if post.get("error") or not verdicts:
            yield base + ["", "error" if post.get("error") else "", "", "", post.get("error"), ""]
            continue
        for code, verdict in verdicts:
            findings = verdict.get("findings") or []
            rules = "; ".join(dict.fromkeys(str(f.get("rule") or "") for f in findings))
            messages = "\n".join(f"{f.get('rule') or ''}: {f.get('message') or ''}" for f in findings)
            waived = "\n".join(
                f"{w.get('rule') or ''}: {(w.get('waiver') or {}).get('reason') or 'accepted exception'}"
                for w in verdict.get("waived") or ()
            )
            yield base + [code, verdict.get("status"), rules, messages, "", waived]


@REPORTERS.register("csv")
def render(report: Report, out: TextIO, options: Mapping[str, Any]) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows(report):
        writer.writerow([cell(value) for value in row])
