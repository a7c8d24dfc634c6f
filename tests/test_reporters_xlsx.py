"""--format xlsx: Summary + one sheet per jurisdiction, filters, frozen header, wrapped captions,
formula injection neutralised, identical bytes for the same report."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from compliance.reporters.document import report_from_posts
from compliance.reporters.registry import REPORTERS
from compliance.reporters.xlsx_report import XlsxUnavailable, workbook_bytes
from tests.test_reporters_html import JURISDICTIONS, RULESETS, all_status, finding, post, sample_report, verdict

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+2", "-3", "@SUM(A1)", "\tTAB", "\rCR"]


def load(report):
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes(report)))


def test_summary_and_one_sheet_per_jurisdiction_with_counts():
    report = sample_report()
    wb = load(report)
    assert wb.sheetnames == ["Summary"] + [j.upper() for j in JURISDICTIONS] + ["Input errors"]
    summary = wb["Summary"]
    by_j = report.data["summary"]["by_jurisdiction"]
    for row in summary.iter_rows(min_row=2, max_row=1 + len(JURISDICTIONS), values_only=True):
        code = row[0]
        assert list(row[3:7]) == [by_j[code][s] for s in ("violation", "review", "compliant", "clear")]
    judged = [p for p in report.posts if not p["error"]]
    for code in JURISDICTIONS:
        ws = wb[code.upper()]
        ids = [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
        assert ids == [p["id"] for p in judged]
    errors = [r for r in wb["Input errors"].iter_rows(min_row=2, values_only=True)]
    assert [e[2] for e in errors] == [p["error"] for p in report.posts if p["error"]]


def test_filter_frozen_header_and_wrapped_captions():
    wb = load(sample_report())
    ws = wb["US"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:I{ws.max_row}"
    assert ws["I1"].value == "Caption"
    assert all(ws.cell(row=r, column=9).alignment.wrap_text for r in range(2, ws.max_row + 1))
    assert ws["A1"].font.b


def test_formula_injection_is_stored_as_quoted_text():
    posts = []
    for i, text in enumerate(HOSTILE):
        c = f"{text} #sp"
        posts.append(
            post(
                text,
                c,
                i + 1,
                author=text,
                verdicts={
                    "us": verdict("violation", finding(c, "us", "FTC-002", text, text="#sp")),
                    "uk": verdict("clear"),
                    "de": verdict("clear"),
                    "fr": verdict("clear"),
                },
            )
        )
    data = workbook_bytes(report_from_posts(posts, JURISDICTIONS, RULESETS, ["=in.jsonl"]))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode("utf-8")
    ws = openpyxl.load_workbook(io.BytesIO(data))["US"]
    for r, text in enumerate(HOSTILE, 2):
        for col in (1, 3):  # id, author
            cell = ws.cell(row=r, column=col)
            assert cell.data_type == "s"
            assert cell.quotePrefix is True
        assert ws.cell(row=r, column=1).value == text.replace("\r", "\n")  # XML reads CR as LF
    plain = ws.cell(row=2, column=4)  # platform "instagram": no prefix
    assert plain.value == "instagram" and not plain.quotePrefix


def test_same_report_same_bytes_and_fixed_properties():
    assert workbook_bytes(sample_report()) == workbook_bytes(sample_report())
    wb = load(sample_report())
    assert wb.properties.creator == "compliance"
    assert wb.properties.created.year == 2000 and wb.properties.modified.year == 2000


def test_control_characters_do_not_break_the_workbook():
    c = "bad \x00\x07 chars #sp"
    p = post("x1", c, 1, verdicts=all_status("clear"))
    wb = load(report_from_posts([p], JURISDICTIONS, RULESETS, ["in.jsonl"]))
    assert wb["US"]["I2"].value == "bad  chars #sp"


def test_needs_a_binary_stream():
    with pytest.raises(XlsxUnavailable):
        REPORTERS.get("xlsx")(sample_report(), io.StringIO(), {})


def test_scan_writes_a_workbook(tmp_path):
    out = tmp_path / "r.xlsx"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "compliance",
            "scan",
            "fixtures/posts/campaign.jsonl",
            "--format",
            "xlsx",
            "-o",
            str(out),
            "--jobs",
            "1",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode in (0, 1), run.stderr
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:5] == ["Summary", "US", "UK", "DE", "FR"]


def test_missing_openpyxl_names_the_extra(tmp_path):
    blocker = tmp_path / "openpyxl.py"
    blocker.write_text("raise ImportError('blocked for the test')\n")
    import os

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "compliance",
            "scan",
            "fixtures/posts/campaign.jsonl",
            "--format",
            "xlsx",
            "-o",
            str(tmp_path / "r.xlsx"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert run.returncode == 2
    assert "pip install 'compliance[xlsx]'" in run.stderr
