"""A process pool for `--jobs N`: each worker holds a Scanner and judges whole chunks.

On Linux, while the scan runs no other Python thread, workers are forked from the main
process after its Scanner is built (and its vocabulary warmed): they start judging at once,
sharing its pages, where a spawned worker starts a new interpreter, imports spaCy and builds
its own Scanner (about a second of CPU each, which on two cores is a second of wall time).
Elsewhere, or with a thread running (the media pool's, a test server's), workers start with
"spawn" and build the Scanner from its `ScannerSpec`. Only module-level functions cross the
process boundary. A chunk goes out as Post records and comes back as each post's JSON texts
with the few fields the main process reads (`rendered`); spaCy objects never leave a worker.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import chain
from typing import Any

from compliance.reporters.streaming import Rendered, post_texts
from compliance.run.chunks import NLP_LOCK, ZONE_SIZE, Batch, ChunkJudge, LocalBackend, ScannerSpec, chunked

# Objects a gen-0 collection waits for while posts stream (Python's default is 700): each post
# allocates thousands of short-lived containers, and few are in cycles (compliance.run.scan.quiet_gc).
GC_THRESHOLD = 10_000

_JUDGE: ChunkJudge | None = None
# Posts per piece of work, sent to a worker or judged here: a memory zone's worth. Pieces smaller
# than a chunk let the last ones of a scan end close together on every core.
PIECE = ZONE_SIZE


class WorkerFailed(RuntimeError):
    """A worker process died (killed, out of memory): the run cannot vouch for its output."""


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def start_method() -> str:
    """Fork where it is safe and cheap (Linux, no Python thread but this one), else spawn.

    A thread holding a lock at the moment of the fork would leave it locked in the worker for
    ever; with one thread there is none. (numpy's OpenBLAS keeps an idle native thread; it
    re-initialises itself in a forked child.) macOS has fork, but its system libraries do not
    survive it: spawn, as Python's own default there."""
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "spawn"


def _init_worker(spec: ScannerSpec, scanner=None) -> None:
    """`scanner`: the main process's own, in a forked worker (never pickled); None: build one."""
    global _JUDGE
    # Everything inherited from the main process (its Scanner, its open files, its garbage) is
    # kept out of every collection: nothing of the main process is finalised here, no page is
    # copied by the collector's visits. (A spawned worker freezes its own start-up objects.)
    gc.freeze()
    # Ctrl-C reaches the whole process group: the main process handles it (and stops the pool);
    # a worker that died of it would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent(os.getppid())
    _JUDGE = ChunkJudge(scanner if scanner is not None else spec.build())
    with NLP_LOCK:  # pieces are never more than one zone, which ChunkJudge would not warm for
        _JUDGE.scanner.analyser.warm_vocabulary()
    # The worker's pipeline and rule sets live as long as it does: kept out of every collection
    # (as compliance.run.scan.quiet_gc does for the main process).
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])


# How often a worker checks that the scan that started it is still there (seconds).
PARENT_POLL = 0.5


