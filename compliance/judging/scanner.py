"""Judge posts: analysis once per post, then every selected rule of every jurisdiction.

`judge` is a pure function of the post, the rule sets and the brands, so the local scan, a
process pool and a Dask worker all produce the same record for the same post.
"""

from __future__ import annotations

import difflib
from dataclasses import fields, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from compliance.analysis.analyser import Analyser
from compliance.analysis.discover import discovery_finding
from compliance.config import ConfigError, Settings
from compliance.lifetime import long_lived
from compliance.model import Finding, InputError, Post, PostResult, Verdict, Waiver, new_record
from compliance.ruleset.checks import CHECKS
from compliance.ruleset.checks.categories import TermGate
from compliance.ruleset.checks.context import Context
from compliance.ruleset.loader import RuleFileError, default_codes, default_dirs, jurisdiction_codes, load_ruleset
from compliance.ruleset.model import Rule, RuleSet, rule_selected

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def _finding_order(f: Finding) -> tuple[int, int, str]:
    return (SEVERITY_ORDER[f.severity], f.start if f.start is not None else -1, f.rule)


def _rule_keys(rulesets) -> tuple[list[Any], set[str]]:
    """Every rule (and each rule set's discover pseudo-rule, which `--select`/`--ignore` name like
    a rule) and the keys a severity override matches: rule ids and names."""
    from types import SimpleNamespace

    rules: list[Any] = []
    for rs in rulesets:
        rules += rs.rules
        for prefix in {r.id.split("-", 1)[0] for r in rs.rules}:
            rules.append(
                SimpleNamespace(
                    id=f"{prefix}-DISCOVER", name="discovered-commercial", group="discover", jurisdiction=rs.code
                )
            )
    return rules, {key for rs in rulesets for r in rs.rules for key in (r.id, r.name)}


def _unknown(settings: Settings, rulesets) -> list[tuple[str, str]]:
    rules, severity_keys = _rule_keys(rulesets)
    out = [("severity", key) for key in settings.severity if key not in severity_keys]
    for kind in ("select", "ignore"):
        for key in getattr(settings, kind):
            if not any(rule_selected(r, [key], []) for r in rules):
                out.append((kind, key))
    return out


def check_rule_keys(settings: Settings, rulesets, dirs: list[Path]) -> None:
    """A `severity`, `select` or `ignore` key that names no rule is a mistake (a typo would
    silently change nothing, or with `select` judge nothing): exit 2 saying where it was given.

    Keys are checked against the rule sets judged, then against every rule file in the rule
    folders (a shared config may name rules of jurisdictions this run does not judge)."""
    unknown = _unknown(settings, rulesets)
    if not unknown:
        return
    everything = list(rulesets)
    for code in jurisdiction_codes(dirs):
        if code not in {rs.code for rs in everything}:
            try:
                everything.append(load_ruleset(code, dirs))
            except RuleFileError:
                continue  # that file's own problem is reported when it is used
    unknown = _unknown(settings, everything)
    if not unknown:
        return
    rules, severity_keys = _rule_keys(everything)
    prefixes = {r.id.split("-", 1)[0] for r in rules}
    names = severity_keys | {r.group for r in rules if r.group} | {rs.code for rs in everything} | prefixes
    problems = []
    for kind, key in unknown:
        where = settings.origins.get((kind, key)) or (f"--{kind} {key}" if kind != "severity" else f"severity {key}")
        candidates = {n.lower(): n for n in sorted(severity_keys if kind == "severity" else names)}
        close = difflib.get_close_matches(key.lower(), list(candidates), n=1, cutoff=0.6)
        hint = f" (did you mean {candidates[close[0]]!r}?)" if close else ""
        what = "a rule id or name" if kind == "severity" else "a rule id, id prefix, name, group or jurisdiction"
        problems.append(f"{where}: {key!r} names no rule{hint}; expected {what} (see `compliance rules list`)")
    raise ConfigError("\n".join(problems))


def status_of(findings: list[Finding], commercial: bool) -> str:
    if not findings:
        return "compliant" if commercial else "clear"
    severities = {f.severity for f in findings}
    if "error" in severities:
        return "violation"
    if "warning" in severities:
        return "review"
    return "compliant" if commercial else "clear"


