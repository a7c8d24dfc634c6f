"""`compliance scan` for any number of posts: stream, judge (pooled or not), remember, report.

The CLI parses options; this module runs the scan. JSON and JSONL reports are written while
posts stream through, so memory stays flat; other formats need the whole report and collect
it. With `--only-new` only posts judged new or changed since the last complete run are
reported (input errors always are), plus the violations that went away ("resolved").
"""

from __future__ import annotations

import errno
import gc
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from itertools import chain
from typing import Any, TextIO

import click

from compliance.media.pool import reading
from compliance.outputs import atomic_text, clashes
from compliance.readers.detect import own_report
from compliance.reporters.document import Report, report_from_posts, summarise, unmatched_waivers
from compliance.reporters.jsonl_report import write_summary
from compliance.reporters.registry import REPORTERS
from compliance.reporters.streaming import (
    DirectJsonReportWriter,
    JsonReportWriter,
    exit_code,
    full_post,
    header,
    line_of,
    summarise_stream,
)
from compliance.reporters.terminal import clean
from compliance.run.chunks import CHUNK_SIZE, ScannerSpec, scan_stream
from compliance.run.dask_engine import DaskProblem, run_dask
from compliance.run.link_cache import LinkCacheError
from compliance.run.notify import NotifyProblem, Watcher, check_urls, send_all
from compliance.run.pool import GC_THRESHOLD, WorkerFailed, default_jobs, make_backend
from compliance.run.progress import Progress, count_posts
from compliance.run.resolver import resolving
from compliance.run.state import ScanState, StateError


class BatchProblem(click.ClickException):
    """The run cannot be done as asked (bad option mix, unusable state file): exit 2."""

    exit_code = 2

    def format_message(self) -> str:  # names in it (files, zip members) may hold terminal escapes
        return "\n".join(clean(line) for line in self.message.split("\n"))


def _nothing() -> None:
    return None


def run_from_cli(
    inputs: list[str],
    shown_inputs: list[str],
    read_options,
    scanner,
    fmt: str,
    output: str | None,
    render_options: dict,
    batch: dict[str, Any],
) -> int:
    """Check the option mix, then run locally or on Dask; problems become exit-2 messages."""

    if batch["only_new"] and not batch["state_path"]:
        raise BatchProblem("--only-new needs --state FILE (what is new is relative to a state)")
    if batch.get("notify_urls"):  # what is new is relative to a state; targets checked before the scan
        if not batch["state_path"] or batch["engine"] == "dask":
            raise BatchProblem("--notify needs --state FILE (and the local engine): it reports what is new")
        try:
            check_urls(batch["notify_urls"])
        except NotifyProblem as exc:
            raise BatchProblem(str(exc)) from None
    if batch["summary_path"] and fmt != "jsonl" and batch["engine"] != "dask":
        raise BatchProblem("--summary is for --format jsonl (the other reports hold their summary)")
    clash = clashes(
        inputs,
        [("-o", output), ("--summary", batch["summary_path"]), ("--state", batch["state_path"])],
        keep=is_own_report,
    )
    if clash:
        raise BatchProblem(clash)
    if batch["engine"] == "dask":
        if batch.get("resolve_links"):
            raise BatchProblem("--resolve-links is not available with --engine dask (use --engine local)")

        if output:
            raise BatchProblem("-o is not used with --engine dask: results go to --output-dir")

        try:
            return run_dask(inputs, shown_inputs, read_options, scanner, batch)
        except DaskProblem as exc:
            raise BatchProblem(str(exc)) from None
    for name in ("scheduler", "output_dir"):
        if batch[name]:
            raise BatchProblem(f"--{name.replace('_', '-')} is for --engine dask")

    progress = None
    if batch["progress"] is not False:
        progress = Progress(enabled=batch["progress"])
        if progress.enabled:
            progress.total = count_posts(inputs)
        else:
            progress = None
    opts = BatchOptions(
        fmt=fmt,
        output=output,
        render_options=render_options,
        jobs=batch["jobs"] or default_jobs(),
        chunk_size=batch["chunk_size"],
        state_path=batch["state_path"],
        only_new=batch["only_new"],
        summary_path=batch["summary_path"],
        progress=progress,
        notify=tuple(batch.get("notify_urls") or ()),
    )
    records = prime(reading(inputs, read_options, opts.jobs))  # media files read by the --jobs workers
    close_links: Callable[[], object] = _nothing
    if batch.get("resolve_links"):  # the only network use; asked for by name
        try:
            records, close_links = resolving(records, opts.state_path)
        except LinkCacheError as exc:
            raise BatchProblem(str(exc)) from None
    try:
        return run_scan(records, scanner, ScannerSpec.of(scanner), shown_inputs, opts)
    except (StateError, WorkerFailed) as exc:
        raise BatchProblem(str(exc)) from None
    except KeyboardInterrupt:
        kept = "; the state file keeps every finished chunk: run again to resume" if opts.state_path else ""
        click.echo(f"compliance: interrupted{kept}", err=True)
        raise click.exceptions.Exit(130) from None
    except OSError as exc:
        if exc.errno == errno.EPIPE and not exc.filename:  # stdout's reader left: the CLI ends quietly
            raise
        where = exc.filename or output or "output"
        raise BatchProblem(f"{where}: cannot write: {exc.strerror or exc}") from None
    finally:
        close_links()


