"""`compliance fetch` against local servers (pytest-httpserver on 127.0.0.1) answering with the
response shapes of each API's documentation: paging, errors, quota exhaustion, malformed bodies,
429/5xx backoff, incremental runs and a killed fetch that resumes without duplicates."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug import Response

from compliance.cli.fetch import Creator, fetch, load_credentials, run_fetch
from compliance.fetch import fetch_creator
from compliance.fetch.http import FetchError, HttpClient, retry_after
from compliance.fetch.state import FetchState
from compliance.fetch.tiktok import TikTokResearch

ROOT = Path(__file__).resolve().parent.parent
KEY = "AIzaTEST-key-0123456789-secret"
TOKEN = "IGQVJtest-token-secret-98765"
CHANNEL = "UCabcdefghijklmnopqrstuv"
UPLOADS = "UUabcdefghijklmnopqrstuv"


def video(n: int, paid: bool | None = False) -> dict:
    return {
        "id": f"vid{n:03d}",
        "title": f"Video {n}",
        "published": f"2024-05-{28 - n:02d}T10:00:00Z",
        "description": f"Morning routine {n} with @glowlyskin" + (" #ad" if n % 3 == 0 else ""),
        "paid": paid,
    }


class FakeYouTube:
    """The Data API v3 shapes: channels, playlistItems (paged, newest first), videos."""

    def __init__(self, videos: list[dict], page_size: int = 2, key: str = KEY):
        self.videos, self.page_size, self.key = videos, page_size, key
        self.requests: list[tuple[str, dict, dict]] = []
        self.fail: dict[str, list[tuple[int, dict | str, dict]]] = {}  # path -> queued error answers
        self.gate: threading.Event | None = None  # playlistItems page 2+ waits on it (for the kill test)

    def install(self, server) -> str:
        server.expect_request("/youtube/v3/channels").respond_with_handler(self.handle)
        server.expect_request("/youtube/v3/playlistItems").respond_with_handler(self.handle)
        server.expect_request("/youtube/v3/videos").respond_with_handler(self.handle)
        return server.url_for("/youtube/v3")

    def handle(self, request):
        path = request.path.rsplit("/", 1)[-1]
        args = request.args.to_dict()
        self.requests.append((path, args, dict(request.headers)))
        if request.headers.get("X-Goog-Api-Key") != self.key:
            return _json(
                {
                    "error": {
                        "code": 400,
                        "message": f"API key not valid: {request.headers.get('X-Goog-Api-Key')}",
                        "errors": [{"reason": "badRequest", "domain": "usageLimits"}],
                    }
                },
                400,
            )
        if self.fail.get(path):
            status, body, headers = self.fail[path].pop(0)
            return Response(
                body if isinstance(body, str) else json.dumps(body),
                status=status,
                headers=headers,
                content_type="application/json",
            )
        if path == "channels":
            if args.get("forHandle", "").lower() not in ("@maya", "maya") and args.get("id") != CHANNEL:
                return _json({"kind": "youtube#channelListResponse", "pageInfo": {"totalResults": 0}, "items": []})
            return _json(
                {
                    "kind": "youtube#channelListResponse",
                    "items": [
                        {
                            "kind": "youtube#channel",
                            "id": CHANNEL,
                            "snippet": {"title": "Maya Moves", "customUrl": "@maya"},
                            "contentDetails": {"relatedPlaylists": {"likes": "", "uploads": UPLOADS}},
                        }
                    ],
                }
            )
        if path == "playlistItems":
            start = int(args.get("pageToken", "P0")[1:])
            if start and self.gate is not None:
                self.gate.wait(30)
            page = self.videos[start : start + self.page_size]
            body = {
                "kind": "youtube#playlistItemListResponse",
                "pageInfo": {"totalResults": len(self.videos), "resultsPerPage": self.page_size},
                "items": [
                    {
                        "kind": "youtube#playlistItem",
                        "id": f"item-{v['id']}",
                        "contentDetails": {"videoId": v["id"], "videoPublishedAt": v["published"]},
                    }
                    for v in page
                ],
            }
            if start + self.page_size < len(self.videos):
                body["nextPageToken"] = f"P{start + self.page_size}"
            return _json(body)
        wanted = args.get("id", "").split(",")
        items = []
        for v in self.videos:
            if v["id"] in wanted:
                item = {
                    "kind": "youtube#video",
                    "id": v["id"],
                    "snippet": {
                        "publishedAt": v["published"],
                        "channelId": CHANNEL,
                        "title": v["title"],
                        "description": v["description"],
                        "channelTitle": "Maya Moves",
                    },
                }
                if v["paid"] is not None:
                    item["paidProductPlacementDetails"] = {"hasPaidProductPlacement": v["paid"]}
                items.append(item)
        return _json({"kind": "youtube#videoListResponse", "items": items})


def _json(body, status=200, headers=None):
    return Response(json.dumps(body), status=status, headers=headers or {}, content_type="application/json")


def quota_body(key_echo: str = "") -> dict:
    return {
        "error": {
            "code": 403,
            "message": f"The request cannot be completed because you have exceeded your quota. {key_echo}",
            "errors": [{"message": "quota", "domain": "youtube.quota", "reason": "quotaExceeded"}],
        }
    }


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def run(
    creators, tmp_path, creds=None, state=True, since=None, base=None, sleep=None, feed=False, max_pages=None, retries=3
):
    out = tmp_path / "posts.jsonl"
    messages: list[str] = []
    code = run_fetch(
        [Creator(*c.split(":", 1)) for c in creators],
        creds if creds is not None else {"youtube_api_key": KEY},
        str(out),
        str(tmp_path / "fetch.sqlite") if state else None,
        since,
        base,
        feed,
        max_pages,
        5,
        retries,
        sleep=sleep if sleep is not None else Sleeps(),
        echo=messages.append,
    )
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []
    return code, records, "\n".join(messages)


# ---- YouTube Data API -----------------------------------------------------------------------------


def test_youtube_handle_to_uploads_to_videos_with_paging(httpserver, tmp_path):
    vids = [video(1, paid=True), video(2), video(3), video(4, paid=None), video(5)]
    fake = FakeYouTube(vids)
    code, records, log = run(["youtube:@maya"], tmp_path, base=fake.install(httpserver))
    assert code == 0, log
    assert sorted(r["id"] for r in records) == [v["id"] for v in vids]
    by_id = {r["id"]: r for r in records}
    assert by_id["vid001"]["paid_partnership"] is True and by_id["vid001"]["paid_flag_known"] is True
    assert by_id["vid002"]["paid_partnership"] is False
    assert by_id["vid004"]["paid_flag_known"] is False
    assert by_id["vid003"]["caption"] == vids[2]["description"]
    assert by_id["vid003"]["title"] == "Video 3" and by_id["vid003"]["author"] == "@maya"
    assert by_id["vid003"]["url"] == "https://www.youtube.com/watch?v=vid003"
    assert by_id["vid003"]["posted_at"] == "2024-05-25T10:00:00Z"
    pages = [a for p, a, _ in fake.requests if p == "playlistItems"]
    assert [a.get("pageToken") for a in pages] == [None, "P2", "P4"]
    assert all(a["playlistId"] == UPLOADS for a in pages)
    assert [a for p, a, _ in fake.requests if p == "channels"][0]["forHandle"] == "@maya"
    assert [a["part"] for p, a, _ in fake.requests if p == "videos"] == ["snippet,paidProductPlacementDetails"] * 3
    for _, args, headers in fake.requests:  # the key travels in a header, never in the URL
        assert KEY not in json.dumps(args)
        assert headers["X-Goog-Api-Key"] == KEY
    assert "5 posts from 3 page(s)" in log


def test_fetched_jsonl_is_what_scan_reads(httpserver, tmp_path):
    fake = FakeYouTube([video(1, paid=True), video(2)])
    code, records, _ = run(["youtube:" + CHANNEL], tmp_path, base=fake.install(httpserver))
    assert code == 0 and [a.get("id") for p, a, _ in fake.requests if p == "channels"] == [CHANNEL]
    scan = subprocess.run(
        [
            sys.executable,
            "-m",
            "compliance",
            "scan",
            str(tmp_path / "posts.jsonl"),
            "-j",
            "us",
            "--brand",
            "@glowlyskin",
            "--jobs",
            "1",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    report = json.loads(scan.stdout)
    assert report["summary"]["errors"] == 0 and report["summary"]["posts"] == 2
    posts = {p["id"]: p for p in report["posts"]}
    assert posts["vid001"]["paid_partnership"] is True and posts["vid001"]["platform"] == "youtube"


def test_quota_exhausted_stops_with_a_clear_message_and_keeps_the_key_secret(httpserver, tmp_path):
    fake = FakeYouTube([video(n) for n in range(1, 6)])
    original = fake.handle

    def handle(request):  # page 1 works, page 2 hits the quota; the server echoes the key back
        if request.path.endswith("playlistItems") and request.args.get("pageToken") == "P2":
            return _json(quota_body(f"key={KEY}"), 403)
        return original(request)

    fake.handle = handle
    base = fake.install(httpserver)
    env = dict(os.environ, YOUTUBE_API_KEY=KEY, YOUTUBE_API_BASE=base, PYTHONPATH=str(ROOT))
    env.pop("COMPLIANCE_FETCH_CONFIG", None)
    out = tmp_path / "out.jsonl"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "compliance",
            "fetch",
            "youtube:@maya",
            "-o",
            str(out),
            "--state",
            str(tmp_path / "s.sqlite"),
            "--retries",
            "0",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 1
    assert "quota of this key is spent (quotaExceeded)" in proc.stderr
    assert KEY not in proc.stderr and KEY not in proc.stdout
    assert "key=[redacted]" in proc.stderr
    assert "Traceback" not in proc.stderr
    kept = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert sorted(kept) == ["vid001", "vid002"]
    with open(tmp_path / "s.sqlite", "rb") as f:
        assert KEY.encode() not in f.read()


def test_quota_skips_the_other_creators_of_that_platform(httpserver, tmp_path):
    httpserver.expect_request("/youtube/v3/channels").respond_with_json(quota_body(), status=403)
    code, _, log = run(["youtube:@maya", "youtube:@other"], tmp_path, base=httpserver.url_for("/youtube/v3"))
    assert code == 1
    assert "quota of this key is spent" in log and "youtube:@other: skipped, the youtube quota is spent" in log
    assert len(httpserver.log) == 1


def test_a_bad_key_is_reported_without_the_key(httpserver, tmp_path):
    fake = FakeYouTube([video(1)], key="the-right-key-1234")
    code, records, log = run(["youtube:@maya"], tmp_path, base=fake.install(httpserver))
    assert code == 1 and records == []
    assert "refused the key" in log and KEY not in log


def test_429_honours_retry_after_and_5xx_backs_off(httpserver, tmp_path):
    fake = FakeYouTube([video(1), video(2)], page_size=5)
    base = fake.install(httpserver)
    fake.fail["channels"] = [
        (429, {"error": {"code": 429, "message": "slow down"}}, {"Retry-After": "7"}),
        (503, "<html>unavailable</html>", {}),
        (500, {}, {}),
    ]
    sleeps = Sleeps()
    code, records, log = run(["youtube:@maya"], tmp_path, base=base, sleep=sleeps)
    assert code == 0, log
    assert sleeps == [7.0, 2.0, 4.0]  # Retry-After, then backoff 1*2**attempt
    assert len(records) == 2


def test_retries_are_bounded(httpserver, tmp_path):
    httpserver.expect_request("/youtube/v3/channels").respond_with_data("busy", status=503)
    sleeps = Sleeps()
    code, _, log = run(["youtube:@maya"], tmp_path, base=httpserver.url_for("/youtube/v3"), sleep=sleeps, retries=2)
    assert code == 1
    assert len(httpserver.log) == 3 and sleeps == [1.0, 2.0]
    assert "HTTP 503 after 3 attempts" in log


def test_retry_after_forms():
    assert retry_after("12") == 12.0
    assert retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=lambda: 1445412480.0) == 10.0
    assert retry_after("soon") is None and retry_after(None) is None
    sleeps = Sleeps()
    client = HttpClient("http://127.0.0.1:9", sleep=sleeps, retries=1, max_wait=60, timeout=1)
    with pytest.raises(FetchError, match="no answer after 2 attempt"):
        client.get_json("x")


@pytest.mark.parametrize(
    "path, status, body, words",
    [
        ("channels", 200, "not json at all", "the answer is not JSON"),
        ("channels", 200, json.dumps([1, 2]), "JSON that is not an object"),
        ("channels", 200, json.dumps({"items": [{"id": CHANNEL}]}), "has no uploads playlist"),
        ("playlistItems", 200, json.dumps({"kind": "youtube#playlistItemListResponse"}), "has no `items` list"),
        ("channels", 404, json.dumps({"error": {"code": 404, "message": "channelNotFound"}}), "HTTP 404"),
    ],
)
def test_malformed_answers_fail_that_creator_cleanly(httpserver, tmp_path, path, status, body, words):
    fake = FakeYouTube([video(1)])
    base = fake.install(httpserver)
    fake.fail[path] = [(status, body, {})]
    code, records, log = run(["youtube:@maya"], tmp_path, base=base)
    assert code == 1 and words in log and "Traceback" not in log


def test_odd_shapes_deep_in_an_answer_are_tolerated(httpserver, tmp_path):
    fake = FakeYouTube([video(1), video(2)], page_size=5)
    base = fake.install(httpserver)
    fake.fail["channels"] = [
        (
            200,
            {
                "items": [
                    {"contentDetails": {"relatedPlaylists": {"uploads": UPLOADS}}, "snippet": ["not", "a", "dict"]}
                ]
            },
            {},
        )
    ]
    fake.fail["playlistItems"] = [
        (
            200,
            {
                "items": [
                    {"contentDetails": {"videoId": "vid001", "videoPublishedAt": 5}},
                    {"contentDetails": {"videoId": "vid002"}},
                ],
                "nextPageToken": ["x"],
            },
            {},
        )
    ]
    fake.fail["videos"] = [(200, {"items": [{"id": ["vid001"]}, {"id": "vid002", "snippet": "text"}]}, {})]
    code, records, log = run(["youtube:@maya"], tmp_path, base=base)
    assert code == 0, log
    assert [(r["id"], r["caption"], r["author"]) for r in records] == [("vid002", "", "@maya")]
    assert "video vid001 is listed but not returned" in log and "vid002 has no description" in log


def test_an_unforeseen_shape_fails_only_that_creator(httpserver, tmp_path, monkeypatch):
    from compliance.fetch import youtube

    def odd(self, ids, author, warnings):
        raise TypeError(f"unhashable {KEY}")

    monkeypatch.setattr(youtube.YouTubeAPI, "videos", odd)
    fake = FakeYouTube([video(1)])
    code, records, log = run(["youtube:@maya"], tmp_path, base=fake.install(httpserver))
    assert code == 1 and records == []
    assert "unexpected shape (TypeError)" in log and KEY not in log


def test_malformed_items_are_skipped_with_a_warning(httpserver, tmp_path):
    fake = FakeYouTube([video(1), video(2)], page_size=5)
    base = fake.install(httpserver)
    fake.fail["playlistItems"] = [
        (200, {"items": [{"contentDetails": {}}, "junk", {"contentDetails": {"videoId": "vid001"}}]}, {})
    ]
    code, records, log = run(["youtube:@maya"], tmp_path, base=base)
    assert code == 0 and [r["id"] for r in records] == ["vid001"]
    assert log.count("has no video id; skipped") == 2


def test_incremental_second_run_fetches_only_newer_posts(httpserver, tmp_path):
    fake = FakeYouTube([video(3), video(4), video(5)], page_size=2)
    base = fake.install(httpserver)
    assert run(["youtube:@maya"], tmp_path, base=base)[0] == 0
    fake.videos = [video(1), video(2)] + fake.videos  # two new uploads, newest first
    fake.requests.clear()
    code, records, log = run(["youtube:@maya"], tmp_path, base=base)
    assert code == 0
    assert sorted(r["id"] for r in records) == ["vid001", "vid002", "vid003", "vid004", "vid005"]
    pages = [a.get("pageToken") for p, a, _ in fake.requests if p == "playlistItems"]
    assert pages == [None, "P2"]  # stopped at the first page reaching posts older than the newest known
    fetched = [a["id"] for p, a, _ in fake.requests if p == "videos"]
    assert fetched == ["vid001,vid002", "vid003"]


def test_since_limits_the_first_run(httpserver, tmp_path):
    fake = FakeYouTube([video(n) for n in range(1, 7)], page_size=2)
    code, records, _ = run(["youtube:@maya"], tmp_path, base=fake.install(httpserver), since="2024-05-25")
    assert code == 0 and sorted(r["id"] for r in records) == ["vid001", "vid002", "vid003"]


def test_max_pages_then_continue(httpserver, tmp_path):
    fake = FakeYouTube([video(n) for n in range(1, 6)], page_size=2)
    base = fake.install(httpserver)
    _, records, _ = run(["youtube:@maya"], tmp_path, base=base, max_pages=1)
    assert len(records) == 2
    fake.requests.clear()
    _, records, log = run(["youtube:@maya"], tmp_path, base=base)
    assert sorted(r["id"] for r in records) == [f"vid00{n}" for n in range(1, 6)]
    assert "(resumed)" in log
    assert [a.get("pageToken") for p, a, _ in fake.requests if p == "playlistItems"] == ["P2", "P4"]
    assert not [1 for p, _, _ in fake.requests if p == "channels"]


def test_a_killed_fetch_resumes_without_duplicates(httpserver, tmp_path):
    fake = FakeYouTube([video(n) for n in range(1, 8)], page_size=2)
    base = fake.install(httpserver)
    fake.gate = threading.Event()  # page 2 hangs until the process is killed
    env = dict(os.environ, YOUTUBE_API_KEY=KEY, PYTHONPATH=str(ROOT))
    out, state = tmp_path / "posts.jsonl", tmp_path / "fetch.sqlite"
    cmd = [
        sys.executable,
        "-m",
        "compliance",
        "fetch",
        "youtube:@maya",
        "-o",
        str(out),
        "--state",
        str(state),
        "--api-base",
        base,
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not any(p == "playlistItems" and a.get("pageToken") == "P2" for p, a, _ in list(fake.requests)):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        fake.gate.set()
    assert not out.exists()  # killed before writing: the state holds page 1
    conn_state = FetchState(str(state))
    assert sorted(r["id"] for r in conn_state.records()) == ["vid001", "vid002"]
    conn_state.close()
    fake.requests.clear()
    fake.gate = None
    done = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert sorted(ids) == [f"vid00{n}" for n in range(1, 8)] and len(ids) == len(set(ids))
    assert [a.get("pageToken") for p, a, _ in fake.requests if p == "playlistItems"] == ["P2", "P4", "P6"]
    assert "(resumed)" in done.stderr


# ---- YouTube feed -------------------------------------------------------------------------------

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns:media="http://search.yahoo.com/mrss/"
      xmlns="http://www.w3.org/2005/Atom">
 <title>Maya Moves</title><author><name>Maya Moves</name><uri>https://www.youtube.com/channel/{c}</uri></author>
 <entry><id>yt:video:vidA</id><yt:videoId>vidA</yt:videoId><yt:channelId>{c}</yt:channelId>
  <title>New serum</title><published>2024-06-01T09:00:00+00:00</published>
  <media:group><media:title>New serum</media:title><media:description>Serum day with @glowlyskin</media:description></media:group>
 </entry>
 <entry><id>yt:video:vidB</id><yt:videoId>vidB</yt:videoId><title>Old</title>
  <published>2024-01-01T09:00:00+00:00</published><media:group><media:description>#ad old</media:description></media:group>
 </entry>
 <entry><title>no id</title></entry>
</feed>""".replace("{c}", CHANNEL)


