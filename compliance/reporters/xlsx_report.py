"""An Excel workbook for legal teams: a Summary sheet, one sheet per jurisdiction, and the input
errors, each with a filter on the header, the header frozen and captions wrapped.

Cells are untrusted text opened in Excel: a value that Excel would read as a formula (starting
with = + - @, tab or carriage return) is stored as a string with the quote prefix (Excel's
leading apostrophe), never as a formula. The bytes are deterministic: fixed document
properties and zip timestamps, so the same report gives the same file. Needs openpyxl
(`pip install 'compliance[xlsx]'`).
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Mapping
from typing import Any, TextIO

import click

from compliance.model import STATUSES
from compliance.reporters.document import Report
from compliance.reporters.registry import REPORTERS
from compliance.reporters.views import STATUS_LABELS, ordered_verdicts, source_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FIXED_TIME = datetime.datetime(2000, 1, 1)  # documents carry no run time (deterministic output)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
COLUMNS = (
    ("Post", 18),
    ("Source", 28),
    ("Author", 18),
    ("Platform", 11),
    ("Posted", 20),
    ("Status", 13),
    ("Rules", 14),
    ("Findings", 60),
    ("Caption", 70),
)
CAPTION_COLUMN = "I"
MAX_CELL = 32_767  # Excel's limit on characters in a cell


class XlsxUnavailable(click.ClickException):
    """openpyxl is missing or the output cannot take bytes: a usage problem (exit 2)."""

    exit_code = 2


def require() -> None:
    """Fail before scanning, not after, when the extra is not installed."""
    _openpyxl()


def _openpyxl():
    try:
        import openpyxl
    except ImportError:
        raise XlsxUnavailable("--format xlsx needs openpyxl: pip install 'compliance[xlsx]'") from None
    return openpyxl


def put(ws, row: int, col: int, value: Any):
    """Write one cell; text Excel would read as a formula is stored as quoted text."""
    cell = ws.cell(row=row, column=col)
    if value is None:
        return cell
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        text = str(value)
        # Drop characters XML 1.0 cannot hold (openpyxl refuses them) and keep within Excel's limit.
        text = "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)
        text = text.replace("\ufffe", "").replace("\uffff", "")[:MAX_CELL]
        cell.value = text
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if text.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def _table(ws, header: list[str], rows: list[list[Any]], widths: list[int], wrap: set[int]) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    for col, name in enumerate(header, 1):
        put(ws, 1, col, name).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(col)].width = widths[col - 1]
    for r, row in enumerate(rows, 2):
        for col, value in enumerate(row, 1):
            cell = put(ws, r, col, value)
            if col in wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(1, len(rows) + 1)}"


def _sheet_title(code: str, used: set[str]) -> str:
    bad = set("[]:*?/\\")
    title = "".join("_" if ch in bad else ch for ch in code.upper())[:31] or "_"
    while title in used or title.lower() in ("summary", "input errors"):
        title = (title[:28] + "_") if len(title) < 31 else title[:30] + "_"
    used.add(title)
    return title


def workbook_bytes(report: Report) -> bytes:
    openpyxl = _openpyxl()
    data = report.data
    jurisdictions = list(data.get("jurisdictions") or [])
    posts = list(data.get("posts") or [])
    wb = openpyxl.Workbook()
    wb.properties.creator = "compliance"
    wb.properties.lastModifiedBy = "compliance"
    wb.properties.title = "Advertising disclosure report"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME

    summary = wb.active
    summary.title = "Summary"
    rulesets = data.get("rulesets") or {}
    by_j = (data.get("summary") or {}).get("by_jurisdiction") or {}
    rows = []
    for code in jurisdictions:
        meta = rulesets.get(code) or {}
        counts = by_j.get(code) or {}
        rows.append([code, meta.get("name"), meta.get("version")] + [counts.get(s, 0) for s in STATUSES])
    header = ["Jurisdiction", "Rule set", "Version"] + [STATUS_LABELS[s] for s in STATUSES]
    _table(summary, header, rows, [13, 40, 12] + [14] * len(STATUSES), set())
    tail = len(rows) + 3
    tool = data.get("tool") or {}
    facts = [
        ("Posts", (data.get("summary") or {}).get("posts", len(posts))),
        ("Input errors", (data.get("summary") or {}).get("errors", 0)),
        ("Inputs", "\n".join(str(i) for i in data.get("inputs") or [])),
        ("Tool", f"{tool.get('name', 'compliance')} {tool.get('version', '')}".strip()),
    ]
    if data.get("resolved"):
        facts.append(("Resolved violations", len(data["resolved"])))
    for i, (name, value) in enumerate(facts):
        put(summary, tail + i, 1, name)
        put(summary, tail + i, 2, value)

    used: set[str] = set()
    for code in jurisdictions:
        ws = wb.create_sheet(_sheet_title(code, used))
        rows = []
        for post in posts:
            if post.get("error"):
                continue
            verdict = dict(ordered_verdicts(post, jurisdictions)).get(code)
            if verdict is None:
                continue
            findings = verdict.get("findings") or []
            rules = "; ".join(dict.fromkeys(str(f.get("rule") or "") for f in findings))
            messages = "\n".join(f"{f.get('rule') or ''}: {f.get('message') or ''}" for f in findings)
            rows.append(
                [
                    post.get("id"),
                    source_text(post.get("source")),
                    post.get("author"),
                    post.get("platform"),
                    post.get("posted_at"),
                    STATUS_LABELS.get(str(verdict.get("status")), verdict.get("status")),
                    rules,
                    messages,
                    post.get("caption"),
                ]
            )
        _table(ws, [c[0] for c in COLUMNS], rows, [c[1] for c in COLUMNS], {8, 9})

    errors = [p for p in posts if p.get("error")]
    if errors:
        ws = wb.create_sheet("Input errors")
        rows = [[p.get("id"), source_text(p.get("source")), p.get("error")] for p in errors]
        _table(ws, ["Post", "Source", "Error"], rows, [18, 30, 90], {3})
    return _deterministic_zip(wb)


def _deterministic_zip(wb) -> bytes:
    """Save without openpyxl's `modified = now`, then re-pack with fixed zip timestamps."""
    from openpyxl.writer.excel import ExcelWriter

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


@REPORTERS.register("xlsx")
def render(report: Report, out: TextIO, options: Mapping[str, Any]) -> None:
    """The workbook goes to the binary buffer under the text stream (a file or stdout)."""
    isatty = getattr(out, "isatty", None)
    if callable(isatty) and isatty():
        raise XlsxUnavailable("--format xlsx writes a binary file: give -o FILE.xlsx or redirect the output")
    payload = workbook_bytes(report)
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        if isinstance(out, io.BytesIO):
            out.write(payload)
            return
        raise XlsxUnavailable("--format xlsx writes bytes: give -o FILE.xlsx")
    out.flush()
    buffer.write(payload)
    buffer.flush()
