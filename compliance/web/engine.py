"""The rule sets and scanners behind the local pages, built from the one `Settings` object."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

from compliance.config import Settings
from compliance.judging.scanner import Scanner
from compliance.ruleset.loader import RuleFileError, default_codes, default_dirs, jurisdiction_codes, load_ruleset
from compliance.ruleset.model import RuleSet


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    regulator: str

    @property
    def short(self) -> str:
        """ "Germany" for "Germany (Medienanstalten, UWG)": the full name goes in the tooltip."""
        return self.name.split(" (")[0].strip() or self.name


class Engine:
    """The rule sets and scanners behind the page, built from the one `Settings` object.

    So the page judges as `compliance check` does in the same folder: the project config's
    rules folders, selection, severities and brands apply; the visitor picks audiences and may
    add brands. Rule sets and scanners are loaded once and kept.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.dirs = default_dirs([Path(d) for d in self.settings.rules_dirs])
        self._rulesets: dict[str, RuleSet] = {}
        self._scanners: OrderedDict[tuple[tuple[str, ...], tuple[str, ...]], Scanner] = OrderedDict()
        self._countries: tuple[tuple[Country, ...], tuple[str, ...]] | None = None

    def ruleset(self, code: str) -> RuleSet:
        if code not in self._rulesets:
            self._rulesets[code] = load_ruleset(code, self.dirs)
        return self._rulesets[code]

    def countries(self) -> tuple[tuple[Country, ...], tuple[str, ...]]:
        """The jurisdictions the rule folders hold, in the files' order, and any that failed to load."""
        if self._countries is None:
            found, broken = [], []
            for code in jurisdiction_codes(self.dirs):
                try:
                    rs = self.ruleset(code)
                except RuleFileError as exc:
                    broken.append(str(exc))
                    continue
                if rs.rules:
                    found.append(Country(rs.code, rs.name, rs.regulator))
            self._countries = (tuple(found), tuple(broken))
        return self._countries

    def ticked(self) -> tuple[str, ...]:
        """The audiences ticked on a fresh page: the config's jurisdictions, else the rule files' defaults."""
        return self.settings.jurisdictions or tuple(default_codes(self.dirs))

    def scanner(self, codes: tuple[str, ...], brands: tuple[str, ...]) -> Scanner:
        key = (codes, brands)
        if key not in self._scanners:
            settings = replace(self.settings, jurisdictions=codes, brands=self.settings.brands + brands)
            self._scanners[key] = Scanner.from_settings(settings, [self.ruleset(c) for c in codes])
            while len(self._scanners) > 16:
                self._scanners.popitem(last=False)
        self._scanners.move_to_end(key)
        return self._scanners[key]


judging = threading.Lock()  # one caption at a time: matchers and caches are not made for threads
