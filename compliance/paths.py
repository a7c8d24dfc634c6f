"""Where the shipped data lives: inside the wheel, or beside the package in a checkout."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`rules` or `templates`: the installed copy first, then the source tree's."""
    installed = _PKG / "_data" / name
    if installed.is_dir():
        return installed
    source = {"rules": _PKG.parent / "rules", "templates": _PKG.parent / "reports" / "templates"}[name]
    return source
