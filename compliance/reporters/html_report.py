"""The HTML report: one self-contained page a brand's lawyer can forward to a client.

Everything the page needs (CSS, a small filter script) is inline, so it works offline and
from an email attachment. Captions, ids, authors and brand names are untrusted: the Python
side only cuts them into pieces (highlight segments) and the jinja2 template escapes every
piece (autoescape on, no `|safe` on user data). A Content-Security-Policy that admits only
the page's own style and script by hash is a second wall behind the escaping.

From COMPACT_FROM posts the page carries the posts as escaped JSON data instead of a card each,
and its script draws them a page at a time with DOM calls (textContent, never markup); what needs
action is also written once as a compact static table, which is what prints. The summary charts
come from `charts.py` as SVG images.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

from markupsafe import Markup

from compliance.analysis.discover import discovered_rows
from compliance.model import SEVERITIES, STATUSES
from compliance.paths import data_dir
from compliance.reporters.charts import STATUS_COLOURS, bar_chart, data_uri
from compliance.reporters.document import Report
from compliance.reporters.highlight import caption_segments, span_ok
from compliance.reporters.onscreen_view import onscreen_view
from compliance.reporters.registry import REPORTERS
from compliance.reporters.views import (
    ACTION_STATUSES,
    STATUS_LABELS,
    ordered_verdicts,
    safe_href,
    source_text,
    worst_status,
)

# ---- the view the template renders -------------------------------------------------------


@lru_cache(maxsize=4096)
def _href(url: str) -> str | None:
    """safe_href once per distinct citation URL: a large report repeats a few hundred of them."""
    return safe_href(url)


def _link(url: Any) -> str | None:
    return _href(url) if isinstance(url, str) else safe_href(url)


def _finding_view(f: Mapping[str, Any], caption: str | None) -> dict[str, Any]:
    citation = f.get("citation") or {}
    text = f.get("text")
    if not text and isinstance(caption, str) and span_ok(f.get("start"), f.get("end"), len(caption)):
        text = caption[f["start"] : f["end"]]
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
        "citation_href": _link(citation.get("url")),
        "citation_pinpoint": citation.get("pinpoint") or "",
    }


def percentages(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Whole percentages that add up to exactly 100 (largest remainder), for the bar charts."""
    total = sum(counts.values())
    if total <= 0:
        return []
    exact = [(key, value * 100 / total) for key, value in counts.items()]
    whole = {key: int(share) for key, share in exact}
    left = 100 - sum(whole.values())
    for key, _share in sorted(exact, key=lambda kv: -(kv[1] - int(kv[1])))[:left]:
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
                        "rule": rule,
                        "name": f.get("name") or "",
                        "jurisdiction": code,
                        "jurisdiction_name": j_names.get(code, code),
                        "severity": f.get("severity") or "",
                        "posts": 0,
                        "findings": 0,
                        "citation_source": citation.get("source") or "",
                        "citation_url": citation.get("url") or "",
                        "citation_href": _link(citation.get("url")),
                        "citation_pinpoint": citation.get("pinpoint") or "",
                    }
                row["findings"] += 1
                if rule not in seen:
                    seen.add(rule)
                    row["posts"] += 1
    return sorted(
        rows.values(), key=lambda r: (_severity_rank(r["severity"]), -r["posts"], r["jurisdiction"], r["rule"])
    )


