"""Caption highlighting, shared by the HTML report and the web page: one cut, linear in the spans.

The caption is cut at every span edge; each piece says what covers it (a problem, an accepted
label, a signal) as CSS classes from `_marks.css.j2` and a title listing everything there.
Pieces are plain text; templates escape them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from typing import Any

from compliance.reporters.views import ordered_verdicts, signal_name

# Highlight styles, most important first: where spans overlap, the first one colours the text.
SIGNAL_CLASSES = {
    "affiliate_link": "hl-affiliate",
    "discount_code": "hl-code",
    "gift": "hl-gift",
    "partnership": "hl-gift",
    "brand": "hl-brand",
}
HIGHLIGHT_PRIORITY = (
    "hl-problem",
    "hl-accepted",
    "hl-affiliate",
    "hl-code",
    "hl-gift",
    "hl-brand",
    "hl-signal",
    "hl-flag",
)


def span_ok(start: Any, end: Any, length: int) -> bool:
    return (
        isinstance(start, int)
        and isinstance(end, int)
        and not isinstance(start, bool)
        and not isinstance(end, bool)
        and 0 <= start < end <= length
    )


class _Overlaps:
    """Which of some [start, end) spans overlap a query span, in their original order.

    Spans are mostly short labels, so only those starting within the longest short span's
    length before the query are looked at; the few long ones are checked one by one. (Checking
    every pair made a caption of 16,000 glued `#ad` labels take minutes to render.)
    """

    LONG = 256

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = spans
        short = [i for i, (s, e) in enumerate(spans) if e - s <= self.LONG]
        self.long = [i for i, (s, e) in enumerate(spans) if e - s > self.LONG]
        self.order = sorted(short, key=lambda i: spans[i][0])
        self.starts = [spans[i][0] for i in self.order]
        self.reach = max((spans[i][1] - spans[i][0] for i in short), default=0)

    def __call__(self, lo: int, hi: int) -> list[int]:
        a = bisect_left(self.starts, lo - self.reach + 1)
        b = bisect_left(self.starts, hi)
        found = [i for i in self.order[a:b] if self.spans[i][1] > lo]
        found += [i for i in self.long if self.spans[i][0] < hi and self.spans[i][1] > lo]
        return sorted(found)


def caption_segments(post: Mapping[str, Any], jurisdictions: Iterable[str] = ()) -> list[dict[str, str]]:
    """Cut the caption at every span edge; each piece carries the style of what covers it.

    Overlapping spans (a brand hashtag that is also a label, a finding on a signal) are
    resolved by `HIGHLIGHT_PRIORITY`; the title lists everything that covers the piece.
    A disclosure is shown as accepted unless some finding of this post points at it.
    """
    caption = post.get("caption")
    if not isinstance(caption, str) or not caption:
        return []
    n = len(caption)
    findings = []  # (start, end, "RULE (code)") in jurisdiction order, for titles
    for code, verdict in ordered_verdicts(post, list(jurisdictions)):
        for f in verdict.get("findings") or ():
            if span_ok(f.get("start"), f.get("end"), n):
                findings.append((f["start"], f["end"], f"{f.get('rule') or '?'} ({code})"))

    marks: list[tuple[int, int, str, str]] = []
    for sig in post.get("signals") or ():
        if not span_ok(sig.get("start"), sig.get("end"), n):
            continue
        kind = str(sig.get("kind", "signal"))
        title = signal_name(kind)
        if sig.get("value"):
            title += f": {sig['value']}"
        if sig.get("confidence") and sig.get("confidence") != "high":
            title += f" ({sig['confidence']} confidence)"
        marks.append((sig["start"], sig["end"], SIGNAL_CLASSES.get(kind, "hl-signal"), title))
    disclosure_spans = []
    finding_at = _Overlaps([(fs, fe) for fs, fe, _name in findings])
    for d in post.get("disclosures") or ():
        start, end = d.get("start"), d.get("end")
        if not span_ok(start, end, n):
            continue
        disclosure_spans.append((start, end))
        hits = list(dict.fromkeys(findings[i][2] for i in finding_at(start, end)))
        label = d.get("text") or caption[start:end]
        if hits:
            marks.append((start, end, "hl-problem", f"Disclosure \u201c{label}\u201d flagged by {', '.join(hits)}"))
        else:
            marks.append((start, end, "hl-accepted", f"Disclosure \u201c{label}\u201d accepted"))
    flagged: dict[tuple[int, int], list[str]] = {}
    disclosure_at = _Overlaps(disclosure_spans)
    for fs, fe, name in findings:
        if not disclosure_at(fs, fe):
            flagged.setdefault((fs, fe), []).append(name)
    for (fs, fe), names in flagged.items():
        marks.append((fs, fe, "hl-flag", f"Flagged by {', '.join(dict.fromkeys(names))}"))
    if not marks:
        return [{"text": caption, "cls": "", "title": ""}]

    rank = {cls: i for i, cls in enumerate(HIGHLIGHT_PRIORITY)}
    opens: dict[int, list[int]] = {}
    closes: dict[int, list[int]] = {}
    for i, (start, end, _cls, _title) in enumerate(marks):
        opens.setdefault(start, []).append(i)
        closes.setdefault(end, []).append(i)
    edges = sorted({0, n, *opens, *closes})
    active: set[int] = set()
    pieces: list[tuple[int, int, str, str]] = []  # (start, end, cls, title), neighbours merged
    for a, b in zip(edges, edges[1:], strict=False):
        active.difference_update(closes.get(a, ()))
        active.update(opens.get(a, ()))
        if active:
            covering = sorted(active, key=lambda i: (rank[marks[i][2]], marks[i][0], i))
            classes = [marks[covering[0]][2]]
            if classes[0] != "hl-problem" and any(marks[i][2] == "hl-flag" for i in covering[1:]):
                classes.append("hl-flag")
            titles = list(dict.fromkeys(marks[i][3] for i in covering))
            cls, title = " ".join(classes), "; ".join(titles)
        else:
            cls = title = ""
        if pieces and pieces[-1][2] == cls and pieces[-1][3] == title:
            pieces[-1] = (pieces[-1][0], b, cls, title)  # offsets, not text: merging stays linear
        else:
            pieces.append((a, b, cls, title))
    return [{"text": caption[a:b], "cls": cls, "title": title} for a, b, cls, title in pieces]
