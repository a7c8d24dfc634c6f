"""Which reader a file needs: by its name first, then by its first bytes.

Names are what platforms write (posts_1.json, user_data_tiktok.json, tweets.js,
videos.csv), so they decide when they match; content decides for renamed files. Media files
are recognised by extension and never opened, so a folder of 5,000 photos costs nothing.
"""

from __future__ import annotations

import json
import re
from functools import partial

from compliance.readers import generic_csv, instagram, json_array, jsonl, media_hook, tiktok, xarchive, youtube
from compliance.readers.base import Archive, Detection, Reader, ReadOptions, Refused
from compliance.readers.sources import Entry
from compliance.readers.tables import open_table

ARCHIVE = Archive()

INSTAGRAM_HTML = (
    "this is the HTML version of an Instagram export, which has no machine-readable "
    "data: request it again in Accounts Center > Your information and permissions > "
    "Download your information, with Format: JSON"
)
HTML = "an HTML page: request the platform export in JSON format (or save your list as CSV or JSONL)"
TIKTOK_TXT = (
    "a TikTok export in TXT format: request it again in Settings > Account > Download your data, with file format JSON"
)
NOTE_TWEET = (
    "note-tweet.js holds only the full text of long posts from tweets.js: scan "
    "data/tweets.js (it reads note-tweet.js beside it) or the whole archive"
)
NESTED_ZIP = "a zip inside a zip is not read: unzip the outer archive and scan the folder"

_MEDIA = re.compile(
    r"\.(jpe?g|png|gif|webp|heic|heif|bmp|tiff?|mp4|mov|m4v|webm|avi|mkv|mp3|m4a|"
    r"aac|wav|ogg|opus|srt|vtt|pdf|ico|svg|woff2?|ttf|css)$",
    re.I,
)
_X_POSTS = re.compile(r"tweets?(-part\d+)?\.js")
_X_NOTES = re.compile(r"note-tweets?(-part\d+)?\.js")
_IG_JSON = re.compile(r"posts_\d+\.json|reels\.json|stories\.json|igtv_videos\.json")
_IG_HTML = re.compile(r"(posts_\d+|reels|stories|igtv_videos)\.html?")
_TIKTOK = re.compile(r"user_data(_tiktok)?\.json")
_TIKTOK_TXT = re.compile(r"user_data(_tiktok)?\.txt")
_IG_ARRAY = re.compile(r'"media"\s*:\s*\[')
_IG_OBJECT = re.compile(r'^\{\s*"(ig_reels_media|ig_stories|ig_igtv_media)"\s*:')
_TIKTOK_KEYS = re.compile(
    r'"(VideoList|Video Browsing History|Watch History|Tiktok Live|'
    r'Ads and data|App Settings)"\s*:'
)
_YTD = re.compile(r"^window\.YTD\.(\w+)\.part\d+\s*=")


OWN_REPORT = "a report written by compliance, not posts"
_REPORT_JSON = re.compile(r'\{\s*"inputs"\s*:\s*\[')
_REPORT_TEXT = re.compile(r"compliance \d[^\n]*: \d+ posts? from ")
_REPORT_CSV = {"jurisdiction", "status", "rules", "messages", "waived"}