@dataclass
class BatchOptions:
    fmt: str = "json"
    output: str | None = None
    render_options: dict | None = None
    jobs: int = 1
    chunk_size: int = CHUNK_SIZE
    state_path: str | None = None
    only_new: bool = False
    summary_path: str | None = None
    progress: Any = None  # a compliance.run.progress.Progress, or None
    notify: tuple[str, ...] = ()  # --notify URLs (compliance/run/notify.py)


def prime(records: Iterable) -> Iterator:
    """Start the reader now, so an unreadable input fails before any output is written."""
    it = iter(records)
    for first in it:
        return chain([first], it)
    return iter(())


def is_own_report(path: str) -> bool:
    """A file we wrote (a report), which the readers skip in a folder: safe to overwrite."""
    try:
        with open(path, "rb") as stream:
            return own_report(stream.read(65536))
    except OSError:
        return False


@contextmanager
def output_stream(output: str | None) -> Iterator[TextIO]:
    """The report's file, replaced only once complete (stdout as it is)."""
    if output and output != "-":
        with atomic_text(output) as out:
            yield out
    else:
        yield sys.stdout


@contextmanager
def quiet_gc() -> Iterator[None]:
    """The cyclic collector for a scan: what exists before it (rule sets, spaCy's pipeline, the
    vocabulary) is frozen out of every collection, and young collections run less often. A
    tenth of the cost of a scan outside judging was the collector walking those long-lived
    objects again and again. Undone at the end, for a process that goes on (tests, a server)."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def run_scan(records: Iterable, scanner, spec: ScannerSpec, inputs: list[str], opts: BatchOptions) -> int:
    """Judge every record and write the report; returns the exit code (0 or 1)."""
    with quiet_gc():
        return _run_scan(records, scanner, spec, inputs, opts)


def _run_scan(records: Iterable, scanner, spec: ScannerSpec, inputs: list[str], opts: BatchOptions) -> int:

    state = None
    if opts.state_path:
        state = ScanState(opts.state_path, scanner, inputs, only_new=opts.only_new)
    backend = make_backend(spec, scanner, opts.jobs)
    jurisdictions = scanner.jurisdictions
    rulesets = scanner.ruleset_meta()
    waivers = scanner.settings.exceptions
    watcher = None
    if opts.notify:
        watcher = Watcher()
        records = watcher.records(records)
    try:
        stream = scan_stream(records, backend, opts.chunk_size, state, opts.progress)
        if watcher is not None:
            stream = watcher.stream(stream)
        if opts.only_new:
            posts = (post for post, fresh in stream if fresh or post.get("error"))
        else:
            posts = (post for post, _ in stream)

        def extra(start: bool = False) -> dict[str, Any]:
            """The document's optional fields; at the `start`, with their placeholders."""
            if not opts.only_new:
                return {}
            return {"resolved": state.resolved() if state is not None and not start else []}

        if opts.fmt == "json" and _report_file(opts.output):
            # A report file is replaced only once complete (atomic_text): its blocks are written
            # straight into it as posts pass. Streams (stdout, a pipe) get nothing until the end.
            start = header(jurisdictions, rulesets, inputs, summarise([], jurisdictions, waivers), extra(start=True))
            with output_stream(opts.output) as out:
                direct = DirectJsonReportWriter.opened(out, start)
                if direct is None:  # not UTF-8 bytes underneath: the blocks wait in a temporary file
                    summary = _write_json_late(
                        posts, jurisdictions, waivers, lambda: nullcontext(out), rulesets, inputs, extra, opts
                    )
                else:
                    summary = summarise_stream(posts, jurisdictions, direct.add, waivers)
                    _finish_progress(opts)
                    direct.finish(header(jurisdictions, rulesets, inputs, summary, extra()))
        elif opts.fmt == "json":
            summary = _write_json_late(
                posts, jurisdictions, waivers, lambda: output_stream(opts.output), rulesets, inputs, extra, opts
            )
        elif opts.fmt == "jsonl":
            with output_stream(opts.output) as out:
                summary = summarise_stream(posts, jurisdictions, lambda post: out.write(line_of(post)), waivers)
            _finish_progress(opts)
            write_summary(header(jurisdictions, rulesets, inputs, summary, extra()), opts.summary_path)
        else:
            collected = [full_post(post) for post in posts]
            _finish_progress(opts)
            data = dict(report_from_posts(collected, jurisdictions, rulesets, inputs, waivers).data)
            data.update(extra())
            summary = data["summary"]
            with output_stream(opts.output) as out:
                REPORTERS.get(opts.fmt)(Report(data), out, dict(opts.render_options or {}))
        if state is not None:
            state.finish()
        warn_unmatched(summary)
        if watcher is not None and state is not None:  # after the report and state: a failure loses nothing
            send_all(opts.notify, watcher.summary(state.resolved(), inputs), lambda m: click.echo(m, err=True))
        return exit_code(summary)
    finally:
        backend.close()
        if opts.progress is not None:
            opts.progress.close()
        if state is not None:
            state.close()


