"""`compliance rules`: tools for the people who write and maintain rule files.

    compliance rules list [-j CODE]...      every rule, by jurisdiction
    compliance rules explain RULE-ID        why, citation, check type, params, examples
    compliance rules test [FILE]...         run the rules' own pass/fail examples (exit 1 on failure)
    compliance rules validate FILE...       schema and lint, `file:line: rule: message` (exit 2 on failure)

Loading is the loader's job (compliance.ruleset.loader); this module adds the checks a loader need not
make on every scan: one id prefix per file and per jurisdiction, and no label wording claimed
by two labels.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import NoReturn

import click

from compliance.cli.errors import UsageProblem
from compliance.config import dir_options
from compliance.ruleset.loader import (
    RuleFileError,
    default_dirs,
    jurisdiction_codes,
    load_file,
    load_ruleset,
    parse_file,
)
from compliance.ruleset.model import Rule, RuleSet

SIGNAL_KEYS = {
    "gift_phrases",
    "credit_words",
    "party_gift_phrases",
    "partnership_phrases",
    "code_words",
    "affiliate_hosts",
    "affiliate_params",
    "amazon_hosts",
    "common_word_brands",
    "shopping_words",
}
PLACEMENT_KEYS = {"hashtag_block_min"}


def _fail(message: str) -> NoReturn:
    raise UsageProblem(message)


def _show(path: str | Path) -> str:
    """A path as short as it can be: relative to the working directory when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def rule_dirs(rule_flags: dict) -> list[Path]:
    """User rule folders from --rules-dir or the project config, then the shipped ones."""
    from compliance.config import ConfigError, resolve

    try:
        settings = resolve(**rule_flags)
    except ConfigError as exc:
        _fail(str(exc))
    return default_dirs([Path(d) for d in settings.rules_dirs])


def rule_params(rule: Rule) -> dict[str, object]:
    """The parameters a rule file set (the loader's own bookkeeping left out), as plain data."""
    return {
        f.name: list(v) if isinstance(v, tuple) else v
        for f in dataclasses.fields(rule.params)
        if f.init and not f.name.startswith("_")
        for v in [getattr(rule.params, f.name)]
        if v != f.default
    }


def _load(codes: list[str], dirs: list[Path]) -> list[RuleSet]:
    try:
        return [load_ruleset(code, dirs) for code in codes]
    except RuleFileError as exc:
        _fail(str(exc))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def rules() -> None:
    """List, explain, test and validate rule files."""


# --------------------------------------------------------------------------------------- list
@rules.command("list")
@click.option(
    "-j",
    "--jurisdiction",
    "jurisdictions",
    multiple=True,
    metavar="CODE",
    help="Only this jurisdiction (repeatable; default: all).",
)
@click.option(
    "--select", multiple=True, metavar="RULES", help="Only rules matching these ids, names, groups or prefixes."
)
@click.option("--ignore", multiple=True, metavar="RULES", help="Leave out rules matching these.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@dir_options
def list_rules(jurisdictions, select, ignore, fmt, rule_flags):
    """Every rule: id, severity, check type and name, by jurisdiction."""
    from compliance.config import split_list
    from compliance.ruleset.model import rule_selected

    dirs = rule_dirs(rule_flags)
    codes = [c.lower() for c in split_list(jurisdictions)] or jurisdiction_codes(dirs)
    rulesets = _load(codes, dirs)
    select, ignore = list(split_list(select)), list(split_list(ignore))
    if fmt == "json":
        rows = [
            {
                "jurisdiction": rs.code,
                "id": r.id,
                "name": r.name,
                "check": r.check,
                "severity": r.severity,
                "group": r.group,
                "message": r.message,
                "citation": r.citation.to_dict(),
                "effective": r.effective,
                "reviewed": r.reviewed,
            }
            for rs in rulesets
            for r in rs.rules
            if rule_selected(r, select, ignore)
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, sort_keys=True))
        return
    for i, rs in enumerate(rulesets):
        chosen = [r for r in rs.rules if rule_selected(r, select, ignore)]
        dates = "".join(f"  {key} {getattr(rs, key)}" for key in ("effective", "reviewed") if getattr(rs, key))
        click.echo(
            ("\n" if i else "")
            + click.style(f"{rs.code}  {rs.name}", bold=True)
            + f"  ({len(chosen)} rules, {_show(rs.file)}){dates}"
        )
        for r in chosen:
            click.echo(f"  {r.id:<9} {r.severity:<8} {r.check:<20} {r.name}")


