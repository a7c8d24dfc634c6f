"""What every reader shares: options, the whole-input failure, and the record type.

Kept apart from `__init__` so format modules can import it without a cycle.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from compliance.model import InputError, Post
from compliance.readers.sources import Entry

Record = Post | InputError

SUPPORTED = (
    "supported: JSONL (.jsonl, .jsonl.gz), CSV with a caption column, "
    "Instagram JSON export (posts_1.json, reels.json, stories.json), "
    "TikTok user_data_tiktok.json, X archive (tweets.js), "
    "YouTube Takeout videos.csv, or a .zip or folder holding these"
)


class UnreadableInput(Exception):
    """A whole input cannot be read at all (missing file, unknown format): exit 2."""


def _note_to_stderr(message: str) -> None:
    print(f"compliance: note: {visible(message)}", file=sys.stderr)


def visible(message: str) -> str:
    """A note for the terminal with control and bidi characters escaped (a zip member's name is
    the archive author's; ESC sequences must not reach the terminal). The readers come before the
    reporters, so this mirrors compliance.reporters.terminal.clean() rather than importing it."""
    return "".join(
        ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"
        for ch in str(message)
    )


@dataclass(frozen=True)
class ReadOptions:
    id_column: str | None = None
    caption_column: str | None = None
    author_column: str | None = None
    default_platform: str | None = None
    extra: dict = field(default_factory=dict)
    # Where notes go (files skipped in a folder or archive); stderr keeps stdout for the report.
    note: Callable[[str], None] = _note_to_stderr
    # Media files are read into a pending job on the post instead of being decoded here: set by
    # the `--jobs` media pool (compliance/media/pool.py), which decodes them in its workers.
    media_later: bool = False


# ---- what detection decides for one file (readers/detect.py, readers/media_hook.py)
@dataclass(frozen=True)
class Reader:
    kind: str
    read: Callable[[Entry, ReadOptions], Iterator[Record]]


@dataclass(frozen=True)
class Refused:
    """A file we recognise but cannot use, and what to do about it.

    `quiet`: in a folder or zip it is just one of the skipped files (an X archive's like.js,
    a CSV with no caption column); given on its own, the message is the error.
    """

    message: str
    quiet: bool = False


class Archive:
    """A zip: its members are detected in turn."""


Detection = Reader | Refused | Archive | None
