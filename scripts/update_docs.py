"""Regenerate the reference (docs/rules/, docs/checks.md, the rule-file JSON Schema) from the rule
files and the check types. The test suite fails when the committed copy is stale."""

from __future__ import annotations

import shutil
from pathlib import Path

from compliance.ruleset.reference import reference_files

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    shutil.rmtree(ROOT / "docs" / "rules", ignore_errors=True)
    files = reference_files()
    for rel, text in files.items():
        path = ROOT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {len(files)} files")


if __name__ == "__main__":
    main()
