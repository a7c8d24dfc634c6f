"""The HTML reporter: one self-contained, escaped page whose numbers match the JSON report.

`sample_report()` builds a realistic hand-made report (the browser and CSV/text tests import it).
"""

from __future__ import annotations

import html
import io
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.reporters.document import report_from_posts
from compliance.reporters.highlight import caption_segments
from compliance.reporters.html_report import COMPACT_FROM, build_view, render_html
from compliance.reporters.registry import REPORTERS
from compliance.reporters.views import safe_href

RULESETS = {
    "us": {"name": "United States", "regulator": "FTC", "version": "2024.1"},
    "uk": {"name": "United Kingdom", "regulator": "ASA / CAP", "version": "2024.2"},
    "de": {"name": "Germany", "regulator": "Landesmedienanstalten", "version": "2024.1"},
    "fr": {"name": "France", "regulator": "ARPP / DGCCRF", "version": "2024.1"},
}
JURISDICTIONS = ["us", "uk", "de", "fr"]

XSS_CAPTION = (
    'Try <script>window.__pwned=1;document.title="pwned"</script> now '
    '"><img src=x onerror="window.__pwned=2"> and javascript:alert(1) @glowlyskin'
)
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
    "us": {
        "source": "FTC, Disclosures 101 for Social Media Influencers (2019)",
        "url": "https://www.ftc.gov/business-guidance/resources/disclosures-101-social-media-influencers",
    },
    "uk": {
        "source": "CAP/CMA, Influencers' guide to making clear that ads are ads (2023)",
        "url": "https://www.asa.org.uk/resource/influencers-guide.html",
    },
    "de": {
        "source": "Die Medienanstalten, Leitfaden Werbekennzeichnung (2024)",
        "url": "https://www.die-medienanstalten.de/service/merkblaetter-leitfaeden",
    },
    "fr": {
        "source": "Loi n\u00b0 2023-451 du 9 juin 2023, art. 5",
        "url": "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000047663185",
    },
}
RULE_NAMES = {
    "FTC-001": "missing-disclosure",
    "FTC-002": "ambiguous-label",
    "FTC-003": "label-below-fold",
    "ASA-001": "missing-ad-label",
    "ASA-002": "label-not-accepted",
    "DE-001": "missing-werbung",
    "DE-002": "label-not-at-start",
    "FR-001": "missing-publicite",
    "FR-003": "video-disclosure-unseen",
}


def finding(caption, code, rule, message, text=None, severity="error", fix=None, confidence="high", nth=0, url=None):
    start = end = None
    if text is not None:
        start, end = at(caption, text, nth)
    citation = dict(CITES[code])
    if url is not None:
        citation["url"] = url
    return {
        "rule": rule,
        "name": RULE_NAMES[rule],
        "severity": severity,
        "confidence": confidence,
        "message": message,
        "start": start,
        "end": end,
        "text": text,
        "citation": citation,
        "fix": fix,
    }


def verdict(status, *findings):
    return {"status": status, "findings": list(findings)}


def post(
    pid,
    caption,
    line,
    author=None,
    platform="instagram",
    signals=(),
    disclosures=(),
    verdicts=None,
    error=None,
    paid_partnership=False,
    file="campaign-spring.jsonl",
):
    return {
        "id": pid,
        "source": {"file": file, "line": line},
        "platform": platform,
        "author": author,
        "posted_at": None,
        "paid_partnership": paid_partnership,
        "caption": caption,
        "error": error,
        "signals": list(signals),
        "disclosures": list(disclosures),
        "verdicts": verdicts or {},
    }


def all_status(status):
    return {j: verdict(status) for j in JURISDICTIONS}


