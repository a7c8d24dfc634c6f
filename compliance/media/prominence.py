"""How prominent a label is on screen, measured from the pixels.

- height share: the height of the label's ink (its glyph pixels, found around the OCR box) over
  the frame height;
- contrast: the WCAG 2 ratio between the text's fill colour and the mean colour of the pixels
  behind and around the glyphs (see `measure`);
- position: the box centre as fractions of the frame, and a zone (top, middle, bottom);
- covered: whether the box lies mostly inside one of the platform's icon areas (icon_areas.toml);
- time on screen: first time seen and how long, from the sampled frames (see `timeline`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
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


# ---- the label's own pixels: text colour, ink rows, background around the glyphs


@dataclass(frozen=True)
class Measured:
    """A label's box fitted to its ink, its text colour and the mean colour of the pixels around it."""

    box: tuple[int, int, int, int]
    text_rgb: tuple[int, int, int]
    back_rgb: tuple[int, int, int]

    @property
    def contrast(self) -> float:
        return contrast_ratio(self.text_rgb, self.back_rgb)


_BIN = 16  # colour histogram cells: 16 levels per channel


def _rgb(values) -> tuple[int, int, int]:
    r, g, b = (int(round(float(v))) for v in values)
    return r, g, b


def _window(mask, size: int, reduce):
    """`reduce` (np.min: erosion, np.max: dilation) over a size x size square, edges padded."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    half = size // 2
    fill = reduce is np.min  # erosion treats outside as ink, so a stroke at the edge survives
    out = np.pad(mask, ((half, half), (0, 0)), constant_values=fill)
    out = reduce(sliding_window_view(out, size, axis=0), axis=-1)
    out = np.pad(out, ((0, 0), (half, half)), constant_values=fill)
    return reduce(sliding_window_view(out, size, axis=1), axis=-1)


def _box_sum(arr, size: int):
    """Sum over a size x size square around each pixel (edges: what is inside the picture)."""
    import numpy as np

    if arr.ndim == 2:
        arr = arr[..., None]
    half = size // 2
    padded = np.pad(arr, ((half + 1, half), (half + 1, half), (0, 0)))
    table = padded.cumsum(axis=0).cumsum(axis=1)
    h, w = arr.shape[:2]
    return (
        table[size : size + h, size : size + w]
        - table[:h, size : size + w]
        - table[size : size + h, :w]
        + table[:h, :w]
    )


def _text_colour(inner, ring):
    """The flat colour that fills the glyphs. The ring just outside the OCR box is mostly
    background: among the box's pixels far from the ring's median colour, the text is the most
    frequent colour (a glyph's fill is one colour; a photo's grain spreads over many), refined to
    the median of the pixels nearest it."""
    import numpy as np

    ref = np.median(ring if len(ring) else inner, axis=0)
    dist = np.linalg.norm(inner - ref, axis=1)
    far = inner[dist > max(2.5 * _BIN, 0.35 * float(dist.max()))]
    if not len(far):
        far = inner
    q = (far // (_BIN // 2)).astype(np.int64)
    cells = np.bincount((q[:, 0] * 32 + q[:, 1]) * 32 + q[:, 2], minlength=32**3)
    cell = np.array(np.unravel_index(int(np.argmax(cells)), (32, 32, 32)), dtype=np.float64)
    colour = (cell + 0.5) * (_BIN // 2)
    for radius in (1.5 * _BIN, _BIN):
        near = inner[np.linalg.norm(inner - colour, axis=1) < radius]
        if not len(near):
            break
        colour = np.median(near, axis=0)
    return colour


def measure(image, box) -> Measured:
    """Height, text colour and background of the label whose OCR box is `box`, from the pixels.

    OCR boxes can be a third too tall or too short (an accent or a descender missed, a patch of
    background taken in), so the box only says where to look:
    - the text colour is the flat colour over-represented inside the box (`_text_colour`);
    - ink is the glyphs' flat fill (pixels very near that colour, never single grains) and their
      anti-aliased edges, minus areas wider than any stroke (a part of a photo that happens to have
      the text's colour, and the strokes touching it);
    - the ink rows are those densely inked inside the box, grown up and down through touching
      strokes (an accent, a dot, a descender a few pixels off) but never into loose pixels;
    - the background is the mean colour of the padded ink box, the pixels under the glyphs estimated
      from the background pixels near them.
    """
    import numpy as np

    left, top, width, height = (int(v) for v in box)
    if width < 3 or height < 3:
        return Measured((left, top, width, height), (0, 0, 0), (0, 0, 0))
    reach = max(3, int(round(height * 0.6)))
    side = max(2, height // 6)
    x0, x1 = max(0, left - reach), min(image.width, left + width + reach)
    y0, y1 = max(0, top - reach), min(image.height, top + height + reach)
    arr = np.asarray(image.crop((x0, y0, x1, y1)), dtype=np.float64)
    bl, bt = left - x0, top - y0
    br, bb = bl + width, bt + height
    inner = arr[bt:bb, bl:br].reshape(-1, 3)
    outer = np.zeros(arr.shape[:2], bool)
    outer[max(0, bt - side) : bb + side, max(0, bl - side) : br + side] = True
    outer[bt:bb, bl:br] = False
    ring = arr[outer]
    text = _text_colour(inner, ring)
    far = ring[np.linalg.norm(ring - text, axis=1) > 2.5 * _BIN]
    back_ref = np.median(far if len(far) else ring, axis=0) if len(ring) else np.median(inner, axis=0)
    gap = float(np.linalg.norm(text - back_ref))
    if gap < 8:  # no colour stands out: keep the OCR box, measure the box against its ring
        return Measured((left, top, width, height), _rgb(text), _rgb(back_ref))

    dist = np.linalg.norm(arr - text, axis=2)
    loose = dist < 0.5 * gap  # the glyphs with half their anti-aliased edge
    core = dist < max(8.0, 0.15 * gap)  # the glyphs' flat fill: grainy background rarely gets this close
    stroke_max = max(5, int(round(0.35 * height)) | 1)  # wider than any stroke of the label's font
    filled = _window(_window(loose, 3, np.max), 3, np.min)  # grainy patches made solid
    wide = _window(_window(filled, stroke_max, np.min), stroke_max, np.max)
    hidden = _window(wide, max(3, (stroke_max // 3) | 1), np.max) if wide.any() else np.zeros_like(wide)
    core &= ~hidden
    core[:, :-1] &= core[:, 1:]  # strokes are runs of pixels; grain is single pixels
    ink = loose & _window(core, 3, np.max)
    counts = ink[:, bl:br].sum(axis=1)
    dense = [r for r in range(bt, bb) if counts[r] >= max(2, 0.2 * counts[bt:bb].max())]
    if not dense:
        return Measured((left, top, width, height), _rgb(text), _rgb(back_ref))
    allowed = max(2, height // 6)  # an accent or an i's dot sits a few pixels off its letter

    def grow(start: int, step: int) -> int:
        """From an ink row, go on while rows hold ink touching the last ink row's."""
        edge, last, miss, r = start, start, 0, start + step
        while 0 <= r < len(counts) and miss <= allowed:
            reach_cols = _window(ink[edge : edge + 1, bl:br], 3 + 2 * miss, np.max)[0]
            if (ink[r, bl:br] & reach_cols).sum() >= 2:
                edge, last, miss = r, r, 0
            else:
                miss += 1
            r += step
        return last

    first, last = grow(dense[0], -1), grow(dense[-1], 1)
    # The sides fitted too: OCR may take in background or stop short of a letter. From the ink
    # inside the box, go out through columns of ink no further apart than letters of a word.
    columns = np.flatnonzero(ink[first : last + 1].any(axis=0))
    inside = columns[(columns >= bl) & (columns < br)]
    if len(inside):
        spacing = max(2, height // 8)
        lo, hi = int(inside[0]), int(inside[-1])
        for c in columns[columns < lo][::-1]:
            if lo - c > spacing:
                break
            lo = int(c)
        for c in columns[columns > hi]:
            if c - hi > spacing:
                break
            hi = int(c)
        # where the background took the text's colour next to the box, the glyphs there cannot
        # be told from it: the OCR box's side stands
        band = hidden[first : last + 1]
        bl = bl if lo > bl and band[:, bl:lo].any() else lo
        br = br if hi + 1 < br and band[:, hi + 1 : br].any() else hi + 1
    fitted = (x0 + bl, y0 + first, br - bl, last - first + 1)

    # The background: the padded ink box, without the glyphs and their anti-aliased edges.
    # What lies under the glyphs is estimated from the background pixels near each (a normalised
    # box blur), so a background that changes across the label is averaged over the whole box.
    pad = max(1, fitted[3] // 6)
    seen = ~_window(ink, 5, np.max)
    sums = _box_sum(arr * seen[..., None], stroke_max)
    weights = _box_sum(seen.astype(np.float64), stroke_max)[..., 0]
    filled_in = np.where(seen[..., None], arr, sums / np.maximum(weights, 1e-9)[..., None])
    known = seen | (weights > 0)
    area = np.zeros_like(ink)
    area[max(0, first - pad) : last + 1 + pad, max(0, bl - pad) : br + pad] = True
    area &= known
    back = filled_in[area].mean(axis=0) if area.any() else back_ref
    return Measured(fitted, _rgb(text), _rgb(back))
