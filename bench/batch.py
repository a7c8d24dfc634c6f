"""Batch-scan benchmark: prints numbers (never asserts), as a markdown table at the end.

    python3 bench/batch.py --posts 100000     # throughput + state re-run on 100k, jobs, Dask, memory 10k/100k
    python3 bench/batch.py --million          # also peak memory for 1M posts (long)
    python3 bench/batch.py --posts 20000      # a quicker run

Every scan is a real `python3 -m compliance scan` process, timed from outside, with its peak
RSS (largest process, workers included) from getrusage. The floor is measured in the same
run over the same file: JSON parsing plus spaCy's blank tokenizer on every caption.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import gen  # noqa: E402

JURISDICTIONS = ["us", "uk", "de", "fr"]

_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(time.perf_counter() - t, u.ru_maxrss, rc, u.ru_utime + u.ru_stime)\n"
)
CPU: dict[str, float] = {}  # command label -> CPU seconds of its last measurement


def measure(args: list[str], label: str = "") -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one command, its children included (CPU s in CPU)."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, *args], cwd=ROOT, capture_output=True, text=True, check=True)
    wall, rss_kib, rc, cpu = out.stdout.split()
    if int(rc) not in (0, 1):
        raise SystemExit(f"failed ({rc}): {' '.join(args)}\n{out.stderr}")
    CPU[label] = float(cpu)
    return float(wall), int(rss_kib) / 1024


def scan_cmd(path: Path, brands: Path, *extra: str) -> list[str]:
    cmd = [sys.executable, "-m", "compliance", "scan", str(path), "--brands", str(brands), "--no-progress"]
    if "--engine" not in extra:
        cmd += ["-o", os.devnull]
    for j in JURISDICTIONS:
        cmd += ["-j", j]
    return cmd + list(extra)


def floor(path: str) -> None:
    """Child mode: JSON parsing + blank tokenizer, timed after imports; prints seconds."""
    import spacy

    nlp = spacy.blank("xx")
    start = time.perf_counter()
    cpu = time.process_time()
    count = 0
    with open(path, "rb") as stream:
        batch = []
        for line in stream:
            batch.append(json.loads(line)["caption"])
            if len(batch) == 1000:
                with nlp.memory_zone():
                    for text in batch:
                        count += len(nlp.make_doc(text))
                batch = []
        with nlp.memory_zone():
            for text in batch:
                count += len(nlp.make_doc(text))
    print(time.perf_counter() - start, time.process_time() - cpu)


def ensure(path: Path, count: int) -> Path:
    if not path.exists():
        print(f"  generating {count:,} posts -> {path}", flush=True)
        gen.write_posts(str(path), count)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=20_000, help="throughput / state run size")
    ap.add_argument("--small", type=int, default=20_000, help="size for jobs and Dask comparisons")
    ap.add_argument("--million", action="store_true", help="also measure peak memory at 1M posts")
    ap.add_argument("--million-jobs", type=int, default=2, help="--jobs for the 1M run (and its 10k twin)")
    ap.add_argument("--workdir", default="/tmp/compliance-bench")
    ap.add_argument("--skip-dask", action="store_true")
    ap.add_argument("--only-million", action="store_true", help="run only the 1M memory measurement")
    ap.add_argument("--memory-sizes", default="10000,100000", help="post counts for the peak-memory runs")
    ap.add_argument("--memory-jobs", type=int, default=2, help="--jobs for the peak-memory runs")
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    brands = work / "brands.txt"
    gen.brands_file(str(brands))
    big = ensure(work / f"posts-{args.posts}.jsonl", args.posts)
    small = ensure(work / f"posts-{args.small}.jsonl", args.small)
    ten = ensure(work / "posts-10000.jsonl", 10_000)
    one = work / "posts-1.jsonl"
    gen.write_posts(str(one), 1)
    rows: list[tuple[str, str]] = []

    def report(name: str, value: str) -> None:
        rows.append((name, value))
        print(f"{name}: {value}", flush=True)

    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}", flush=True)
    if args.only_million:
        args.million = True
    else:
        core_measurements(args, work, brands, big, small, ten, one, report)
    if args.million:
        million = ensure(work / "posts-1000000.jsonl", 1_000_000)
        jobs = str(args.million_jobs)
        _, rss_ten_j = measure(scan_cmd(ten, brands, "--jobs", jobs))
        wall_m, rss_m = measure(scan_cmd(million, brands, "--jobs", jobs))
        report(
            f"peak RSS --jobs {jobs}, 10k vs 1M posts",
            f"{rss_ten_j:.0f} MiB vs {rss_m:.0f} MiB ({rss_m / rss_ten_j:.2f}x; 1M took {wall_m / 60:.1f} min)",
        )
    rows.append(("load average at end", f"{os.getloadavg()[0]:.1f}"))
    print("\n| measurement | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


def core_measurements(args, work, brands, big, small, ten, one, report) -> None:
    report("load average at start (other work on the machine)", f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    fl, fl_cpu = map(
        float,
        subprocess.run(
            [sys.executable, __file__, "--floor", str(big)], capture_output=True, text=True, check=True
        ).stdout.split(),
    )
    report(
        f"floor: JSON + blank tokenizer, {args.posts:,} posts",
        f"{args.posts / fl:,.0f} posts/s ({fl:.1f} s wall, {fl_cpu:.1f} s CPU)",
    )
    startup, _ = measure(scan_cmd(one, brands, "--jobs", "1"), "startup")
    report("scan start-up (1 post)", f"{startup:.1f} s wall, {CPU['startup']:.1f} s CPU")

    # First and second run back to back: a rule file edited in between would (rightly) re-judge all.
    state = work / "bench-state.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{state}{suffix}").unlink(missing_ok=True)
    wall, rss_big = measure(scan_cmd(big, brands, "--jobs", "1", "--state", str(state)), "big")
    again, _ = measure(scan_cmd(big, brands, "--jobs", "1", "--state", str(state)), "again")
    rate = args.posts / max(wall - startup, 1e-9)
    cpu_rate = args.posts / max(CPU["big"] - CPU["startup"], 1e-9)
    report(
        f"scan --jobs 1, {args.posts:,} posts, 4 jurisdictions (with --state)",
        f"{rate:,.0f} posts/s wall, {cpu_rate:,.0f} posts per CPU-s ({wall:.1f} s wall; "
        f"{args.posts / fl / rate:.1f}x the floor's wall time, {args.posts / (fl_cpu * cpu_rate):.1f}x its CPU time)",
    )
    report(
        "second run, unchanged input, --state",
        f"{again:.1f} s wall, {CPU['again']:.1f} s CPU ({wall / again:.1f}x faster than the first)",
    )
    report(f"peak RSS --jobs 1, {args.posts:,} posts", f"{rss_big:.0f} MiB")

    one_job, _ = measure(scan_cmd(small, brands, "--jobs", "1"), "one")
    two_jobs, _ = measure(scan_cmd(small, brands, "--jobs", "2"), "two")
    report(
        f"--jobs 1 vs --jobs 2, {args.small:,} posts",
        f"{one_job:.1f} s vs {two_jobs:.1f} s wall ({one_job / two_jobs:.2f}x)",
    )
    if not args.skip_dask:
        out_dir = work / "dask-out"
        dask_wall, _ = measure(
            scan_cmd(
                small,
                brands,
                "--engine",
                "dask",
                "--output-dir",
                str(out_dir),
                "--jobs",
                "2",
                "--partition-size",
                str(max(1 << 20, small.stat().st_size // 8)),
            )
        )
        report(
            f"Dask LocalCluster (2 workers) vs pool --jobs 2, {args.small:,} posts",
            f"{dask_wall:.1f} s vs {two_jobs:.1f} s wall ({two_jobs / dask_wall:.2f}x the pool's speed)",
        )
    sizes = [int(n) for n in args.memory_sizes.split(",") if n]
    jobs = str(args.memory_jobs)
    base = None
    for n in sizes:
        path = ensure(work / f"posts-{n}.jsonl", n)
        wall_n, rss = measure(scan_cmd(path, brands, "--jobs", jobs))
        base = base or rss
        report(f"peak RSS --jobs {jobs}, {n:,} posts", f"{rss:.0f} MiB ({rss / base:.2f}x the first; {wall_n:.0f} s)")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--floor":
        floor(sys.argv[2])
    else:
        main()
