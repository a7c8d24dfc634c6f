"""The large-report page in Chromium: 10,000 posts, drawn from embedded data a page at a time.

The shipped fixtures are scanned once by the CLI and their judged records repeated over 300
creators (as bench/report_scale.py does); every expectation is computed here from that JSON.
"""

from __future__ import annotations

import json
import re

import pytest

from compliance.reporters.document import Report, report_from_posts
from compliance.reporters.html_report import render_html
from tests.conftest import campaign_posts
from tests.test_browser_report import ROOT, Page, run_cli
from tests.test_reporters_html import JURISDICTIONS, RULESETS, XSS_AUTHOR, XSS_CAPTION, sample_posts

pytestmark = pytest.mark.browser

SIZE = 10_000
CREATORS = 300
ACTION = ("violation", "review")


def worst(post) -> str:
    if post["error"]:
        return "error"
    statuses = [v["status"] for v in post["verdicts"].values()]
    return next(s for s in ("violation", "review", "compliant", "clear") if s in statuses)


@pytest.fixture(scope="module")
def fixtures_json(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scale")
    out = tmp / "fixtures.json"
    inputs = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "fixtures" / "posts").glob("*.jsonl"))
    jurisdictions = [a for code in ("us", "uk", "de", "fr") for a in ("-j", code)]
    run_cli(
        "scan", *inputs, "--brands", "fixtures/posts/brands.txt", *jurisdictions, "--format", "json", "-o", str(out)
    )
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def campaign(fixtures_json, tmp_path_factory):
    posts = campaign_posts(fixtures_json["posts"], SIZE, CREATORS)
    report = report_from_posts(posts, fixtures_json["jurisdictions"], fixtures_json["rulesets"], ["campaign.jsonl"])
    path = tmp_path_factory.mktemp("scale") / "campaign.html"
    path.write_text(render_html(report, {}), encoding="utf-8")
    return report.data, path


@pytest.fixture(scope="module")
def big_page(browser, campaign):  # noqa: F811
    data, path = campaign
    page = Page(browser, path.as_uri())
    yield data, page
    page.close()


def numbers(data, section: str, keep=lambda post: True) -> list[int]:
    """Post numbers (1-based, input order) listed in a section under a filter."""
    out = []
    for n, post in enumerate(data["posts"], 1):
        status = worst(post)
        where = "errors" if status == "error" else "action" if status in ACTION else "ok"
        if where == section and keep(post):
            out.append(n)
    return out


def drawn(page, section: str) -> list[int]:
    return [
        int(n)
        for n in page.page.eval_on_selector_all(f"#{section} [data-list] [data-n]", "els => els.map(e => e.dataset.n)")
    ]


def shown_count(page, section: str) -> int:
    return int(page.page.locator(f"#{section} [data-shown]").inner_text())


def test_ten_thousand_posts_open_with_what_needs_action_first(big_page, campaign):
    data, page = big_page
    _, path = campaign
    assert path.stat().st_size <= 10_000_000
    p = page.page
    assert page.problems == []
    assert p.locator("#filter-count").inner_text() == f"Showing all {SIZE} posts"
    assert int(p.locator('[data-kpi="posts"]').inner_text()) == SIZE
    # sections in reading order: summary, filters, posts needing action, then errors, then the rest
    order = p.eval_on_selector_all("#summary, #filters, #action, #errors, #ok", "els => els.map(e => e.id)")
    assert order == ["summary", "filters", "action", "errors", "ok"]
    action = numbers(data, "action")
    assert shown_count(page, "action") == len(action)
    assert drawn(page, "action") == action[:20]
    first = p.locator("#action article[data-post]").first
    assert first.is_visible() and first.get_attribute("data-n") == str(action[0])
    assert p.locator("#action .caption mark").count() > 0  # highlights drawn
    assert p.locator("#summary figure.chart img").count() == 2
    # the static print list is not laid out on screen, the compliant posts are collapsed
    assert not p.locator("#action-list").is_visible()
    assert p.locator("#ok-posts").get_attribute("open") is None
    assert p.locator("#action [data-pager] [data-page]").inner_text().endswith(f"of {len(action)}")


