"""`compliance check` (the short human answer), `compliance fix` (only the corrected caption),
start-up laziness, and the pre-commit hook that runs `check --files` over caption drafts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import regex
from click.testing import CliRunner

from compliance.cli.commands import main
from compliance.judging.scanner import Scanner
from compliance.model import Post, Source
from compliance.reporters.document import build_report
from compliance.reporters.terminal import cells, marked_lines

ROOT = Path(__file__).resolve().parent.parent
SP = "Loving my @glowlyskin serum #sp"


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def caret_under(output: str, caption_line: str) -> tuple[int, int]:
    """(column, width) of the caret run printed under `caption_line` (both indented alike)."""
    lines = output.splitlines()
    i = next(k for k, line in enumerate(lines) if line.strip() == caption_line)
    carets = lines[i + 1]
    m = regex.search(r"\^+", carets)
    indent = len(lines[i]) - len(lines[i].lstrip())
    return m.start() - indent, len(m.group())


# ------------------------------------------------------------------------------- check: the answer


def test_check_names_each_verdict_marks_the_text_and_says_why_with_the_regulator():
    result = run("check", SP, "-j", "us", "-j", "de", "--brand", "@glowlyskin")
    assert result.exit_code == 1
    out = result.stdout
    assert regex.search(r"^us\s+VIOLATION\s+United States \(FTC\)$", out, flags=regex.M)
    assert regex.search(r"^de\s+VIOLATION\s+Germany", out, flags=regex.M)
    # The caption line with carets exactly under "#sp", once per jurisdiction.
    assert caret_under(out, SP) == (SP.index("#sp"), 3)
    assert out.count("^^^") == 2
    assert 'Problem (FTC-002 ambiguous-label): "#sp" is vague' in out
    assert "Why (FTC): Abbreviations and thanks do not tell followers the post is an advertisement." in out
    assert "Why (die medienanstalten): Advertising must be recognisable at first glance" in out
    assert "Problem (DE-003 unclear-label)" in out
    # And the corrected caption, as `fix` would print it.
    assert "Corrected caption:\n    Werbung | #ad Loving my @glowlyskin serum #sp" in out


def test_check_a_compliant_and_a_clear_caption_exit_0():
    ok = run("check", "#ad Loving my @glowlyskin serum", "-j", "us", "--brand", "@glowlyskin")
    assert ok.exit_code == 0
    assert regex.search(r"^us\s+COMPLIANT", ok.stdout, flags=regex.M)
    assert "^" not in ok.stdout and "Corrected caption" not in ok.stdout
    clear = run("check", "Rainy Sunday, soup and a book.", "-j", "uk")
    assert clear.exit_code == 0
    assert regex.search(r"^uk\s+CLEAR", clear.stdout, flags=regex.M)


def test_check_review_only_is_not_a_violation():
    result = run("check", "#ad Mein neues Fahrrad von @peakfit", "-j", "de", "--brand", "@peakfit")
    assert result.exit_code == 0
    assert regex.search(r"^de\s+REVIEW", result.stdout, flags=regex.M)
    assert "Check (DE-005 english-label)" in result.stdout
    assert "Werbung | #ad Mein neues Fahrrad von @peakfit" in result.stdout


def test_check_points_at_the_commercial_signal_when_there_is_no_label():
    caption = "Use code LENA15 for 15% off Glowly"
    result = run("check", caption, "-j", "uk", "--brand", "Glowly")
    assert result.exit_code == 1
    col, width = caret_under(result.stdout, caption)
    assert caption[col : col + width] in ("Glowly", "LENA15", "code LENA15")
    assert "ASA-001 missing-disclosure" in result.stdout
    assert "Why (ASA and CMA):" in result.stdout


def test_carets_line_up_under_wide_characters():
    caption = "日本語のキャプション ☕ @glowlyskin #sp"
    result = run("check", caption, "-j", "us", "--brand", "@glowlyskin")
    col, width = caret_under(result.stdout, caption)
    assert col == cells(caption[: caption.index("#sp")])
    assert col > caption.index("#sp")  # wide characters take two cells
    assert width == 3


def test_a_long_caption_is_cut_around_the_problem():
    caption = (
        "Spent the whole weekend testing routes along the coast and honestly the light at golden hour "
        "was unreal. Packed everything in my PeakFit bag. #travel #coast #ad #weekend #explore"
    )
    ((line, carets),) = marked_lines(caption, caption.index("#ad"), caption.index("#ad") + 3)
    assert line.startswith("…") and "#ad" in line and cells(line) <= 80
    assert line[carets.index("^") : carets.index("^") + 3] == "#ad"


def test_terminal_control_characters_in_a_caption_are_shown_escaped():
    caption = "Loving my @glowlyskin \x1b[2J\x1b[31mserum\u202e #sp"
    result = run("check", caption, "-j", "us", "--brand", "@glowlyskin")
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "\\x1b[2J\\x1b[31mserum\\u202e #sp" in result.stdout
    shown = "Loving my @glowlyskin \\x1b[2J\\x1b[31mserum\\u202e #sp"
    assert caret_under(result.stdout, shown) == (shown.index("#sp"), 3)


def test_check_json_is_the_post_record_of_a_scan_report():
    result = run("check", SP, "-j", "us", "-j", "de", "--brand", "@glowlyskin", "--format", "json")
    assert result.exit_code == 1
    record = json.loads(result.stdout)
    scanner = Scanner(["us", "de"], brands=["@glowlyskin"])
    post = Post(id="caption", caption=SP, source=Source("<argument>"))
    expected = build_report(
        [scanner.judge_record(post)], scanner.jurisdictions, scanner.ruleset_meta(), ["<argument>"]
    ).posts[0]
    assert record == expected
    assert (
        SP[record["verdicts"]["us"]["findings"][0]["start"] : record["verdicts"]["us"]["findings"][0]["end"]] == "#sp"
    )
    # Byte-identical on a second run.
    again = run("check", SP, "-j", "us", "-j", "de", "--brand", "@glowlyskin", "--format", "json")
    assert again.stdout == result.stdout


def test_check_json_matches_what_scan_says_about_the_same_caption(tmp_path):
    posts = tmp_path / "posts.jsonl"
    posts.write_text(json.dumps({"id": "caption", "caption": SP}) + "\n", encoding="utf-8")
    scan = run("scan", str(posts), "-j", "us", "-j", "uk", "--brand", "@glowlyskin", "--format", "json")
    check = run("check", SP, "-j", "us", "-j", "uk", "--brand", "@glowlyskin", "--format", "json")
    from_scan = json.loads(scan.stdout)["posts"][0]
    from_check = json.loads(check.stdout)
    assert set(from_scan) == set(from_check)
    for key in ("caption", "signals", "disclosures", "verdicts", "error"):
        assert from_scan[key] == from_check[key]


def test_check_reads_stdin_and_a_file(tmp_path):
    via_stdin = run("check", "-", "-j", "us", "--brand", "@glowlyskin", "--format", "json", stdin=SP)
    assert json.loads(via_stdin.stdout)["source"] == {"file": "<stdin>"}
    draft = tmp_path / "draft.txt"
    draft.write_text(SP + "\n", encoding="utf-8")
    via_file = run("check", str(draft), "-j", "us", "--brand", "@glowlyskin", "--format", "json")
    record = json.loads(via_file.stdout)
    assert record["caption"] == SP + "\n" and record["source"] == {"file": str(draft)}
    assert record["verdicts"]["us"]["status"] == "violation"


def test_a_caption_too_long_or_odd_for_a_file_name_is_judged_as_a_caption():
    long_caption = "Packed everything in my PeakFit bag, " * 10 + "#travel #ad"
    assert len(long_caption.encode()) > 255  # more than a file name may be
    result = run("check", long_caption, "-j", "uk", "--brand", "PeakFit", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["caption"] == long_caption
    fixed = run("fix", long_caption, "-j", "uk", "--brand", "PeakFit")
    assert fixed.stdout == "#ad " + long_caption[: -len(" #ad")] + "\n"
    with_nul = run("check", "Loving my @glowlyskin serum\x00", "-j", "us", "--brand", "@glowlyskin")
    assert with_nul.exit_code == 1 and "\\x00" in with_nul.stdout


def test_check_other_report_formats_still_render_the_one_post_report():
    result = run("check", SP, "-j", "us", "--brand", "@glowlyskin", "--format", "csv")
    assert result.exit_code == 1
    assert "FTC-002" in result.stdout


def test_check_usage_errors_exit_2():
    assert run("check", SP, "--format", "nope").exit_code == 2
    bad_j = run("check", SP, "-j", "atlantis")
    assert bad_j.exit_code == 2 and "atlantis" in bad_j.stderr
    assert "Traceback" not in bad_j.output


# -------------------------------------------------------------------------- check: several drafts


def test_check_files_judges_each_draft_and_keeps_going_past_a_bad_one(tmp_path):
    good = tmp_path / "good.md"
    good.write_text("#ad Loving my @glowlyskin serum\n", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text(SP + "\n", encoding="utf-8")
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"Loving \xff\xfe my serum")
    result = run("check", "--files", str(good), str(bad), str(broken), "-j", "us", "--brand", "@glowlyskin")
    out = result.stdout
    assert result.exit_code == 2  # a draft that could not be read outranks a violation
    assert out.index(f"== {good}") < out.index(f"== {bad}") < out.index(f"== {broken}")
    section = out[out.index(f"== {bad}") : out.index(f"== {broken}")]
    assert "VIOLATION" in section and "#ad Loving my @glowlyskin serum #sp" in section
    assert f"Not checked: {broken}: not valid UTF-8 at byte 7" in out
    json_out = run(
        "check", "--files", str(good), str(bad), str(broken), "-j", "us", "--brand", "@glowlyskin", "--format", "json"
    )
    records = json.loads(json_out.stdout)
    assert [r["id"] for r in records] == [str(good), str(bad), str(broken)]
    assert [r["verdicts"].get("us", {}).get("status") for r in records] == ["compliant", "violation", None]
    assert records[2]["error"].endswith("not valid UTF-8 at byte 7")


def test_check_files_exit_1_on_a_violation_and_0_when_all_are_fine(tmp_path):
    good = tmp_path / "a.txt"
    good.write_text("#ad Loving my @glowlyskin serum", encoding="utf-8")
    bad = tmp_path / "b.txt"
    bad.write_text(SP, encoding="utf-8")
    assert run("check", "--files", str(good), "-j", "us", "--brand", "@glowlyskin").exit_code == 0
    assert run("check", str(good), str(bad), "-j", "us", "--brand", "@glowlyskin").exit_code == 1


def test_check_files_with_a_missing_file_is_named_and_exits_2(tmp_path):
    result = run("check", "--files", str(tmp_path / "gone.txt"), "-j", "us")
    assert result.exit_code == 2
    assert f"Not checked: {tmp_path / 'gone.txt'}: cannot read" in result.stdout


# ---------------------------------------------------------------------------------------- fix


def test_fix_prints_only_the_corrected_caption():
    result = run("fix", SP, "-j", "us", "-j", "de", "--brand", "@glowlyskin")
    assert result.exit_code == 0
    assert result.stdout == "Werbung | #ad Loving my @glowlyskin serum #sp\n"
    assert result.stderr == ""


def test_fix_explain_says_what_changed_on_stderr_only():
    result = run("fix", SP, "-j", "us", "-j", "de", "--brand", "@glowlyskin", "--explain")
    assert result.stdout == "Werbung | #ad Loving my @glowlyskin serum #sp\n"
    assert result.stderr.splitlines() == [
        "compliance fix: us: added '#ad' at the start",
        "compliance fix: de: added 'Werbung' at the start",
    ]


def test_fix_leaves_a_fine_caption_alone():
    for caption in ("#ad Loving my @glowlyskin serum", "Rainy Sunday, soup and a book."):
        result = run("fix", caption, "-j", "us", "-j", "uk", "--brand", "@glowlyskin")
        assert result.exit_code == 0 and result.stdout == caption + "\n"


def test_fix_reads_a_file_and_stdin(tmp_path):
    draft = tmp_path / "draft.txt"
    draft.write_text("Mein neues Fahrrad von PeakFit #fahrrad #sommer #werbung #natur\n", encoding="utf-8")
    result = run("fix", str(draft), "-j", "de", "--brand", "PeakFit")
    assert result.stdout == "#werbung Mein neues Fahrrad von PeakFit #fahrrad #sommer #natur\n"
    piped = run("fix", "-", "-j", "fr", "--brand", "Glowly", stdin="Ma routine avec Glowly")
    assert piped.stdout == "Publicité | Ma routine avec Glowly\n"


def test_fix_needs_an_audience():
    result = run("fix", SP)
    assert result.exit_code == 2 and "-j CODE" in result.stderr


# A jurisdiction that accepts only the platform's own label: no caption text can satisfy it.
ZZ_RULES = """
[ruleset]
code = "zz"
name = "Platform-label-only land"
version = "1"
extends = "base"
regulator = "ZZ Authority"

