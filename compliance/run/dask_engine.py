"""`scan --engine dask`: the same per-post judgement, spread over a Dask cluster.

JSONL inputs are cut into byte blocks that end on a line break (a gzipped file is one
block). A first cheap pass counts each block's lines so every post keeps its true line
number; the second pass judges each block on a worker with the same `ChunkJudge` the local
scan uses and writes it as one partition file, `part-00000.jsonl` ... in input order
(concatenated, they are the `--format jsonl` output). The driver only merges the small
per-block summaries into `summary.json`. A partition is written to a temporary name and
renamed, so a retried task never leaves a half or doubled file.

Workers need the input files at the same paths (a shared or network filesystem) and this
package installed; `--scheduler` names a running cluster, otherwise a LocalCluster starts.
"""

from __future__ import annotations

import dataclasses
import gc
import gzip
import hashlib
import io
import json
import os
import pickle
import re
import threading
from typing import Any

from compliance.outputs import atomic_text
from compliance.readers.jsonl import read_stream
from compliance.reporters.document import empty_counts, summarise
from compliance.reporters.encode import dumps_indent
from compliance.reporters.streaming import exit_code, header, jsonl_line
from compliance.run.chunks import CHUNK_SIZE, ChunkJudge, ScannerSpec, chunked
from compliance.run.pool import GC_THRESHOLD, default_jobs

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
_JUDGES: dict[str, ChunkJudge] = {}
_JUDGES_LOCK = threading.Lock()


class DaskProblem(Exception):
    """The Dask run cannot be done as asked: a usage problem (exit 2)."""


@dataclasses.dataclass(frozen=True)
class Block:
    path: str  # where workers open it
    shown: str  # the name reports use (Source.file)
    start: int
    end: int | None  # None: to the end (a gzipped file)
    index: int  # partition number, in input order


def plan_blocks(inputs: list[str], shown: list[str], size: int) -> list[Block]:
    """Byte ranges of at most about `size`, each ending just after a line break."""
    blocks: list[Block] = []
    for path, name in zip(inputs, shown, strict=False):
        if path == "-" or not path.endswith(JSONL_SUFFIXES):
            raise DaskProblem(f"{path}: --engine dask reads JSONL files (.jsonl, .ndjson, optionally .gz)")
        if os.path.exists(path) and not os.path.isfile(path):  # a pipe has no byte ranges to share out
            raise DaskProblem(f"{path}: --engine dask reads files, not pipes: save it first or use the local engine")
        try:
            total = os.path.getsize(path)
            if path.endswith(".gz"):
                blocks.append(Block(os.path.abspath(path), name, 0, None, len(blocks)))
                continue
            with open(path, "rb") as stream:
                start = 0
                while start < total:
                    stream.seek(min(start + size, total))
                    stream.readline()  # finish the line the cut fell into
                    end = min(stream.tell(), total)
                    blocks.append(Block(os.path.abspath(path), name, start, end, len(blocks)))
                    start = end
        except OSError as exc:
            raise DaskProblem(f"{path}: cannot read: {exc.strerror or exc}") from None
    return blocks


def _block_bytes(block: Block) -> bytes:
    if block.end is None:
        with gzip.open(block.path, "rb") as stream:
            return stream.read()
    with open(block.path, "rb") as stream:
        stream.seek(block.start)
        return stream.read(block.end - block.start)


def count_lines(block: Block) -> int:
    data = _block_bytes(block)
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def _judge_for(spec: ScannerSpec, key: str) -> ChunkJudge:
    """One Scanner per worker process and configuration, built on first use (threads share it)."""
    with _JUDGES_LOCK:
        if key not in _JUDGES:
            _JUDGES.clear()
            _JUDGES[key] = ChunkJudge(spec.build())
            # The Scanner lives as long as the worker: kept out of every collection, as in pool workers.
            gc.freeze()
            gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
        return _JUDGES[key]


