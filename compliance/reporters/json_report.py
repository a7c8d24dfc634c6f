"""The JSON report of the contract: sorted keys, no timestamps, byte-identical across runs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TextIO

from compliance.reporters.document import Report
from compliance.reporters.registry import REPORTERS


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2)


@REPORTERS.register("json")
def render_json(report: Report, out: TextIO, options: Mapping[str, Any]) -> None:
    out.write(dumps(report.data))
    out.write("\n")
