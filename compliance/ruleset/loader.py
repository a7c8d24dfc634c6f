"""Rule files: TOML data, parsed (never executed), validated, with errors naming file, line, rule.

A jurisdiction file `extends` another (usually `base`) and inherits its vocabulary, signal
wording, platform folds and label classes; it states its own rules. A legal team must never get
a report that silently dropped a jurisdiction, so anything wrong stops the run.
"""

from __future__ import annotations

import bisect
import datetime
import difflib
import re
import tomllib
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import regex

from compliance.model import PLATFORMS, SEVERITIES, STATUSES, Citation
from compliance.paths import data_dir
from compliance.ruleset.model import (
    STATEMENT_CLASSES,
    Authority,
    Case,
    Examples,
    Rule,
    RuleSet,
    StatementEntry,
    VocabEntry,
    url_host,
)
from compliance.safe_regex import compile_safe


class RuleFileError(Exception):
    """A rule file that cannot be used; the message names file, line and rule."""


RULESET_KEYS = {
    "code",
    "name",
    "version",
    "extends",
    "abstract",
    "regulator",
    "languages",
    "order",
    "default",
    "summary",
    "url",
    "status",
    "effective",
    "reviewed",
}
TOP_KEYS = {
    "ruleset",
    "vocabulary",
    "signals",
    "platforms",
    "placement",
    "labels",
    "rules",
    "examples",
    "authorities",
    "cases",
    "statements",
    "fix",
}
VOCAB_KEYS = {
    "meaning",
    "language",
    "hashtags",
    "words",
    "phrases",
    "brand_hashtags",
    "brand_phrases",
    "patterns",
    "commercial",
    "note",
    "cjk_forms",
    "display",
}
LABEL_KEYS = {
    "accepted",
    "review",
    "add_accepted",
    "add_review",
    "remove",
    "accepted_statements",
    "review_statements",
    "hashtag_only",
}
RULE_KEYS = {
    "id",
    "name",
    "check",
    "severity",
    "message",
    "why",
    "fix",
    "citation",
    "params",
    "examples",
    "confidence",
    "group",
    "note",
    "see_also",
    "effective",
    "reviewed",
}
CITATION_KEYS = {"source", "url", "pinpoint", "outside_authorities"}
SEE_ALSO_KEYS = {"source", "url", "pinpoint"}
AUTHORITY_KEYS = {"name", "domains"}
CASE_KEYS = {
    "id",
    "title",
    "authority",
    "decided",
    "url",
    "caption",
    "outcome",
    "expect",
    "rules",
    "brands",
    "platform",
    "paid_partnership",
    "decided_under",
    "not_run",
    "note",
}
EXAMPLE_KEYS = {"pass", "fail", "brands", "platform", "paid_partnership", "metadata"}
PLATFORM_KEYS = {"fold_chars", "fold_lines", "video"}


def _where(path: Path, text: str, needle: str | None) -> int:
    """The 1-based line where `needle` first appears, for error messages (0 if unknown)."""
    if not needle:
        return 0
    if _BREAKS.isdisjoint(needle):  # then its first occurrence lies within the first line holding it
        at = text.find(needle)
        return 0 if at < 0 else bisect.bisect_right(_lines(text)[1], at)
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    return 0


# What str.splitlines() ends a line at. Lines are looked up for every key and rule of a file,
# also when nothing is wrong (rules keep their line): splitting the text and scanning its lines
# each time cost about a quarter of loading a rule file.
_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


@lru_cache(maxsize=8)
def _lines(text: str) -> tuple[list[str], list[int]]:
    """The text's lines (as str.splitlines) and the offset each starts at."""
    starts, at = [], 0
    for line in text.splitlines(keepends=True):
        starts.append(at)
        at += len(line)
    return text.splitlines(), starts


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Loader:
    def __init__(self, dirs: list[Path]):
        self.dirs = dirs
        self.cache: dict[str, tuple[Path, str, dict]] = {}

    def find(self, code: str) -> Path:
        for d in self.dirs:
            p = d / f"{code}.toml"
            if p.is_file():
                return p
        known = sorted({p.stem for d in self.dirs if d.is_dir() for p in d.glob("*.toml")} - {"base"})
        raise RuleFileError(
            f"no rule file for jurisdiction {code!r}{_suggest(code, known)}; available: {', '.join(known)}"
        )

    def raw(self, code: str) -> tuple[Path, str, dict]:
        if code not in self.cache:
            self.cache[code] = parse_file(self.find(code))
        return self.cache[code]


