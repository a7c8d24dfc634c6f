"""On-screen text from images and videos: stories, reels and screenshots.

Optional: needs the `media` extra (Pillow, PyAV, pytesseract) and the Tesseract program with its
English, German and French data. `available()` says whether it can run and, if not, what to
install; the rest of the tool scans captions as before without it.

    probe      which files are media, and the limits every decode runs under
    images     one image decoded under size and pixel limits
    video      frames sampled at a steady rate plus scene changes, under duration/time limits
    ocr        Tesseract words with their boxes, grouped into lines
    prominence height share, WCAG contrast, position, icon cover, time on screen
    onscreen   lines -> labels (the project's own label finder) -> the post's `onscreen` records
"""

from __future__ import annotations

INSTALL_HINT = (
    "on-screen labels in images and videos need the media extra: "
    "pip install -e '.[media]' and the Tesseract OCR program with its language data "
    "(Debian: apt-get install tesseract-ocr tesseract-ocr-deu tesseract-ocr-fra)"
)


def missing() -> str | None:
    """None when media can be read here; else what is missing (for a one-time note)."""
    try:
        import av  # noqa: F401
        import PIL  # noqa: F401
        import pytesseract
    except ImportError as exc:
        return f"{INSTALL_HINT} ({exc.name or exc} is not installed)"
    try:
        pytesseract.get_tesseract_version()
    except Exception:  # the Python wrapper is there, the program is not
        return f"{INSTALL_HINT} (the tesseract program was not found)"
    return None
