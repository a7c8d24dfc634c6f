"""Project config: found upwards from the working directory, every key a flag, flags win."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from compliance.cli.commands import main
from compliance.config import ConfigError, Settings, find_config, load_config, resolve
from compliance.model import Waiver

SP = "Loving my mornings with @glowlyskin #sp"  # ASA-003 (error) in the UK, FTC-002 in the US


@pytest.fixture()
def project(tmp_path, monkeypatch):
    """An empty project folder, made the working directory."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def check(*args):
    result = CliRunner().invoke(
        main, ["check", SP, "--brand", "@glowlyskin", "--format", "json", *args], catch_exceptions=False
    )
    return result, (json.loads(result.output) if result.exit_code in (0, 1) else None)


# -------------------------------------------------------------------------------- discovery
def test_compliance_toml_found_from_a_subfolder(project):
    (project / "compliance.toml").write_text('jurisdictions = ["uk"]\n', encoding="utf-8")
    deep = project / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) == project / "compliance.toml"


def test_pyproject_without_our_table_is_passed_over(project):
    (project / "compliance.toml").write_text('jurisdictions = ["uk"]\n', encoding="utf-8")
    sub = project / "pkg"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[tool.ruff]\nselect = ["E"]\n', encoding="utf-8")
    assert find_config(sub) == project / "compliance.toml"
    (sub / "pyproject.toml").write_text(
        '[tool.ruff]\nselect = ["E"]\n\n[tool.compliance]\nselect = ["FTC"]\n', encoding="utf-8"
    )
    assert find_config(sub) == sub / "pyproject.toml"
    settings = load_config(sub / "pyproject.toml")
    assert settings.select == ("FTC",) and settings.source == str(sub / "pyproject.toml")


def test_a_broken_unrelated_pyproject_never_stops_the_search(project):
    (project / "pyproject.toml").write_text("[tool.poetry\nname = 'x'\n", encoding="utf-8")
    assert find_config(project) != project / "pyproject.toml"


# ---------------------------------------------------------------------------------- loading
def test_every_key_loads_with_paths_relative_to_the_file(project):
    (project / "compliance.toml").write_text(
        'jurisdictions = ["UK", "us"]\nbrands = "brands.txt"\nrules-dir = "house"\n'
        'select = "FTC,ASA"\nignore = ["FTC-007"]\nseverity = { "ASA-003" = "warning" }\n'
        'exceptions = ["p:1:FTC-002", { post = "p2", rule = "ASA-003", reason = "signed off" }]\n',
        encoding="utf-8",
    )
    s = load_config(project / "compliance.toml")
    assert s.jurisdictions == ("uk", "us")
    assert s.brands_file == str(project / "brands.txt")
    assert s.rules_dirs == (str(project / "house"),)
    assert (s.select, s.ignore) == (("FTC", "ASA"), ("FTC-007",))
    assert s.severity == {"ASA-003": "warning"}
    source = str(project / "compliance.toml")
    assert s.exceptions == (
        Waiver("p:1", "FTC-002", source=source),
        Waiver("p2", "ASA-003", reason="signed off", source=source),
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ('jurisdiction = ["uk"]\n', ":1: unknown config key 'jurisdiction' (did you mean 'jurisdictions'?)"),
        ('select = ["FTC"]\nseverity = { "FTC-002" = "fatal" }\n', "severity.FTC-002: severity must be one of"),
        ('exceptions = ["p1"]\n', "'p1' is not POST:RULE"),
        ('exceptions = [{ post = "p1" }]\n', "needs `post` and `rule` strings"),
        ("jurisdictions = [1, 2]\n", ":1: jurisdictions must be a string or a list of strings"),
        ("select = [\n", ": TOML syntax error"),
    ],
)
def test_bad_config_names_file_and_line(project, text, message):
    path = project / "compliance.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert str(exc.value).startswith(str(path)) and message in str(exc.value)