# ------------------------------------------------------------------------------------ explain
@rules.command()
@click.argument("rule_id", metavar="RULE-ID")
@dir_options
def explain(rule_id, rule_flags):
    """What a rule checks and why: message, reasoning, citation, check type, params, examples."""
    import difflib

    dirs = rule_dirs(rule_flags)
    everything = {r.id.upper(): (rs, r) for rs in _load(jurisdiction_codes(dirs), dirs) for r in rs.rules}
    found = everything.get(rule_id.strip().upper())
    if found is None:
        close = difflib.get_close_matches(rule_id.strip().upper(), everything, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        _fail(f"no rule {rule_id!r}{hint}; `compliance rules list` shows them all")
    rs, r = found
    out = [
        click.style(f"{r.id}  {r.name}", bold=True) + f"  [{rs.code}: {rs.name}]",
        f"  file:       {_show(r.file)}:{r.line}",
        f"  check:      {r.check}",
        f"  severity:   {r.severity} (confidence {r.confidence})",
    ]
    if r.group:
        out.append(f"  group:      {r.group}")
    out += ["", "Message:", f"  {r.message}"]
    if r.why:
        out += ["", "Why:", f"  {r.why}"]
    if r.fix:
        out += ["", "Fix:", f"  {r.fix}"]
    out += ["", "Citation:", f"  {r.citation.source}", f"  {r.citation.url}"]
    if r.citation.pinpoint:
        out.append(f"  at {r.citation.pinpoint}")
    if r.outside_authorities:
        out.append(f"  outside the file's authorities: {r.outside_authorities}")
    if r.effective or r.reviewed:
        out.append("  " + "  ".join(f"{k} {v}" for k, v in (("effective", r.effective), ("reviewed", r.reviewed)) if v))
    if r.see_also:
        out += ["", "See also (secondary):"] + [f"  {c.source}: {c.url}" for c in r.see_also]
    params = rule_params(r)
    if params:
        out += ["", "Params:"] + [f"  {k} = {json.dumps(v, ensure_ascii=False)}" for k, v in sorted(params.items())]
    ex = r.examples
    if ex:
        context = []
        if ex.platform:
            context.append(f"platform {ex.platform}")
        if ex.paid_partnership:
            context.append("platform paid-partnership label on")
        if ex.metadata:
            context.append("metadata " + json.dumps(ex.metadata, ensure_ascii=False, sort_keys=True))
        if ex.brands:
            context.append("campaign brands " + ", ".join(ex.brands))
        out += ["", "Examples" + (f" ({'; '.join(context)})" if context else "") + ":"]
        out += [f"  pass  {c!r}" for c in ex.passing] + [f"  fail  {c!r}" for c in ex.failing]
    click.echo("\n".join(out))


# --------------------------------------------------------------------------------------- test
@rules.command("test")
@click.argument("files", nargs=-1, metavar="[FILE]...")
@dir_options
def test_rules(files, rule_flags):
    """Run every rule's pass/fail examples and every published case ([[cases]]): of FILE..., or of
    every shipped jurisdiction. Prints per file the examples passed and the cases run / agreeing /
    not run; a disagreeing case prints its id, expected and actual status and findings.

    Exit 0 all pass, 1 an example failed or a case disagreed, 2 a file could not be loaded."""
    from compliance.judging.cases import counts, run_cases
    from compliance.judging.examples import run_examples

    dirs = rule_dirs(rule_flags)
    targets: list[tuple[str, object]] = [(f, None) for f in files] or [(c, c) for c in jurisdiction_codes(dirs)]
    failed = broken = examples = rule_count = cases_run = cases_not_run = 0
    for name, code in targets:
        try:
            rs = load_ruleset(code, dirs) if code else load_file(Path(name), dirs)
        except RuleFileError as exc:
            broken += 1
            click.echo(f"BROKEN {exc}", err=True)
            continue
        results = run_examples(rs)
        rule_count += len(rs.rules)
        examples += len(results)
        lines = {r.id: r.line for r in rs.rules}
        for result in results:
            if not result.ok:
                failed += 1
                click.echo(f"{_show(rs.file)}:{lines.get(result.rule, 0)}: FAIL {result.describe()}")
        case_results = run_cases(rs)
        for result in case_results:
            if not result.ok:
                failed += 1
                click.echo(f"{_show(rs.file)}:{result.case.line}: FAIL {result.describe()}")
        ran, agree, not_run = counts(case_results)
        cases_run, cases_not_run = cases_run + ran, cases_not_run + not_run
        click.echo(
            f"{_show(rs.file)}: examples {sum(r.ok for r in results)}/{len(results)} pass; "
            f"cases {ran} run, {agree} agree, {not_run} not run"
        )
    verdict = "all pass" if not failed and not broken else f"{failed} failed, {broken} broken"
    click.echo(
        f"{len(targets)} files, {rule_count} rules, {examples} examples, {cases_run} cases "
        f"({cases_not_run} not run): {verdict}"
    )
    raise SystemExit(2 if broken else 1 if failed else 0)


# ----------------------------------------------------------------------------------- validate
@rules.command()
@click.argument("files", nargs=-1, metavar="[FILE]...")
@click.option(
    "--today",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="The date `reviewed` is measured against (default: today).",
)
@dir_options
def validate(files, today, rule_flags):
    """Check rule files (default: every jurisdiction): schema, unknown keys, patterns, ids, label
    wording, dates, authorities, primary pinpointed citations, and that every published case agrees.

    Prints `file:line: rule: message` for each problem and one summary line per jurisdiction.
    Exit 0 all valid, 2 otherwise."""
    import datetime

    from compliance.judging.cases import counts, run_cases
    from compliance.ruleset.sources import source_problems, stale_warnings, summary_line

    today = today.date() if today else datetime.date.today()
    dirs = rule_dirs(rule_flags)
    if not files:
        files = [
            _show(next(d / f"{c}.toml" for d in dirs if (d / f"{c}.toml").is_file())) for c in jurisdiction_codes(dirs)
        ]
    problems = 0
    for name in files:
        path = Path(name)
        rs, summary, warnings = None, None, []
        try:
            rs = load_file(path, dirs)
            found = lint(path, rs, dirs)
            text = parse_file(path)[1]
            found += source_problems(rs, text, today)
            warnings = stale_warnings(rs, text, today)
            results = run_cases(rs)
            found += [f"{rs.file}:{r.case.line}: DISAGREES {r.describe()}" for r in results if not r.ok]
            if not rs.meta.get("abstract"):
                summary = summary_line(rs, counts(results))
        except RuleFileError as exc:
            found = [_line_first(str(exc))]
        for message in found + warnings:
            click.echo(message, err=True)
        problems += len(found)
        if summary:
            click.echo(summary)
        if not found:
            click.echo(f"{_show(path)}: ok ({len(rs.rules)} rules)")
    if problems:
        raise SystemExit(2)


def _line_first(message: str) -> str:
    """`f: TOML syntax error: ... (at line 7, column 3)` -> `f:7: TOML syntax error: ...`."""
    import re

    m = re.match(r"(?s)(?P<file>[^\n]+?): TOML syntax error: (?P<rest>.*\(at line (?P<line>\d+).*)", message)
    return f"{m['file']}:{m['line']}: TOML syntax error: {m['rest']}" if m else message


def lint(path: Path, rs: RuleSet, dirs: list[Path]) -> list[str]:
    """What the loader lets through but a maintainer should fix; `file:line: message` each."""
    from compliance.analysis.normalise import fold_key

    path, text, raw = parse_file(path)
    lines = text.splitlines()

    def line_of(needle: str, section: str | None = None) -> int:
        """First line holding `needle`, inside `[section]` when given (0 if not found)."""
        start = next((i for i, line in enumerate(lines) if line.strip() == f"[{section}]"), None) if section else 0
        if start is None:
            return 0
        return next((i for i, line in enumerate(lines[start:], start + 1) if needle in line), 0)

    out = []
    for table, known in (("signals", SIGNAL_KEYS), ("placement", PLACEMENT_KEYS), ("examples", {"brands"})):
        for key in raw.get(table, {}):
            if key not in known:
                import difflib

                close = difflib.get_close_matches(key, sorted(known), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                out.append(f"{path}:{line_of(key, table)}: [{table}] unknown key {key!r}{hint}")
    for key in ("add_accepted", "add_review", "remove"):
        for label in raw.get("labels", {}).get(key, []):
            if label not in rs.vocabulary and label != "platform-paid-partnership":
                quoted = f'"{label}"'
                out.append(f"{path}:{line_of(quoted, 'labels')}: [labels] {key} names unknown label {label!r}")
    prefixes = {r.id.split("-")[0] for r in rs.rules}
    if len(prefixes) > 1:
        first = rs.rules[0].id.split("-")[0]
        for r in rs.rules:
            if not r.id.startswith(first + "-"):
                out.append(
                    f"{path}:{r.line}: rule {r.id}: id prefix differs from the file's {first}- "
                    f"(one prefix per jurisdiction)"
                )
    owners = _prefix_owners(dirs, exclude=_lineage(path, raw, dirs))
    for prefix in sorted(prefixes):
        if prefix in owners:
            r = next(r for r in rs.rules if r.id.startswith(prefix + "-"))
            out.append(
                f"{path}:{r.line}: rule {r.id}: prefix {prefix}- belongs to jurisdiction "
                f"{owners[prefix]!r}; choose another"
            )
    claimed: dict[tuple[str, str], str] = {}
    own = raw.get("vocabulary", {})
    for key in sorted(rs.vocabulary, key=lambda k: (k in own, k)):  # inherited first, blame this file
        entry = rs.vocabulary[key]
        for kind, forms in (("hashtag", entry.hashtags), ("wording", entry.words + entry.phrases + entry.cjk_forms)):
            for form in forms:
                other = claimed.setdefault((kind, fold_key(form)), key)
                if other != key:
                    line = line_of(f'"{form}"', f"vocabulary.{key}") or line_of(f"[vocabulary.{key}]")
                    out.append(
                        f"{path}:{line}: [vocabulary.{key}] {kind} {form!r} is already label "
                        f"{other!r}: one wording, one label"
                    )
    return out


def _lineage(path: Path, raw: dict, dirs: list[Path]) -> set[str]:
    """The file's own code and every code it extends: a stricter variant may reuse its parent's ids."""
    codes = {path.stem}
    search = [path.parent, *dirs]
    parent = raw.get("ruleset", {}).get("extends")
    while parent and parent not in codes:
        codes.add(parent)
        found = next((d / f"{parent}.toml" for d in search if (d / f"{parent}.toml").is_file()), None)
        parent = parse_file(found)[2].get("ruleset", {}).get("extends") if found else None
    return codes


def _prefix_owners(dirs: list[Path], exclude: set[str]) -> dict[str, str]:
    """Id prefix -> jurisdiction, for every loadable jurisdiction not in `exclude`."""
    owners: dict[str, str] = {}
    for code in jurisdiction_codes(dirs):
        if code in exclude:
            continue
        try:
            rs = load_ruleset(code, dirs)
        except RuleFileError:
            continue  # reported when that file itself is validated
        for r in rs.rules:
            owners.setdefault(r.id.split("-")[0], code)
    return owners
