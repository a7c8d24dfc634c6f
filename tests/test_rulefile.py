"""A broken rule file stops the run with a message naming file, line and rule."""

from __future__ import annotations

import pytest

from compliance.paths import data_dir
from compliance.ruleset.loader import RuleFileError, load_file

GOOD = (data_dir("rules") / "us.toml").read_text(encoding="utf-8")


def broken(tmp_path, text):
    path = tmp_path / "us.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_syntax_error_names_the_line(tmp_path):
    path = broken(tmp_path, GOOD.replace('severity = "error"', 'severity = "error', 1))
    with pytest.raises(RuleFileError, match=r"us\.toml: TOML syntax error: .*line \d+"):
        load_file(path)


def test_unknown_check_type_names_file_line_rule_and_suggests(tmp_path):
    path = broken(tmp_path, GOOD.replace('check = "label-placement"', 'check = "label-placment"', 1))
    with pytest.raises(RuleFileError) as exc:
        load_file(path)
    line = next(i for i, ln in enumerate(GOOD.splitlines(), 1) if '"FTC-005"' in ln)
    assert f"us.toml:{line}: rule FTC-005: unknown check type 'label-placment'" in str(exc.value)
    assert "did you mean 'label-placement'" in str(exc.value)


def test_unknown_key_is_rejected(tmp_path):
    path = broken(tmp_path, GOOD.replace('severity = "error"', 'severty = "error"', 1))
    with pytest.raises(RuleFileError, match=r"rule FTC-001: unknown key 'severty' \(did you mean 'severity'\?\)"):
        load_file(path)


def test_rule_without_examples_or_citation_is_rejected(tmp_path):
    text = GOOD.replace(
        'examples.fail = ["Loving my @glowlyskin serum", "Use code LENA15 for 15% off Glowly"]\n', "", 1
    )
    with pytest.raises(RuleFileError, match="FTC-001: needs examples"):
        load_file(broken(tmp_path, text))


def test_duplicate_ids_are_rejected(tmp_path):
    with pytest.raises(RuleFileError, match="FTC-001: id used twice"):
        load_file(broken(tmp_path, GOOD.replace('id = "FTC-002"', 'id = "FTC-001"')))


def test_pattern_that_does_not_compile_is_rejected(tmp_path):
    text = GOOD + '\n[vocabulary.broken]\npatterns = ["(unclosed"]\n'
    with pytest.raises(RuleFileError, match=r"\[vocabulary.broken\]: pattern '\(unclosed' does not compile"):
        load_file(broken(tmp_path, text))


def test_label_class_must_name_known_labels(tmp_path):
    text = GOOD.replace('accepted = ["ad",', 'accepted = ["add",', 1)
    with pytest.raises(RuleFileError, match="unknown label 'add' \\(did you mean 'ad'\\?\\)"):
        load_file(broken(tmp_path, text))
