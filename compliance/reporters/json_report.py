"""The JSON report of the contract: sorted keys, no timestamps, byte-identical across runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TextIO

from compliance.reporters.document import Report
from compliance.reporters.encode import dumps_indent
from compliance.reporters.registry import REPORTERS


def dumps(data: Any) -> str:
    return dumps_indent(data)


@REPORTERS.register("json")
def render_json(report: Report, out: TextIO, options: Mapping[str, Any]) -> None:
    out.write(dumps(report.data))
    out.write("\n")
