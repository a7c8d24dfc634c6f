"""The README's one command: scripts/demo_loop.py runs fetch -> scan -> report -> notify twice
against local servers and prints what the webhook received."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_loop_runs_the_whole_loop(tmp_path):
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo_loop.py"), "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert out.count("webhook received:") == 2
    day1, day2 = out.split("== Day 2")
    assert "youtube:@demo.creator: 3 posts from 2 page(s)" in day1
    assert "violation: post demo0000003 by @demo.creator" in day1
    assert "https://www.youtube.com/watch?v=demo0000003" in day1
    assert "resolved (fixed): post demo0000003" in day2
    assert "post demo0000004" in day2
    assert (tmp_path / "report.html").is_file() and (tmp_path / "posts.jsonl").is_file()
    assert "demo-key-not-a-real-key" not in (tmp_path / "posts.jsonl").read_text()
    assert "demo-key-not-a-real-key" not in out + run.stderr
