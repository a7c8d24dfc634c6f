"""TikTok "Download your data" export, JSON format: user_data_tiktok.json (or user_data.json).

Your posts are at Post.Posts.VideoList (older exports: Video.Videos.VideoList). The file
also holds your whole watch history under the same key name (Activity / Video Browsing
History / VideoList), so we follow the exact path, streaming, and never load the file.
Caption: Title. Date: Date ("2023-05-01 12:34:56", UTC). Id: the video number in Link.
ContentDisclosure is the "Disclose post content" switch (your brand / branded content):
it becomes `paid_partnership`, and its wording is kept in metadata.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from compliance.model import InputError
from compliance.readers.base import ReadOptions, Record
from compliance.readers.jsonstream import ElementError, JsonStream, JsonStreamError
from compliance.readers.post_fields import platform_post
from compliance.readers.sources import Entry

POST_PATHS = [("Post", "Posts", "VideoList"), ("Video", "Videos", "VideoList")]
_VIDEO_ID = re.compile(r"/(?:video|v)/(\d+)")
_OFF = {"", "no", "none", "off", "false", "0", "n/a", "null", "not disclosed", "disabled"}
_ON_WORDS = ("brand", "promot", "paid", "partner", "sponsor", "advert", "commercial")


def read(entry: Entry, options: ReadOptions) -> Iterator[Record]:
    index = 0
    with entry.open() as raw:
        stream = JsonStream(raw)
        try:
            stream.skip_bom()
            if stream.peek() != "{":
                yield InputError(entry.source(), "not a TikTok data file: expected a JSON object")
                return
            if stream.find_array(POST_PATHS) is None:
                options.note(f"{entry.source().where()}: TikTok export with no posts (no Post.Posts.VideoList)")
                return
            for index, obj in stream.elements():
                yield _post(obj, entry, index)
                index += 1
        except JsonStreamError as exc:
            yield InputError(
                entry.source(index=index), f"{exc}: the rest of this file cannot be read", platform="tiktok"
            )


def disclosed(value) -> bool:
    """Does ContentDisclosure say the post is promotional (own brand or branded content)?"""
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return any(disclosed(v) for v in value)
    if not isinstance(value, str):
        return False
    text = value.strip().casefold()
    if text in _OFF:
        return False
    return text in {"yes", "on", "true", "1"} or any(word in text for word in _ON_WORDS)


def _date(value) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S").strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return value.strip() or None


def _post(obj, entry: Entry, index: int) -> Record:
    source = entry.source(index=index)
    if isinstance(obj, ElementError):
        return InputError(source, obj.message, platform="tiktok")
    if not isinstance(obj, dict):
        return InputError(source, f"expected a video object, got {type(obj).__name__}", platform="tiktok")
    link = obj.get("Link") if isinstance(obj.get("Link"), str) else None
    found = _VIDEO_ID.search(link or "")
    pid = found.group(1) if found else f"tiktok-{index}"
    if "Title" not in obj:
        return InputError(
            source,
            "this TikTok video has no Title (caption) in the export; older exports leave it out: request a new export",
            id=pid,
            platform="tiktok",
        )
    metadata = {}
    if link:
        metadata["link"] = link
    disclosure = obj.get("ContentDisclosure")
    if disclosure not in (None, ""):
        metadata["content_disclosure"] = disclosure
    caption = obj.get("Title")
    return platform_post(
        source,
        id=pid,
        caption="" if caption is None else caption,
        platform="tiktok",
        posted_at=_date(obj.get("Date")),
        paid_partnership=disclosed(disclosure),
        metadata=metadata,
    )
