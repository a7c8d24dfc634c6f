"""Injection: hostile captions, ids, authors, brand names and rule messages stay inert in every output.

One scan through the real CLI puts a corpus of XSS, template, terminal and spreadsheet-formula
payloads into every field a person can control (and into a house rule file's message, fix and
citation), then checks each format as text: HTML has no element or attribute the payloads
could have created, JSON/JSONL carry them byte for byte, text has no control or bidi
characters, CSV neutralises formulas. The web page of `compliance serve` gets the same payloads
through its form. The browser tests load the HTML report and the web page in headless Chromium
and check that nothing ran.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import textwrap
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 300

PAYLOADS = [
    "<script>window.__pwned=1;document.title='pwned'</script>",
    '"><img src=x onerror="window.__pwned=2">',
    "'><svg onload=window.__pwned=3>",
    "javascript:window.__pwned=4",
    "</textarea></title></style><script>window.__pwned=5</script>",
    '<iframe srcdoc="<script>parent.__pwned=6</script>"></iframe>',
    '<a href="javascript:window.__pwned=7">click</a>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<base href="https://evil.example/">',
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=8>",
    "<!-- <script>window.__pwned=9</script> -->",
    "{{ 7*7 }}{% if 1 %}jinja{% endif %}${7*7}",
    "<style>*{display:none}</style>",
    "<form action=https://evil.example/><button formaction=javascript:window.__pwned=10>x</button>",
    "\u202eevil\u202c \u2066rtl\u2069 \x1b[2J\x1b[31mred\x1b[0m \r overwrite",
]
FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(1+1)", "-2+3", "@SUM(1,2)", "\t=1+1", "\r=1+1"]
BAD_TAGS = {
    "script",
    "img",
    "svg",
    "iframe",
    "meta",
    "base",
    "math",
    "form",
    "button",
    "a",
    "style",
    "object",
    "embed",
    "link",
}


def _posts() -> list[dict]:
    posts = []
    for i, payload in enumerate(PAYLOADS + FORMULAS):
        posts.append(
            {
                "id": f"{payload}#{i}" if i % 2 else payload,
                "caption": f"{payload} Loving my Glowly serum, code LENA15 {payload}" + (" #sp" if i % 2 else ""),
                "author": payload,
                "platform": "instagram",
                "brands": [payload.strip() or "x", "Glowly"],
            }
        )
    posts.append({"id": "label-ok", "caption": "#ad " + PAYLOADS[0] + " Glowly", "author": FORMULAS[0]})
    return posts


HOUSE_RULES = textwrap.dedent("""\
    [ruleset]
    code = "zz"
    name = "House <script>window.__pwned=11</script> rules"
    version = "1\\"><img src=x onerror=window.__pwned=12>"
    extends = "base"
    regulator = "<b onmouseover=window.__pwned=13>Legal</b>"

    [[rules]]
    id = "ZZ-001"
    name = "missing-disclosure"
    check = "requires-disclosure"
    severity = "error"
    message = "<script>window.__pwned=14</script> Not labelled: \\"{text}\\" =HYPERLINK(\\"https://evil.example\\")"
    fix = "<img src=x onerror=window.__pwned=15> Add #ad"
    citation = { source = "<svg onload=window.__pwned=16>", url = "https://example.org/\\"><script>window.__pwned=17</script>" }
    examples.pass = ["#ad my @glowlyskin serum", "Rainy Sunday."]
    examples.fail = ["Loving my @glowlyskin serum"]
    """)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> dict[str, str]:
    """Run `compliance scan` once per format over the hostile corpus; format -> output text."""
    tmp = tmp_path_factory.mktemp("inject")
    posts = tmp / "posts.jsonl"
    posts.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in _posts()), encoding="utf-8")
    brands = tmp / "brands.txt"
    brands.write_text("\n".join(["Glowly", *(p.strip() for p in PAYLOADS if p.strip())]) + "\n", encoding="utf-8")
    rules = tmp / "rules"
    rules.mkdir()
    (rules / "zz.toml").write_text(HOUSE_RULES, encoding="utf-8")
    out = {}
    for fmt in ("json", "jsonl", "csv", "text", "html"):
        target = tmp / f"report.{fmt}"
        args = [
            "scan",
            str(posts),
            "--brands",
            str(brands),
            "-j",
            "us",
            "-j",
            "de",
            "-j",
            "zz",
            "--rules-dir",
            str(rules),
            "--format",
            fmt,
            "-o",
            str(target),
            "--jobs",
            "1",
            "--no-progress",
            "--no-config",
            "--title",
            PAYLOADS[0],
            "--generated-at",
            PAYLOADS[1],
        ]
        if fmt == "json":  # once through a real process: what a user runs, exit code and stderr included
            proc = subprocess.run(
                [sys.executable, "-m", "compliance", *args], cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT
            )
            assert proc.returncode in (0, 1), proc.stderr[-3000:]
            assert "Traceback" not in proc.stderr
        else:  # the same command in-process (spaCy loads once for the module)
            from click.testing import CliRunner

            from compliance.cli.commands import main

            result = CliRunner().invoke(main, args, catch_exceptions=False)
            assert result.exit_code in (0, 1), result.output[-3000:]
        out[fmt] = target.read_bytes().decode("utf-8")  # no newline translation: CSV cells keep \r
    return out


# --- string-level checks -------------------------------------------------------------------


class _Audit(HTMLParser):
    """Collect tags, attributes, inline script bodies and visible text of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "script":
            self.scripts.append(data)
        elif self._in is None:
            self.text.append(data)


def assert_inert_html(page: str) -> _Audit:
    audit = _Audit()
    audit.feed(page)
    for tag, attrs in audit.tags:
        names = {name for name, _ in attrs}
        assert not any(name.startswith("on") for name in names), (tag, attrs)
        assert "srcdoc" not in names and "formaction" not in names, (tag, attrs)
        for name, value in attrs:
            if name in ("href", "src", "action") and value:
                assert not value.strip().lower().startswith(("javascript:", "data:text/html")), (tag, name, value)
                assert "evil.example" not in value, (tag, name, value)
        if tag == "meta":
            assert (dict(attrs).get("http-equiv") or "").lower() != "refresh", attrs
        if tag == "img":  # the report's summary charts only: our own SVG as a data: image
            assert (dict(attrs).get("src") or "").startswith("data:image/svg+xml;base64,"), (tag, attrs)
            continue
        assert tag not in ("svg", "iframe", "base", "math", "object", "embed"), (tag, attrs)
    for body in audit.scripts:
        assert "__pwned" not in body
    assert all(tag != "script" or not dict(attrs).get("src") for tag, attrs in audit.tags)
    visible = "".join(audit.text)
    assert "window.__pwned=1" in visible  # the payload is on the page, as text
    assert "<script>" in visible  # ... escaped, so the reader sees the angle brackets
    return audit


def test_html_report_is_inert(scanned):
    audit = assert_inert_html(scanned["html"])
    visible = "".join(audit.text)
    assert "{{ 7*7 }}{% if 1 %}jinja{% endif %}${7*7}" in visible  # shown literally, never evaluated
    assert "window.__pwned=14" in visible  # a house rule message is shown, escaped


def test_json_reports_carry_every_payload_exactly(scanned):
    data = json.loads(scanned["json"])
    assert [p["id"] for p in data["posts"]] == [p["id"] for p in _posts()]
    assert [p["caption"] for p in data["posts"]] == [p["caption"] for p in _posts()]
    assert [p["author"] for p in data["posts"]] == [p["author"] for p in _posts()]
    lines = [json.loads(line) for line in scanned["jsonl"].splitlines() if line.strip()]
    records = [r for r in lines if "caption" in r]
    assert [r["caption"] for r in records] == [p["caption"] for p in _posts()]
    for post in data["posts"]:
        for verdict in post["verdicts"].values():
            for finding in verdict["findings"]:
                if finding["start"] is not None:
                    assert post["caption"][finding["start"] : finding["end"]] == finding["text"]


def test_text_report_has_no_control_or_bidi_characters(scanned):
    text = scanned["text"]
    forbidden = {chr(c) for c in range(0x20) if chr(c) != "\n"} | {"\x7f", "\u202e", "\u202c", "\u2066", "\u2069"}
    found = sorted({repr(ch) for ch in text if ch in forbidden})
    assert not found, found
    assert "\\x1b[2J" in text and "\\u202e" in text  # shown, escaped
    assert "window.__pwned=1" in text


def test_csv_neutralises_formulas(scanned):
    rows = list(csv.reader(io.StringIO(scanned["csv"], newline="")))
    header, body = rows[0], rows[1:]
    assert body
    starts = ("=", "+", "-", "@", "\t", "\r")
    cells = [cell for row in body for cell in row]
    bad = [cell for cell in cells if cell.startswith(starts)]
    assert not bad, bad[:5]
    ids = [row[header.index("id")] for row in body]
    assert any(i.startswith("'=cmd|' /C calc'!A0") for i in ids)
    assert any(i.startswith("'+SUM(1+1)") for i in ids) and any(i.startswith("'-2+3") for i in ids)
    authors = {row[header.index("author")] for row in body}
    assert "'\t=1+1" in authors and "'\r=1+1" in authors


# --- the web page -----------------------------------------------------------------------------


def _post_form(app, fields: list[tuple[str, str]]) -> tuple[str, dict, str]:
    body = urlencode(fields).encode("utf-8")
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/check",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "wsgi.url_scheme": "http",
    }
    got = {}

    def start_response(status, headers):
        got["status"], got["headers"] = status, dict(headers)

    page = b"".join(app(environ, start_response)).decode("utf-8")
    return got["status"], got["headers"], page


