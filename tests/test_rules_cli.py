"""`compliance rules list|explain|test|validate`: what a rule-file maintainer sees and the exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from compliance.cli.commands import main
from compliance.paths import data_dir
from tests.rule_fixtures import modernise
from tests.test_jurisdictions import ALL

SHIPPED = data_dir("rules")
NL = (SHIPPED / "nl.toml").read_text(encoding="utf-8")


def run(*args):
    return CliRunner().invoke(main, ["rules", *args], catch_exceptions=False)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.fixture(autouse=True)
def no_project_config(tmp_path, monkeypatch):
    """Run from an empty folder so no compliance.toml above the checkout leaks in."""
    monkeypatch.chdir(tmp_path)


# --------------------------------------------------------------------------------------- list
def test_list_one_jurisdiction():
    result = run("list", "-j", "nl")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("nl  Netherlands (Reclamecode RSM, Mediawet)  (7 rules, ")
    assert lines[3].split() == ["NL-003", "error", "label-placement", "buried-in-hashtags"]
    assert len(lines) == 8


def test_list_all_in_contract_order_as_json():
    result = run("list", "--format", "json")
    rows = json.loads(result.output)
    order = []
    for row in rows:
        if row["jurisdiction"] not in order:
            order.append(row["jurisdiction"])
    assert order == list(ALL)  # the rule files' own order
    dk2 = next(r for r in rows if r["id"] == "DK-002")
    assert dk2["check"] == "label-insufficient" and dk2["citation"]["url"].startswith(
        "https://www.forbrugerombudsmanden.dk/"
    )


def test_list_select_and_ignore_by_name_and_prefix():
    result = run("list", "--select", "video-disclosure,NL-00", "--ignore", "NL-001", "--format", "json")
    rows = json.loads(result.output)
    ids = [r["id"] for r in rows]
    assert "NL-001" not in ids and "NL-002" in ids and "EU-005" in ids and "FI-005" in ids and "FTC-009" in ids
    assert all(r["id"].startswith("NL-") or r["name"] == "video-disclosure" for r in rows)


def test_list_unknown_jurisdiction_is_a_usage_error():
    result = run("list", "-j", "nll")
    assert result.exit_code == 2
    assert "no rule file for jurisdiction 'nll' (did you mean 'nl'?)" in result.output


# ------------------------------------------------------------------------------------ explain
def test_explain_shows_everything_a_maintainer_needs():
    result = run("explain", "nl-003")
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("NL-003  buried-in-hashtags  [nl: Netherlands")
    assert f"nl.toml:{line_of(NL, 'id = ' + chr(34) + 'NL-003')}" in out
    assert "check:      label-placement" in out
    assert 'hiding "#ad" among twenty other hashtags is not OK' in out
    assert "https://www.reclamecode.nl/social" in out
    assert 'hashtag_block = "edges"' in out
    assert "fail  'Mijn nieuwe fiets van PeakFit #fiets #zomer #ad #natuur #buiten'" in out


def test_explain_shows_example_context():
    out = run("explain", "IT-010").output
    assert 'metadata {"followers": 650000}' in out and "check:      audience-threshold" in out
    assert "min = 500000" in out


def test_explain_unknown_rule_suggests():
    result = run("explain", "NL-03")
    assert result.exit_code == 2
    assert "no rule 'NL-03'" in result.output and "NL-003" in result.output


# --------------------------------------------------------------------------------------- test
def test_test_runs_every_shipped_example():
    result = run("test")
    assert result.exit_code == 0, result.output
    last = result.output.splitlines()[-1]
    assert last.startswith("29 files, ") and last.endswith("not run): all pass")


def test_test_reports_the_failing_example_and_exits_1(tmp_path):
    bad = NL.replace(
        'examples.fail = ["#collab Mijn nieuwe fiets van PeakFit", "Dank je @glowlyskin 💕 #sp"]',
        'examples.fail = ["#ad Mijn nieuwe fiets van PeakFit"]',
    )
    assert bad != NL
    bad = bad.split("[[cases]]")[0]  # this test is about examples; the shipped file's decisions are not
    path = tmp_path / "nl.toml"
    path.write_text(bad, encoding="utf-8")
    result = run("test", str(path))
    assert result.exit_code == 1
    line = line_of(bad, 'id = "NL-002"')
    assert (
        f"nl.toml:{line}: FAIL NL-002: fail example must raise NL-002, raised nothing: "
        f"'#ad Mijn nieuwe fiets van PeakFit'"
    ) in result.output
    assert result.output.splitlines()[-1] == "1 files, 7 rules, 18 examples, 0 cases (0 not run): 1 failed, 0 broken"
    assert "nl.toml: examples 17/18 pass; cases 0 run, 0 agree, 0 not run" in result.output.splitlines()


def test_test_a_broken_file_exits_2(tmp_path):
    path = tmp_path / "nl.toml"
    path.write_text(NL.replace('check = "label-placement"', 'check = "label-placment"'), encoding="utf-8")
    result = run("test", str(path))
    assert result.exit_code == 2
    assert "rule NL-003: unknown check type 'label-placment'" in result.output


# ----------------------------------------------------------------------------------- validate
# The issue-12 source requirements a file still being converted may lack (see compliance.ruleset.sources).
PENDING = (
    "needs effective",
    "needs reviewed",
    "needs at least one [[authorities]]",
    "citation needs a pinpoint",
    "is not on the file's authorities",
)


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.toml")), ids=lambda p: p.name)
def test_validate_shipped_files(path):
    """A file that states `reviewed` is converted to the issue-12 format and must be fully valid; one
    that does not yet may fail only on the source requirements it is still being given."""
    import tomllib

    result = run("validate", str(path))
    meta = tomllib.loads(path.read_text(encoding="utf-8")).get("ruleset", {})
    if "reviewed" in meta or meta.get("abstract"):
        assert result.exit_code == 0, result.output
        assert f"{path.name}: ok (" in result.output
    else:
        problems = [
            line for line in result.output.splitlines() if line.startswith(str(path)) and ": warning: " not in line
        ]
        assert problems and all(any(p in line for p in PENDING) for line in problems), result.output


def broken(tmp_path, text, name="nl.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return run("validate", str(path)), path


def test_validate_names_file_line_and_rule_with_a_suggestion(tmp_path):
    text = NL.replace('severity = "warning"', 'serverity = "warning"', 1)
    result, path = broken(tmp_path, text)
    assert result.exit_code == 2
    line = line_of(text, 'id = "NL-004"')
    assert f"{path}:{line}: rule NL-004: unknown key 'serverity' (did you mean 'severity'?)" in result.output


def test_validate_catches_a_pattern_that_does_not_compile(tmp_path):
    text = NL.replace("params = { min = 500000 }", "params = { min = 500000 }\n", 1).replace(
        'params.terms = ["casino",', "params.patterns = ['(unclosed']\nparams.terms = [\"casino\",", 1
    )
    result, path = broken(tmp_path, text)
    assert result.exit_code == 2
    line = line_of(text, '"NL-006"')
    assert f"{path}:{line}: rule NL-006: params.patterns" in result.output
    assert "does not compile" in result.output


def test_validate_catches_a_duplicate_id(tmp_path):
    text = NL.replace('id = "NL-005"', 'id = "NL-004"')
    result, path = broken(tmp_path, text)
    assert result.exit_code == 2
    assert "rule NL-004: id used twice" in result.output and str(path) in result.output


def test_validate_catches_a_prefix_owned_by_another_jurisdiction(tmp_path):
    text = NL.replace('"NL-006"', '"DK-006"')
    result, path = broken(tmp_path, text)
    assert result.exit_code == 2
    line = line_of(text, '"DK-006"')
    assert f"{path}:{line}: rule DK-006: id prefix differs from the file's NL-" in result.output
    assert f"{path}:{line}: rule DK-006: prefix DK- belongs to jurisdiction 'dk'" in result.output


def test_validate_lets_a_stricter_variant_reuse_its_parents_prefix(tmp_path):
    text = NL.replace('code = "nl"', 'code = "nl-strict"').replace('extends = "eu"', 'extends = "nl"')
    text = text.split("[[cases]]")[0]  # a house variant does not republish its parent's decisions
    text = modernise(text.replace('severity = "warning"', 'severity = "error"'))
    result, path = broken(tmp_path, text, name="nl-strict.toml")
    assert result.exit_code == 0, result.output
    assert "nl-strict.toml: ok (7 rules)" in result.output


def test_validate_catches_wording_claimed_by_two_labels(tmp_path):
    text = NL.replace('hashtags = ["gesponsord"]', 'hashtags = ["gesponsord", "spon"]')
    result, path = broken(tmp_path, text)
    assert result.exit_code == 2
    line = line_of(text, '"gesponsord", "spon"')
    assert f"{path}:{line}: [vocabulary.gesponsord] hashtag 'spon' is already label 'spon'" in result.output


def test_validate_catches_unknown_table_keys_and_label_names(tmp_path):
    text = NL + "\n[placement]\nhashtag_blok_min = 4\n"
    text = text.replace("[labels]\n", '[labels]\nremove = ["sponsord"]\n', 1)
    result, path = broken(tmp_path, text)
    assert result.exit_code == 2
    assert (
        f"{path}:{line_of(text, 'hashtag_blok_min')}: [placement] unknown key 'hashtag_blok_min' "
        f"(did you mean 'hashtag_block_min'?)"
    ) in result.output
    assert f"{path}:{line_of(text, 'remove = ')}: [labels] remove names unknown label 'sponsord'" in result.output


def test_validate_toml_syntax_error_puts_the_line_first(tmp_path):
    text = NL.replace('name = "unclear-label"', 'name = "unclear-label', 1)
    result, path = broken(tmp_path, text)
    assert result.exit_code == 2
    line = line_of(text, 'name = "unclear-label')
    assert result.output.startswith(f"{path}:{line}: TOML syntax error")
