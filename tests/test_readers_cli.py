"""`compliance scan` on export files, end to end through the real command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPORTS = "fixtures/exports"


def scan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "compliance", "scan", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )


def test_scan_of_exports_reports_every_post_with_its_source():
    run = scan(
        f"{EXPORTS}/instagram.zip",
        f"{EXPORTS}/tiktok/user_data_tiktok.json",
        f"{EXPORTS}/x",
        f"{EXPORTS}/csv/broken_utf8.csv",
        "-j",
        "us",
        "--brand",
        "glowlyskin",
    )
    assert run.returncode in (0, 1), run.stderr
    assert "Traceback" not in run.stderr
    report = json.loads(run.stdout)
    posts = report["posts"]
    assert report["summary"]["posts"] == len(posts) == 6 + 3 + 4 + 3
    assert report["summary"]["errors"] == 1
    first = posts[0]
    assert first["caption"] == "Mein neues Lieblingsserum von @glowlyskin 😍 für die Winterhaut ❄️ #werbung #glowly"
    assert first["source"] == {
        "file": f"{EXPORTS}/instagram.zip",
        "index": 0,
        "member": "your_instagram_activity/content/posts_1.json",
    }
    assert first["platform"] == "instagram" and first["author"] == "mia.glows"
    tiktok = posts[6]
    assert (tiktok["id"], tiktok["paid_partnership"], tiktok["platform"]) == ("7334455667788990011", True, "tiktok")
    error = posts[-2]
    assert error["error"].startswith("row 3: not valid UTF-8") and error["verdicts"] == {}
    assert error["source"] == {"file": f"{EXPORTS}/csv/broken_utf8.csv", "row": 3}
    for post in posts:  # offsets stay in the text as read
        for span in post["signals"] + post["disclosures"]:
            assert post["caption"][span["start"] : span["end"]] == span["text"]
    assert "skipped 3 file(s)" in run.stderr  # the zip's non-post files, as a note


def test_scan_is_byte_identical_across_runs():
    args = (EXPORTS, "-j", "us", "-j", "de")
    first, second = scan(*args), scan(*args)
    assert first.returncode in (0, 1), first.stderr
    assert first.stdout == second.stdout


def test_csv_column_options_and_default_platform():
    run = scan(
        f"{EXPORTS}/csv/custom_columns.csv",
        "-j",
        "us",
        "--id-column",
        "Beitrag Nr",
        "--caption-column",
        "beitragstext",
        "--author-column",
        "Konto",
        "--platform",
        "instagram",
    )
    assert run.returncode in (0, 1), run.stderr
    posts = json.loads(run.stdout)["posts"]
    assert [(p["id"], p["author"], p["platform"]) for p in posts] == [
        ("B-17", "@mia.glows", "instagram"),
        ("B-18", "@mia.glows", "instagram"),
    ]
    assert posts[1]["caption"] == "Anzeige – in Kooperation mit @glowlyskin ✨"


def test_unusable_input_exits_2_with_one_line_and_no_report():
    run = scan(f"{EXPORTS}/instagram_html", "-j", "us")
    assert run.returncode == 2 and run.stdout == ""
    assert "Traceback" not in run.stderr
    assert "HTML version of an Instagram export" in run.stderr and "Format: JSON" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_shipped_jsonl_fixtures_still_scan():
    run = scan(*sorted(str(p.relative_to(ROOT)) for p in (ROOT / "fixtures/posts").glob("*.jsonl")), "-j", "us")
    assert run.returncode in (0, 1), run.stderr
    report = json.loads(run.stdout)
    assert report["summary"]["posts"] == len(report["posts"]) > 0
    assert all(set(p["source"]) <= {"file", "line"} for p in report["posts"])
