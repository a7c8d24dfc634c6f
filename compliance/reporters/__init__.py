"""Reporters, registered by name: `--format` choices come from this table.

A reporter is `render(report, out, options)`: it writes the report to the text stream `out`
and never sees the engine. Modules are imported here explicitly so registration is visible.
"""

from __future__ import annotations

from compliance.reporters import (
    csv_report,
    github_report,
    html_report,
    json_report,
    jsonl_report,
    sarif_report,
    text_report,
    xlsx_report,
)
from compliance.reporters.registry import REPORTERS, Reporter

__all__ = [
    "REPORTERS",
    "Reporter",
    "csv_report",
    "github_report",
    "html_report",
    "json_report",
    "jsonl_report",
    "sarif_report",
    "text_report",
    "xlsx_report",
]
