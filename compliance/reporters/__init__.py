"""Reporters, registered by name: `--format` choices come from this table.

A reporter is `render(report, out, options)`: it writes the report to the text stream `out`
and never sees the engine. Modules are imported here explicitly so registration is visible.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, TextIO

from compliance.registry import Registry
from compliance.reporters.document import Report

Reporter = Callable[[Report, TextIO, Mapping[str, Any]], None]
REPORTERS: Registry[Reporter] = Registry("output format")

from compliance.reporters import csv_report, html_report, json_report, jsonl_report, text_report  # noqa: E402,F401