def _creator_rows(posts: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Posts by creator, worst first; empty when no post names its author."""
    if not any(p.get("author") for p in posts):
        return []
    rows: dict[str, dict[str, Any]] = {}
    for post in posts:
        author = post.get("author") or ""
        row = rows.setdefault(author, {"author": author, "posts": 0, "violation": 0, "review": 0, "error": 0, "ok": 0})
        row["posts"] += 1
        status = worst_status(post)
        row[status if status in ("violation", "review", "error") else "ok"] += 1
    return sorted(
        rows.values(),
        key=lambda r: (
            -r["violation"],
            -r["review"],
            -r["error"],
            r["author"] == "",
            r["author"].casefold(),
            r["author"],
        ),
    )


TOP_RULES = 10  # rules drawn in the summary chart; the table lists them all

# From this many posts the page stops writing a card per post: it embeds the posts as JSON that a
# small inline script renders a page at a time, and writes only a compact static list of what needs
# action (for print and for readers without scripts). Below it, every card is static markup.
COMPACT_FROM = 1000
# From this many posts one HTML file is slow to open (bench/report_scale.py, first frame: 1.6 s at
# 10,000 posts, 2.8 s at 20,000, 9 to 16 s at 100,000); the page says so and names the dashboard.
DASHBOARD_FROM = 20_000

_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def script_json(value: Any) -> Markup:
    """JSON to sit inside <script type="application/json">: no `<`, `>` or `&` (so no `</script>`
    or `<!--` can close or confuse the element) and no U+2028/9. The page reads it with JSON.parse
    and writes every string with textContent, so caption text never becomes markup."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return Markup(text.translate(_JSON_ESCAPES))


class _Strings:
    """Each distinct string once: posts repeat finding messages, fixes, citations and highlight titles."""

    def __init__(self) -> None:
        self.index: dict[str | tuple[str, ...], int] = {}
        self.items: list[Any] = []

    def __call__(self, value: str | tuple[str, ...]) -> int:
        key = value
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.items)
            self.items.append(value)
        return found


_FINDING_KEYS = (
    "rule",
    "name",
    "severity",
    "confidence",
    "message",
    "text",
    "fix",
    "citation_source",
    "citation_url",
    "citation_href",
    "citation_pinpoint",
)


def _post_data(view: dict[str, Any], strings: _Strings, findings: _Strings) -> dict[str, Any]:
    """One post as the page's script needs it, from the same view the static cards use."""
    out: dict[str, Any] = {
        "n": view["number"],
        "id": str(view["id"]),
        "src": view["source"],
        "au": view["author"],
        "c": view["creator_key"],
        "st": view["status"],
    }
    for key, short in (("platform", "pf"), ("posted_at", "at"), ("error", "err")):
        if view[key]:
            out[short] = view[key]
    if view["paid_partnership"]:
        out["pp"] = 1
    if view["status"] == "error":
        if view["caption"]:
            out["cap"] = view["caption"]
        return out
    out["v"] = [
        [v["index"], v["status"], [findings(tuple(f[k] or "" for k in _FINDING_KEYS)) for f in v["findings"]]]
        for v in view["verdicts"]
        if v["index"] >= 0
    ]
    if "segments" in view:
        out["seg"] = [
            s["text"] if not s["cls"] else [s["text"], strings(s["cls"]), strings(s["title"])] for s in view["segments"]
        ]
        if view["onscreen"]:
            out["os"] = view["onscreen"]
    else:
        out["ex"] = view["excerpt"]
    return out


def _page_data(
    jurisdictions: list[dict[str, Any]],
    action: list[dict[str, Any]],
    errors: list[dict[str, Any]],
    ok: list[dict[str, Any]],
) -> Markup:
    strings, findings = _Strings(), _Strings()
    data: dict[str, Any] = {
        "j": [[j["code"], j["name"]] for j in jurisdictions],
        "labels": STATUS_LABELS,
        "action": [_post_data(v, strings, findings) for v in action],
        "errors": [_post_data(v, strings, findings) for v in errors],
        "ok": [_post_data(v, strings, findings) for v in ok],
    }
    data["strings"] = strings.items
    data["findings"] = [dict(zip(_FINDING_KEYS, f, strict=True)) for f in findings.items]
    return script_json(data)


def _rules_by_j(view: dict[str, Any], codes: list[str]) -> list[dict[str, Any]]:
    """Per jurisdiction column of the compact list: the verdict and the rules that fired, once each."""
    by_code = {v["code"]: v for v in view["verdicts"]}
    cells = []
    for code in codes:
        v = by_code.get(code)
        rules = list(dict.fromkeys(f["rule"] for f in v["findings"])) if v else []
        cells.append({"status": v["status"] if v else "", "rules": rules})
    return cells


