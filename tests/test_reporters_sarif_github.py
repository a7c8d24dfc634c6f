"""SARIF 2.1.0 (validated against the OASIS schema) and GitHub workflow-command annotations."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from compliance.reporters.document import report_from_posts
from compliance.reporters.github_report import escape_data, escape_property
from compliance.reporters.registry import REPORTERS
from compliance.reporters.sarif_report import line_col
from tests.test_reporters_html import JURISDICTIONS, RULESETS, finding, post, sample_report, verdict

ROOT = Path(__file__).resolve().parent.parent
SARIF_SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def render(fmt: str, report) -> str:
    out = io.StringIO()
    REPORTERS.get(fmt)(report, out, {})
    return out.getvalue()


def validate_sarif(log: dict) -> None:
    jsonschema.Draft4Validator.check_schema(SARIF_SCHEMA)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)


def test_schema_copy_is_the_official_one():
    assert SARIF_SCHEMA["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert SARIF_SCHEMA["properties"]["version"]["enum"] == ["2.1.0"]


def test_sample_report_is_valid_sarif_with_one_result_per_finding():
    report = sample_report()
    log = json.loads(render("sarif", report))
    validate_sarif(log)
    findings = [
        (p["id"], j, f["rule"])
        for p in report.posts
        if not p["error"]
        for j, v in p["verdicts"].items()
        for f in v["findings"]
    ]
    results = log["runs"][0]["results"]
    assert sorted((r["properties"]["postId"], r["properties"]["jurisdiction"], r["ruleId"]) for r in results) == sorted(
        findings
    )
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({f[2] for f in findings})
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    errors = [p for p in report.posts if p["error"]]
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == [p["error"] for p in errors]


def test_invalid_sarif_is_rejected_by_the_schema():
    """The validation is real: a wrong level fails it."""
    log = json.loads(render("sarif", sample_report()))
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(log)


def test_sarif_is_deterministic():
    assert render("sarif", sample_report()) == render("sarif", sample_report())


def test_levels_follow_severity_and_jsonl_posts_point_at_their_line():
    c = "Love @glowlyskin #sp"
    p = post(
        "ig-9",
        c,
        7,
        verdicts={
            "us": verdict("violation", finding(c, "us", "FTC-002", "vague", text="#sp")),
            "uk": verdict("review", finding(c, "uk", "ASA-002", "check", text="#sp", severity="warning")),
            "de": verdict("clear"),
            "fr": verdict("clear"),
        },
    )
    log = json.loads(render("sarif", report_from_posts([p], JURISDICTIONS, RULESETS, ["x.jsonl"])))
    validate_sarif(log)
    levels = {r["ruleId"]: r["level"] for r in log["runs"][0]["results"]}
    assert levels == {"FTC-002": "error", "ASA-002": "warning"}
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 7 and "startColumn" not in region


def test_line_col_counts_code_points_and_lines():
    assert line_col("ab\ncd", 0) == (1, 1)
    assert line_col("ab\ncd", 4) == (2, 2)
    assert line_col("é🙂x", 2) == (1, 3)


def test_check_draft_files_give_line_and_column(tmp_path):
    draft = tmp_path / "drafts" / "spring post.txt"
    draft.parent.mkdir()
    draft.write_text("Loving my @glowlyskin serum\nso good #sp\n", encoding="utf-8")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "compliance",
            "check",
            "--files",
            str(draft),
            "-j",
            "us",
            "--brand",
            "@glowlyskin",
            "--format",
            "sarif",
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1, run.stderr
    log = json.loads(run.stdout)
    validate_sarif(log)
    [result] = [r for r in log["runs"][0]["results"] if r["ruleId"] == "FTC-002"]
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].endswith("drafts/spring%20post.txt")
    assert (loc["region"]["startLine"], loc["region"]["startColumn"], loc["region"]["endColumn"]) == (2, 9, 12)
    assert loc["region"]["snippet"]["text"] == "#sp"

    gh = subprocess.run(
        [
            sys.executable,
            "-m",
            "compliance",
            "check",
            "--files",
            str(draft),
            "-j",
            "us",
            "--brand",
            "@glowlyskin",
            "--format",
            "github",
        ],
        capture_output=True,
        text=True,
    )
    assert gh.returncode == 1
    [line] = [ln for ln in gh.stdout.splitlines() if "FTC-002" in ln]
    assert line.startswith(f"::error file={escape_property(str(draft))},line=2,col=9,endLine=2,endColumn=12,")


# ---- GitHub annotations ------------------------------------------------------------------------


def test_escaping_follows_the_runner_rules():
    assert escape_data("50% off\r\nnext") == "50%25 off%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_one_annotation_per_finding_and_per_input_error():
    report = sample_report()
    lines = render("github", report).splitlines()
    findings = sum(len(v["findings"]) for p in report.posts if not p["error"] for v in p["verdicts"].values())
    errors = sum(1 for p in report.posts if p["error"])
    assert len(lines) == findings + errors
    assert all(re.match(r"^::(error|warning|notice) file=[^:]*(,[a-zA-Z]+=[^,:]*)*::", ln) for ln in lines)


def test_hostile_caption_cannot_inject_a_command():
    c = "Great stuff #sp\n::set-env name=X::1\r\n%0A"
    p = post(
        "ig,1:x",
        c,
        1,
        verdicts={
            "us": verdict("violation", finding(c, "us", "FTC-002", "bad\n::add-mask::secret", text="#sp")),
            "uk": verdict("clear"),
            "de": verdict("clear"),
            "fr": verdict("clear"),
        },
    )
    p["source"]["file"] = "evil,file:name.jsonl"
    out = render("github", report_from_posts([p], JURISDICTIONS, RULESETS, ["x"]))
    lines = out.splitlines()
    assert len(lines) == 1
    assert "\r" not in out
    assert "file=evil%2Cfile%3Aname.jsonl," in lines[0]
    assert "(post ig%2C1%3Ax)" in lines[0]
    assert "bad%0A::add-mask::secret" in lines[0]