def sample_posts() -> list[dict]:
    posts = []

    c = "Obsessed with my new @glowlyskin serum \u2728 use code GLOW20 for 20% off #sp #skincare"
    posts.append(
        post(
            "ig-1001",
            c,
            1,
            author="@maya.lifts",
            signals=[signal(c, "brand", "@glowlyskin", "Glowly"), signal(c, "discount_code", "GLOW20", "GLOW20")],
            disclosures=[disclosure(c, "sp", "#sp", ["hashtag_block"])],
            verdicts={
                "us": verdict(
                    "violation",
                    finding(
                        c,
                        "us",
                        "FTC-002",
                        "\u201c#sp\u201d is not a clear disclosure; use \u201c#ad\u201d or \u201cSponsored\u201d.",
                        "#sp",
                        fix="Start the caption with \u201c#ad\u201d.",
                    ),
                ),
                "uk": verdict(
                    "violation",
                    finding(
                        c,
                        "uk",
                        "ASA-002",
                        "\u201c#sp\u201d is not accepted as an ad label.",
                        "#sp",
                        fix="Put \u201c#ad\u201d at the start.",
                    ),
                ),
                "de": verdict(
                    "violation",
                    finding(
                        c,
                        "de",
                        "DE-001",
                        "No \u201cWerbung\u201d or \u201cAnzeige\u201d label.",
                        fix="Start the caption with \u201cWerbung\u201d.",
                    ),
                ),
                "fr": verdict(
                    "violation",
                    finding(
                        c,
                        "fr",
                        "FR-001",
                        "No \u201cPublicit\u00e9\u201d or \u201cCollaboration commerciale\u201d label.",
                    ),
                ),
            },
        )
    )

    c = "#ad Morning ride on the new @velocybikes gravel frame \U0001f6b4 link in bio: https://velocy.example/r/maya?aff=77"
    posts.append(
        post(
            "ig-1002",
            c,
            2,
            author="@maya.lifts",
            signals=[
                signal(c, "brand", "@velocybikes", "Velocy"),
                signal(c, "affiliate_link", "https://velocy.example/r/maya?aff=77", "velocy.example"),
            ],
            disclosures=[disclosure(c, "ad", "#ad", ["start", "first_line", "above_fold"])],
            verdicts={
                "us": verdict("compliant"),
                "uk": verdict("compliant"),
                "de": verdict(
                    "violation",
                    finding(
                        c,
                        "de",
                        "DE-001",
                        "\u201c#ad\u201d alone is not enough in Germany; use \u201cWerbung\u201d.",
                        "#ad",
                        fix="Replace \u201c#ad\u201d with \u201cWerbung\u201d.",
                    ),
                ),
                "fr": verdict(
                    "violation",
                    finding(
                        c,
                        "fr",
                        "FR-001",
                        "Use \u201cPublicit\u00e9\u201d or \u201cCollaboration commerciale\u201d.",
                        "#ad",
                    ),
                ),
            },
        )
    )

    c = "Werbung | Sonntagsbrunch mit Kettle & Crumb \U0001f950\nDanke an @kettleandcrumb f\u00fcr die Einladung!"
    posts.append(
        post(
            "ig-1003",
            c,
            3,
            author="@lena.isst",
            platform="instagram",
            signals=[
                signal(c, "brand", "Kettle & Crumb", "Kettle & Crumb"),
                signal(c, "brand", "@kettleandcrumb", "Kettle & Crumb"),
                signal(c, "gift", "Danke an @kettleandcrumb f\u00fcr die Einladung"),
            ],
            disclosures=[disclosure(c, "werbung", "Werbung", ["start", "first_line", "above_fold"])],
            verdicts={
                "us": verdict("compliant"),
                "uk": verdict(
                    "review",
                    finding(
                        c,
                        "uk",
                        "ASA-002",
                        "\u201cWerbung\u201d may not be understood by a UK audience.",
                        "Werbung",
                        severity="warning",
                        confidence="medium",
                    ),
                ),
                "de": verdict("compliant"),
                "fr": verdict(
                    "violation",
                    finding(c, "fr", "FR-001", "No French label.", fix="Add \u201cPublicit\u00e9\u201d at the start."),
                ),
            },
        )
    )

    c = "Sunday long run done \U0001f3c3\u200d\u2640\ufe0f 21k in the rain. Legs are toast."
    posts.append(post("ig-1004", c, 4, author="@lena.isst", verdicts=all_status("clear")))

    c = "New @orbitaudio buds for the commute. Honestly the best I have tried.\n\n\n\n#orbitaudio #commute #music #ad"
    posts.append(
        post(
            "tt-2001",
            c,
            5,
            author="@dj.kofi",
            platform="tiktok",
            signals=[
                signal(c, "brand", "@orbitaudio", "Orbit Audio"),
                signal(c, "brand", "#orbitaudio", "Orbit Audio"),
            ],
            disclosures=[disclosure(c, "ad", "#ad", ["hashtag_block", "below_fold"])],
            verdicts={
                "us": verdict(
                    "violation",
                    finding(
                        c,
                        "us",
                        "FTC-003",
                        "The label sits below the \u201cmore\u201d fold, in a block of hashtags.",
                        "#ad",
                        fix="Move \u201c#ad\u201d to the first line.",
                    ),
                ),
                "uk": verdict(
                    "violation",
                    finding(c, "uk", "ASA-002", "The ad label must be upfront, not in the trailing hashtags.", "#ad"),
                ),
                "de": verdict(
                    "violation", finding(c, "de", "DE-002", "The label must be at the start of the caption.", "#ad")
                ),
                "fr": verdict(
                    "review",
                    finding(
                        c,
                        "fr",
                        "FR-003",
                        "A video: check that the on-screen disclosure lasts the whole video.",
                        severity="warning",
                    ),
                ),
            },
        )
    )

    posts.append(
        {
            "id": None,
            "source": {"file": "campaign-spring.jsonl", "line": 6},
            "platform": None,
            "author": None,
            "posted_at": None,
            "paid_partnership": False,
            "caption": None,
            "error": "line 6: invalid JSON: Expecting ',' delimiter at column 41",
            "signals": [],
            "disclosures": [],
            "verdicts": {},
        }
    )

    c = "Publicit\u00e9 \u2013 Collaboration commerciale avec @mirabeauty : ma routine du soir \U0001f319"
    posts.append(
        post(
            "ig-1007",
            c,
            7,
            author="@claire.beaute",
            paid_partnership=True,
            signals=[
                signal(c, "brand", "@mirabeauty", "Mira Beauty"),
                signal(c, "partnership", "Collaboration commerciale avec @mirabeauty"),
            ],
            disclosures=[
                disclosure(c, "publicite", "Publicit\u00e9", ["start", "first_line", "above_fold"]),
                disclosure(c, "collaboration commerciale", "Collaboration commerciale", ["first_line", "above_fold"]),
            ],
            verdicts={
                "us": verdict("compliant"),
                "uk": verdict("compliant"),
                "de": verdict("compliant"),
                "fr": verdict("compliant"),
            },
        )
    )

    posts.append(
        post(
            "ig-1008",
            XSS_CAPTION,
            8,
            author=XSS_AUTHOR,
            signals=[signal(XSS_CAPTION, "brand", "@glowlyskin", "Glowly")],
            verdicts={
                "us": verdict(
                    "violation",
                    finding(
                        XSS_CAPTION,
                        "us",
                        "FTC-001",
                        "Brand mention with no disclosure: <script>alert(1)</script>",
                        "@glowlyskin",
                        url="javascript:alert(document.domain)",
                    ),
                ),
                "uk": verdict("violation", finding(XSS_CAPTION, "uk", "ASA-001", "No ad label.", "@glowlyskin")),
                "de": verdict(
                    "violation", finding(XSS_CAPTION, "de", "DE-001", "No \u201cWerbung\u201d label.", "@glowlyskin")
                ),
                "fr": verdict("violation", finding(XSS_CAPTION, "fr", "FR-001", "No French label.", "@glowlyskin")),
            },
        )
    )

    c = "Apple crumble season \U0001f34e my nan's recipe, no shortcuts"
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
        if tag == "img":  # the summary charts only: server-drawn SVG as a data: URI
            assert attrs["src"].startswith("data:image/svg+xml;base64,"), attrs
            continue
        assert tag not in ("link", "iframe", "object", "embed", "base"), tag
        assert "src" not in attrs, (tag, attrs)
        if tag == "a":
            assert attrs["href"].startswith("https://"), attrs  # citations only
    assert "@import" not in page and "url(" not in page
    assert sum(1 for tag, _ in parsed.tags if tag == "script") == 1
    assert sum(1 for tag, _ in parsed.tags if tag == "style") == 1


