"""YouTube: the Data API v3 with the user's key, or the public channel feed without one.

API: channel by id (`channels?id=`) or @handle (`channels?forHandle=`) -> its uploads playlist
(`contentDetails.relatedPlaylists.uploads`) -> `playlistItems` page by page (50 a page, newest
first) -> `videos?part=snippet,paidProductPlacementDetails` for title, description, publish time
and the creator's own "includes paid promotion" flag, kept as `paid_partnership`. A page costs
about 2 quota units of the default 10,000 a day; `quotaExceeded` stops with a clear message.
The key goes in the `X-Goog-Api-Key` header, never in a URL.

Feed (no key): `feeds/videos.xml?channel_id=` lists only the latest 15 or so videos, has no
paid-promotion flag (`paid_partnership` is false and `paid_flag_known` false), and takes a
channel id, not a handle.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from compliance.fetch import NoAccess, Page, QuotaExhausted
from compliance.fetch.http import FetchError, HttpClient

API_BASE = "https://www.googleapis.com/youtube/v3"
FEED_BASE = "https://www.youtube.com"
CHANNEL_ID = re.compile(r"^UC[0-9A-Za-z_-]{22}$")
HANDLE = re.compile(r"^@[0-9A-Za-z_.\-·]{3,30}$")
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded", "userRateLimitExceeded"}
ACCESS_REASONS = {"keyInvalid", "forbidden", "accessNotConfigured", "ipRefererBlocked", "keyExpired"}
ATOM = {
    "atom": "http://www.w3.org/2005/Atom",
    "yt": "http://www.youtube.com/xml/schemas/2015",
    "media": "http://search.yahoo.com/mrss/",
}


def channel_spec(text: str) -> str:
    """A channel id (UC...) or an @handle; a channel URL is reduced to one of them."""
    text = text.strip()
    m = re.search(r"youtube\.com/(?:channel/(UC[0-9A-Za-z_-]{22})|(@[^/?#]+))", text)
    if m:
        text = m.group(1) or m.group(2)
    if CHANNEL_ID.match(text) or HANDLE.match(text):
        return text
    raise FetchError(f"youtube: {text!r} is neither a channel id (UC + 22 characters) nor an @handle")


def _reason(exc: FetchError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    err = _err if isinstance(_err := body.get("error"), dict) else {}
    errors = _errors if isinstance(_errors := err.get("errors"), list) else []
    for item in errors:
        if isinstance(item, dict) and item.get("reason"):
            return str(item["reason"])
    return str(err.get("status") or "")


def _translate(exc: FetchError) -> FetchError:
    reason = _reason(exc)
    if reason in QUOTA_REASONS or (exc.status == 429):
        return QuotaExhausted(
            f"youtube: the Data API quota of this key is spent ({reason or 'HTTP 429'}); daily quotas reset at "
            f"midnight Pacific time. What was fetched is kept; run again later to continue. ({exc})",
            exc.status,
            exc.body,
        )
    if reason in ACCESS_REASONS or exc.status in (401, 403) or reason == "badRequest" and "key" in str(exc).lower():
        return NoAccess(
            f"youtube: the API refused the key ({reason or exc.status}); check YOUTUBE_API_KEY and that "
            "the YouTube Data API v3 is enabled for its project. " + str(exc),
            exc.status,
            exc.body,
        )
    return exc


@dataclass
class YouTubeAPI:
    """One channel through the Data API."""

    channel: str
    http: HttpClient

    @property
    def key(self) -> str:
        return f"youtube:{self.channel}"

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            data = self.http.get_json(path, params)
        except FetchError as exc:
            raise _translate(exc) from None
        if not isinstance(data, dict):
            raise FetchError(f"youtube: /{path} answered with JSON that is not an object")
        return data

    def resolve(self) -> tuple[str, str]:
        """(uploads playlist id, author shown in reports) for the channel."""
        params = {"part": "contentDetails,snippet"}
        params["forHandle" if self.channel.startswith("@") else "id"] = self.channel
        data = self._get("channels", params)
        items = data.get("items")
        if not isinstance(items, list) or not items:
            raise FetchError(f"youtube: no channel {self.channel!r} (the API found none)")
        item = items[0] if isinstance(items[0], dict) else {}
        try:
            uploads = item["contentDetails"]["relatedPlaylists"]["uploads"]
        except (KeyError, TypeError):
            raise FetchError(f"youtube: channel {self.channel!r}: the answer has no uploads playlist") from None
        snippet = _snippet if isinstance(_snippet := item.get("snippet"), dict) else {}
        author = snippet.get("customUrl") or snippet.get("title") or self.channel
        return str(uploads), str(author)

    def pages(self, cursor: str | None, floor: str | None) -> Iterator[Page]:
        if cursor:
            state = json.loads(cursor)
            playlist, author, token = state["playlist"], state["author"], state["page"]
        else:
            (playlist, author), token = self.resolve(), None
        while True:
            data = self._get(
                "playlistItems",
                {"part": "contentDetails", "playlistId": playlist, "maxResults": 50, "pageToken": token},
            )
            items = _items if isinstance(_items := data.get("items"), list) else None
            if items is None:
                raise FetchError(f"youtube: playlistItems for {self.channel!r}: the answer has no `items` list")
            ids, warnings, older = [], [], False
            for n, item in enumerate(items):
                details = item.get("contentDetails") if isinstance(item, dict) else None
                vid = details.get("videoId") if isinstance(details, dict) else None
                if not isinstance(vid, str) or not vid:
                    warnings.append(f"youtube: {self.channel}: playlist item {n} on a page has no video id; skipped")
                    continue
                assert isinstance(details, dict)  # vid came out of it
                published = details.get("videoPublishedAt")
                if floor and isinstance(published, str) and published < floor:
                    older = True
                    continue
                ids.append(vid)
            records = self.videos(ids, author, warnings) if ids else []
            token = data.get("nextPageToken") if not older else None
            if token is not None and not isinstance(token, str):
                token = None
            next_cursor = json.dumps({"playlist": playlist, "author": author, "page": token}) if token else None
            yield Page(records, next_cursor, warnings)
            if next_cursor is None:
                return

    def videos(self, ids: list[str], author: str, warnings: list[str]) -> list[dict[str, Any]]:
        data = self._get(
            "videos", {"part": "snippet,paidProductPlacementDetails", "id": ",".join(ids), "maxResults": 50}
        )
        items = _items if isinstance(_items := data.get("items"), list) else []
        by_id = {it["id"]: it for it in items if isinstance(it, dict) and isinstance(it.get("id"), str)}
        out = []
        for vid in ids:
            item = by_id.get(vid)
            if item is None:
                warnings.append(f"youtube: video {vid} is listed but not returned (private or removed); skipped")
                continue
            snippet = _snippet if isinstance(_snippet := item.get("snippet"), dict) else {}
            placement = item.get("paidProductPlacementDetails")
            paid = placement.get("hasPaidProductPlacement") if isinstance(placement, dict) else None
            description = snippet.get("description")
            if not isinstance(description, str):
                warnings.append(f"youtube: video {vid} has no description in the answer; kept with an empty caption")
                description = ""
            out.append(
                {
                    "id": vid,
                    "platform": "youtube",
                    "author": author,
                    "caption": description,
                    "title": snippet.get("title") if isinstance(snippet.get("title"), str) else None,
                    "posted_at": snippet.get("publishedAt") if isinstance(snippet.get("publishedAt"), str) else None,
                    "paid_partnership": paid is True,
                    "paid_flag_known": isinstance(paid, bool),
                    "url": f"https://www.youtube.com/watch?v={vid}",
                    "channel_id": snippet.get("channelId"),
                    "fetched_via": "youtube-data-api",
                }
            )
        return out


@dataclass
class YouTubeFeed:
    """One channel through the public feed: the latest videos only, no paid flag, no key."""

    channel: str
    http: HttpClient

    @property
    def key(self) -> str:
        return f"youtube:{self.channel}"

    def pages(self, cursor: str | None, floor: str | None) -> Iterator[Page]:
        if not CHANNEL_ID.match(self.channel):
            raise FetchError(
                f"youtube feed: {self.channel!r}: the public feed takes a channel id (UC...), "
                "not a handle; set YOUTUBE_API_KEY to fetch by @handle"
            )
        text = self.http.get_text("feeds/videos.xml", {"channel_id": self.channel})
        try:
            root = ET.fromstring(text)
        except ET.ParseError as exc:
            raise FetchError(f"youtube feed: {self.channel}: the feed is not valid XML ({exc})") from None
        records, warnings = [], []
        author = root.findtext("atom:author/atom:name", default=None, namespaces=ATOM) or self.channel
        for n, entry in enumerate(root.findall("atom:entry", ATOM)):
            vid = entry.findtext("yt:videoId", default="", namespaces=ATOM).strip()
            if not vid:
                warnings.append(f"youtube feed: {self.channel}: entry {n} has no video id; skipped")
                continue
            published = entry.findtext("atom:published", default=None, namespaces=ATOM)
            if floor and published and published < floor:
                continue
            description = entry.findtext("media:group/media:description", default="", namespaces=ATOM)
            records.append(
                {
                    "id": vid,
                    "platform": "youtube",
                    "author": author,
                    "caption": description,
                    "title": entry.findtext("atom:title", default=None, namespaces=ATOM),
                    "posted_at": published,
                    "paid_partnership": False,
                    "paid_flag_known": False,
                    "url": f"https://www.youtube.com/watch?v={vid}",
                    "channel_id": self.channel,
                    "fetched_via": "youtube-feed",
                }
            )
        yield Page(records, None, warnings)
