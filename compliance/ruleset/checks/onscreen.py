"""The video-disclosure check for posts whose image or video was read (`compliance.media`).

The best on-screen label this jurisdiction accepts is measured against the rule's figures, each
one given only where the regulator gives a number:

  min_height_share    label height / frame height, at least
  min_contrast        WCAG contrast ratio of text against the pixels behind it, at least
  visible_within_s    first seen no later than this many seconds into the video
  min_duration_s      on screen for at least this many seconds in all
  min_duration_share  on screen for at least this share of the video (1.0: throughout)
  uncovered           true: not under one of the platform's icons (media/icon_areas.toml)

All given figures met: no finding. One missed: a finding that says which and what was measured.
No figure at all for this jurisdiction: a `review` warning that reports the measurement, so a
person judges legibility. No accepted label on screen: a finding that says so.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

NUMBERS = ("min_height_share", "min_contrast", "visible_within_s", "min_duration_s", "min_duration_share")
FIGURES = NUMBERS + ("uncovered",)


def figures(params: Any) -> dict[str, Any]:
    """The figures a rule gives (the typed params' fields that are set), by name."""
    out: dict[str, Any] = {k: getattr(params, k) for k in NUMBERS if getattr(params, k, None) is not None}
    if getattr(params, "uncovered", False):
        out["uncovered"] = True
    return out


def describe(label: dict, kind: str | None) -> str:
    """The measurement in words: size, contrast, position, cover, and for a video the timing."""
    parts = [
        f"{label['height_share'] * 100:.1f}% of the frame height",
        f"contrast {label['contrast']:.1f}:1",
        f"{label['position']['zone']} of the frame",
    ]
    if label.get("covered_by"):
        parts.append(f"under the app's {label['covered_by'].replace('-', ' ')}")
    if kind == "video" and label.get("first_visible_s") is not None:
        share = label.get("duration_share")
        parts.append(
            f"from {label['first_visible_s']:.1f} s for {label['duration_s']:.1f} s"
            + (f" ({share * 100:.0f}% of the video)" if share is not None else "")
        )
    return ", ".join(parts)


def shortfalls(label: dict, kind: str | None, params: dict) -> list[str]:
    out = []
    if "min_height_share" in params and label["height_share"] < params["min_height_share"]:
        out.append(f"height at least {params['min_height_share'] * 100:g}% of the frame")
    if "min_contrast" in params and label["contrast"] < params["min_contrast"]:
        out.append(f"contrast at least {params['min_contrast']:g}:1")
    if params.get("uncovered") and label.get("covered_by"):
        out.append("not covered by the app's icons")
    if kind == "video":
        first = label.get("first_visible_s")
        if "visible_within_s" in params and (first is None or first > params["visible_within_s"]):
            out.append(f"on screen within the first {params['visible_within_s']:g} s")
        if "min_duration_s" in params and label.get("duration_s", 0) < params["min_duration_s"]:
            out.append(f"on screen for at least {params['min_duration_s']:g} s")
        share = label.get("duration_share")
        if "min_duration_share" in params and (share is None or share < params["min_duration_share"]):
            need = params["min_duration_share"]
            out.append("on screen throughout" if need >= 1 else f"on screen for {need * 100:g}% of the video")
    return out


def judge_onscreen(ctx, rule, media: dict, onscreen: list[dict]):
    kind = media.get("kind")
    where = media.get("file", "the media file")
    accepted = [o for o in onscreen if ctx.ruleset.label_class(o.get("label")) == "accepted"]
    base = ctx.finding(rule, None)
    if not accepted:
        seen = ", ".join(f'"{o["text"]}"' for o in onscreen)
        text = f"On screen in {where}: no label accepted here" + (f" (read: {seen})" if seen else " was read") + "."
        return [replace(base, message=text)]
    best = max(accepted, key=lambda o: (not o.get("covered_by"), o["height_share"], -(o.get("time_s") or 0)))
    measured = describe(best, kind)
    given = figures(rule.params)
    missed = shortfalls(best, kind, given)
    if missed:
        return [
            replace(
                base, message=f'On-screen "{best["text"]}" in {where}: {measured}. Required here: {"; ".join(missed)}.'
            )
        ]
    if not given:
        return [
            replace(
                base,
                severity="warning",
                message=(
                    f'On-screen "{best["text"]}" in {where}: {measured}. The regulator gives no figure for '
                    "size, contrast or time on screen: check that a follower can read it."
                ),
            )
        ]
    return []
