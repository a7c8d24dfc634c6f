"""Regenerate docs/onscreen-screenshot.png: the HTML report of a story screenshot, its label boxed.

    python scripts/onscreen_screenshot.py            # writes docs/onscreen-screenshot.png
    python scripts/onscreen_screenshot.py --keep DIR # also keeps the story, report.json and report.html

The story is drawn here (a pink, photo-like background; the brand and a code in large type;
"Anzeige" small and pale at the bottom), scanned by the CLI for Germany and France with the
media extra, and the report's post is photographed in Debian's Chromium through Playwright.
Prints the figures the report measured, for the README's sentence about the picture.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import media_gen  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SIZE = (720, 1280)


def story(path: Path) -> None:
    """The story picture: deterministic (fixed seed, the project's test fonts)."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    gen = np.random.default_rng(20240)
    w, h = SIZE
    coarse = np.stack(
        [
            gen.uniform(150, 255, (h // 80, w // 80)),
            gen.uniform(20, 120, (h // 80, w // 80)),
            gen.uniform(170, 255, (h // 80, w // 80)),
        ],
        axis=-1,
    ).astype("uint8")
    arr = np.asarray(Image.fromarray(coarse).resize(SIZE, Image.BICUBIC), dtype=float) + gen.normal(0, 4, (h, w, 3))
    image = Image.fromarray(arr.clip(0, 255).astype("uint8"))
    draw = ImageDraw.Draw(image)
    fonts = media_gen.fonts()
    bold = next((f for f in fonts if "Sans-Bold" in f), fonts[0])
    regular = next((f for f in fonts if f.endswith("DejaVuSans.ttf")), fonts[0])
    draw.text((60, 300), "Glowly Serum", font=ImageFont.truetype(bold, 64), fill=(255, 255, 255))
    draw.text((60, 390), "-20% mit Code GLOW20", font=ImageFont.truetype(regular, 40), fill=(255, 255, 255))
    draw.text((520, 1150), "Anzeige", font=ImageFont.truetype(regular, 26), fill=(200, 186, 200))
    image.save(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "onscreen-screenshot.png"))
    ap.add_argument("--keep", help="a folder to keep the story and the reports in")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        picture = work / "story-glowly.png"
        story(picture)
        common = [sys.executable, "-m", "compliance", "scan", picture.name, "-j", "de", "-j", "fr"]
        common += ["--brand", "Glowly", "--platform", "instagram", "--jobs", "1"]
        for fmt in ("json", "html"):
            subprocess.run([*common, "--format", fmt, "-o", f"report.{fmt}"], cwd=work, check=False)
        post = json.loads((work / "report.json").read_text())["posts"][0]
        for label in post.get("onscreen", []):
            print(
                f"{label['text']!r}: height {label['height_share']:.1%} of the frame, contrast "
                f"{label['contrast']}:1, {label['position']['zone']}; text {label['text_color']} on "
                f"{label['background_color']}"
            )
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
            )
            page = browser.new_page(viewport={"width": 1060, "height": 900})
            page.goto((work / "report.html").resolve().as_uri())
            # the sticky filter bar would cover the post's top (set through the CSSOM: the CSP allows it)
            page.evaluate("document.querySelectorAll('.filters').forEach(e => e.style.display = 'none')")
            page.locator("[data-post]").first.screenshot(path=args.out)
            browser.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