def _report_file(output: str | None) -> bool:
    """A report file (new, or a regular file): atomic_text writes it aside and replaces it at the end."""
    if not output or output == "-":
        return False
    try:
        return stat.S_ISREG(os.stat(output).st_mode)
    except OSError:
        return True  # not there yet: created (or the error said) as any report file


def _write_json_late(posts, jurisdictions, waivers, opened, rulesets, inputs, extra, opts) -> dict[str, Any]:
    """The JSON report with its blocks held in a temporary file until the summary is known;
    `opened()` gives the output stream's context, entered only then (stdout gets nothing before)."""
    writer = JsonReportWriter()
    try:
        summary = summarise_stream(posts, jurisdictions, writer.add, waivers)
        _finish_progress(opts)
        head = header(jurisdictions, rulesets, inputs, summary, extra())
        with opened() as out:
            writer.finish(out, head)
    finally:
        writer.close()
    return summary


def warn_unmatched(summary: dict[str, Any]) -> None:
    """An accepted exception that set nothing aside is a stale or mistyped entry: say so."""
    for waiver in unmatched_waivers(summary):
        where = f" ({waiver['source']})" if waiver.get("source") else ""
        click.echo(
            clean(f"compliance: warning: exception {waiver['post']}:{waiver['rule']}{where} matched no finding"),
            err=True,
        )


def _finish_progress(opts: BatchOptions) -> None:
    if opts.progress is not None:
        opts.progress.close()
