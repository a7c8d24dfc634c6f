"""Regenerate docs/dashboard-screenshot.png: the dashboard's overview over a generated scan history.

A state with 20,000 posts over 16 scans is written in a temporary folder (tests/dashboard_state.py),
`compliance serve --state` runs in a thread on a free port, and Debian's Chromium (through
Playwright) photographs the top of the overview. Usage: python scripts/dashboard_screenshot.py [OUT.png]
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from compliance.web.dashboard import make_dashboard_server  # noqa: E402
from tests.dashboard_state import generate  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "scans.sqlite"
        generate(state, posts=20_000, runs=16, creators=400)
        server = make_dashboard_server(str(state), "127.0.0.1", 0, quiet=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 1400}, device_scale_factor=1)
                page.goto(f"http://127.0.0.1:{server.server_port}/")
                page.screenshot(path=str(out), clip={"x": 0, "y": 0, "width": 1280, "height": 1400})
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "dashboard-screenshot.png")