def parse_file(path: Path) -> tuple[Path, str, dict]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(f"{path}: cannot read rule file: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(f"{path}: TOML syntax error: {exc}") from None
    except RecursionError:
        raise RuleFileError(f"{path}: TOML nested too deeply to read") from None
    return path, text, data


def default_dirs(extra: list[Path] | None = None) -> list[Path]:
    """User rule directories first, so a legal team can override or add a country."""
    return [*(extra or []), data_dir("rules")]


def jurisdiction_codes(dirs: list[Path]) -> list[str]:
    """Every rule file that is a jurisdiction (not an abstract one like base), in the files' own
    `order` (files without one follow, by code). The first folder that has a code wins."""
    ranked = []
    for code in sorted({p.stem for d in dirs if d.is_dir() for p in d.glob("*.toml")}):
        meta = _meta(code, dirs)
        if not meta.get("abstract"):
            order = meta.get("order")
            ranked.append((order if isinstance(order, int) and not isinstance(order, bool) else 1 << 30, code))
    return [code for _, code in sorted(ranked)]


def default_codes(dirs: list[Path]) -> list[str]:
    """The jurisdictions judged when none is asked for: the files that say `default = true`."""
    return [code for code in jurisdiction_codes(dirs) if _meta(code, dirs).get("default") is True]


def _meta(code: str, dirs: list[Path]) -> dict:
    path = next((d / f"{code}.toml" for d in dirs if (d / f"{code}.toml").is_file()), None)
    if path is None:
        return {}
    try:
        meta = parse_file(path)[2].get("ruleset", {})
    except RuleFileError:
        return {}  # a broken file is reported when it is loaded, not hidden here
    return meta if isinstance(meta, dict) else {}


def load_ruleset(code: str, dirs: list[Path] | None = None) -> RuleSet:
    loader = _Loader(dirs or default_dirs())
    return _guarded_build(code, loader)


def load_file(path: Path, dirs: list[Path] | None = None) -> RuleSet:
    """Load one rule file by path (for `rules validate/test`); `extends` resolves in its folder."""
    path = Path(path)
    loader = _Loader([path.parent, *(dirs or default_dirs())])
    loader.cache[path.stem] = parse_file(path)
    return _guarded_build(path.stem, loader)


def _guarded_build(code: str, loader: _Loader) -> RuleSet:
    """A value of a type no check below foresaw is still a rule-file error (exit 2), never a traceback."""
    try:
        return _build(code, loader, seen=())
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError) as exc:
        files = ", ".join(str(p) for p, _, _ in loader.cache.values()) or code
        raise RuleFileError(f"{files}: a value has the wrong type: {type(exc).__name__}: {exc}") from None


# Expected types of the tables every file may hold (checked per file, before `extends` merges them).
_STR, _INT, _BOOL, _STRS = "a string", "a positive whole number", "true or false", "a list of strings"
RULESET_TYPES = {
    "code": _STR,
    "name": _STR,
    "version": _STR,
    "extends": _STR,
    "abstract": _BOOL,
    "regulator": _STR,
    "languages": _STRS,
    "order": "a whole number",
    "default": _BOOL,
    "summary": _STR,
    "url": _STR,
    "status": _STR,
}
PLATFORM_TYPES = {"fold_chars": _INT, "fold_lines": _INT, "video": _BOOL}
PLACEMENT_TYPES = {"hashtag_block_min": _INT}
VOCAB_TYPES = {
    "meaning": _STR,
    "language": _STR,
    "note": _STR,
    "commercial": _BOOL,
    **{
        key: _STRS
        for key in ("hashtags", "words", "phrases", "brand_hashtags", "brand_phrases", "patterns", "cjk_forms")
    },
}
TABLES = ("ruleset", "vocabulary", "signals", "platforms", "placement", "labels", "examples", "fix", "statements")
LISTS = ("rules", "cases", "authorities")


def _type_ok(value: Any, kind: str) -> bool:
    if kind == _STR:
        return isinstance(value, str)
    if kind == _BOOL:
        return isinstance(value, bool)
    if kind == _STRS:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    whole = isinstance(value, int) and not isinstance(value, bool)
    return whole and (kind != _INT or value > 0)


def _check_types(path: Path, text: str, data: dict) -> None:
    """Every value of [ruleset], [platforms], [placement], [signals] and [labels] has its type, and
    every table is a table, so a wrong type stops at load naming file, line and key (exit 2)."""

    def fail(key: str, what: str, value: Any) -> None:
        raise RuleFileError(f"{path}:{_key_line(text, key.split()[-1])}: {key} must be {what}, not {value!r}")

    for name in TABLES:
        if name in data and not isinstance(data[name], dict):
            raise RuleFileError(
                f"{path}:{_key_line(text, name) or _where(path, text, name)}: {name} must be "
                f"a table ([{name}]), not {data[name]!r}"
            )
    for name in LISTS:
        if name in data and not isinstance(data[name], list):
            raise RuleFileError(
                f"{path}:{_key_line(text, name) or _where(path, text, name)}: {name} must be "
                f"an array of tables ([[{name}]]), not {data[name]!r}"
            )
    for key, kind in RULESET_TYPES.items():
        value = data.get("ruleset", {}).get(key)
        if value is not None and not _type_ok(value, kind):
            fail(f"[ruleset] {key}", kind, value)
    for name, table in data.get("platforms", {}).items():
        if not isinstance(table, dict):
            fail(f"[platforms] {name}", "a table", table)
        for key, kind in PLATFORM_TYPES.items():
            if key in table and not _type_ok(table[key], kind):
                fail(f"[platforms.{name}] {key}", kind, table[key])
    for key, value in data.get("placement", {}).items():
        wanted = PLACEMENT_TYPES.get(key)  # an unknown key is `rules validate`'s to report
        if wanted is not None and not _type_ok(value, wanted):
            fail(f"[placement] {key}", wanted, value)
    for key, value in data.get("signals", {}).items():
        if not _type_ok(value, _STRS):
            fail(f"[signals] {key}", _STRS, value)
    for key, value in data.get("labels", {}).items():
        if not _type_ok(value, _STRS):
            fail(f"[labels] {key}", _STRS, value)
    for name, entry in data.get("vocabulary", {}).items():
        if not isinstance(entry, dict):
            fail(f"[vocabulary] {name}", "a table", entry)
        for key, kind in VOCAB_TYPES.items():
            if key in entry and not _type_ok(entry[key], kind):
                fail(f"[vocabulary.{name}] {key}", kind, entry[key])
    brands = data.get("examples", {}).get("brands")
    if brands is not None and not _type_ok(brands, _STRS):
        fail("[examples] brands", _STRS, brands)
    for name, entry in data.get("statements", {}).items():
        if not isinstance(entry, dict):
            fail(f"[statements] {name}", "a table", entry)


