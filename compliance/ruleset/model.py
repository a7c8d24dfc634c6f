"""A loaded rule set as data: what the loader builds and the analyser, checks and reporters read.

Kept apart from the loader so that the analysis can read vocabularies without importing the
machinery that parses and validates rule files.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compliance.model import Citation

REGEX_TIMEOUT = 0.25  # seconds for one user pattern over one caption


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

    def platform(self, name: str | None) -> dict[str, Any]:
        return self.platforms.get(name or "default") or self.platforms["default"]

    def label_class(self, key: str) -> str:
        if key in self.accepted:
            return "accepted"
        if key in self.review:
            return "review"
        return "insufficient"

    def summary(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "version": self.version,
                "regulator": self.regulator, "rules": len(self.rules)}
