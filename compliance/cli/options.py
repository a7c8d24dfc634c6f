"""The `scan` options for large and repeated scans, as click declarations.

Kept in the command-line layer, so that `compliance --help` does not import what they drive.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from compliance.run import CHUNK_SIZE

_OPTIONS = [
    click.option(
        "--jobs",
        type=click.IntRange(min=0),
        default=0,
        metavar="N",
        help="Processes that judge (default 0: all cores; 1: only this one; N: this one and N-1 workers).",
    ),
    click.option(
        "--chunk-size",
        type=click.IntRange(min=1),
        default=CHUNK_SIZE,
        show_default=True,
        metavar="N",
        help="Posts per unit of work (and per state commit).",
    ),
    click.option(
        "--progress/--no-progress", default=None, help="Progress on stderr (default: only when stderr is a terminal)."
    ),
    click.option(
        "--summary",
        "summary_path",
        metavar="FILE",
        help="--format jsonl: write the summary here (default: one line on stderr).",
    ),
    click.option(
        "--state",
        "state_path",
        metavar="FILE.sqlite",
        help="Remember results: a re-run judges only new or changed posts.",
    ),
    click.option(
        "--only-new",
        is_flag=True,
        help="With --state: report only posts new or changed since the last run, and "
        'the violations resolved since ("resolved").',
    ),
    click.option(
        "--resolve-links",
        "resolve_links",
        is_flag=True,
        help="Off by default. Follow links through known shorteners (bit.ly, goo.gl ...) to judge their "
        "real target: only with it are a caption's links contacted (HEAD requests, no cookies; "
        'see README, "Short links").',
    ),
    click.option(
        "--notify",
        "notify_urls",
        multiple=True,
        metavar="URL",
        help="With --state: send new and resolved violations here after the scan (repeatable; "
        "https:// gets JSON, other schemes go through Apprise).",
    ),
    click.option(
        "--engine",
        type=click.Choice(["local", "dask"]),
        default="local",
        show_default=True,
        help="local: this machine; dask: a Dask cluster (JSONL inputs, needs --output-dir).",
    ),
    click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="--engine dask: the scheduler (default: a local cluster on this machine).",
    ),
    click.option("--output-dir", metavar="DIR", help="--engine dask: where partitioned results and summary.json go."),
    click.option(
        "--partition-size",
        type=click.IntRange(min=1024),
        default=32 << 20,
        metavar="BYTES",
        help="--engine dask: bytes of JSONL per partition (default 32 MiB).",
    ),
]


def batch_options(func: Callable) -> Callable:
    """Apply every batch option to the `scan` command."""
    for option in reversed(_OPTIONS):
        func = option(func)
    return func
