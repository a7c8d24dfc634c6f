"""What pool workers send back: each post's JSON texts plus the few fields the main process reads."""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import pytest

from compliance.judging.scanner import Scanner
from compliance.model import Post, Source
from compliance.reporters.document import summarise
from compliance.reporters.streaming import Rendered, block_of, full_post, jsonl_line, line_of, post_block
from compliance.run.chunks import ChunkJudge, LocalBackend, ScannerSpec
from compliance.run.pool import PoolBackend, rendered, start_method
from tests.test_pipeline import ROOT, run_process, write_posts

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


def _batches(records, size):
    from compliance.run.chunks import Batch

    return [Batch(records[i : i + size], [None] * len(records[i : i + size])) for i in range(0, len(records), size)]


def _posts(n: int) -> list[Post]:
    from tests.test_pipeline import CAPTIONS

    return [
        Post(id=f"q{i}", caption=f"{CAPTIONS[i % len(CAPTIONS)]} word{i}", source=Source("q.jsonl", line=i + 1))
        for i in range(n)
    ]


def _pooled(backend, records, size=4):
    try:
        return [post for batch, judged in backend.map(_batches(records, size)) for post in batch.merge(judged)]
    finally:
        backend.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")
def test_forked_workers_judge_with_the_main_process_scanner_as_it_is():
    # No spec at all: a forked worker never rebuilds the Scanner, it inherits the main process's.
    scanner = Scanner(["us", "de"], brands=["Glowly", "@glowlyskin"])
    records = _posts(14)
    local = [post for batch, judged in LocalBackend(scanner).map(_batches(records, 4)) for post in batch.merge(judged)]
    pooled = _pooled(PoolBackend(None, 2, scanner, method="fork"), records)  # type: ignore[arg-type]
    assert [line_of(p) for p in pooled] == [line_of(p) for p in local]
    assert [block_of(p) for p in pooled] == [block_of(p) for p in local]


def test_spawned_workers_build_the_scanner_from_its_spec():
    scanner = Scanner(["us", "de"], brands=["Glowly", "@glowlyskin"])
    records = _posts(10)
    local = [post for batch, judged in LocalBackend(scanner).map(_batches(records, 4)) for post in batch.merge(judged)]
    pooled = _pooled(PoolBackend(ScannerSpec.of(scanner), 2, method="spawn"), records)
    assert [line_of(p) for p in pooled] == [line_of(p) for p in local]


def test_workers_are_forked_only_on_linux_with_no_other_thread_running(monkeypatch):
    import compliance.run.pool as pool

    monkeypatch.setattr(pool.threading, "active_count", lambda: 1)
    monkeypatch.setattr(pool.sys, "platform", "linux")
    assert start_method() == "fork"
    monkeypatch.setattr(pool.sys, "platform", "darwin")  # fork exists there, but its system libraries break
    assert start_method() == "spawn"
    monkeypatch.setattr(pool.sys, "platform", "linux")
    monkeypatch.undo()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert start_method() == "spawn"  # a thread may hold a lock at the moment of the fork
    finally:
        stop.set()
        other.join()


# `python -m compliance` with Ctrl-C handled as in a terminal's foreground job, whatever the test
# runner inherited: a runner started as a background job of a non-interactive shell has SIGINT
# ignored, its children inherit that, and Python then installs no KeyboardInterrupt handler.
_FOREGROUND = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'compliance'; runpy.run_module('compliance', run_name='__main__', alter_sys=True)"
)


def _scan_with_workers(tmp_path, **popen):
    """A `--jobs 3` scan (two workers) long enough to act on while it runs (100,000 posts: with
    20,000 a fast machine could finish before the test acted), and its workers once up."""
    from tests.test_hostile_crash import _descendants

    posts = tmp_path / "many.jsonl"
    line = json.dumps({"id": "x", "caption": "Loving my Glowly serum, code LENA15 " * 5})
    posts.write_text("\n".join(line.replace('"x"', f'"{i}"') for i in range(100_000)) + "\n")
    proc = subprocess.Popen(
        [sys.executable, "-c", _FOREGROUND, "scan", str(posts), "--jobs", "3", "--chunk-size", "50"]
        + ["--brand", "Glowly", "-o", str(tmp_path / "r.json"), "--state", str(tmp_path / "s.sqlite")],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )
    workers: set[int] = set()
    deadline = time.monotonic() + 240
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        workers = {
            p for p in _descendants(proc.pid) if b"resource_tracker" not in Path(f"/proc/{p}/cmdline").read_bytes()
        }
    assert len(workers) >= 2, "the pool did not start"
    return proc, workers


def _gone(pids: set[int], within: float = 60) -> bool:
    deadline = time.monotonic() + within
    while pids and time.monotonic() < deadline:
        pids = {
            p for p in pids if Path(f"/proc/{p}").exists() and Path(f"/proc/{p}/stat").read_text().split()[2] != "Z"
        }
        time.sleep(0.2)
    return not pids


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_a_worker_that_dies_fails_the_run_with_a_message_and_no_report(tmp_path):
    proc, workers = _scan_with_workers(tmp_path)
    os.kill(min(workers), signal.SIGKILL)
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == 2, err
    assert "a worker process stopped unexpectedly" in err and "Traceback" not in err
    assert not (tmp_path / "r.json").exists()  # never a report that misses posts
    assert _gone(workers)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_ctrl_c_stops_the_scan_and_its_workers_and_says_the_state_keeps_finished_chunks(tmp_path):
    proc, workers = _scan_with_workers(tmp_path, start_new_session=True)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == 130, err
    assert "interrupted; the state file keeps every finished chunk" in err and "Traceback" not in err
    assert _gone(workers)