def test_public_feed_without_a_key(httpserver, tmp_path):
    httpserver.expect_request("/feeds/videos.xml", query_string={"channel_id": CHANNEL}).respond_with_data(
        FEED, content_type="application/atom+xml"
    )
    code, records, log = run(["youtube:" + CHANNEL], tmp_path, creds={}, base=httpserver.url_for("/"))
    assert code == 0
    assert "using the public feed (latest videos only, no paid-promotion flag)" in log
    assert [(r["id"], r["caption"], r["paid_flag_known"]) for r in records] == [
        ("vidB", "#ad old", False),
        ("vidA", "Serum day with @glowlyskin", False),
    ]
    assert records[0]["author"] == "Maya Moves" and "entry 2 has no video id" in log


def test_feed_needs_a_channel_id_and_valid_xml(httpserver, tmp_path):
    code, _, log = run(["youtube:@maya"], tmp_path, creds={}, base=httpserver.url_for("/"))
    assert code == 1 and "public feed needs a channel id" in log
    httpserver.expect_request("/feeds/videos.xml").respond_with_data("<feed><entry>", content_type="text/xml")
    code, _, log = run(["youtube:" + CHANNEL], tmp_path, creds={}, base=httpserver.url_for("/"), feed=True)
    assert code == 1 and "not valid XML" in log


