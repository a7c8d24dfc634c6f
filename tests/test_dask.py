"""The Dask engine: same post records as the local scan, partitioned, with true line numbers."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

# The README's test command installs the dask extra: a missing Dask fails here, it is not skipped.
import distributed  # noqa: E402
import pytest

from compliance.readers import ReadOptions
from compliance.reporters.document import summarise
from compliance.run.chunks import ScannerSpec
from compliance.run.dask_engine import DaskProblem, merge_summaries, plan_blocks, run_blocks
from tests.test_pipeline import run_cli, write_posts


@pytest.fixture(scope="module")
def client():
    # In-process workers talk over the "inproc" transport: no sockets, so no host to bind.
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def scanner():
    from compliance.judging.scanner import Scanner

    return Scanner(["us", "uk", "de", "fr"], brands=["Glowly"])


def local_lines(path: Path) -> list[str]:
    result = run_cli("scan", str(path), "--brand", "Glowly", "--format", "jsonl", "--jobs", "1")
    return result.stdout.splitlines()


def test_blocks_cover_the_file_exactly_and_end_on_line_breaks(tmp_path):
    path = write_posts(tmp_path / "posts.jsonl", 40)
    data = path.read_bytes()
    blocks = plan_blocks([str(path)], ["posts.jsonl"], 700)
    assert len(blocks) > 3
    assert blocks[0].start == 0 and blocks[-1].end == len(data)
    for a, b in zip(blocks, blocks[1:], strict=False):
        assert a.end == b.start and data[a.end - 1 : a.end] == b"\n"
    assert [b.index for b in blocks] == list(range(len(blocks)))


def test_partitions_hold_the_local_records_in_order(tmp_path, client, scanner):
    path = write_posts(tmp_path / "posts.jsonl", 45, bad_every=10)
    gz = tmp_path / "more.jsonl.gz"
    with gzip.open(gz, "wb") as out:
        out.write(write_posts(tmp_path / "more.jsonl", 12, bad_every=5, word_seed=4).read_bytes())
    blocks = plan_blocks([str(path), str(gz)], [str(path), str(gz)], 900)
    outdir = tmp_path / "out"
    outdir.mkdir()
    parts = run_blocks(client, blocks, ScannerSpec.of(scanner), ReadOptions(), str(outdir), chunk_size=7)
    assert [p["part"] for p in parts] == [f"part-{i:05d}.jsonl" for i in range(len(blocks))]
    lines = []
    for p in parts:
        lines += (outdir / p["part"]).read_text(encoding="utf-8").splitlines()
    assert lines == local_lines(path) + local_lines(gz)
    posts = [json.loads(line) for line in lines]
    assert posts[44]["source"] == {"file": str(path), "line": 45}  # line numbers survive the cut
    assert posts[9]["error"] and posts[9]["source"]["line"] == 10
    merged = merge_summaries(parts, scanner.jurisdictions)
    assert merged == summarise(posts, scanner.jurisdictions)
    assert merged["posts"] == 57 and merged["errors"] == 4 + 2


def test_cli_dask_engine_on_a_local_cluster(tmp_path):
    path = write_posts(tmp_path / "posts.jsonl", 20, bad_every=7)
    outdir = tmp_path / "parts"
    result = run_cli(
        "scan",
        str(path),
        "--brand",
        "Glowly",
        "--engine",
        "dask",
        "--output-dir",
        str(outdir),
        "--jobs",
        "1",
        "--partition-size",
        "1024",
    )
    assert result.returncode == 1, result.stderr
    summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
    lines = []
    for name in summary["partitions"]:
        lines += (outdir / name).read_text(encoding="utf-8").splitlines()
    assert lines == local_lines(path)
    assert summary["summary"]["posts"] == 20 and summary["summary"]["errors"] == 2
    assert summary["inputs"] == [str(path)]


def test_dask_engine_usage_problems(tmp_path):
    path = write_posts(tmp_path / "posts.jsonl", 2)
    no_dir = run_cli("scan", str(path), "--engine", "dask")
    assert no_dir.returncode == 2 and "--output-dir" in no_dir.stderr
    csv = tmp_path / "posts.csv"
    csv.write_text("id,caption\n1,hi\n", encoding="utf-8")
    with pytest.raises(DaskProblem, match="reads JSONL files"):
        plan_blocks([str(csv)], [str(csv)], 1024)
    local_only = run_cli("scan", str(path), "--output-dir", str(tmp_path / "x"))
    assert local_only.returncode == 2 and "--output-dir is for --engine dask" in local_only.stderr


def test_dask_engine_refuses_an_output_file(tmp_path):
    path = write_posts(tmp_path / "posts.jsonl", 2)
    result = run_cli("scan", str(path), "--engine", "dask", "--output-dir", str(tmp_path / "d"), "-o", "x.json")
    assert result.returncode == 2 and "-o is not used with --engine dask" in result.stderr
