"""Checks beyond labels: restricted products, retouching notices, video posts, audience size.

These raise prompts for a person, not verdicts: a caption that mentions betting tips or a
filter shows what to look at, never what the image shows or what the law finally says.
Words come from the rule files; matching is case- and accent-insensitive on the normalised
caption, and every span is mapped back to the caption as read.

Params (each check's `validate` rejects anything else):
  restricted-category  terms, patterns, unless_terms, unless_patterns, commercial_only (default true)
  retouch-notice       triggers, trigger_patterns, notices (none: the notice is not text), commercial_only
  video-disclosure     platforms (default: the platforms whose table says `video = true`)
  audience-threshold   min (required), key (post metadata key, default "followers"), commercial_only
`terms` are whole words or phrases (`casino*` lets the word go on; `sports betting` also finds
`#sportsbetting`); `patterns` are regular expressions over the normalised caption, run with a timeout.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import regex

from compliance.ruleset.checks import CHECKS
from compliance.ruleset.checks.context import Context
from compliance.model import Span
from compliance.analysis.normalise import Normalised
from compliance.ruleset.loader import REGEX_TIMEOUT


# ------------------------------------------------------------------------------- matching
@dataclass(frozen=True)
class _Caption:
    norm: Normalised
    folded: str  # same length as norm.text: lower-case, accents removed


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """One character, lower-cased without accents; unchanged if that would change its length."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).lower()
    if len(bare) == 1:
        return bare
    low = ch.lower()
    return low if len(low) == 1 else ch


def fold_same_length(text: str) -> str:
    if text.isascii():  # the common case: lower-casing ASCII keeps every offset
        return text.lower()
    return "".join(_fold_char(ch) for ch in text)


@lru_cache(maxsize=64)
def _folded(text: str) -> str:
    return fold_same_length(text)


def _caption(norm: Normalised) -> _Caption:
    """A normalised caption plus its folded copy (checks pass the analysis' own normalisation)."""
    return _Caption(norm, _folded(norm.text))


def _term_regex(term: str, plural: bool = False) -> str:
    """A term as a whole-word pattern over folded text.

    Words may be joined by spaces, `-`, `_` or nothing (so `sports betting` also finds
    `#sportsbetting`); a trailing `*` lets the last word go on (`casino*`); with `plural`,
    each word may end in s or x (`image retouchée` finds `Images retouchées`).
    """
    words = fold_same_length(term.strip()).split()
    stem = words[-1].endswith("*") if words else False
    if stem:
        words[-1] = words[-1][:-1]
    parts = []
    for word in words:
        if plural and len(word) > 3 and word[-1] in "sx":
            word = word[:-1]
        body = r"\p{M}*".join(regex.escape(c) for c in word)
        parts.append(body + (r"\p{M}*[sx]?" if plural else ""))
    joined = r"[\s_-]*".join(parts)
    tail = r"\w*" if stem else ""
    return rf"(?<!\w){joined}{tail}(?!\w)"


@lru_cache(maxsize=512)
def _compiled_terms(terms: tuple[str, ...], plural: bool = False):
    if not terms:
        return None
    return regex.compile("|".join(_term_regex(t, plural) for t in terms), regex.V0)


@lru_cache(maxsize=512)
def _compiled_patterns(patterns: tuple[str, ...]):
    return tuple(regex.compile(p, regex.IGNORECASE | regex.V0) for p in patterns)


def _matches(cap: _Caption, terms=(), patterns=(), plural: bool = False) -> list[Span]:
    """Every term match (on folded text) and pattern match (on normalised text), in caption order."""
    found = []
    term_re = _compiled_terms(tuple(terms), plural)
    if term_re is not None:
        found += [m.span() for m in term_re.finditer(cap.folded, timeout=REGEX_TIMEOUT)]
    for pattern in _compiled_patterns(tuple(patterns)):
        found += [m.span() for m in pattern.finditer(cap.norm.text, timeout=REGEX_TIMEOUT) if m.end() > m.start()]
    spans = []
    for start, end in sorted(found):
        lo, hi = cap.norm.raw_span(start, end)
        spans.append(Span("category", cap.norm.raw[lo:hi], lo, hi))
    return spans


