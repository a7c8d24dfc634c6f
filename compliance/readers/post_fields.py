"""Turn one decoded object into a Post, or say exactly what is wrong with it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from compliance.model import InputError, Post, Source, new_record

MAX_CAPTION_CHARS = 50_000


# The contract's own keys; everything else in a post object is kept as metadata.
_KNOWN = frozenset({"id", "caption", "platform", "author", "posted_at", "paid_partnership", "brands"})


def _text(value: Any) -> str | None:
    if type(value) is str:  # most are: the checks below are for the rest
        return value
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def post_from_object(
    obj: Any, source: Source, default_platform: str | None = None, fallback_id: str | None = None
) -> Post | InputError:
    """Validate the JSONL post fields of the contract; never raises."""
    if not isinstance(obj, dict):
        return InputError(source, f"expected a JSON object, got {type(obj).__name__}")
    raw_id = obj.get("id")
    pid = _text(raw_id)
    if pid is None or pid == "":
        pid = fallback_id
    caption = obj.get("caption")
    platform = obj.get("platform", default_platform)
    author = _text(obj.get("author"))
    if pid is None:
        return InputError(source, "post has no `id`", caption=caption if isinstance(caption, str) else None)
    if caption is None:
        return InputError(source, "post has no `caption`", id=pid, author=author)
    if not isinstance(caption, str):
        return InputError(source, f"`caption` must be a string, got {type(caption).__name__}", id=pid, author=author)
    if len(caption) > MAX_CAPTION_CHARS:
        return InputError(
            source,
            f"caption is {len(caption):,} characters, over the limit of "
            f"{MAX_CAPTION_CHARS:,}; no platform allows a caption this long",
            id=pid,
            author=author,
        )
    if platform is not None:
        platform = str(platform).strip().lower() or None
        if platform == "twitter":
            platform = "x"
        # An unknown platform is still judged, with the default "more" fold.
    brands = obj.get("brands") or ()
    if brands:
        if isinstance(brands, str):
            brands = (brands,)
        if not isinstance(brands, (list, tuple)) or not all(isinstance(b, str) for b in brands):
            return InputError(source, "`brands` must be a list of strings", id=pid, caption=caption)
        brands = tuple(b for b in brands if b.strip())
    paid = obj.get("paid_partnership", False)
    if not isinstance(paid, bool):
        return InputError(source, "`paid_partnership` must be true or false", id=pid, caption=caption)
    metadata = {} if obj.keys() <= _KNOWN else {k: v for k, v in obj.items() if k not in _KNOWN}
    # Every field given, so made without the frozen dataclass's `__init__` (a setattr per field,
    # for every post read); the result equals `Post(**values)`.
    return new_record(
        Post,
        {
            "id": pid,
            "caption": caption,
            "source": source,
            "platform": platform,
            "author": author,
            "posted_at": _text(obj.get("posted_at")),
            "paid_partnership": paid,
            "brands": brands,
            "metadata": metadata,
        },
    )


def platform_post(
    source: Source,
    *,
    id: Any,
    caption: Any,
    platform: str | None,
    posted_at: str | None = None,
    author: str | None = None,
    paid_partnership: bool = False,
    metadata: dict[str, Any] | None = None,
) -> Post | InputError:
    """A post from a platform export, checked by the same rules as a JSONL post.

    Metadata is attached after validation so export field names can never collide with
    the contract's own keys.
    """
    obj = {
        "id": id,
        "caption": caption,
        "platform": platform,
        "posted_at": posted_at,
        "author": author,
        "paid_partnership": paid_partnership,
    }
    record = post_from_object(obj, source)
    if isinstance(record, Post) and metadata:
        record = replace(record, metadata=dict(metadata))
    return record


def iso_utc(value: Any) -> str | None:
    """A Unix timestamp as ISO 8601 UTC (`2023-05-01T12:34:56Z`); None if it is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        seconds = float(value)
        return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):
        return None
