"""Text for a terminal: characters made safe to print, carets under a span, and the short human
answer of `compliance check` (per jurisdiction: verdict, problem, why). The text format uses the
same escaping; status words and colours come from `views`.

It renders the very post record `check --format json` prints, so the two never disagree. The
offending text is shown on its caption line with carets under it (widths counted as a terminal
draws them: wide CJK and emoji take two cells, combining marks none). Captions are untrusted:
control characters and bidirectional overrides are shown as visible escapes, so a caption
cannot move the cursor, recolour the terminal or reorder the line around the carets.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

import click

from compliance.reporters.views import STATUS_COLOURS, STATUS_WORDS

STATUS_NOTES = {
    "compliant": "disclosed with an accepted label, in an accepted place",
    "clear": "nothing commercial found: no label needed",
}
WIDTH = 78  # longest caption excerpt shown under a finding, in terminal cells
INDENT = "    "
_NAMED = {"\t": "\\t", "\r": "\\r", "\n": "\\n"}
_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}


def _is_unsafe(ch: str) -> bool:
    code = ord(ch)
    return (
        code < 0x20
        or 0x7F <= code <= 0x9F
        or 0x202A <= code <= 0x202E
        or 0x2066 <= code <= 0x2069
        or ch in "\u061c\u200e\u200f"
    )


def shown(ch: str) -> str:
    """How one caption character is printed: itself, or a visible escape if it is unsafe."""
    if not _is_unsafe(ch):
        return ch
    if ch in _NAMED:
        return _NAMED[ch]
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def cells(text: str) -> int:
    """Terminal cells the text takes (an estimate: terminals differ on some emoji)."""
    total = 0
    for ch in text:
        if unicodedata.combining(ch) or ch in _ZERO_WIDTH or 0xFE00 <= ord(ch) <= 0xFE0F:
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def clean(text: Any) -> str:
    return "".join(shown(ch) for ch in str(text if text is not None else ""))


def marked_lines(caption: str, start: int, end: int, width: int = WIDTH) -> list[tuple[str, str]]:
    """(caption line, caret line) pairs for the caption lines that [start, end) touches.

    A long line is cut to a window around the span, with "…" where text was left out.
    """
    out = []
    pos = 0
    for raw in caption.split("\n"):
        lo, hi = pos, pos + len(raw)
        pos = hi + 1
        s, e = max(start, lo), min(end, hi)
        if not (s < e or (start == end and lo <= start <= hi)):
            continue
        if raw.endswith("\r"):  # a CRLF line break is not part of the line
            raw = raw[:-1]
        pieces = [shown(ch) for ch in raw]
        out.append(_window(pieces, s - lo, max(e - lo, s - lo), width))
    return out


def _window(pieces: list[str], s: int, e: int, width: int) -> tuple[str, str]:
    widths = [cells(p) for p in pieces]
    first, last = 0, len(pieces)
    if sum(widths) > width:
        # Keep the span, then add context on both sides while it fits.
        first, last = s, max(e, s)
        used = sum(widths[first:last])
        while used < width - 2 and (first > 0 or last < len(pieces)):
            if first > 0 and (s - first <= last - e or last >= len(pieces)):
                first -= 1
                used += widths[first]
            elif last < len(pieces):
                used += widths[last]
                last += 1
    line = ("…" if first > 0 else "") + "".join(pieces[first:last]) + ("…" if last < len(pieces) else "")
    pad = (1 if first > 0 else 0) + sum(widths[first:s])
    carets = max(1, sum(widths[s:e]))
    return line.rstrip(), " " * pad + "^" * carets


def _style(text: str, colour: str | None = None, bold: bool = False) -> str:
    return click.style(text, fg=colour, bold=bold) if (colour or bold) else text


def render_post(
    post: Mapping[str, Any],
    rulesets: Mapping[str, Mapping[str, Any]],
    whys: Mapping[str, str],
    jurisdictions: list[str],
    fixed: str | None = None,
    unsatisfied: tuple[str, ...] = (),
) -> str:
    """The whole answer for one caption, as text with click styles (stripped off a terminal)."""
    if post.get("error"):
        return f"Not checked: {clean(post['error'])}"
    caption = post.get("caption") or ""
    lines: list[str] = []
    for code in jurisdictions:
        verdict = post["verdicts"].get(code)
        if verdict is None:
            continue
        meta = rulesets.get(code, {})
        regulator = meta.get("regulator") or meta.get("name") or code.upper()
        status = verdict["status"]
        word = _style(STATUS_WORDS[status], STATUS_COLOURS[status], bold=True)
        head = f"{code:<4}{word}  {clean(meta.get('name', ''))}"
        lines.append(head.rstrip())
        if status in STATUS_NOTES:
            lines.append(f"{INDENT}{STATUS_NOTES[status]}.")
        for group in _by_span(verdict["findings"]):
            first = group[0]
            if first.get("start") is not None and first.get("end") is not None:
                for text_line, caret_line in marked_lines(caption, first["start"], first["end"]):
                    lines.append(f"{INDENT}{text_line}")
                    colour = STATUS_COLOURS["violation"] if first["severity"] == "error" else "yellow"
                    lines.append(f"{INDENT}{_style(caret_line, colour)}")
            for finding in group:
                rule = f"{finding['rule']} {finding['name']}"
                kind = "Problem" if finding["severity"] == "error" else "Check"
                lines.append(f"{INDENT}{kind} ({rule}): {clean(finding['message'])}")
                why = whys.get(finding["rule"]) or finding["citation"]["source"]
                lines.append(f"{INDENT}Why ({clean(regulator)}): {clean(why)}")
                if finding.get("fix"):
                    lines.append(f"{INDENT}Fix: {clean(finding['fix'])}")
                cite = finding["citation"]
                at = f", {clean(cite['pinpoint'])}" if cite.get("pinpoint") else ""
                lines.append(f"{INDENT}Source: {clean(cite['source'])}{at} <{clean(cite['url'])}>")
        lines.append("")
    if fixed is not None and fixed != caption:
        lines.append(
            _style("Corrected caption", bold=True)
            + (f" (still not enough for: {', '.join(unsatisfied)})" if unsatisfied else "")
            + ":"
        )
        lines.extend(f"{INDENT}{clean(line)}".rstrip() for line in fixed.rstrip("\n").split("\n"))
        lines.append("")
    elif fixed is not None and unsatisfied:
        lines.append(f"No caption change satisfies: {', '.join(unsatisfied)}; a person should review.")
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def _by_span(findings: list[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    """Findings that point at the same text share one marked excerpt, in report order."""
    groups: dict[tuple, list] = {}
    for f in findings:
        groups.setdefault((f.get("start"), f.get("end")), []).append(f)
    return list(groups.values())
