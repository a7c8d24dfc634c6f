"""The HTML report's view of a post's on-screen labels: figures in words and a safe thumbnail."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Only our own thumbnails: a base64 JPEG or PNG data: URI of bounded size, nothing else reaches src=.
_DATA_URI = re.compile(r"data:image/(jpeg|png);base64,[A-Za-z0-9+/]+={0,2}")
MAX_URI = 80_000


def onscreen_view(post: Mapping[str, Any]) -> list[dict[str, str]]:
    raw_media = post.get("media")
    media: Mapping[str, Any] = raw_media if isinstance(raw_media, Mapping) else {}
    out = []
    for o in post.get("onscreen") or ():
        if not isinstance(o, Mapping):
            continue
        raw_thumb = o.get("thumbnail")
        thumb = raw_thumb if isinstance(raw_thumb, str) else ""
        if len(thumb) > MAX_URI or not _DATA_URI.fullmatch(thumb):
            thumb = ""
        figures = []
        try:
            figures.append(f"height {float(o['height_share']) * 100:.1f}% of the frame")
            figures.append(f"contrast {float(o['contrast']):.1f}:1")
            figures.append(f"{o['position']['zone']} of the frame")
        except (KeyError, TypeError, ValueError):
            pass
        if o.get("covered_by"):
            figures.append(f"covered by the app's {str(o['covered_by']).replace('-', ' ')}")
        if o.get("first_visible_s") is not None and o.get("duration_s") is not None:
            figures.append(f"on screen from {float(o['first_visible_s']):.1f} s for {float(o['duration_s']):.1f} s")
        out.append(
            {
                "text": str(o.get("text", "")),
                "label": str(o.get("label", "")),
                "file": str(media.get("file", "")),
                "thumbnail": thumb,
                "figures": ", ".join(figures),
            }
        )
    return out
