"""How prominent a label is on screen, measured from the pixels.

- height share: the label's box height over the frame height;
- contrast: the WCAG 2 ratio between the text colour and the background colour, both estimated
  from the box: its pixels split into two luminance clusters (Otsu's threshold); the smaller
  cluster is the text, its core (the half furthest from the threshold, away from anti-aliased
  edges) gives the text colour, the other cluster's mean the background;
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


def _otsu(values) -> float:
    import numpy as np

    hist, edges = np.histogram(values, bins=64, range=(0.0, 1.0))
    total = hist.sum()
    if total == 0:
        return 0.5
    centres = (edges[:-1] + edges[1:]) / 2
    weight = np.cumsum(hist)
    mean = np.cumsum(hist * centres)
    best, threshold = -1.0, 0.5
    for i in range(len(hist) - 1):
        w0, w1 = weight[i], total - weight[i]
        if w0 == 0 or w1 == 0:
            continue
        m0, m1 = mean[i] / w0, (mean[-1] - mean[i]) / w1
        between = w0 * w1 * (m0 - m1) ** 2
        if between > best:
            best, threshold = between, edges[i + 1]
    return float(threshold)


def colours(image, box) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(text colour, background colour) estimated from the pixels of `box` in an RGB image."""
    import numpy as np

    left, top, width, height = box
    pad = max(1, height // 6)
    crop = image.crop((max(0, left - pad), max(0, top - pad),
                       min(image.width, left + width + pad), min(image.height, top + height + pad)))
    px = np.asarray(crop, dtype=np.float64).reshape(-1, 3)
    lin = np.where(px / 255 <= 0.04045, px / 255 / 12.92, ((px / 255 + 0.055) / 1.055) ** 2.4)
    lum = lin @ np.array([0.2126, 0.7152, 0.0722])
    light = np.sqrt(lum)  # spread dark values so the threshold separates dark text well
    t = _otsu(light)
    upper, lower = light >= t, light < t
    if upper.sum() == 0 or lower.sum() == 0:
        c = tuple(int(round(v)) for v in px.mean(axis=0))
        return c, c
    text_mask, back_mask = (upper, lower) if upper.sum() < lower.sum() else (lower, upper)
    distance = np.abs(light - t)
    core = text_mask & (distance >= np.median(distance[text_mask]))
    text = px[core if core.any() else text_mask].mean(axis=0)
    back = px[back_mask].mean(axis=0)
    return tuple(int(round(v)) for v in text), tuple(int(round(v)) for v in back)


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
    for t, here in zip(times, seen):
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
    rows = near_text.sum(axis=1) >= 2
    inside = [r for r in range(top - y0, top - y0 + height) if rows[r]]
    if not inside:
        return box
    allowed = max(2, height // 6)  # an accent or an i's dot sits a few pixels off its letter
    first, last = inside[0], inside[-1]
    miss = 0
    r = first - 1
    while r >= 0 and miss <= allowed:
        miss = 0 if rows[r] else miss + 1
        first = r if rows[r] else first
        r -= 1
    miss = 0
    r = last + 1
    while r < len(rows) and miss <= allowed:
        miss = 0 if rows[r] else miss + 1
        last = r if rows[r] else last
        r += 1
    return left, y0 + first, width, last - first + 1