@pytest.mark.parametrize("payload", PAYLOADS[:12])
def test_web_page_is_inert(payload):
    from compliance.web.server import WebApp

    status, headers, page = _post_form(
        WebApp(),
        [
            ("caption", f"{payload} Loving my Glowly serum {PAYLOADS[0]} #sp"),
            ("j", "us"),
            ("j", "de"),
            ("brands", f"Glowly\n{payload[:90]}"),
            ("platform", "instagram"),
        ],
    )
    assert status.startswith("200"), status
    assert "script-src 'nonce-" in headers["Content-Security-Policy"]
    assert_inert_html(page)


# --- in a browser -----------------------------------------------------------------------------


def _watch(page) -> dict:
    seen = {"dialogs": [], "requests": [], "errors": []}
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    return seen


def _assert_nothing_ran(page, seen):
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.title() != "pwned"
    assert not seen["dialogs"]
    assert not [u for u in seen["requests"] if "evil.example" in u or u.startswith("http://x")], seen["requests"]


@pytest.mark.browser
def test_html_report_runs_no_payload_in_chromium(browser, scanned, tmp_path):
    report = tmp_path / "report.html"
    report.write_text(scanned["html"], encoding="utf-8")
    page = browser.new_page()
    seen = _watch(page)
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    _assert_nothing_ran(page, seen)
    # Hover and click everything that could carry a handler; still nothing runs.
    for el in page.query_selector_all("mark, span[title], a, button, summary")[:40]:
        try:
            el.hover(timeout=500)
        except Exception:
            pass
    _assert_nothing_ran(page, seen)
    assert "window.__pwned=1" in page.inner_text("body")
    page.close()