def _watch_parent(parent: int) -> None:
    """Exit when the parent goes (kill -9 leaves no one to shut the pool down): a worker is then
    adopted by another process, and its parent id changes. A daemon thread, so it never delays
    a normal exit."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _judge_chunk(records: list) -> list[dict[str, Any]]:
    assert _JUDGE is not None, "worker used before its initializer ran"
    return [rendered(post) for post in _JUDGE(records)]


def rendered(post: dict[str, Any]) -> dict[str, Any]:
    """What a worker sends back for one post: its two JSON texts (the report block and the JSONL
    line, encoded here, in parallel) and only the fields the main process reads (summary, state,
    --only-new, --notify); the rest is parsed from the line if a reporter asks for it. The main
    process then writes texts and unpickles a few small objects instead of every finding."""
    if post.get("error"):
        return post
    verdicts = {}
    for code, verdict in post["verdicts"].items():
        brief = {"status": verdict["status"]}
        if verdict.get("waived"):  # summary counts what each accepted exception set aside
            brief["waived"] = verdict["waived"]
        verdicts[code] = brief
    data = {"id": post["id"], "error": None, "source": post["source"], "verdicts": verdicts}
    line, block = post_texts(post)
    return Rendered(data, line=line, block=block, partial=True)


class PoolBackend:
    """Chunks judged by worker processes and, given its Scanner, by this process too; results in
    input order.

    With the main process's `scanner`, `jobs` processes judge: this one and `jobs - 1` workers.
    The main process reads, writes the report and the state, and judges a piece itself whenever
    every worker has enough queued; so on N cores N processes run, not N + 1 that evict each
    other, and the pieces judged here are never pickled. At the end of the input, pieces no
    worker has started are taken back and judged here, so the cores finish together. Without a
    `scanner`, `jobs` workers judge everything.
    """

    def __init__(self, spec: ScannerSpec, jobs: int, scanner=None, method: str | None = None):
        """`scanner`: the main process's, which forked workers use as it is (see `start_method`)."""
        self.method = method or start_method()
        self.local = ChunkJudge(scanner) if scanner is not None and jobs > 1 else None
        self.workers = jobs - 1 if self.local is not None else jobs
        inherited = None
        if scanner is not None:
            with NLP_LOCK:  # learned once here, before any fork, not once in each process
                scanner.analyser.warm_vocabulary()
            if self.method == "fork":
                inherited = scanner
        # Pieces queued for the workers before this process judges one itself: one running and
        # one waiting each (so none starves while this process judges), and one more.
        self.ahead = 2 * self.workers + 1
        self.in_flight: list[Future] = []
        self.sent: dict[Future, list] = {}  # each worker's piece: its records, until collected
        self.pieces = {"here": 0, "workers": 0, "taken back": 0}  # where pieces were judged (bench, tests)
        self.executor = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context(self.method),
            initializer=_init_worker,
            initargs=(spec, inherited),  # with fork, inherited as it is: nothing is pickled
        )

    def map(self, batches: Iterable[Batch]) -> Iterator[tuple[Batch, list[dict]]]:
        pending: deque[tuple[Batch, list]] = deque()  # per batch: its pieces, each a Future or judged
        try:
            for batch in batches:
                pending.append((batch, [self._start(piece) for piece in chunked(batch.todo, PIECE)]))
                # Results leave in input order, as soon as they are complete; a slow worker holds
                # back at most `ahead` more chunks (memory stays flat).
                while pending and (_complete(pending[0][1]) or len(pending) > self.ahead + 1):
                    yield self._collect(*pending.popleft())
            self._take_back(pending)
            while pending:
                yield self._collect(*pending.popleft())
        except BrokenProcessPool as exc:
            raise WorkerFailed(f"a worker process stopped unexpectedly ({exc})") from None

    def _start(self, records: list) -> Future | list:
        """A worker's Future for `records`, or their results judged here when the workers have enough."""
        self.in_flight = [f for f in self.in_flight if not f.done()]
        if self.local is not None and len(self.in_flight) >= self.ahead:
            self.pieces["here"] += 1
            return self.local(records)
        self.pieces["workers"] += 1
        future = self.executor.submit(_judge_chunk, records)
        self.in_flight.append(future)
        self.sent[future] = records
        return future

    def _take_back(self, pending: deque[tuple[Batch, list]]) -> None:
        """The input has ended: judge here what no worker has started (instead of waiting idle)."""
        if self.local is None:
            return
        for _, pieces in pending:
            for i, piece in enumerate(pieces):
                if isinstance(piece, Future) and piece.cancel():
                    pieces[i] = self.local(self.sent.pop(piece))
                    self.pieces["taken back"] += 1

    def _collect(self, batch: Batch, pieces: list) -> tuple[Batch, list[dict]]:
        judged: list[dict] = []
        for piece in pieces:
            if isinstance(piece, Future):
                self.sent.pop(piece, None)
                piece = piece.result()
            judged += piece
        return batch, judged

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def _complete(pieces: list) -> bool:
    return all(not isinstance(piece, Future) or piece.done() for piece in pieces)


class AutoBackend:
    """A pool of `jobs` workers, started only when there is enough to judge: a chunk that is
    mostly new work with more chunks after it. A one-chunk scan, or a re-run whose posts the
    state already knows, is not worth the seconds each worker needs to start."""

    def __init__(self, spec: ScannerSpec, scanner, jobs: int):
        self.spec = spec
        self.jobs = jobs
        self.local = LocalBackend(scanner)
        self.pool: PoolBackend | None = None

    def map(self, batches: Iterable[Batch]) -> Iterator[tuple[Batch, list[dict]]]:
        it = iter(batches)
        batch = next(it, None)
        while batch is not None:
            following = next(it, None)
            if following is None or 2 * len(batch.todo) <= len(batch.records):
                yield from self.local.map([batch])
                batch = following
                continue
            self.pool = PoolBackend(self.spec, self.jobs, self.local.judge.scanner)
            yield from self.pool.map(chain([batch, following], it))
            return

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()


def make_backend(spec: ScannerSpec, scanner, jobs: int):
    """`jobs` 1: in-process (reusing `scanner`); more: a spawn-safe process pool."""
    if jobs <= 1:
        return LocalBackend(scanner)
    return AutoBackend(spec, scanner, jobs)
