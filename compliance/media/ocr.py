"""Words and their boxes from Tesseract (run offline through pytesseract), grouped into lines.

Up to three passes, each with Tesseract's local (Sauvola) thresholding: the colour picture, its
grey negative (light text on a dark or busy picture), and its saturation channel (coloured text
on a grey picture). Later passes run only while no label has been found (`enough`), so a frame
with a clear label costs one pass. A line found by two passes is kept once, from the surer one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

# Tesseract's own OpenMP threads make it slower, not faster, on a shared machine; one per call.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

LANGS = "eng+deu+fra"
MIN_CONFIDENCE = 30


@dataclass
class Word:
    text: str
    box: tuple[int, int, int, int]  # left, top, width, height in the frame's pixels
    conf: float


@dataclass
class Line:
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def box(self) -> tuple[int, int, int, int]:
        left = min(w.box[0] for w in self.words)
        top = min(w.box[1] for w in self.words)
        right = max(w.box[0] + w.box[2] for w in self.words)
        bottom = max(w.box[1] + w.box[3] for w in self.words)
        return left, top, right - left, bottom - top

    @property
    def conf(self) -> float:
        return sum(w.conf for w in self.words) / len(self.words)

    def word_at(self, start: int, end: int) -> list[Word]:
        """The words covering characters [start, end) of `text`."""
        out, pos = [], 0
        for w in self.words:
            lo, hi = pos, pos + len(w.text)
            if lo < end and start < hi:
                out.append(w)
            pos = hi + 1
        return out


def _data(image, langs: str) -> list[Line]:
    import pytesseract

    d = pytesseract.image_to_data(
        image, lang=langs, config="--psm 11 -c thresholding_method=2", output_type=pytesseract.Output.DICT
    )
    lines: dict[tuple, list[Word]] = {}
    for i, text in enumerate(d["text"]):
        text = (text or "").strip()
        conf = float(d["conf"][i])
        if not text or conf < MIN_CONFIDENCE:
            continue
        key = (d["block_num"][i], d["par_num"][i], d["line_num"][i])
        lines.setdefault(key, []).append(Word(text, (d["left"][i], d["top"][i], d["width"][i], d["height"][i]), conf))
    return [Line(sorted(ws, key=lambda w: w.box[0])) for _, ws in sorted(lines.items())]


def _overlap(a, b) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    if x1 <= x0 or y1 <= y0:
        return 0.0
    inter = (x1 - x0) * (y1 - y0)
    return inter / max(1, min(a[2] * a[3], b[2] * b[3]))


def _pictures(image):
    from PIL import ImageOps

    yield image
    yield ImageOps.invert(image.convert("L"))
    yield image.convert("HSV").split()[1]


def read_lines(image, langs: str = LANGS, enough=None) -> list[Line]:
    """Lines of text in an RGB image, top to bottom, boxes in the image's own pixels.

    `enough(lines)`: when it returns true after a pass, the remaining passes are skipped."""
    kept: list[Line] = []
    for picture in _pictures(image):
        if kept and enough is not None and enough(kept):
            break
        for line in _data(picture, langs):
            twin = next((k for k in kept if _overlap(k.box, line.box) > 0.5), None)
            if twin is None:
                kept.append(line)
            elif line.conf > twin.conf and len(line.text) >= len(twin.text):
                kept[kept.index(twin)] = line
    return sorted(kept, key=lambda ln: (ln.box[1], ln.box[0]))
