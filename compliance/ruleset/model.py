"""A loaded rule set as data: what the loader builds and the analyser, checks and reporters read.

Kept apart from the loader so that the analysis can read vocabularies without importing the
machinery that parses and validates rule files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from compliance.model import Citation

REGEX_TIMEOUT = 0.25  # seconds for one user pattern over one caption


def url_host(url: str) -> str | None:
    """The host of an http(s) URL, or None if it has none (or is not a URL)."""
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def rule_selected(rule: Any, select: list[str], ignore: list[str]) -> bool:
    """`--select`/`--ignore` match a rule by id, name, group or id prefix (`FTC`, `FTC-00`)."""

    def hit(pattern: str) -> bool:
        p = pattern.strip()
        return p in (rule.id, rule.name, rule.group) or rule.id.startswith(p.upper()) or p.lower() == rule.jurisdiction

    if select and not any(hit(p) for p in select):
        return False
    return not any(hit(p) for p in ignore)


# What a disclosure statement (a sentence, not a tag) can say; rule files decide which suffice.
STATEMENT_CLASSES = (
    "payment-explained",
    "sponsorship-named",
    "gift-named",
    "support-the-channel",
    "bare-affiliate",
    "denial",
)


@dataclass(frozen=True)
class StatementEntry:
    key: str
    cls: str
    language: str
    patterns: tuple[tuple[dict[str, Any], ...], ...]
    examples: tuple[str, ...] = ()
    not_examples: tuple[str, ...] = ()
    commercial: bool = True


@dataclass(frozen=True)
class NoParams:
    """The check type takes no parameters."""


@dataclass(frozen=True)
class Examples:
    passing: tuple[str, ...]
    failing: tuple[str, ...]
    brands: tuple[str, ...]
    platform: str | None = None
    paid_partnership: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)  # post metadata, e.g. followers


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    check: str
    severity: str
    message: str
    citation: Citation
    jurisdiction: str
    file: str
    line: int
    why: str = ""
    fix: str | None = None
    params: Any = field(default_factory=NoParams)  # the check type's frozen params dataclass
    examples: Examples | None = None
    confidence: str = "high"
    group: str | None = None
    see_also: tuple[Citation, ...] = ()  # secondary commentary, never the citation
    effective: str | None = None  # ISO date the cited primary text took effect
    reviewed: str | None = None  # ISO date last checked against the source (default: the file's)
    outside_authorities: str | None = None  # why the citation is not on one of the file's authorities


@dataclass(frozen=True)
class Authority:
    """A body whose texts a rule file may cite: its name and official web domains."""

    name: str
    domains: tuple[str, ...]
    file: str
    line: int

    def covers(self, url: str) -> bool:
        host = (url_host(url) or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.domains)


@dataclass(frozen=True)
class Case:
    """A published decision recorded as a test: the caption it quotes and what we must say."""

    id: str
    title: str
    authority: str
    decided: str  # ISO date
    url: str
    caption: str
    outcome: str
    file: str
    line: int
    expect: str | None = None  # violation | review | compliant | clear (None only when not_run)
    rules: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    platform: str | None = None
    paid_partnership: bool = False
    decided_under: str | None = None
    not_run: str | None = None  # why the caption alone cannot decide it; such a case is not run
    note: str | None = None


@dataclass(frozen=True)
class VocabEntry:
    key: str
    meaning: str
    language: str
    hashtags: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    brand_hashtags: tuple[str, ...] = ()
    brand_phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    commercial: bool = True
    display: str | None = None  # how `compliance fix` writes this label in front of a caption
    cjk_forms: tuple[str, ...] = ()  # forms that are labels only inside CJK text ("PR"), see compliance/analysis/cjk.py


@dataclass(frozen=True)
class RuleSet:
    code: str
    name: str
    version: str
    file: str
    regulator: str
    vocabulary: dict[str, VocabEntry]
    signals: dict[str, Any]
    platforms: dict[str, dict[str, Any]]
    placement: dict[str, Any]
    accepted: frozenset[str]
    review: frozenset[str]
    rules: tuple[Rule, ...]
    example_brands: tuple[str, ...]
    meta: dict[str, Any]
    effective: str | None = None  # ISO date the newest primary text the file relies on took effect
    reviewed: str | None = None  # ISO date the file was last checked against its sources
    authorities: tuple[Authority, ...] = ()  # own and inherited
    cases: tuple[Case, ...] = ()  # this file's own published decisions (not inherited)
    statements: dict[str, StatementEntry] = field(default_factory=dict)
    accepted_statements: frozenset[str] = frozenset()
    review_statements: frozenset[str] = frozenset()
    # Labels accepted only in their hashtag form here ("#Ad", not a bare "ad"): `[labels] hashtag_only`.
    hashtag_only: frozenset[str] = frozenset()
    fix_order: tuple[str, ...] = ()  # which accepted label `fix` tries first ([fix] order)

    def platform(self, name: str | None) -> dict[str, Any]:
        return self.platforms.get(name or "default") or self.platforms["default"]

    def label_class(self, key: str, text: str | None = None) -> str:
        """accepted | review | insufficient; `text` is the label as written, for `hashtag_only`."""
        if text is not None and key in self.hashtag_only and not text.lstrip().startswith(("#", "＃")):
            return "insufficient"
        if key in self.accepted:
            return "accepted"
        if key in self.review:
            return "review"
        return "insufficient"

    def statement_class(self, cls: str) -> str:
        """How this jurisdiction judges a disclosure statement of one class (payment-explained ...)."""
        if cls in self.accepted_statements:
            return "accepted"
        if cls in self.review_statements:
            return "review"
        return "insufficient"

    def summary(self) -> dict[str, Any]:
        out = {
            "code": self.code,
            "name": self.name,
            "version": self.version,
            "regulator": self.regulator,
            "rules": len(self.rules),
        }
        for key in ("effective", "reviewed"):  # only when the file states them
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out
