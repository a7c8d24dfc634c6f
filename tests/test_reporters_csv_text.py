"""CSV (one row per post and jurisdiction, formula-safe) and the terminal text summary."""

from __future__ import annotations

import csv
import io
import re

import pytest

from compliance.reporters.csv_report import COLUMNS, cell
from compliance.reporters.document import report_from_posts
from compliance.reporters.registry import REPORTERS
from compliance.reporters.text_report import clean, render_text
from tests.test_reporters_html import (
    JURISDICTIONS,
    RULESETS,
    XSS_AUTHOR,
    all_status,
    finding,
    post,
    sample_report,
    signal,
    verdict,
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def render(fmt: str, report, options=None, out=None) -> str:
    out = out if out is not None else io.StringIO()
    REPORTERS.get(fmt)(report, out, options or {})
    return out.getvalue()


def csv_rows(report) -> list[dict[str, str]]:
    text = render("csv", report)
    return list(csv.DictReader(io.StringIO(text, newline="")))


# ---- CSV -------------------------------------------------------------------------------------


def test_csv_one_row_per_post_and_jurisdiction_one_per_error():
    report = sample_report()
    rows = csv_rows(report)
    assert list(rows[0]) == list(COLUMNS)
    judged = [p for p in report.posts if not p["error"]]
    assert len(rows) == len(judged) * len(JURISDICTIONS) + 1
    keys = [(r["id"], r["jurisdiction"]) for r in rows if r["status"] != "error"]
    assert keys == [(p["id"], j) for p in judged for j in JURISDICTIONS]
    error_rows = [r for r in rows if r["status"] == "error"]
    assert error_rows == [
        {
            "id": "",
            "source": "campaign-spring.jsonl, line 6",
            "author": "",
            "platform": "",
            "jurisdiction": "",
            "status": "error",
            "rules": "",
            "messages": "",
            "error": "line 6: invalid JSON: Expecting ',' delimiter at column 41",
            "waived": "",
        }
    ]


def test_csv_cells_carry_status_rules_and_messages():
    rows = {(r["id"], r["jurisdiction"]): r for r in csv_rows(sample_report())}
    r = rows[("ig-1001", "us")]
    assert (r["source"], r["author"], r["platform"], r["status"]) == (
        "campaign-spring.jsonl, line 1",
        "'@maya.lifts",
        "instagram",
        "violation",
    )
    assert r["rules"] == "FTC-002"
    assert (
        r["messages"]
        == "FTC-002: \u201c#sp\u201d is not a clear disclosure; use \u201c#ad\u201d or \u201cSponsored\u201d."
    )
    assert rows[("ig-1003", "uk")]["status"] == "review"
    assert rows[("ig-1003", "us")]["rules"] == "" and rows[("ig-1003", "us")]["status"] == "compliant"
    assert rows[("ig-1008", "us")]["author"] == XSS_AUTHOR  # text, untouched: not a formula


def test_csv_rules_joined_messages_one_per_line():
    c = "Love @glowlyskin"
    p = post(
        "m1",
        c,
        1,
        verdicts={
            "us": verdict(
                "violation",
                finding(c, "us", "FTC-001", "No disclosure.", "@glowlyskin"),
                finding(c, "us", "FTC-003", "Label below the fold."),
                finding(c, "us", "FTC-001", "No disclosure, again.", "Love"),
            )
        },
    )
    (row,) = csv_rows(report_from_posts([p], ["us"], RULESETS, ["x"]))
    assert row["rules"] == "FTC-001; FTC-003"
    assert row["messages"].split("\n") == [
        "FTC-001: No disclosure.",
        "FTC-003: Label below the fold.",
        "FTC-001: No disclosure, again.",
    ]


@pytest.mark.parametrize(
    "value, expected",
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1-2", "'+1-2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("ok=1", "ok=1"),
        (" =1", " =1"),
        ("", ""),
        (None, ""),
        (3, "3"),
    ],
)
def test_formula_cells_get_an_apostrophe(value, expected):
    assert cell(value) == expected


def test_csv_neutralises_formulas_in_every_column_and_round_trips():
    c = "=cmd|' /C calc'!A0 caption"
    p = post(
        "=1+1",
        c,
        2,
        author="+SUM(1)",
        platform="-x",
        verdicts={
            "us": verdict(
                "violation",
                {
                    "rule": "@R",
                    "name": "n",
                    "severity": "error",
                    "message": '=HYPERLINK("http://evil")',
                    "start": None,
                    "end": None,
                    "text": None,
                    "citation": {"source": "s", "url": "https://x"},
                    "fix": None,
                },
            )
        },
        file="@file.jsonl",
    )
    text = render("csv", report_from_posts([p], ["us"], {}, ["x"]))
    (row,) = list(csv.DictReader(io.StringIO(text, newline="")))
    assert row == {
        "id": "'=1+1",
        "source": "'@file.jsonl, line 2",
        "author": "'+SUM(1)",
        "platform": "'-x",
        "jurisdiction": "us",
        "status": "violation",
        "rules": "'@R",
        "messages": '\'@R: =HYPERLINK("http://evil")',
        "error": "",
        "waived": "",
    }
    for line in text.splitlines()[1:]:
        for value in next(csv.reader([line])):
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_csv_is_deterministic_with_crlf_rows():
    first = render("csv", sample_report())
    assert first == render("csv", sample_report())
    assert first.startswith(",".join(COLUMNS) + "\r\n")


