"""TikTok: the Research API, for users TikTok has given access; otherwise the creator's export.

TikTok's only official way to read other accounts' videos is the Research API
(`POST /v2/research/video/query/`), open to approved researchers with a client access token
(`TIKTOK_ACCESS_TOKEN`). It searches at most 30 days per query, so a fetch walks back in 30-day
windows to `--since` (default: the last 30 days), 100 videos a page, with the cursor and
search id TikTok returns. It has no "paid partnership" field: `paid_partnership` is false and
`paid_flag_known` false. Without access there is no API route: ask the creator for their data
export (Settings > Account > Download your data, JSON) and run `compliance scan` on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from compliance.fetch import NoAccess, Page, QuotaExhausted
from compliance.fetch.http import FetchError, HttpClient, account_name

API_BASE = "https://open.tiktokapis.com"
USERNAME = re.compile(r"^[A-Za-z0-9._]{2,24}$")
FIELDS = "id,video_description,create_time,username,region_code"
WINDOW_DAYS = 30
EXPORT_HINT = (
    "TikTok lets only approved researchers read other accounts through its API (the Research API). "
    "Without that access, ask the creator for their TikTok data export (Settings > Account > Download "
    "your data, JSON) and run `compliance scan` on the file."
)


def username(text: str) -> str:
    return account_name(text, r"tiktok\.com/@([A-Za-z0-9._]+)", USERNAME, "tiktok", "a TikTok")


def _translate(exc: FetchError) -> FetchError:
    body = exc.body if isinstance(exc.body, dict) else {}
    err = _err if isinstance(_err := body.get("error"), dict) else {}
    code = str(err.get("code") or "")
    if exc.status == 429 or "quota" in code or "rate_limit" in code:
        return QuotaExhausted(
            f"tiktok: Research API limit reached ({code or 'HTTP 429'}); the daily request "
            "quota resets at midnight UTC. What was fetched is kept; run again to continue.",
            exc.status,
            exc.body,
        )
    if exc.status in (401, 403) or code in ("access_token_invalid", "scope_not_authorized", "scope_permission_missed"):
        return NoAccess(
            f"tiktok: the API refused the token ({code or exc.status}). {EXPORT_HINT}", exc.status, exc.body
        )
    return exc


@dataclass
class TikTokResearch:
    account: str
    http: HttpClient
    today: Callable[[], date] = field(default=lambda: datetime.now(UTC).date())

    @property
    def key(self) -> str:
        return f"tiktok:{self.account}"

    def windows(self, floor: str | None) -> list[tuple[date, date]]:
        """30-day windows, newest first, from today back to the floor date."""
        end = self.today()
        start_limit = end - timedelta(days=WINDOW_DAYS - 1)
        if floor:
            try:
                start_limit = min(start_limit, date.fromisoformat(floor[:10]))
            except ValueError:
                pass
        out = []
        while end >= start_limit:
            start = max(start_limit, end - timedelta(days=WINDOW_DAYS - 1))
            out.append((start, end))
            end = start - timedelta(days=1)
        return out

    def pages(self, cursor: str | None, floor: str | None) -> Iterator[Page]:
        windows = self.windows(floor)
        state: dict[str, Any] = json.loads(cursor) if cursor else {"window": 0, "cursor": 0, "search_id": None}
        index = int(state["window"])
        while index < len(windows):
            start, end = windows[index]
            body = {
                "query": {"and": [{"operation": "IN", "field_name": "username", "field_values": [self.account]}]},
                "start_date": start.strftime("%Y%m%d"),
                "end_date": end.strftime("%Y%m%d"),
                "max_count": 100,
            }
            if state.get("cursor"):
                body["cursor"] = state["cursor"]
            if state.get("search_id"):
                body["search_id"] = state["search_id"]
            try:
                data = self.http.post_json("v2/research/video/query/", {"fields": FIELDS}, body)
            except FetchError as exc:
                raise _translate(exc) from None
            err = data.get("error") if isinstance(data, dict) else None
            if isinstance(err, dict) and err.get("code") not in (None, "", "ok"):
                raise _translate(FetchError(f"tiktok: {err.get('code')}: {err.get('message') or ''}", None, data))
            block = data.get("data") if isinstance(data, dict) else None
            videos = block.get("videos") if isinstance(block, dict) else None
            if not isinstance(videos, list):
                raise FetchError(f"tiktok: {self.account}: the answer has no data.videos list")
            assert isinstance(block, dict)  # videos came out of it
            records, warnings = [], []
            for n, video in enumerate(videos):
                vid = video.get("id") if isinstance(video, dict) else None
                if not isinstance(vid, (str, int)) or isinstance(vid, bool):
                    warnings.append(f"tiktok: {self.account}: video {n} has no id; skipped")
                    continue
                created = video.get("create_time")
                posted = (
                    datetime.fromtimestamp(created, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                    if isinstance(created, (int, float)) and not isinstance(created, bool)
                    else None
                )
                user = str(video.get("username") or self.account)
                records.append(
                    {
                        "id": str(vid),
                        "platform": "tiktok",
                        "author": "@" + user,
                        "caption": video.get("video_description")
                        if isinstance(video.get("video_description"), str)
                        else "",
                        "posted_at": posted,
                        "paid_partnership": False,
                        "paid_flag_known": False,
                        "url": f"https://www.tiktok.com/@{user}/video/{vid}",
                        "fetched_via": "tiktok-research-api",
                    }
                )
            if block.get("has_more") is True and isinstance(block.get("cursor"), int):
                state = {"window": index, "cursor": block["cursor"], "search_id": block.get("search_id")}
            else:
                index += 1
                state = {"window": index, "cursor": 0, "search_id": None}
            next_cursor = json.dumps(state) if index < len(windows) else None
            yield Page(records, next_cursor, warnings)
            if next_cursor is None:
                return


def require_token(token: str | None) -> str:
    if not token:
        raise NoAccess(f"tiktok: no TIKTOK_ACCESS_TOKEN. {EXPORT_HINT}")
    return token
