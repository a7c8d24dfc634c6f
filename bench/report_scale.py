"""The HTML report at campaign scale: file size, render time, and open time in Chromium.

The shipped fixtures (fixtures/posts/*.jsonl) are scanned once; their judged records are then
repeated over 300 creators up to each size (each copy gets its own id, author and input line),
which is what a campaign of that size looks like to the reporter. For each size it prints the
HTML file's size, the time to write it, and the time Chromium takes to open it: the load event
and the first frame painted after it (the posts are drawn by then), median of a few opens.

    python bench/report_scale.py                 # 10,000 and 100,000 posts
    python bench/report_scale.py 10000 --runs 5  # one size
    python bench/report_scale.py --keep out/     # also keep the HTML files

Needs Chromium at /usr/bin/chromium (Debian package `chromium`) and Playwright's Python package.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compliance.reporters.document import report_from_posts  # noqa: E402
from compliance.reporters.html_report import render_html  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, campaign_posts  # noqa: E402

CREATORS = 300
JURISDICTIONS = ["us", "uk", "de", "fr"]


def fixture_report(tmp: Path) -> dict:
    """The shipped fixtures scanned once by the CLI (as a user would), as the JSON report."""
    out = tmp / "fixtures.json"
    inputs = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "fixtures" / "posts").glob("*.jsonl"))
    cmd = [sys.executable, "-m", "compliance", "scan", *inputs, "--brands", "fixtures/posts/brands.txt"]
    for code in JURISDICTIONS:
        cmd += ["-j", code]
    cmd += ["--format", "json", "-o", str(out)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        sys.exit(f"scan failed: {done.stderr}")
    return json.loads(out.read_text(encoding="utf-8"))


def open_times(path: Path, runs: int) -> list[tuple[float, float, float]]:
    """(load event, first frame after load, in-page filter change) in seconds, one tuple per fresh page."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.goto(path.as_uri(), wait_until="load", timeout=600_000)
                # navigation start to load event end, then to the next painted frame
                load, frame = page.evaluate(
                    """() => new Promise(done => requestAnimationFrame(() => setTimeout(() => {
                        const nav = performance.getEntriesByType("navigation")[0];
                        done([nav.loadEventEnd / 1000, performance.now() / 1000]);
                    }, 0)))"""
                )
                # a filter change, timed inside the page: change event to the next painted frame
                filtered = page.evaluate(
                    """() => new Promise(done => {
                        const select = document.querySelector("#filters select[name=s]");
                        const started = performance.now();
                        select.value = "violation";
                        select.dispatchEvent(new Event("change", {bubbles: true}));
                        requestAnimationFrame(() => setTimeout(() => done((performance.now() - started) / 1000), 0));
                    })"""
                )
                out.append((load, frame, filtered))
                context.close()
        finally:
            browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3, help="fresh page opens per size (median printed)")
    parser.add_argument("--keep", type=Path, help="folder to keep the HTML files in")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"needs Chromium at {CHROMIUM}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        base = fixture_report(tmp)
        print(f"fixtures: {len(base['posts'])} judged records repeated over {CREATORS} creators, {JURISDICTIONS}")
        print(f"{'posts':>8} {'size MB':>8} {'write s':>8} {'load s':>7} {'1st frame s':>11} {'filter s':>8}")
        for size in args.sizes:
            report = report_from_posts(
                campaign_posts(base["posts"], size, CREATORS), JURISDICTIONS, base["rulesets"], ["campaign.jsonl"]
            )
            started = time.perf_counter()
            page = render_html(report, {})
            written = time.perf_counter() - started
            folder = args.keep or tmp
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"report-{size}.html"
            path.write_text(page, encoding="utf-8")
            megabytes = path.stat().st_size / 1_000_000
            del page, report
            times = open_times(path, args.runs)
            load = statistics.median(t[0] for t in times)
            frame = statistics.median(t[1] for t in times)
            filtered = statistics.median(t[2] for t in times)
            print(
                f"{size:>8} {megabytes:>8.1f} {written:>8.1f} {load:>7.2f} {frame:>11.2f} {filtered:>8.2f}", flush=True
            )


if __name__ == "__main__":
    main()
