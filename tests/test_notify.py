"""scan --state --notify URL: new and resolved violations reach a local webhook (and Apprise);
a failed notification loses nothing, warns on stderr and keeps the scan's exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from compliance.run.notify import Watcher, shown_url, worth_sending

ROOT = Path(__file__).resolve().parent.parent

BAD = "Loving my @glowlyskin serum #sp"
GOOD = "#ad Loving my @glowlyskin serum"
PLAIN = "Sunny walk in the park today"


def write_posts(path: Path, captions: dict[str, str]) -> None:
    lines = [
        json.dumps(
            {
                "id": pid,
                "caption": c,
                "platform": "instagram",
                "author": "@maya",
                "url": f"https://www.instagram.com/p/{pid}/",
            }
        )
        for pid, c in captions.items()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def scan(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
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
            "--state",
            str(tmp_path / "scan.sqlite"),
            "--only-new",
            "-o",
            str(tmp_path / "report.json"),
            *extra,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def test_new_then_nothing_then_resolved(httpserver, tmp_path):
    hook = httpserver.url_for("/hook")
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    write_posts(tmp_path / "posts.jsonl", {"p1": BAD, "p2": GOOD, "p3": PLAIN})
    first = scan(tmp_path, "--notify", hook)
    assert first.returncode == 1, first.stderr
    [(request, _)] = httpserver.log
    assert request.headers["Content-Type"].startswith("application/json")
    body = json.loads(request.data)
    assert body["counts"] == {"new_posts": 3, "new_violations": 1, "new_review": 0, "resolved": 0, "input_errors": 0}
    assert body["worst"] == [
        {
            "id": "p1",
            "author": "@maya",
            "platform": "instagram",
            "url": "https://www.instagram.com/p/p1/",
            "status": "violation",
            "rules": ["FTC-002"],
            "jurisdictions": ["us"],
        }
    ]
    assert "https://www.instagram.com/p/p1/" in body["text"] and body["title"] in body["text"]

    second = scan(tmp_path, "--notify", hook)  # nothing new: nothing sent
    assert second.returncode == 0 and len(httpserver.log) == 1  # --only-new: nothing new to report

    write_posts(tmp_path / "posts.jsonl", {"p1": GOOD, "p2": GOOD, "p3": PLAIN})
    third = scan(tmp_path, "--notify", hook)
    assert third.returncode == 0, third.stderr
    body = json.loads(httpserver.log[-1][0].data)
    assert body["counts"]["resolved"] == 1 and body["counts"]["new_violations"] == 0
    assert body["resolved"] == [{"id": "p1", "jurisdictions": ["us"], "reason": "fixed"}]


def test_a_failed_notification_keeps_results_exit_code_and_hides_the_token(httpserver, tmp_path):
    httpserver.expect_request("/hook/T0KEN-SECRET-123").respond_with_data("boom", status=500)
    write_posts(tmp_path / "posts.jsonl", {"p1": BAD})
    run = scan(
        tmp_path, "--notify", httpserver.url_for("/hook/T0KEN-SECRET-123"), "--notify", "http://127.0.0.1:9/closed"
    )
    assert run.returncode == 1  # the scan's own: a violation
    assert run.stderr.count("compliance: warning: notification to http://") == 2
    assert "failed: HTTP 500" in run.stderr and "T0KEN-SECRET-123" not in run.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert [p["id"] for p in report["posts"]] == ["p1"]
    again = scan(tmp_path)  # the state's run was completed: nothing is new now
    assert json.loads((tmp_path / "report.json").read_text())["posts"] == []
    assert again.returncode == 0


def test_apprise_json_scheme_reaches_a_local_server(httpserver, tmp_path):
    httpserver.expect_request("/apprise", method="POST").respond_with_data("ok")
    write_posts(tmp_path / "posts.jsonl", {"p1": BAD})
    target = "json://" + httpserver.url_for("/apprise").split("://", 1)[1]
    run = scan(tmp_path, "--notify", target)
    assert run.returncode == 1, run.stderr
    [(request, _)] = httpserver.log
    body = json.loads(request.data)
    assert body["title"].startswith("compliance: 1 new post(s) with a violation")
    assert "post p1 by @maya" in body["message"]


def test_usage_problems():
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "compliance",
            "scan",
            "fixtures/posts/campaign.jsonl",
            "--notify",
            "https://example.invalid/x",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 2 and "--notify needs --state" in run.stderr
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "compliance",
            "scan",
            "fixtures/posts/campaign.jsonl",
            "--state",
            "/nonexistent/dir/s.sqlite",
            "--notify",
            "not a url",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 2 and "not a URL" in run.stderr


def test_watcher_keeps_the_worst_and_only_safe_links():
    from compliance.model import Post, Source

    w = Watcher()
    records = [
        Post(id=f"p{i}", caption="", source=Source("x"), metadata={"url": u})
        for i, u in enumerate(["javascript:alert(1)", "https://ok.example/p1"])
    ]
    list(w.records(records))
    assert w.urls == {"p1": "https://ok.example/p1"}
    for i in range(300):
        status = "violation" if i % 2 else "review"
        js = {
            "us": {"status": status, "findings": []},
            "de": {"status": status if i % 4 == 1 else "clear", "findings": []},
        }
        w.observe({"id": f"q{i:03d}", "error": None, "verdicts": js}, fresh=True)
    worst = w.worst()
    assert len(worst) == 10 and all(p["status"] == "violation" and p["jurisdictions"] == ["de", "us"] for p in worst)
    assert w.counts["violation"] == 150 and w.counts["review"] == 150
    assert worth_sending(w.summary([], ["x"]))
    assert not worth_sending(Watcher().summary([], ["x"]))
    assert shown_url("https://hooks.slack.com/services/T/B/SECRET") == "https://hooks.slack.com/…"
