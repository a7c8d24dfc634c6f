"""Every shipped fixture post states the rule ids it must raise; anything else is a failure."""

from __future__ import annotations

import json

import pytest

from tests.conftest import FIXTURES

POSTS = [json.loads(line) for line in (FIXTURES / "campaign.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def scanner():
    from compliance.config import load_brand_file
    from compliance.judging.scanner import Scanner

    return Scanner(["us", "uk", "de", "fr"], brands=load_brand_file(str(FIXTURES / "brands.txt")))


@pytest.mark.parametrize("raw", POSTS, ids=[p["id"] for p in POSTS])
def test_fixture_raises_exactly_the_stated_rules(scanner, raw):
    from compliance.model import Source
    from compliance.readers.post_fields import post_from_object

    post = post_from_object(raw, Source("campaign.jsonl"))
    result = scanner.judge(post)
    for jurisdiction, expected in raw["expect"].items():
        raised = sorted({f.rule for f in result.verdicts[jurisdiction].findings})
        assert raised == sorted(expected), f"{raw['id']} [{jurisdiction}]"
