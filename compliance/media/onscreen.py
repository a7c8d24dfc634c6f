"""A media file in, its on-screen disclosure labels out, each with its measured prominence.

Labels are found in the OCR lines by the project's own label finder (`disclosures.LabelFinder`)
over the shared vocabulary in rules/base.toml, exactly as in captions, so an on-screen
"Werbung" and a caption "Werbung" are the same label key. Per label the record keeps the frame
where it is most prominent (largest), its box, figures and a small thumbnail with the box drawn,
plus when it is first seen and how long it stays on screen.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from compliance.analysis.disclosures import LabelFinder
from compliance.analysis.normalise import normalise
from compliance.analysis.tokenizer import caption_nlp
from compliance.media import ocr, prominence
from compliance.media.probe import DEFAULT_LIMITS, Limits, MediaError
from compliance.ruleset.loader import load_ruleset

THUMB_SIDE = 360  # the thumbnail's longer side, pixels
THUMB_MAX_BYTES = 48_000  # a data: URI stays small enough to inline in the HTML report
MAX_TEXT_LINES = 200  # distinct lines of a video's text kept as a lone video's caption


@lru_cache(maxsize=1)
def _finder():
    nlp = caption_nlp()
    return nlp, LabelFinder(nlp, load_ruleset("base").vocabulary)


def labels_in(text: str) -> list[tuple[str, int, int]]:
    """(vocabulary key, start, end) of every label in one line of on-screen text."""
    nlp, finder = _finder()
    norm = normalise(text)
    out = []
    for span in finder.find(nlp(norm.text), nlp, [], []):
        start, end = norm.raw_span(span.start, span.end)
        out.append((span.label, start, end))
    return out


@dataclass
class _Seen:
    key: str
    text: str
    box: tuple[int, int, int, int]
    frame: int
    time_s: float
    image: object
    times: set = field(default_factory=set)


OCR_MIN_SIDE = 1280  # Tesseract misses small frames' text (a 640-pixel reel) until scaled up


def _scaled(image, limits: Limits):
    from PIL import Image

    side = max(image.size)
    if OCR_MIN_SIDE <= side <= limits.ocr_max_side:
        return image, 1.0
    factor = (limits.ocr_max_side if side > limits.ocr_max_side else OCR_MIN_SIDE) / side

    return image.resize((round(image.width * factor), round(image.height * factor)), Image.Resampling.BILINEAR), factor


def frame_labels(
    image, limits: Limits, lines_out: list | None = None
) -> list[tuple[str, str, tuple[int, int, int, int]]]:
    """(key, text as read, box in the frame's pixels) for each label OCR finds in one frame;
    `lines_out` receives every line's text."""
    small, factor = _scaled(image, limits)
    found = []
    has_label = lambda lines: any(labels_in(line.text) for line in lines)  # noqa: E731
    lines = ocr.read_lines(small, enough=has_label)
    if lines_out is not None:
        lines_out.extend(line.text for line in lines)
    for line in lines:
        text = line.text
        for key, start, end in labels_in(text):
            words = line.word_at(start, end)
            if not words:
                continue
            box = ocr.Line(words).box
            x, y, w, h = (int(round(v / factor)) for v in box)
            box = (x, y, w, h)
            found.append((key, text[start:end], box))
    return found


def thumbnail(image, box) -> str:
    """A JPEG data: URI of the frame, scaled down, with the label's box drawn in red."""
    from PIL import Image, ImageDraw

    factor = min(1.0, THUMB_SIDE / max(image.size))
    thumb = image.resize(
        (max(1, round(image.width * factor)), max(1, round(image.height * factor))), Image.Resampling.BILINEAR
    )
    draw = ImageDraw.Draw(thumb)
    left, top, width, height = (v * factor for v in box)
    pad = 2
    draw.rectangle((left - pad, top - pad, left + width + pad, top + height + pad), outline=(230, 0, 0), width=2)
    for quality in (75, 55, 35):
        buf = io.BytesIO()
        thumb.save(buf, format="JPEG", quality=quality, optimize=True)
        if buf.tell() <= THUMB_MAX_BYTES:
            break
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _record(seen: _Seen, size, layout, kind, first, duration, media_duration) -> dict:
    measured = prominence.measure(seen.image, seen.box)
    seen.box, text_rgb, back_rgb = measured.box, measured.text_rgb, measured.back_rgb
    rec = {
        "label": seen.key,
        "text": seen.text,
        "box": list(seen.box),
        "frame_size": list(size),
        "frame": seen.frame,
        "time_s": seen.time_s,
        "height_share": round(seen.box[3] / size[1], 4),
        "contrast": round(measured.contrast, 2),
        "text_color": "#{:02x}{:02x}{:02x}".format(*text_rgb),
        "background_color": "#{:02x}{:02x}{:02x}".format(*back_rgb),
        "position": prominence.position(seen.box, size),
        "covered_by": prominence.covered_by(seen.box, size, layout),
        "icon_layout": layout,
        "thumbnail": thumbnail(seen.image, seen.box),
    }
    if kind == "video":
        rec["first_visible_s"] = first
        rec["duration_s"] = duration
        rec["duration_share"] = round(duration / media_duration, 3) if media_duration else None
    return rec


def analyse_image(
    data: bytes,
    name: str,
    platform: str | None = None,
    surface_kind: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> dict:
    from compliance.media.images import load_image  # Pillow: the optional `media` extra, loaded when used

    image = load_image(data, limits, name)
    layout = prominence.surface(platform, surface_kind)
    best: dict[str, _Seen] = {}
    lines: list[str] = []
    for key, text, box in frame_labels(image, limits, lines):
        if key not in best or box[3] > best[key].box[3]:
            best[key] = _Seen(key, text, box, 0, 0.0, image)
    labels = [_record(s, image.size, layout, "image", None, None, None) for _, s in sorted(best.items())]
    return {"kind": "image", "frame_size": list(image.size), "labels": labels, "text": "\n".join(lines)}


def analyse_video(
    source, name: str, platform: str | None = None, surface_kind: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> dict:
    import numpy as np

    from compliance.media.video import _changed, sample  # PyAV: the optional `media` extra, loaded when used

    layout = prominence.surface(platform, surface_kind)
    info_out: list = []
    times: list[float] = []
    seen_at: dict[str, set[int]] = {}
    best: dict[str, _Seen] = {}
    size = None
    lines: list[str] = []
    previous = None  # (grey thumbnail, labels, lines) of the last frame read
    read: list[Any] = []
    for frame in sample(source, limits, info_out):
        size = frame.image.size
        times.append(frame.time_s)
        thumb = np.asarray(frame.image.convert("L").resize((64, 64)))
        if previous is not None and not _changed(thumb, previous[0]):
            found, read = previous[1], previous[2]  # the same picture: the same text, no OCR again
        else:
            read = []
            found = frame_labels(frame.image, limits, read)
            previous = (thumb, found, read)
        for key, text, box in found:
            seen_at.setdefault(key, set()).add(frame.index)
            if key not in best or box[3] > best[key].box[3]:
                best[key] = _Seen(key, text, box, frame.index, frame.time_s, frame.image)
        lines.extend(t for t in read if t not in lines and len(lines) < MAX_TEXT_LINES)
    if not info_out:
        raise MediaError("no frame could be decoded")
    info = info_out[0]
    labels = []
    for key, seen in sorted(best.items()):
        flags = [i in seen_at[key] for i in range(len(times))]
        first, duration = prominence.timeline(times, flags, info.duration_s)
        labels.append(_record(seen, size, layout, "video", first, duration, info.duration_s))
    return {
        "kind": "video",
        "frame_size": list(size or (info.width, info.height)),
        "duration_s": info.duration_s,
        "frames_sampled": len(times),
        "labels": labels,
        "text": "\n".join(lines),
    }


def analyse_bytes(
    data: bytes,
    name: str,
    inner_name: str | None = None,
    platform: str | None = None,
    surface_kind: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> dict:
    """An image's or a video's analysis from its bytes; which one by its first bytes, else its name."""
    from compliance.media.probe import kind_by_bytes, kind_by_name

    kind = kind_by_bytes(data[:64]) or kind_by_name(inner_name or name)
    if kind == "video":
        return analyse_video(io.BytesIO(data), name, platform, surface_kind, limits)
    return analyse_image(data, name, platform, surface_kind, limits)
