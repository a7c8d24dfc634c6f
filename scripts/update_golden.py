"""Regenerate tests/golden/campaign.json from the shipped fixtures. Review the diff before committing."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
out = subprocess.run(
    [
        sys.executable,
        "-m",
        "compliance",
        "scan",
        "fixtures/posts/campaign.jsonl",
        "--brands",
        "fixtures/posts/brands.txt",
        "-j",
        "us",
        "-j",
        "uk",
        "-j",
        "de",
        "-j",
        "fr",
    ],
    cwd=ROOT,
    capture_output=True,
    text=True,
)
if out.returncode not in (0, 1):
    sys.exit(out.stderr)
(ROOT / "tests" / "golden" / "campaign.json").write_text(out.stdout, encoding="utf-8")
print("wrote tests/golden/campaign.json")