def test_csp_admits_exactly_the_inline_style_and_script(page):
    import base64
    import hashlib

    csp = next(
        a["content"] for t, a in parse(page).tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    )
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]
    script = page.split("<script>", 1)[1].split("</script>", 1)[0]
    for kind, body in (("style-src", style), ("script-src", script)):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{kind} 'sha256-{digest}'" in csp
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp


# ---- summary charts ------------------------------------------------------------------------


def _chart_svg(page: str, chart_id: str) -> str:
    import base64

    figure = page[page.index(f'<figure class="chart" id="{chart_id}">') :]
    src = re.search(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', figure).group(1)
    return base64.b64decode(src).decode("utf-8")


def test_charts_draw_the_summary_tables_numbers(page):
    """Each chart is an inert image of numbers that a table beside it also gives, in the same order."""
    view = build_view(sample_report(), {})
    for chart_id, table in (("chart-jurisdictions", "by-jurisdiction"), ("chart-rules", "by-rule")):
        figure = page[page.index(f'<figure class="chart" id="{chart_id}">') :]
        img = next(a for t, a in parse(figure).tags if t == "img")
        assert img["aria-describedby"] == table and f'id="{table}"' in page
        assert "table below" in img["alt"]
        svg = _chart_svg(page, chart_id)
        assert "<script" not in svg and "<!--" not in svg and "href" not in svg
        assert not re.search(r"https?://(?!www\.w3\.org/)", svg)  # nothing to fetch
    svg = _chart_svg(page, "chart-jurisdictions")
    names = [f"{j['code'].upper()} {j['name']}" for j in view["jurisdiction_table"]]
    # drawn top to bottom in the table's order (pygal alone would start at the bottom)
    heights = [float(re.search(rf'y="([\d.]+)"[^>]*>{re.escape(name)}</text>', svg).group(1)) for name in names]
    assert heights == sorted(heights) and len(set(heights)) == len(names)
    legend = re.findall(r"<text[^>]*>(Violation|Needs review|Compliant|Clear)</text>", svg)
    assert legend == ["Violation", "Needs review", "Compliant", "Clear"]
    rules = _chart_svg(page, "chart-rules")
    top = sorted(view["rules"], key=lambda r: -r["posts"])[:10]
    assert all(f"{r['rule']} ({r['jurisdiction'].upper()})" in rules for r in top)


def test_chart_text_is_escaped_and_bytes_are_stable():
    rulesets = {"us": {"name": "<b>US</b> & co", "regulator": "x", "version": "1"}}
    c = "Buy @glowlyskin"
    p = post("x", c, 1, verdicts={"us": verdict("violation", {"rule": "R<1>", "severity": "error", "message": "m"})})
    report = report_from_posts([p], ["us"], rulesets, ["x"])
    page = render_html(report, {})
    assert page == render_html(report, {})
    for chart_id in ("chart-jurisdictions", "chart-rules"):
        svg = _chart_svg(page, chart_id)
        assert "<b>" not in svg and "R<1>" not in svg
    assert "&lt;b&gt;US&lt;/b&gt; &amp; co" in _chart_svg(page, "chart-jurisdictions")
    assert "R&lt;1&gt; (US)" in _chart_svg(page, "chart-rules")


def test_no_chart_without_posts():
    page = render_html(report_from_posts([], ["us"], {}, []), {})
    assert '<figure class="chart"' not in page and "<img" not in page


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
    assert order == ["fr", "de", "uk", "us"]


def test_kpis_count_posts_by_worst_status(page):
    kpi = dict(re.findall(r'data-kpi="(\w+)">(\d+)<', page))
    assert kpi == {"posts": "9", "violation": "5", "review": "0", "compliant": "1", "clear": "2", "errors": "1"}
    posts = sample_report().posts
    with_violation = [p for p in posts if any(v["status"] == "violation" for v in p["verdicts"].values())]
    assert int(kpi["violation"]) == len(with_violation)


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


def test_creator_table_counts_worst_status_per_post_worst_first():
    view = build_view(sample_report(), {})
    rows = [(c["author"], c["posts"], c["violation"], c["review"], c["error"], c["ok"]) for c in view["creators"]]
    assert rows == [
        ("@maya.lifts", 2, 2, 0, 0, 0),
        (XSS_AUTHOR, 1, 1, 0, 0, 0),
        ("@dj.kofi", 1, 1, 0, 0, 0),
        ("@lena.isst", 2, 1, 0, 0, 1),
        ("", 1, 0, 0, 1, 0),
        ("@claire.beaute", 2, 0, 0, 0, 2),
    ]


def test_no_creator_table_when_no_post_has_an_author():
    posts = sample_posts()
    for p in posts:
        p["author"] = None
    page = render_html(report_from_posts(posts, JURISDICTIONS, RULESETS, ["x.jsonl"]), {})
    assert 'id="by-creator"' not in page and 'name="c"' not in page
    assert 'id="by-rule"' in page


# ---- posts: every post exactly once, in the right section ---------------------------------


def _section(page: str, section_id: str) -> str:
    """The top-level section's HTML (sections follow one another: action, errors, ok)."""
    start = page.index(f'<section class="posts" id="{section_id}"')
    end = page.find('<section class="posts"', start + 1)
    return page[start : end if end > 0 else page.index("</main>")]


def _card(page: str, anchor: str) -> str:
    start = page.index(f'id="{anchor}"')
    return page[start : page.index("</article>", start)]


def test_every_post_appears_once_in_its_section(page):
    action = _section(page, "action")
    errors = _section(page, "errors")
    ok = _section(page, "ok")
    ids = lambda html_: re.findall(r'class="post-id"><bdi>(.*?)</bdi>', html_)  # noqa: E731
    assert ids(action) == ["ig-1001", "ig-1002", "ig-1003", "tt-2001", "ig-1008"]
    assert "line 6: invalid JSON: Expecting &#39;,&#39; delimiter at column 41" in errors
    assert "campaign-spring.jsonl, line 6" in errors
    assert re.findall(r'<tr id="post-\d+"[^>]*>\s*<td><bdi>(.*?)</bdi>', ok) == ["ig-1004", "ig-1007", "ig-1009"]
    assert page.count(" data-post ") + page.count(" data-post>") == 9
    assert '<details id="ok-posts">' in page  # collapsed by default


def test_post_carries_filter_keys_not_user_text(page):
    view = build_view(sample_report(), {})
    by_id = {p["id"]: p for p in view["action_posts"] + view["ok_posts"]}
    # jurisdiction index (us 0, uk 1, de 2, fr 3) : status
    assert by_id["ig-1003"]["data_v"] == "0:compliant 1:review 2:compliant 3:violation"
    creators = dict(view["creator_options"])
    assert by_id["ig-1003"]["creator_key"] == creators["@lena.isst"]
    assert f'data-v="0:compliant 1:review 2:compliant 3:violation" data-c="{creators["@lena.isst"]}"' in page


def test_findings_show_message_quoted_text_fix_and_citation(page):
    card = _card(page, "post-1")
    assert "&#34;#sp&#34;" not in card  # curly quotes kept as they are
    assert "\u201c#sp\u201d is not a clear disclosure; use \u201c#ad\u201d or \u201cSponsored\u201d." in card
    assert '<q dir="auto">#sp</q>' in card
    assert "Start the caption with \u201c#ad\u201d." in card
    assert (
        f'<a href="{CITES["us"]["url"]}" target="_blank" rel="noopener noreferrer">{html.escape(CITES["us"]["source"])}</a>'
        in card
    )
    # a post-level finding (no offsets) still shows, without a quote
    de = card[card.index('<code class="rule">DE-001</code>') :]
    de = de[: de.index("</li>")]
    assert "No \u201cWerbung\u201d or \u201cAnzeige\u201d label." in de and "<q" not in de


def test_quiet_jurisdictions_are_chips_and_detailed_ones_blocks(page):
    card = _card(page, "post-3")  # ig-1003
    chips = re.findall(r'<li class="chip" data-vj="(\d)"', card)
    blocks = re.findall(r'<section class="verdict verdict-(\w+)" data-vj="(\d)">', card)
    assert chips == ["0", "2"]
    assert blocks == [("review", "1"), ("violation", "3")]


# ---- highlighting --------------------------------------------------------------------------


def _joined(segments):
    return "".join(s["text"] for s in segments)


def test_segments_cover_caption_and_style_each_kind():
    p = sample_posts()[0]  # ig-1001
    segs = caption_segments(p, JURISDICTIONS)
    assert _joined(segs) == p["caption"]
    styled = {s["text"]: s["cls"] for s in segs if s["cls"]}
    assert styled == {"@glowlyskin": "hl-brand", "GLOW20": "hl-code", "#sp": "hl-problem"}
    sp = next(s for s in segs if s["text"] == "#sp")
    assert sp["title"] == "Disclosure \u201c#sp\u201d flagged by FTC-002 (us), ASA-002 (uk)"


def test_disclosure_no_finding_points_at_is_accepted():
    p = sample_posts()[6]  # ig-1007: Publicité + Collaboration commerciale, all compliant
    segs = caption_segments(p, JURISDICTIONS)
    assert _joined(segs) == p["caption"]
    classes = [(s["text"], s["cls"]) for s in segs if s["cls"]]
    # the partnership phrase contains a label and a brand: each piece gets the strongest style
    assert classes == [
        ("Publicit\u00e9", "hl-accepted"),
        ("Collaboration commerciale", "hl-accepted"),
        (" avec ", "hl-gift"),
        ("@mirabeauty", "hl-gift"),
    ]
    brand_piece = classes[-1]
    assert brand_piece[0] == "@mirabeauty"
    title = next(s["title"] for s in segs if s["text"] == "@mirabeauty")
    assert title == "Partnership wording; Brand: Mira Beauty"


def test_finding_on_a_signal_adds_the_flag_style():
    p = sample_posts()[7]  # the injection post: brand flagged by four rules
    seg = next(s for s in caption_segments(p, JURISDICTIONS) if s["cls"])
    assert seg["text"] == "@glowlyskin"
    assert seg["cls"] == "hl-brand hl-flag"
    assert seg["title"] == "Brand: Glowly; Flagged by FTC-001 (us), ASA-001 (uk), DE-001 (de), FR-001 (fr)"


def test_overlapping_and_nested_spans_split_at_every_edge():
    c = "Thanks #GlowlyPartner for the gift"
    p = post(
        "x",
        c,
        1,
        signals=[
            signal(c, "brand", "#GlowlyPartner", "Glowly"),
            signal(c, "gift", "Thanks #GlowlyPartner for the gift"),
        ],
        disclosures=[disclosure(c, "brandpartner", "#GlowlyPartner", ["start"])],
        verdicts=all_status("compliant"),
    )
    segs = caption_segments(p)
    assert [(s["text"], s["cls"]) for s in segs] == [
        ("Thanks ", "hl-gift"),
        ("#GlowlyPartner", "hl-accepted"),
        (" for the gift", "hl-gift"),
    ]
    middle = segs[1]["title"]
    assert middle == "Disclosure \u201c#GlowlyPartner\u201d accepted; Gift wording; Brand: Glowly"


def test_bad_offsets_are_ignored_not_fatal():
    c = "short caption"
    p = post(
        "x",
        c,
        1,
        signals=[
            {"kind": "brand", "text": "x", "start": 5, "end": 99},
            {"kind": "brand", "text": "x", "start": True, "end": 3},
            {"kind": "brand", "text": "x", "start": 4, "end": 4},
            {"kind": "brand", "text": "x", "start": "0", "end": 2},
            {"kind": "brand", "text": "cap", "start": 6, "end": 9},
        ],
        verdicts={
            "us": verdict(
                "violation",
                {"rule": "FTC-001", "severity": "error", "message": "m", "start": -1, "end": 2, "citation": {}},
            )
        },
    )
    segs = caption_segments(p)
    assert [(s["text"], s["cls"]) for s in segs] == [("short ", ""), ("cap", "hl-brand"), ("tion", "")]
    page = render_html(report_from_posts([p], ["us"], {}, ["x"]), {})
    assert "short <mark" in page


def test_caption_segments_are_escaped_in_place(page):
    card = _card(page, "post-8")
    caption = re.search(r'<div class="caption" dir="auto">(.*?)</div>', card, re.S).group(1)
    assert html.unescape(re.sub(r"</?mark[^>]*>", "", caption)) == XSS_CAPTION
    assert caption.startswith("Try &lt;script&gt;window.__pwned=1;document.title=&#34;pwned&#34;&lt;/script&gt;")


# ---- safety --------------------------------------------------------------------------------


def test_untrusted_text_never_becomes_markup(page):
    parsed = parse(page)
    charts = 'img src="data:image/svg+xml;base64,'  # the summary charts, drawn by us
    assert [
        t for t, a in parsed.tags if t in ("img", "b", "iframe") and a.get("src", "").find("data:image/svg") != 0
    ] == []
    for tag, attrs in parsed.tags:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
    assert "<script>window" not in page and "<b onmouseover" not in page
    assert page.count("<img") == page.count("<" + charts) == 2
    assert "javascript:" not in "".join(parsed.script_text)
    text = " ".join(parsed.text)
    assert XSS_CAPTION.split(" now ")[0] in text  # shown as text
    assert XSS_AUTHOR in text
    assert "Brand mention with no disclosure: <script>alert(1)</script>" in text


def test_only_http_citations_become_links(page):
    hrefs = [a.get("href") for t, a in parse(page).tags if t == "a"]
    assert hrefs and all(h.startswith("https://") for h in hrefs)
    assert "javascript:alert(document.domain)" in page  # shown, as text
    assert 'href="javascript' not in page


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://www.ftc.gov/x", True),
        ("http://example.org/a?b=1#c", True),
        ("HTTPS://EXAMPLE.ORG", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:x", False),
        ("//evil.example/x", False),
        ("http:evil", False),
        ("https://ex ample.org", False),
        ("", False),
        (None, False),
        (42, False),
    ],
)
def test_safe_href(url, ok):
    assert safe_href(url) == (url if ok else None)


