"""The generated reference is current: docs/rules/, docs/checks.md and the rule-file schema are
exactly what the rule files and check types produce (regenerate with scripts/update_docs.py)."""

from __future__ import annotations

import datetime
import json
import tomllib

import jsonschema
import pytest

from compliance.paths import data_dir
from compliance.ruleset.reference import reference_files
from tests.conftest import ROOT

FILES = reference_files()


def test_every_generated_file_is_committed_and_current():
    stale = [
        rel
        for rel, text in FILES.items()
        if not (ROOT / rel).is_file() or (ROOT / rel).read_text(encoding="utf-8") != text
    ]
    assert stale == [], "run `python scripts/update_docs.py` and commit the result"


def test_no_rule_page_is_left_over_from_a_removed_rule():
    on_disk = {str(p.relative_to(ROOT)) for p in (ROOT / "docs" / "rules").rglob("*.md")}
    assert on_disk - set(FILES) == set()


def test_a_rule_page_says_what_why_fix_examples_and_source():
    page = FILES["docs/rules/us/FTC-002.md"]
    for heading in ("## What it flags", "## Why", "## Fix", "## Examples", "## Source"):
        assert heading in page
    assert "Loving my mornings with @glowlyskin #sp" in page  # a failing example, verbatim
    assert "(../../checks.md#label-insufficient)" in page


def test_checks_page_lists_every_check_type_with_its_parameters():
    page = FILES["docs/checks.md"]
    assert "## restricted-category" in page and "| `unless_terms` | list of strings |" in page
    assert "## label-placement" in page and "| `require` | string |" in page


def _json_ready(value):
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


@pytest.mark.parametrize("path", sorted(data_dir("rules").glob("*.toml")), ids=lambda p: p.name)
def test_shipped_rule_files_match_the_rule_file_schema(path):
    schema = json.loads(FILES["compliance/schema/rulefile.schema.json"])
    data = _json_ready(tomllib.loads(path.read_text(encoding="utf-8")))
    jsonschema.validate(data, schema)


def test_the_schema_rejects_a_misspelt_parameter():
    schema = json.loads(FILES["compliance/schema/rulefile.schema.json"])
    bad = {
        "rules": [
            {
                "id": "FTC-999",
                "name": "x",
                "check": "label-placement",
                "severity": "error",
                "message": "m",
                "citation": {"source": "s", "url": "https://x.example"},
                "examples": {"pass": ["a"], "fail": ["b"]},
                "params": {"requires": "start"},
            }
        ]
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