class Scanner:
    """Rule sets and the analyser, loaded once; `judge_record` never raises for a post.

    Built from the one `Settings` object (`from_settings`); the keyword constructor is a
    shorthand for tests and library use that builds the same `Settings`.
    """

    def __init__(
        self,
        jurisdictions: list[str] | tuple[str, ...] = (),
        brands: list[str] | None = None,
        rules_dirs: list[Path] | None = None,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        severity_overrides: dict[str, str] | None = None,
        rulesets: list[RuleSet] | None = None,
        exceptions: dict[str, list[str]] | None = None,
        discover: bool = False,
    ):
        settings = Settings(
            jurisdictions=tuple(jurisdictions),
            brands=tuple(brands or ()),
            rules_dirs=tuple(str(d) for d in rules_dirs or ()),
            select=tuple(select or ()),
            ignore=tuple(ignore or ()),
            severity=dict(severity_overrides or {}),
            exceptions=tuple(Waiver(post, rule) for post, rules in (exceptions or {}).items() for rule in rules),
            discover=discover,
        )
        self._setup(settings, rulesets)

    @classmethod
    def from_settings(cls, settings: Settings, rulesets: list[RuleSet] | tuple[RuleSet, ...] | None = None) -> Scanner:
        scanner = cls.__new__(cls)
        scanner._setup(settings, rulesets)
        return scanner

    def _setup(self, settings: Settings, rulesets) -> None:
        dirs = default_dirs([Path(d) for d in settings.rules_dirs])
        codes: list[str] = []
        for code in settings.jurisdictions or default_codes(dirs):
            code = code.strip().lower()
            if code not in codes:
                codes.append(code)
        self.rulesets = list(rulesets or [load_ruleset(code, dirs) for code in codes])
        for rs in self.rulesets if not rulesets else ():  # `-j base` would judge everything compliant
            if rs.meta.get("abstract"):
                raise RuleFileError(
                    f"{rs.file}: {rs.code!r} is an abstract rule set (shared vocabulary for "
                    f"others to extend), not a jurisdiction; choose from "
                    f"{', '.join(jurisdiction_codes(dirs))}"
                )
        self.jurisdictions = [rs.code for rs in self.rulesets]
        check_rule_keys(settings, self.rulesets, dirs)
        self.settings = replace(settings, jurisdictions=tuple(self.jurisdictions))
        self.rules = {
            rs.code: [
                self._override(r) for r in rs.rules if rule_selected(r, list(settings.select), list(settings.ignore))
            ]
            for rs in self.rulesets
        }
        # Rules whose check first tests a word list against the caption (restricted categories,
        # retouching): one test of all their lists per post decides whether any can fire.
        gated = [r for rules in self.rules.values() for r in rules if _terms_of(r) is not None]
        self._gate = TermGate([_terms_of(r) for r in gated]) if gated else None
        self._plans = {code: _plans(rules) for code, rules in self.rules.items()}
        # Per (commercial, labelled): does any jurisdiction's plan hold a gated rule?
        self._gated = {
            have: any(p[have + (True,)] != p[have + (False,)] for p in self._plans.values())
            for have in ((False, False), (False, True), (True, False), (True, True))
        }
        # The verdict of a jurisdiction none of whose checks can find anything in a post: shared,
        # as verdicts are immutable.
        self._empty = {c: Verdict(status_of([], c)) for c in (False, True)}
        self._placement = {
            code: [r for r in rules if r.check == "label-placement"] for code, rules in self.rules.items()
        }
        # What the usual post (no waiver, no --discover) is judged with, per jurisdiction: its
        # plans, selected and placement rules, and whether a label in given zones is well placed
        # by those placement rules (a few dozen zone sets in all: answered once each).
        self._judging: list[tuple[str, RuleSet, Any, list[Rule], list[Rule], dict[tuple[str, ...], bool]]] = [
            (rs.code, rs, self._plans[rs.code], self.rules[rs.code], self._placement[rs.code], {})
            for rs in self.rulesets
        ]

    @cached_property
    def analyser(self) -> Analyser:
        """spaCy's pipeline and the matchers, built on first use: a `--state` re-run whose posts
        are all reused never needs them, nor spaCy's import (about 0.7 s of its 1 s start-up).
        Built, like the start-up, out of the cyclic collector's sight (compliance.lifetime): they
        live as long as the scanner."""
        with long_lived():
            return Analyser(self.rulesets, list(self.settings.brands), discover=self.settings.discover)

    def _override(self, rule: Rule) -> Rule:
        for key in (rule.id, rule.name):
            if key in self.settings.severity:
                return replace(rule, severity=self.settings.severity[key])
        return rule

    def ruleset_meta(self) -> dict[str, dict[str, Any]]:
        return {rs.code: rs.summary() for rs in self.rulesets}

    def judge_record(self, record: Post | InputError) -> PostResult:
        return self.judge_encodable(encodable_record(record))

    def judge_encodable(self, record: Post | InputError) -> PostResult:
        """`judge_record` for a record `encodable_record` has already been through."""
        if isinstance(record, InputError):
            return PostResult(
                id=record.id,
                source=record.source,
                caption=record.caption,
                platform=record.platform,
                author=record.author,
                error=record.message,
            )
        try:
            return self.judge(record)
        except TimeoutError:
            return _failed(record, "a pattern timed out on this caption; it was not judged")
        except Exception as exc:  # a post must never take the run down with it
            return _failed(record, f"internal error while judging this post: {type(exc).__name__}: {exc}")

    def judge(self, post: Post) -> PostResult:
        analysis = self.analyser.analyse(post)
        waivers = self.settings.waivers_for(post.id) if self.settings.exceptions else []
        verdicts = {}
        commercial = analysis.commercial or post.paid_partnership
        labelled = bool(analysis.disclosures) or post.paid_partnership
        # One word-list test for every gated rule of every jurisdiction (most captions: none can fire).
        gate = self._gate if self._gated[commercial, labelled] else None
        have = (commercial, labelled, gate.open_for(analysis.normalised) if gate is not None else True)
        discovery = analysis.discovery
        if waivers or discovery is not None:
            verdicts = self._verdicts(post, analysis, waivers, commercial, have)
        else:
            verdicts = self._plain_verdicts(post, analysis, commercial, have)
        metadata = post.metadata
        return new_record(
            PostResult,
            {
                **_identity(post),
                "paid_partnership": post.paid_partnership,
                "error": None,
                "signals": _with_cues(analysis),
                "disclosures": analysis.disclosures,
                "verdicts": verdicts,
                "discovery": discovery.to_dict() if discovery is not None else None,
                "onscreen": tuple(metadata.get("onscreen") or ()) if metadata else (),
                "media": metadata.get("media") if metadata else None,
            },
        )

    def _plain_verdicts(self, post: Post, analysis: Any, commercial: bool, have: tuple) -> dict[str, Verdict]:
        """`_verdicts` for a post without waivers or --discover (almost every post), in fewer steps:
        a verdict without findings is the shared empty one, equal to the one `_verdicts` makes."""
        verdicts = {}
        empty = self._empty[commercial]
        for code, rs, plans, selected, placement, zones_ok in self._judging:
            plan = plans[have]
            if not plan:  # no check can find anything here
                verdicts[code] = empty
                continue
            ctx = _usual_context(post, analysis, rs, selected, placement, zones_ok, commercial)
            findings = _run_plan(ctx, plan)
            if not findings:
                verdicts[code] = empty
                continue
            if len(findings) > 1:
                findings.sort(key=_finding_order)
            verdicts[code] = new_record(
                Verdict, {"status": status_of(findings, commercial), "findings": tuple(findings), "waived": ()}
            )
        return verdicts

    def _verdicts(
        self, post: Post, analysis: Any, waivers: list[Waiver], commercial: bool, have: tuple
    ) -> dict[str, Verdict]:
        """Each jurisdiction's verdict, with waived findings set aside and --discover's finding."""
        verdicts = {}
        discovery = analysis.discovery
        for code, rs, plans, selected, placement, zones_ok in self._judging:
            waiver_of = (
                {r.id: w for r in selected for w in waivers if rule_selected(r, [w.rule], [])} if waivers else {}
            )
            plan = plans[have]
            if not plan and discovery is None and not waiver_of:  # no check can find anything here
                verdicts[code] = self._empty[commercial]
                continue
            if waiver_of:
                ctx = Context(post, analysis, rs, [r for r in selected if r.id not in waiver_of])
                findings = _run_plan(ctx, [step for step in plan if step[0].id not in waiver_of])
            else:  # the usual case: every selected rule, and its placement rules picked out once
                ctx = _usual_context(post, analysis, rs, selected, placement, zones_ok, commercial)
                findings = _run_plan(ctx, plan)
            if discovery is not None:  # --discover: a prompt for a person, never a violation
                findings.extend(
                    discovery_finding(
                        ctx,
                        discovery,
                        list(self.settings.select),
                        list(self.settings.ignore) + [w.rule for w in waivers],
                    )
                )
            # A waived rule is set aside, never dropped: judged as if nothing were waived, so the
            # report shows what the exception hid and why (and an exception that hid nothing).
            waived: list[tuple[Finding, Waiver]] = []
            if waiver_of:
                full = Context(post, analysis, rs, selected)
                for rule in selected:
                    if rule.id in waiver_of:
                        waived.extend((f, waiver_of[rule.id]) for f in CHECKS.get(rule.check).run(full, rule))
                waived.sort(key=lambda pair: _finding_order(pair[0]))
            if len(findings) > 1:
                findings.sort(key=_finding_order)
            verdicts[code] = new_record(
                Verdict,
                {"status": status_of(findings, commercial), "findings": tuple(findings), "waived": tuple(waived)},
            )
        return verdicts


