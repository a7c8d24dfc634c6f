"""Check types: the small, closed set of functions that rule files pick and parameterise.

A check is `check(ctx, rule) -> list[Finding]`, registered with the frozen dataclass its `params`
table parses into (see `registry.py`). Lawyers edit rule data; engineers add checks. Each module
registers its checks when imported here, explicitly.
"""

from __future__ import annotations

from compliance.ruleset.checks import categories, labels, placement
from compliance.ruleset.checks.registry import CHECKS, CheckType, ParamError, check

__all__ = ["CHECKS", "CheckType", "ParamError", "check", "categories", "labels", "placement"]
