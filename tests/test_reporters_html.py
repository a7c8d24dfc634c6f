"""The HTML reporter: one self-contained, escaped page whose numbers match the JSON report.

`sample_report()` builds a realistic hand-made report (the browser and CSV/text tests reuse it).
"""
from __future__ import annotations

import html
import io
import re
from html.parser import HTMLParser

import pytest

from compliance.report import report_from_posts
from compliance.reporters import REPORTERS
from compliance.reporters.html_report import build_view, caption_segments, render_html, safe_href

RULESETS = {
    "us": {"name": "United States", "regulator": "FTC", "version": "2024.1"},
    "uk": {"name": "United Kingdom", "regulator": "ASA / CAP", "version": "2024.2"},
    "de": {"name": "Germany", "regulator": "Landesmedienanstalten", "version": "2024.1"},
    "fr": {"name": "France", "regulator": "ARPP / DGCCRF", "version": "2024.1"},
}
JURISDICTIONS = ["us", "uk", "de", "fr"]

XSS_CAPTION = ('Try <script>window.__pwned=1;document.title="pwned"</script> now '
               '"><img src=x onerror="window.__pwned=2"> and javascript:alert(1) @glowlyskin')
XSS_AUTHOR = '<b onmouseover="window.__pwned=3">@evil</b>'


def at(caption: str, text: str, nth: int = 0) -> tuple[int, int]:
    """Offsets of the nth occurrence of text in caption (tests never hard-code offsets)."""
    start = -1
    for _ in range(nth + 1):
        start = caption.index(text, start + 1)
    return start, start + len(text)


def signal(caption, kind, text, value=None, confidence="high", nth=0):
    start, end = at(caption, text, nth)
    out = {"kind": kind, "text": text, "start": start, "end": end, "confidence": confidence}
    if value is not None:
        out["value"] = value
    return out


def disclosure(caption, label, text, placement, nth=0):
    start, end = at(caption, text, nth)
    return {"label": label, "text": text, "start": start, "end": end, "placement": list(placement)}


CITES = {
    "us": {"source": "FTC, Disclosures 101 for Social Media Influencers (2019)",
           "url": "https://www.ftc.gov/business-guidance/resources/disclosures-101-social-media-influencers"},
    "uk": {"source": "CAP/CMA, Influencers' guide to making clear that ads are ads (2023)",
           "url": "https://www.asa.org.uk/resource/influencers-guide.html"},
    "de": {"source": "Die Medienanstalten, Leitfaden Werbekennzeichnung (2024)",
           "url": "https://www.die-medienanstalten.de/service/merkblaetter-leitfaeden"},
    "fr": {"source": "Loi n\u00b0 2023-451 du 9 juin 2023, art. 5",
           "url": "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000047663185"},
}
RULE_NAMES = {
    "FTC-001": "missing-disclosure", "FTC-002": "ambiguous-label", "FTC-003": "label-below-fold",
    "ASA-001": "missing-ad-label", "ASA-002": "label-not-accepted",
    "DE-001": "missing-werbung", "DE-002": "label-not-at-start",
    "FR-001": "missing-publicite", "FR-003": "video-disclosure-unseen",
}


def finding(caption, code, rule, message, text=None, severity="error", fix=None, confidence="high",
            nth=0, url=None):
    start = end = None
    if text is not None:
        start, end = at(caption, text, nth)
    citation = dict(CITES[code])
    if url is not None:
        citation["url"] = url
    return {"rule": rule, "name": RULE_NAMES[rule], "severity": severity, "confidence": confidence,
            "message": message, "start": start, "end": end, "text": text, "citation": citation,
            "fix": fix}


def verdict(status, *findings):
    return {"status": status, "findings": list(findings)}


def post(pid, caption, line, author=None, platform="instagram", signals=(), disclosures=(),
         verdicts=None, error=None, paid_partnership=False, file="campaign-spring.jsonl"):
    return {"id": pid, "source": {"file": file, "line": line}, "platform": platform, "author": author,
            "posted_at": None, "paid_partnership": paid_partnership, "caption": caption, "error": error,
            "signals": list(signals), "disclosures": list(disclosures), "verdicts": verdicts or {}}


