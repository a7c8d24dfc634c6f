"""Instagram "Download your information" export, JSON format: posts, reels, stories, IGTV.

Files: your_instagram_activity/content/posts_1.json (posts_2.json ...), reels.json,
stories.json; older exports keep the same files under content/ or .../media/. A posts file
is a list of posts; the others wrap theirs in ig_reels_media / ig_stories / ig_igtv_media.
The caption is the post's `title`, or, for a single photo or video, its media item's
`title`. Meta's broken encoding is repaired per string (see `mojibake`).

Post id: the file name (without extension) of the post's first media `uri`, e.g.
"media/posts/202305/3101234567890_n.jpg" -> "3101234567890_n". Meta names each media file
once, so the id is stable across re-exports. With no uri, the id is the export file's name
and the post's position: "posts_1-3". The author is the username in the same export's
personal_information.json, when it is there.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator

from compliance.model import InputError
from compliance.readers.base import ReadOptions, Record
from compliance.readers.jsonstream import ElementError, JsonStream, JsonStreamError
from compliance.readers.media_hook import attach
from compliance.readers.mojibake import repair, repair_all
from compliance.readers.post_fields import iso_utc, platform_post
from compliance.readers.sources import Entry

KINDS = {(): "post", ("ig_reels_media",): "reel", ("ig_stories",): "story", ("ig_igtv_media",): "igtv"}


PROFILE = (
    "personal_information/personal_information/personal_information.json",
    "personal_information/personal_information.json",
)


def username(entry: Entry) -> str | None:
    """The account's username from personal_information.json in the same export, if any."""
    for up in ("../", "../../", "../../../"):
        for rel in PROFILE:
            found = entry.sibling(up + rel)
            if found is None:
                continue
            try:
                with found.open() as raw:
                    data = json.loads(raw.read(1 << 20))
                value = data["profile_user"][0]["string_map_data"]["Username"]["value"]
            except (OSError, ValueError, KeyError, IndexError, TypeError):
                continue
            if isinstance(value, str) and value.strip():
                return repair(value.strip())
    return None


def read(entry: Entry, options: ReadOptions) -> Iterator[Record]:
    author = username(entry)
    index = 0
    with entry.open() as raw:
        stream = JsonStream(raw)
        try:
            stream.skip_bom()
            path = stream.find_array(list(KINDS))
            if path is None:
                yield InputError(
                    entry.source(),
                    "not an Instagram posts file: expected a list of "
                    "posts, or ig_reels_media / ig_stories / ig_igtv_media",
                )
                return
            for index, obj in stream.elements():
                yield _with_media(_post(obj, entry, index, KINDS[path], author), entry, options)
                index += 1
        except JsonStreamError as exc:
            yield InputError(entry.source(index=index), f"{exc}: the rest of this file cannot be read")


def _with_media(record: Record, entry: Entry, options: ReadOptions) -> Record:
    """The on-screen labels of the post's media file, when it is in the input (media extra)."""
    if isinstance(record, InputError):
        return record
    uri = record.metadata.get("media_uri")
    if uri:
        attach(entry, uri, record.metadata, record.metadata.get("kind"), options)
    return record


def _post(obj, entry: Entry, index: int, kind: str, author: str | None) -> Record:
    source = entry.source(index=index)
    if isinstance(obj, ElementError):
        return InputError(source, obj.message, platform="instagram")
    if not isinstance(obj, dict):
        return InputError(source, f"expected a post object, got {type(obj).__name__}", platform="instagram")
    obj = repair_all(obj)
    media = obj.get("media") if isinstance(obj.get("media"), list) else []
    first = media[0] if media and isinstance(media[0], dict) else obj
    caption = obj.get("title")
    if not (isinstance(caption, str) and caption):
        caption = first.get("title", "")
    if caption is None:
        caption = ""
    uri = first.get("uri") or obj.get("uri")
    if isinstance(uri, str) and posixpath.basename(uri).strip():
        pid = posixpath.splitext(posixpath.basename(uri))[0]
    else:
        pid = f"{posixpath.splitext(entry.inner_name)[0]}-{index}"
        uri = None
    stamp = obj.get("creation_timestamp", first.get("creation_timestamp"))
    metadata = {"kind": kind, "media_count": len(media) or 1}
    if uri:
        metadata["media_uri"] = uri
    return platform_post(
        source,
        id=pid,
        caption=caption,
        platform="instagram",
        author=author,
        posted_at=iso_utc(stamp),
        metadata=metadata,
    )