def _merge(parent: dict, child: dict) -> dict:
    merged = dict(parent)
    for key in ("vocabulary", "platforms", "statements"):
        table = dict(parent.get(key, {}))
        for name, value in child.get(key, {}).items():
            table[name] = {**table.get(name, {}), **value}
        merged[key] = table
    for key in ("signals", "placement", "examples", "fix"):
        merged[key] = {**parent.get(key, {}), **child.get(key, {})}
    labels = dict(parent.get("labels", {}))
    child_labels = child.get("labels", {})
    for key in ("accepted", "review", "accepted_statements", "review_statements", "hashtag_only"):
        if key in child_labels:
            labels[key] = list(child_labels[key])
    for key, target in (("add_accepted", "accepted"), ("add_review", "review")):
        for item in child_labels.get(key, []):
            labels[target] = [x for x in labels.get(target, []) if x != item] + [item]
            other = "review" if target == "accepted" else "accepted"
            labels[other] = [x for x in labels.get(other, []) if x != item]
    for item in child_labels.get("remove", []):
        for key in ("accepted", "review"):
            labels[key] = [x for x in labels.get(key, []) if x != item]
    merged["labels"] = labels
    merged["ruleset"] = child.get("ruleset", {})
    merged["rules"] = child.get("rules", [])
    merged["authorities"] = tuple(parent.get("authorities", ())) + tuple(child.get("authorities", ()))
    merged["cases"] = child.get("cases", [])  # a decision is judged under the file that records it
    return merged


def _resolve(code: str, loader: _Loader, seen: tuple[str, ...]) -> tuple[Path, str, dict]:
    if code in seen:
        raise RuleFileError(f"rule files extend each other in a loop: {' -> '.join(seen + (code,))}")
    path, text, data = loader.raw(code)
    _check_types(path, text, data)
    unknown = set(data) - TOP_KEYS
    for key in sorted(unknown):
        raise RuleFileError(f"{path}:{_where(path, text, key)}: unknown table {key!r}{_suggest(key, TOP_KEYS)}")
    data = {**data, "authorities": _authorities(data.get("authorities", []), path, text)}
    _check_signals(data.get("signals", {}), path, text)
    parent_code = data.get("ruleset", {}).get("extends")
    if not parent_code:
        return path, text, data
    _, _, parent = _resolve(parent_code, loader, seen + (code,))
    return path, text, _merge(parent, data)


def _check_signals(table: Any, path: Path, text: str) -> None:
    """[signals] values are word lists: a bare string ("amzn.to") would be read as its letters."""
    if not isinstance(table, dict):
        raise RuleFileError(f"{path}:{_where(path, text, '[signals]')}: [signals] must be a table")
    for key, value in table.items():
        _strings(value, f"{path}:{_key_line(text, key, _where(path, text, '[signals]'))}: [signals] {key}")