def test_hostile_ids_rule_names_and_ruleset_names_are_escaped():
    c = "caption"
    p = post(
        '"><svg onload=alert(1)>',
        c,
        1,
        author="a",
        verdicts={
            "us": verdict(
                "violation",
                {
                    "rule": "<i>R</i>",
                    "name": "<u>n</u>",
                    "severity": "error",
                    "message": "m",
                    "start": None,
                    "end": None,
                    "text": None,
                    "citation": {"source": "<s>src</s>", "url": 'https://x.example/"onx=1'},
                    "fix": "<em>fix</em>",
                },
            )
        },
    )
    rulesets = {"us": {"name": "<h1>US</h1>", "regulator": "<x>", "version": '1"><p>'}}
    page = render_html(
        report_from_posts([p], ["us"], rulesets, ["<in>.jsonl"]),
        {"title": "</title><script>alert(1)</script>", "generated_at": "<b>now</b>"},
    )
    tags = {t for t, _ in parse(page).tags}
    assert not tags & {"svg", "i", "u", "s", "em", "x", "in"}
    assert '1"><p>' not in page and "v1&#34;&gt;&lt;p&gt;" in page
    assert "<h1>US" not in page and "<b>now" not in page and "&lt;b&gt;now&lt;/b&gt;" in page
    assert page.count("<script>") == 1
    assert 'href="https://x.example/&#34;onx=1"' in page


