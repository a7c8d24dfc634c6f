"""How long a creator waits for `compliance check` on one caption, against spaCy's own floor.

Runs each command as a fresh process several times, interleaved, and prints the median (and
min/max) wall time, and the median CPU seconds (user + sys: steadier on a shared machine), of: bare `import spacy; spacy.blank('en')` (the cost no spaCy tool can avoid),
a one-caption `compliance check`, `compliance fix`, and `compliance --help` (no spaCy at all).

    python3 bench/check_latency.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAPTION = "Loving my @glowlyskin serum #sp"
COMMANDS = [
    ("spacy floor", [sys.executable, "-c", "import spacy; spacy.blank('en')"]),
    (
        "compliance check",
        [sys.executable, "-m", "compliance", "check", CAPTION, "-j", "us", "-j", "de", "--brand", "@glowlyskin"],
    ),
    (
        "compliance fix",
        [sys.executable, "-m", "compliance", "fix", CAPTION, "-j", "us", "-j", "de", "--brand", "@glowlyskin"],
    ),
    ("compliance --help", [sys.executable, "-m", "compliance", "--help"]),
]


ENV = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


CPU: dict[str, list[float]] = {}


def wall_time(argv: list[str], name: str = "") -> float:
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, env=ENV, capture_output=True)
    elapsed = time.perf_counter() - start
    CPU.setdefault(name, []).append(_children_cpu() - cpu)
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(argv[:4])} ... failed with exit {proc.returncode}: {proc.stderr.decode()[-400:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per command (default 7)")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.runs} runs each, wall time in seconds")
    print(f"{'command':<20}{'median':>8}{'min':>8}{'max':>8}{'CPU':>8}")
    for _, argv in COMMANDS:
        wall_time(argv)  # warm the file cache once
    times: dict[str, list[float]] = {name: [] for name, _ in COMMANDS}
    for _ in range(args.runs):  # interleaved, so a busy moment on the machine hits every command alike
        for name, argv in COMMANDS:
            times[name].append(wall_time(argv, name))
    medians = {}
    for name, _ in COMMANDS:
        medians[name] = statistics.median(times[name])
        cpu = statistics.median(CPU[name])
        print(f"{name:<20}{medians[name]:>8.3f}{min(times[name]):>8.3f}{max(times[name]):>8.3f}{cpu:>8.3f}")
    over = medians["compliance check"] - medians["spacy floor"]
    print(f"check over the spaCy floor: {over:+.3f} s ({medians['compliance check'] / medians['spacy floor']:.2f}x)")
    ratio = statistics.median(CPU["compliance check"]) / statistics.median(CPU["spacy floor"])
    print(f"in CPU seconds: {ratio:.2f}x (the issue's limit: 1.2x)")


if __name__ == "__main__":
    main()