def _build(code: str, loader: _Loader, seen: tuple[str, ...]) -> RuleSet:
    path, text, data = _resolve(code, loader, seen)
    ctx = f"{path}"
    meta = data.get("ruleset", {})
    for key in meta:
        if key not in RULESET_KEYS:
            raise RuleFileError(
                f"{ctx}:{_where(path, text, key)}: [ruleset] unknown key {key!r}{_suggest(key, RULESET_KEYS)}"
            )
    for key in ("code", "name", "version"):
        if not isinstance(meta.get(key), str) or not meta.get(key):
            raise RuleFileError(f"{ctx}:{_where(path, text, '[ruleset]')}: [ruleset] needs a `{key}` string")
    if meta["code"] != path.stem:
        raise RuleFileError(
            f"{ctx}:{_where(path, text, 'code')}: [ruleset] code {meta['code']!r} "
            f"must match the file name {path.stem!r}"
        )
    vocabulary = _vocabulary(data.get("vocabulary", {}), path, text)
    platforms = data.get("platforms", {})
    if "default" not in platforms:
        raise RuleFileError(f'{ctx}: no [platforms.default] fold (inherit it with extends = "base")')
    for name, table in platforms.items():
        for key in table:
            if key not in PLATFORM_KEYS:
                raise RuleFileError(
                    f"{ctx}:{_where(path, text, key)}: [platforms.{name}] unknown key "
                    f"{key!r}{_suggest(key, PLATFORM_KEYS)}"
                )
    labels = data.get("labels", {})
    for key in labels:
        if key not in LABEL_KEYS:
            raise RuleFileError(
                f"{ctx}:{_where(path, text, key)}: [labels] unknown key {key!r}{_suggest(key, LABEL_KEYS)}"
            )
    for key in ("accepted", "review", "hashtag_only"):
        for label in _strings(labels.get(key), f"{ctx}:{_where(path, text, key)}: [labels] {key}"):
            if label not in vocabulary and label != "platform-paid-partnership":
                raise RuleFileError(
                    f"{ctx}:{_where(path, text, label)}: [labels] {key} names unknown "
                    f"label {label!r}{_suggest(label, vocabulary)}"
                )
    dates = {
        key: _date(meta[key], f"{ctx}:{_key_line(text, key)}: [ruleset] {key}")
        for key in ("effective", "reviewed")
        if key in meta
    }
    statements = _statements(data.get("statements", {}), path, text)
    for key in ("accepted_statements", "review_statements"):
        for cls in _strings(labels.get(key), f"{ctx}:{_where(path, text, key)}: [labels] {key}"):
            if cls not in STATEMENT_CLASSES or cls == "denial":
                raise RuleFileError(
                    f"{ctx}:{_where(path, text, key)}: [labels] {key} names unknown statement "
                    f"class {cls!r}{_suggest(cls, STATEMENT_CLASSES)}"
                )
    fix = data.get("fix", {})
    if not isinstance(fix, dict) or set(fix) - {"order"}:
        raise RuleFileError(f"{ctx}:{_where(path, text, '[fix]')}: [fix] holds only `order`, a list of label keys")
    fix_order = _strings(fix.get("order"), f"{ctx}:{_where(path, text, 'order')}: [fix] order")
    example_brands = tuple(data.get("examples", {}).get("brands", ()))
    rules = tuple(
        _rule(r, i, path, text, code, vocabulary, example_brands, dates.get("reviewed"))
        for i, r in enumerate(data.get("rules", []))
    )
    rules = _hand_out_labels(rules)
    seen_ids: dict[str, int] = {}
    for rule in rules:
        if rule.id in seen_ids:
            raise RuleFileError(f"{ctx}:{rule.line}: rule {rule.id}: id used twice (first at line {seen_ids[rule.id]})")
        seen_ids[rule.id] = rule.line
    if not meta.get("abstract") and not rules:
        raise RuleFileError(f"{ctx}: a jurisdiction file needs at least one [[rules]] entry")
    return RuleSet(
        code=code,
        name=meta["name"],
        version=meta["version"],
        file=str(path),
        regulator=str(meta.get("regulator", "")),
        vocabulary=vocabulary,
        signals=data.get("signals", {}),
        platforms=platforms,
        placement=data.get("placement", {}),
        accepted=frozenset(labels.get("accepted", [])),
        review=frozenset(labels.get("review", [])),
        rules=rules,
        example_brands=example_brands,
        meta=dict(meta),
        effective=dates.get("effective"),
        reviewed=dates.get("reviewed"),
        authorities=tuple(data.get("authorities", ())),
        cases=_cases(data.get("cases", []), path, text, code, rules, platforms),
        statements=statements,
        accepted_statements=frozenset(labels.get("accepted_statements", [])),
        review_statements=frozenset(labels.get("review_statements", [])),
        hashtag_only=frozenset(labels.get("hashtag_only", [])),
        fix_order=fix_order,
    )


