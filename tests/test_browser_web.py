"""The caption check page in a real browser: headless Chromium driven through Playwright.

The server runs in a thread on 127.0.0.1 with a free port. A creator types a caption, picks
countries, submits, reads the highlighted problem and the corrected caption, and copies it.
Markup in a caption must stay text and never run. Each run saves a screenshot in the test's
temporary folder; set COMPLIANCE_SCREENSHOT=docs/web-screenshot.png to refresh the one in docs/.
Debian's Chromium is required: without /usr/bin/chromium these tests fail, they do not skip.
"""

from __future__ import annotations

import os
import threading

import pytest

from compliance.web.server import Engine, make_server, warm_up
from tests.conftest import watch_problems

pytestmark = pytest.mark.browser

CAPTION = (
    "Morning glow ☀️ my new favourite serum from @glowlyskin: three weeks in and my skin has never "
    "looked better. Use code LENA15 for 15% off!\n#skincare #glowup #sp"
)
FIXED = "Werbung | #ad " + CAPTION
XSS = (
    'Hi <img src=x onerror="window.__pwned=1;alert(1)"> <script>window.__pwned=2;alert(2)</script> '
    '<a href="javascript:alert(3)">x</a> @glowlyskin'
)


@pytest.fixture(scope="module")
def base_url():
    engine = Engine()
    warm_up(engine)
    server = make_server("127.0.0.1", 0, quiet=True, engine=engine)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    tab = watch_problems(context.new_page())
    try:
        yield tab
    finally:
        context.close()


def submit(page, base_url, caption, codes, brands=""):
    page.goto(base_url + "/")
    page.fill("#caption", caption)
    for box in page.locator("input[name=j]").all():
        if box.get_attribute("value") in codes:
            box.check()
        else:
            box.uncheck()
    page.fill("#brands", brands)
    page.select_option("#platform", "instagram")
    with page.expect_navigation():
        page.click("#submit")


def test_a_creator_checks_a_caption_and_copies_the_fix(page, base_url, tmp_path):
    submit(page, base_url, CAPTION, ("us", "uk", "de"), "Glowly, @glowlyskin")
    problems = page.locator("#highlighted mark.hl-problem")
    assert problems.all_inner_texts() == ["#sp"]
    assert "@glowlyskin" in page.locator("#highlighted mark.hl-brand").all_inner_texts()
    assert page.locator("#highlighted").text_content() == CAPTION
    chips = {
        li.get_attribute("data-code"): li.get_attribute("data-status") for li in page.locator("#verdict-chips li").all()
    }
    assert chips == {"us": "violation", "uk": "violation", "de": "violation"}
    assert "FTC-002" in page.locator("#verdict-us").inner_text()
    assert page.locator("#fixed-caption").text_content() == FIXED
    after = [li.get_attribute("data-status") for li in page.locator("#after-chips li").all()]
    assert after == ["compliant", "compliant", "compliant"]

    copy = page.locator("#copy-fixed")
    assert copy.is_visible()
    copy.click()
    page.wait_for_selector("#copy-fixed[data-copied]")
    assert copy.get_attribute("data-copied") == "yes"
    assert page.evaluate("navigator.clipboard.readText()") == FIXED
    assert "Copied" in page.locator("#copy-status").inner_text()

    shot = tmp_path / "web.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    target = os.environ.get("COMPLIANCE_SCREENSHOT")
    if target:
        page.screenshot(path=target, full_page=True)
    assert page.problems == []


def test_markup_in_a_caption_stays_text_and_never_runs(page, base_url):
    submit(page, base_url, XSS, ("us",), "@glowlyskin")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#highlighted").text_content() == XSS
    assert page.locator("#fixed-caption").text_content() == "#ad " + XSS
    assert page.locator("#caption").input_value() == XSS
    assert page.locator("#results img, #results a[href^='javascript']").count() == 0
    assert page.locator("script").count() == 1  # only the page's own
    page.locator("#copy-fixed").click()
    page.wait_for_selector("#copy-fixed[data-copied]")
    assert page.evaluate("navigator.clipboard.readText()") == "#ad " + XSS
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.problems == []


def test_a_request_that_is_too_big_gets_a_readable_page(page, base_url):
    page.goto(base_url + "/")
    page.fill("#caption", "x" * 70_000)
    with page.expect_navigation():
        page.click("#submit")
    assert page.locator("#error").get_attribute("data-status") == "413"
    assert "Caption too long" in page.locator("#error").inner_text()