def _usual_context(post: Post, analysis: Any, rs: RuleSet, selected, placement, zones_ok, commercial: bool) -> Context:
    """A jurisdiction's Context with every selected rule, made without `__init__` (once per post
    and jurisdiction), with the answers the scanner already has: its placement rules, their
    memo of zone sets, and whether the post is commercial."""
    return new_record(
        Context,
        {
            "post": post,
            "analysis": analysis,
            "ruleset": rs,
            "rules": selected,
            "placement": placement,
            "zones_ok": zones_ok,
            "commercial": commercial,  # what its `commercial` would work out again
        },
    )


def _run_plan(ctx: Context, plan: list[tuple[Rule, Any, str | None]]) -> list[Finding]:
    """The findings of a plan's checks, a check skipped when the Context list it reports from
    (its `when`) is empty."""
    findings: list[Finding] = []
    for rule, run, when in plan:
        if when is None or getattr(ctx, when):
            findings += run(ctx, rule)
    return findings


def _terms_of(rule: Rule) -> Any:
    """The word list a rule's check tests first (`CheckType.terms`), or None."""
    terms = CHECKS.get(rule.check).terms
    return terms(rule) if terms is not None else None


def _plans(rules: list[Rule]) -> dict[tuple[bool, bool, bool], list[tuple[Rule, Any, str | None]]]:
    """For each (commercial, labelled, words) a post can be: the rules whose check may find
    something there, in rule-file order, with the check's function (most checks need a commercial
    post, some a label too: a post without them skips them without a call; `words` false: the
    caption can hold none of the gated rules' word lists, which are left out). With each, the
    Context list the check finds nothing without (`CheckType.when`), or None."""
    plans = {}
    for commercial in (False, True):
        for labelled in (False, True):
            have = {"commercial"} if commercial else set()
            have |= {"labels"} if labelled else {"unlabelled"}
            for words in (False, True):
                plans[commercial, labelled, words] = [
                    (rule, CHECKS.get(rule.check).run, CHECKS.get(rule.check).when)
                    for rule in rules
                    if CHECKS.get(rule.check).needs_of(rule) <= have and (words or _terms_of(rule) is None)
                ]
    return plans


