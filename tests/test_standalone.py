"""The repository stands alone: a clone with nothing beside it must work, so no tracked file may
point outside it (a sibling `shared/` folder, or a path of the machine it was written on)."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import ROOT

OUTSIDE = ("../" + "shared", "/" + "work/")  # split, so this file does not name them itself


def _tracked() -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.fail("the test suite runs from a git checkout")
    skip = (".png", ".bin", ".xlsx", ".zip", ".gz")
    return [n for n in out.splitlines() if not n.endswith(skip)]


def test_no_tracked_file_points_outside_the_repository():
    offenders = []
    for name in _tracked():
        path = ROOT / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for needle in OUTSIDE:
            if needle in text:
                line = text[: text.index(needle)].count("\n") + 1
                offenders.append(f"{name}:{line}: {needle}")
    assert offenders == []
