"""Route media files to `compliance.media`: a screenshot or video alone becomes a post of its own,
and an export's post gets the on-screen labels of the media file its `uri` names.

Without the media extra, media files are skipped as before, with one note saying what to install.
Inside an Instagram export, the files under media/posts, media/stories ... belong to their posts
(the posts file points at them), so they are not read a second time as posts of their own.
"""

from __future__ import annotations

import io
import posixpath
import re
from collections.abc import Iterator

from compliance.model import InputError
from compliance.readers.base import Reader, ReadOptions, Record, Refused
from compliance.readers.post_fields import platform_post
from compliance.readers.sources import Entry

_EXPORT_MEDIA = re.compile(r"(^|/)media/(posts|stories|reels|igtv|archived_posts|other)/", re.I)
_noted = False


def _missing(options: ReadOptions) -> bool:
    """True (after one note per process) when the media extra or Tesseract is not installed."""
    global _noted
    from compliance.media import missing

    why = missing()
    if why and not _noted:
        _noted = True
        options.note(why)
    return why is not None


def detect(entry: Entry, options: ReadOptions):
    """A Reader for an image or video file; None for other media and for an export's own media."""
    from compliance.media.probe import kind_by_bytes, kind_by_name

    if kind_by_name(entry.inner_name) is None or _EXPORT_MEDIA.search(entry.path):
        return None
    if kind_by_bytes(entry.head(64)) is None:  # named like a picture, but it is not one
        return None
    if _missing(options):
        from compliance.media import INSTALL_HINT

        return Refused(INSTALL_HINT, quiet=True)
    return Reader("media", read)


def _analyse(entry: Entry, platform: str | None, surface: str | None) -> dict:
    from compliance.media import onscreen
    from compliance.media.images import read_capped
    from compliance.media.probe import DEFAULT_LIMITS, kind_by_bytes, kind_by_name

    with entry.open() as raw:
        data = read_capped(raw, DEFAULT_LIMITS)
    kind = kind_by_bytes(data[:64]) or kind_by_name(entry.inner_name)
    if kind == "video":
        result = onscreen.analyse_video(io.BytesIO(data), entry.name, platform, surface, DEFAULT_LIMITS)
    else:
        result = onscreen.analyse_image(data, entry.name, platform, surface, DEFAULT_LIMITS)
    result["file"] = entry.path
    return result


def read(entry: Entry, options: ReadOptions) -> Iterator[Record]:
    """One post per media file; its caption is the text read off it (a video: each distinct line once)."""
    from compliance.media.probe import MediaError

    source = entry.source()
    try:
        result = _analyse(entry, options.default_platform, None)
    except MediaError as exc:
        yield InputError(source, f"media file not read: {exc}")
        return
    labels = result.pop("labels")
    caption = result.pop("text", "")
    result["standalone"] = True
    pid = posixpath.splitext(entry.name)[0]
    yield platform_post(
        source,
        id=pid,
        caption=caption,
        platform=options.default_platform,
        metadata={"media": result, "onscreen": labels},
    )


def attach(entry: Entry, uri: str, metadata: dict, kind: str | None, options: ReadOptions | None = None) -> None:
    """Add the on-screen labels of the export's media file `uri` to a post's metadata, if the file
    is in the input; a file that cannot be read is noted on the post, never fatal."""
    from compliance.media.probe import MediaError, kind_by_name

    if kind_by_name(uri) is None or _missing(options or ReadOptions()):
        return
    found = None
    for up in ("", "../", "../../", "../../../"):
        found = entry.sibling(up + uri)
        if found is not None:
            break
    if found is None:
        return
    try:
        result = _analyse(found, "instagram", kind)
    except MediaError as exc:
        metadata["media"] = {"file": found.path, "error": str(exc)}
        return
    result.pop("text", None)
    metadata["onscreen"] = result.pop("labels")
    metadata["media"] = result
