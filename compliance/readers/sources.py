"""Where input bytes come from: a plain file, a file inside a folder, or a member of a zip.

An `Entry` hides the difference so every format reader opens bytes the same way and stamps
the same `Source` (the input as given on the command line, plus the member inside it).
Zip members are read in place through `zipfile`; nothing is ever written to disk, so a
hostile member name (`../../etc/passwd`) is only ever a string in the report.
"""

from __future__ import annotations

import gzip
import io
import os
import posixpath
import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from compliance.model import Source

SNIFF_BYTES = 64 * 1024
_DIGITS = re.compile(r"(\d+)")


def natural(path: str) -> tuple:
    """Sort key that puts posts_2.json before posts_10.json; still a total, stable order."""
    return tuple((0, int(p), p) if p.isdigit() else (1, 0, p) for p in _DIGITS.split(path)), path


@dataclass(frozen=True)
class Entry:
    file: str  # the input exactly as given on the command line
    member: str | None  # posix path inside a folder or zip; None for the file itself
    opener: Callable[[], IO[bytes]]  # raw bytes, before any .gz layer
    lookup: Callable[[str], Entry | None]  # another file by its path in the same input

    @property
    def path(self) -> str:
        """The name used for detection: the member path, else the file as given."""
        return self.member if self.member is not None else self.file.replace(os.sep, "/")

    @property
    def name(self) -> str:
        return posixpath.basename(self.path)

    @property
    def gzipped(self) -> bool:
        return self.name.lower().endswith(".gz")

    @property
    def inner_name(self) -> str:
        """The name without a .gz suffix: `posts.jsonl.gz` is detected as `posts.jsonl`."""
        return self.name[:-3] if self.gzipped else self.name

    def source(self, **place) -> Source:
        return Source(self.file, member=self.member, **place)

    def sibling(self, name: str) -> Entry | None:
        """A file relative to this one's folder: note-tweet.js beside tweets.js, or
        ../../personal_information/... from an Instagram posts file. Never leaves the input."""
        folder = posixpath.dirname(self.path)
        target = posixpath.normpath(posixpath.join(folder, name))
        if target == ".." or target.startswith("../"):
            return None
        return self.lookup(target)

    @contextmanager
    def open(self) -> Iterator[IO[bytes] | gzip.GzipFile]:
        """The entry's bytes, with a .gz layer removed."""
        raw = self.opener()
        try:
            if self.gzipped:
                with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                    yield unzipped
            else:
                yield raw
        finally:
            raw.close()

    def head(self, size: int = SNIFF_BYTES) -> bytes:
        """The first bytes, for sniffing; an unreadable entry sniffs as empty."""
        try:
            with self.open() as stream:
                return stream.read(size)
        except (OSError, EOFError, zipfile.BadZipFile, RuntimeError, ValueError, zlib.error):
            return b""  # zlib.error: a zip member whose deflate stream is damaged


def file_entry(path: str) -> Entry:
    """A file named on the command line; its siblings are found on disk beside it."""

    def lookup(rel: str) -> Entry | None:
        # `rel` is in the same frame as the given path (see Entry.sibling).
        if rel == "." or not os.path.isfile(rel):
            return None
        return Entry(rel, None, lambda: open(rel, "rb"), lookup)

    return Entry(path, None, lambda: open(path, "rb"), lookup)


def _file_opener(path: str) -> Callable[[], IO[bytes]]:
    """Opens `path` when called (a function, so each entry keeps its own path)."""
    return lambda: open(path, "rb")


class _Spool:
    """A pipe's bytes, kept in an anonymous temporary file as they are read, so the format
    can be sniffed and the file read again without reopening the pipe (which would find it
    drained, or hang on a FIFO). Memory stays at one block; the disk holds what was read."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._file = tempfile.TemporaryFile()
        self._size = 0
        self._eof = False

    def read_at(self, pos: int, size: int) -> bytes:
        while not self._eof and pos + size > self._size:
            block = self._raw.read(max(size, 1 << 16))
            if not block:
                self._eof = True
                self._raw.close()
                break
            self._file.seek(0, os.SEEK_END)
            self._file.write(block)
            self._size += len(block)
        self._file.flush()
        return os.pread(self._file.fileno(), max(0, min(size, self._size - pos)), pos)

    def open(self) -> IO[bytes]:
        return io.BufferedReader(_SpoolReader(self), 1 << 16)


class _SpoolReader(io.RawIOBase):
    def __init__(self, spool: _Spool) -> None:
        self._spool = spool
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._spool.read_at(self._pos, len(buffer))
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


def pipe_entry(path: str, raw: IO[bytes]) -> Entry:
    """A pipe, FIFO or device named on the command line (`<(cat f)`, /dev/stdin), opened
    once as `raw`: every later open replays its bytes from the start."""
    spool = _Spool(raw)
    return Entry(path, None, spool.open, lambda rel: None)


def folder_entries(root: str, outside: list[str] | None = None) -> list[Entry]:
    """Every file under a folder, in natural order of relative path so runs are deterministic.

    Hidden files and folders (.git, .DS_Store) are left out; symlinked folders are not
    followed, so a link loop cannot hang a scan. A symlinked file whose target is outside the
    folder is not read either (a shared folder must not make the scan read /etc/passwd): its
    relative path goes to `outside`, for the caller to say so.
    """
    found: dict[str, Entry] = {}
    real_root = os.path.realpath(root)

    def lookup(rel: str) -> Entry | None:
        return found.get(posixpath.normpath(rel))

    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for fname in files:
            if fname.startswith("."):
                continue
            full = os.path.join(here, fname)
            if not os.path.isfile(full):
                continue
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            if os.path.islink(full) or os.path.islink(here):
                target = os.path.realpath(full)
                if os.path.commonpath([real_root, target]) != real_root:
                    if outside is not None:
                        outside.append(rel)
                    continue
            found[rel] = Entry(root, rel, _file_opener(full), lookup)
    return [found[rel] for rel in sorted(found, key=natural)]


class ZipInput:
    """A zip read in place: opened when first needed, kept open while its posts are read,
    closed by the caller when the input is done."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None

    def _open_zip(self) -> zipfile.ZipFile:
        if self._zip is None:
            self._zip = zipfile.ZipFile(self.path)
        return self._zip

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def entries(self) -> list[Entry]:
        """Members that are files, in natural name order; macOS resource forks left out.

        Members are opened by their ZipInfo, so two members with the same name (zip allows
        it) are both read; a sibling lookup by name finds the first.
        """
        zf = self._open_zip()
        infos = [
            info
            for info in zf.infolist()
            if not (
                info.is_dir()
                or info.filename.startswith("__MACOSX/")
                or posixpath.basename(info.filename).startswith(".")
            )
        ]
        by_name: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            by_name.setdefault(posixpath.normpath(info.filename), info)

        def lookup(rel: str) -> Entry | None:
            info = by_name.get(posixpath.normpath(rel))
            return make(info) if info is not None else None

        def make(info: zipfile.ZipInfo) -> Entry:
            return Entry(self.path, info.filename, lambda: self._open_zip().open(info), lookup)

        order = sorted(range(len(infos)), key=lambda i: (natural(infos[i].filename), i))
        return [make(infos[i]) for i in order]