[labels]
accepted = ["platform-paid-partnership"]
review = ["ad"]

[[rules]]
id = "ZZ-001"
name = "text-label-review"
check = "label-review"
severity = "warning"
message = "Only the platform's own label counts here."
citation = { source = "Test", url = "https://example.org/zz" }
examples.pass = ["Rainy Sunday."]
examples.fail = ["#ad Loving my @glowlyskin serum"]
"""


def test_fix_exits_1_when_a_jurisdiction_cannot_be_satisfied(tmp_path):
    (tmp_path / "zz.toml").write_text(ZZ_RULES, encoding="utf-8")
    result = run(
        "fix", SP, "-j", "us", "-j", "zz", "--brand", "@glowlyskin", "--rules-dir", str(tmp_path), "--no-config"
    )
    assert result.exit_code == 1
    assert result.stdout == "#ad Loving my @glowlyskin serum #sp\n"  # the best it could do
    assert result.stderr.startswith(
        "compliance fix: zz: still review after the fix (ZZ-001: Only the platform's own label counts here.)"
    )


def test_fix_says_when_only_the_video_itself_can_disclose():
    # Canada wants the disclosure at the start of the video; no caption text can show that.
    result = run("fix", "Loving my @glowlyskin serum", "-j", "ca", "--brand", "@glowlyskin", "--platform", "youtube")
    assert result.exit_code == 1
    assert result.stdout == "#ad Loving my @glowlyskin serum\n"
    assert result.stderr.startswith("compliance fix: ca: still review after the fix (CA-006: ")
    assert "video" in result.stderr


def test_fix_applies_the_same_rule_selection_as_check():
    # Only the missing-disclosure rule selected: "#sp" is a label of sorts, so nothing is left to fix.
    args = [SP, "-j", "us", "--brand", "@glowlyskin", "--select", "FTC-001", "--no-config"]
    assert run("check", *args).exit_code == 0
    result = run("fix", *args)
    assert result.exit_code == 0 and result.stdout == SP + "\n"


# ------------------------------------------------------------------------------- start-up cost


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"], ["fix", "--help"], ["serve", "--help"]])
def test_help_does_not_import_spacy_or_the_web_page(args):
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "compliance", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "compliance.cli.commands" in imported
    assert not {m for m in imported if m.split(".")[0] in ("spacy", "thinc", "jinja2")}, sorted(imported)
    assert not {"compliance.web.server", "compliance.judging.fixer", "compliance.judging.scanner"} & imported


# ------------------------------------------------------------------------------- pre-commit hook


def test_pre_commit_hook_runs_check_on_txt_and_md_drafts(tmp_path):
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    fields = dict(regex.findall(r"^\s*-?\s*(id|entry|language|files):\s*(.+?)\s*$", text, flags=regex.M))
    assert fields["id"] == "compliance-check"
    assert fields["language"] == "python"
    pattern = regex.compile(fields["files"])
    names = ("drafts/a.txt", "post.md", "notes.mdx", "cli.py")
    assert [bool(pattern.search(n)) for n in names] == [True, True, False, False]
    # Run the entry the way pre-commit does: the hook's args, then the staged file names.
    entry = fields["entry"].split()
    assert entry[:3] == ["compliance", "check", "--files"]
    bad = tmp_path / "bad.md"
    bad.write_text(SP + "\n", encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text("#ad " + SP + "\n", encoding="utf-8")
    result = run(*entry[1:], "-j", "us", "--brand", "@glowlyskin", str(good), str(bad))
    assert result.exit_code == 1
    assert f"== {bad}" in result.stdout and "VIOLATION" in result.stdout
    assert run(*entry[1:], "-j", "us", "--brand", "@glowlyskin", str(good)).exit_code == 0
