"""Published decisions ([[cases]]) as tests: one test per case of every shipped jurisdiction.

Each case that is run must get its expected status (and name its rules) in its own jurisdiction.
`tests/rules/zz.toml`, a made-up jurisdiction, adds cases of every status so the runner itself is
always exercised. A `not_run` case is never run; it must say why.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli.commands import main
from compliance.cli.rules import jurisdiction_codes
from compliance.judging.cases import counts, run_case, run_cases
from compliance.ruleset.loader import default_dirs, load_file, load_ruleset
from tests.rule_fixtures import case, write

TEST_RULES = Path(__file__).parent / "rules" / "zz.toml"


@functools.cache
def rulesets():
    return [load_ruleset(code) for code in jurisdiction_codes(default_dirs())] + [load_file(TEST_RULES)]


def all_cases():
    return [(rs, c) for rs in rulesets() for c in rs.cases]


SCANNERS: dict = {}  # one Scanner per (file, brands), shared by the parametrised tests


@pytest.mark.parametrize("ruleset,case_", [pytest.param(rs, c, id=c.id) for rs, c in all_cases() if not c.not_run])
def test_case(ruleset, case_):
    result = run_case(ruleset, case_, SCANNERS)
    assert result.ran
    assert result.ok, f"{case_.file}:{case_.line}: {result.describe()}"


def test_not_run_cases_say_why():
    """Listed here, never run: the reason is what a reader of the rule file gets instead."""
    not_run = [(rs.code, c.id, c.not_run) for rs, c in all_cases() if c.not_run]
    assert ("zz", "ZZ-C-2024-005", "the label was only in the video") in not_run
    assert all(reason and reason.strip() for _, _, reason in not_run), not_run
    for rs, c in all_cases():
        if c.not_run:
            assert not run_case(rs, c).ran


def test_test_rules_cover_every_status():
    statuses = {c.expect for c in load_file(TEST_RULES).cases if not c.not_run}
    assert statuses == {"violation", "review", "compliant", "clear"}


def test_a_disagreeing_case_fails_with_id_statuses_and_findings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = TEST_RULES.read_text(encoding="utf-8") + case(
        "ZZ-C-2025-009", caption="Loving my Glowly serum", expect="compliant", outcome="not upheld"
    )
    path = write(tmp_path, text=text)
    rs = load_file(path)
    (bad,) = [r for r in run_cases(rs) if not r.ok]
    assert (bad.case.id, bad.status, bad.findings) == ("ZZ-C-2025-009", "violation", ("ZZ-001",))
    assert counts(run_cases(rs)) == (5, 4, 1)
    result = CliRunner().invoke(main, ["rules", "test", str(path)], catch_exceptions=False)
    assert result.exit_code == 1
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if 'id = "ZZ-C-2025-009"' in ln)
    assert (
        f"zz.toml:{line}: FAIL case ZZ-C-2025-009: expected compliant, got violation (ZZ-001): "
        f"Decision on Jane Doe (Testland Consumer Agency, 2024-03-02): 'Loving my Glowly serum'"
    ) in result.output
    assert "zz.toml: examples 4/4 pass; cases 5 run, 4 agree, 1 not run" in result.output
    assert result.output.splitlines()[-1] == "1 files, 2 rules, 4 examples, 5 cases (1 not run): 1 failed, 0 broken"


def test_a_case_whose_named_rule_is_not_raised_disagrees(tmp_path):
    # ZZ-002 is a warning rule; a missing disclosure raises ZZ-001 only, so naming ZZ-002 must fail
    text = TEST_RULES.read_text(encoding="utf-8") + case("ZZ-C-2025-010", rules=["ZZ-002"])
    rs = load_file(write(tmp_path, text=text))
    result = run_case(rs, rs.cases[-1])
    assert result.status == "violation" and not result.ok and result.missing == ("ZZ-002",)
    assert "rules not raised: ZZ-002" in result.describe()


def test_rules_test_runs_the_cases_of_a_file_and_passes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["rules", "test", str(TEST_RULES)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "zz.toml: examples 4/4 pass; cases 4 run, 4 agree, 1 not run" in result.output
