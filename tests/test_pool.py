"""What pool workers send back: each post's JSON texts plus the few fields the main process reads."""

from __future__ import annotations

import json
import pickle

from compliance.judging.scanner import Scanner
from compliance.model import Post, Source
from compliance.reporters.document import summarise
from compliance.reporters.streaming import Rendered, block_of, full_post, jsonl_line, line_of, post_block
from compliance.run.chunks import ChunkJudge
from compliance.run.pool import rendered
from tests.test_pipeline import run_process, write_posts

SP = "Loving my mornings with @glowlyskin #sp"  # FTC-002 in the US, waived for p1 below


def test_rendered_results_survive_the_pipe_and_read_as_the_full_posts():
    scanner = Scanner(["us", "uk"], brands=["@glowlyskin"], exceptions={"p1": ["FTC-002"]})
    records = [
        Post(id="p1", caption=SP, source=Source("a.jsonl", line=1)),
        Post(id="p2", caption=SP + " ünïcode \u2028", source=Source("a.jsonl", line=2)),
        Post(id="p3", caption="Morning swim", source=Source("a.jsonl", line=3)),
    ]
    posts = ChunkJudge(scanner)(records)
    assert posts[0]["verdicts"]["us"].get("waived")  # the case the summary must still count
    sent = pickle.loads(pickle.dumps([rendered(p) for p in posts]))
    for full, got in zip(posts, sent, strict=True):
        assert isinstance(got, Rendered) and got.partial
        assert line_of(got) == jsonl_line(full) and block_of(got) == post_block(full)
        assert full_post(got) == json.loads(json.dumps(full))
        assert got["source"] == full["source"] and got["id"] == full["id"]
    waivers = scanner.settings.exceptions
    assert summarise(sent, scanner.jurisdictions, waivers) == summarise(posts, scanner.jurisdictions, waivers)
    error = {"id": None, "error": "line 4: not JSON", "source": {"file": "a.jsonl", "line": 4}}
    assert rendered(error) is error  # error records travel as they are


def test_jobs_2_with_a_state_gives_the_same_bytes_and_a_reusable_state(tmp_path):
    path = write_posts(tmp_path / "posts.jsonl", 40, bad_every=9)
    db = tmp_path / "state.sqlite"
    common = ("scan", str(path), "--brand", "Glowly", "--chunk-size", "5")
    pooled = run_process(*common, "--jobs", "2", "--state", str(db))
    local = run_process(*common, "--jobs", "1")
    again = run_process(*common, "--jobs", "1", "--state", str(db))
    csv_pooled = run_process(*common, "--jobs", "2", "--format", "csv")
    csv_local = run_process(*common, "--jobs", "1", "--format", "csv")
    assert pooled.returncode == local.returncode == again.returncode == 1, pooled.stderr
    assert pooled.stdout == local.stdout == again.stdout
    assert csv_pooled.stdout == csv_local.stdout and csv_local.stdout