# ---- robustness and scale ------------------------------------------------------------------


def test_empty_report_renders():
    page = render_html(report_from_posts([], ["us"], {}, []), {})
    assert "No posts need action." in page
    assert re.findall(r'data-kpi="(\w+)">(\d+)<', page)[0] == ("posts", "0")


def _many(count: int) -> list[dict]:
    base = sample_posts()
    posts = []
    for i in range(count):
        p = dict(base[i % len(base)])
        p["id"] = f"p{i}"
        posts.append(p)
    return posts


def _page_data(page: str) -> dict:
    import json

    block = page.split('<script type="application/json" id="report-data">', 1)[1].split("</script>", 1)[0]
    return json.loads(block)


def test_small_reports_write_every_card_large_ones_embed_data():
    small = render_html(report_from_posts(_many(COMPACT_FROM - 1), JURISDICTIONS, RULESETS, ["x"]), {})
    large = render_html(report_from_posts(_many(COMPACT_FROM), JURISDICTIONS, RULESETS, ["x"]), {})
    assert 'id="report-data"' not in small and "<article" in small
    assert 'id="report-data"' in large and "<article" not in large  # cards are drawn by the script
    # forced either way by the option (the browser test compares both renderings of one report)
    assert 'id="report-data"' in render_html(sample_report(), {"compact": True})


