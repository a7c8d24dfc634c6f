"""Decode one image with Pillow under byte and pixel limits; the file is only ever read."""

from __future__ import annotations

import io
import re
import warnings

from compliance.media.probe import Limits, MediaError

_HEIF = None


def _register_heif() -> bool:
    """HEIC/HEIF through pillow-heif when it is installed (an optional part of the extra)."""
    global _HEIF
    if _HEIF is None:
        try:
            import pillow_heif

            pillow_heif.register_heif_opener()
            _HEIF = True
        except ImportError:
            _HEIF = False
    return _HEIF


def read_capped(stream, limits: Limits) -> bytes:
    data = stream.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise MediaError(f"larger than the {limits.max_bytes // (1024 * 1024)} MiB limit")
    return data


def load_image(data: bytes, limits: Limits, name: str = ""):
    """An RGB image, EXIF rotation applied. Too many pixels (a decompression bomb) is a MediaError
    raised from the header alone, before any pixel is decoded."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if name.lower().endswith((".heic", ".heif")) and not _register_heif():
        raise MediaError("HEIC images need pillow-heif (pip install pillow-heif)")
    _register_heif()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > limits.max_pixels:
                raise MediaError(
                    f"{width}x{height} pixels is over the {limits.max_pixels:,}-pixel "
                    "limit (a decompression bomb or a huge image); not decoded"
                )
            image.load()
            upright = ImageOps.exif_transpose(image)
            return upright.convert("RGB")
        except MediaError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise MediaError(f"decompression bomb: {exc}") from None
        except UnidentifiedImageError:
            raise MediaError("not a readable image (no image format Pillow knows)") from None
        except (OSError, ValueError, SyntaxError) as exc:
            # Pillow's messages may name the in-memory buffer's address: keep reports deterministic.
            raise MediaError("not a readable image: " + re.sub(r"<[^<>]*>", "the file", str(exc))) from None