def judge_block(
    block: Block,
    first_line: int,
    spec: ScannerSpec,
    key: str,
    read_options,
    output_dir: str,
    chunk_size: int = CHUNK_SIZE,
) -> dict[str, Any]:
    """Judge one block and write it as a partition; return its name and summary."""

    judge = _judge_for(spec, key)
    name = f"part-{block.index:05d}.jsonl"
    final = os.path.join(output_dir, name)
    tmp = f"{final}.tmp-{os.getpid()}-{threading.get_ident()}"
    offset = first_line - 1

    def records():
        stream = io.BytesIO(_block_bytes(block))
        for record in read_stream(stream, block.shown, read_options):
            line = record.source.line
            if not offset or line is None:
                yield record
                continue
            changes = {"source": dataclasses.replace(record.source, line=line + offset)}
            message = getattr(record, "message", None)
            if message and message.startswith(f"line {line}:"):  # the reader names the line too
                changes["message"] = f"line {line + offset}:" + message[len(f"line {line}:") :]
            yield dataclasses.replace(record, **changes)

    def posts(out):
        for chunk in chunked(records(), chunk_size):
            for post in judge(chunk):
                out.write(jsonl_line(post))
                yield post

    with open(tmp, "w", encoding="utf-8", newline="\n") as out:
        summary = summarise(posts(out), list(spec.settings.jurisdictions), spec.settings.exceptions)
    os.replace(tmp, final)
    return {"part": name, "summary": summary}


def merge_summaries(parts: list[dict[str, Any]], jurisdictions: list[str]) -> dict[str, Any]:
    """The partitions' summaries added up (waivers: the matches of each, summed in order)."""
    merged: dict[str, Any] = {"posts": 0, "errors": 0, "by_jurisdiction": {j: empty_counts() for j in jurisdictions}}
    for part in parts:
        s = part["summary"]
        merged["posts"] += s["posts"]
        merged["errors"] += s["errors"]
        for j, counts in s["by_jurisdiction"].items():
            target = merged["by_jurisdiction"].setdefault(j, empty_counts())
            for status, n in counts.items():
                target[status] = target.get(status, 0) + n
        if "waivers" in s:
            if "waivers" not in merged:
                merged["waivers"] = [dict(w) for w in s["waivers"]]
            else:
                for total, w in zip(merged["waivers"], s["waivers"], strict=False):
                    total["matched"] += w["matched"]
    return merged


def run_blocks(
    client, blocks: list[Block], spec: ScannerSpec, read_options, output_dir: str, chunk_size: int = CHUNK_SIZE
) -> list[dict[str, Any]]:
    """Both passes on `client`'s cluster, as dask.bag computations; parts in input order."""
    import dask.bag as db

    if not blocks:
        return []
    key = hashlib.sha256(pickle.dumps(spec)).hexdigest()
    bag = db.from_sequence(blocks, npartitions=len(blocks))
    counts = bag.map(count_lines).compute(scheduler=client.get)
    firsts, line = [], 1
    for block, n in zip(blocks, counts, strict=False):
        if block.start == 0:
            line = 1
        firsts.append(line)
        line += n
    work = db.from_sequence(list(zip(blocks, firsts, strict=False)), npartitions=len(blocks))
    parts = work.map(
        lambda item: judge_block(item[0], item[1], spec, key, read_options, output_dir, chunk_size)
    ).compute(scheduler=client.get)
    return sorted(parts, key=lambda p: p["part"])


_PART = re.compile(r"part-\d{5}\.jsonl")
_PART_TMP = re.compile(r"part-\d{5}\.jsonl\.tmp-\d+-\d+")


