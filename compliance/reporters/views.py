"""How a post record reads to a person: its place, its worst verdict. Shared by the human reporters."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compliance.model import STATUSES

STATUS_LABELS = {
    "violation": "Violation",
    "review": "Needs review",
    "compliant": "Compliant",
    "clear": "Clear",
    "error": "Input error",
}
ACTION_STATUSES = ("violation", "review")


def source_text(source: Mapping[str, Any] | None) -> str:
    """`posts.jsonl, line 3`: where a post came from, as a person reads it."""
    if not isinstance(source, Mapping):
        return ""
    parts = [str(source.get("file", ""))]
    if source.get("member"):
        parts.append(str(source["member"]))
    for key in ("line", "row", "index"):
        if source.get(key) is not None:
            parts.append(f"{key} {source[key]}")
    return ", ".join(p for p in parts if p)


def status_rank(status: str) -> int:
    """Worst first: violation 0 ... clear 3; an unknown status sorts just after review."""
    try:
        return STATUSES.index(status)
    except ValueError:
        return len(ACTION_STATUSES)


def worst_status(post: Mapping[str, Any]) -> str:
    """`error` for an input error record, else the worst verdict over its jurisdictions."""
    if post.get("error"):
        return "error"
    statuses = [v.get("status", "") for v in (post.get("verdicts") or {}).values()]
    return min(statuses, key=status_rank) if statuses else "clear"


def needs_action(post: Mapping[str, Any]) -> bool:
    return worst_status(post) in ("error",) + ACTION_STATUSES


def ordered_verdicts(post: Mapping[str, Any], jurisdictions: list[str]) -> list[tuple[str, Mapping]]:
    """The post's verdicts in the report's jurisdiction order (any others after, sorted)."""
    verdicts = post.get("verdicts") or {}
    codes = [j for j in jurisdictions if j in verdicts] + sorted(set(verdicts) - set(jurisdictions))
    return [(j, verdicts[j]) for j in codes]
