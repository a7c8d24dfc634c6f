"""The reporter registry: `--format` name -> `render(report, out, options)`.

Apart from the package's `__init__`, which imports every reporter module so that each registers
itself, so that a reporter module never imports the package that imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TextIO

from compliance.registry import Registry
from compliance.reporters.document import Report

Reporter = Callable[[Report, TextIO, Mapping[str, Any]], None]
REPORTERS: Registry[Reporter] = Registry("output format")