def test_thousands_of_posts_are_each_listed_once():
    """3,000 posts: each post once in the embedded data; what needs action also once as static rows
    (print, no script); no markup at all per compliant post."""
    posts = _many(3000)
    page = render_html(report_from_posts(posts, JURISDICTIONS, RULESETS, ["big.jsonl"]), {})
    base = sample_posts()
    needing_action = {
        i
        for i, p in enumerate(base)
        if p["verdicts"] and any(v["status"] in ("violation", "review") for v in p["verdicts"].values())
    }
    expected = [n for n in range(1, 3001) if (n - 1) % len(base) in needing_action]
    assert len(expected) == 1668
    data = _page_data(page)
    assert [p["n"] for p in data["action"]] == expected
    numbers = sorted(p["n"] for key in ("action", "errors", "ok") for p in data[key])
    assert numbers == list(range(1, 3001))
    assert all(p["st"] in ("compliant", "clear") for p in data["ok"])
    assert all(posts[p["n"] - 1]["id"] == p["id"] for key in ("action", "errors", "ok") for p in data[key])
    action = _section(page, "action")
    assert re.findall(r'<tr id="post-(\d+)">', action) == [str(n) for n in expected]
    errors = _section(page, "errors")
    assert re.findall(r'<tr id="post-(\d+)">', errors) == [str(p["n"]) for p in data["errors"]]
    ok = _section(page, "ok")
    assert "<tr id=" not in ok and "data-post" not in ok and "ig-1004" not in ok
    # each distinct finding and highlight title is written once, not once per post
    assert len(data["findings"]) < 40 and len(data["strings"]) < 60


