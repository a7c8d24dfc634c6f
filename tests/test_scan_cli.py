"""The CLI contract: inputs, exit codes, bad input as error records, schema, determinism."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES, ROOT

CAMPAIGN = FIXTURES / "campaign.jsonl"
MALFORMED = FIXTURES / "malformed.jsonl"
BRANDS = FIXTURES / "brands.txt"


def run(*args, stdin: bytes | None = None, cwd=ROOT):
    proc = subprocess.run(
        [sys.executable, "-m", "compliance", *map(str, args)], input=stdin, capture_output=True, cwd=cwd, timeout=300
    )
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


@pytest.fixture(scope="module")
def campaign_report():
    code, out, err = run(
        "scan",
        CAMPAIGN.relative_to(ROOT),
        "--brands",
        BRANDS.relative_to(ROOT),
        "-j",
        "us",
        "-j",
        "uk",
        "-j",
        "de",
        "-j",
        "fr",
    )
    assert code == 1, err
    return out


def test_report_matches_schema(campaign_report):
    import jsonschema

    schema = json.loads((ROOT / "compliance" / "schema" / "report.schema.json").read_text())
    jsonschema.validate(json.loads(campaign_report), schema)


def test_report_is_byte_identical_across_runs(campaign_report):
    code, again, _ = run(
        "scan",
        CAMPAIGN.relative_to(ROOT),
        "--brands",
        BRANDS.relative_to(ROOT),
        "-j",
        "us",
        "-j",
        "uk",
        "-j",
        "de",
        "-j",
        "fr",
    )
    assert again == campaign_report


def test_report_matches_the_golden_file(campaign_report):
    golden = (ROOT / "tests" / "golden" / "campaign.json").read_text(encoding="utf-8")
    assert campaign_report == golden, "regenerate with: python scripts/update_golden.py (and review the diff)"


def test_report_has_no_absolute_paths_or_timestamps(campaign_report):
    assert str(ROOT) not in campaign_report
    data = json.loads(campaign_report)
    assert data["inputs"] == ["fixtures/posts/campaign.jsonl"]
    assert data["posts"][0]["source"] == {"file": "fixtures/posts/campaign.jsonl", "line": 1}


def test_summary_counts_match_the_posts(campaign_report):
    data = json.loads(campaign_report)
    for j, counts in data["summary"]["by_jurisdiction"].items():
        statuses = [p["verdicts"][j]["status"] for p in data["posts"]]
        assert counts == {s: statuses.count(s) for s in ("violation", "review", "compliant", "clear")}
    assert data["summary"]["posts"] == len(data["posts"]) == 24


def test_every_offset_quotes_the_caption(campaign_report):
    for post in json.loads(campaign_report)["posts"]:
        cap = post["caption"]
        for item in post["signals"] + post["disclosures"]:
            assert cap[item["start"] : item["end"]] == item["text"]
        for verdict in post["verdicts"].values():
            for f in verdict["findings"]:
                if f["start"] is not None:
                    assert cap[f["start"] : f["end"]] == f["text"]
                assert f["citation"]["url"].startswith("http")


def test_bad_lines_become_error_records_in_order():
    code, out, err = run("scan", MALFORMED.relative_to(ROOT), "--brands", BRANDS.relative_to(ROOT), "-j", "us")
    assert code == 1 and "Traceback" not in err
    posts = json.loads(out)["posts"]
    assert [p["source"]["line"] for p in posts] == [1, 2, 3, 4, 5, 6, 8, 9]  # line 7 is blank
    errors = {p["source"]["line"]: p["error"] for p in posts if p["error"]}
    assert errors[2].startswith("line 2: invalid JSON")
    assert errors[3] == "line 3: expected a JSON object, got list"
    assert errors[4] == "line 4: post has no `caption`"
    assert "not valid UTF-8" in errors[6] and posts[5]["id"] == "m6"
    assert posts[0]["verdicts"]["us"]["status"] == "compliant"
    assert posts[6]["platform"] == "myspace" and posts[6]["verdicts"]["us"]["status"] == "violation"
    assert json.loads(out)["summary"]["errors"] == 5


def test_huge_caption_is_an_error_record_not_a_crash(tmp_path):
    path = tmp_path / "huge.jsonl"
    path.write_text(
        json.dumps({"id": "big", "caption": "#ad " + "x" * 1_000_000})
        + "\n"
        + json.dumps({"id": "ok", "caption": "#ad Glowly"})
        + "\n"
    )
    code, out, err = run("scan", path, "--brand", "Glowly", "-j", "us")
    posts = json.loads(out)["posts"]
    assert [p["id"] for p in posts] == ["big", "ok"]
    assert "over the limit" in posts[0]["error"]
    assert posts[1]["verdicts"]["us"]["status"] == "compliant"


def test_stdin_input():
    line = json.dumps({"id": "s1", "caption": "Loving my @glowlyskin serum #sp"}).encode() + b"\n"
    code, out, _ = run("scan", "-", "--brand", "@glowlyskin", "-j", "us", stdin=line)
    data = json.loads(out)
    assert code == 1
    assert data["posts"][0]["source"] == {"file": "<stdin>", "line": 1}
    finding = data["posts"][0]["verdicts"]["us"]["findings"][0]
    assert (finding["rule"], finding["text"], finding["start"]) == ("FTC-002", "#sp", 28)


def test_exit_zero_when_nothing_violates(tmp_path):
    path = tmp_path / "ok.jsonl"
    path.write_text(json.dumps({"id": "a", "caption": "#ad Glowly serum"}) + "\n")
    code, out, _ = run("scan", path, "--brand", "Glowly", "-j", "us", "-j", "uk")
    assert code == 0
    assert json.loads(out)["summary"]["by_jurisdiction"]["us"]["compliant"] == 1


@pytest.mark.parametrize(
    "args, needle",
    [
        (["scan", "does-not-exist.jsonl"], "does-not-exist.jsonl"),
        (["scan", "fixtures/posts/campaign.jsonl", "-j", "xx"], "no rule file for jurisdiction 'xx'"),
        (["scan", "fixtures/posts/campaign.jsonl", "--brands", "nope.txt"], "nope.txt"),
        (["scan", "fixtures/posts/campaign.jsonl", "--format", "pdf"], "unknown format"),
    ],
)
def test_usage_and_input_errors_exit_2_without_traceback(args, needle):
    code, out, err = run(*args)
    assert code == 2
    assert needle in err and "Traceback" not in err


def test_output_file(tmp_path):
    out_file = tmp_path / "r.json"
    code, out, _ = run(
        "scan", CAMPAIGN.relative_to(ROOT), "--brands", BRANDS.relative_to(ROOT), "-j", "us", "-o", out_file
    )
    assert out == "" and json.loads(out_file.read_text())["summary"]["posts"] == 24


def test_check_one_caption_as_json():
    code, out, _ = run(
        "check", "Loving my @glowlyskin serum #sp", "-j", "us", "--brand", "@glowlyskin", "--format", "json"
    )
    assert code == 1
    assert '"FTC-002"' in out
