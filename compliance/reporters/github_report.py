"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per finding,
so a pull request that adds a caption draft shows the problem on the draft's line.

Captions are untrusted and end up inside a command line the runner parses, so every value is
escaped the way the runner unescapes it: in the message `%`, CR and LF; in properties (file,
title) also `:` and `,`. Nothing a caption holds can start a second command or end a property.
"""

from collections.abc import Mapping
from typing import Any, TextIO

from compliance.reporters.document import Report
from compliance.reporters.registry import REPORTERS
from compliance.reporters.sarif_report import _findings, finding_place
from compliance.reporters.views import source_text

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: Any) -> str:
    """The message part (after `::`)."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: Any) -> str:
    """A `key=value` property: the message escapes plus `:` and `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **props: Any) -> str:
    parts = ",".join(f"{key}={escape_property(value)}" for key, value in props.items() if value is not None)
    return f"::{kind} {parts}::{escape_data(message)}" if parts else f"::{kind}::{escape_data(message)}"


def annotations(report: Report) -> list[str]:
    lines = []
    for post in report.data.get("posts") or []:
        if post.get("error"):
            source = post.get("source") or {}
            line = source.get("line") if isinstance(source.get("line"), int) else source.get("row")
            lines.append(
                command(
                    "error",
                    f"Input error ({source_text(source)}): {post['error']}",
                    file=_file(post),
                    line=line if isinstance(line, int) else None,
                    title="compliance: input error",
                )
            )
    for post, code, finding in _findings(report):
        place = finding_place(post, finding)
        message = f"{finding.get('message') or ''}"
        if finding.get("fix"):
            message += f"\nFix: {finding['fix']}"
        cite = finding.get("citation") or {}
        if cite.get("url"):
            message += f"\nSource: {cite.get('source') or ''} <{cite['url']}>"
        lines.append(
            command(
                COMMANDS.get(str(finding.get("severity")), "warning"),
                message,
                file=_file(post),
                line=place.get("startLine"),
                col=place.get("startColumn"),
                endLine=place.get("endLine"),
                endColumn=place.get("endColumn"),
                title=f"{code.upper()} {finding.get('rule') or ''} {finding.get('name') or ''} (post {post.get('id')})",
            )
        )
    return lines


def _file(post: Mapping[str, Any]) -> str:
    source = post.get("source") or {}
    return str(source.get("file") or "")


@REPORTERS.register("github")
def render(report: Report, out: TextIO, options: Mapping[str, Any]) -> None:
    for line in annotations(report):
        out.write(line + "\n")
