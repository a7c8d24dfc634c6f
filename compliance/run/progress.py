"""A one-line progress display on stderr for long scans: posts done, posts/s, ETA.

It draws only on a terminal (unless forced), never on stdout, and at most a few times a
second, so it costs nothing measurable and never mixes with a report piped to a file.
"""

from __future__ import annotations

import gzip
import os
import sys
import time
from collections.abc import Callable
from typing import TextIO


def count_posts(inputs: list[str]) -> int | None:
    """Lines in plain JSONL inputs (a close estimate of posts), or None when it can't be known cheaply."""
    total = 0
    for name in inputs:
        if name == "-" or not os.path.isfile(name) or not name.endswith((".jsonl", ".jsonl.gz", ".ndjson")):
            return None
        opener = gzip.open if name.endswith(".gz") else open
        try:
            with opener(name, "rb") as stream:
                last = b"\n"
                while block := stream.read(1 << 20):
                    total += block.count(b"\n")
                    last = block[-1:]
                if last != b"\n":
                    total += 1
        except OSError:
            return None
    return total


def _clock(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    def __init__(
        self,
        total: int | None = None,
        enabled: bool | None = None,
        stream: TextIO | None = None,
        interval: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled
        self.total = total
        self.done = 0
        self.clock = clock
        self.interval = interval
        self.started = clock()
        self.drawn = float("-inf")
        self.width = 0

    def line(self) -> str:
        elapsed = max(self.clock() - self.started, 1e-9)
        rate = self.done / elapsed
        text = f"compliance: {self.done:,} posts"
        if self.total:
            pct = min(100.0, 100.0 * self.done / self.total)
            text = f"compliance: {self.done:,}/{self.total:,} posts ({pct:.0f}%)"
        text += f"  {rate:,.0f} posts/s"
        if self.total and rate > 0 and self.done < self.total:
            text += f"  ETA {_clock((self.total - self.done) / rate)}"
        text += f"  elapsed {_clock(elapsed)}"
        return text

    def update(self, n: int) -> None:
        self.done += n
        if self.enabled and self.clock() - self.drawn >= self.interval:
            self._draw()

    def _draw(self) -> None:
        text = self.line()
        pad = " " * max(0, self.width - len(text))
        self.width = len(text)
        self.stream.write("\r" + text + pad)
        self.stream.flush()
        self.drawn = self.clock()

    def close(self) -> None:
        if self.enabled:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
            self.enabled = False
