"""See the scheduled loop work without any account: fetch -> scan -> report -> notify, twice.

    python scripts/demo_loop.py [--workdir DIR]

Starts, on 127.0.0.1 only, a stand-in for the YouTube Data API v3 (answers shaped like the API
documentation's: channels, playlistItems in pages, videos with paidProductPlacementDetails) and
a webhook receiver. Then runs the loop the README's cron line runs, "day 1" and "day 2" (a new
upload and a caption the creator fixed), and prints what the webhook received each time.
Nothing leaves this computer; the API key is a dummy.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
KEY = "demo-key-not-a-real-key"
CHANNEL = "UCdemoChannel000000000Aa"
UPLOADS = "UUdemoChannel000000000Aa"
PAGE = 2

# Newest first, as the uploads playlist lists them. Invented examples.
VIDEOS = [
    {
        "id": "demo0000003",
        "published": "2026-05-03T09:00:00Z",
        "paid": False,
        "title": "Trail run gear",
        "description": "Tested the new PeakFit trail shoes on 20 km. Code PEAK15 for 15% off!",
    },
    {
        "id": "demo0000002",
        "published": "2026-05-02T09:00:00Z",
        "paid": True,
        "title": "Morning routine",
        "description": "#ad My morning routine with @glowlyskin serum, sponsored by Glowly.",
    },
    {
        "id": "demo0000001",
        "published": "2026-05-01T09:00:00Z",
        "paid": False,
        "title": "A walk",
        "description": "Just a long walk by the river today. No plans, no gear talk.",
    },
]
DAY_TWO_NEW = {
    "id": "demo0000004",
    "published": "2026-05-04T09:00:00Z",
    "paid": True,
    "title": "Serum week two",
    "description": "Week two with my Glowly serum, thanks @glowlyskin! Code GLOW10 for 10% off",
}
DAY_TWO_FIX = (
    "demo0000003",
    "#ad Tested the new PeakFit trail shoes on 20 km (paid partnership with PeakFit). Code PEAK15 for 15% off!",
)


class FakeYouTube(BaseHTTPRequestHandler):
    videos: list[dict] = []

    def log_message(self, *args):  # quiet
        pass

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlsplit(self.path)
        args = {k: v[0] for k, v in parse_qs(url.query).items()}
        if self.headers.get("X-Goog-Api-Key") != KEY:
            return self._send(
                400, {"error": {"code": 400, "message": "API key not valid.", "errors": [{"reason": "badRequest"}]}}
            )
        name = url.path.rsplit("/", 1)[-1]
        if name == "channels":
            items = (
                []
                if args.get("forHandle") not in ("@demo.creator", "demo.creator")
                else [
                    {
                        "kind": "youtube#channel",
                        "id": CHANNEL,
                        "snippet": {"title": "Demo Creator", "customUrl": "@demo.creator"},
                        "contentDetails": {"relatedPlaylists": {"likes": "", "uploads": UPLOADS}},
                    }
                ]
            )
            return self._send(200, {"kind": "youtube#channelListResponse", "items": items})
        if name == "playlistItems":
            start = int(args.get("pageToken", "T0")[1:])
            page = self.videos[start : start + PAGE]
            body = {
                "kind": "youtube#playlistItemListResponse",
                "pageInfo": {"totalResults": len(self.videos), "resultsPerPage": PAGE},
                "items": [
                    {
                        "kind": "youtube#playlistItem",
                        "id": "pl-" + v["id"],
                        "contentDetails": {"videoId": v["id"], "videoPublishedAt": v["published"]},
                    }
                    for v in page
                ],
            }
            if start + PAGE < len(self.videos):
                body["nextPageToken"] = f"T{start + PAGE}"
            return self._send(200, body)
        if name == "videos":
            wanted = args.get("id", "").split(",")
            items = [
                {
                    "kind": "youtube#video",
                    "id": v["id"],
                    "snippet": {
                        "publishedAt": v["published"],
                        "channelId": CHANNEL,
                        "title": v["title"],
                        "description": v["description"],
                        "channelTitle": "Demo Creator",
                    },
                    "paidProductPlacementDetails": {"hasPaidProductPlacement": v["paid"]},
                }
                for v in self.videos
                if v["id"] in wanted
            ]
            return self._send(200, {"kind": "youtube#videoListResponse", "items": items})
        return self._send(404, {"error": {"code": 404, "message": "Not Found"}})


class Webhook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.received.append(json.loads(self.rfile.read(length) or b"{}"))
        self.send_response(204)
        self.end_headers()


def serve(handler) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run(cmd: list[str], env: dict[str, str], cwd: Path) -> int:
    shown = " ".join(c if " " not in c else repr(c) for c in cmd[2:])
    print(f"$ compliance {shown[len('compliance ') :] if shown.startswith('compliance ') else shown}")
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    for line in proc.stderr.splitlines():
        print(f"    {line}")
    print(f"    (exit {proc.returncode})")
    return proc.returncode


def loop(workdir: Path, api: str, hook: str, env: dict[str, str], fetch_extra: tuple[str, ...] = ()) -> None:
    """The scheduled loop of the README, exactly: fetch, scan --state --only-new to HTML, notify."""
    py = [sys.executable, "-m"]
    run(
        py
        + [
            "compliance",
            "fetch",
            "youtube:@demo.creator",
            "--state",
            "fetch.sqlite",
            "-o",
            "posts.jsonl",
            "--api-base",
            api,
            *fetch_extra,
        ],
        env,
        workdir,
    )
    run(
        py
        + [
            "compliance",
            "scan",
            "posts.jsonl",
            "-j",
            "us",
            "-j",
            "uk",
            "--brand",
            "Glowly",
            "--brand",
            "@glowlyskin",
            "--brand",
            "PeakFit",
            "--state",
            "scan.sqlite",
            "--only-new",
            "--format",
            "html",
            "-o",
            "report.html",
            "--notify",
            hook,
            "--jobs",
            "1",
        ],
        env,
        workdir,
    )


def show(received: list[dict], seen: int) -> None:
    if len(received) == seen:
        print("  webhook: nothing received (nothing new)")
    for body in received[seen:]:
        print("  webhook received:")
        for line in body["text"].splitlines():
            print(f"    {line}")
        print(f"    counts: {json.dumps(body['counts'], sort_keys=True)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", help="Keep the files here (default: a temporary folder, removed after).")
    args = parser.parse_args()
    FakeYouTube.videos = [dict(v) for v in VIDEOS]
    api_server, hook_server = serve(FakeYouTube), serve(Webhook)
    api = f"http://127.0.0.1:{api_server.server_port}/youtube/v3"
    hook = f"http://127.0.0.1:{hook_server.server_port}/hook"
    env = dict(
        os.environ,
        YOUTUBE_API_KEY=KEY,
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
    )
    env.pop("COMPLIANCE_FETCH_CONFIG", None)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.workdir or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"Fake YouTube Data API on {api}, webhook on {hook}; files in {workdir}\n")
        print("== Day 1: first run, everything is new")
        loop(workdir, api, hook, env)
        show(Webhook.received, 0)
        print("\n== Day 2: one new upload, and the creator fixed a caption")
        FakeYouTube.videos.insert(0, dict(DAY_TWO_NEW))
        for v in FakeYouTube.videos:
            if v["id"] == DAY_TWO_FIX[0]:
                v["description"] = DAY_TWO_FIX[1]
        seen = len(Webhook.received)
        # The fix is to an older video: an incremental fetch would not see it; --since re-reads that window.
        loop(workdir, api, hook, env, ("--since", "2026-05-01"))
        show(Webhook.received, seen)
        print(f"\nThe HTML report of the last run: {workdir / 'report.html'}" if args.workdir else "")
    api_server.shutdown()
    hook_server.shutdown()


if __name__ == "__main__":
    main()