@pytest.mark.browser
def test_web_page_runs_no_payload_in_chromium(browser):
    from compliance.web.server import make_server

    server = make_server("127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        page = browser.new_page()
        seen = _watch(page)
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        caption = " ".join(PAYLOADS[:12]) + " Loving my Glowly serum #sp"
        page.fill("textarea[name=caption]", caption)
        page.fill("[name=brands]", "Glowly\n" + PAYLOADS[1][:90])
        with page.expect_navigation():
            page.click("button[type=submit], input[type=submit]")
        _assert_nothing_ran(page, seen)
        assert "window.__pwned=1" in page.inner_text("body")
        page.close()
    finally:
        server.shutdown()
        server.server_close()


# --- the web form with arbitrary fields -----------------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.fuzz.strategies import captions, field_text, fuzz_settings  # noqa: E402

_web_app = None


def _app():
    global _web_app
    if _web_app is None:
        from compliance.web.server import WebApp

        _web_app = WebApp()
    return _web_app


@fuzz_settings(40)
@given(
    caption=captions,
    brands=field_text,
    codes=st.lists(st.sampled_from(["us", "de", "uk", "fr", "xx", ""]), max_size=3),
    platform=st.sampled_from(["", "instagram", "tiktok", "myspace", "<b>"]),
)
def test_web_form_answers_any_input_without_a_server_error(caption, brands, codes, platform):
    """Whatever the form carries (surrogates become invalid UTF-8 on the wire and get a 400),
    the page answers 200 or a 4xx page, never a 500, and stays inert."""
    fields = [
        ("caption", caption.encode("utf-8", "surrogatepass").decode("utf-8", "replace")),
        ("brands", brands.encode("utf-8", "surrogatepass").decode("utf-8", "replace")),
        ("platform", platform),
    ] + [("j", c) for c in codes]
    status, headers, page = _post_form(_app(), fields)
    assert status[:3] in ("200", "400", "413"), status
    audit = _Audit()
    audit.feed(page)
    for tag, attrs in audit.tags:
        assert not any(name.startswith("on") for name, _ in attrs), (tag, attrs)
        assert tag not in ("img", "svg", "iframe", "base", "object", "embed"), tag