def test_compact_rows_name_the_rules_per_jurisdiction():
    page = render_html(sample_report(), {"compact": True})
    rows = dict(re.findall(r'<tr id="(post-\d+)">(.*?)</tr>', _section(page, "action"), re.S))
    cells = re.findall(r"<td>(.*?)</td>", rows["post-3"])[-4:]  # ig-1003: us, uk, de, fr
    assert [re.findall(r'pill-(\w+)">', c) for c in cells] == [["compliant"], ["review"], ["compliant"], ["violation"]]
    assert "<code>FR-001</code>" in cells[3] and "<code>" not in cells[0]
    data = _page_data(page)
    p3 = next(p for p in data["action"] if p["n"] == 3)
    assert [v[:2] for v in p3["v"]] == [[0, "compliant"], [1, "review"], [2, "compliant"], [3, "violation"]]
    rules = [data["findings"][i]["rule"] for v in p3["v"] for i in v[2]]
    assert "FR-001" in rules


def test_embedded_data_cannot_close_its_script_or_become_markup():
    hostile = "</script><script>window.__pwned=1</script> <!-- & \u2028\u2029 <b>x</b> @glowlyskin"
    posts = sample_posts()
    posts[0] = dict(posts[0], caption=hostile, author="</script><b>a</b>", id="<i>id</i>")
    page = render_html(report_from_posts(posts, JURISDICTIONS, RULESETS, ["x"]), {"compact": True})
    block = page.split('<script type="application/json" id="report-data">', 1)[1].split("</script>", 1)[0]
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in block, bad
    data = _page_data(page)
    first = data["action"][0]
    assert "".join(s if isinstance(s, str) else s[0] for s in first["seg"]) == hostile
    assert first["au"] == "</script><b>a</b>" and first["id"] == "<i>id</i>"
    assert page.count("<script") == 2  # the page's own script and the data block
    assert "<b>x</b>" not in page and "<b>a</b>" not in page and "<i>id</i>" not in page


