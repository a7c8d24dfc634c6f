"""The check-type contract: a function, the frozen dataclass of its parameters, and its doc.

A rule file's `params` table is turned into that dataclass once, when the file loads, so a typo
or a wrong type stops the load naming file, line and rule, and a check reads typed attributes
instead of probing a dict. The registry is what `rules explain` and the generated reference read.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from compliance.registry import Registry
from compliance.ruleset.model import NoParams


class ParamError(ValueError):
    """A `params` table that does not fit its check type; the message names the key."""


NEEDS = frozenset({"commercial", "labels", "unlabelled"})


@dataclass(frozen=True)
class CheckType:
    name: str
    run: Callable[..., list]
    params: type
    doc: str
    # What a post must have for the check to find anything (see `check`): the scanner skips the
    # check for other posts without calling it.
    needs: frozenset[str] = frozenset()
    # The rule's word list the caption must be able to hold for the check to find anything (an
    # object with `may_hold(caption)`, see `categories.Terms`), or None: the scanner tests the
    # lists of all such rules of all jurisdictions at once per post (`categories.TermGate`).
    terms: Callable[[Any], Any] | None = None
    # A Context attribute (a list) the check reports from and finds nothing without (see `check`).
    when: str | None = None

    def needs_of(self, rule: Any) -> frozenset[str]:
        """The check's needs for this rule: `commercial_only = false` lifts "commercial"."""
        if getattr(rule.params, "commercial_only", True):
            return self.needs
        return self.needs - {"commercial"}

    def __call__(self, ctx: Any, rule: Any) -> list:
        return self.run(ctx, rule)

    def parse(self, table: Any) -> Any:
        return parse_params(self.params, table)

    def describe_params(self) -> list[tuple[str, str, str]]:
        """(name, type, help) for every parameter, for `rules explain` and docs/checks.md."""
        hints = typing.get_type_hints(self.params)
        return [
            (f.name, _type_name(hints[f.name]), f.metadata.get("help", ""))
            for f in dataclasses.fields(self.params)
            if not f.name.startswith("_")
        ]


CHECKS: Registry[CheckType] = Registry("check type")


def check(
    name: str,
    params: type = NoParams,
    needs: tuple[str, ...] = (),
    terms: Callable[[Any], Any] | None = None,
    when: str | None = None,
) -> Callable[[Callable], Callable]:
    """Register `func` as check type `name` whose `params` table parses into `params`.

    `needs`: what a post must have for `func` to return anything, as its first lines test it:
    "commercial" (`ctx.commercial`; a rule's `commercial_only = false` lifts it) and "labels"
    (`ctx.labels`: a disclosure or the platform's label), or "unlabelled" (no such label). Most
    posts lack one or the other. `when`: a Context attribute holding a list that `func` finds
    nothing without (`insufficient`, `misplaced` ...): the scanner reads it once per post and
    jurisdiction, for all rules of the check, and skips the calls when it is empty.
    `terms`: rule -> the `Terms` whose `may_hold` the check tests first (None for a rule it
    does not gate): a caption that cannot hold them skips the rule without a call."""
    unknown = set(needs) - NEEDS
    if unknown:
        raise ValueError(f"check {name!r}: unknown needs {sorted(unknown)}")

    def decorate(func: Callable) -> Callable:
        CHECKS.register(name)(CheckType(name, func, params, inspect.getdoc(func) or "", frozenset(needs), terms, when))
        return func

    return decorate


def parse_params(cls: type, table: Any) -> Any:
    """A TOML table -> `cls`, checking names and types; `__post_init__` checks the rest."""
    if table is None:
        table = {}
    if not isinstance(table, dict):
        raise ParamError("params must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_")}
    unknown = sorted(set(table) - set(fields))
    if unknown:
        known = ", ".join(sorted(fields)) or "none"
        raise ParamError(f"unknown params {unknown} (known: {known})")
    hints = typing.get_type_hints(cls)
    values = {}
    for key, value in table.items():
        values[key] = _coerce(key, value, hints[key], fields[key].metadata)
    missing = [
        name
        for name, f in fields.items()
        if name not in values and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ParamError(f"params.{missing[0]} is required")
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise ParamError(str(exc)) from None


def _coerce(key: str, value: Any, hint: Any, meta: Any) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        inner = [a for a in args if a is not type(None)][0]
        return _coerce(key, value, inner, meta)
    if origin is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ParamError(f"params.{key} must be a list of non-empty strings")
        return tuple(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise ParamError(f"params.{key} must be true or false")
        return value
    if hint is int:
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ParamError(f"params.{key} must be a positive whole number")
        return value
    if hint is float:
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise ParamError(f"params.{key} must be a number, zero or more")
        return float(value)
    if hint is str:
        if not isinstance(value, str) or not value.strip():
            raise ParamError(f"params.{key} must be a non-empty string")
        choices = meta.get("choices")
        if choices and value not in choices:
            raise ParamError(f"params.{key} must be one of {sorted(choices)}")
        return value
    raise ParamError(f"params.{key}: unsupported parameter type {hint!r}")  # a bug in a check type


def _type_name(hint: Any) -> str:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in args if a is not type(None))
    if origin is tuple:
        return "list of strings"
    return {bool: "true/false", int: "whole number", float: "number", str: "string"}.get(hint, str(hint))
