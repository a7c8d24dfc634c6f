"""Fuzz harness for the input readers: mutated export files in, a complete report out.

One input is a seed file of some format (JSONL, gzipped JSONL, CSV, Instagram, TikTok, X,
YouTube, zip) with random damage: truncation, flipped and inserted bytes, hostile JSON values
(lone surrogates, deep nesting, non-objects), duplicated and deleted stretches. For each input:

- reading either refuses the whole file up front (`UnreadableInput`: the CLI's exit 2 with a
  message) or yields records; any other exception is a crash;
- every record is judged and the report renders in every format (JSON encoded as strict UTF-8);
- for JSONL, every non-blank line is accounted for exactly once (one record per line number);
- an input that takes longer than HANG_SECONDS is a hang.

Short run: `tests/fuzz/test_fuzz_readers.py` (part of the normal suite, derandomized).
Long run:  `python3 -m tests.fuzz.harness --examples 3000` (random; crashers are written to
fixtures/regressions/ and replayed by the suite from then on). See tests/fuzz/README.md.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import re
import signal
import sys
import tempfile
import traceback
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
REGRESSIONS = FIXTURES / "regressions"
HANG_SECONDS = 60
FORMATS = ("json", "csv", "text", "html")

# kind -> (file name the reader is chosen by, seed files)
KINDS: dict[str, tuple[str, tuple[Path, ...]]] = {
    "jsonl": ("posts.jsonl", (FIXTURES / "posts" / "campaign.jsonl", FIXTURES / "posts" / "malformed.jsonl")),
    "jsonl_gz": ("posts.jsonl.gz", (FIXTURES / "posts" / "malformed.jsonl",)),
    "csv": (
        "posts.csv",
        tuple(sorted(p for p in (FIXTURES / "exports" / "csv").glob("*.csv") if p.name != "custom_columns.csv")),
    ),  # that one needs --caption-column
    "instagram": (
        "posts_1.json",
        (FIXTURES / "exports" / "instagram" / "your_instagram_activity" / "content" / "posts_1.json",),
    ),
    "tiktok": ("user_data_tiktok.json", (FIXTURES / "exports" / "tiktok" / "user_data_tiktok.json",)),
    "x": ("tweets.js", (FIXTURES / "exports" / "x" / "data" / "tweets.js",)),
    "youtube": ("videos.csv", tuple((FIXTURES / "exports" / "youtube").rglob("videos.csv"))),
    "zip": ("export.zip", (FIXTURES / "exports" / "instagram.zip",)),
}

HOSTILE_BYTES = (
    b"\xff\xfe",
    b"\x00",
    b"\xc3",
    b"\xed\xa0\x80",
    b'"\\ud800"',
    b'"\\udfff\\ud800"',
    b"\n",
    b"\r\n",
    b"\r",
    b"{",
    b"}",
    b"[",
    b"]",
    b'"',
    b",",
    b":",
    b"\\",
    b"[" * 3000,
    b'{"a":' * 2000,
    b'{"id": "dup", "caption": "#ad dup"}\n',
    b'{"id": 1, "caption": ["x"]}\n',
    b"null\n",
    b"42\n",
    b'"just a string"\n',
    b'{"id": "x", "caption": "\\u202e#ad <script>alert(1)</script>"}\n',
    b"=cmd|' /C calc'!A0",
    b"\xef\xbb\xbf",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"window.YTD.tweets.part0 = ",
    b"\t",
    b"\x85",
    "\u2028".encode(),
    "\U0001f44d\U0001f3fd".encode(),
    b"#ad" * 50,
)


class Hang(Exception):
    """An input took longer than HANG_SECONDS."""


@contextmanager
def deadline(seconds: float):
    """Raise Hang in the main thread if the block runs too long (SIGALRM; POSIX only)."""

    def alarm(signum, frame):
        raise Hang(f"no result after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- mutation ----------------------------------------------------------------------------------


def mutate(data: bytes, ops: list[tuple]) -> bytes:
    """Apply ops: ("truncate", at) ("flip", at, byte) ("insert", at, piece) ("delete", at, n)
    ("duplicate", at, n). Positions wrap around the current length."""
    buf = bytearray(data)
    for op in ops:
        n = len(buf)
        at = op[1] % (n + 1)
        if op[0] == "truncate":
            del buf[at:]
        elif op[0] == "flip" and n:
            buf[at % n] = op[2] & 0xFF
        elif op[0] == "insert":
            buf[at:at] = op[2]
        elif op[0] == "delete":
            del buf[at : at + op[2]]
        elif op[0] == "duplicate":
            buf[at:at] = buf[at : at + op[2]]
    return bytes(buf)


def build(kind: str, seed: bytes, ops: list[tuple], damage_container: bool = False) -> bytes:
    """The bytes of one fuzz input: the seed with ops applied (inside the gzip/zip layer, or to the
    compressed bytes themselves when damage_container)."""
    if kind == "jsonl_gz":
        if damage_container:
            return mutate(gzip.compress(seed, mtime=0), ops)
        return gzip.compress(mutate(seed, ops), mtime=0)
    if kind == "zip" and not damage_container:
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(seed)) as src, zipfile.ZipFile(out, "w") as dst:
            for info in src.infolist():
                body = src.read(info)
                if info.filename.endswith((".json", ".jsonl", ".csv", ".js")):
                    body = mutate(body, ops)
                dst.writestr(info.filename, body)
        return out.getvalue()
    return mutate(seed, ops)


# --- one input -------------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str
    records: int = 0
    refused: str | None = None  # UnreadableInput message: the whole input is a usage error
    crash: str | None = None  # traceback text
    hang: bool = False
    lost: int = 0  # JSONL lines not accounted for exactly once
    formats: list[str] = field(default_factory=list)


class Judge:
    """A scanner with a memo: mutated files repeat most posts, and judging is the slow part."""

    def __init__(self) -> None:
        from compliance.judging.scanner import Scanner

        self.scanner = Scanner(["us", "uk", "de", "fr"], brands=["Glowly", "@glowlyskin", "PeakFit", "Dove"])
        self.memo: dict[str, object] = {}

    def __call__(self, record):
        from compliance.model import InputError

        if isinstance(record, InputError):
            return self.scanner.judge_record(record)
        key = repr(
            (
                record.id,
                record.caption,
                record.platform,
                record.author,
                record.posted_at,
                record.paid_partnership,
                record.brands,
                sorted(record.metadata.items(), key=str),
            )
        )
        result = self.memo.get(key)
        if result is None:
            if len(self.memo) > 5000:
                self.memo.clear()
            result = self.memo[key] = self.scanner.judge_record(replace(record, source=record.source))
        return replace(result, source=record.source)


def nonblank_lines(data: bytes) -> list[int]:
    """Line numbers (1-based) the JSONL reader must account for: every line not blank."""
    out = []
    for number, raw in enumerate(re.split(rb"\r\n|\r|\n", data), 1):  # the reader's line ends
        if raw.startswith(b"\xef\xbb\xbf"):  # a BOM starts any line (files joined with cat)
            raw = raw[3:]
        if raw.strip():
            out.append(number)
    return out


def run_one(kind: str, data: bytes, judge: Judge, workdir: Path) -> Outcome:
    from compliance.readers import ReadOptions, UnreadableInput, read_inputs
    from compliance.reporters.document import build_report
    from compliance.reporters.registry import REPORTERS

    outcome = Outcome(kind)
    name, _ = KINDS[kind]
    path = workdir / name
    path.write_bytes(data)
    try:
        with deadline(HANG_SECONDS):
            try:
                records = list(read_inputs([str(path)], ReadOptions(note=lambda message: None)))
            except UnreadableInput as exc:
                outcome.refused = str(exc)
                return outcome
            results = [judge(r) for r in records]
            outcome.records = len(results)
            report = build_report(results, judge.scanner.jurisdictions, judge.scanner.ruleset_meta(), [str(path)])
            for fmt in FORMATS:
                out = io.StringIO()
                REPORTERS.get(fmt)(report, out, {"title": "fuzz"})
                out.getvalue().encode("utf-8")  # strict: what `-o file` writes
                outcome.formats.append(fmt)
            if kind == "jsonl":
                expected = nonblank_lines(data)
                seen = [r.source.line for r in results]
                outcome.lost = len(set(expected) ^ set(seen)) + (len(seen) - len(set(seen)))
    except Hang:
        outcome.hang = True
    except Exception:
        outcome.crash = traceback.format_exc()
    return outcome


def save_regression(kind: str, data: bytes, outcome: Outcome) -> Path:
    """A crasher or hang becomes fixtures/regressions/<kind>--<hash>.bin, replayed by the suite."""
    REGRESSIONS.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:12]
    path = REGRESSIONS / f"{kind}--{digest}.bin"
    path.write_bytes(data)
    note = outcome.crash or ("hang" if outcome.hang else f"lost {outcome.lost}")
    path.with_suffix(".txt").write_text(f"kind: {kind}\n{note}\n", encoding="utf-8")
    return path


# --- hypothesis strategies -----------------------------------------------------------------------


def ops_strategy():
    from hypothesis import strategies as st

    at = st.integers(0, 1 << 16)
    op = st.one_of(
        st.tuples(st.just("truncate"), at),
        st.tuples(st.just("flip"), at, st.integers(0, 255)),
        st.tuples(st.just("insert"), at, st.sampled_from(HOSTILE_BYTES)),
        st.tuples(st.just("insert"), at, st.binary(min_size=1, max_size=16)),
        st.tuples(st.just("delete"), at, st.integers(1, 64)),
        st.tuples(st.just("duplicate"), at, st.integers(1, 400)),
    )
    return st.lists(op, min_size=1, max_size=6)


def input_strategy(kinds=tuple(KINDS)):
    """(kind, bytes) pairs."""
    from hypothesis import strategies as st

    @st.composite
    def make(draw):
        kind = draw(st.sampled_from(list(kinds)))
        seeds = KINDS[kind][1]
        seed = draw(st.sampled_from(seeds)).read_bytes()
        damage_container = kind in ("jsonl_gz", "zip") and draw(st.booleans())
        return kind, build(kind, seed, draw(ops_strategy()), damage_container)

    return make()


# --- the long run ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=1000, help="inputs to try (default 1000)")
    parser.add_argument("--kind", action="append", choices=sorted(KINDS), help="only these formats")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    args = parser.parse_args(argv)

    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed

    judge = Judge()
    totals = {"inputs": 0, "refused": 0, "crashes": 0, "hangs": 0, "lost": 0}
    with tempfile.TemporaryDirectory() as tmp:

        @settings(max_examples=args.examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(input_strategy(tuple(args.kind or KINDS)))
        def explore(sample):
            kind, data = sample
            outcome = run_one(kind, data, judge, Path(tmp))
            totals["inputs"] += 1
            totals["refused"] += outcome.refused is not None
            totals["crashes"] += outcome.crash is not None
            totals["hangs"] += outcome.hang
            totals["lost"] += outcome.lost
            if outcome.crash or outcome.hang or outcome.lost:
                saved = save_regression(kind, data, outcome)
                print(f"FOUND {kind}: {saved}\n{outcome.crash or ''}", file=sys.stderr)

        if args.seed is not None:
            explore = hseed(args.seed)(explore)
        explore()
    print(f"inputs tried: {totals['inputs']}  (refused whole: {totals['refused']})")
    print(f"crashes: {totals['crashes']}  hangs: {totals['hangs']}  posts lost: {totals['lost']}")
    return 1 if totals["crashes"] or totals["hangs"] or totals["lost"] else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