# ---- text --------------------------------------------------------------------------------------


def test_text_counts_per_jurisdiction_match_summary():
    report = sample_report()
    out = render("text", report)
    assert not ANSI.search(out)  # a StringIO is not a terminal
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("jurisdiction"))
    assert lines[header].split() == ["jurisdiction", "violation", "review", "compliant", "clear"]
    table = {line.split()[0]: [int(n) for n in line.split()[1:]] for line in lines[header + 1 : header + 5]}
    summary = report.data["summary"]["by_jurisdiction"]
    assert table == {j: [summary[j][s] for s in ("violation", "review", "compliant", "clear")] for j in JURISDICTIONS}
    assert "compliance 0.1.0: 9 posts from campaign-spring.jsonl; 1 input error" in out
    assert "  us   United States \u00b7 FTC \u00b7 v2024.1" in out


def test_text_lists_each_post_needing_action_with_rule_message_and_quote():
    out = render("text", sample_report())
    assert "Posts needing action: 6" in out
    blocks = out.split("\n\n")
    heads = [b.splitlines()[0].split("  ")[0] for b in blocks if b.startswith(("ig-", "tt-", "(no id)"))]
    assert heads == ["ig-1001", "ig-1002", "ig-1003", "tt-2001", "(no id)", "ig-1008"]
    first = next(b for b in blocks if b.startswith("ig-1001"))
    assert first.splitlines()[0] == "ig-1001  violation  campaign-spring.jsonl, line 1  @maya.lifts  instagram"
    assert (
        "  us   violation\n"
        "       FTC-002  \u201c#sp\u201d is not a clear disclosure; use \u201c#ad\u201d or \u201cSponsored\u201d.\n"
        "         at \u201c#sp\u201d"
    ) in first
    assert "       DE-001  No \u201cWerbung\u201d or \u201cAnzeige\u201d label.\n  fr" in first  # no quote: post-level
    error = next(b for b in blocks if b.startswith("(no id)"))
    assert error == (
        "(no id)  input error  campaign-spring.jsonl, line 6\n"
        "  error: line 6: invalid JSON: Expecting ',' delimiter at column 41"
    )
    for compliant_or_clear in ("ig-1004", "ig-1007", "ig-1009"):
        assert compliant_or_clear not in out
    assert "needs review" in next(b for b in blocks if b.startswith("ig-1003"))


def test_text_escapes_terminal_control_and_bidi_characters():
    c = "Hi\x1b[2J\x1b]0;pwned\x07 @glowlyskin\r\u202eevil\nline two"
    p = post(
        "p\x1b[31m",
        c,
        1,
        author="a\u2066b",
        verdicts={
            "us": verdict("violation", finding(c, "us", "FTC-001", "No label\x1b[0m.", "@glowlyskin\r\u202eevil"))
        },
    )
    out = render("text", report_from_posts([p], ["us"], {}, ["x"]))
    assert "\x1b" not in out and "\r" not in out and "\u202e" not in out and "\x07" not in out
    assert "p\\x1b[31m  violation" in out
    assert "a\\u2066b" in out
    assert "caption: \u201cHi\\x1b[2J\\x1b]0;pwned\\x07 @glowlyskin\\r\\u202eevil\\nline two\u201d" in out
    assert "at \u201c@glowlyskin\\r\\u202eevil\u201d" in out
    assert clean("tab\there") == "tab\\there"


def test_text_colour_only_on_a_terminal_or_when_forced():
    report = sample_report()

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    on_tty = render("text", report, out=Terminal())
    forced = render("text", report, {"color": True})
    assert ANSI.search(on_tty) and on_tty == forced
    assert "\x1b[31m\x1b[1mviolation" in forced
    assert not ANSI.search(render("text", report, {"color": False}, out=Terminal()))
    assert ANSI.sub("", forced) == render("text", report)


def test_text_is_stable_and_says_when_nothing_needs_action():
    report = report_from_posts(
        [post("a", "just coffee", 1, verdicts=all_status("clear"))], JURISDICTIONS, RULESETS, ["calm.jsonl"]
    )
    out = render("text", report)
    assert out == render("text", report)
    assert out.rstrip().endswith("No posts need action.")
    assert not re.search(r"\d\d:\d\d", out)
    with_options = render_text(report, {"title": "Spring", "generated_at": "3 March 2025"})
    assert with_options.splitlines()[:2] == ["Spring", "Generated: 3 March 2025"]


def test_text_long_quotes_are_shortened():
    c = "x" * 200 + " @glowlyskin"
    p = post(
        "long",
        c,
        1,
        signals=[signal(c, "brand", "@glowlyskin")],
        verdicts={"us": verdict("violation", finding(c, "us", "FTC-001", "m", c))},
    )
    out = render("text", report_from_posts([p], ["us"], {}, ["x"]))
    quoted = re.search(r"at \u201c(.*?)\u201d", out).group(1)
    assert len(quoted) == 80 and quoted.endswith("\u2026")
