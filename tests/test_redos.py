"""ReDoS: no regex can hang a scan.

1. The loader refuses rule-file patterns with nested quantifiers (`(a+)+$`), in vocabulary
   `patterns` and in check `params.*patterns`, with a message naming file and pattern.
2. A catastrophic pattern the static check cannot see (`(a|aa)+$`) costs one post an error
   record; the run goes on and the next post is judged.
3. An audit of the source: every regex the package compiles has no nested quantifier (or is on
   a short, justified list), and the modules that read captions only use the `regex` module and
   pass `timeout=` on every match over caption text.
4. Pathological captions (100 KB of `#a#a...`, deep emoji-modifier and combining-mark runs)
   finish through the real CLI within a generous subprocess timeout (not a timing assertion).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.model import Post, Source
from compliance.ruleset.loader import RuleFileError, default_dirs, load_ruleset
from compliance.safe_regex import nested_quantifier

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "compliance"
CLI_TIMEOUT = 300  # seconds: generous; a hang is what we guard against, not slowness


# --- 1. the static check ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        r"(a+)+$",
        r"(a*)*b",
        r"(?:\w+\s?)+$",
        r"((a+)b)+",
        r"(a{1,30})+",
        r"(\p{L}+)*x",
        r"(?P<party>[^\n]+)+ for",
        r"(?:x|(?:y+z?)+)+$",
    ],
)
def test_static_check_flags_nested_quantifiers(pattern):
    problem = nested_quantifier(pattern)
    assert problem is not None
    assert "repeats" in problem and "possessive" in problem


@pytest.mark.parametrize(
    "pattern",
    [
        r"(a+)++",
        r"(?>a+)+",
        r"(ab)+",
        r"a+b+",
        r"(?:x{2})+",
        r"\(a+\)+",
        r"[(a+)]+",
        r"(?:the |this )?",
        r"\b(?:thanks|thank you)(?: so much)?(?: to)? (?P<party>@[\w.]+|[^\n!?.]{1,30}?)(?= for\b|[!.\n]|$)",
    ],
)
def test_static_check_passes_safe_patterns(pattern):
    assert nested_quantifier(pattern) is None


def _rules_dir(tmp_path: Path, vocabulary_patterns=(), extra_rule: str = "") -> Path:
    """A jurisdiction `zz` extending base, with one vocabulary entry, one rule and maybe another."""
    vocab = ", ".join("'" + p + "'" for p in vocabulary_patterns)
    text = (
        textwrap.dedent(f"""\
        [ruleset]
        code = "zz"
        name = "Test land"
        version = "1"
        extends = "base"

        [vocabulary.zz-label]
        meaning = "advertising"
        language = "en"
        hashtags = ["zzad"]
        patterns = [{vocab}]

        [labels]
        accepted = ["zz-label"]

        [[rules]]
        id = "ZZ-001"
        name = "missing-disclosure"
        check = "requires-disclosure"
        severity = "error"
        message = "Not labelled."
        citation = {{ source = "Test", url = "https://example.org/zz" }}
        examples.pass = ["#zzad my @glowlyskin serum", "Rainy Sunday."]
        examples.fail = ["Loving my @glowlyskin serum"]
        """)
        + extra_rule
    )
    (tmp_path / "zz.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_loader_rejects_a_catastrophic_vocabulary_pattern(tmp_path):
    rules = _rules_dir(tmp_path, vocabulary_patterns=[r"\bsponsored (a+)+$"])
    with pytest.raises(RuleFileError) as err:
        load_ruleset("zz", default_dirs([rules]))
    message = str(err.value)
    assert str(rules / "zz.toml") in message
    assert "[vocabulary.zz-label]" in message
    assert "(a+)+" in message and "unsafe" in message


def test_loader_accepts_the_same_pattern_made_possessive(tmp_path):
    rules = _rules_dir(tmp_path, vocabulary_patterns=[r"\bsponsored (a++)+$"])
    ruleset = load_ruleset("zz", default_dirs([rules]))
    assert ruleset.vocabulary["zz-label"].patterns == (r"\bsponsored (a++)+$",)


def test_loader_rejects_a_catastrophic_check_parameter_pattern(tmp_path):
    rule = textwrap.dedent("""
        [[rules]]
        id = "ZZ-002"
        name = "gambling"
        check = "restricted-category"
        severity = "warning"
        message = "Gambling: {text}"
        params.patterns = ['casino( ?\\w+)*!']
        citation = { source = "Test", url = "https://example.org/zz" }
        examples.pass = ["#zzad my serum"]
        examples.fail = ["#zzad casino night!"]
        """)
    rules = _rules_dir(tmp_path, extra_rule=rule)
    with pytest.raises(RuleFileError) as err:
        load_ruleset("zz", default_dirs([rules]))
    message = str(err.value)
    assert "rule ZZ-002" in message and "params.patterns" in message
    assert "casino( ?" in message and "unsafe" in message


def test_cli_reports_the_unsafe_pattern_as_a_usage_error(tmp_path):
    """Through the real CLI: exit 2, the file and pattern named, no traceback."""
    rules = _rules_dir(tmp_path, vocabulary_patterns=[r"(x*)*y"])
    proc = subprocess.run(
        [sys.executable, "-m", "compliance", "check", "hello", "-j", "zz", "--rules-dir", str(rules)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
    )
    assert proc.returncode == 2, proc.stderr
    assert "(x*)*" in proc.stderr and "zz.toml" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_every_shipped_rule_pattern_passes_the_static_check():
    """All jurisdictions load (so all their patterns passed `_compile`), and there are patterns."""
    codes = sorted(p.stem for p in (ROOT / "rules").glob("*.toml") if p.stem != "base")
    total = 0
    for code in codes:
        ruleset = load_ruleset(code)
        for entry in ruleset.vocabulary.values():
            for pattern in entry.patterns:
                assert nested_quantifier(pattern) is None, (code, pattern)
                total += 1
    assert total > 0


# --- 2. the timeout backstop -----------------------------------------------------------------


def test_a_catastrophic_pattern_costs_one_post_not_the_run(tmp_path):
    """`(a|aa)+$` passes the static check (overlapping alternatives) and backtracks
    exponentially; the timeout turns that post into an error record, the next is judged."""
    from compliance.judging.scanner import Scanner

    rules = _rules_dir(tmp_path, vocabulary_patterns=[r"\b(a|aa)+$"])
    scanner = Scanner(["zz"], brands=["Glowly"], rules_dirs=[rules])
    slow = scanner.judge_record(Post(id="slow", caption="a" * 60 + "!", source=Source("t", line=1)))
    fine = scanner.judge_record(Post(id="fine", caption="#zzad Glowly serum", source=Source("t", line=2)))
    assert slow.error is not None and "timed out" in slow.error
    assert slow.id == "slow" and slow.caption == "a" * 60 + "!"
    assert fine.error is None and fine.verdicts["zz"].status == "compliant"


# --- 3. the audit ----------------------------------------------------------------------------

# Modules whose regexes run over caption text: `regex` only, and `timeout=` on every match.
CAPTION_MODULES = ["analysis/", "judging/", "ruleset/checks/"]
MATCH_METHODS = {"finditer", "findall", "search", "match", "fullmatch", "sub", "subn", "split"}
# Compiled patterns with a repeated group around a repetition that cannot overlap (each turn
# of the outer loop must consume a character the inner one cannot), so backtracking is linear.
UNAMBIGUOUS = {
    r'"[^"\\]*(?:\\.[^"\\]*)*"',  # jsonstream: a JSON string, the unrolled-loop idiom
    r"\d{1,3}(?:[ ,.\u00a0\u202f']\d{3})+|\d+",  # categories: digit groups split by separators
}


def _py_files(spec: list[str] | None = None) -> list[Path]:
    files = sorted(PACKAGE.rglob("*.py"))
    if spec is None:
        return files
    return [f for f in files if any(str(f.relative_to(PACKAGE)).startswith(s) for s in spec)]


def _compiled_literals(tree: ast.AST):
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "compile"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in ("re", "regex")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def test_no_compiled_pattern_in_the_package_nests_quantifiers():
    seen = 0
    for path in _py_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for lineno, pattern in _compiled_literals(tree):
            seen += 1
            if pattern in UNAMBIGUOUS:
                continue
            problem = nested_quantifier(pattern)
            # signals._URL: `(?:[a-z0-9-]+\.)+` -- every turn ends in a dot the class cannot match.
            if problem and r"(?:[a-z0-9-]+\.)+" in pattern:
                continue
            assert problem is None, f"{path.relative_to(ROOT)}:{lineno}: {problem}"
    assert seen > 20


def _module_patterns(tree: ast.Module) -> set[str]:
    """Names bound at module level to regex.compile(...)."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "compile"
                and isinstance(func.value, ast.Name)
                and func.value.id == "regex"
            ):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def test_caption_modules_match_only_with_a_timeout():
    checked = 0
    for path in _py_files(CAPTION_MODULES):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
                assert "re" not in names, f"{where}:{node.lineno}: stdlib `re` has no timeout; use `regex`"
        compiled = _module_patterns(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            method, receiver = node.func.attr, node.func.value
            if method not in MATCH_METHODS:
                continue
            is_pattern = isinstance(receiver, ast.Name) and (
                receiver.id in compiled or "pattern" in receiver.id or receiver.id.endswith("_re")
            )
            is_pattern = is_pattern or (method == "finditer")
            if isinstance(receiver, ast.Name) and receiver.id == "regex":
                is_pattern = True  # regex.search(pattern, text) called directly
            if not is_pattern:
                continue
            checked += 1
            keywords = {k.arg for k in node.keywords}
            assert "timeout" in keywords, f"{where}:{node.lineno}: {ast.unparse(node)[:80]} has no timeout="
    assert checked >= 8


# --- 4. pathological captions through the CLI ----------------------------------------------

PATHOLOGICAL = {
    "hash_pairs_100k": "#a" * 50_000,
    "emoji_modifiers": "\U0001f44d" + "\U0001f3fd" * 30_000 + " #ad",
    "combining_marks": "a" + "\u0301" * 50_000 + " #ad Glowly",
    "zero_width_run": "#" + "\u200b" * 50_000 + "ad Glowly",
    "glued_tags": "#ad" * 10_000,
    "handles": "@glowlyskin" * 5_000,
    "dots_and_words": ("www." + "a." * 20_000 + "com/"),
    "code_words": "code " * 10_000 + "LENA15",
    "thanks_no_end": "thanks " + "to " * 15_000,
    "nested_brackets": "(" * 15_000 + "#ad" + ")" * 15_000,  # spaCy's suffix search was quadratic here
}


def test_pathological_captions_finish(tmp_path):
    """All of them in one `compliance check --files` run (one spaCy start-up), within the
    subprocess timeout; each is judged with exact spans, or gets a timed-out error record."""
    names = sorted(PATHOLOGICAL)
    files = []
    for name in names:
        path = tmp_path / f"{name}.txt"
        path.write_text(PATHOLOGICAL[name], encoding="utf-8")
        files.append(str(path))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "compliance",
            "check",
            "--files",
            "--format",
            "json",
            "--brand",
            "Glowly",
            "--brand",
            "@glowlyskin",
            *files,
        ],
        cwd=ROOT,
        capture_output=True,
        timeout=CLI_TIMEOUT,
    )
    assert proc.returncode in (0, 1, 2), proc.stderr.decode(errors="replace")[-2000:]
    assert b"Traceback" not in proc.stderr
    posts = json.loads(proc.stdout)
    assert [p["source"]["file"] for p in posts] == files
    for name, post in zip(names, posts, strict=False):
        caption = PATHOLOGICAL[name]
        assert post["caption"] == caption, name
        if post["error"] is None:
            assert set(post["verdicts"]) == {"us", "uk", "de", "fr"}, name
            for span in post["signals"] + post["disclosures"]:
                assert caption[span["start"] : span["end"]] == span["text"], name
        else:
            assert "timed out" in post["error"], (name, post["error"])


# --- 5. a polynomial regex the audit found in the X reader, replaced by a linear walk ------------

_OLD_TRAILING = r"(?:\s*(?:https?://t\.co/\w+|…|\.\.\.))+\s*$"


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "https://t.co/",
                "http://t.co/",
                "abc",
                "_",
                "é",
                " ",
                "\n",
                "…",
                "...",
                ".",
                "x",
                "t.co/",
                "://t.co/a",
                "https",
                "\u2003",
                "!",
                "1",
            ]
        ),
        max_size=8,
    ).map("".join)
)
def test_x_trailing_strip_matches_the_regex_it_replaced(text):
    import re

    from compliance.readers.xarchive import strip_trailing

    assert strip_trailing(text) == re.sub(_OLD_TRAILING, "", text)


def test_x_trailing_strip_of_a_hostile_tweet_finishes():
    from compliance.readers.xarchive import strip_trailing

    text = "Loved it " + "https://t.co/a1" * 40_000
    assert strip_trailing(text) == "Loved it"
    assert strip_trailing(text + "!") == text + "!"