# ---- Instagram business discovery ---------------------------------------------------------------


def ig_media(n: int) -> dict:
    return {
        "id": f"1790{n:04d}",
        "caption": f"Post {n} with @glowlyskin",
        "timestamp": f"2024-05-{20 - n:02d}T08:00:00+0000",
        "permalink": f"https://www.instagram.com/p/SHORT{n}/",
        "media_type": "IMAGE",
        "media_product_type": "FEED",
    }


def test_instagram_business_discovery_pages_with_after_cursor(httpserver, tmp_path):
    seen = []

    def handle(request):
        seen.append((request.path, request.args.to_dict(), request.headers.get("Authorization")))
        fields = request.args["fields"]
        assert fields.startswith("business_discovery.username(maya.moves){username,media.limit(50)")
        if ".after(" not in fields:
            media = {
                "data": [ig_media(1), ig_media(2)],
                "paging": {"cursors": {"before": "QVFIB", "after": "QVFIA2"}, "next": "https://graph/next"},
            }
        else:
            assert ".after(QVFIA2)" in fields
            media = {"data": [ig_media(3), {"caption": "no id"}], "paging": {"cursors": {"before": "x", "after": "y"}}}
        return _json(
            {"business_discovery": {"username": "maya.moves", "media": media, "id": "1784"}, "id": "17841400000000000"}
        )

    httpserver.expect_request("/v21.0/17841400000000000").respond_with_handler(handle)
    creds = {"instagram_access_token": TOKEN, "instagram_user_id": "17841400000000000"}
    code, records, log = run(["instagram:@maya.moves"], tmp_path, creds=creds, base=httpserver.url_for("/v21.0"))
    assert code == 0, log
    assert sorted(r["id"] for r in records) == ["17900001", "17900002", "17900003"]
    r = {r["id"]: r for r in records}["17900001"]
    assert (r["author"], r["posted_at"], r["url"], r["paid_partnership"]) == (
        "@maya.moves",
        "2024-05-19T08:00:00Z",
        "https://www.instagram.com/p/SHORT1/",
        False,
    )
    assert len(seen) == 2 and all(auth == f"Bearer {TOKEN}" for _, _, auth in seen)
    assert all(TOKEN not in json.dumps(args) for _, args, _ in seen)
    assert "media item 1 has no id" in log


