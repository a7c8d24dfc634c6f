"""How a post record reads to a person: the one presentation vocabulary.

Status names, hints and colours, signal names, a post's place and worst verdict, and which URLs
may become links: shared by the HTML report, the web page, `compliance check` and the text format,
so they never disagree. (Highlighting is in `highlight.py`; the CSS for it in `_marks.css.j2`.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from compliance.model import STATUSES

STATUS_LABELS = {
    "violation": "Violation",
    "review": "Needs review",
    "compliant": "Compliant",
    "clear": "Clear",
    "error": "Input error",
}
ACTION_STATUSES = ("violation", "review")
STATUS_WORDS = {
    "violation": "VIOLATION",
    "review": "REVIEW",
    "compliant": "COMPLIANT",
    "clear": "CLEAR",
    "error": "ERROR",
}  # terminals
STATUS_COLOURS = {"violation": "red", "review": "yellow", "compliant": "green", "clear": None, "error": "magenta"}
STATUS_HINTS = {
    "violation": "Followers may not see that this is an ad.",
    "review": "A person should check this one.",
    "compliant": "Disclosed with an accepted label, where it should be.",
    "clear": "Nothing commercial found: no label needed.",
}
SIGNAL_NAMES = {
    "brand": "Brand",
    "affiliate_link": "Affiliate link",
    "short_link": "Short link (target not shown)",
    "discount_code": "Discount code",
    "gift": "Gift wording",
    "partnership": "Partnership wording",
}


def signal_name(kind: str) -> str:
    return SIGNAL_NAMES.get(kind, kind.replace("_", " ").replace("-", " ").capitalize())


def safe_href(url: Any) -> str | None:
    """Only absolute http(s) URLs become links; anything else is shown as text."""
    if not isinstance(url, str) or not url or url != url.strip():
        return None
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return url


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
