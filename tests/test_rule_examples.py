"""Every rule of every shipped rule file carries examples, and they hold (`pytest -k FTC-002`)."""

from __future__ import annotations

import pytest

from compliance.paths import data_dir
from compliance.ruleset.loader import load_ruleset

CODES = sorted(p.stem for p in data_dir("rules").glob("*.toml") if p.stem != "base")
RULES = [(code, rule) for code in CODES for rule in load_ruleset(code).rules]


@pytest.mark.parametrize("code, rule", RULES, ids=[r.id for _, r in RULES])
def test_rule_examples_hold(code, rule):
    from compliance.judging.examples import run_examples

    results = run_examples(load_ruleset(code), [rule])
    assert results, f"{rule.id} has no examples"
    assert {r.kind for r in results} == {"pass", "fail"}
    failures = [r.describe() for r in results if not r.ok]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("code, rule", RULES, ids=[r.id for _, r in RULES])
def test_rule_cites_its_source(code, rule):
    assert rule.citation.url.startswith(("http://", "https://"))
    assert rule.citation.source and rule.message and rule.name
    assert rule.id.split("-")[0].isupper()
