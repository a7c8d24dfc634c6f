"""The HTML report: one self-contained page a brand's lawyer can forward to a client.

Everything the page needs (CSS, a small filter script) is inline, so it works offline and
from an email attachment. Captions, ids, authors and brand names are untrusted: the Python
side only cuts them into pieces (highlight segments) and the jinja2 template escapes every
piece (autoescape on, no `|safe` on user data). A Content-Security-Policy that admits only
the page's own style and script by hash is a second wall behind the escaping.
"""
from __future__ import annotations

import base64
import hashlib
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from compliance.model import SEVERITIES, STATUSES
from compliance.paths import data_dir
from compliance.reporters.document import Report
from compliance.reporters.registry import REPORTERS
from compliance.reporters.views import ACTION_STATUSES, STATUS_LABELS, ordered_verdicts, source_text, worst_status

# Highlight styles, most important first: where spans overlap, the first one colours the text.
SIGNAL_CLASSES = {
    "affiliate_link": "hl-affiliate",
    "discount_code": "hl-code",
    "gift": "hl-gift",
    "partnership": "hl-gift",
    "brand": "hl-brand",
}
HIGHLIGHT_PRIORITY = ("hl-problem", "hl-accepted", "hl-affiliate", "hl-code", "hl-gift",
                      "hl-brand", "hl-signal", "hl-flag")
SIGNAL_NAMES = {
    "brand": "Brand",
    "affiliate_link": "Affiliate link",
    "discount_code": "Discount code",
    "gift": "Gift wording",
    "partnership": "Partnership wording",
}


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


def _span_ok(start: Any, end: Any, length: int) -> bool:
    return (isinstance(start, int) and isinstance(end, int) and not isinstance(start, bool)
            and not isinstance(end, bool) and 0 <= start < end <= length)


# ---- caption highlighting ----------------------------------------------------------------

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
            if _span_ok(f.get("start"), f.get("end"), n):
                findings.append((f["start"], f["end"], f"{f.get('rule') or '?'} ({code})"))

    marks: list[tuple[int, int, str, str]] = []
    for sig in post.get("signals") or ():
        if not _span_ok(sig.get("start"), sig.get("end"), n):
            continue
        kind = str(sig.get("kind", "signal"))
        title = SIGNAL_NAMES.get(kind, kind.replace("_", " ").capitalize())
        if sig.get("value"):
            title += f": {sig['value']}"
        if sig.get("confidence") and sig.get("confidence") != "high":
            title += f" ({sig['confidence']} confidence)"
        marks.append((sig["start"], sig["end"], SIGNAL_CLASSES.get(kind, "hl-signal"), title))
    disclosure_spans = []
    finding_at = _Overlaps([(fs, fe) for fs, fe, _name in findings])
    for d in post.get("disclosures") or ():
        start, end = d.get("start"), d.get("end")
        if not _span_ok(start, end, n):
            continue
        disclosure_spans.append((start, end))
        hits = list(dict.fromkeys(findings[i][2] for i in finding_at(start, end)))
        label = d.get("text") or caption[start:end]
        if hits:
            marks.append((start, end, "hl-problem",
                          f"Disclosure \u201c{label}\u201d flagged by {', '.join(hits)}"))
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
    segments: list[dict[str, str]] = []
    for a, b in zip(edges, edges[1:]):
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
        if segments and segments[-1]["cls"] == cls and segments[-1]["title"] == title:
            segments[-1]["text"] += caption[a:b]
        else:
            segments.append({"text": caption[a:b], "cls": cls, "title": title})
    return segments


# ---- the view the template renders -------------------------------------------------------

def _finding_view(f: Mapping[str, Any], caption: str | None) -> dict[str, Any]:
    citation = f.get("citation") or {}
    text = f.get("text")
    if not text and isinstance(caption, str) and _span_ok(f.get("start"), f.get("end"), len(caption)):
        text = caption[f["start"]:f["end"]]
    return {
        "rule": f.get("rule") or "",
        "name": f.get("name") or "",
        "severity": f.get("severity") or "",
        "confidence": f.get("confidence") or "",
        "message": f.get("message") or "",
        "text": text or "",
        "fix": f.get("fix") or "",
        "citation_source": citation.get("source") or "",
        "citation_url": citation.get("url") or "",
        "citation_href": safe_href(citation.get("url")),
    }


