"""Shared fixtures: one Scanner per jurisdiction set, built once (spaCy start-up is the slow part)."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "posts"

# Debian's Chromium, driven by Playwright; never a downloaded browser. The flags keep it off the
# network (this machine's closed network refuses its background connections).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def watch_problems(tab):
    """Collect the tab's console errors, page errors and dialogs in `tab.problems`: none may happen."""
    tab.problems = []
    tab.on("console", lambda msg: msg.type == "error" and tab.problems.append(f"console: {msg.text}"))
    tab.on("pageerror", lambda exc: tab.problems.append(f"pageerror: {exc}"))

    def on_dialog(dialog):
        tab.problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    return tab


def campaign_posts(records: list[dict], size: int, creators: int = 300) -> list[dict]:
    """`size` judged posts for a campaign-scale report: the records in turn, each copy with its own
    id, creator (one of `creators`) and input line."""
    posts = []
    for i in range(size):
        post = copy.deepcopy(records[i % len(records)])
        post["id"] = f"{post.get('id') or 'post'}-{i:06d}"
        post["author"] = f"@creator{i % creators:03d}"
        post["source"] = {"file": "campaign.jsonl", "line": i + 1}
        posts.append(post)
    return posts


BRANDS = ["Glowly", "@glowlyskin", "PeakFit", "@peakfit", "Dove", "@dove"]


@functools.cache
def _scanner(jurisdictions: tuple[str, ...], brands: tuple[str, ...]):
    from compliance.judging.scanner import Scanner

    return Scanner(list(jurisdictions), brands=list(brands))


@pytest.fixture(scope="session")
def scanner_for():
    """scanner_for("us", "uk", brands=[...]) -> a cached Scanner."""

    def make(*jurisdictions: str, brands=BRANDS):
        return _scanner(tuple(jurisdictions or ("us", "uk", "de", "fr")), tuple(brands))

    return make


@pytest.fixture(scope="session")
def judge(scanner_for):
    """judge("caption", "us", platform=..., paid_partnership=...) -> PostResult."""
    from compliance.model import Post, Source

    def run(caption: str, *jurisdictions: str, brands=BRANDS, **fields):
        scanner = scanner_for(*jurisdictions, brands=brands)
        return scanner.judge(Post(id="t", caption=caption, source=Source("test"), **fields))

    return run


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (the browser tests' pages come from it)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"browser tests need Chromium at {CHROMIUM} (Debian: apt-get install chromium); "
            "they never download a browser"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
