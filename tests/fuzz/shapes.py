"""Generated hostile shapes for every reader, with conservation checked record by record.

The mutation fuzzer (harness.py) damages real files at random; this one *builds* the shapes
that broke the tool before, in every input format, so none of them depends on luck:

- records: deep nesting (arrays or objects, up to thousands of levels, beside the caption or as
  the caption itself), integers of 4,300+
  digits, `1e999`, `NaN`, `-Infinity`, huge captions, unclosed strings and quotes, invisible /
  bidi / NUL / lone-surrogate text;
- files: UTF-8 with and without BOM, UTF-16 LE/BE with and without BOM, latin-1, a BOM at the
  start of a later line, CR-only and CRLF line endings, blank lines;
- delivery: a plain file, a named pipe (FIFO), a folder with symlinks (a loop, a link to its
  parent, a link to a file outside the folder), gzip and zip wrappers;
- bombs: a gzip of millions of blank lines, a zip of a gzip of one huge line.

Conservation, for every format: every record the generator wrote appears exactly once among
what is read (a post, or an error record naming the file and the record's place: line, row or
index), and a post read at a record's place is that record (its marker is in the caption).
A reader may also refuse a whole file up front (UnreadableInput: the CLI's exit 2 with a
message); that is counted, never silent.

Each case comes from `random.Random(seed)`, so a failure names its seed and is rebuilt exactly:
`python3 -m tests.fuzz.shapes --seed 123 --cases 1`. The suite runs a modest set
(tests/fuzz/test_shapes.py); `bench/robustness.py --only shapes` runs a bigger one.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import random
import sys
import tempfile
import threading
import traceback
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

FORMATS = ("jsonl", "json", "csv", "instagram", "tiktok", "x", "youtube")
RECORD_SHAPES = (
    "plain",
    "plain",
    "deep-array",
    "deep-object",
    "huge-int",
    "inf",
    "nan",
    "huge-caption",
    "unclosed",
    "hostile-text",
    "multiline",
    "deep-caption",
)
ENCODINGS = (
    "utf-8",
    "utf-8-sig",
    "utf-16-le-bom",
    "utf-16-be-bom",
    "utf-16-le",
    "utf-16-be",
    "latin-1",
    "later-bom",
    "cr-only",
    "crlf",
)
DELIVERIES = ("file", "file", "fifo", "symlinks", "gzip", "zip")
DEPTHS = (50, 199, 200, 201, 700, 1_000, 3_000, 10_000)
LINE_FORMATS = ("jsonl", "csv", "youtube")  # where line endings and a later BOM mean something
SINGLE_FILE = ("jsonl", "json", "csv", "tiktok", "x")  # one file, no folder layout needed

# Where each format lives (relative path inside the scanned folder, or the file's own name).
PATHS = {
    "jsonl": "posts.jsonl",
    "json": "posts.json",
    "csv": "posts.csv",
    "instagram": "your_instagram_activity/content/posts_1.json",
    "tiktok": "user_data_tiktok.json",
    "x": "data/tweets.js",
    "youtube": "Takeout/YouTube and YouTube Music/video metadata/videos.csv",
}
WORDS = "Loving my Glowly serum use code LENA15 #ad thanks @glowlyskin gifted Werbung café crème".split()


@dataclass
class Case:
    seed: int
    fmt: str
    shapes: list[str]
    encoding: str
    delivery: str
    big: int  # the huge caption's length in characters
    name: str = ""

    def __post_init__(self) -> None:
        self.name = f"seed {self.seed}: {self.fmt}, {self.encoding}, {self.delivery}, records {','.join(self.shapes)}"


@dataclass
class Outcome:
    case: Case
    records: int = 0  # records read (posts and error records)
    expected: int = 0
    refused: str | None = None
    crash: str | None = None
    hang: bool = False
    lost: list[str] = field(default_factory=list)  # expected places not read exactly once
    extra: list[str] = field(default_factory=list)  # places read that no record has
    misplaced: list[str] = field(default_factory=list)  # a post at a place that is not that record

    @property
    def failed(self) -> bool:
        return bool(self.crash or self.hang or self.lost or self.extra or self.misplaced)

    def describe(self) -> str:
        parts = [self.case.name]
        if self.crash:
            parts.append(self.crash)
        if self.hang:
            parts.append("hang")
        for label, items in (("lost", self.lost), ("extra", self.extra), ("misplaced", self.misplaced)):
            if items:
                parts.append(f"{label}: {', '.join(items[:8])}{' ...' if len(items) > 8 else ''}")
        return "\n  ".join(parts)


def make_case(seed: int, big: int = 200_000) -> Case:
    """One case, all of it drawn from `seed`."""
    rng = random.Random(seed)
    fmt = rng.choice(FORMATS)
    shapes = [rng.choice(RECORD_SHAPES) for _ in range(rng.randint(1, 8))]
    if fmt not in ("jsonl", "csv", "youtube"):  # in one JSON document only the last string can stay open
        shapes = [s for s in shapes if s != "unclosed"] + (["unclosed"] if "unclosed" in shapes else [])
    encodings = ENCODINGS if fmt in LINE_FORMATS else ENCODINGS[:7]
    deliveries = DELIVERIES if fmt in SINGLE_FILE else ("file", "symlinks", "zip")
    if fmt == "jsonl":
        deliveries = (*deliveries, "gzip-jsonl")
    delivery = rng.choice([d for d in deliveries if d != "gzip"])
    return Case(seed, fmt, shapes, rng.choice(encodings), delivery, big=rng.randint(big // 4, big))


# --- building the records --------------------------------------------------------------------


def _caption(rng: random.Random, i: int, shape: str, big: int) -> str:
    marker = f"r{i}:"
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12)))
    if shape == "huge-caption":
        return marker + " " + (words + " ") * (big // (len(words) + 1) + 1)
    if shape == "hostile-text":
        return marker + " \u202e#ad\u202c \u200b\u0000 \ufeff" + words + " \u0301\u0301 \U0001f44d\U0001f3fd"
    if shape == "multiline":
        return marker + " " + words + '\nsecond "line", with a comma\n#ad'
    return marker + " " + words


def _deep(rng: random.Random, shape: str) -> str:
    depth = rng.choice(DEPTHS)
    if shape == "deep-array":
        return "[" * depth + "1" + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def _extra(rng: random.Random, shape: str) -> str:
    """The raw JSON text of a record's extra field."""
    if shape.startswith("deep"):
        return _deep(rng, shape)
    if shape == "huge-int":
        return rng.choice("123456789") + "".join(rng.choice("0123456789") for _ in range(rng.randint(4_300, 9_000)))
    if shape == "inf":
        return rng.choice(["1e999", "-1e999", "Infinity", "-Infinity"])
    if shape == "nan":
        return "NaN"
    return json.dumps(rng.choice([1, "x", None, True, [1, 2], {"k": "v"}]))


