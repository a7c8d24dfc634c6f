"""Page times of `compliance serve --state` over a large scan history (default: 1,000,000 posts).

Writes a state file straight in the state's schema (tests/dashboard_state.py: many scans, the
campaign growing scan by scan, edited and vanished posts), starts the dashboard on a free port,
and times each page over HTTP (median and slowest of --repeat requests). Also prints the time
to read the state at start-up, the state file's size and an export's throughput.

    python bench/dashboard.py                      # 1M posts, 24 scans
    python bench/dashboard.py --posts 100000 --keep .cache/dash-100k.sqlite
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compliance.web.dashboard import make_dashboard_server  # noqa: E402
from compliance.web.dashboard_data import Filters  # noqa: E402
from tests.dashboard_state import generate  # noqa: E402


def fetch(url: str) -> tuple[float, int, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:
        size = len(response.read())
        status = response.status
    return time.perf_counter() - started, size, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=24)
    parser.add_argument("--creators", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", metavar="FILE", help="write (or reuse, if it exists) the state here")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    state = Path(args.keep) if args.keep else Path(tmp.name) / "scans.sqlite"
    if not state.exists():
        state.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        counts = generate(state, posts=args.posts, runs=args.runs, creators=args.creators)
        print(
            f"generated {counts['posts']:,} posts, {counts['runs']} scans, {counts['history']:,} history rows "
            f"in {time.perf_counter() - started:.1f} s"
        )
    print(f"state file: {state.stat().st_size / 1e6:,.0f} MB")

    started = time.perf_counter()
    server = make_dashboard_server(str(state), "127.0.0.1", 0, quiet=True)
    print(f"start-up (state read into the dashboard's catalogue): {time.perf_counter() - started:.1f} s")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    cat = server.get_app().dashboard.current
    some_key = cat.posts(Filters())[0]["key"]
    creator = next(iter(cat.creators), "@creator00001")
    rule = next(iter(cat.rules), "DE-001")
    pages = [
        ("overview (4 charts + tables)", "/"),
        ("posts needing action, page 1", "/posts"),
        ("posts needing action, page 5,000", "/posts?page=5000"),
        ("jurisdiction de, violations", "/posts?j=de&status=violation"),
        ("rule filter", "/posts?" + urlencode({"rule": rule})),
        ("creator filter", "/posts?" + urlencode({"creator": creator, "status": "all"})),
        ("search 'serum'", "/posts?q=serum"),
        ("search + jurisdiction + page 20", "/posts?" + urlencode({"q": "PeakFit", "j": "fr", "page": 20})),
        ("only in the latest scan, violations", "/posts?latest=1&status=violation"),
        ("a post's history", "/post?" + urlencode({"key": some_key})),
        ("CSV export, one creator", "/export.csv?" + urlencode({"creator": creator, "status": "all"})),
    ]
    print(f"\n{'page':44} {'median':>9} {'slowest':>9} {'bytes':>10}")
    for name, path in pages:
        times = []
        size = status = 0
        for _ in range(args.repeat):
            seconds, size, status = fetch(base + path)
            times.append(seconds)
        assert status == 200, (path, status)
        print(f"{name:44} {statistics.median(times) * 1000:7.0f}ms {max(times) * 1000:7.0f}ms {size:10,}")

    seconds, size, _ = fetch(base + "/export.csv?" + urlencode({"rule": rule}))
    rows = cat.count(Filters(rule=rule))
    print(
        f"\nCSV export of a rule's {rows:,} posts: {seconds:.1f} s, {size / 1e6:.1f} MB ({rows / seconds:,.0f} rows/s)"
    )
    server.shutdown()
    server.server_close()
    tmp.cleanup()


if __name__ == "__main__":
    main()