def percentages(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Whole percentages that add up to exactly 100 (largest remainder), for the bar charts."""
    total = sum(counts.values())
    if total <= 0:
        return []
    exact = [(key, value * 100 / total) for key, value in counts.items()]
    whole = {key: int(share) for key, share in exact}
    left = 100 - sum(whole.values())
    for key, share in sorted(exact, key=lambda kv: -(kv[1] - int(kv[1])))[:left]:
        whole[key] += 1
    return [(key, whole[key]) for key, _ in exact if whole[key] > 0]


def excerpt(text: str | None, limit: int = 90) -> str:
    """The start of a caption on one line, for compact lists."""
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "\u2026"


def _severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def _rule_rows(posts: Iterable[Mapping[str, Any]], j_names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Findings by rule: how many posts each rule flagged, worst (severity, then count) first."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for post in posts:
        for code, verdict in (post.get("verdicts") or {}).items():
            seen = set()
            for f in verdict.get("findings") or ():
                rule = str(f.get("rule") or "?")
                key = (code, rule)
                row = rows.get(key)
                if row is None:
                    citation = f.get("citation") or {}
                    row = rows[key] = {
                        "rule": rule, "name": f.get("name") or "", "jurisdiction": code,
                        "jurisdiction_name": j_names.get(code, code),
                        "severity": f.get("severity") or "", "posts": 0, "findings": 0,
                        "citation_source": citation.get("source") or "",
                        "citation_url": citation.get("url") or "",
                        "citation_href": safe_href(citation.get("url")),
                    }
                row["findings"] += 1
                if rule not in seen:
                    seen.add(rule)
                    row["posts"] += 1
    return sorted(rows.values(), key=lambda r: (_severity_rank(r["severity"]), -r["posts"],
                                                 r["jurisdiction"], r["rule"]))


def _creator_rows(posts: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Posts by creator, worst first; empty when no post names its author."""
    if not any(p.get("author") for p in posts):
        return []
    rows: dict[str, dict[str, Any]] = {}
    for post in posts:
        author = post.get("author") or ""
        row = rows.setdefault(author, {"author": author, "posts": 0, "violation": 0, "review": 0,
                                       "error": 0, "ok": 0})
        row["posts"] += 1
        status = worst_status(post)
        row[status if status in ("violation", "review", "error") else "ok"] += 1
    return sorted(rows.values(), key=lambda r: (-r["violation"], -r["review"], -r["error"],
                                                 r["author"] == "", r["author"].casefold(), r["author"]))


def build_view(report: Report, options: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the template shows, computed once; the template only lays it out."""
    data = report.data
    posts = list(data.get("posts") or [])
    jurisdictions = list(data.get("jurisdictions") or [])
    summary = data.get("summary") or {}
    by_j = summary.get("by_jurisdiction") or {}
    for code in by_j:
        if code not in jurisdictions:
            jurisdictions.append(code)
    rulesets = data.get("rulesets") or {}
    j_index = {code: i for i, code in enumerate(jurisdictions)}

    j_views = []
    for code in jurisdictions:
        meta = rulesets.get(code) or {}
        counts = {s: int((by_j.get(code) or {}).get(s, 0)) for s in STATUSES}
        j_views.append({"code": code, "index": j_index[code], "name": meta.get("name") or code.upper(),
                        "regulator": meta.get("regulator") or "", "version": meta.get("version") or "",
                        "counts": counts, "total": sum(counts.values()), "bar": percentages(counts)})
    j_names = {j["code"]: j["name"] for j in j_views}
    j_table = sorted(j_views, key=lambda j: (-j["counts"]["violation"], -j["counts"]["review"], j["index"]))

    creators = _creator_rows(posts)
    creator_index = {row["author"]: str(i) for i, row in enumerate(
        sorted(creators, key=lambda r: (r["author"] == "", r["author"].casefold(), r["author"])))}

    action, errors, ok = [], [], []
    status_posts = {s: 0 for s in ("error",) + STATUSES}
    for number, post in enumerate(posts, 1):
        status = worst_status(post)
        status_posts[status if status in status_posts else "review"] += 1
        verdicts = []
        for code, verdict in ordered_verdicts(post, jurisdictions):
            verdicts.append({
                "code": code, "index": j_index.get(code, -1), "name": j_names.get(code, code),
                "status": verdict.get("status") or "",
                "findings": [_finding_view(f, post.get("caption")) for f in verdict.get("findings") or ()],
            })
        author = post.get("author") or ""
        view = {
            "number": number,
            "anchor": f"post-{number}",
            "id": post.get("id") if post.get("id") is not None else "",
            "source": source_text(post.get("source")),
            "platform": post.get("platform") or "",
            "author": author,
            "creator_key": creator_index.get(author, ""),
            "posted_at": post.get("posted_at") or "",
            "paid_partnership": bool(post.get("paid_partnership")),
            "error": post.get("error") or "",
            "caption": post.get("caption") if isinstance(post.get("caption"), str) else "",
            "status": status,
            "verdicts": verdicts,
            "excerpt": excerpt(post.get("caption") if isinstance(post.get("caption"), str) else ""),
            "by_j": [next((v["status"] for v in verdicts if v["code"] == code), "") for code in jurisdictions],
            "data_v": " ".join(f"{v['index']}:{v['status']}" for v in verdicts if v["index"] >= 0),
        }
        if status == "error":
            errors.append(view)
        elif status in ACTION_STATUSES or status not in STATUSES:
            view["segments"] = caption_segments(post, jurisdictions)
            action.append(view)
        else:
            ok.append(view)

    title = options.get("title") or "Advertising disclosure report"
    return {
        "title": title,
        "custom_title": bool(options.get("title")),
        "generated_at": options.get("generated_at") or "",
        "tool": data.get("tool") or {"name": "compliance", "version": ""},
        "schema_version": data.get("schema_version"),
        "inputs": list(data.get("inputs") or []),
        "jurisdictions": j_views,
        "jurisdiction_table": j_table,
        "total_posts": int(summary.get("posts", len(posts))),
        "total_errors": int(summary.get("errors", status_posts["error"])),
        "status_posts": status_posts,
        "needs_action": len(action) + len(errors),
        "rules": _rule_rows(posts, j_names),
        "creators": creators,
        "creator_options": list(creator_index.items()),
        "action_posts": action,
        "error_posts": errors,
        "ok_posts": ok,
        "status_labels": STATUS_LABELS,
        "statuses": STATUSES,
        "waivers": list(summary.get("waivers") or []),
        "waived": [{"post": post.get("id") if post.get("id") is not None else "", "code": code,
                    "rule": w.get("rule") or "", "message": w.get("message") or "", "text": w.get("text") or "",
                    "reason": (w.get("waiver") or {}).get("reason") or ""}
                   for post in posts for code, verdict in ordered_verdicts(post, jurisdictions)
                   for w in verdict.get("waived") or ()],
    }


# ---- rendering ---------------------------------------------------------------------------

def _csp_hash(value: Any) -> str:
    """The CSP source expression admitting exactly this inline <style>/<script> text."""
    digest = hashlib.sha256(str(value).encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@lru_cache(maxsize=4)
def environment(template_dir: Path):
    """One jinja2 environment per template folder; autoescape on for every template."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        autoescape=True,  # select_autoescape would not match *.html.j2
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["csp_hash"] = _csp_hash
    return env


def render_html(report: Report, options: Mapping[str, Any] | None = None) -> str:
    template = environment(data_dir("templates")).get_template("report.html.j2")
    return template.render(view=build_view(report, options or {}))


@REPORTERS.register("html")
def render(report: Report, out: TextIO, options: Mapping[str, Any]) -> None:
    out.write(render_html(report, options))