def _json_str(text: str) -> str:
    return json.dumps(text)  # ASCII escapes: lone surrogates and NULs survive any encoding


def _element(fmt: str, i: int, caption: str, extra: str, unclosed: bool, raw_caption: str | None = None) -> str:
    """One JSON element of a JSON-based format; an unclosed one stops inside its caption string;
    `raw_caption` is JSON text put where the caption string goes (a deeply nested value)."""
    cap = raw_caption or _json_str(caption)
    if unclosed:
        cap = cap[:-1] + " and then the file ends"
    if fmt in ("jsonl", "json"):
        head = f'{{"id": "g{i}", "extra": {extra}, "caption": {cap}'
    elif fmt == "instagram":
        head = f'{{"creation_timestamp": {1705312800 + i}, "media": [], "extra": {extra}, "title": {cap}'
    elif fmt == "tiktok":
        head = (
            f'{{"Date": "2024-03-01 07:15:02", "Link": "https://www.tiktokv.com/share/video/7341{i:015d}/", '
            f'"extra": {extra}, "Title": {cap}'
        )
    else:  # x
        head = f'{{"tweet": {{"id_str": "{1000 + i}", "created_at": "Mon Jan 01 00:00:00 +0000 2024", "extra": {extra}, "full_text": {cap}'
        return head if unclosed else head + "}}"
    return head if unclosed else head + "}"


def _raw_cap(shape: str, extra: str) -> str | None:
    return extra if shape == "deep-caption" else None


