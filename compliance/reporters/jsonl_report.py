"""JSON Lines: one post record per line (sorted keys, compact), for pipelines that stream.

The report's other parts (summary, rule sets, `resolved`) do not fit a line-per-post file:
they go to the file named by the `summary` option, else to stderr as one JSON line, so stdout
stays pure post records.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, TextIO

from compliance.outputs import atomic_text
from compliance.reporters.document import Report
from compliance.reporters.encode import dumps_compact, dumps_indent
from compliance.reporters.registry import REPORTERS
from compliance.reporters.streaming import jsonl_line


def write_summary(head: Mapping[str, Any], path: str | None) -> None:
    """The report without its posts: indented JSON in `path`, or one line on stderr."""
    if path:
        with atomic_text(path) as out:
            out.write(dumps_indent(head))
            out.write("\n")
    else:
        sys.stderr.write(dumps_compact(head) + "\n")


@REPORTERS.register("jsonl")
def render_jsonl(report: Report, out: TextIO, options: Mapping[str, Any]) -> None:
    for post in report.posts:
        out.write(jsonl_line(post))
    write_summary({k: v for k, v in report.data.items() if k != "posts"}, options.get("summary"))
