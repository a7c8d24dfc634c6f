"""Issue 12 rule-file keys: dates, authorities, pinpoints, see_also, cases; loader and `rules validate`."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli.commands import main
from compliance.ruleset.loader import RuleFileError, load_file
from compliance.ruleset.sources import source_problems, stale_warnings
from tests.rule_fixtures import case, jurisdiction, write

TODAY = "2026-12-04"
SCHEMA = Path(__file__).resolve().parent.parent / "compliance" / "schema" / "report.schema.json"


def run(*args):
    return CliRunner().invoke(main, ["rules", *args], catch_exceptions=False)


def line_of(text: str, needle: str, start: int = 1) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if i >= start and needle in line)


@pytest.fixture(autouse=True)
def no_project_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


# ------------------------------------------------------------------------------------ loader
def test_new_keys_are_carried_on_the_model(tmp_path):
    rs = load_file(write(tmp_path, extra=case(decided_under="Testland Code 2019", note="n")))
    assert (rs.effective, rs.reviewed) == ("2023-10-01", "2026-11-30")
    assert [a.name for a in rs.authorities] == ["Testland Consumer Agency", "Testland Courts"]
    first, second = rs.rules
    assert first.citation.pinpoint == "§5(1)" and first.effective == "2023-10-01"
    assert first.reviewed == "2026-11-30"  # the file's date by default
    assert second.reviewed == "2026-06-01"  # its own
    assert [c.url for c in first.see_also] == ["https://blog.example/post"]
    (c,) = rs.cases
    assert (c.id, c.decided, c.expect, c.brands, c.decided_under) == (
        "ZZ-C-2024-001",
        "2024-03-02",
        "violation",
        ("Glowly",),
        "Testland Code 2019",
    )
    assert c.line == line_of(rs_text(rs), 'id = "ZZ-C-2024-001"')
    assert rs.summary()["effective"] == "2023-10-01" and rs.summary()["reviewed"] == "2026-11-30"


def idl(text: str, ident: str) -> int:
    """The line of `id = "IDENT"`."""
    return line_of(text, f'id = "{ident}"')


def rs_text(rs) -> str:
    from pathlib import Path

    return Path(rs.file).read_text(encoding="utf-8")


def test_pinpoint_is_serialised_only_when_present(tmp_path):
    from compliance.model import Citation

    assert Citation("s", "https://a.example").to_dict() == {"source": "s", "url": "https://a.example"}
    assert Citation("s", "https://a.example", "p. 3").to_dict()["pinpoint"] == "p. 3"


def test_a_file_without_the_new_keys_still_loads(tmp_path):
    text = jurisdiction().replace("effective = 2023-10-01\n", "").replace("reviewed = 2026-11-30\n", "")
    text = text.replace(', pinpoint = "§5(1)"', "")
    rs = load_file(write(tmp_path, text=text))
    assert rs.effective is None and rs.summary().get("effective") is None
    assert rs.rules[0].citation.pinpoint is None and "pinpoint" not in rs.rules[0].citation.to_dict()


def test_child_inherits_parent_authorities_and_adds_its_own(tmp_path):
    write(tmp_path)
    child = (
        jurisdiction("zy")
        .replace('extends = "base"', 'extends = "zz"')
        .replace(
            'name = "Testland Courts"\ndomains = ["courts.example", "decisions.example"]',
            'name = "Child Regulator"\ndomains = ["child.example"]',
        )
    )
    rs = load_file(write(tmp_path, "zy", text=child))
    assert [a.name for a in rs.authorities] == [
        "Testland Consumer Agency",
        "Testland Courts",
        "Testland Consumer Agency",
        "Child Regulator",
    ]


@pytest.mark.parametrize(
    "old,new,needle,message",
    [
        (
            "effective = 2023-10-01\nreviewed",
            'effective = "2023-10-01"\nreviewed',
            'effective = "2023',
            r"\[ruleset\] effective must be a TOML date like 2023-07-26",
        ),
        (
            "reviewed = 2026-11-30",
            "reviewed = 2026-11-30T10:00:00",
            "reviewed = 2026-11-30T",
            r"\[ruleset\] reviewed must be a TOML date",
        ),
        ('pinpoint = "§5(1)"', 'pinpoint = ""', 'pinpoint = ""', r"rule ZZ-001: citation.pinpoint must be a non-empty"),
        (
            'pinpoint = "§5(1)"',
            'pinpont = "§5(1)"',
            "pinpont",
            r"rule ZZ-001: citation: unknown key 'pinpont' \(did you mean 'pinpoint'\?\)",
        ),
        (
            'see_also = [ { source = "A commentary", url = "https://blog.example/post" } ]',
            'see_also = [ { source = "A commentary", url = "blog.example/post" } ]',
            "see_also",
            r"rule ZZ-001: see_also entry 1: url must be an http\(s\) URL",
        ),
        (
            "effective = 2024-01-15",
            'effective = "2024"',
            'effective = "2024"',
            r"rule ZZ-002: effective must be a TOML date",
        ),
        (
            'domains = ["agency.example"]',
            'domains = ["https://agency.example/"]',
            'domains = ["https',
            r"\[\[authorities\]\] 'Testland Consumer Agency': domain 'https://agency.example/' must be a lower-case",
        ),
        (
            'domains = ["agency.example"]',
            'domain = ["agency.example"]',
            'domain = ["agency',
            r"\[\[authorities\]\] entry 1: unknown key 'domain' \(did you mean 'domains'\?\)",
        ),
    ],
)
def test_bad_new_keys_name_file_line_and_key(tmp_path, old, new, needle, message):
    text = jurisdiction()
    assert old in text
    text = text.replace(old, new, 1)
    path = write(tmp_path, text=text)
    with pytest.raises(RuleFileError, match=message) as exc:
        load_file(path)
    assert str(exc.value).startswith(f"{path}:{line_of(text, needle)}: ")


@pytest.mark.parametrize(
    "fields,needle,message",
    [
        ({"expect": "violaton"}, "expect =", r"case ZZ-C-2024-001: expect must be one of .*did you mean 'violation'"),
        ({"decided": '"2024-03-02"'}, "decided =", r"case ZZ-C-2024-001: decided must be a TOML date"),
        ({"outcom": "upheld", "outcome": None}, "outcom =", r"case ZZ-C-2024-001: unknown key 'outcom'"),
        ({"title": None}, "[[cases]]", r"case ZZ-C-2024-001: needs `title`"),
        ({"rules": ["ZZ-009"]}, "rules =", r"case ZZ-C-2024-001: rules: no rule 'ZZ-009' in this file"),
        ({"expect": "compliant", "rules": ["ZZ-001"]}, "rules =", r"only a case that expects violation or review"),
        ({"platform": "instagarm"}, "platform =", r"case ZZ-C-2024-001: platform must be one of"),
        ({"caption": ""}, "caption =", r"case ZZ-C-2024-001: caption must be the caption the decision quotes"),
        ({"not_run": ""}, "not_run =", r"case ZZ-C-2024-001: not_run must be a non-empty string"),
        ({"url": "www.agency.example"}, "url =", r"case ZZ-C-2024-001: url must be an http\(s\) URL"),
    ],
)
def test_bad_cases_name_file_line_and_key(tmp_path, fields, needle, message):
    text = jurisdiction(extra=case(**fields))
    path = write(tmp_path, text=text)
    with pytest.raises(RuleFileError, match=message) as exc:
        load_file(path)
    assert str(exc.value).startswith(f"{path}:{line_of(text, needle, line_of(text, '[[cases]]'))}: ")


def test_case_ids_are_unique(tmp_path):
    text = jurisdiction(extra=case() + case())
    with pytest.raises(RuleFileError, match="case ZZ-C-2024-001: id used twice"):
        load_file(write(tmp_path, text=text))


def test_not_run_case_needs_no_expect(tmp_path):
    rs = load_file(write(tmp_path, extra=case(expect=None, not_run="the label was in the image")))
    assert rs.cases[0].expect is None and rs.cases[0].not_run == "the label was in the image"


# ---------------------------------------------------------------------------- validate checks
def problems(tmp_path, text, today=TODAY):
    path = write(tmp_path, text=text)
    return source_problems(load_file(path), text, datetime.date.fromisoformat(today)), path


def test_a_complete_file_has_no_source_problems(tmp_path):
    found, _ = problems(tmp_path, jurisdiction(extra=case()))
    assert found == []


def test_missing_dates_pinpoint_and_authorities_are_problems(tmp_path):
    text = jurisdiction().replace("effective = 2023-10-01\nreviewed = 2026-11-30\n", "")
    text = text.replace(', pinpoint = "§5(1)"', "").replace("effective = 2024-01-15\n", "")
    text = text.replace('[[authorities]]\nname = "Testland Consumer Agency"\ndomains = ["agency.example"]\n', "")
    text = text.replace(
        '[[authorities]]\nname = "Testland Courts"\ndomains = ["courts.example", "decisions.example"]\n', ""
    )
    found, path = problems(tmp_path, text)
    head = line_of(text, "[ruleset]")
    assert (
        f"{path}:{head}: [ruleset] needs effective = YYYY-MM-DD (when the law or guidance the file implements took effect)"
        in found
    )
    assert any(p.startswith(f"{path}:{head}: [ruleset] needs reviewed") for p in found)
    assert any(p.startswith(f"{path}:{head}: needs at least one [[authorities]]") for p in found)
    assert (
        f"{path}:{idl(text, 'ZZ-001')}: rule ZZ-001: citation needs a pinpoint (section, paragraph, page or question)"
        in found
    )
    assert any(p.startswith(f"{path}:{idl(text, 'ZZ-002')}: rule ZZ-002: needs effective") for p in found)
    assert len(found) == 5


def test_citation_outside_the_authorities_is_refused_unless_the_rule_says_why(tmp_path):
    text = jurisdiction().replace("https://www.agency.example/act", "https://lawfirm.example/blog/act")
    found, path = problems(tmp_path, text)
    assert found == [
        (
            f"{path}:{idl(text, 'ZZ-001')}: rule ZZ-001: citation https://lawfirm.example/blog/act "
            f"is not on the file's authorities (Testland Consumer Agency (agency.example), Testland Courts "
            f"(courts.example, decisions.example)): cite the primary text, or give "
            f'citation.outside_authorities = "why"'
        )
    ]
    # a host that merely ends with the domain's letters is not on it
    found, _ = problems(
        tmp_path, jurisdiction().replace("https://www.agency.example/act", "https://badagency.example/act")
    )
    assert len(found) == 1
    text = text.replace('pinpoint = "§5(1)"', 'pinpoint = "§5(1)", outside_authorities = "the official gazette"')
    assert problems(tmp_path, text)[0] == []


def test_case_id_prefix_and_future_review_dates(tmp_path):
    text = jurisdiction(reviewed="2027-01-01", extra=case(cid="UK-C-1"))
    found, path = problems(tmp_path, text)
    assert (
        f"{path}:{line_of(text, 'reviewed = 2027')}: [ruleset] reviewed 2027-01-01 is after today (2026-12-04)" in found
    )
    assert f"{path}:{idl(text, 'UK-C-1')}: case UK-C-1: id must start with ZZ-C-" in found


def test_stale_review_is_a_warning_with_injectable_today(tmp_path):
    text = jurisdiction()
    path = write(tmp_path, text=text)
    rs = load_file(path)
    assert stale_warnings(rs, text, datetime.date(2027, 6, 1)) == []  # the rule's own date, exactly 365 days
    (only,) = stale_warnings(rs, text, datetime.date(2027, 11, 30))  # the file's: exactly 365 days, fine
    assert "rule ZZ-002 reviewed 2026-06-01, 547 days ago" in only
    warnings = stale_warnings(rs, text, datetime.date(2027, 12, 1))
    assert warnings[0] == (
        f"{path}:{line_of(text, 'reviewed = 2026-11-30')}: warning: [ruleset] reviewed 2026-11-30, "
        f"366 days ago (more than 365): check it against its sources"
    )
    assert warnings[1].startswith(f"{path}:{idl(text, 'ZZ-002')}: warning: rule ZZ-002 reviewed 2026-06-01")


# ------------------------------------------------------------------------------ validate CLI
def test_validate_prints_the_summary_line_and_exits_0(tmp_path):
    extra = (
        case()
        + case("ZZ-C-2024-002", caption="#ad Loving my Glowly serum", expect="compliant")
        + case("ZZ-C-2024-003", expect=None, not_run="the label was in the image")
    )
    path = write(tmp_path, extra=extra)
    result = run("validate", str(path), "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert (
        "zz  effective 2023-10-01  reviewed 2026-11-30  rules 2 (primary 2/2)  cases 2 run, 2 agree, 1 not run"
    ) in result.output.splitlines()
    assert "warning" not in result.output


def test_validate_exits_2_listing_each_problem_and_warns_when_stale(tmp_path):
    text = jurisdiction(extra=case(expect="compliant")).replace(', pinpoint = "§5(1)"', "")
    path = write(tmp_path, text=text)
    result = run("validate", str(path), "--today", "2028-01-01")
    assert result.exit_code == 2
    out = result.output
    assert f"{path}:{idl(text, 'ZZ-001')}: rule ZZ-001: citation needs a pinpoint" in out
    assert (
        f"{path}:{idl(text, 'ZZ-C-2024-001')}: DISAGREES case ZZ-C-2024-001: expected compliant, got violation (ZZ-001)"
    ) in out
    assert (
        f"{path}:{line_of(text, 'reviewed = 2026-11-30')}: warning: [ruleset] reviewed 2026-11-30, 397 days ago" in out
    )
    assert (
        "zz  effective 2023-10-01  reviewed 2026-11-30  rules 2 (primary 1/2)  cases 1 run, 0 agree, 0 not run" in out
    )


# ------------------------------------------------------------------- rules list and report headers
def test_rules_list_shows_effective_and_reviewed(tmp_path):
    write(tmp_path)
    result = run("list", "-j", "zz", "--rules-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].endswith("  effective 2023-10-01  reviewed 2026-11-30")
    rows = json.loads(run("list", "-j", "zz", "--rules-dir", str(tmp_path), "--format", "json").output)
    assert [(r["id"], r["effective"], r["reviewed"], r["citation"].get("pinpoint")) for r in rows] == [
        ("ZZ-001", "2023-10-01", "2026-11-30", "§5(1)"),
        ("ZZ-002", "2024-01-15", "2026-06-01", "para 12"),
    ]


def test_report_headers_show_effective_and_reviewed(tmp_path):
    import jsonschema

    write(tmp_path)
    posts = tmp_path / "posts.jsonl"
    posts.write_text(json.dumps({"id": "p1", "caption": "Loving my Glowly serum"}) + "\n", encoding="utf-8")
    brands = tmp_path / "brands.txt"
    brands.write_text("Glowly\n", encoding="utf-8")
    base = ["scan", str(posts), "-j", "zz", "-j", "us", "--rules-dir", str(tmp_path), "--brands", str(brands)]
    result = CliRunner().invoke(main, base, catch_exceptions=False)
    report = json.loads(result.output)
    jsonschema.validate(report, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert {k: report["rulesets"]["zz"][k] for k in ("effective", "reviewed")} == {
        "effective": "2023-10-01",
        "reviewed": "2026-11-30",
    }
    assert report["posts"][0]["verdicts"]["zz"]["findings"][0]["citation"]["pinpoint"] == "§5(1)"
    html = CliRunner().invoke(main, base + ["--format", "html"], catch_exceptions=False).output
    assert "law effective 2023-10-01 &middot; reviewed 2026-11-30" in html
    assert "Testland Advertising Act</a>, §5(1)" in html  # the finding's citation with its pinpoint
    text = CliRunner().invoke(main, base + ["--format", "text"], catch_exceptions=False).output
    assert "effective 2023-10-01 \u00b7 reviewed 2026-11-30" in text


def test_explain_shows_pinpoint_dates_and_see_also(tmp_path):
    write(tmp_path)
    result = run("explain", "ZZ-001", "--rules-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "  at §5(1)\n  effective 2023-10-01  reviewed 2026-11-30\n" in out
    assert "See also (secondary):\n  A commentary: https://blog.example/post" in out


def test_validate_without_files_checks_every_jurisdiction(tmp_path):
    write(tmp_path, extra=case())
    result = run("validate", "--rules-dir", str(tmp_path), "--today", TODAY)
    lines = result.output.splitlines()
    assert (
        "zz  effective 2023-10-01  reviewed 2026-11-30  rules 2 (primary 2/2)  cases 1 run, 1 agree, 0 not run" in lines
    )
    assert "zz.toml: ok (2 rules)" in lines
    from compliance.cli.rules import jurisdiction_codes
    from compliance.ruleset.loader import default_dirs

    shipped = jurisdiction_codes(default_dirs())
    assert {line.split()[0] for line in lines if "  effective " in line} == set(shipped) | {"zz"}


def test_check_output_cites_the_pinpoint(tmp_path):
    write(tmp_path)
    result = CliRunner().invoke(
        main,
        ["check", "Loving my Glowly serum", "-j", "zz", "--rules-dir", str(tmp_path), "--brand", "Glowly"],
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    assert "Source: Testland Advertising Act, §5(1) <https://www.agency.example/act>" in result.output
