"""A JSONL file with every kind of damage, for the conservation test and bench/robustness.py.

Deterministic for a given seed: valid posts from the fixtures interleaved with truncated lines,
bad encodings, binary garbage, duplicate ids, a 10 MB line, lone surrogates, non-object JSON,
deep nesting, NULs, CR line ends, blank and whitespace-only lines, and a last line with no newline.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED_POSTS = ROOT / "fixtures" / "posts" / "campaign.jsonl"
BIG = 10 * 1024 * 1024


def hostile_lines(big: int = BIG) -> list[bytes]:
    """One of each kind of damage (no trailing newlines; blank lines included on purpose)."""
    return [
        b'{"id": "dup", "caption": "#ad first of two with one id @glowlyskin"}',
        b'{"id": "dup", "caption": "second with the same id, Glowly"}',
        b'{"id": "trunc", "caption": "cut off in the mid',
        b'{"id": "latin1", "caption": "caf\xe9 #Werbung"}',
        b"\x00\x01\x02\xff\xfe\x80garbage\x9c\x00",
        b'{"id": "sur", "caption": "\\ud800 #ad Glowly \\udfff", "author": "\\udc80"}',
        b'["an", "array"]',
        b"42",
        b"null",
        b'"a string"',
        b"true",
        b"[" * 100_000,
        b'{"id": "big", "caption": "' + b"#ad " * (big // 4) + b'"}',
        b"x" * big,
        b'{"id": "nul", "caption": "#ad\\u0000 Glowly\\u0000"}',
        b'{"id": "cr", "caption": "#ad Glowly"}\r',
        b"",
        b"   \t ",
        b'{"id": "ok-after-blanks", "caption": "Loving my Glowly serum"}',
        b'{"id": null, "caption": "no id"}',
        b'{"id": "obj", "caption": {"text": "#ad"}}',
        b'{"id": "plat", "caption": "#ad", "platform": "myspace"}',
        b'\xef\xbb\xbf{"id": "bom-mid", "caption": "a BOM not at the start"}',
        b'{"id": "rtl", "caption": "\\u202e#ad\\u202c Glowly \\u2066x\\u2069"}',
        b'{"id": "deep", "caption": "x", "meta": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5000 + b"}",
    ]


def corrupted_jsonl(seed: int = 0, big: int = BIG) -> bytes:
    """Fixture posts, randomly damaged, shuffled with the hostile lines; no newline at the end."""
    rnd = random.Random(seed)
    posts = [line for line in SEED_POSTS.read_bytes().split(b"\n") if line.strip()]
    lines: list[bytes] = []
    for line in posts:
        roll = rnd.random()
        if roll < 0.15:
            line = line[: rnd.randrange(1, len(line))]
        elif roll < 0.25:
            i = rnd.randrange(len(line))
            line = line[:i] + bytes([rnd.randrange(0x80, 0x100)]) + line[i + 1 :]
        elif roll < 0.3:
            line = line.replace(b"\n", b"") + b"\r"
        lines.append(line)
    lines += hostile_lines(big)
    rnd.shuffle(lines)
    lines.insert(0, b'\xef\xbb\xbf{"id": "bom-first", "caption": "#ad Glowly with a BOM"}')
    return b"\n".join(lines)


def nonblank_line_numbers(data: bytes) -> list[int]:
    """The lines a JSONL scan must account for (1-based), as the reader splits them (on LF, CRLF
    or a lone CR)."""
    out = []
    for number, raw in enumerate(re.split(rb"\r\n|\r|\n", data), 1):
        if raw.startswith(b"\xef\xbb\xbf"):  # a BOM starts any line (files joined with cat)
            raw = raw[3:]
        if raw.strip():
            out.append(number)
    return out


if __name__ == "__main__":  # write one to look at: python3 -m tests.fuzz.corrupt out.jsonl
    import sys

    Path(sys.argv[1]).write_bytes(corrupted_jsonl(int(sys.argv[2]) if len(sys.argv) > 2 else 0))
    print(json.dumps({"lines": len(nonblank_line_numbers(Path(sys.argv[1]).read_bytes()))}))