def test_filters_and_pages_show_exactly_the_matching_posts(big_page):
    data, page = big_page
    names = {code: data["rulesets"][code]["name"] for code in data["jurisdictions"]}
    p = page.page
    try:
        for code, status in (("de", "violation"), ("us", "compliant"), ("fr", "review")):
            page.choose("j", f"{code.upper()} \u2013 {names[code]}")
            page.choose("s", {"violation": "Violation", "review": "Needs review", "compliant": "Compliant"}[status])

            def keep(post, code=code, status=status):
                return not post["error"] and post["verdicts"][code]["status"] == status

            total = 0
            for section in ("action", "ok"):
                expected = numbers(data, section, keep)
                total += len(expected)
                assert shown_count(page, section) == len(expected), (code, status, section)
                assert drawn(page, section) == expected[: 20 if section == "action" else 100], (code, status)
            assert p.locator("#filter-count").inner_text() == f"Showing {total} of {SIZE} posts"
            # inside the cards left in, only the chosen jurisdiction's verdict shows
            codes = p.eval_on_selector_all(
                "#action [data-post] [data-vj]:not([hidden]) .jcode", "els => [...new Set(els.map(e => e.textContent))]"
            )
            assert codes in ([], [code.upper()])
        # paging: the next page holds the next twenty matches, the previous page the first twenty
        expected = numbers(
            data, "action", lambda post: not post["error"] and post["verdicts"]["fr"]["status"] == "review"
        )
        p.locator("#action [data-next]").click()
        assert drawn(page, "action") == expected[20:40]
        p.locator("#action [data-prev]").click()
        assert drawn(page, "action") == expected[:20]
        page.choose("j", None)
        page.choose("s", None)
        page.choose("c", "@creator042")
        mine = lambda post: post["author"] == "@creator042"  # noqa: E731
        for section in ("action", "errors", "ok"):
            assert shown_count(page, section) == len(numbers(data, section, mine)), section
        assert drawn(page, "action") == numbers(data, "action", mine)[:20]
        page.choose("c", None)
        page.choose("s", "Input error")
        assert drawn(page, "errors") == numbers(data, "errors")[:20]
        assert shown_count(page, "action") == 0 and p.locator("#action [data-empty]").is_visible()
        assert page.problems == []
    finally:
        p.locator("#filters button[type=reset]").click()


def test_print_lists_every_post_needing_action_without_the_script(big_page):
    data, page = big_page
    p = page.page
    p.emulate_media(media="print")
    try:
        rows = p.eval_on_selector_all("#action-list tbody tr", "els => els.map(e => e.id)")
        assert rows == [f"post-{n}" for n in numbers(data, "action")]
        assert p.locator("#action-list").is_visible()
        assert not p.locator("#action [data-list]").is_visible()
        assert not p.locator("#filters").is_visible() and not p.locator("#action [data-pager]").is_visible()
        errors = p.eval_on_selector_all("#error-list tbody tr", "els => els.map(e => e.id)")
        assert errors == [f"post-{n}" for n in numbers(data, "errors")]
        assert not p.locator("#print-filter").is_visible()
        # a filtered view prints just what it shows, and says so
        p.emulate_media(media="screen")
        page.choose("j", f"DE \u2013 {data['rulesets']['de']['name']}")
        page.choose("s", "Violation")
        p.emulate_media(media="print")
        keep = lambda post: not post["error"] and post["verdicts"]["de"]["status"] == "violation"  # noqa: E731
        visible = p.eval_on_selector_all("#action-list tbody tr:not([hidden])", "els => els.map(e => e.id)")
        assert visible == [f"post-{n}" for n in numbers(data, "action", keep)]
        assert p.locator("#error-list tbody tr:not([hidden])").count() == 0
        note = p.locator("#print-filter")
        assert note.is_visible()
        assert note.inner_text().startswith("Filtered view (DE") and f"of {SIZE} posts" in note.inner_text()
    finally:
        p.emulate_media(media="screen")
        p.locator("#filters button[type=reset]").click()