def _charts(j_table: list[dict[str, Any]], rules: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The summary's pictures, each beside the table holding the same numbers (its text equivalent)."""
    charts = []
    if any(j["total"] for j in j_table):
        svg = bar_chart(
            "Posts by verdict in each jurisdiction",
            [f"{j['code'].upper()} {j['name']}" for j in j_table],
            [(STATUS_LABELS[s], [j["counts"][s] for j in j_table], STATUS_COLOURS[s]) for s in STATUSES],
        )
        charts.append(
            {
                "id": "chart-jurisdictions",
                "uri": data_uri(svg),
                "table": "by-jurisdiction",
                "alt": "Stacked bar chart of posts by verdict in each jurisdiction; "
                "the table below gives the same numbers.",
            }
        )
    top = sorted(rules, key=lambda r: (-r["posts"], _severity_rank(r["severity"]), r["jurisdiction"], r["rule"]))
    top = top[:TOP_RULES]
    if top:
        severities = sorted({r["severity"] for r in top}, key=lambda s: (_severity_rank(s), s))
        colour = {"error": STATUS_COLOURS["violation"], "warning": STATUS_COLOURS["review"]}
        svg = bar_chart(
            f"Posts flagged by each rule (top {len(top)})" if len(rules) > len(top) else "Posts flagged by each rule",
            [f"{r['rule']} ({r['jurisdiction'].upper()})" for r in top],
            [
                (
                    f"severity {s}" if s else "no severity",
                    [r["posts"] if r["severity"] == s else None for r in top],
                    colour.get(s, STATUS_COLOURS["clear"]),
                )
                for s in severities
            ],
        )
        charts.append(
            {
                "id": "chart-rules",
                "uri": data_uri(svg),
                "table": "by-rule",
                "alt": f"Bar chart of the {len(top)} rules that flagged the most posts; "
                "the table below lists every rule with its count.",
            }
        )
    return charts


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
        j_views.append(
            {
                "code": code,
                "index": j_index[code],
                "name": meta.get("name") or code.upper(),
                "regulator": meta.get("regulator") or "",
                "version": meta.get("version") or "",
                "effective": meta.get("effective") or "",
                "reviewed": meta.get("reviewed") or "",
                "counts": counts,
                "total": sum(counts.values()),
                "bar": percentages(counts),
            }
        )
    j_names = {j["code"]: j["name"] for j in j_views}
    j_table = sorted(j_views, key=lambda j: (-j["counts"]["violation"], -j["counts"]["review"], j["index"]))

    creators = _creator_rows(posts)
    creator_index = {
        row["author"]: str(i)
        for i, row in enumerate(
            sorted(creators, key=lambda r: (r["author"] == "", r["author"].casefold(), r["author"]))
        )
    }

    compact = bool(options.get("compact", len(posts) >= COMPACT_FROM))
    action, errors, ok = [], [], []
    status_posts = {s: 0 for s in ("error",) + STATUSES}
    for number, post in enumerate(posts, 1):
        status = worst_status(post)
        status_posts[status if status in status_posts else "review"] += 1
        verdicts = []
        for code, verdict in ordered_verdicts(post, jurisdictions):
            verdicts.append(
                {
                    "code": code,
                    "index": j_index.get(code, -1),
                    "name": j_names.get(code, code),
                    "status": verdict.get("status") or "",
                    "findings": [_finding_view(f, post.get("caption")) for f in verdict.get("findings") or ()],
                }
            )
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
            "onscreen": onscreen_view(post),
        }
        if status == "error":
            errors.append(view)
        elif status in ACTION_STATUSES or status not in STATUSES:
            view["segments"] = caption_segments(post, jurisdictions)
            if compact:
                view["cells"] = _rules_by_j(view, jurisdictions)
            action.append(view)
        else:
            ok.append(view)

    rules = _rule_rows(posts, j_names)
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
        "rules": rules,
        "charts": {c["table"]: c for c in _charts(j_table, rules)},
        "creators": creators,
        "creator_options": list(creator_index.items()),
        "action_posts": action,
        "error_posts": errors,
        "ok_posts": ok,
        "status_labels": STATUS_LABELS,
        "statuses": STATUSES,
        "waivers": list(summary.get("waivers") or []),
        "waived": [
            {
                "post": post.get("id") if post.get("id") is not None else "",
                "code": code,
                "rule": w.get("rule") or "",
                "message": w.get("message") or "",
                "text": w.get("text") or "",
                "reason": (w.get("waiver") or {}).get("reason") or "",
            }
            for post in posts
            for code, verdict in ordered_verdicts(post, jurisdictions)
            for w in verdict.get("waived") or ()
        ],
        "discovered": discovered_rows(posts, action),  # --discover only; empty otherwise
        "compact": compact,
        "page_data": _page_data(j_views, action, errors, ok) if compact else "",
        "dashboard_from": DASHBOARD_FROM if len(posts) >= DASHBOARD_FROM else 0,
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
