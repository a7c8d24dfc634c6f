"""A scan as a stream: records in, post dicts out, in input order, in flat memory.

Records are cut into chunks. A chunk is judged in-process or by a pool of worker processes
(`compliance.run.pool`), each worker holding its own Scanner; only plain post dicts travel
back, never spaCy objects. Judging runs inside spaCy memory zones so the string store and
tokenizer cache do not grow with every new word; the matchers that are built lazily per brand
set are warmed outside the zone first, because anything created inside a zone is freed at
its end. With a state file (`compliance.run.state`) unchanged posts are not judged again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from compliance.config import Settings
from compliance.judging.scanner import Scanner, encodable_record
from compliance.model import Post
from compliance.ruleset.model import RuleSet
from compliance.run import CHUNK_SIZE

# Posts per memory zone, measured with bench/zones.py: inside a zone the tokenizer caches nothing
# and every word new to the zone is created again, so small zones are slow; the zone's transient
# words are what it adds to memory, so large zones cost memory. Since the tokenizer learns the
# recurring words before each zone, size matters little: 20,000 posts, zones of 1,000 / 2,000
# posts: 428 / 431 CPU us a post, peak RSS 171 / 173 MiB (zones never exceed a chunk,
# compliance.run.CHUNK_SIZE, so 5,000 and 10,000 are 2,000).
ZONE_SIZE = 1000
# A zone also ends once its posts bring this many brand lists of their own: each list's matchers
# are built before the zone and must stay cached through it (the caches hold 256).
ZONE_BRAND_SETS = 64
# The spaCy pipeline is shared by every Scanner in a process, and a memory zone frees whatever
# any thread adds to it meanwhile: threads (a Dask worker's) take turns on it.
NLP_LOCK = threading.RLock()


@dataclass(frozen=True)
class ScannerSpec:
    """What a worker needs to rebuild the Scanner: the one `Settings` object and the loaded rule sets.

    The rule sets travel as data, so a worker judges by exactly the rules the main process
    loaded, wherever they came from; both are picklable.
    """

    settings: Settings
    rulesets: tuple[RuleSet, ...] = ()

    @classmethod
    def of(cls, scanner: Scanner) -> ScannerSpec:
        return cls(scanner.settings, tuple(scanner.rulesets))

    def build(self) -> Scanner:
        return Scanner.from_settings(self.settings, self.rulesets or None)


def chunked(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while True:
        chunk = list(islice(it, size))
        if not chunk:
            return
        yield chunk


def warm(scanner, post: Post) -> None:
    """Build the lazily cached matchers this post needs, so they never live inside a zone."""
    analyser = scanner.analyser
    nlp = analyser.nlp
    found = analyser.brands_for(post)
    for brands in found if isinstance(found, (list, tuple)) else [found]:
        if brands:
            if brands.names:
                brands.matcher(nlp)
            analyser.labels._brand_templates(nlp, brands)


class ChunkJudge:
    """Judge a list of records in this process: returns `PostResult.to_dict()` dicts, in order."""

    def __init__(self, scanner, zone_size: int = ZONE_SIZE):
        self.scanner = scanner
        self.zone_size = zone_size

    def __call__(self, records: list) -> list[dict[str, Any]]:
        scanner = self.scanner
        if not any(isinstance(r, Post) for r in records):  # unreadable lines only: no analyser needed
            return [scanner.judge_record(r).to_dict() for r in records]
        analyser = scanner.analyser
        nlp = analyser.nlp
        out: list[dict[str, Any]] = []
        # Texts made encodable first: warming matchers and learning words tokenize a post's
        # brands and caption outside `judge_record`, and a lone surrogate must not crash them.
        records = [encodable_record(r) for r in records]
        if len(records) > self.zone_size:  # worth it from the second zone on (a one-caption run skips it)
            with NLP_LOCK:
                analyser.warm_vocabulary()
        for part in self.zones(records):
            with NLP_LOCK:
                analyser.labels.make_room(ZONE_BRAND_SETS)
                for record in part:
                    if isinstance(record, Post):
                        warm(scanner, record)
                analyser.prepare_zone(part)  # the zone's recurring words, learned before it
                with nlp.memory_zone():
                    for record in part:
                        out.append(scanner.judge_encodable(record).to_dict())
        return out

    def zones(self, records: list) -> Iterator[list]:
        """The records cut into memory zones: `zone_size` posts, fewer when they bring
        ZONE_BRAND_SETS brand lists of their own."""
        part: list = []
        lists: set = set()
        for record in records:
            own = tuple(getattr(record, "brands", ()) or ())
            if part and (len(part) >= self.zone_size or (own and own not in lists and len(lists) >= ZONE_BRAND_SETS)):
                yield part
                part, lists = [], set()
            if own:
                lists.add(own)
            part.append(record)
        if part:
            yield part


@dataclass
class Batch:
    """One chunk on its way through: records, what the state could reuse, what must be judged."""

    records: list
    reused: list[dict[str, Any] | None]
    meta: Any = None  # the state's bookkeeping for this chunk (keys, hashes)
    recent: list[bool] | None = None  # per record: new since the last complete run, even if reused
    fresh: list[bool] = field(default_factory=list)  # per record: new or changed (for --only-new)

    @property
    def todo(self) -> list:
        return [r for r, done in zip(self.records, self.reused, strict=False) if done is None]

    def merge(self, judged: list[dict[str, Any]]) -> list[dict[str, Any]]:
        it = iter(judged)
        out = []
        self.fresh = []
        for i, done in enumerate(self.reused):
            if done is None:
                out.append(next(it))
                self.fresh.append(True)
            else:
                out.append(done)
                self.fresh.append(bool(self.recent and self.recent[i]))
        return out


class LocalBackend:
    """Chunks judged one after another in this process (`--jobs 1`)."""

    def __init__(self, scanner):
        self.judge = ChunkJudge(scanner)

    def map(self, batches: Iterable[Batch]) -> Iterator[tuple[Batch, list[dict]]]:
        for batch in batches:
            todo = batch.todo
            yield batch, (self.judge(todo) if todo else [])

    def close(self) -> None:
        pass


def scan_stream(
    records: Iterable, backend, chunk_size: int = CHUNK_SIZE, state=None, progress=None
) -> Iterator[tuple[dict[str, Any], bool]]:
    """Yield (post dict, judged in this run) for every record, in input order.

    With a state, each chunk's results are committed before they are yielded, so a killed
    run loses at most the chunks in flight and a re-run picks up where it stopped.
    """

    def batches() -> Iterator[Batch]:
        for chunk in chunked(records, chunk_size):
            if state is not None:
                yield state.lookup(chunk)
            else:
                yield Batch(chunk, [None] * len(chunk))

    for batch, judged in backend.map(batches()):
        posts = batch.merge(judged)
        if state is not None:
            state.store(batch, posts)
        if progress is not None:
            progress.update(len(posts))
        yield from zip(posts, batch.fresh, strict=False)