def _previous_parts(output_dir: str) -> set[str]:
    """The partitions an earlier run listed in its own summary.json (nothing else is ours)."""
    try:
        with open(os.path.join(output_dir, "summary.json"), encoding="utf-8") as stream:
            head = json.load(stream)
    except (OSError, ValueError, RecursionError):
        return set()
    if (
        not isinstance(head, dict)
        or not isinstance(head.get("tool"), dict)
        or head["tool"].get("name") != "compliance"
        or not isinstance(head.get("partitions"), list)
    ):
        return set()
    return {p for p in head["partitions"] if isinstance(p, str) and _PART.fullmatch(p)}


def check_output_dir(output_dir: str, inputs: list[str]) -> None:
    """Refuse a folder that holds an input, or partition-named files no earlier run wrote:
    the run replaces part-*.jsonl and summary.json there, and must destroy nothing else."""
    root = os.path.realpath(output_dir)
    for name in inputs:
        if name == "-":
            continue
        real = os.path.realpath(name)
        if (
            real == root
            or real.startswith(root.rstrip(os.sep) + os.sep)
            or (os.path.isdir(real) and root.startswith(real.rstrip(os.sep) + os.sep))
        ):
            raise DaskProblem(
                f"--output-dir {output_dir}: holds or is inside the input {name}; "
                "results would overwrite it (choose another folder)"
            )
    if not os.path.isdir(output_dir):
        return
    ours = _previous_parts(output_dir)
    foreign = sorted(n for n in os.listdir(output_dir) if _PART.fullmatch(n) and n not in ours)
    if foreign:
        raise DaskProblem(
            f"--output-dir {output_dir}: holds {foreign[0]}"
            f"{f' and {len(foreign) - 1} more' if len(foreign) > 1 else ''}, which no earlier "
            "run listed in its summary.json; the run would overwrite it (choose another folder)"
        )


def _remove_old_parts(output_dir: str) -> None:
    """Partitions of an earlier run (listed in its summary.json) would otherwise mix with this one's."""
    ours = _previous_parts(output_dir)
    for name in os.listdir(output_dir):
        if name in ours or _PART_TMP.fullmatch(name):
            os.remove(os.path.join(output_dir, name))


def run_dask(inputs: list[str], shown: list[str], read_options, scanner, batch: dict[str, Any]) -> int:
    """The CLI's `--engine dask`: partitions + summary.json in --output-dir; exit code 0/1."""

    output_dir = batch.get("output_dir")
    if not output_dir:
        raise DaskProblem("--engine dask needs --output-dir DIR (results are written as partitions)")
    for name in ("state_path", "only_new"):
        if batch.get(name):
            raise DaskProblem(f"--{name.replace('_path', '').replace('_', '-')} is not supported with --engine dask")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise DaskProblem("--engine dask needs Dask: pip install 'compliance[dask]'") from None
    check_output_dir(output_dir, inputs)
    blocks = plan_blocks(inputs, shown, batch.get("partition_size") or (32 << 20))
    try:
        os.makedirs(output_dir, exist_ok=True)
    except OSError as exc:
        raise DaskProblem(f"--output-dir {output_dir}: cannot create: {exc.strerror or exc}") from None
    _remove_old_parts(output_dir)
    spec = ScannerSpec.of(scanner)
    cluster = None
    try:
        if batch.get("scheduler"):
            client = Client(batch["scheduler"])
        else:
            cluster = LocalCluster(
                n_workers=batch.get("jobs") or default_jobs(),
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            client = Client(cluster)
    except (OSError, TimeoutError, ValueError) as exc:
        raise DaskProblem(f"cannot reach the Dask scheduler: {exc}") from None
    try:
        parts = run_blocks(client, blocks, spec, read_options, output_dir, batch.get("chunk_size") or CHUNK_SIZE)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    summary = merge_summaries(parts, scanner.jurisdictions)
    head = header(
        scanner.jurisdictions, scanner.ruleset_meta(), shown, summary, {"partitions": [p["part"] for p in parts]}
    )
    with atomic_text(os.path.join(output_dir, "summary.json")) as out:
        out.write(dumps_indent(head) + "\n")
    return exit_code(summary)