def test_instagram_rate_limit_and_bad_token(httpserver, tmp_path):
    httpserver.expect_oneshot_request("/v21.0/1784").respond_with_json(
        {"error": {"message": "(#4) Application request limit reached", "type": "OAuthException", "code": 4}}, 400
    )
    creds = {"instagram_access_token": TOKEN, "instagram_user_id": "1784"}
    code, _, log = run(["instagram:maya"], tmp_path, creds=creds, base=httpserver.url_for("/v21.0"))
    assert code == 1 and "Graph API rate limit reached (code 4)" in log
    httpserver.expect_oneshot_request("/v21.0/1784").respond_with_json(
        {"error": {"message": f"Invalid OAuth access token {TOKEN}", "type": "OAuthException", "code": 190}}, 400
    )
    code, _, log = run(["instagram:maya"], tmp_path, creds=creds, base=httpserver.url_for("/v21.0"))
    assert code == 1 and "refused the token (code 190)" in log and TOKEN not in log


def test_instagram_needs_token_and_user_id(tmp_path):
    code, _, log = run(["instagram:maya"], tmp_path, creds={})
    assert code == 1 and "INSTAGRAM_ACCESS_TOKEN and INSTAGRAM_USER_ID" in log


# ---- TikTok Research API -------------------------------------------------------------------------