def test_line_numbers_inside_pyproject_point_into_our_table(project):
    path = project / "pyproject.toml"
    path.write_text(
        '[tool.ruff]\nselect = ["E"]\n\n[tool.compliance]\nselect = ["FTC"]\nignor = ["x"]\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"pyproject\.toml:6: unknown config key 'ignor' \(did you mean 'ignore'\?\)"):
        load_config(path)


# ---------------------------------------------------------------------------------- merging
def test_flags_replace_config_values(project):
    (project / "compliance.toml").write_text(
        'jurisdictions = ["uk"]\nselect = ["ASA"]\nseverity = { "ASA-003" = "warning" }\nexceptions = ["p1:ASA-003"]\n',
        encoding="utf-8",
    )
    from_file = resolve()
    assert from_file.jurisdictions == ("uk",) and from_file.severity == {"ASA-003": "warning"}
    flags = resolve(
        jurisdictions=("us",), select=("FTC-001,FTC-002",), severities=("FTC-002=info",), exceptions=("p9:FTC-001",)
    )
    assert flags.jurisdictions == ("us",) and flags.select == ("FTC-001", "FTC-002")
    assert flags.severity == {"FTC-002": "info"} and flags.exceptions == (
        Waiver("p9", "FTC-001", source="--exception"),
    )
    assert resolve(no_config=True) == Settings()


def test_bad_flag_values_are_config_errors():
    with pytest.raises(ConfigError, match="is not RULE=LEVEL"):
        resolve(no_config=True, severities=("FTC-002",))
    with pytest.raises(ConfigError, match="severity must be one of error, warning, info"):
        resolve(no_config=True, severities=("FTC-002=loud",))


# ------------------------------------------------------------------------------ through the CLI
def test_config_drives_check_and_flags_win(project):
    (project / "compliance.toml").write_text(
        'jurisdictions = ["uk"]\nseverity = { "ASA-003" = "warning" }\n', encoding="utf-8"
    )
    result, post = check()
    assert result.exit_code == 0 and list(post["verdicts"]) == ["uk"]
    uk = post["verdicts"]["uk"]
    assert uk["status"] == "review"
    assert [(f["rule"], f["severity"], f["text"]) for f in uk["findings"]] == [("ASA-003", "warning", "#sp")]
    result, post = check("--severity", "ASA-003=error")
    assert result.exit_code == 1 and post["verdicts"]["uk"]["status"] == "violation"
    result, post = check("--no-config")
    assert sorted(post["verdicts"]) == ["de", "fr", "uk", "us"]


def test_select_and_ignore_on_check(project):
    _, post = check("-j", "us", "--no-config", "--ignore", "FTC-002")
    assert post["verdicts"]["us"]["findings"] == [] and post["verdicts"]["us"]["status"] == "compliant"
    _, post = check("-j", "us", "-j", "uk", "--no-config", "--select", "ambiguous-label")
    rules = sorted(f["rule"] for v in post["verdicts"].values() for f in v["findings"])
    assert rules == ["ASA-003", "FTC-002"]


def test_exceptions_apply_to_the_named_post_only(project):
    posts = project / "posts.jsonl"
    posts.write_text(
        json.dumps({"id": "p1", "caption": SP}) + "\n" + json.dumps({"id": "p2", "caption": SP}) + "\n",
        encoding="utf-8",
    )
    (project / "brands.txt").write_text("@glowlyskin\n", encoding="utf-8")
    (project / "compliance.toml").write_text(
        'jurisdictions = ["us"]\nbrands = "brands.txt"\n'
        'exceptions = [{ post = "p1", rule = "FTC-002", reason = "legal accepted #sp for this repost" }]\n',
        encoding="utf-8",
    )
    out = project / "report.json"
    result = CliRunner().invoke(main, ["scan", str(posts), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 1
    report = json.loads(out.read_text(encoding="utf-8"))
    by_id = {p["id"]: p["verdicts"]["us"] for p in report["posts"]}
    assert by_id["p1"]["findings"] == [] and by_id["p1"]["status"] == "compliant"
    assert [f["rule"] for f in by_id["p2"]["findings"]] == ["FTC-002"]
    # Waived, not lost: the finding stays on the post with the exception's reason and origin.
    [waived] = by_id["p1"]["waived"]
    assert waived["rule"] == "FTC-002" and waived["text"] == "#sp"
    assert waived["waiver"] == {
        "post": "p1",
        "rule": "FTC-002",
        "reason": "legal accepted #sp for this repost",
        "source": str(project / "compliance.toml"),
    }
    assert "waived" not in by_id["p2"]
    assert report["summary"]["waivers"] == [{**waived["waiver"], "matched": 1}]
    schema = json.loads(
        (Path(__file__).resolve().parent.parent / "compliance" / "schema" / "report.schema.json").read_text(
            encoding="utf-8"
        )
    )
    jsonschema.validate(report, schema)  # the new fields are part of the documented contract
    with pytest.raises(jsonschema.ValidationError):  # and the schema really describes them
        jsonschema.validate({**report, "summary": {**report["summary"], "waivers": [{"post": "p1"}]}}, schema)


def test_an_exception_that_matches_nothing_is_reported(project):
    posts = project / "posts.jsonl"
    posts.write_text(json.dumps({"id": "p1", "caption": SP}) + "\n", encoding="utf-8")
    (project / "compliance.toml").write_text(
        'jurisdictions = ["us"]\n'
        'exceptions = [{ post = "p1", rule = "FTC-005", reason = "old", by = "legal@brand.example", date = 2026-03-02 },'
        ' "p404:FTC-002"]\n',
        encoding="utf-8",
    )
    out = project / "report.json"
    result = CliRunner().invoke(main, ["scan", str(posts), "--brand", "@glowlyskin", "-o", str(out)])
    assert result.exit_code == 1
    waivers = json.loads(out.read_text(encoding="utf-8"))["summary"]["waivers"]
    assert [(w["post"], w["rule"], w["matched"]) for w in waivers] == [("p1", "FTC-005", 0), ("p404", "FTC-002", 0)]
    assert waivers[0]["by"] == "legal@brand.example" and waivers[0]["date"] == "2026-03-02"
    assert "exception p1:FTC-005" in result.stderr and "exception p404:FTC-002" in result.stderr
    assert "matched no finding" in result.stderr


def test_waived_findings_are_in_every_report_format(project):
    posts = project / "posts.jsonl"
    posts.write_text(json.dumps({"id": "p1", "caption": SP}) + "\n", encoding="utf-8")
    (project / "compliance.toml").write_text(
        'jurisdictions = ["us"]\nexceptions = [{ post = "p1", rule = "FTC-002", reason = "signed off by legal" }]\n',
        encoding="utf-8",
    )
    for fmt in ("html", "text", "csv"):
        out = project / f"report.{fmt}"
        result = CliRunner().invoke(
            main,
            ["scan", str(posts), "--brand", "@glowlyskin", "--format", fmt, "-o", str(out)],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, fmt
        text = out.read_text(encoding="utf-8")
        assert "FTC-002" in text and "signed off by legal" in text, fmt


def test_defaults_and_order_come_from_the_rule_files(project):
    from compliance.ruleset.loader import default_codes, default_dirs, jurisdiction_codes

    shipped = Path(__file__).resolve().parent.parent / "rules"
    house = project / "house"
    house.mkdir()
    text = (shipped / "nz.toml").read_text(encoding="utf-8").replace('code = "nz"', 'code = "zz"')
    (house / "zz.toml").write_text(text.replace("order = 170", "order = 5\ndefault = true"), encoding="utf-8")
    dirs = default_dirs([house])
    assert jurisdiction_codes(dirs)[:2] == ["zz", "us"]
    assert default_codes(dirs) == ["zz", "us", "uk", "de", "fr"]
    result, data = check("--rules-dir", str(house))
    assert sorted(data["verdicts"]) == ["de", "fr", "uk", "us", "zz"]


def test_house_rules_dir_adds_a_stricter_variant(project):
    """A legal team's us-strict extends us and makes the platform-label-only rule an error."""
    shipped = (Path(__file__).resolve().parent.parent / "rules" / "us.toml").read_text(encoding="utf-8")
    strict = shipped.replace('code = "us"', 'code = "us-strict"').replace('extends = "base"', 'extends = "us"')
    strict = strict.replace(
        'check = "label-review"\nseverity = "warning"\nmessage = "Only the platform',
        'check = "label-review"\nseverity = "error"\nmessage = "Only the platform',
    )
    assert strict.count('severity = "error"') == shipped.count('severity = "error"') + 1
    (project / "house").mkdir()
    (project / "house" / "us-strict.toml").write_text(strict, encoding="utf-8")
    (project / "compliance.toml").write_text(
        'rules_dir = "house"\njurisdictions = ["us", "us-strict"]\n', encoding="utf-8"
    )
    posts = project / "posts.jsonl"
    posts.write_text(
        json.dumps(
            {"id": "p1", "caption": "Weekend rides with @peakfit", "paid_partnership": True, "brands": ["@peakfit"]}
        )
        + "\n",
        encoding="utf-8",
    )
    out = project / "report.json"
    result = CliRunner().invoke(main, ["scan", str(posts), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 1
    verdicts = json.loads(out.read_text(encoding="utf-8"))["posts"][0]["verdicts"]
    assert verdicts["us"]["status"] == "review"
    assert verdicts["us-strict"]["status"] == "violation"
    assert [(f["rule"], f["severity"]) for f in verdicts["us-strict"]["findings"]] == [("FTC-008", "error")]
    listed = CliRunner().invoke(main, ["rules", "list", "-j", "us-strict"], catch_exceptions=False)
    assert "FTC-008   error    label-review" in listed.output


def test_broken_config_exits_2_naming_the_file(project):
    (project / "compliance.toml").write_text('selekt = ["FTC"]\n', encoding="utf-8")
    result, _ = check()
    assert result.exit_code == 2
    assert "compliance.toml:1: unknown config key 'selekt' (did you mean 'select'?)" in result.output


def test_exceptions_travel_to_worker_processes_and_into_the_state_fingerprint():
    """--jobs rebuilds the Scanner from a spec in each worker; --state must not reuse old results."""
    from compliance.judging.scanner import Scanner
    from compliance.model import Post, Source
    from compliance.run.chunks import ScannerSpec
    from compliance.run.state import fingerprint

    plain = Scanner(["us"], brands=["@glowlyskin"])
    excepted = Scanner(["us"], brands=["@glowlyskin"], exceptions={"p1": ["FTC-002"]})
    rebuilt = ScannerSpec.of(excepted).build()
    post = Post(id="p1", caption=SP, source=Source("t"))
    assert rebuilt.judge(post).verdicts["us"].status == "compliant"
    assert plain.judge(post).verdicts["us"].status == "violation"
    assert fingerprint(plain)[0] != fingerprint(excepted)[0]


# ------------------------------------------------------------ rule keys that name no rule
@pytest.mark.parametrize(
    ("text", "where", "suggestion"),
    [
        ('severity = { "FTC-08" = "warning" }\n', "compliance.toml:1: severity.FTC-08", "FTC-008"),
        (
            '# house settings\n\n[severity]\n"FTC-008" = "error"\n"ftc-002" = "info"\n',
            "compliance.toml:5: severity.ftc-002",
            "FTC-002",
        ),
        ('jurisdictions = ["us"]\nselect = [\n  "FTC",\n  "FCT",\n]\n', "compliance.toml:4: select 'FCT'", "FTC"),
        ('ignore = ["missing-disclosur"]\n', "compliance.toml:1: ignore 'missing-disclosur'", "missing-disclosure"),
    ],
)
def test_a_config_key_naming_no_rule_exits_2_where_it_was_written(project, text, where, suggestion):
    """A typo under severity/select/ignore used to change nothing (or, with select, judge nothing)."""
    (project / "compliance.toml").write_text(text, encoding="utf-8")
    result, _ = check()
    assert result.exit_code == 2, result.output
    assert where in result.output and f"did you mean {suggestion!r}" in result.output


@pytest.mark.parametrize(
    ("flag", "where", "suggestion"),
    [
        (["--severity", "FTC-08=info"], "--severity FTC-08=info", "FTC-008"),
        (["--select", "missing-disclosures"], "--select missing-disclosures", "missing-disclosure"),
        (["--ignore", "FTC-DISCOVR"], "--ignore FTC-DISCOVR", "FTC"),
    ],
)
def test_a_flag_naming_no_rule_exits_2(project, flag, where, suggestion):
    result, _ = check(*flag)
    assert result.exit_code == 2, result.output
    assert where in result.output and "names no rule" in result.output and suggestion in result.output


def test_keys_of_other_jurisdictions_and_discover_names_are_accepted(project):
    """A shared config may name rules of jurisdictions this run does not judge."""
    (project / "compliance.toml").write_text(
        '[severity]\n"FTC-008" = "error"\n"missing-disclosure" = "warning"\n', encoding="utf-8"
    )
    result, report = check("-j", "de", "--ignore", "FTC-DISCOVER,discover")
    assert result.exit_code in (0, 1), result.output
    assert "de" in json.dumps(report) and "names no rule" not in result.output
    result, _ = check("-j", "uk", "--select", "FTC", "--select", "uk", "--select", "ASA-00")
    assert result.exit_code in (0, 1), result.output


def test_serve_refuses_a_key_naming_no_rule_before_listening(project):
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--severity", "FTC-08=info"])
    assert result.exit_code == 2 and "did you mean 'FTC-008'" in result.output
