"""The scan-history dashboard in a real browser: headless Chromium driven through Playwright.

A state with many scans (tests/dashboard_state.py, hostile authors and captions included) is
served by `compliance serve --state` in a thread on a free port. A legal team reads the trend
charts and their tables, filters the posts, pages, opens a post's history and exports the view.
No console error (a CSP refusal would be one), no dialog, no injected script may run.
Debian's Chromium is required: without /usr/bin/chromium these tests fail, they do not skip.
"""

from __future__ import annotations

import csv
import io
import threading

import pytest

from compliance.web.dashboard import make_dashboard_server
from tests.conftest import watch_problems
from tests.dashboard_state import HOSTILE_AUTHOR, generate

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    state = tmp_path_factory.mktemp("dash-browser") / "scans.sqlite"
    generate(state, posts=3000, runs=12, creators=40, hostile=True)
    server = make_dashboard_server(str(state), "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = watch_problems(context.new_page())
    try:
        yield tab
    finally:
        context.close()


def count(page) -> int:
    return int(page.locator("#count strong").inner_text().replace(",", ""))


def test_trends_filter_page_history_and_export(page, base_url, tmp_path):
    page.goto(base_url + "/")
    charts = page.locator("img.chart")
    assert charts.count() == 4
    for i in range(4):  # each chart decoded and drawn (a refused or broken image has no width)
        assert charts.nth(i).evaluate("img => img.complete && img.naturalWidth") > 300
        assert "table below" in charts.nth(i).get_attribute("alt")
    jurisdiction = page.locator("#trend-jurisdiction")
    jurisdiction.locator("summary").click()
    rows = jurisdiction.locator("tbody tr")
    assert rows.count() == 12 and rows.first.locator("th").inner_text() == "#1"
    assert [h.inner_text() for h in jurisdiction.locator("thead th").all()] == ["Scan", "DE", "FR", "UK", "US"]

    page.click("nav.tabs >> text=Posts")
    everything = count(page)
    assert everything > 100
    page.select_option("#j", "de")
    page.select_option("#status", "violation")
    with page.expect_navigation():
        page.click("button[type=submit]")
    filtered = count(page)
    assert 0 < filtered < everything
    badges = page.locator("#posts tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.querySelectorAll('.badge')].map(b => b.textContent))"
    )
    assert len(badges) == 50 and all("DE: violation" in b for b in badges)
    first_page_ids = page.locator("#posts a.post-link").all_inner_texts()
    with page.expect_navigation():
        page.click("#next")
    assert "page 2 of" in page.locator("#count").inner_text()
    second_page_ids = page.locator("#posts a.post-link").all_inner_texts()
    assert second_page_ids and not set(first_page_ids) & set(second_page_ids)
    assert page.locator("#j").input_value() == "de" and page.locator("#status").input_value() == "violation"
    page.check("#latest")
    with page.expect_navigation():
        page.click("button[type=submit]")
    filtered = count(page)
    assert "latest=1" in page.url and "page 1 of" in page.locator("#count").inner_text()

    with page.expect_download() as download_info:
        page.click("#export-csv")
    exported = tmp_path / "export.csv"
    download_info.value.save_as(exported)
    table = list(csv.reader(io.StringIO(exported.read_text(encoding="utf-8"))))
    assert table[0][:5] == ["id", "creator", "platform", "status", "de"]
    assert len(table) - 1 == filtered and all(row[4] == "violation" for row in table[1:])

    with page.expect_navigation():
        page.locator("#posts a.post-link").first.click()
    assert page.locator("h1").inner_text().startswith("Post ")
    events = page.locator("#events li").all_inner_texts()
    assert events and "First seen" in events[0]
    assert page.locator("#history tbody tr").count() >= 1
    assert page.problems == []


def test_hostile_names_in_the_state_stay_text(page, base_url):
    page.goto(base_url + "/posts?status=all&q=" + "%3Cscript%3E")
    assert count(page) > 0
    assert HOSTILE_AUTHOR in page.locator("#posts").inner_text()
    assert page.locator("#posts img").count() == 0 and page.locator("#posts script").count() == 0
    page.goto(base_url + "/")
    creators = page.locator("#trend-creator")
    creators.locator("summary").click()
    assert HOSTILE_AUTHOR in creators.locator("thead").inner_text()
    assert page.evaluate("window.__pwned") is None
    assert page.problems == []
