"""Robustness bench: throw hostile input at the tool and print what broke (it should be nothing).

    python3 bench/robustness.py                 # ~2,700 inputs, a few minutes
    python3 bench/robustness.py --quick         # a smoke run, about a minute
    python3 bench/robustness.py --files 5000 --captions 5000   # longer

Prints, per part and in total: inputs tried, crashes, hangs, posts lost. All must be zero.

1. readers: mutated export files of every format (tests/fuzz/harness.py), read, judged and
   rendered as json/csv/text/html in-process; JSONL lines accounted for one by one;
2. captions: hostile captions (tests/fuzz/strategies.py) judged; a crash is an exception or
   an error record, or a span that does not quote the caption;
3. pathological: 100 KB `#a#a...`, emoji-modifier and combining-mark runs, glued labels ...
   through `compliance check --files` in a real process with a time limit (a hang = the limit);
4. conservation: a JSONL file with 10 MB lines, garbage, surrogates ... scanned by the real CLI
   in json, jsonl and csv; posts lost = non-blank lines not in the report exactly once;
5. catastrophic rule: a house rule file with `(a|aa)+$` (passes the static check, backtracks
   exponentially) scanning captions built to trigger it: the run must finish, every post present;
6. cost model: 1k, 8k and 64k-character captions of every vocabulary group (tests/cost_model.py)
   and the issue-17 repros; a growth ratio 8k->64k over 12 (linear is 8) counts as a hang.
   `--cost-all` times every single phrase instead of the groups (1k and 8k, a few minutes);
7. bombs: a zip of a gzip of one 300 MB line, a 20 KB zip of 20 M blank lines, an Instagram
   file with one 200 MB string, ten 48 KB captions of "#sp " in json and html: seconds, peak
   memory and report size per shape; a post missing from the report counts as lost.
8. shapes: generated hostile shapes for every reader (tests/fuzz/shapes.py: deep nesting, huge
   numbers, unclosed quotes, UTF-16/latin-1/CR-only, FIFOs, symlinks, gzip/zip; captions up to
   --shape-big characters, past the 16 MiB record bound), conservation record by record, and
   every --cli-every-th case through the real CLI with the README's exit code. Seeded: the
   seeds are printed, `python3 -m tests.fuzz.shapes --seed N --cases 1` rebuilds one.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fuzz import harness  # noqa: E402
from tests.fuzz.corrupt import corrupted_jsonl, nonblank_line_numbers  # noqa: E402

PROCESS_LIMIT = 600  # seconds a CLI run may take before it counts as a hang


class Tally:
    def __init__(self, name: str) -> None:
        self.name, self.inputs, self.crashes, self.hangs, self.lost = name, 0, 0, 0, 0
        self.seconds = 0.0
        self.notes: list[str] = []

    def row(self) -> str:
        return (
            f"| {self.name:<13} | {self.inputs:>7} | {self.crashes:>7} | {self.hangs:>5} | {self.lost:>10} "
            f"| {self.seconds:>7.1f} |"
        )


def _cli(args: list[str], stdin: bytes | None = None) -> tuple[int | None, str]:
    """Run `compliance ARGS`; (exit code or None on timeout, stderr)."""
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "compliance", *args],
            cwd=ROOT,
            input=stdin,
            capture_output=True,
            timeout=PROCESS_LIMIT,
        )
    except subprocess.TimeoutExpired:
        return None, ""
    return proc.returncode, proc.stderr.decode("utf-8", "replace")


def readers(n: int, seed: int) -> Tally:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed

    tally = Tally("readers")
    judge = harness.Judge()
    with tempfile.TemporaryDirectory() as tmp:

        @hseed(seed)
        @settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(harness.input_strategy())
        def explore(sample):
            kind, data = sample
            outcome = harness.run_one(kind, data, judge, Path(tmp))
            tally.inputs += 1
            tally.crashes += outcome.crash is not None
            tally.hangs += outcome.hang
            tally.lost += outcome.lost
            if outcome.crash or outcome.hang or outcome.lost:
                tally.notes.append(f"{kind}: saved {harness.save_regression(kind, data, outcome)}")

        explore()
    return tally


def captions(n: int, seed: int) -> Tally:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed

    from compliance.model import Post, Source
    from tests.fuzz.strategies import captions as caption_strategy

    tally = Tally("captions")
    scanner = harness.Judge().scanner

    @hseed(seed)
    @settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(caption_strategy)
    def explore(caption):
        tally.inputs += 1
        try:
            with harness.deadline(harness.HANG_SECONDS):
                result = scanner.judge_record(Post(id="p", caption=caption, source=Source("bench")))
                data = result.to_dict()
                json.dumps(data, ensure_ascii=False).encode("utf-8")
        except harness.Hang:
            tally.hangs += 1
            return
        except Exception as exc:  # noqa: BLE001 - counting, not handling
            tally.crashes += 1
            tally.notes.append(f"{caption!r}: {type(exc).__name__}: {exc}")
            return
        if result.error:
            tally.crashes += 1
            tally.notes.append(f"{caption!r}: {result.error}")
            return
        text = data["caption"]
        spans = (
            data["signals"]
            + data["disclosures"]
            + [f for v in data["verdicts"].values() for f in v["findings"] if f["start"] is not None]
        )
        if any(text[s["start"] : s["end"]] != s["text"] for s in spans):
            tally.crashes += 1
            tally.notes.append(f"{caption!r}: a span does not quote the caption")

    explore()
    return tally


PATHOLOGICAL = {
    "hash_pairs_100k": "#a" * 50_000,
    "emoji_modifiers": "\U0001f44d" + "\U0001f3fd" * 30_000 + " #ad",
    "combining_marks": "a" + "\u0301" * 50_000 + " #ad Glowly",
    "zero_width_run": "#" + "\u200b" * 50_000 + "ad Glowly",
    "glued_tags": "#ad" * 20_000,
    "handles": "@glowlyskin" * 5_000,
    "dotted_host": "www." + "a." * 20_000 + "com/",
    "code_words": "code " * 10_000 + "LENA15",
    "thanks_no_end": "thanks " + "to " * 15_000,
    "nested_brackets": "(" * 30_000 + "#ad" + ")" * 30_000,
    "surrogates": "\ud800\udfff" * 20_000,
    "code_then_dashes": "Loving my Glowly serum, use code LENA15 " + "-" * 10_000,
    "colis": "colis " * 8_000,
    "recu": "reçu " * 9_600,
    "sent_me": "sent me " * 6_000,
    "sp_tags": "#sp " * 12_000,
}


def pathological() -> Tally:
    tally = Tally("pathological")
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for name, text in PATHOLOGICAL.items():
            path = Path(tmp) / f"{name}.txt"
            path.write_bytes(text.encode("utf-8", "surrogatepass"))
            files.append(str(path))
        tally.inputs = len(files)
        code, err = _cli(
            ["check", "--files", "--format", "json", "--brand", "Glowly", "--brand", "@glowlyskin", *files]
        )
        if code is None:
            tally.hangs = len(files)
        elif "Traceback" in err or code not in (0, 1, 2):
            tally.crashes = len(files)
            tally.notes.append(err[-500:])
    return tally


def conservation(seed: int) -> Tally:
    tally = Tally("conservation")
    with tempfile.TemporaryDirectory() as tmp:
        data = corrupted_jsonl(seed)
        path = Path(tmp) / "damaged.jsonl"
        path.write_bytes(data)
        expected = nonblank_line_numbers(data)
        for fmt in ("json", "jsonl", "csv"):
            out = Path(tmp) / f"report.{fmt}"
            tally.inputs += len(expected)
            code, err = _cli(
                [
                    "scan",
                    str(path),
                    "--brand",
                    "Glowly",
                    "--format",
                    fmt,
                    "-o",
                    str(out),
                    "--no-progress",
                    "--no-config",
                ]
            )
            if code is None:
                tally.hangs += 1
                continue
            if "Traceback" in err or code not in (0, 1):
                tally.crashes += 1
                tally.notes.append(f"{fmt}: exit {code}: {err[-300:]}")
                continue
            text = out.read_bytes().decode("utf-8")
            if fmt == "json":
                lines = [p["source"]["line"] for p in json.loads(text)["posts"]]
            elif fmt == "jsonl":
                lines = [r["source"]["line"] for r in map(json.loads, text.splitlines()) if "source" in r]
            else:
                seen: dict[int, set] = {}
                for row in csv.DictReader(io.StringIO(text, newline="")):
                    m = re.fullmatch(r".*, line (\d+)", row["source"])
                    if m:
                        seen.setdefault(int(m.group(1)), set()).add(row["jurisdiction"] or "error")
                lines = sorted(seen)
            tally.lost += len(set(expected) ^ set(lines)) + (len(lines) - len(set(lines)))
    return tally


CATASTROPHIC_RULES = textwrap.dedent("""\
    [ruleset]
    code = "zz"
    name = "House rules with a slow pattern"
    version = "1"
    extends = "base"

    [vocabulary.zz-label]
    meaning = "advertising"
    language = "en"
    hashtags = ["zzad"]
    patterns = ['\\b(a|aa)+$']

    [labels]
    accepted = ["zz-label"]

    [[rules]]
    id = "ZZ-001"
    name = "missing-disclosure"
    check = "requires-disclosure"
    severity = "error"
    message = "Not labelled."
    citation = { source = "Test", url = "https://example.org/zz" }
    examples.pass = ["#zzad my @glowlyskin serum", "Rainy Sunday."]
    examples.fail = ["Loving my @glowlyskin serum"]
    """)


def catastrophic(posts: int) -> Tally:
    tally = Tally("slow rule")
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules"
        rules.mkdir()
        (rules / "zz.toml").write_text(CATASTROPHIC_RULES, encoding="utf-8")
        path = Path(tmp) / "posts.jsonl"
        lines = [
            json.dumps({"id": f"p{i}", "caption": "a" * (40 + i % 30) + "!" if i % 2 else "#zzad Glowly"})
            for i in range(posts)
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out = Path(tmp) / "report.json"
        tally.inputs = posts
        code, err = _cli(
            [
                "scan",
                str(path),
                "-j",
                "zz",
                "--rules-dir",
                str(rules),
                "--brand",
                "Glowly",
                "--format",
                "json",
                "-o",
                str(out),
                "--no-progress",
                "--no-config",
            ]
        )
        if code is None:
            tally.hangs = 1
        elif "Traceback" in err or code not in (0, 1):
            tally.crashes = 1
            tally.notes.append(err[-500:])
        else:
            report = json.loads(out.read_text(encoding="utf-8"))
            ids = [p["id"] for p in report["posts"]]
            tally.lost = len(set(f"p{i}" for i in range(posts)) ^ set(ids)) + (len(ids) - len(set(ids)))
            timed_out = sum(1 for p in report["posts"] if p["error"] and "timed out" in p["error"])
            tally.notes.append(f"{timed_out} of {posts} posts timed out on the pattern and got an error record")
    return tally


def cost(every_phrase: bool) -> Tally:
    from compliance.judging.scanner import Scanner
    from tests import cost_model as cm

    tally = Tally("cost model")
    sets = cm.rulesets()
    scanner = Scanner(rulesets=sets, brands=["Glowly"], discover=True)
    if every_phrase:
        for phrase, where in cm.vocabulary_phrases(sets).items():
            small, big = (cm.cost(scanner, phrase, n, runs=1) for n in cm.SIZES[:2])
            tally.inputs += 1
            ratio = max(big, 0.002) / max(small, 0.002)
            if ratio > 12:
                tally.hangs += 1
                tally.notes.append(f"{phrase!r} ({where}): 1k {small:.3f} s, 8k {big:.3f} s, x{ratio:.1f}")
        return tally
    shapes = {
        **cm.groups(sets),
        "repro: code then dashes": ("Loving my Glowly serum, use code LENA15 ", "-"),
        "repro: #sp": "#sp",
        "repro: colis": "colis",
        "repro: reçu": "reçu",
        "repro: sent me": "sent me",
        "repro: http:// run": ("", "http://"),
        "repro: http://a@ run": ("", "http://a@"),
    }
    for name, phrases in shapes.items():
        times = [cm.cost(scanner, phrases, n, runs=2) for n in cm.SIZES]
        ratio = max(times[2], 0.002) / max(times[1], 0.002)
        tally.inputs += 1
        tally.hangs += ratio > 12
        shown = ", ".join(f"{n // 1000}k {t:.3f} s" for n, t in zip(cm.SIZES, times, strict=True))
        tally.notes.append(f"{name}: {shown}, 8k->64k x{ratio:.1f}")
    return tally


def _measured(args: list[str]) -> tuple[int | None, float, int]:
    """Run `compliance ARGS`: (exit code, seconds, peak memory in MB of the child)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "compliance", *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, time.perf_counter() - start, usage.ru_maxrss // 1024


