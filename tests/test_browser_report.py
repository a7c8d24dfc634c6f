"""The HTML report in a real browser: numbers, filters, scripts off, injected markup, screenshot.

Drives Debian's Chromium through Playwright (never `playwright install`). A missing browser is
a failure with a message, not a skip: CI installs chromium, and a silently skipped browser test
would hide a broken report.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from compliance.reporters.document import Report
from compliance.reporters.html_report import render_html
from compliance.reporters.registry import REPORTERS
from tests.test_reporters_html import XSS_AUTHOR, XSS_CAPTION, sample_report

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SCAN = [
    "scan",
    "fixtures/posts/campaign.jsonl",
    "fixtures/posts/malformed.jsonl",
    "--brands",
    "fixtures/posts/brands.txt",
    "-j",
    "us",
    "-j",
    "uk",
    "-j",
    "de",
    "-j",
    "fr",
]
STATUSES = ("violation", "review", "compliant", "clear")


def run_cli(*args: str) -> None:
    """`compliance ARGS` in-process, from the repository root so input names stay relative."""
    from click.testing import CliRunner

    from compliance.cli.commands import main

    here = os.getcwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(here)
    assert result.exit_code in (0, 1), result.output


def scan(tmp: Path, fmt: str) -> Path:
    out = tmp / f"report.{fmt}"
    run_cli(*SCAN, "--format", fmt, "-o", str(out))
    return out


@pytest.fixture(scope="module")
def fixture_scan(tmp_path_factory):
    """The shipped fixtures scanned once by the CLI; the page is that very JSON report in HTML
    (one scan, so the numbers compared cannot drift if rule files change between two runs)."""
    tmp = tmp_path_factory.mktemp("scan")
    data = json.loads(scan(tmp, "json").read_text(encoding="utf-8"))
    page = tmp / "report.html"
    with page.open("w", encoding="utf-8", newline="\n") as out:
        REPORTERS.get("html")(Report(data), out, {})
    return data, page


class Page:
    """A page plus everything it said on the console."""

    def __init__(self, browser, url: str, **context):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, **context)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on(
            "console",
            lambda m: self.problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None,
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on(
            "request", lambda r: None if r.url.startswith("file://") else self.problems.append(f"request: {r.url}")
        )
        self.page.goto(url)

    def shown(self) -> list[str]:
        """Anchors of the posts the filters leave in (hidden attribute not set), in page order."""
        return self.page.eval_on_selector_all("[data-post]", "els => els.filter(e => !e.hidden).map(e => e.id)")

    def choose(self, name: str, label: str | None) -> None:
        select = self.page.locator(f"#filters select[name={name}]")
        if label is None:
            select.select_option(value="")
        else:
            select.select_option(label=label)

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def report_page(browser, fixture_scan):
    data, html_path = fixture_scan
    page = Page(browser, html_path.as_uri())
    yield data, page
    page.close()


def anchors(data, keep) -> list[str]:
    """Expected visible anchors in page order: cards (action, then errors), then the compact list."""
    numbered = list(enumerate(data["posts"], 1))
    action = [
        n
        for n, p in numbered
        if not p["error"] and any(v["status"] in ("violation", "review") for v in p["verdicts"].values())
    ]
    errors = [n for n, p in numbered if p["error"]]
    ok = [n for n, p in numbered if n not in action and n not in errors]
    return [f"post-{n}" for n in action + errors + ok if keep(data["posts"][n - 1])]


def test_page_loads_clean_and_offline(report_page):
    data, page = report_page
    assert page.problems == []
    assert page.page.title() == "Advertising disclosure report"
    assert page.page.locator("#filters").is_visible()
    assert len(page.shown()) == len(data["posts"]) == data["summary"]["posts"]


def test_summary_numbers_equal_the_json_report(report_page):
    data, page = report_page
    p = page.page
    summary = data["summary"]
    kpi = {k: int(p.locator(f'[data-kpi="{k}"]').inner_text()) for k in ("posts", "errors", *STATUSES)}
    assert kpi["posts"] == summary["posts"] and kpi["errors"] == summary["errors"]
    worst = [
        min((v["status"] for v in post["verdicts"].values()), key=STATUSES.index)
        for post in data["posts"]
        if not post["error"]
    ]
    assert {s: kpi[s] for s in STATUSES} == {s: worst.count(s) for s in STATUSES}
    for code in data["jurisdictions"]:
        row = p.locator(f'#by-jurisdiction tr[data-j="{code}"]')
        shown = {s: int(row.locator(f'td[data-status="{s}"]').inner_text()) for s in STATUSES}
        assert shown == summary["by_jurisdiction"][code], code
    # findings by rule: each row's post count equals the posts whose verdict carries that rule
    for row in p.locator("#by-rule tbody tr").all():
        rule = row.get_attribute("data-rule")
        expected = sum(
            1
            for post in data["posts"]
            for v in post["verdicts"].values()
            if any(f["rule"] == rule for f in v["findings"])
        )
        assert int(row.locator("[data-posts]").inner_text()) == expected, rule
    heading = int(p.locator("#action [data-shown]").inner_text())
    assert heading == len(
        anchors(
            data,
            lambda post: (
                not post["error"] and any(v["status"] in ("violation", "review") for v in post["verdicts"].values())
            ),
        )
    )


def test_filters_show_exactly_the_matching_posts(report_page):
    data, page = report_page
    names = {code: data["rulesets"][code]["name"] for code in data["jurisdictions"]}
    try:
        for code in data["jurisdictions"]:
            page.choose("j", f"{code.upper()} \u2013 {names[code]}")
            for status, label in (("violation", "Violation"), ("review", "Needs review"), ("clear", "Clear")):
                page.choose("s", label)
                expected = anchors(
                    data,
                    lambda post, code=code, status=status: (
                        not post["error"] and post["verdicts"][code]["status"] == status
                    ),
                )
                assert page.shown() == expected, (code, status)
                count = page.page.locator("#filter-count").inner_text()
                assert count == f"Showing {len(expected)} of {len(data['posts'])} posts"
                if status == "violation":
                    # other jurisdictions' verdicts are hidden inside the cards left in
                    visible_codes = page.page.eval_on_selector_all(
                        "#action [data-post]:not([hidden]) [data-vj]:not([hidden]) .jcode",
                        "els => els.map(e => e.textContent)",
                    )
                    assert visible_codes and set(visible_codes) == {code.upper()}
        page.choose("j", None)
        page.choose("s", "Input error")
        assert page.shown() == anchors(data, lambda post: bool(post["error"]))
        page.choose("s", "Compliant")
        assert page.page.locator("#ok-posts").get_attribute("open") is not None
        assert page.page.locator("#ok-posts tr[data-post]:not([hidden])").first.is_visible()
        empty = page.page.locator("#action [data-empty]")
        if not anchors(
            data,
            lambda post: (
                not post["error"]
                and any(v["status"] == "compliant" for v in post["verdicts"].values())
                and any(v["status"] in ("violation", "review") for v in post["verdicts"].values())
            ),
        ):
            assert empty.is_visible()
        page.choose("s", None)
        authors = sorted({p["author"] for p in data["posts"] if p["author"]})
        for author in authors:
            page.choose("c", author)
            assert page.shown() == anchors(data, lambda post, author=author: post["author"] == author), author
        page.choose("c", "(not given)")
        assert page.shown() == anchors(data, lambda post: not post["author"])
        page.page.locator("#filters button[type=reset]").click()
        # Polled from Python: a string predicate would be eval'd in the page, which its CSP forbids.
        expect(page.page.locator("#filter-count")).to_have_text(re.compile(r"^Showing all"))
        assert len(page.shown()) == len(data["posts"])
        assert page.problems == []
    finally:
        page.page.locator("#filters button[type=reset]").click()


def test_print_layout_hides_controls(report_page):
    _, page = report_page
    page.page.emulate_media(media="print")
    try:
        assert not page.page.locator("#filters").is_visible()
        after = page.page.eval_on_selector("#action .cite a", "a => getComputedStyle(a, '::after').content")
        assert "attr(href)" in after or "http" in after
    finally:
        page.page.emulate_media(media="screen")


def test_readable_with_scripts_off(browser, fixture_scan):
    data, html_path = fixture_scan
    page = Page(browser, html_path.as_uri(), java_script_enabled=False)
    try:
        assert not page.page.locator("#filters").is_visible()
        cards = page.page.locator("#action article[data-post]")
        assert cards.count() == len(
            anchors(
                data,
                lambda post: (
                    not post["error"] and any(v["status"] in ("violation", "review") for v in post["verdicts"].values())
                ),
            )
        )
        assert all(card.is_visible() for card in cards.all())
        page.page.locator("#ok-posts > summary").click()
        ok_rows = page.page.locator("#ok-posts tr[data-post]")
        assert ok_rows.count() and all(row.is_visible() for row in ok_rows.all())
        assert page.problems == []
    finally:
        page.close()


def test_injected_markup_stays_text(browser, tmp_path):
    """A hostile caption, id and author scanned by the CLI, and the hand-made hostile report."""
    hostile = tmp_path / "hostile.jsonl"
    rows = [
        {"id": "x1", "caption": XSS_CAPTION + " #sp", "author": XSS_AUTHOR, "platform": "instagram"},
        {
            "id": '"><svg onload="window.__pwned=4">',
            "caption": "<iframe src=javascript:alert(1)> @glowlyskin",
            "author": "javascript:alert(1)",
        },
    ]
    hostile.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "hostile.html"
    run_cli("scan", str(hostile), "--brands", "fixtures/posts/brands.txt", "--format", "html", "-o", str(out))
    made = tmp_path / "sample.html"
    made.write_text(render_html(sample_report(), {}), encoding="utf-8")

    for path in (out, made):
        page = Page(browser, path.as_uri())
        try:
            p = page.page
            for element in p.locator(".post-meta .author, .caption").all():
                element.hover()
            p.wait_for_timeout(50)
            assert p.evaluate("typeof window.__pwned") == "undefined"
            assert p.title() == "Advertising disclosure report"
            # the summary charts are the page's only images (server-drawn SVG, data: URIs)
            assert (
                p.locator("main svg, main iframe, main script, main b, main img:not(figure.chart > img)").count() == 0
            )
            assert all(
                src.startswith("data:image/svg+xml;base64,")
                for src in p.eval_on_selector_all("main img", "els => els.map(e => e.getAttribute('src'))")
            )
            captions = p.eval_on_selector_all(".caption", "els => els.map(e => e.textContent)")
            assert any(XSS_CAPTION in text for text in captions)
            authors = p.eval_on_selector_all(".post-meta .author", "els => els.map(e => e.textContent)")
            assert XSS_AUTHOR in authors
            hrefs = p.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
            assert all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
            assert page.problems == []
        finally:
            page.close()


def test_screenshot_of_the_fixture_report(report_page, tmp_path):
    """The shipped fixtures' report, full page, as a reader sees it (saved in the test's folder).

    COMPLIANCE_REPORT_SCREENSHOT=docs/report-screenshot.png refreshes the README's picture: the top
    of the page, so the file stays small.
    """
    _, page = report_page
    shot = tmp_path / "report.png"
    page.page.screenshot(path=str(shot), full_page=True)
    target = os.environ.get("COMPLIANCE_REPORT_SCREENSHOT")
    if target:
        page.page.screenshot(path=target, full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": 1800})
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width == 1280 and height > 2000