def test_tiktok_research_cursor_search_id_and_windows(httpserver, tmp_path):
    bodies = []

    def handle(request):
        body = json.loads(request.data)
        bodies.append(body)
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert request.args["fields"].startswith("id,video_description,create_time,username")
        if body["end_date"] == "20240601" and "cursor" not in body:
            data = {
                "videos": [
                    {"id": 7301, "video_description": "Glow #ad", "create_time": 1717200000, "username": "maya"}
                ],
                "cursor": 100,
                "has_more": True,
                "search_id": "S1",
            }
        elif body["end_date"] == "20240601":
            assert (body["cursor"], body["search_id"]) == (100, "S1")
            data = {
                "videos": [{"id": "7302", "video_description": "more", "create_time": 1717100000, "username": "maya"}],
                "cursor": 200,
                "has_more": False,
                "search_id": "S1",
            }
        else:
            data = {"videos": [], "cursor": 0, "has_more": False, "search_id": "S2"}
        return _json({"data": data, "error": {"code": "ok", "message": "", "log_id": "L"}})

    httpserver.expect_request("/v2/research/video/query/", method="POST").respond_with_handler(handle)
    http = HttpClient(httpserver.url_for("/"), headers={"Authorization": f"Bearer {TOKEN}"}, sleep=Sleeps())
    source = TikTokResearch("maya", http, today=lambda: date(2024, 6, 1))
    state = FetchState(None)
    result = fetch_creator(source, state, "2024-04-01", None)
    assert result.stored == 2 and result.pages == 4
    assert [(b["start_date"], b["end_date"]) for b in bodies] == [
        ("20240503", "20240601"),
        ("20240503", "20240601"),
        ("20240403", "20240502"),
        ("20240401", "20240402"),
    ]
    assert bodies[0]["query"] == {"and": [{"operation": "IN", "field_name": "username", "field_values": ["maya"]}]}
    recs = {r["id"]: r for r in state.records()}
    assert recs["7301"]["url"] == "https://www.tiktok.com/@maya/video/7301"
    assert recs["7301"]["posted_at"] == "2024-06-01T00:00:00Z"