def bombs() -> Tally:
    import gzip
    import zipfile

    tally = Tally("bombs")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        raw = io.BytesIO()
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9) as gz:
            gz.write(b'{"id": "a", "caption": "first #ad"}\n')
            for _ in range(300):
                gz.write(b"x" * (1 << 20))
            gz.write(b'\n{"id": "b", "caption": "after"}\n')
        with zipfile.ZipFile(root / "line.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("posts.jsonl.gz", raw.getvalue())
        with zipfile.ZipFile(root / "blank.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            zf.writestr(
                "posts.jsonl", b'{"id": "a", "caption": "x"}\n' + b"\n" * 20_000_000 + b'{"id": "b", "caption": "y"}\n'
            )
        content = root / "ig" / "your_instagram_activity" / "content"
        content.mkdir(parents=True)
        with open(content / "posts_1.json", "w") as fh:
            fh.write('[{"title": "first #ad", "creation_timestamp": 1705312800, "media": []},\n{"title": "')
            for _ in range(200):
                fh.write("x" * (1 << 20))
            fh.write('", "media": []},\n{"title": "after", "creation_timestamp": 1705312800, "media": []}]\n')
        sp = root / "sp.jsonl"
        sp.write_text("".join(json.dumps({"id": f"p{i}", "caption": "#sp " * 12_000}) + "\n" for i in range(10)))
        runs = [
            ("zip(gzip(300 MB line))", root / "line.zip", "json", 3),
            ("20 KB zip of blank lines", root / "blank.zip", "json", 2),
            ("Instagram 200 MB string", root / "ig", "json", 3),
            ("10 x 48 KB '#sp ' json", sp, "json", 10),
            ("10 x 48 KB '#sp ' html", sp, "html", 10),
        ]
        for name, path, fmt, posts in runs:
            out = root / f"out.{fmt}"
            code, seconds, peak = _measured(
                ["scan", str(path), "-j", "us", "--format", fmt, "-o", str(out), "--no-progress", "--no-config"]
            )
            tally.inputs += 1
            size = out.stat().st_size if out.exists() else 0
            if code not in (0, 1, 2):
                tally.crashes += 1
            elif fmt == "json":
                tally.lost += abs(len(json.loads(out.read_text())["posts"]) - posts)
            tally.notes.append(f"{name}: exit {code}, {seconds:.1f} s, peak {peak} MB, report {size / 1e6:.2f} MB")
    return tally


def shapes_part(n: int, seed: int, big: int, cli_every: int) -> Tally:
    """Generated shapes (tests/fuzz/shapes.py) for every reader, in-process, conservation record
    by record; every `cli_every`-th case also through the real CLI (no traceback, every record in
    the report, the README's exit code)."""
    from tests.fuzz import shapes

    tally = Tally("shapes")
    judge = harness.Judge()
    totals = shapes.run_many(list(range(seed, seed + n)), big, judge, log=tally.notes.append)
    tally.inputs = totals["records"]
    tally.crashes = totals["crashes"]
    tally.hangs = totals["hangs"]
    tally.lost = totals["lost"]
    tally.notes.insert(
        0,
        f"seeds {seed}..{seed + n - 1}: {totals['cases']} cases, {totals['records']} records, "
        f"{totals['refused']} refused whole (rebuild one: python3 -m tests.fuzz.shapes --seed N --cases 1)",
    )
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for s in range(seed, seed + n, max(cli_every, 1)):
            case = shapes.make_case(s, big)
            text, places = shapes.build_text(case)
            work = Path(tempfile.mkdtemp(dir=tmp))
            scan, member, writer = shapes.deliver(case, shapes.encode(case, text), work)
            out = work / "report.json"
            code, err = _cli(["scan", scan, "-o", str(out), "--no-progress", "--no-config"])
            if writer is not None:
                writer.join(5)
            checked += 1
            if code is None:
                tally.hangs += 1
                continue
            if "Traceback" in err or code not in (0, 1, 2, 3):
                tally.crashes += 1
                tally.notes.append(f"CLI seed {s}: exit {code}: {err[-300:]}")
                continue
            if code == 2:
                tally.notes.append(f"CLI seed {s}: refused (exit 2): {err.strip()[:160]}")
                continue
            report = json.loads(out.read_text(encoding="utf-8"))
            posts = [p for p in report["posts"] if p["source"].get("member") == member]
            tally.lost += abs(len(posts) - len(places))
            summary = report["summary"]
            violation = any(c.get("violation") for c in summary["by_jurisdiction"].values())
            want = 1 if violation else 3 if summary["errors"] else 0
            if code != want:
                tally.crashes += 1
                tally.notes.append(f"CLI seed {s}: exit {code}, the README says {want}")
    tally.notes.insert(1, f"{checked} cases also through the CLI (exit codes checked)")
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1500, help="mutated input files (default 1500)")
    parser.add_argument("--captions", type=int, default=1200, help="hostile captions (default 1200)")
    parser.add_argument("--slow-posts", type=int, default=20, help="posts for the slow-rule run (default 20)")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    parser.add_argument("--cost-all", action="store_true", help="time every vocabulary phrase (1k, 8k)")
    parser.add_argument("--shapes", type=int, default=400, help="generated shape cases (default 400)")
    parser.add_argument("--shape-big", type=int, default=18_000_000, help="largest generated caption (characters)")
    parser.add_argument("--cli-every", type=int, default=20, help="every Nth shape case also through the CLI")
    parser.add_argument("--only", choices=["cost", "bombs", "shapes"], help="run only this part")
    args = parser.parse_args()
    if args.quick:
        args.files, args.captions, args.slow_posts, args.shapes, args.shape_big = 150, 150, 6, 60, 200_000
    os.environ.setdefault("PYTHONHASHSEED", "0")

    parts = []
    todo = [
        lambda: readers(args.files, args.seed),
        lambda: captions(args.captions, args.seed),
        pathological,
        lambda: conservation(args.seed),
        lambda: catastrophic(args.slow_posts),
        lambda: cost(args.cost_all),
        bombs,
        lambda: shapes_part(args.shapes, args.seed, args.shape_big, args.cli_every),
    ]
    if args.only:
        todo = {"cost": todo[5:6], "bombs": todo[6:7], "shapes": todo[7:]}[args.only]
    for run in todo:
        start = time.perf_counter()
        tally = run()
        tally.seconds = time.perf_counter() - start
        parts.append(tally)
        print(
            f"{tally.name}: {tally.inputs} inputs, {tally.crashes} crashes, {tally.hangs} hangs, "
            f"{tally.lost} posts lost ({tally.seconds:.1f} s)",
            file=sys.stderr,
        )
        for note in tally.notes[:40]:
            print(f"  {note}", file=sys.stderr)

    print("| part          |  inputs | crashes | hangs | posts lost | seconds |")
    print("|---------------|---------|---------|-------|------------|---------|")
    for tally in parts:
        print(tally.row())
    total = {key: sum(getattr(t, key) for t in parts) for key in ("inputs", "crashes", "hangs", "lost")}
    print()
    print(f"inputs tried: {total['inputs']}")
    print(f"crashes: {total['crashes']}")
    print(f"hangs: {total['hangs']}")
    print(f"posts lost: {total['lost']}")
    return 0 if not (total["crashes"] or total["hangs"] or total["lost"]) else 1


if __name__ == "__main__":
    sys.exit(main())