_SURROGATES = {cp: "\ufffd" for cp in range(0xD800, 0xE000)}


def encodable_text(value):
    """A lone surrogate (JSON allows "\\ud800") cannot be written as UTF-8: U+FFFD, one for one,
    so offsets into the caption still hold and every report format can be written."""
    if not isinstance(value, str):
        return value
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return value.translate(_SURROGATES)


def encodable_record(record: Post | InputError) -> Post | InputError:
    """The record with its texts made encodable: itself when they all are (almost always), since
    rebuilding a post costs more than checking it."""
    texts = [*vars(record).values(), record.source.file, record.source.member]
    if isinstance(record, Post):
        texts += record.brands
    # One C-speed test of all texts at once (joined, a lone surrogate stays lone: no pair forms).
    joined = "".join([t for t in texts if isinstance(t, str)])
    if joined.isascii() or encodable_text(joined) is joined:
        return record
    source = replace(
        record.source, file=encodable_text(record.source.file), member=encodable_text(record.source.member)
    )
    changes = {
        f.name: encodable_text(getattr(record, f.name))
        for f in fields(record)
        if isinstance(getattr(record, f.name), str)
    }
    if isinstance(record, Post):
        changes["brands"] = tuple(encodable_text(b) for b in record.brands)
    return replace(record, source=source, **changes)


def _identity(post: Post) -> dict[str, Any]:
    """What a post's record says about where it is from, judged or not."""
    return {
        "id": post.id,
        "source": post.source,
        "caption": post.caption,
        "platform": post.platform,
        "author": post.author,
        "posted_at": post.posted_at,
    }


def _failed(post: Post, message: str) -> PostResult:
    return PostResult(**_identity(post), error=message)


def _with_cues(analysis) -> tuple:
    """The signals, with --discover's cues among them in caption order."""
    if not analysis.cues:
        return analysis.signals
    return tuple(
        sorted(analysis.signals + analysis.cues, key=lambda s: (s.start, s.end, s.kind, s.label or "", s.value or ""))
    )
