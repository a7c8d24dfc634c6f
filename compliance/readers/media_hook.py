"""Route media files to `compliance.media`: a screenshot or video alone becomes a post of its own,
and an export's post gets the on-screen labels of the media file its `uri` names.

Without the media extra, media files are skipped as before, with one note saying what to install.
Inside an Instagram export, the files under media/posts, media/stories ... belong to their posts
(the posts file points at them), so they are not read a second time as posts of their own.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import replace

from compliance.model import InputError, Post
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


# A post whose media file is still to be read carries its job under this key (only when
# `ReadOptions.media_later` is set, by the `--jobs` media pool, which reads it and completes it).
PENDING = "_media_pending"


def _job(entry: Entry, platform: str | None, surface: str | None) -> dict:
    """What a worker needs to read one media file: its bytes (read here, under the size limit;
    the file may be a zip member or a pipe), name, and the platform's icon layout."""
    from compliance.media.images import read_capped
    from compliance.media.probe import DEFAULT_LIMITS

    with entry.open() as raw:
        data = read_capped(raw, DEFAULT_LIMITS)
    return {"data": data, "name": entry.name, "inner_name": entry.inner_name, "platform": platform, "surface": surface}


def run_job(job: dict) -> dict | str:
    """Decode and OCR one media file: its analysis, or the reason it could not be read."""
    from compliance.media import onscreen
    from compliance.media.probe import DEFAULT_LIMITS, MediaError

    try:
        return onscreen.analyse_bytes(
            job["data"], job["name"], job["inner_name"], job["platform"], job["surface"], DEFAULT_LIMITS
        )
    except MediaError as exc:
        return str(exc)


def complete(record: Record, outcome: dict | str) -> Record:
    """The record as it reads once its pending media file is analysed (`outcome` from `run_job`)."""
    if not isinstance(record, Post) or PENDING not in record.metadata:
        return record
    metadata = dict(record.metadata)
    pending = metadata.pop(PENDING)
    if pending["mode"] == "post":  # a media file on its own: the post is made of what it shows
        if isinstance(outcome, str):
            return InputError(record.source, f"media file not read: {outcome}")
        result = dict(outcome, file=pending["file"])
        labels = result.pop("labels")
        caption = result.pop("text", "")
        result["standalone"] = True
        return platform_post(
            record.source,
            id=record.id,
            caption=caption,
            platform=record.platform,
            metadata={"media": result, "onscreen": labels},
        )
    _attach_outcome(metadata, pending["file"], outcome)
    return replace(record, metadata=metadata)


def _attach_outcome(metadata: dict, file: str, outcome: dict | str) -> None:
    """An export's post gains its media file's labels; a file that cannot be read is noted, never fatal."""
    if isinstance(outcome, str):
        metadata["media"] = {"file": file, "error": outcome}
        return
    result = dict(outcome, file=file)
    result.pop("text", None)
    metadata["onscreen"] = result.pop("labels")
    metadata["media"] = result


def read(entry: Entry, options: ReadOptions) -> Iterator[Record]:
    """One post per media file; its caption is the text read off it (a video: each distinct line once)."""
    from compliance.media.probe import MediaError

    source = entry.source()
    try:
        job = _job(entry, options.default_platform, None)
    except MediaError as exc:
        yield InputError(source, f"media file not read: {exc}")
        return
    pid = posixpath.splitext(entry.name)[0]
    pending = Post(pid, "", source, platform=options.default_platform, metadata={})
    pending.metadata[PENDING] = {"mode": "post", "file": entry.path, "job": job}
    yield pending if options.media_later else complete(pending, run_job(job))


def attach(entry: Entry, uri: str, metadata: dict, kind: str | None, options: ReadOptions | None = None) -> None:
    """Add the on-screen labels of the export's media file `uri` to a post's metadata, if the file
    is in the input; a file that cannot be read is noted on the post, never fatal."""
    from compliance.media.probe import MediaError, kind_by_name

    options = options or ReadOptions()
    if kind_by_name(uri) is None or _missing(options):
        return
    found = None
    for up in ("", "../", "../../", "../../../"):
        found = entry.sibling(up + uri)
        if found is not None:
            break
    if found is None:
        return
    try:
        job = _job(found, "instagram", kind)
    except MediaError as exc:
        metadata["media"] = {"file": found.path, "error": str(exc)}
        return
    pending = {"mode": "attach", "file": found.path, "job": job}
    if options.media_later:
        metadata[PENDING] = pending
        return
    _attach_outcome(metadata, found.path, run_job(job))