def _raw_extra(shape: str, extra: str) -> str:
    return "1" if shape == "deep-caption" else extra


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def build_text(case: Case) -> tuple[str, list[tuple[str, int]]]:
    """The file's text and, per record, (place kind, number) where a reader must report it."""
    rng = random.Random(case.seed * 7919 + 1)
    records = []
    for i, shape in enumerate(case.shapes):
        caption = _caption(rng, i, shape, case.big)
        if case.fmt in ("csv", "youtube") and shape == "hostile-text":
            caption = caption.replace("\u0000", "")  # NUL in CSV is tested by the mutation fuzzer
        if shape == "deep-caption":
            deep = _deep(rng, rng.choice(["deep-array", "deep-object"]))
            records.append((i, shape, caption + " " + deep, deep))  # CSV: text; JSON: the caption's value
            continue
        records.append((i, shape, caption, _extra(rng, shape)))
    places: list[tuple[str, int]] = []
    if case.fmt == "jsonl":
        lines: list[str] = []
        for i, shape, caption, extra in records:
            while rng.random() < 0.2:
                lines.append(rng.choice(["", "   ", "\t"]))
            lines.append(
                _element("jsonl", i, caption, _raw_extra(shape, extra), shape == "unclosed", _raw_cap(shape, extra))
            )
            places.append(("line", len(lines)))
        return "\n".join(lines) + rng.choice(["\n", ""]), places
    if case.fmt in ("csv", "youtube"):
        header = (
            "id,extra,caption" if case.fmt == "csv" else "Video ID,Video Title (Original),Video Description (Original)"
        )
        rows = [header]
        for i, shape, caption, extra in records:
            ident = f"g{i}" if case.fmt == "csv" else f"v{i}"
            cell = extra if case.fmt == "csv" else "t"
            if case.fmt == "csv" and len(cell) > 200:
                cell = cell[:200]
            if shape == "unclosed":
                rows.append(f'{ident},{_csv_cell(cell)},"{caption} and the quote is never closed')
            else:
                rows.append(f"{ident},{_csv_cell(cell)},{_csv_cell(caption)}")
            places.append(("row", len(rows)))
        return "\n".join(rows) + "\n", places
    elements = [
        _element(case.fmt, i, cap, _raw_extra(shape, extra), shape == "unclosed", _raw_cap(shape, extra))
        for i, shape, cap, extra in records
    ]
    places = [("index", n) for n in range(len(elements))]
    body = ",\n".join(elements) + ("" if case.shapes[-1] == "unclosed" else "]")
    if case.fmt == "tiktok":
        closing = "" if case.shapes[-1] == "unclosed" else "}}}"
        return '{"Post": {"Posts": {"VideoList": [' + body + closing, places
    if case.fmt == "x":
        return "window.YTD.tweets.part0 = [" + body, places
    return "[" + body, places


def encode(case: Case, text: str) -> bytes:
    rng = random.Random(case.seed * 104729 + 3)
    enc = case.encoding
    if enc == "cr-only":
        text = text.replace("\n", "\r")
    elif enc == "crlf":
        text = text.replace("\n", "\r\n")
    if enc == "later-bom":
        lines = text.split("\n")
        if len(lines) > 2:
            at = rng.randint(1, len(lines) - 2)
            lines[at] = "\ufeff" + lines[at]
        text = "\n".join(lines)
    codec = {
        "utf-8-sig": "utf-8-sig",
        "utf-16-le-bom": "utf-16",  # Python writes the BOM in the machine's order: force it below
        "utf-16-be-bom": "utf-16",
        "utf-16-le": "utf-16-le",
        "utf-16-be": "utf-16-be",
        "latin-1": "latin-1",
    }.get(enc, "utf-8")
    if enc == "utf-16-le-bom":
        return b"\xff\xfe" + text.encode("utf-16-le", "surrogatepass")
    if enc == "utf-16-be-bom":
        return b"\xfe\xff" + text.encode("utf-16-be", "surrogatepass")
    return text.encode(codec, "replace" if codec == "latin-1" else "surrogatepass")


# --- delivering it --------------------------------------------------------------------------


def deliver(case: Case, data: bytes, root: Path) -> tuple[str, str | None, threading.Thread | None]:
    """(path to scan, member name the records live in or None, FIFO writer thread or None)."""
    rel = PATHS[case.fmt]
    name = Path(rel).name
    if case.delivery == "fifo":
        path = root / name
        os.mkfifo(path)

        def write() -> None:
            try:
                with open(path, "wb") as fh:
                    fh.write(data)
            except OSError:
                pass  # the reader went away: that shows as lost records, not here

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        return str(path), None, writer
    if case.delivery == "gzip-jsonl":
        path = root / (name + ".gz")
        path.write_bytes(gzip.compress(data, mtime=0))
        return str(path), None, None
    if case.delivery == "zip":
        path = root / "export.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(rel, data)
        return str(path), rel, None
    if case.delivery == "symlinks":
        folder = root / "scan"
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        outside = root / "outside"
        outside.mkdir()
        (outside / "secret.jsonl").write_text('{"id": "outside", "caption": "never read #ad"}\n', encoding="utf-8")
        (folder / "loop").symlink_to("loop")  # a link to itself
        (folder / "up").symlink_to("..")  # a folder link to the parent: never followed
        (folder / "leak.jsonl").symlink_to(outside / "secret.jsonl")  # a file outside the folder
        return str(folder), rel, None
    if case.fmt in SINGLE_FILE:
        path = root / name
        path.write_bytes(data)
        return str(path), None, None
    folder = root / "export"
    (folder / rel).parent.mkdir(parents=True, exist_ok=True)
    (folder / rel).write_bytes(data)
    return str(folder), rel, None


# --- one case -------------------------------------------------------------------------------


