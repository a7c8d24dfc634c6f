"""Check types: the small, closed set of functions that rule files pick and parameterise.

A check is `check(ctx, rule) -> list[Finding]`. Lawyers edit rule data; engineers add checks.
Each module registers its checks when imported here, explicitly.
"""
from __future__ import annotations

from compliance.registry import Registry

CHECKS: Registry = Registry("check type")

from compliance.ruleset.checks import categories, labels, placement  # noqa: E402,F401
