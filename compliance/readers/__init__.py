"""Readers turn input files into `Post` records, or `InputError` records for what can't be read.

`read_inputs` is the single entry point. It first plans every input (does it exist, what
format is it, which files in a folder or zip hold posts) so that an unusable input stops
the run (exit 2) before any work is done; then it yields records in input order, each
file's in file order. Nothing here judges anything.

An input is a file, a folder (scanned recursively, sorted, for files it recognises), a zip
(read in place, never extracted), or `-` for JSONL on stdin. In a folder or zip, files
that hold no posts are skipped with one note; the input fails only if none can be read.
"""

from __future__ import annotations

import csv
import os
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from compliance.model import InputError, Post
from compliance.readers import jsonl
from compliance.readers.base import SUPPORTED, Archive, Reader, ReadOptions, Record, Refused, UnreadableInput
from compliance.readers.detect import NESTED_ZIP, detect
from compliance.readers.sources import Entry, ZipInput, file_entry, folder_entries, pipe_entry

__all__ = ["InputError", "Post", "ReadOptions", "Record", "UnreadableInput", "read_inputs"]

# What can go wrong mid-file (a truncated gzip, a zip member failing its CRC, an encrypted
# member): the file gets an error record where it stopped, and the run goes on.
_READ_ERRORS = (OSError, EOFError, ValueError, RuntimeError, zipfile.BadZipFile, zlib.error, csv.Error)


@dataclass
class _Plan:
    steps: list[Callable[[], Iterator[Record]]] = field(default_factory=list)
    closers: list[Callable[[], None]] = field(default_factory=list)

    def records(self) -> Iterator[Record]:
        try:
            for step in self.steps:
                yield from step()
        finally:
            self.close()

    def close(self) -> None:
        for close in self.closers:
            close()


def read_inputs(inputs: list[str], options: ReadOptions | None = None) -> Iterator[Record]:
    options = options or ReadOptions()
    plans: list[_Plan] = []
    try:
        for name in inputs:
            plans.append(_plan(name, options))
        for plan in plans:
            yield from plan.records()
    finally:  # an unusable input, or a caller that stops early: no archive stays open
        for plan in plans:
            plan.close()


def _plan(name: str, options: ReadOptions) -> _Plan:
    if name == "-":
        return _Plan([lambda: jsonl.read_stream(sys.stdin.buffer, "<stdin>", options)])
    if os.path.isdir(name):
        plan = _Plan()
        outside: list[str] = []
        _plan_entries(name, folder_entries(name, outside), plan, options)
        if outside:
            sample = ", ".join(outside[:3]) + (", ..." if len(outside) > 3 else "")
            options.note(f"{name}: not read: {len(outside)} symlink(s) to files outside the folder ({sample})")
        return plan
    try:
        if not os.path.isfile(name):  # a pipe, FIFO or device: opened once, its bytes replayed
            return _plan_file(pipe_entry(name, open(name, "rb")), options, pipe=True)
        with open(name, "rb"):
            pass
    except OSError as exc:
        raise UnreadableInput(f"{name}: cannot open: {exc.strerror or exc}") from None
    entry = file_entry(name)
    return _plan_file(entry, options)


def _plan_file(entry: Entry, options: ReadOptions, pipe: bool = False) -> _Plan:
    found = detect(entry, options)
    if isinstance(found, Reader):
        return _Plan([_guarded(entry, found, options)])
    if isinstance(found, Archive) and pipe:  # zipfile reopens by name and seeks
        raise UnreadableInput(f"{entry.file}: a zip read from a pipe: save it to a file and scan that")
    if isinstance(found, Archive):
        plan = _Plan()
        _plan_zip(entry.file, plan, options)
        return plan
    if isinstance(found, Refused):
        raise UnreadableInput(f"{entry.file}: {found.message}")
    raise UnreadableInput(f"{entry.file}: not a format compliance reads ({SUPPORTED})")


def _plan_zip(path: str, plan: _Plan, options: ReadOptions) -> None:
    archive = ZipInput(path)
    try:
        entries = archive.entries()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        archive.close()
        raise UnreadableInput(f"{path}: not a readable zip archive ({exc})") from None
    try:
        _plan_entries(path, entries, plan, options, inside_zip=True)
    except BaseException:
        archive.close()
        raise
    plan.closers.append(archive.close)


def _plan_entries(name: str, entries: list[Entry], plan: _Plan, options: ReadOptions, inside_zip: bool = False) -> None:
    """Add a step per readable file; note what was skipped; fail if nothing is readable."""

    before = len(plan.steps)
    skipped: list[str] = []
    refused: list[str] = []
    for entry in entries:
        found = detect(entry, options)
        if isinstance(found, Archive) and inside_zip:
            found = Refused(NESTED_ZIP)
        if isinstance(found, Reader):
            plan.steps.append(_guarded(entry, found, options))
        elif isinstance(found, Archive):
            try:
                _plan_zip(os.path.join(name, entry.member or ""), plan, options)
            except UnreadableInput as exc:
                refused.append(str(exc))
        elif isinstance(found, Refused) and not found.quiet:
            refused.append(f"{entry.path}: {found.message}")
        else:
            skipped.append(entry.path)
    if len(plan.steps) == before:
        if refused:
            more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
            raise UnreadableInput(f"nothing readable in {name}: {refused[0]}{more}")
        raise UnreadableInput(f"{name}: no file in it is a format compliance reads ({SUPPORTED})")
    for message in refused:
        options.note(f"{name}: {message}")
    if skipped:
        sample = ", ".join(skipped[:3]) + (", ..." if len(skipped) > 3 else "")
        options.note(f"{name}: skipped {len(skipped)} file(s) that hold no posts it reads ({sample})")


def _guarded(entry: Entry, reader, options: ReadOptions) -> Callable[[], Iterator[Record]]:
    """Run one reader; if the bytes stop being readable, say where and carry on."""

    def run() -> Iterator[Record]:
        count = 0
        try:
            for record in reader.read(entry, options):
                count += 1
                yield record
        except _READ_ERRORS as exc:
            yield InputError(entry.source(), f"reading stopped after {count} record(s): {type(exc).__name__}: {exc}")

    return run
