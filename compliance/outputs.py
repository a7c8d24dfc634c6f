"""Writing reports without ever destroying a file: never onto an input, always atomically.

A report is written to a hidden temporary file in the destination's folder and renamed over
the destination only when it is complete, so an interrupted or failed write (a full disk, a
crash, Ctrl-C) leaves the old file as it was. Before anything is read, `clashes` names any
output that is an input, lies in an input folder where it would overwrite a file the scan
reads, or is another output of the same run.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


def _is_stream(path: str) -> bool:
    """stdout, /dev/stdout, a FIFO, a device: written in place (nothing to replace)."""
    if path == "-":
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode)


@contextmanager
def atomic_text(path: str) -> Iterator[TextIO]:
    """A text file that replaces `path` only once it is completely written."""
    if _is_stream(path):
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            yield out
        return
    path = os.path.realpath(path)  # through a symlink to its target, which is what gets replaced
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=os.path.dirname(path))
    except PermissionError:  # a writable file in a folder we may not add to: write it in place
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            yield out
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        try:
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        except OSError:  # a new file: the usual permissions, not mkstemp's 0600
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _key(path: str) -> tuple:
    """What identifies a file: its inode if it exists, else its resolved path."""
    try:
        st = os.stat(path)
        if stat.S_ISREG(st.st_mode):
            return ("inode", st.st_dev, st.st_ino)
    except OSError:
        pass
    return ("path", os.path.realpath(path))


def _inside(path: str, folder: str) -> bool:
    real, root = os.path.realpath(path), os.path.realpath(folder)
    return real != root and real.startswith(root.rstrip(os.sep) + os.sep)


def clashes(inputs: list[str], outputs: list[tuple[str, str | None]], keep=lambda path: False) -> str | None:
    """A message naming the first output that would overwrite an input or another output.

    `outputs` are (option, path) pairs; "-" and non-regular files (stdout, a pipe) never
    clash. An existing file inside an input folder clashes unless `keep(path)` says it is
    one of our own reports (which the readers skip).
    """
    seen: dict[tuple, str] = {}
    for option, path in outputs:
        if not path or _is_stream(path):
            continue
        key = _key(path)
        for name in inputs:
            if name == "-":
                continue
            if os.path.isdir(name):
                if _inside(path, name) and os.path.isfile(path) and not keep(path):
                    return f"{option} {path}: is a file in the input folder {name}; writing there would destroy it"
            elif os.path.exists(name) and _key(name) == key:
                return f"{option} {path}: is the input {name}; writing there would destroy it"
        if key in seen:
            return f"{option} {path}: is also {seen[key]}; each output needs its own file"
        seen[key] = f"{option} {path}"
    return None