def text_of(page, selector: str) -> list[str]:
    """Each element's text without whitespace (the templates indent, the script does not)."""
    return page.page.eval_on_selector_all(selector, "els => els.map(e => e.textContent.replace(/\\s+/g, ''))")


def hrefs(page, selector: str) -> list[str]:
    return page.page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")


def test_script_drawn_cards_read_like_the_static_ones(browser, fixtures_json, tmp_path):  # noqa: F811
    """One report written both ways: every card and row the script draws says what the static one says."""
    report = Report(fixtures_json)
    static_path, compact_path = tmp_path / "static.html", tmp_path / "compact.html"
    static_path.write_text(render_html(report, {}), encoding="utf-8")
    compact_path.write_text(render_html(report, {"compact": True}), encoding="utf-8")
    static, compact = Page(browser, static_path.as_uri()), Page(browser, compact_path.as_uri())
    try:
        for section, selector in (("action", "article"), ("errors", "article"), ("ok", "tr[data-post]")):
            expected = text_of(static, f"#{section} {selector}")
            links = hrefs(static, f"#{section} {selector} a[href]")
            got, got_links = [], []
            while True:
                got += text_of(compact, f"#{section} [data-list] {selector}")
                got_links += hrefs(compact, f"#{section} [data-list] {selector} a[href]")
                following = compact.page.locator(f"#{section} [data-next]")
                if section == "ok" or following.is_disabled() or not following.is_visible():
                    break  # (the fixtures' few compliant posts fit one page)
                following.click()
            assert got == expected, section
            assert got_links == links, section
        assert static.problems == [] and compact.problems == []
    finally:
        static.close()
        compact.close()


def test_links_to_a_post_open_its_page(browser, campaign):  # noqa: F811
    data, path = campaign
    target = numbers(data, "action")[57]  # on the third page
    page = Page(browser, path.as_uri() + f"#post-{target}")
    try:
        card = page.page.locator(f"#card-{target}")
        assert card.is_visible()
        assert target in drawn(page, "action")
        assert page.problems == []
    finally:
        page.close()


def test_injected_markup_stays_text_in_the_drawn_cards(browser, tmp_path):  # noqa: F811
    posts = sample_posts()
    posts[0] = dict(
        posts[0], caption=XSS_CAPTION + " </script><script>window.__pwned=5</script>\u2028", author=XSS_AUTHOR
    )
    path = tmp_path / "hostile.html"
    path.write_text(
        render_html(report_from_posts(posts, JURISDICTIONS, RULESETS, ["x"]), {"compact": True}), encoding="utf-8"
    )
    page = Page(browser, path.as_uri())
    try:
        p = page.page
        for element in p.locator("#action [data-list] .post-meta .author, #action [data-list] .caption").all():
            element.hover()
        assert p.evaluate("typeof window.__pwned") == "undefined"
        assert p.locator("main svg, main iframe, main script, main b, main img:not(figure.chart > img)").count() == 0
        captions = p.eval_on_selector_all("#action [data-list] .caption", "els => els.map(e => e.textContent)")
        assert any(XSS_CAPTION in c for c in captions)
        authors = p.eval_on_selector_all("#action [data-list] .author", "els => els.map(e => e.textContent)")
        assert XSS_AUTHOR in authors
        assert re.search(r"window\.__pwned=5", p.locator("#action [data-list] .caption").first.text_content())
        assert page.problems == []
    finally:
        page.close()


def test_readable_with_scripts_off(browser, campaign):  # noqa: F811
    """No script: the static list of what needs action shows; the script's empty lists and pagers do not."""
    data, path = campaign
    page = Page(browser, path.as_uri(), java_script_enabled=False)
    try:
        p = page.page
        assert not p.locator("#filters").is_visible()
        assert p.locator("#action-list").is_visible()
        rows = p.locator("#action-list tbody tr")
        assert rows.count() == len(numbers(data, "action"))
        assert rows.first.get_attribute("id") == f"post-{numbers(data, 'action')[0]}"
        assert p.locator(".js-only:visible, [data-pager]:visible").count() == 0
        p.locator("#ok-posts > summary").click()
        assert p.locator("#ok .no-js-note").is_visible()
        assert page.problems == []
    finally:
        page.close()