def test_tiktok_without_access_points_to_exports(httpserver, tmp_path):
    code, _, log = run(["tiktok:maya"], tmp_path, creds={})
    assert code == 1 and "no TIKTOK_ACCESS_TOKEN" in log and "data export" in log
    httpserver.expect_request("/v2/research/video/query/").respond_with_json(
        {"data": {}, "error": {"code": "access_token_invalid", "message": "The access token is invalid"}}, 401
    )
    code, _, log = run(["tiktok:maya"], tmp_path, creds={"tiktok_access_token": TOKEN}, base=httpserver.url_for("/"))
    assert code == 1 and "access_token_invalid" in log and "data export" in log and TOKEN not in log
    httpserver.clear()
    httpserver.expect_request("/v2/research/video/query/").respond_with_json(
        {"error": {"code": "daily_quota_limit_exceeded", "message": "quota"}}, 429
    )
    code, _, log = run(
        ["tiktok:maya"], tmp_path, creds={"tiktok_access_token": TOKEN}, base=httpserver.url_for("/"), retries=0
    )
    assert code == 1 and "Research API limit reached (daily_quota_limit_exceeded)" in log


# ---- credentials and the command ---------------------------------------------------------------------


def test_config_file_outside_a_repository_and_env_wins(tmp_path, monkeypatch):
    cfg = tmp_path / "conf" / "fetch.toml"
    cfg.parent.mkdir()
    cfg.write_text('[youtube]\napi_key = "from-file-key"\n[instagram]\naccess_token = "tok"\nuser_id = "1"\n')
    for env in ("YOUTUBE_API_KEY", "INSTAGRAM_ACCESS_TOKEN", "INSTAGRAM_USER_ID", "TIKTOK_ACCESS_TOKEN"):
        monkeypatch.delenv(env, raising=False)
    assert load_credentials(str(cfg))["youtube_api_key"] == "from-file-key"
    monkeypatch.setenv("YOUTUBE_API_KEY", "env-key")
    assert load_credentials(str(cfg))["youtube_api_key"] == "env-key"
    (tmp_path / "conf" / ".git").mkdir()
    result = CliRunner().invoke(fetch, ["youtube:@maya", "--config", str(cfg)])
    assert result.exit_code == 2 and "inside the git work tree" in result.output


def test_usage_problems_exit_2():
    runner = CliRunner()
    assert runner.invoke(fetch, []).exit_code == 2
    result = runner.invoke(fetch, ["maya"])
    assert result.exit_code == 2 and "say which platform" in result.output
    result = runner.invoke(fetch, ["yt:@maya", "--since", "May 1"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
