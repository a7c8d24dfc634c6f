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
import itertools
import multiprocessing
import os
import pickle
import shutil
import signal
import sys
import tempfile
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
_CLAIMS: Any = None  # in a worker: the pool's shared piece states
_SPILL: str | None = None  # in a worker: the folder its results go through
_SPILLED = itertools.count()
# Posts per piece of work, sent to a worker or judged here: a memory zone's worth. Pieces smaller
# than a chunk let the last ones of a scan end close together on every core.
PIECE = ZONE_SIZE
# Below this many posts a piece taken back at the end of the input is judged whole.
SMALL_PIECE = 100
# Pieces a pool holds sent and not yet collected, at most (each has a slot in the shared states).
SLOTS = 256


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


def _init_worker(spec: ScannerSpec, scanner=None, claims=None, spill: str | None = None) -> None:
    """`scanner`: the main process's own, in a forked worker (never pickled); None: build one.
    `claims`: the pool's shared piece states; `spill`: the folder results go through (see PoolBackend)."""
    global _JUDGE, _CLAIMS, _SPILL
    _CLAIMS = claims
    _SPILL = spill
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
        if _SPILL is not None:  # the scan that would have removed it is gone
            shutil.rmtree(_SPILL, ignore_errors=True)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _judge_chunk(records: list, slot: int | None = None) -> list[dict[str, Any]] | str | None:
    """The records judged and rendered (or the file holding them); None if the main process took
    the piece back first."""
    assert _JUDGE is not None, "worker used before its initializer ran"
    if slot is not None and _CLAIMS is not None and not _claim(_CLAIMS, slot, STARTED):
        return None
    results = [rendered(post) for post in _JUDGE(records)]
    if _SPILL is None:
        return results
    # Megabytes of results through the executor's pipe: a worker killed halfway through writing
    # them leaves the main process waiting for the rest for ever. Written to a file instead, only
    # its name (a few bytes, written whole or not at all) goes through the pipe.
    path = os.path.join(_SPILL, f"{os.getpid()}-{next(_SPILLED)}")
    with open(path, "wb") as out:
        pickle.dump(results, out, protocol=pickle.HIGHEST_PROTOCOL)
    return path


# A piece's state in the pool's shared array: sent to a worker, started by one, taken back by
# the main process. Whoever moves it from QUEUED first judges it; the other leaves it alone.
QUEUED, STARTED, TAKEN = 1, 2, 3
CLAIM_WAIT = 5.0  # seconds


