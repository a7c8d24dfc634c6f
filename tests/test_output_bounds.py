"""Output amplification (issue 17 item 12): one post cannot blow a report up.

A 48 KB caption of "#sp " x 12,000 used to give 12,000 findings per jurisdiction and a 39 MB
JSON report. Findings are capped per post and jurisdiction, signals and disclosures per post,
and the rest counted in the optional `*_omitted` fields; the status is decided on all of them.
"""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema

from compliance.judging.scanner import Scanner
from compliance.model import FINDINGS_CAP, SPANS_CAP, Post, Source
from compliance.reporters.document import build_report
from tests.conftest import ROOT

SCHEMA = json.loads((ROOT / "compliance" / "schema" / "report.schema.json").read_text())
CAPTION = "#sp " * 12_000


def test_findings_and_spans_are_capped_and_counted():
    scanner = Scanner(["us", "de"])
    result = scanner.judge_record(Post(id="sp", caption=CAPTION, source=Source("sp.jsonl", line=1)))
    report = build_report([result], scanner.jurisdictions, scanner.ruleset_meta(), ["sp.jsonl"])
    jsonschema.validate(report.data, SCHEMA)
    post = report.posts[0]
    for code, verdict in post["verdicts"].items():
        full = result.verdicts[code].findings
        assert len(full) > FINDINGS_CAP
        assert len(verdict["findings"]) == FINDINGS_CAP
        assert verdict["findings_omitted"] == len(full) - FINDINGS_CAP
        assert verdict["status"] == "violation"
        assert verdict["findings"] == [f.to_dict() for f in full[:FINDINGS_CAP]]
    assert len(post["disclosures"]) == SPANS_CAP
    assert post["disclosures_omitted"] == len(result.disclosures) - SPANS_CAP == 12_000 - SPANS_CAP
    assert "signals_omitted" not in post
    size = len(json.dumps(report.data))
    assert size < 10 * len(CAPTION), size  # was 39 MB: over 800 times the caption


def test_a_small_post_has_no_omitted_fields():
    scanner = Scanner(["us"])
    result = scanner.judge_record(Post(id="p", caption="Loving my #Glowly serum #sp", source=Source("a", line=1)))
    post = result.to_dict()
    assert not [k for k in post if k.endswith("_omitted")]
    assert not [k for v in post["verdicts"].values() for k in v if k.endswith("_omitted")]


def test_the_cli_report_of_ten_such_posts_stays_small(tmp_path):
    posts = tmp_path / "sp.jsonl"
    posts.write_text("".join(json.dumps({"id": f"p{i}", "caption": CAPTION}) + "\n" for i in range(3)))
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, "-m", "compliance", "scan", str(posts), "-j", "us", "--format", "json", "-o", str(out)],
        cwd=ROOT,
        capture_output=True,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stderr
    data = json.loads(out.read_text())
    jsonschema.validate(data, SCHEMA)
    assert [p["verdicts"]["us"]["findings_omitted"] > 0 for p in data["posts"]] == [True] * 3
    assert out.stat().st_size < 3 * 10 * len(CAPTION)