def _hand_out_labels(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """A label rule without `labels` is the catch-all of its check type: it gets, written on it,
    the labels its siblings name, so no rule looks at another while judging."""
    claimed: dict[str, set[str]] = {}
    for rule in rules:
        claimed.setdefault(rule.check, set()).update(getattr(rule.params, "labels", ()))
    return tuple(
        replace(rule, params=replace(rule.params, _claimed=tuple(sorted(claimed[rule.check]))))
        if hasattr(rule.params, "_claimed") and not rule.params.labels
        else rule
        for rule in rules
    )


def _display(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise RuleFileError(f"{where} display must be a non-empty string (how `fix` writes the label)")
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleFileError(f"{where} must be a list of strings")
    return tuple(value)


def _vocabulary(table: dict, path: Path, text: str) -> dict[str, VocabEntry]:
    out = {}
    for key, entry in table.items():
        line = _where(path, text, f"[vocabulary.{key}]")
        where = f"{path}:{line}: [vocabulary.{key}]"
        for k in entry:
            if k not in VOCAB_KEYS:
                raise RuleFileError(f"{where} unknown key {k!r}{_suggest(k, VOCAB_KEYS)}")
        patterns = _strings(entry.get("patterns"), f"{where} patterns")
        for pattern in patterns:
            _compile(pattern, where)
        for tmpl in _strings(entry.get("brand_hashtags"), where) + _strings(entry.get("brand_phrases"), where):
            if "{brand}" not in tmpl:
                raise RuleFileError(f"{where} brand template {tmpl!r} has no {{brand}}")
        out[key] = VocabEntry(
            key=key,
            meaning=str(entry.get("meaning", "advertising")),
            language=str(entry.get("language", "")),
            hashtags=_strings(entry.get("hashtags"), f"{where} hashtags"),
            words=_strings(entry.get("words"), f"{where} words"),
            phrases=_strings(entry.get("phrases"), f"{where} phrases"),
            brand_hashtags=_strings(entry.get("brand_hashtags"), where),
            brand_phrases=_strings(entry.get("brand_phrases"), where),
            patterns=patterns,
            commercial=bool(entry.get("commercial", True)),
            cjk_forms=_strings(entry.get("cjk_forms"), f"{where} cjk_forms"),
            display=_display(entry.get("display"), where),
        )
    return out


def _compile(pattern: str, where: str):
    try:
        return compile_safe(pattern)
    except ValueError as exc:
        raise RuleFileError(f"{where}: {exc}") from None


def _rule(
    raw: Any, index: int, path: Path, text: str, code: str, vocabulary, example_brands, file_reviewed: str | None = None
) -> Rule:
    # Imported here, not at the top: the check types pull in the analysis, and `compliance --help`
    # imports this module through `compliance rules` (measured: 150 ms of a 290 ms start-up).
    from compliance.ruleset.checks import CHECKS, ParamError

    if not isinstance(raw, dict):
        raise RuleFileError(f"{path}: [[rules]] entry {index + 1} is not a table")
    rid = raw.get("id")
    line = _where(path, text, f'"{rid}"') if isinstance(rid, str) else 0
    where = f"{path}:{line}: rule {rid or '#' + str(index + 1)}"
    for key in raw:
        if key not in RULE_KEYS:
            raise RuleFileError(f"{where}: unknown key {key!r}{_suggest(key, RULE_KEYS)}")
    for key in ("id", "name", "check", "severity", "message"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise RuleFileError(f"{where}: needs a `{key}` string")
    assert isinstance(rid, str)  # raw["id"], checked just above
    prefix = rid.split("-")[0]
    if not rid[len(prefix) :].startswith("-") or not prefix.isupper():
        raise RuleFileError(f"{where}: id must be PREFIX-NNN with an upper-case jurisdiction prefix")
    if raw["check"] not in CHECKS:
        raise RuleFileError(f"{where}: unknown check type {raw['check']!r}{_suggest(raw['check'], CHECKS.names())}")
    if raw["severity"] not in SEVERITIES:
        raise RuleFileError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
    if raw["name"] != raw["name"].lower() or " " in raw["name"]:
        raise RuleFileError(f"{where}: name must be kebab-case, e.g. 'missing-disclosure'")
    cit = raw.get("citation")
    if not isinstance(cit, dict) or not cit.get("source") or not str(cit.get("url", "")).startswith("http"):
        raise RuleFileError(f'{where}: needs citation = {{ source = "...", url = "https://..." }}')
    who = f"rule {rid}"
    citation, outside = _citation(cit, path, text, line, who)
    see_also = _see_also(raw.get("see_also"), path, text, line, who)
    rule_dates = {
        key: _date(raw[key], f"{path}:{_key_line(text, key, line)}: rule {rid}: {key}")
        for key in ("effective", "reviewed")
        if key in raw
    }
    table = raw.get("params", {})
    if isinstance(table, dict):
        for label in table.get("labels", []) if isinstance(table.get("labels"), list) else ():
            if label not in vocabulary and label not in STATEMENT_CLASSES and label != "platform-paid-partnership":
                raise RuleFileError(
                    f"{where}: params.labels names unknown label {label!r}{_suggest(label, vocabulary)}"
                )
    try:
        params = CHECKS.get(raw["check"]).parse(table)
    except ParamError as exc:
        raise RuleFileError(f"{where}: {exc}") from None
    ex = raw.get("examples")
    if not isinstance(ex, dict) or not ex.get("pass") or not ex.get("fail"):
        raise RuleFileError(f"{where}: needs examples with at least one `pass` and one `fail` caption")
    for key in ex:
        if key not in EXAMPLE_KEYS:
            raise RuleFileError(f"{where}: examples: unknown key {key!r}{_suggest(key, EXAMPLE_KEYS)}")
    if not isinstance(ex.get("metadata", {}), dict):
        raise RuleFileError(f"{where}: examples.metadata must be a table, e.g. {{ followers = 600000 }}")
    examples = Examples(
        passing=_strings(ex.get("pass"), f"{where}: examples.pass"),
        failing=_strings(ex.get("fail"), f"{where}: examples.fail"),
        brands=_strings(ex.get("brands"), f"{where}: examples.brands") or example_brands,
        platform=ex.get("platform"),
        paid_partnership=bool(ex.get("paid_partnership", False)),
        metadata=dict(ex.get("metadata", {})),
    )
    return Rule(
        id=rid,
        name=raw["name"],
        check=raw["check"],
        severity=raw["severity"],
        message=raw["message"].strip(),
        citation=citation,
        jurisdiction=code,
        file=str(path),
        line=line,
        why=str(raw.get("why", "")).strip(),
        fix=raw.get("fix"),
        params=params,
        examples=examples,
        confidence=str(raw.get("confidence", "high")),
        group=raw.get("group"),
        see_also=see_also,
        effective=rule_dates.get("effective"),
        reviewed=rule_dates.get("reviewed", file_reviewed),
        outside_authorities=outside,
    )


# ----------------------------------------------------------- sources, dates and published decisions
# The loader only type-checks these; what every shipped file must have (pinpoints, dates,
# authorities, citations on an authority's domain) is checked by `compliance rules validate`
# (compliance.ruleset.sources), so files being converted still load.


def _key_line(text: str, key: str, start: int = 1) -> int:
    """The first line at or after `start` (1-based) that sets `key` (`key =`, `key.x =` or inline)."""
    pattern = re.compile(r"(?:^|[\s{,])" + re.escape(key) + r"\s*[=.]")
    first = max(start, 1)
    if key and _BREAKS.isdisjoint(key):  # only lines holding `key` can match: visit just those
        lines, starts = _lines(text)
        at = text.find(key, starts[first - 1] if first <= len(starts) else len(text))
        while at >= 0:
            i = bisect.bisect_right(starts, at)
            if pattern.search(lines[i - 1]):
                return i
            at = text.find(key, starts[i] if i < len(starts) else len(text))
        return start if start > 1 else 0
    for i, line in enumerate(text.splitlines()[first - 1 :], first):
        if pattern.search(line):
            return i
    return start if start > 1 else 0


def _nth_line(text: str, header: str, n: int) -> int:
    """The line of the n-th (0-based) `header` line, e.g. the third `[[cases]]`."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if line.strip() == header]
    return hits[n] if n < len(hits) else 0


def _date(value: Any, where: str) -> str:
    """A TOML local date as an ISO string; anything else (a quoted string, a date-time) is an error."""
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise RuleFileError(f"{where} must be a TOML date like 2023-07-26 (no quotes, no time), not {value!r}")
    return value.isoformat()


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RuleFileError(f"{where} must be a non-empty string")
    return value.strip()


def _url(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")) or not url_host(value):
        raise RuleFileError(f"{where} must be an http(s) URL, not {value!r}")
    return value


def _citation(cit: dict, path: Path, text: str, line: int, who: str) -> tuple[Citation, str | None]:
    for key in cit:
        if key not in CITATION_KEYS:
            raise RuleFileError(
                f"{path}:{_key_line(text, key, line)}: {who}: citation: "
                f"unknown key {key!r}{_suggest(key, CITATION_KEYS)}"
            )
    out = {}
    for key in ("pinpoint", "outside_authorities"):
        if key in cit:
            out[key] = _text(cit[key], f"{path}:{_key_line(text, key, line)}: {who}: citation.{key}")
    return (Citation(str(cit["source"]), str(cit["url"]), out.get("pinpoint")), out.get("outside_authorities"))


def _see_also(value: Any, path: Path, text: str, line: int, who: str) -> tuple[Citation, ...]:
    if value is None:
        return ()
    at = f"{path}:{_key_line(text, 'see_also', line)}: {who}: see_also"
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise RuleFileError(f'{at} must be a list of {{ source = "...", url = "https://..." }} tables')
    out = []
    for i, item in enumerate(value, 1):
        if not isinstance(item, dict):
            raise RuleFileError(f"{at} entry {i} is not a table")
        for key in item:
            if key not in SEE_ALSO_KEYS:
                raise RuleFileError(f"{at} entry {i}: unknown key {key!r}{_suggest(key, SEE_ALSO_KEYS)}")
        source = _text(item.get("source"), f"{at} entry {i}: source")
        url = _url(item.get("url"), f"{at} entry {i}: url")
        pinpoint = _text(item["pinpoint"], f"{at} entry {i}: pinpoint") if "pinpoint" in item else None
        out.append(Citation(source, url, pinpoint))
    return tuple(out)


def _authorities(value: Any, path: Path, text: str) -> tuple[Authority, ...]:
    if isinstance(value, tuple):  # already parsed (a merged parent)
        return value
    if not isinstance(value, list):
        raise RuleFileError(
            f"{path}:{_nth_line(text, '[[authorities]]', 0)}: authorities must be [[authorities]] tables"
        )
    out = []
    for i, item in enumerate(value):
        line = _nth_line(text, "[[authorities]]", i)
        where = f"{path}:{line}: [[authorities]] entry {i + 1}"
        if not isinstance(item, dict):
            raise RuleFileError(f"{where} is not a table")
        for key in item:
            if key not in AUTHORITY_KEYS:
                raise RuleFileError(
                    f"{path}:{_key_line(text, key, line)}: [[authorities]] entry {i + 1}: "
                    f"unknown key {key!r}{_suggest(key, AUTHORITY_KEYS)}"
                )
        name = _text(item.get("name"), f"{where}: name")
        domains = item.get("domains")
        dline = _key_line(text, "domains", line)
        if not isinstance(domains, list) or not domains or not all(isinstance(d, str) and d for d in domains):
            raise RuleFileError(
                f"{path}:{dline}: [[authorities]] {name!r}: domains must be a non-empty "
                f'list of domain names, e.g. ["ftc.gov"]'
            )
        for d in domains:
            if "/" in d or ":" in d or " " in d or d != d.lower() or d.startswith("."):
                raise RuleFileError(
                    f"{path}:{dline}: [[authorities]] {name!r}: domain {d!r} must be a lower-case "
                    f'host name like "ftc.gov" (no scheme, path or leading dot)'
                )
        out.append(Authority(name, tuple(domains), str(path), line))
    return tuple(out)


def _cases(value: Any, path: Path, text: str, code: str, rules: tuple[Rule, ...], platforms: dict) -> tuple[Case, ...]:
    if not isinstance(value, list):
        raise RuleFileError(f"{path}:{_nth_line(text, '[[cases]]', 0)}: cases must be [[cases]] tables")
    rule_ids = {r.id for r in rules}
    out: list[Case] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(value):
        line = _nth_line(text, "[[cases]]", i)
        if not isinstance(item, dict):
            raise RuleFileError(f"{path}:{line}: [[cases]] entry {i + 1} is not a table")
        cid = item.get("id")
        name = f"case {cid}" if isinstance(cid, str) and cid else f"[[cases]] entry {i + 1}"

        def at(key: str, line: int = line, name: str = name) -> str:
            return f"{path}:{_key_line(text, key, line)}: {name}: {key}"

        for key in item:
            if key not in CASE_KEYS:
                raise RuleFileError(
                    f"{path}:{_key_line(text, key, line)}: {name}: unknown key {key!r}{_suggest(key, CASE_KEYS)}"
                )
        for key in ("id", "title", "authority", "outcome"):
            if key not in item:
                raise RuleFileError(f"{path}:{line}: {name}: needs `{key}`")
            _text(item[key], at(key))
        assert isinstance(cid, str)  # item["id"], checked by _text just above
        for key in ("decided", "url", "caption"):
            if key not in item:
                raise RuleFileError(f"{path}:{line}: {name}: needs `{key}`")
        not_run = _text(item["not_run"], at("not_run")) if "not_run" in item else None
        caption = item["caption"]
        if not isinstance(caption, str) or (not caption.strip() and not not_run):
            raise RuleFileError(f"{at('caption')} must be the caption the decision quotes (a non-empty string)")
        expect = item.get("expect")
        if expect is None and not not_run:
            raise RuleFileError(f"{path}:{line}: {name}: needs `expect` ({' | '.join(STATUSES)})")
        if expect is not None and expect not in STATUSES:
            raise RuleFileError(
                f"{at('expect')} must be one of {', '.join(STATUSES)}, not {expect!r}{_suggest(str(expect), STATUSES)}"
            )
        case_rules = _strings(item.get("rules"), at("rules"))
        if case_rules and expect not in ("violation", "review"):
            raise RuleFileError(f"{at('rules')}: only a case that expects violation or review names rules")
        for rid in case_rules:
            if rid not in rule_ids:
                raise RuleFileError(f"{at('rules')}: no rule {rid!r} in this file{_suggest(rid, rule_ids)}")
        platform = item.get("platform")
        if platform is not None and (not isinstance(platform, str) or platform not in _platform_names(platforms)):
            raise RuleFileError(
                f"{at('platform')} must be one of {', '.join(sorted(_platform_names(platforms)))}, not {platform!r}"
            )
        paid = item.get("paid_partnership", False)
        if not isinstance(paid, bool):
            raise RuleFileError(f"{at('paid_partnership')} must be true or false")
        case = Case(
            id=cid.strip(),
            title=item["title"].strip(),
            authority=item["authority"].strip(),
            decided=_date(item["decided"], at("decided")),
            url=_url(item["url"], at("url")),
            caption=caption,
            outcome=item["outcome"].strip(),
            file=str(path),
            line=_key_line(text, "id", line) if line else _where(path, text, f'"{cid}"'),
            expect=expect,
            rules=case_rules,
            brands=_strings(item.get("brands"), at("brands")),
            platform=platform,
            paid_partnership=paid,
            decided_under=_text(item["decided_under"], at("decided_under")) if "decided_under" in item else None,
            not_run=not_run,
            note=_text(item["note"], at("note")) if "note" in item else None,
        )
        if case.id in seen:
            raise RuleFileError(f"{path}:{case.line}: case {case.id}: id used twice (first at line {seen[case.id]})")
        seen[case.id] = case.line
        out.append(case)
    return tuple(out)


def _platform_names(platforms: dict) -> set[str]:
    return set(PLATFORMS) | {p for p in platforms if p != "default"}


# ------------------------------------------------------------------ disclosure statements
# Sentence-level disclosures ("if you buy through these links I earn a commission") are spaCy
# Matcher token patterns in `[statements.<key>]` tables. Each match is widened to its sentence;
# the class says what the sentence discloses, and `[labels] accepted_statements` decides per
# jurisdiction which classes suffice. Patterns are checked here so a typo names file and line.
STATEMENT_KEYS = {"class", "language", "patterns", "examples", "not_examples", "note", "commercial"}
TOKEN_ATTRS = {"ORTH", "TEXT", "LOWER", "NORM", "IS_PUNCT", "IS_SPACE", "IS_DIGIT", "IS_ALPHA", "LIKE_URL", "LIKE_NUM"}
TOKEN_OPS = {"?", "!", "+"}
MAX_REPEAT = 12  # wildcards are bounded: `{0,12}` at most, never `*`


def _op_ok(op: Any) -> bool:
    if op in TOKEN_OPS:
        return True
    m = regex.fullmatch(r"\{(\d{1,2})?,(\d{1,2})\}|\{(\d{1,2})\}", op) if isinstance(op, str) else None
    if not m:
        return False
    numbers = [int(g) for g in m.groups() if g is not None]
    return max(numbers) <= MAX_REPEAT and (m.group(1) is None or int(m.group(1)) <= int(m.group(2)))


def _token_problem(token: Any) -> str | None:
    """Why one token pattern is malformed, or None."""
    if not isinstance(token, dict):
        return 'a token pattern must be a table such as { LOWER = "commission" }'
    for attr, value in token.items():
        if attr == "OP":
            if not _op_ok(value):
                return f"OP {value!r} must be one of ?, !, + or a bounded {{n,m}} with m <= {MAX_REPEAT}"
            continue
        if attr not in TOKEN_ATTRS:
            return f"unknown token attribute {attr!r}{_suggest(attr, TOKEN_ATTRS)}"
        if attr.startswith(("IS_", "LIKE_")):
            if not isinstance(value, bool):
                return f"{attr} must be true or false"
        elif isinstance(value, dict):
            if set(value) - {"IN", "NOT_IN"} or not value:
                return f"{attr} table may hold only IN / NOT_IN lists"
            for items in value.values():
                if not isinstance(items, list) or not items or not all(isinstance(v, str) and v for v in items):
                    return f"{attr} IN / NOT_IN must be non-empty lists of strings"
        elif not isinstance(value, str) or not value:
            return f"{attr} must be a string or {{ IN = [...] }}"
    if token.get("OP") == "+" and set(token) == {"OP"}:
        return 'a wildcard token needs a bounded OP such as "{0,6}"'
    return None


def _statements(table: Any, path: Path, text: str) -> dict[str, StatementEntry]:
    if not isinstance(table, dict):
        raise RuleFileError(f"{path}: [statements] must be a table of tables")
    out = {}
    for key, entry in table.items():
        where = f"{path}:{_where(path, text, f'[statements.{key}]')}: [statements.{key}]"
        if not isinstance(entry, dict):
            raise RuleFileError(f"{where} must be a table")
        for k in entry:
            if k not in STATEMENT_KEYS:
                raise RuleFileError(f"{where} unknown key {k!r}{_suggest(k, STATEMENT_KEYS)}")
        cls = entry.get("class")
        if cls not in STATEMENT_CLASSES:
            raise RuleFileError(
                f"{where} class must be one of {', '.join(STATEMENT_CLASSES)}{_suggest(str(cls), STATEMENT_CLASSES)}"
            )
        patterns = entry.get("patterns")
        if not isinstance(patterns, list) or not patterns:
            raise RuleFileError(f"{where} needs `patterns`: a list of token-pattern lists")
        for i, pattern in enumerate(patterns, 1):
            if not isinstance(pattern, list) or not pattern:
                raise RuleFileError(f"{where} pattern {i} must be a non-empty list of token tables")
            for token in pattern:
                problem = _token_problem(token)
                if problem:
                    raise RuleFileError(f"{where} pattern {i}: {problem}")
            if all(set(t) == {"OP"} for t in pattern):
                raise RuleFileError(f"{where} pattern {i} matches any text: it needs a word")
        examples = _strings(entry.get("examples"), f"{where} examples")
        if not examples:
            raise RuleFileError(f"{where} needs `examples`: sentences it must find (they run as tests)")
        out[key] = StatementEntry(
            key=key,
            cls=cls,
            language=str(entry.get("language", "")),
            patterns=tuple(tuple(dict(t) for t in p) for p in patterns),
            examples=examples,
            not_examples=_strings(entry.get("not_examples"), f"{where} not_examples"),
            commercial=bool(entry.get("commercial", cls != "denial")),
        )
    return out
