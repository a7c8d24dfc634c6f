"""The `compliance serve` page, driven through its WSGI interface (and once over a real socket).

Untrusted input throughout: markup in a caption stays text, oversized or malformed requests get
a clear page with the right status, and no error shows a traceback.
"""

from __future__ import annotations

import io
import threading
import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest

import compliance.web.server as web
from compliance.paths import data_dir
from compliance.reporters.highlight import caption_segments
from compliance.web.server import MAX_BODY, Engine, WebApp, make_server

SP = "Loving my @glowlyskin serum #sp"
XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script> @glowlyskin </textarea></pre>"\'&amp;'


@pytest.fixture(scope="module")
def app():
    return WebApp()


def call(
    app, method="GET", path="/", body: bytes = b"", ctype="application/x-www-form-urlencoded", length: str | None = None
):
    environ: dict = {}
    setup_testing_defaults(environ)
    environ.update(
        {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "CONTENT_TYPE": ctype,
            "CONTENT_LENGTH": str(len(body)) if length is None else length,
            "wsgi.input": io.BytesIO(body),
        }
    )
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    out = b"".join(app(environ, start_response))
    return int(seen["status"].split()[0]), seen["headers"], out.decode("utf-8")


def post(app, caption=SP, codes=("us", "de"), brands="@glowlyskin", platform="", extra=()):
    fields = [("caption", caption), *[("j", c) for c in codes], ("brands", brands), ("platform", platform), *extra]
    return call(app, "POST", "/check", urlencode(fields).encode("utf-8"))


