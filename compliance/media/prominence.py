"""How prominent a label is on screen, measured from the pixels.

- height share: the label's box height over the frame height;
- contrast: the WCAG 2 ratio between the text colour and the background colour, both estimated
  from the box: the padded box's border gives the background's reference colour, the pixels
  furthest from it (the strokes' cores, clear of anti-aliased edges) the text colour, and the
  pixels nearer the reference than the text the background colour;
- position: the box centre as fractions of the frame, and a zone (top, middle, bottom);
- covered: whether the box lies mostly inside one of the platform's icon areas (icon_areas.toml);
- time on screen: first time seen and how long, from the sampled frames (see `timeline`).
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path


def luminance(rgb) -> float:
    """WCAG 2 relative luminance of an sRGB colour (0-255 channels)."""
    out = []
    for c in rgb:
        c = c / 255.0
        out.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * out[0] + 0.7152 * out[1] + 0.0722 * out[2]


def contrast_ratio(a, b) -> float:
    la, lb = luminance(a), luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def colours(image, box) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(text colour, background colour) estimated from the pixels of `box` in an RGB image.

    The padded box's border is background: its median colour is the reference. The text colour
    is the mean of the box's pixels furthest from it (the strokes' cores, clear of anti-aliased
    edges); the background colour is the mean of the pixels nearer the reference than the text.
    """
    import numpy as np

    left, top, width, height = box
    pad = max(2, height // 6)
    crop = image.crop(
        (
            max(0, left - pad),
            max(0, top - pad),
            min(image.width, left + width + pad),
            min(image.height, top + height + pad),
        )
    )
    arr = np.asarray(crop, dtype=np.float64)
    px = arr.reshape(-1, 3)
    border = np.concatenate([arr[0], arr[-1], arr[:, 0], arr[:, -1]])
    ref = np.median(border, axis=0)
    inner = (
        arr[pad : -pad or None, pad : -pad or None].reshape(-1, 3)
        if arr.shape[0] > 2 * pad and arr.shape[1] > 2 * pad
        else px
    )
    far = np.linalg.norm(inner - ref, axis=1)
    core = inner[far >= np.percentile(far, 85)]
    text = core.mean(axis=0)
    gap = np.linalg.norm(text - ref)
    back_mask = np.linalg.norm(px - text, axis=1) > 0.5 * gap if gap >= 1 else np.ones(len(px), bool)
    back = px[back_mask].mean(axis=0) if back_mask.any() else ref
    r, g, b = (int(round(v)) for v in text)
    br, bg, bb = (int(round(v)) for v in back)
    return (r, g, b), (br, bg, bb)


def position(box, size) -> dict:
    left, top, width, height = box
    x = (left + width / 2) / size[0]
    y = (top + height / 2) / size[1]
    zone = "top" if y < 1 / 3 else "middle" if y < 2 / 3 else "bottom"
    return {"x": round(x, 3), "y": round(y, 3), "zone": zone}


@lru_cache(maxsize=1)
def icon_areas() -> dict[str, dict[str, list[float]]]:
    with open(Path(__file__).with_name("icon_areas.toml"), "rb") as fh:
        return tomllib.load(fh)


def surface(platform: str | None, kind: str | None) -> str | None:
    """Which icon layout applies: instagram-story, instagram-reel, tiktok ...; None if unknown."""
    if not platform:
        return None
    areas = icon_areas()
    for name in (f"{platform}-{kind}" if kind else None, platform):
        if name and name in areas:
            return name
    return None


def covered_by(box, size, layout: str | None) -> str | None:
    """The icon area covering at least half of the box, or None."""
    if layout is None:
        return None
    left, top, width, height = box
    bx0, by0, bx1, by1 = left / size[0], top / size[1], (left + width) / size[0], (top + height) / size[1]
    area = max(1e-9, (bx1 - bx0) * (by1 - by0))
    for name, (x0, y0, x1, y1) in sorted(icon_areas()[layout].items()):
        ix = max(0.0, min(bx1, x1) - max(bx0, x0))
        iy = max(0.0, min(by1, y1) - max(by0, y0))
        if ix * iy / area >= 0.5:
            return name
    return None


def timeline(times: list[float], seen: list[bool], end: float) -> tuple[float | None, float]:
    """(first time seen, seconds on screen) from the sampled frames' times and whether each shows
    the label: each run lasts from its first frame to the next frame without it (or the end)."""
    first, total, start = None, 0.0, None
    for t, here in zip(times, seen, strict=False):
        if here and start is None:
            start = t
            first = t if first is None else first
        elif not here and start is not None:
            total += t - start
            start = None
    if start is not None:
        total += max(0.0, end - start)
    return first, round(total, 3)


def ink_box(image, box, text_rgb, back_rgb) -> tuple[int, int, int, int]:
    """The label's box fitted to its ink: OCR boxes may stop short of descenders or include a plate
    behind the text, so the rows holding text-coloured pixels decide the top and bottom."""
    import numpy as np

    left, top, width, height = box
    pad = max(2, int(height * 0.5))
    y0, y1 = max(0, top - pad), min(image.height, top + height + pad)
    crop = np.asarray(image.crop((left, y0, left + width, y1)), dtype=np.float64)
    text, back = np.array(text_rgb, dtype=np.float64), np.array(back_rgb, dtype=np.float64)
    gap = np.linalg.norm(text - back)
    if gap < 1:
        return box
    near_text = np.linalg.norm(crop - text, axis=2) < 0.5 * gap
    near_text[:, :-1] &= near_text[:, 1:]  # strokes are runs of pixels; photo grain is single pixels
    counts = near_text.sum(axis=1)
    rows = (counts >= 2) & (counts <= 0.6 * width)  # a row that is mostly "text" is background
    inside = [r for r in range(top - y0, top - y0 + height) if rows[r]]
    if not inside:
        return box
    allowed = max(2, height // 6)  # an accent or an i's dot sits a few pixels off its letter

    def grow(start: int, step: int) -> int:
        """From an ink row, go on while rows hold text pixels touching the last ink row's."""
        edge, last, miss, r = start, start, 0, start + step
        while 0 <= r < len(rows) and miss <= allowed:
            reach = near_text[edge].copy()
            reach[1:] |= near_text[edge][:-1]
            reach[:-1] |= near_text[edge][1:]
            if rows[r] and (near_text[r] & reach).sum() >= 2:
                edge, last, miss = r, r, 0
            else:
                miss += 1
            r += step
        return last

    first, last = grow(inside[0], -1), grow(inside[-1], 1)
    return left, y0 + first, width, last - first + 1
