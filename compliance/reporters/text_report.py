"""A terminal summary: counts per jurisdiction, then each post that needs action.

Stable output (no timestamps) so it can be diffed. Colour only on a terminal, or when the
options force it. Captions are untrusted: control characters (ANSI escapes, carriage
returns) and bidirectional overrides are shown escaped so they cannot rewrite the screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TextIO

import click

from compliance.model import STATUSES
from compliance.reporters.document import Report
from compliance.reporters.registry import REPORTERS
from compliance.reporters.terminal import clean
from compliance.reporters.views import STATUS_COLOURS, STATUS_LABELS, ordered_verdicts, source_text, worst_status

QUOTE_LIMIT = 80


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    shown = clean(text)
    if len(shown) > limit:
        shown = shown[: limit - 1] + "\u2026"
    return f"\u201c{shown}\u201d"


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _wants_colour(out: TextIO, options: Mapping[str, Any]) -> bool:
    forced = options.get("color")
    if forced is not None:
        return bool(forced)
    try:
        return bool(out.isatty())
    except (AttributeError, ValueError):
        return False


def render_text(report: Report, options: Mapping[str, Any], colour: bool = False) -> str:
    def style(text: str, **kw: Any) -> str:
        return click.style(text, **kw) if colour else text

    def status_word(status: str) -> str:
        word = STATUS_LABELS.get(status, status).lower()
        fg = STATUS_COLOURS.get(status)
        return style(word, fg=fg, bold=status in ("violation", "error")) if fg else word

    data = report.data
    posts = data.get("posts") or []
    jurisdictions = list(data.get("jurisdictions") or [])
    summary = data.get("summary") or {}
    by_j = summary.get("by_jurisdiction") or {}
    rulesets = data.get("rulesets") or {}
    tool = data.get("tool") or {}
    lines: list[str] = []

    if options.get("title"):
        lines.append(style(clean(options["title"]), bold=True))
    if options.get("generated_at"):
        lines.append(f"Generated: {clean(options['generated_at'])}")
    inputs = ", ".join(clean(name) for name in data.get("inputs") or []) or "(no input named)"
    lines.append(
        f"{tool.get('name', 'compliance')} {tool.get('version', '')}: "
        f"{plural(summary.get('posts', len(posts)), 'post')} from {inputs}; "
        f"{plural(summary.get('errors', 0), 'input error')}"
    )
    for code in jurisdictions:
        meta = rulesets.get(code) or {}
        details = " \u00b7 ".join(
            str(x)
            for x in (
                meta.get("name"),
                meta.get("regulator"),
                f"v{meta['version']}" if meta.get("version") else None,
                f"effective {meta['effective']}" if meta.get("effective") else None,
                f"reviewed {meta['reviewed']}" if meta.get("reviewed") else None,
            )
            if x
        )
        if details:
            lines.append(f"  {code:<4} {clean(details)}")
    lines.append("")

    width = max([len("jurisdiction")] + [len(code) for code in jurisdictions])
    header = f"{'jurisdiction':<{width}}" + "".join(f"{s:>11}" for s in STATUSES)
    lines.append(style(header, bold=True))
    for code in jurisdictions:
        counts = by_j.get(code) or {}
        cells = []
        for s in STATUSES:
            n = int(counts.get(s, 0))
            text = f"{n:>11}"
            cells.append(style(text, fg=STATUS_COLOURS[s]) if n and s in ("violation", "review") else text)
        lines.append(f"{code:<{width}}" + "".join(cells))
    lines.append("")

    action = [p for p in posts if worst_status(p) in ("violation", "review", "error")]
    waived = [
        (post, code, w)
        for post in posts
        for code, verdict in ordered_verdicts(post, jurisdictions)
        for w in verdict.get("waived") or ()
    ]
    unmatched = [w for w in summary.get("waivers") or () if not w.get("matched")]
    if waived or unmatched:
        lines.append(style(f"Accepted exceptions: {plural(len(waived), 'finding')} set aside", bold=True))
        for post, code, w in waived:
            reason = (w.get("waiver") or {}).get("reason")
            lines.append(
                f"  {clean(post.get('id'))}  {code:<4} {clean(w.get('rule') or '')}  {clean(w.get('message') or '')}"
                + (f"  (waived: {clean(reason)})" if reason else "")
            )
        for w in unmatched:
            lines.append(f"  {clean(w.get('post'))}:{clean(w.get('rule'))}  matched no finding")
        lines.append("")
    if not action:
        lines.append("No posts need action.")
        return "\n".join(lines) + "\n"
    lines.append(style(f"Posts needing action: {len(action)}", bold=True))
    for post in action:
        lines.append("")
        status = worst_status(post)
        head = [
            style(clean(post.get("id") if post.get("id") is not None else "(no id)"), bold=True),
            status_word(status),
            clean(source_text(post.get("source"))),
        ]
        if post.get("author"):
            head.append(clean(post["author"]))
        if post.get("platform"):
            head.append(clean(post["platform"]))
        lines.append("  ".join(head))
        if post.get("error"):
            lines.append(f"  error: {clean(post['error'])}")
            continue
        if isinstance(post.get("caption"), str):
            lines.append(f"  caption: {quote(post['caption'])}")
        for code, verdict in ordered_verdicts(post, jurisdictions):
            vstatus = verdict.get("status") or ""
            lines.append(f"  {code:<4} {status_word(vstatus)}")
            for f in verdict.get("findings") or ():
                rule = style(str(f.get("rule") or "?"), bold=True)
                lines.append(f"       {rule}  {clean(f.get('message') or '')}")
                text = f.get("text")
                caption = post.get("caption")
                if (
                    not text
                    and isinstance(caption, str)
                    and isinstance(f.get("start"), int)
                    and isinstance(f.get("end"), int)
                    and 0 <= f["start"] < f["end"] <= len(caption)
                ):
                    text = caption[f["start"] : f["end"]]
                if text:
                    lines.append(f"         at {quote(text)}")
    return "\n".join(lines) + "\n"


@REPORTERS.register("text")
def render(report: Report, out: TextIO, options: Mapping[str, Any]) -> None:
    out.write(render_text(report, options, colour=_wants_colour(out, options)))