def all_status(status):
    return {j: verdict(status) for j in JURISDICTIONS}


def sample_posts() -> list[dict]:
    posts = []

    c = "Obsessed with my new @glowlyskin serum \u2728 use code GLOW20 for 20% off #sp #skincare"
    posts.append(post("ig-1001", c, 1, author="@maya.lifts", signals=[
        signal(c, "brand", "@glowlyskin", "Glowly"), signal(c, "discount_code", "GLOW20", "GLOW20")],
        disclosures=[disclosure(c, "sp", "#sp", ["hashtag_block"])],
        verdicts={
            "us": verdict("violation", finding(c, "us", "FTC-002", "\u201c#sp\u201d is not a clear disclosure; use \u201c#ad\u201d or \u201cSponsored\u201d.", "#sp", fix="Start the caption with \u201c#ad\u201d.")),
            "uk": verdict("violation", finding(c, "uk", "ASA-002", "\u201c#sp\u201d is not accepted as an ad label.", "#sp", fix="Put \u201c#ad\u201d at the start.")),
            "de": verdict("violation", finding(c, "de", "DE-001", "No \u201cWerbung\u201d or \u201cAnzeige\u201d label.", fix="Start the caption with \u201cWerbung\u201d.")),
            "fr": verdict("violation", finding(c, "fr", "FR-001", "No \u201cPublicit\u00e9\u201d or \u201cCollaboration commerciale\u201d label.")),
        }))

    c = "#ad Morning ride on the new @velocybikes gravel frame \U0001F6B4 link in bio: https://velocy.example/r/maya?aff=77"
    posts.append(post("ig-1002", c, 2, author="@maya.lifts", signals=[
        signal(c, "brand", "@velocybikes", "Velocy"),
        signal(c, "affiliate_link", "https://velocy.example/r/maya?aff=77", "velocy.example")],
        disclosures=[disclosure(c, "ad", "#ad", ["start", "first_line", "above_fold"])],
        verdicts={"us": verdict("compliant"), "uk": verdict("compliant"),
                  "de": verdict("violation", finding(c, "de", "DE-001", "\u201c#ad\u201d alone is not enough in Germany; use \u201cWerbung\u201d.", "#ad", fix="Replace \u201c#ad\u201d with \u201cWerbung\u201d.")),
                  "fr": verdict("violation", finding(c, "fr", "FR-001", "Use \u201cPublicit\u00e9\u201d or \u201cCollaboration commerciale\u201d.", "#ad"))}))

    c = "Werbung | Sonntagsbrunch mit Kettle & Crumb \U0001F950\nDanke an @kettleandcrumb f\u00fcr die Einladung!"
    posts.append(post("ig-1003", c, 3, author="@lena.isst", platform="instagram", signals=[
        signal(c, "brand", "Kettle & Crumb", "Kettle & Crumb"), signal(c, "brand", "@kettleandcrumb", "Kettle & Crumb"),
        signal(c, "gift", "Danke an @kettleandcrumb f\u00fcr die Einladung")],
        disclosures=[disclosure(c, "werbung", "Werbung", ["start", "first_line", "above_fold"])],
        verdicts={"us": verdict("compliant"), "uk": verdict("review", finding(c, "uk", "ASA-002", "\u201cWerbung\u201d may not be understood by a UK audience.", "Werbung", severity="warning", confidence="medium")),
                  "de": verdict("compliant"), "fr": verdict("violation", finding(c, "fr", "FR-001", "No French label.", fix="Add \u201cPublicit\u00e9\u201d at the start."))}))

    c = "Sunday long run done \U0001F3C3\u200d\u2640\ufe0f 21k in the rain. Legs are toast."
    posts.append(post("ig-1004", c, 4, author="@lena.isst", verdicts=all_status("clear")))

    c = "New @orbitaudio buds for the commute. Honestly the best I have tried.\n\n\n\n#orbitaudio #commute #music #ad"
    posts.append(post("tt-2001", c, 5, author="@dj.kofi", platform="tiktok", signals=[
        signal(c, "brand", "@orbitaudio", "Orbit Audio"), signal(c, "brand", "#orbitaudio", "Orbit Audio")],
        disclosures=[disclosure(c, "ad", "#ad", ["hashtag_block", "below_fold"])],
        verdicts={
            "us": verdict("violation", finding(c, "us", "FTC-003", "The label sits below the \u201cmore\u201d fold, in a block of hashtags.", "#ad", fix="Move \u201c#ad\u201d to the first line.")),
            "uk": verdict("violation", finding(c, "uk", "ASA-002", "The ad label must be upfront, not in the trailing hashtags.", "#ad")),
            "de": verdict("violation", finding(c, "de", "DE-002", "The label must be at the start of the caption.", "#ad")),
            "fr": verdict("review", finding(c, "fr", "FR-003", "A video: check that the on-screen disclosure lasts the whole video.", severity="warning")),
        }))

    posts.append({"id": None, "source": {"file": "campaign-spring.jsonl", "line": 6}, "platform": None,
                  "author": None, "posted_at": None, "paid_partnership": False, "caption": None,
                  "error": "line 6: invalid JSON: Expecting ',' delimiter at column 41",
                  "signals": [], "disclosures": [], "verdicts": {}})

    c = "Publicit\u00e9 \u2013 Collaboration commerciale avec @mirabeauty : ma routine du soir \U0001F319"
    posts.append(post("ig-1007", c, 7, author="@claire.beaute", paid_partnership=True, signals=[
        signal(c, "brand", "@mirabeauty", "Mira Beauty"), signal(c, "partnership", "Collaboration commerciale avec @mirabeauty")],
        disclosures=[disclosure(c, "publicite", "Publicit\u00e9", ["start", "first_line", "above_fold"]),
                     disclosure(c, "collaboration commerciale", "Collaboration commerciale", ["first_line", "above_fold"])],
        verdicts={"us": verdict("compliant"), "uk": verdict("compliant"), "de": verdict("compliant"), "fr": verdict("compliant")}))

    posts.append(post("ig-1008", XSS_CAPTION, 8, author=XSS_AUTHOR, signals=[
        signal(XSS_CAPTION, "brand", "@glowlyskin", "Glowly")],
        verdicts={
            "us": verdict("violation", finding(XSS_CAPTION, "us", "FTC-001", "Brand mention with no disclosure: <script>alert(1)</script>", "@glowlyskin", url="javascript:alert(document.domain)")),
            "uk": verdict("violation", finding(XSS_CAPTION, "uk", "ASA-001", "No ad label.", "@glowlyskin")),
            "de": verdict("violation", finding(XSS_CAPTION, "de", "DE-001", "No \u201cWerbung\u201d label.", "@glowlyskin")),
            "fr": verdict("violation", finding(XSS_CAPTION, "fr", "FR-001", "No French label.", "@glowlyskin")),
        }))

    c = "Apple crumble season \U0001F34E my nan's recipe, no shortcuts"
    posts.append(post("ig-1009", c, 9, author="@claire.beaute", verdicts=all_status("clear")))
    return posts