def test_compact_page_csp_admits_its_script_and_style():
    import base64
    import hashlib

    page = render_html(sample_report(), {"compact": True})
    csp = next(
        a["content"] for t, a in parse(page).tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    )
    script = page.split("<script>", 1)[1].split("</script>", 1)[0]
    assert page.index("<script>") < page.index("</head>")  # early: hides the print list before layout
    code = re.sub(r"/\*.*?\*/", "", script, flags=re.S)
    assert not re.search(r"\.(inner|outer)HTML\b|insertAdjacentHTML|document\.write|\beval\(|new Function", code)
    assert ".textContent" in code
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp


def test_very_large_reports_point_to_the_dashboard(monkeypatch):
    from compliance.reporters import html_report

    monkeypatch.setattr(html_report, "DASHBOARD_FROM", 9)
    page = render_html(sample_report(), {})
    note = page[page.index('id="scale-note"') :]
    note = note[: note.index("</p>")]
    assert "9 posts" in note and "compliance serve --state scans.sqlite" in note
    monkeypatch.setattr(html_report, "DASHBOARD_FROM", 10)
    assert 'id="scale-note"' not in render_html(sample_report(), {})


# ---- any caption, any spans: the text survives exactly ---------------------------------------


@st.composite
def caption_with_spans(draw):
    caption = draw(st.text(alphabet=st.sampled_from(list("ab <>&\"'\n#@\u00e9\U0001f600")), max_size=40))
    n = len(caption)
    spans = draw(st.lists(st.tuples(st.integers(-2, n + 2), st.integers(-2, n + 2)), max_size=6))
    kinds = ["brand", "affiliate_link", "discount_code", "gift", "partnership", "disclosure", "finding"]
    marks = [(draw(st.sampled_from(kinds)), a, b) for a, b in spans]
    return caption, marks


@settings(max_examples=200, deadline=None)
@given(caption_with_spans())
def test_segments_always_rebuild_the_caption(case):
    caption, marks = case
    signals = [{"kind": k, "text": "", "start": a, "end": b} for k, a, b in marks if k not in ("disclosure", "finding")]
    disclosures = [
        {"label": "ad", "text": "", "start": a, "end": b, "placement": []} for k, a, b in marks if k == "disclosure"
    ]
    findings = [
        {"rule": "R-1", "severity": "error", "message": "m", "start": a, "end": b, "citation": {}}
        for k, a, b in marks
        if k == "finding"
    ]
    p = post(
        "x",
        caption,
        1,
        signals=signals,
        disclosures=disclosures,
        verdicts={"us": verdict("violation" if findings else "review", *findings)},
    )
    segs = caption_segments(p, ["us"])
    assert "".join(s["text"] for s in segs) == caption
    assert all(s["text"] for s in segs)
    if caption:
        page = render_html(report_from_posts([p], ["us"], {}, ["x"]), {})
        shown = re.search(r'<div class="caption" dir="auto">(.*?)</div>', page, re.S).group(1)
        assert html.unescape(re.sub(r"<mark [^>]*>|</mark>", "", shown)) == caption
