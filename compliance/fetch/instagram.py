"""Instagram: the Graph API's business discovery, with the user's own access token.

Business discovery reads public *business and creator* accounts through the user's own
Instagram professional account (`INSTAGRAM_USER_ID`): feed posts and reels with caption,
timestamp and permalink, 50 a page. It cannot see personal accounts, stories (never returned),
or whether a post carries the "Paid partnership" label (the API exposes no such field), so
`paid_partnership` is false and `paid_flag_known` false: a label-less caption is judged on its
text. The token goes in an `Authorization: Bearer` header, never in a URL. Graph rate limits
(error codes 4, 17, 32, 613) stop the fetch with a clear message; the state keeps the pages done.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from compliance.fetch import NoAccess, Page, QuotaExhausted
from compliance.fetch.http import FetchError, HttpClient, account_name

API_BASE = "https://graph.facebook.com/v21.0"
USERNAME = re.compile(r"^[A-Za-z0-9._]{1,30}$")
RATE_CODES = {4, 17, 32, 613, 80001, 80002}
TOKEN_CODES = {190, 102, 10, 200}
FIELDS = "id,caption,timestamp,permalink,media_type,media_product_type"


def username(text: str) -> str:
    return account_name(text, r"instagram\.com/([A-Za-z0-9._]+)", USERNAME, "instagram", "an Instagram")


def _translate(exc: FetchError) -> FetchError:
    body = exc.body if isinstance(exc.body, dict) else {}
    err = _err if isinstance(_err := body.get("error"), dict) else {}
    code = err.get("code")
    if code in RATE_CODES or exc.status == 429:
        return QuotaExhausted(
            f"instagram: Graph API rate limit reached (code {code or exc.status}); Meta counts "
            "calls per hour: what was fetched is kept, run again later to continue.",
            exc.status,
            exc.body,
        )
    if code in TOKEN_CODES or exc.status in (401, 403):
        return NoAccess(
            f"instagram: the Graph API refused the token (code {code or exc.status}); check "
            "INSTAGRAM_ACCESS_TOKEN (it expires) and INSTAGRAM_USER_ID. " + str(exc),
            exc.status,
            exc.body,
        )
    return exc


@dataclass
class InstagramDiscovery:
    """One public business or creator account, seen from the user's own professional account."""

    account: str
    user_id: str
    http: HttpClient

    @property
    def key(self) -> str:
        return f"instagram:{self.account}"

    def pages(self, cursor: str | None, floor: str | None) -> Iterator[Page]:
        after = json.loads(cursor)["after"] if cursor else None
        if not re.fullmatch(r"[0-9]{1,30}", self.user_id or ""):
            raise FetchError("instagram: INSTAGRAM_USER_ID must be the numeric id of your own professional account")
        while True:
            media = f"media.limit(50).after({after})" if after else "media.limit(50)"
            fields = f"business_discovery.username({self.account}){{username,{media}{{{FIELDS}}}}}"
            try:
                data = self.http.get_json(self.user_id, {"fields": fields})
            except FetchError as exc:
                raise _translate(exc) from None
            found = data.get("business_discovery") if isinstance(data, dict) else None
            if not isinstance(found, dict):
                raise FetchError(
                    f"instagram: {self.account}: the answer has no business_discovery object "
                    "(is it a business or creator account?)"
                )
            block = _block if isinstance(_block := found.get("media"), dict) else {}
            items = block.get("data")
            if not isinstance(items, list):
                raise FetchError(f"instagram: {self.account}: the answer has no media list")
            author = "@" + str(found.get("username") or self.account)
            records, warnings, older = [], [], False
            for n, item in enumerate(items):
                if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                    warnings.append(f"instagram: {self.account}: media item {n} has no id; skipped")
                    continue
                stamp = _iso(item.get("timestamp"))
                if floor and stamp and stamp < floor:
                    older = True
                    continue
                caption = item.get("caption") if isinstance(item.get("caption"), str) else ""
                records.append(
                    {
                        "id": item["id"],
                        "platform": "instagram",
                        "author": author,
                        "caption": caption,
                        "posted_at": stamp,
                        "paid_partnership": False,
                        "paid_flag_known": False,
                        "url": item.get("permalink") if isinstance(item.get("permalink"), str) else None,
                        "media_type": item.get("media_type"),
                        "media_product_type": item.get("media_product_type"),
                        "fetched_via": "instagram-business-discovery",
                    }
                )
            paging = _paging if isinstance(_paging := block.get("paging"), dict) else {}
            cursors = _cursors if isinstance(_cursors := paging.get("cursors"), dict) else {}
            after = cursors.get("after") if paging.get("next") and not older else None
            if after is not None and not (isinstance(after, str) and re.fullmatch(r"[A-Za-z0-9_=\-]{1,512}", after)):
                raise FetchError(f"instagram: {self.account}: the answer's paging cursor is malformed")
            next_cursor = json.dumps({"after": after}) if after else None
            yield Page(records, next_cursor, warnings)
            if next_cursor is None:
                return


def _iso(value: Any) -> str | None:
    """Graph timestamps look like 2024-05-01T12:00:00+0000: as UTC ISO with Z, so dates compare."""
    if not isinstance(value, str):
        return None
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\+0000|Z|\+00:00)", value)
    return m.group(1) + "Z" if m else value