class _LazyFuture(Future):
    """A worker's piece that runs only when its result is asked for: a worker slow enough that
    the input ends while pieces still wait for it."""

    def __init__(self, run):
        super().__init__()
        self.run = run

    def result(self, timeout=None):
        if not self.done():
            self.set_running_or_notify_cancel()
            self.set_result(self.run())
        return super().result(timeout)


@pytest.mark.parametrize("piece, small", [(2, 100), (8, 2)])
def test_the_main_process_judges_when_workers_have_enough_and_takes_back_what_they_never_started(
    monkeypatch, piece, small
):
    import compliance.run.pool as pool

    scanner = Scanner(["us"], brands=["Glowly"])
    ran: list[list] = []

    class SlowWorkers:
        def __init__(self, workers, **_):
            assert workers == 1  # --jobs 2: this process and one worker

        def submit(self, fn, records, slot=None):
            judge = ChunkJudge(scanner)
            return _LazyFuture(lambda: (ran.append(records), [rendered(p) for p in judge(records)])[1])

        def shutdown(self, **_):
            pass

    monkeypatch.setattr(pool, "ProcessPoolExecutor", SlowWorkers)
    monkeypatch.setattr(pool, "PIECE", piece)
    monkeypatch.setattr(pool, "SMALL_PIECE", small)  # (8, 2): pieces taken back are halved, 8 -> 4 -> 2
    records = _posts(24)
    backend = PoolBackend(None, 2, scanner, method="spawn")  # type: ignore[arg-type]
    here: list[list] = []
    judge_here = backend.local
    backend.local = lambda part: (here.append(part), judge_here(part))[1]  # type: ignore[assignment]
    pooled = _pooled(backend, records, size=4)
    local = [post for batch, judged in LocalBackend(scanner).map(_batches(records, 4)) for post in batch.merge(judged)]
    assert [line_of(p) for p in pooled] == [line_of(p) for p in local]
    counts = backend.pieces
    assert counts["here"] > 0 and counts["workers"] > 0 and counts["taken back"] > 0
    # Every post judged exactly once, here or by the worker; the pieces sent back to the workers
    # when one was halved are the first halves of pieces taken back.
    judged = sorted(p.id for part in here + ran for p in part)
    assert judged == sorted(p.id for p in records)
    if small < piece:
        assert any(len(part) < piece for part in here)


def test_chunks_complete_at_the_front_are_handed_on_while_pieces_are_taken_back(monkeypatch):
    """At the end of the input, the main process writes out the chunks the worker has finished
    between the pieces it takes back, not only after all of them (when the worker would idle)."""
    import compliance.run.pool as pool

    scanner = Scanner(["us"], brands=["Glowly"])
    events: list[tuple[str, int]] = []
    queue: list[_LazyFuture] = []

    class Workers:
        """A worker that judges one piece, in order, each time the main process has judged three,
        and one each time the main process judges one once it takes pieces back."""

        def __init__(self, workers, **_):
            pass

        def submit(self, fn, records, slot=None):
            judge = ChunkJudge(scanner)

            def run():
                backend.claims[slot] = pool.STARTED  # as _judge_chunk claims its piece
                return [rendered(p) for p in judge(records)]

            future = _LazyFuture(run)
            queue.append(future)
            return future

        def shutdown(self, **_):
            pass

    def worker_step() -> None:
        waiting = [f for f in queue if not f.done()]
        if waiting and (backend.pieces["taken back"] or sum(kind == "judge" for kind, _ in events) % 3 == 0):
            waiting[0].result()

    monkeypatch.setattr(pool, "ProcessPoolExecutor", Workers)
    monkeypatch.setattr(pool, "PIECE", 2)
    monkeypatch.setattr(pool, "SMALL_PIECE", 100)
    records = _posts(40)
    backend = PoolBackend(None, 2, scanner, method="spawn")  # type: ignore[arg-type]
    judge_here = backend.local

    def here(part):
        events.append(("judge", backend.pieces["taken back"]))
        judged = judge_here(part)
        worker_step()
        return judged

    backend.local = here  # type: ignore[assignment]
    out = []
    try:
        for batch, judged in backend.map(_batches(records, 4)):
            events.append(("out", backend.pieces["taken back"]))
            out += batch.merge(judged)
    finally:
        backend.close()
    local = [post for batch, judged in LocalBackend(scanner).map(_batches(records, 4)) for post in batch.merge(judged)]
    assert [line_of(p) for p in out] == [line_of(p) for p in local]
    kinds = [kind for kind, _ in events]
    first_taken = next(i for i, (kind, taken) in enumerate(events) if kind == "judge" and taken > 0)
    last_judged = max(i for i, kind in enumerate(kinds) if kind == "judge")
    assert "out" in kinds[first_taken:last_judged], events
