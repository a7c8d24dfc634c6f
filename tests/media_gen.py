"""A generated test set for on-screen labels: labels drawn with Pillow onto photo-like and plain
backgrounds in several fonts, sizes, colours and positions, and videos (PyAV) that show a label for
given intervals. Every sample carries its rendered truth (box, colours, contrast, times), so
recall and the prominence figures can be measured. Used by tests/test_media.py and bench/ocr.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

LABELS = [
    ("#ad", "ad"),
    ("Anzeige", "anzeige"),
    ("Werbung", "werbung"),
    ("Publicité", "publicite"),
    ("Sponsored", "sponsored"),
    ("Paid partnership", "paid-partnership"),
]
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")
FONT_NAMES = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSerif.ttf",
    "LiberationSans-Regular.ttf",
    "LiberationSans-Bold.ttf",
    "LiberationSerif-Bold.ttf",
)
SIZE = (720, 1280)  # a 9:16 story frame


def fonts() -> list[str]:
    """The Debian fonts (fonts-dejavu-core, fonts-liberation) that are installed."""
    found = [str(Path(d) / n) for d in FONT_DIRS for n in FONT_NAMES if (Path(d) / n).is_file()]
    if not found:
        raise RuntimeError("install fonts-dejavu-core and fonts-liberation")
    return found


@dataclass
class Truth:
    key: str
    text: str
    box: tuple[int, int, int, int]  # ink box: left, top, width, height
    text_rgb: tuple[int, int, int]
    back_rgb: tuple[int, int, int]
    height_share: float
    contrast: float


def background(kind: str, rng: random.Random, size=SIZE):
    """plain: one colour; gradient: two colours top to bottom; photo: smooth shading with grain;
    busy: saturated colour blobs every 40 px."""
    import numpy as np
    from PIL import Image

    w, h = size
    if kind == "plain":
        return Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    if kind == "gradient":
        a = np.array([rng.randrange(256) for _ in range(3)], dtype=float)
        b = np.array([rng.randrange(256) for _ in range(3)], dtype=float)
        t = np.linspace(0, 1, h)[:, None, None]
        arr = (a * (1 - t) + b * t) * np.ones((1, w, 1))
        return Image.fromarray(arr.astype("uint8"))
    # A photo's colours vary smoothly over a few hundred pixels, mostly in brightness, with
    # sensor-like grain on top; "busy" varies every 40 px in every channel (a harder case).
    gen = np.random.default_rng(rng.randrange(1 << 30))
    if kind == "busy":
        coarse = (gen.random((h // 40, w // 40, 3)) * 255).astype("uint8")
    else:
        base = gen.random(3) * 200 + 28
        light = gen.normal(0, 45, (h // 160, w // 160, 1))
        tint = gen.normal(0, 18, (h // 160, w // 160, 3))
        coarse = (base + light + tint).clip(0, 255).astype("uint8")
    fine = gen.normal(0, 6, (h, w, 3))
    arr = np.asarray(Image.fromarray(coarse).resize(size, Image.BICUBIC), dtype=float) + fine
    return Image.fromarray(arr.clip(0, 255).astype("uint8"))


def _mean_rgb(image, box, pad):
    import numpy as np

    left, top, width, height = box
    crop = image.crop((max(0, left - pad), max(0, top - pad), left + width + pad, top + height + pad))
    return tuple(int(round(v)) for v in np.asarray(crop, dtype=float).reshape(-1, 3).mean(axis=0))


def _contrasting(back, rng: random.Random, min_ratio: float):
    from compliance.media.prominence import contrast_ratio

    for _ in range(200):
        colour = tuple(rng.randrange(256) for _ in range(3))
        if contrast_ratio(colour, back) >= min_ratio:
            return colour
    from compliance.media.prominence import luminance

    return (0, 0, 0) if luminance(back) > 0.18 else (255, 255, 255)


def render(rng: random.Random, label=None, font=None, share=None, bg_kind=None, min_ratio=4.5, where=None, size=SIZE):
    """One frame with one label drawn on it: (image, Truth)."""
    from PIL import ImageDraw, ImageFont

    from compliance.media.prominence import contrast_ratio

    text, key = label or rng.choice(LABELS)
    font_path = font or rng.choice(fonts())
    share = share or rng.uniform(0.025, 0.06)  # font size as a share of frame height
    image = background(bg_kind or rng.choice(["plain", "gradient", "photo"]), rng, size)
    face = ImageFont.truetype(font_path, max(8, round(share * size[1])))
    l0, t0, r0, b0 = face.getbbox(text)
    width, height = r0 - l0, b0 - t0
    if where is None:
        x = rng.randrange(20, max(21, size[0] - width - 20))
        y = rng.randrange(int(size[1] * 0.1), int(size[1] * 0.85) - height)
    else:
        x, y = int(where[0] * (size[0] - width)), int(where[1] * (size[1] - height))
    box = (x, y, width, height)
    back = _mean_rgb(image, box, max(1, height // 6))
    colour = _contrasting(back, rng, min_ratio)
    ImageDraw.Draw(image).text((x - l0, y - t0), text, font=face, fill=colour)
    return image, Truth(key, text, box, colour, back, height / size[1], contrast_ratio(colour, back))


def write_video(
    path,
    seconds: float,
    shown: list[tuple[float, float]],
    rng: random.Random,
    label=("Werbung", "werbung"),
    fps: int = 25,
    size=(360, 640),
    share=0.05,
):
    """An MP4 of a still photo-like background whose label is drawn during the `shown` intervals."""
    import av
    from PIL import ImageDraw, ImageFont

    plain = background("photo", rng, size)
    face = ImageFont.truetype(fonts()[1], round(share * size[1]))
    with_label = plain.copy()
    l0, t0, r0, b0 = face.getbbox(label[0])
    x, y = 20, int(size[1] * 0.15)
    box = (x, y, r0 - l0, b0 - t0)
    colour = _contrasting(_mean_rgb(plain, box, max(1, box[3] // 6)), rng, 7.0)
    ImageDraw.Draw(with_label).text((x - l0, y - t0), label[0], font=face, fill=colour)
    with av.open(str(path), mode="w") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = 2_000_000
        for i in range(round(seconds * fps)):
            t = i / fps
            on = any(a <= t < b for a, b in shown)
            frame = av.VideoFrame.from_image(with_label if on else plain)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