class Page(HTMLParser):
    """Collects the text of elements by id, <mark> pieces in #highlighted, and every tag seen."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.text: dict[str, str] = {}
        self.marks: list[tuple[str, str]] = []
        self.tags: list[tuple[str, dict]] = []
        self.inside: dict[str, list[dict]] = {}  # element id -> attributes of the <li> inside it
        self._open: list[tuple[str, str | None]] = []
        self._mark: list[str] | None = None
        self._mark_cls = ""
        self._first_newline = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "li":
            for _, ident in self._open:
                if ident:
                    self.inside.setdefault(ident, []).append(attrs)
        if tag in ("br", "input", "meta", "link"):
            return
        # As the HTML spec says: a newline right after <pre> or <textarea> is not content.
        self._first_newline = tag in ("pre", "textarea")
        self._open.append((tag, attrs.get("id")))
        if attrs.get("id"):
            self.text.setdefault(attrs["id"], "")
        if tag == "mark" and any(i == "highlighted" for _, i in self._open):
            self._mark, self._mark_cls = [], attrs.get("class", "")

    def handle_endtag(self, tag):
        if tag == "mark" and self._mark is not None:
            self.marks.append((self._mark_cls, "".join(self._mark)))
            self._mark = None
        while self._open:
            t, _ = self._open.pop()
            if t == tag:
                break

    def handle_data(self, data):
        if self._first_newline and data.startswith("\n"):
            data = data[1:]
        self._first_newline = False
        for _, ident in self._open:
            if ident:
                self.text[ident] += data
        if self._mark is not None:
            self._mark.append(data)


# ------------------------------------------------------------------------------------- the form


def test_the_form_lists_every_shipped_jurisdiction_from_the_rule_files(app):
    status, headers, html = call(app)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    shipped = sorted(p.stem for p in data_dir("rules").glob("*.toml") if p.stem != "base")
    page = Page(html)
    boxes = [a for t, a in page.tags if t == "input" and a.get("name") == "j"]
    assert sorted(a["value"] for a in boxes) == shipped
    assert [a["value"] for a in boxes][:4] == ["us", "uk", "de", "fr"]
    assert "United States (FTC)" in html and "Germany (Medienanstalten, UWG)" in html
    form = next(a for t, a in page.tags if t == "form")
    assert form["method"] == "post" and form["action"] == "/check"


def test_every_page_carries_a_nonce_csp_that_its_own_script_and_style_use(app):
    _, headers, html = post(app)
    csp = headers["Content-Security-Policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert "default-src 'none'" in csp and f"script-src 'nonce-{nonce}'" in csp
    page = Page(html)
    assert [a.get("nonce") for t, a in page.tags if t in ("script", "style")] == [nonce, nonce]
    assert not [a for t, a in page.tags if t in ("script", "link") and a.get("src")]  # no external assets
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Cache-Control"] == "no-store"
    _, headers2, _ = call(app)
    assert headers2["Content-Security-Policy"] != csp  # a fresh nonce per response


# ---------------------------------------------------------------------------------- the results


def test_results_highlight_the_problem_give_verdicts_and_the_corrected_caption(app):
    status, _, html = post(app)
    assert status == 200
    page = Page(html)
    assert page.text["highlighted"] == SP
    assert ("hl-problem", "#sp") in page.marks
    assert ("hl-brand", "@glowlyskin") in page.marks  # the same classes as the HTML report
    assert page.text["fixed-caption"] == "Werbung | #ad Loving my @glowlyskin serum #sp"
    assert {a["data-code"]: a["data-status"] for a in page.inside["verdict-chips"]} == {
        "us": "violation",
        "de": "violation",
    }
    assert {a["data-code"]: a["data-status"] for a in page.inside["after-chips"]} == {
        "us": "compliant",
        "de": "compliant",
    }
    us = page.text["verdict-us"]
    assert "Violation" in us and "FTC-002" in us and "(FTC)" in us
    assert "Abbreviations and thanks do not tell followers the post is an advertisement." in us
    de = page.text["verdict-de"]
    assert "DE-003" in de and "(die medienanstalten)" in de
    assert "Compliant after the fix" in page.text["after-chips"]
    links = [a["href"] for t, a in page.tags if t == "a" and a.get("href", "").startswith("http")]
    assert "https://www.ftc.gov/business-guidance/resources/disclosures-101-social-media-influencers" in links


def test_a_fine_caption_is_shown_unchanged(app):
    _, _, html = post(app, caption="#ad Loving my @glowlyskin serum", codes=("us", "uk"))
    page = Page(html)
    assert page.text["fixed-caption"] == "#ad Loving my @glowlyskin serum"
    assert "Nothing to change" in page.text["fix"]
    assert ("hl-accepted", "#ad") in page.marks


def test_markup_in_a_caption_stays_text(app):
    _, _, html = post(app, caption=XSS, codes=("us",))
    assert "<img" not in html and "<script>alert" not in html and '</textarea></pre>"' not in html
    page = Page(html)
    assert page.text["highlighted"] == XSS
    assert page.text["fixed-caption"] == "#ad " + XSS
    assert page.text["caption"] == XSS  # the form keeps what was typed, as text
    assert not [t for t, _ in page.tags if t == "img"]
    assert sum(1 for t, _ in page.tags if t == "script") == 1


def test_line_breaks_and_a_leading_newline_survive_the_round_trip(app):
    caption = "\nMorning routine\r\nSerum by @glowlyskin\r\n\r\n#skincare"
    _, _, html = post(app, caption=caption, codes=("us",))
    page = Page(html)
    expected = caption.replace("\r\n", "\n")
    assert page.text["highlighted"] == expected
    assert page.text["fixed-caption"] == "\n#ad Morning routine\nSerum by @glowlyskin\n\n#skincare"


def test_segments_cover_the_caption_exactly_once():
    from compliance.judging.scanner import Scanner
    from compliance.model import Post, Source

    caption = "Thanks @glowlyskin! Code LENA15 at https://amzn.to/3bc9Lmn #sp #gifted"
    scanner = Scanner(["us", "uk"], brands=["@glowlyskin"])
    result = scanner.judge(Post(id="x", caption=caption, source=Source("x")))
    segments = caption_segments(result.to_dict(), ("us", "uk"))
    assert "".join(s["text"] for s in segments) == caption
    by_text = {s["text"]: s for s in segments if s["cls"]}
    assert by_text["#sp"]["cls"] == "hl-problem"
    assert "flagged by" in by_text["#sp"]["title"] and "ASA-003 (uk)" in by_text["#sp"]["title"]
    assert by_text["https://amzn.to/3bc9Lmn"]["cls"] == "hl-affiliate"


# ---------------------------------------------------------------------------------- bad requests


def test_an_oversized_form_gets_413_with_a_clear_page(app):
    body = urlencode([("caption", "x" * (MAX_BODY + 10)), ("j", "us")]).encode()
    status, _, html = call(app, "POST", "/check", body)
    assert status == 413
    assert "Caption too long" in html and "64 KB" in html
    assert "Traceback" not in html


@pytest.mark.parametrize(
    "kwargs, status, words",
    [
        ({"ctype": "text/plain"}, 415, "Unsupported form"),
        ({"ctype": "multipart/form-data; boundary=x"}, 415, "Unsupported form"),
        ({"length": ""}, 411, "Length required"),
        ({"length": "ten"}, 400, "not a number"),
        ({"length": "-5"}, 400, "negative"),
        ({"length": "999"}, 400, "ended before"),
    ],
)
def test_malformed_requests_get_a_clear_error(app, kwargs, status, words):
    got, _, html = call(app, "POST", "/check", b"caption=hi&j=us", **kwargs)
    assert got == status and words in html and "Traceback" not in html


def test_form_values_are_checked(app):
    status, _, html = call(app, "POST", "/check", b"caption=%FF%FE&j=us")
    assert status == 400 and "not valid UTF-8" in html
    status, _, html = post(app, codes=("us", "atlantis"))
    assert status == 400 and "no rule file for &#39;atlantis&#39;" in html
    status, _, html = post(app, platform="myspace")
    assert status == 400 and "Unknown platform" in html
    status, _, html = post(app, extra=[("caption", "second")])
    assert status == 400 and "more than once" in html
    status, _, html = post(app, brands=", ".join(f"Brand{i}" for i in range(60)))
    assert status == 400 and "at most 50 brands" in html
    status, _, html = call(app, "POST", "/check", "&".join(["j=us"] * 300).encode())
    assert status == 400 and "too many fields" in html


def test_missing_caption_or_country_redisplays_the_form_with_a_notice(app):
    status, _, html = post(app, caption="   ", codes=("us",))
    assert status == 400 and Page(html).text["notice"] == "Paste a caption to check."
    status, _, html = post(app, caption=SP, codes=())
    page = Page(html)
    assert status == 400 and page.text["notice"] == "Tick at least one audience country."
    assert page.text["caption"] == SP  # nothing the person typed is lost


def test_other_methods_and_paths(app):
    status, headers, html = call(app, "PUT", "/check")
    assert status == 405 and headers["Allow"] == "GET, HEAD, POST" and "Method not allowed" in html
    status, _, html = call(app, "GET", "/admin")
    assert status == 404 and "Page not found" in html
    status, headers, body = call(app, "HEAD", "/")
    assert status == 200 and body == "" and int(headers["Content-Length"]) > 1000
    assert call(app, "GET", "/favicon.ico")[0] == 204


def test_an_internal_error_shows_no_traceback(app, monkeypatch, capsys):
    def broken(form):
        raise RuntimeError("secret internals /home/user/.ssh")

    monkeypatch.setattr(web, "check_caption", broken)
    status, _, html = post(app)
    assert status == 500
    assert "Something went wrong" in html
    assert "secret internals" not in html and "Traceback" not in html and "RuntimeError" not in html
    assert "secret internals" not in capsys.readouterr().err


def test_a_broken_rule_file_is_named_not_fatal(monkeypatch, tmp_path):
    for path in data_dir("rules").glob("*.toml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "zz.toml").write_text("[ruleset]\ncode = 'zz'\nname = \n", encoding="utf-8")
    import compliance.ruleset.loader as rulefile

    monkeypatch.setattr(rulefile, "data_dir", lambda name: tmp_path)
    engine = Engine()
    shown, broken = engine.countries()
    assert [c.code for c in shown][:4] == ["us", "uk", "de", "fr"]
    assert len(broken) == 1 and "zz.toml" in broken[0] and "TOML syntax error" in broken[0]
    status, _, html = call(WebApp(engine))
    assert status == 200 and "could not be loaded" in html


# -------------------------------------------------------------------------------- a real socket


def test_the_server_binds_to_loopback_and_answers_over_http():
    server = make_server(port=0, quiet=True)
    assert server.server_address[0] == "127.0.0.1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        data = urlencode([("caption", SP), ("j", "us"), ("brands", "@glowlyskin")]).encode()
        with urllib.request.urlopen(urllib.request.Request(base + "/check", data=data), timeout=30) as resp:
            assert resp.status == 200
            page = Page(resp.read().decode("utf-8"))
        assert page.text["fixed-caption"] == "#ad Loving my @glowlyskin serum #sp"
        big = urlencode([("caption", "x" * (MAX_BODY * 2))]).encode()
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(urllib.request.Request(base + "/check", data=big), timeout=30)
        assert err.value.code == 413 and "Caption too long" in err.value.read().decode()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_the_page_judges_as_check_does_with_the_project_settings(tmp_path):
    """`serve` takes the same Settings as `check`: house rules, ticked audiences, brands, severities."""
    from compliance.config import Settings
    from compliance.web.server import FormInput, check_caption

    shipped = data_dir("rules") / "us.toml"
    strict = shipped.read_text(encoding="utf-8").replace('code = "us"', 'code = "us-strict"')
    strict = strict.replace('extends = "base"', 'extends = "us"').replace("default = true", "default = false")
    (tmp_path / "us-strict.toml").write_text(strict, encoding="utf-8")
    settings = Settings(
        jurisdictions=("us-strict",),
        rules_dirs=(str(tmp_path),),
        brands=("@glowlyskin",),
        severity={"FTC-002": "warning"},
    )
    engine = Engine(settings)
    assert "us-strict" in [c.code for c in engine.countries()[0]]
    assert engine.ticked() == ("us-strict",)
    results = check_caption(engine, FormInput(caption="Loving my mornings with @glowlyskin #sp", codes=("us-strict",)))
    [card] = results["verdicts"]
    assert card["status"] == "review" and [f["rule"] for f in card["findings"]] == ["FTC-002"]
    assert Engine().ticked() == ("us", "uk", "de", "fr")