# ------------------------------------------------------------------------------ validation
def _check_params(params: dict, known: dict[str, type], required_any: tuple[str, ...] = ()) -> str | None:
    unknown = set(params) - set(known)
    if unknown:
        return f"unknown params {sorted(unknown)} (known: {', '.join(sorted(known))})"
    for key, kind in known.items():
        if key not in params:
            continue
        value = params[key]
        if kind is list:
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                return f"params.{key} must be a list of non-empty strings"
        elif kind is bool and not isinstance(value, bool):
            return f"params.{key} must be true or false"
        elif kind is int and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
            return f"params.{key} must be a positive whole number"
        elif kind is str and (not isinstance(value, str) or not value.strip()):
            return f"params.{key} must be a non-empty string"
    if required_any and not any(params.get(k) for k in required_any):
        return f"params needs at least one of {', '.join(required_any)}"
    for key in params:
        if key.endswith("patterns"):
            for pattern in params[key]:
                try:
                    regex.compile(pattern, regex.IGNORECASE | regex.V0)
                except regex.error as exc:
                    return f"params.{key}: pattern {pattern!r} does not compile: {exc}"
    return None


def _applies(ctx: Context, params: dict) -> bool:
    return ctx.commercial or not params.get("commercial_only", True)


# ------------------------------------------------------------------------ restricted-category
@CHECKS.register("restricted-category")
def restricted_category(ctx: Context, rule):
    """Wording about a product or service this jurisdiction bans or restricts: a person reviews.

    `unless_terms`/`unless_patterns` name wording that answers the concern (an 18+ notice,
    the amount paid); when one is present there is nothing to raise.
    """
    params = rule.params
    if not _applies(ctx, params):
        return []
    cap = _caption(ctx.analysis.normalised)
    hits = _matches(cap, params.get("terms", ()), params.get("patterns", ()))
    if not hits:
        return []
    if _matches(cap, params.get("unless_terms", ()), params.get("unless_patterns", ())):
        return []
    return [ctx.finding(rule, hits[0])]


restricted_category.validate = lambda params: _check_params(
    params, {"terms": list, "patterns": list, "unless_terms": list, "unless_patterns": list,
             "commercial_only": bool}, required_any=("terms", "patterns"))


# --------------------------------------------------------------------------- retouch-notice
@CHECKS.register("retouch-notice")
def retouch_notice(ctx: Context, rule):
    """The caption speaks of filters, retouching or AI faces, and the required notice is absent.

    Notices match singular or plural, accents optional. With no `notices` the notice cannot
    be text at all (Norway's mark sits on the image), so every trigger asks for a look.
    """
    params = rule.params
    if not _applies(ctx, params):
        return []
    cap = _caption(ctx.analysis.normalised)
    hits = _matches(cap, params.get("triggers", ()), params.get("trigger_patterns", ()))
    if not hits:
        return []
    if params.get("notices") and _matches(cap, params["notices"], plural=True):
        return []
    return [ctx.finding(rule, hits[0])]


retouch_notice.validate = lambda params: _check_params(
    params, {"triggers": list, "trigger_patterns": list, "notices": list, "commercial_only": bool},
    required_any=("triggers", "trigger_patterns"))


# -------------------------------------------------------------------------- video-disclosure
@CHECKS.register("video-disclosure")
def video_disclosure(ctx: Context, rule):
    """A commercial post on a video platform: whether the video shows or says the label, text cannot tell."""
    if not ctx.commercial:
        return []
    platform = ctx.post.platform
    named = rule.params.get("platforms")
    if not platform or not (platform in named if named else ctx.ruleset.platform(platform).get("video")):
        return []
    label = next((lbl for lbl in ctx.placed if lbl.span is not None), None)
    return [ctx.finding(rule, label.span if label else None)]


video_disclosure.validate = lambda params: _check_params(params, {"platforms": list})


# ------------------------------------------------------------------------ audience-threshold
_NUMBER = regex.compile(r"\d{1,3}(?:[ ,.\u00a0\u202f']\d{3})+|\d+")


def audience_size(value) -> int | None:
    """A follower count from post metadata, or None: never estimated from anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else None
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER.fullmatch(text, timeout=REGEX_TIMEOUT):
            return int(regex.sub(r"\D", "", text, timeout=REGEX_TIMEOUT))
    return None


@CHECKS.register("audience-threshold")
def audience_threshold(ctx: Context, rule):
    """The post's metadata gives an audience at or above a legal threshold: extra duties may apply."""
    params = rule.params
    if not _applies(ctx, params):
        return []
    key = params.get("key", "followers")
    size = audience_size(ctx.post.metadata.get(key))
    if size is None or size < params["min"]:
        return []
    return [ctx.finding(rule, None, count=f"{size:,}", min=f"{params['min']:,}", key=key)]


def _validate_threshold(params: dict) -> str | None:
    problem = _check_params(params, {"min": int, "key": str, "commercial_only": bool})
    if problem:
        return problem
    return None if "min" in params else "params.min (the threshold) is required"


audience_threshold.validate = _validate_threshold