def _claim(claims, slot: int, state: int) -> bool:
    lock = claims.get_lock()
    # Held for a moment only; a worker killed in that moment must not stop the main process,
    # which then leaves the piece to the pool (whose failure it learns of when it collects).
    if not lock.acquire(timeout=CLAIM_WAIT):
        return False
    try:
        if claims[slot] != QUEUED:
            return False
        claims[slot] = state
        return True
    finally:
        lock.release()


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
    the workers have enough queued; so on N cores N processes run, not N + 1 that evict each
    other, and the pieces judged here are never pickled. Once the input ends, it takes back the
    pieces no worker has started, the last first, one at a time, while the workers go on from
    the front: the cores finish together. Without a `scanner`, `jobs` workers judge everything.
    """

    def __init__(self, spec: ScannerSpec, jobs: int, scanner=None, method: str | None = None):
        """`scanner`: the main process's, which forked workers use as it is (see `start_method`)."""
        self.method = method or start_method()
        context = multiprocessing.get_context(self.method)
        self.local = ChunkJudge(scanner) if scanner is not None and jobs > 1 else None
        self.workers = jobs - 1 if self.local is not None else jobs
        inherited = None
        if scanner is not None:
            with NLP_LOCK:  # learned once here, before any fork, not once in each process
                scanner.analyser.warm_vocabulary()
            if self.method == "fork":
                inherited = scanner
        # Pieces queued for the workers before this process judges one itself: one running and
        # one waiting each, so none starves while this process judges, and one more.
        self.ahead = 2 * self.workers + 1
        self.in_flight: list[Future] = []
        # Each piece sent and not yet collected: its records and its slot in `claims`.
        self.sent: dict[Future, tuple[list, int]] = {}
        self.claims = context.Array("b", SLOTS) if self.local is not None else None
        self.free = list(range(SLOTS))
        self.pieces = {"here": 0, "workers": 0, "taken back": 0}  # where pieces were judged (bench, tests)
        self.spill = tempfile.mkdtemp(prefix="compliance-pool-")
        self.executor = ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(spec, inherited, self.claims, self.spill),  # fork: inherited as they are, never pickled
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
            yield from self._take_back(pending)
            while pending:
                yield self._collect(*pending.popleft())
        except BrokenProcessPool as exc:
            raise WorkerFailed(f"a worker process stopped unexpectedly ({exc})") from None

    def _start(self, records: list) -> Future | list:
        """A worker's Future for `records`, or their results judged here when the workers have enough."""
        self.in_flight = [f for f in self.in_flight if not f.done()]
        if self.local is not None and (len(self.in_flight) >= self.ahead or not self.free):
            self.pieces["here"] += 1
            return self.local(records)
        return self._send(records)

    def _send(self, records: list) -> Future:
        slot = -1
        if self.claims is not None:
            slot = self.free.pop()
            self.claims[slot] = QUEUED  # no worker holds this slot: its last piece was collected
        future = self.executor.submit(_judge_chunk, records, slot if slot >= 0 else None)
        self.in_flight.append(future)
        self.sent[future] = (records, slot)
        self.pieces["workers"] += 1
        return future

    def _take_back(self, pending: deque[tuple[Batch, list]]) -> Iterator[tuple[Batch, list[dict]]]:
        """The input has ended: take back, the last first, the pieces no worker has started, and
        stop at the first one a worker has (workers take pieces in order). A piece taken back is
        halved while it is larger than SMALL_PIECE: the first half goes back to the workers, the
        second is judged here, and then the first half is the last piece not started; so the
        workers and this process run out of work within a small piece of each other.

        Between two pieces judged here, the chunks already complete at the front are handed on
        (their state rows stored, their report blocks written) while the workers still judge:
        left to the end, that work ran on one core while the workers had nothing left to do."""
        if self.local is None or self.claims is None:
            return
        k = 1  # the chunk taken from: pending[-k] (counted from the end, which yielding leaves in place)
        while k <= len(pending):
            pieces = pending[-k][1]
            i = len(pieces) - 1
            while i >= 0:
                piece = pieces[i]
                if not isinstance(piece, Future):
                    i -= 1
                    continue
                records, slot = self.sent[piece]
                if not (piece.cancel() or _claim(self.claims, slot, TAKEN)):
                    return
                # Its slot stays TAKEN (a worker that meets the piece skips it), never reused.
                del self.sent[piece]
                self.pieces["taken back"] += 1
                if len(records) > SMALL_PIECE and self.free:
                    half = len(records) // 2
                    # i is now the first half: taken back again if still not started
                    pieces[i : i + 1] = [self._send(records[:half]), self.local(records[half:])]
                else:
                    pieces[i] = self.local(records)
                    i -= 1
                while len(pending) > k and _complete(pending[0][1]):
                    yield self._collect(*pending.popleft())
            k += 1

    def _collect(self, batch: Batch, pieces: list) -> tuple[Batch, list[dict]]:
        judged: list[dict] = []
        for piece in pieces:
            if isinstance(piece, Future):
                result = _unspill(piece.result())
                assert result is not None, "a piece taken back is judged here"
                _, slot = self.sent.pop(piece)
                if slot >= 0:
                    self.free.append(slot)
                piece = result
            judged += piece
        return batch, judged

    def close(self) -> None:
        try:
            self.executor.shutdown(wait=True, cancel_futures=True)
        finally:
            shutil.rmtree(self.spill, ignore_errors=True)


def _unspill(result: Any) -> Any:
    """A worker's results, read (and removed) from the file it wrote them to."""
    if not isinstance(result, str):
        return result
    try:
        with open(result, "rb") as stream:
            return pickle.load(stream)
    finally:
        os.unlink(result)


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