def own_report(head: bytes) -> bool:
    """Our own reports (JSON, JSONL, CSV, HTML, text, SARIF), recognised by their first bytes,
    so a report written into a scanned folder is not read as posts by the next scan."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if _REPORT_JSON.match(text) or _REPORT_TEXT.match(text):
        return True
    if '<meta name="generator" content="compliance ' in text[:4096]:
        return True
    first = text.split("\n", 1)[0].strip()
    if first.startswith("{"):
        try:
            obj = json.loads(first)
        except (ValueError, RecursionError):  # RecursionError: a first line nested thousands deep
            obj = None
        if (
            isinstance(obj, dict)
            and isinstance(obj.get("verdicts"), (list, dict))
            and isinstance(obj.get("source"), dict)
            and "file" in obj["source"]
        ):
            return True
    if "sarif-schema" in text[:300] and '"runs"' in text[:4096]:
        return True  # SARIF: never posts; its tool name comes after the results
    if re.match(r"::(warning|error|notice) file=", text):
        return True  # --format github
    columns = {c.strip().strip('"').casefold() for c in first.split(",")}
    return _REPORT_CSV <= columns


def detect(entry: Entry, options: ReadOptions) -> Detection:
    name = entry.inner_name.lower()
    if name.endswith(".zip"):
        return ARCHIVE
    if _MEDIA.search(name):
        return media_hook.detect(entry, options)
    if entry.member is not None and not entry.gzipped and own_report(entry.head()):
        return Refused(OWN_REPORT, quiet=True)
    if name.endswith((".jsonl", ".ndjson")):
        return Reader("jsonl", jsonl.read_entry)
    if _X_POSTS.fullmatch(name):
        return Reader("x", xarchive.read)
    if _X_NOTES.fullmatch(name):
        return Refused(NOTE_TWEET, quiet=True)
    if _TIKTOK.fullmatch(name):
        return Reader("tiktok", tiktok.read)
    if _TIKTOK_TXT.fullmatch(name):
        return Refused(TIKTOK_TXT)
    if _IG_HTML.fullmatch(name):
        return Refused(INSTAGRAM_HTML)
    if name.endswith((".csv", ".tsv", ".tab")):
        return _csv(entry, options)
    head = entry.head()
    if head.startswith(b"PK\x03\x04"):
        return ARCHIVE
    text = head.decode(jsonl.utf16(head) or "utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if _IG_JSON.fullmatch(name) and (name.startswith("posts_") or _IG_OBJECT.match(text)):
        return Reader("instagram", instagram.read)
    return _by_content(text, name)


def _by_content(text: str, name: str) -> Detection:
    ytd = _YTD.match(text)
    if ytd:
        kind = ytd.group(1).lower()
        if kind in ("tweets", "tweet"):
            return Reader("x", xarchive.read)
        if kind == "note_tweet":
            return Refused(NOTE_TWEET, quiet=True)
        return Refused(f"an X archive file without posts (window.YTD.{ytd.group(1)}); scan data/tweets.js", quiet=True)
    if text[:1] == "<" and "<html" in text[:4096].lower() or name.endswith((".html", ".htm")):
        return Refused(HTML, quiet=True)
    if text.startswith("["):
        if _IG_ARRAY.search(text) and '"creation_timestamp"' in text:
            return Reader("instagram", instagram.read)
        if re.match(r'\[\s*\{[^\n]*?"caption"\s*:', text) or re.match(r'\[\s*\{\s*"(id|caption)"\s*:', text):
            return Reader("json_array", json_array.read)
        return None
    if text.startswith("{"):
        if _IG_OBJECT.match(text):
            return Reader("instagram", instagram.read)
        if _TIKTOK_KEYS.search(text):
            return Reader("tiktok", tiktok.read)
        first = (text.splitlines() or [""])[0].strip()  # CR-only line ends too
        try:
            obj = json.loads(first)
        except ValueError:
            return None
        if isinstance(obj, dict) and ("caption" in obj or "id" in obj):
            return Reader("jsonl", jsonl.read_entry)
    return None


def _csv(entry: Entry, options: ReadOptions) -> Detection:
    try:
        table = open_table(entry, generic_csv.KNOWN | youtube.KNOWN)
    except (OSError, EOFError, ValueError) as exc:
        return Refused(f"cannot be read as CSV ({exc})")
    if table is None:
        return Refused("an empty CSV file (no header row)", quiet=True)
    if youtube.is_videos_csv(table.header):
        return Reader("youtube", partial(youtube.read, table=table))
    columns = generic_csv.columns_for(table.header, options)
    if isinstance(columns, str):
        return Refused(f"a CSV with {columns}", quiet=True)
    return Reader("csv", partial(generic_csv.read, table=table, columns=columns))
