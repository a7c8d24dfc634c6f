"""Which files are media, by name and by their first bytes, and the limits for decoding them."""

from __future__ import annotations

from dataclasses import dataclass

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif")
VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v")


class MediaError(Exception):
    """A media file that cannot be read within the limits: it becomes an error record."""


@dataclass(frozen=True)
class Limits:
    """Every decode is bounded: a decompression bomb or a 10-hour video is an error, not a hang."""

    max_bytes: int = 512 * 1024 * 1024  # file size
    max_pixels: int = 40_000_000  # per image or frame (8K is 33 Mpx)
    max_duration_s: float = 600.0  # a story is 15-60 s, a reel up to 15 min at most
    max_frames: int = 1500  # sampled frames per video
    max_seconds: float = 300.0  # wall time per file
    fps: float = 2.0  # steady sampling rate
    scene_gap_s: float = 0.1  # closest an extra scene-change frame may follow a sample
    ocr_max_side: int = 1920  # frames are scaled down to this before OCR


DEFAULT_LIMITS = Limits()


def kind_by_name(name: str) -> str | None:
    low = name.lower()
    if low.endswith(IMAGE_EXTENSIONS):
        return "image"
    if low.endswith(VIDEO_EXTENSIONS):
        return "video"
    return None


def kind_by_bytes(head: bytes) -> str | None:
    """JPEG, PNG, WebP, HEIC by magic number; MP4/MOV by their `ftyp` box."""
    if head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis", b"avif"):
            return "image"
        return "video"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):  # old QuickTime without ftyp
        return "video"
    return None
