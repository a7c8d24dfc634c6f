"""Media files decoded and read by OCR in worker processes (`scan --jobs N`), in input order.

OCR costs about a second per picture, far more than judging a caption, and the readers run in
the main process. With `--jobs` above 1 the readers only read each media file's bytes into a
pending job on its post (`ReadOptions.media_later`); `reading` sends those jobs to a pool of
`jobs` worker processes and hands the posts on, completed, in the order they were read. Posts
without media pass straight through, never waiting for more than the jobs in flight ahead of
them. The pool starts with the second media file, so a scan of captions (or of one picture)
never pays for it.

A worker that fails (killed, out of memory) costs the files it held an error record each, never
the run; the pool is started again for the rest.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from compliance.readers import ReadOptions, read_inputs
from compliance.readers.media_hook import PENDING, complete, run_job

PARENT_POLL = 0.5  # seconds between a worker's checks that the scan that started it is still there
MAX_WAITING = 10_000  # records held behind a media file still being read, at most


def _init_worker(parent: int) -> None:
    # Ctrl-C reaches the whole process group: the scan stops the pool; a worker only exits.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:  # kill -9 on the scan leaves no one to stop the pool: exit when orphaned
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _work(job: dict) -> dict | str:
    try:
        return run_job(job)
    except Exception as exc:  # a decoder's own failure is this file's error record, not the run's end
        return f"{type(exc).__name__}: {exc}"


class MediaPool:
    """`jobs` spawned worker processes, started on first use."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self.executor: ProcessPoolExecutor | None = None

    def submit(self, job: dict) -> Future:
        if self.executor is None:
            self.executor = ProcessPoolExecutor(
                self.jobs,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(os.getpid(),),
            )
        try:
            return self.executor.submit(_work, job)
        except BrokenProcessPool:  # a worker died earlier: its files are errors, the rest go on
            self.close()
            return self.submit(job)

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None


def _outcome(future: Future) -> dict | str:
    try:
        return future.result()
    except BrokenProcessPool:
        return "the worker process reading it stopped unexpectedly"


class _Held:
    """The first media file's job, kept back: with no second file, it is read here (one file
    is not worth the seconds a worker needs to start)."""

    def __init__(self, job: dict):
        self.job = job


def complete_in_pool(records: Iterable, jobs: int) -> Iterator:
    """The records, each pending media file read in the pool, in input order."""
    pool = MediaPool(jobs)
    waiting: deque = deque()  # (record, future or _Held or None), in input order
    in_flight = 0
    started = False

    def ready() -> bool:
        future = waiting[0][1]
        return future is None or (isinstance(future, Future) and future.done())

    def pop():
        nonlocal in_flight
        record, future = waiting.popleft()
        if future is None:
            return record
        if isinstance(future, _Held):
            return complete(record, _work(future.job))
        in_flight -= 1
        return complete(record, _outcome(future))

    try:
        for record in records:
            pending = getattr(record, "metadata", {}).get(PENDING)
            future: Future | _Held | None = None
            if pending and not started and not _holding(waiting):
                future = _Held(pending["job"])
            elif pending:
                if not started:  # a second media file: the pool is worth starting
                    started = True
                    for i, (held_record, held) in enumerate(waiting):
                        if isinstance(held, _Held):
                            waiting[i] = (held_record, pool.submit(held.job))
                            in_flight += 1
                future = pool.submit(pending["job"])
                in_flight += 1
            waiting.append((record, future))
            while waiting and (ready() or in_flight > 2 * jobs or len(waiting) > MAX_WAITING):
                yield pop()
        while waiting:
            yield pop()
    finally:
        pool.close()


def _holding(waiting: deque) -> bool:
    return any(isinstance(future, _Held) for _, future in waiting)


def reading(inputs: list[str], options: ReadOptions, jobs: int) -> Iterator:
    """`read_inputs`, with media files read by `jobs` worker processes when there are more than one;
    otherwise exactly `read_inputs`. Nothing optional is imported here: without the media extra
    the readers skip media files, and no job is ever pending."""
    if jobs <= 1:
        return read_inputs(inputs, options)
    return complete_in_pool(read_inputs(inputs, replace(options, media_later=True)), jobs)