def run_case(case: Case, judge, workdir: Path, hang_seconds: float = 120) -> Outcome:
    """Build, deliver, read, judge and render one case; compare what was read with what was written."""
    from compliance.model import InputError
    from compliance.readers import ReadOptions, UnreadableInput, read_inputs
    from compliance.reporters.document import build_report
    from compliance.reporters.registry import REPORTERS
    from tests.fuzz.harness import Hang, deadline

    outcome = Outcome(case)
    text, places = build_text(case)
    outcome.expected = len(places)
    root = Path(tempfile.mkdtemp(dir=workdir))
    writer = None
    try:
        with deadline(hang_seconds):
            scan, member, writer = deliver(case, encode(case, text), root)
            try:
                records = list(read_inputs([scan], ReadOptions(note=lambda message: None)))
            except UnreadableInput as exc:
                outcome.refused = str(exc)
                return outcome
            results = [judge(r) for r in records]
            report = build_report(results, judge.scanner.jurisdictions, judge.scanner.ruleset_meta(), [scan])
            out = io.StringIO()
            REPORTERS.get("json")(report, out, {"title": "shapes"})
            out.getvalue().encode("utf-8")  # strict: what `-o file` writes
    except Hang:
        outcome.hang = True
        return outcome
    except Exception:
        outcome.crash = traceback.format_exc()
        return outcome
    finally:
        if writer is not None:
            writer.join(5)
    outcome.records = len(records)
    seen: dict[tuple[str, int], list] = {}
    for record in records:
        src = record.source
        if src.member not in (None, member) or (member is None and src.member is not None):
            outcome.extra.append(f"{src.where()}")  # a record from somewhere the case did not write
            continue
        place = next(((k, getattr(src, k)) for k in ("line", "row", "index") if getattr(src, k) is not None), None)
        if place is None:
            outcome.extra.append(f"{src.where()} (no place)")
            continue
        seen.setdefault(place, []).append(record)
    for i, place in enumerate(places):
        got = seen.pop(place, [])
        if len(got) != 1:
            outcome.lost.append(f"record {i} ({case.shapes[i]}) at {place[0]} {place[1]}: read {len(got)} times")
            continue
        record = got[0]
        if not isinstance(record, InputError) and not (record.caption or "").startswith(f"r{i}:"):
            outcome.misplaced.append(f"{place[0]} {place[1]}: caption {record.caption[:40]!r} is not record {i}")
    outcome.extra += [f"{k} {n} (x{len(v)})" for (k, n), v in sorted(seen.items())]
    return outcome


# --- bombs ------------------------------------------------------------------------------------


def bombs(size: int) -> list[tuple[str, str, bytes, int]]:
    """(name, file name, bytes, records) of small files that expand to `size` bytes and more."""
    head = b'{"id": "a", "caption": "first #ad"}\n'
    tail = b'{"id": "b", "caption": "after"}\n'
    blank = gzip.compress(head + b"\n" * size + tail, compresslevel=9, mtime=0)
    line = gzip.compress(head + b'{"id": "big", "caption": "' + b"x" * size + b'"}\n' + tail, 9, mtime=0)
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("posts.jsonl.gz", line)
    return [
        ("gzip of blank lines", "blank.jsonl.gz", blank, 2),
        ("gzip of one long line", "line.jsonl.gz", line, 3),
        ("zip of a gzip of one long line", "line.zip", zipped.getvalue(), 3),
    ]


# --- the long run ------------------------------------------------------------------------------


def run_many(seeds: list[int], big: int, judge=None, log=print) -> dict[str, int]:
    from tests.fuzz.harness import Judge

    judge = judge or Judge()
    totals = {"cases": 0, "records": 0, "refused": 0, "crashes": 0, "hangs": 0, "lost": 0, "failed": 0}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            case = make_case(seed, big)
            outcome = run_case(case, judge, Path(tmp))
            totals["cases"] += 1
            totals["records"] += outcome.expected
            totals["refused"] += outcome.refused is not None
            totals["crashes"] += outcome.crash is not None
            totals["hangs"] += outcome.hang
            totals["lost"] += len(outcome.lost) + len(outcome.extra) + len(outcome.misplaced)
            totals["failed"] += outcome.failed
            if outcome.failed:
                log(f"FAILED {outcome.describe()}")
            elif outcome.refused:
                log(f"refused whole ({case.name}): {outcome.refused[:160]}")
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300, help="cases to build (default 300)")
    parser.add_argument("--seed", type=int, default=None, help="first seed (default: random, printed)")
    parser.add_argument("--big", type=int, default=2_000_000, help="largest huge caption (characters)")
    args = parser.parse_args(argv)
    first = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
    print(f"seeds {first}..{first + args.cases - 1} (rebuild one: --seed N --cases 1)", file=sys.stderr)
    totals = run_many(list(range(first, first + args.cases)), args.big, log=lambda m: print(m, file=sys.stderr))
    print("  ".join(f"{k}: {v}" for k, v in totals.items()))
    return 1 if totals["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