def sample_report():
    posts = sample_posts()
    return report_from_posts(posts, JURISDICTIONS, RULESETS, ["campaign-spring.jsonl"])


class Collector(HTMLParser):
    """Tags, attributes and text of a page, for structural assertions."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.in_script = False
        self.script_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        (self.script_text if self.in_script else self.text).append(data)


def parse(page: str) -> Collector:
    parser = Collector()
    parser.feed(page)
    return parser


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(sample_report(), {})


# ---- registration and determinism -------------------------------------------------------

def test_registered_and_writes_to_stream():
    out = io.StringIO()
    REPORTERS.get("html")(sample_report(), out, {})
    assert out.getvalue().startswith("<!DOCTYPE html>")
    assert out.getvalue().rstrip().endswith("</html>")


def test_same_report_gives_identical_bytes_and_no_timestamp(page):
    assert render_html(sample_report(), {}) == page
    assert not re.search(r"\b20\d\d-\d\d-\d\d[T ]\d\d:\d\d", page)
    assert "Generated" not in page


def test_title_and_generated_at_come_only_from_options():
    page = render_html(sample_report(), {"title": "Spring <campaign> review", "generated_at": "3 March 2025"})
    assert "<title>Spring &lt;campaign&gt; review</title>" in page
    assert "3 March 2025" in page and "Generated" in page


# ---- self-contained ----------------------------------------------------------------------

def test_page_is_self_contained(page):
    parsed = parse(page)
    for tag, attrs in parsed.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed", "base"), tag
        assert "src" not in attrs, (tag, attrs)
        if tag == "a":
            assert attrs["href"].startswith("https://"), attrs  # citations only
    assert "@import" not in page and "url(" not in page
    assert sum(1 for tag, _ in parsed.tags if tag == "script") == 1
    assert sum(1 for tag, _ in parsed.tags if tag == "style") == 1


def test_csp_admits_exactly_the_inline_style_and_script(page):
    import base64
    import hashlib

    csp = next(a["content"] for t, a in parse(page).tags
               if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]
    script = page.split("<script>", 1)[1].split("</script>", 1)[0]
    for kind, body in (("style-src", style), ("script-src", script)):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{kind} 'sha256-{digest}'" in csp
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp


# ---- header and summary numbers ----------------------------------------------------------

def test_header_names_inputs_jurisdictions_rule_versions_and_tool(page):
    text = " ".join(" ".join(parse(page).text).split())
    assert "campaign-spring.jsonl" in text
    for code, meta in RULESETS.items():
        assert f"{code.upper()} {meta['name']}" in text
        assert f"rules v{meta['version']}" in text
    assert "compliance 0.1.0" in text


def test_jurisdiction_table_matches_json_summary(page):
    report = sample_report()
    cells = re.findall(r'<tr data-j="(\w+)">(.*?)</tr>', page, re.S)
    assert sorted(code for code, _ in cells) == sorted(JURISDICTIONS)
    for code, row in cells:
        shown = dict(re.findall(r'data-status="(\w+)">(\d+)</td>', row))
        expected = report.data["summary"]["by_jurisdiction"][code]
        assert {k: int(v) for k, v in shown.items()} == expected
    # worst first: most violations, then most reviews
    order = [code for code, _ in cells]
    counts = report.data["summary"]["by_jurisdiction"]
    keys = [(-counts[c]["violation"], -counts[c]["review"]) for c in order]
    assert keys == sorted(keys)


def test_kpis_count_posts_by_worst_status(page):
    kpi = dict(re.findall(r'data-kpi="(\w+)">(\d+)<', page))
    assert kpi == {"posts": "9", "violation": "4", "review": "0", "compliant": "1", "clear": "2", "errors": "1"}


def test_rule_table_counts_posts_and_links_citations(page):
    view = build_view(sample_report(), {})
    rows = {(r["jurisdiction"], r["rule"]): r for r in view["rules"]}
    assert rows[("fr", "FR-001")]["posts"] == 4
    assert rows[("de", "DE-001")]["posts"] == 3
    assert rows[("uk", "ASA-002")]["posts"] == 3  # ig-1001 and tt-2001 errors, ig-1003 warning
    # errors before warnings, then most posts first
    severities = [r["severity"] for r in view["rules"]]
    assert severities == sorted(severities, key=lambda s: ("error", "warning", "info").index(s))
    assert view["rules"][0]["rule"] == "FR-001"
    assert f'<a href="{CITES["fr"]["url"]}"' in page and ">missing-publicite</a>" in page


