"""Refuse rule-file patterns that can backtrack catastrophically, before any caption sees them.

Every pattern over a caption already runs with a `timeout=`, so a bad pattern costs one post,
not the run. But a pattern like `(a+)+$` would time out on every long caption and quietly turn
a scan into a pile of error records, so the loader rejects the classic shape outright: a group
that repeats (`*`, `+`, `{n,}`, `{n,m}`) around something that itself repeats a variable number
of times. Possessive quantifiers (`++`, `*+`) and atomic groups (`(?>...)`) cannot backtrack
and are allowed; that is the way out the error message offers.

This is a static check on the pattern text (regex-module syntax), not a proof: overlapping
alternatives like `(a|aa)+` pass it and are left to the timeout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import regex

# Seconds one pattern may spend on one caption; a TimeoutError turns the post into an error record.
TIMEOUT = 0.25


@dataclass
class _Group:
    start: int  # index of the "(" in the pattern
    atomic: bool  # (?>...) never gives back what it matched
    repeats: str | None = None  # text of the first variable repetition inside, e.g. "+"


def _quantifier(pattern: str, i: int) -> tuple[str, int, int | None, bool] | None:
    """The quantifier starting at `i`: (text, min, max or None, possessive), or None."""
    if i >= len(pattern):
        return None
    ch = pattern[i]
    if ch in "*+?":
        lo, hi, j = {"*": (0, None), "+": (1, None), "?": (0, 1)}[ch] + (i + 1,)
    elif ch == "{":
        m = regex.match(r"\{(\d*)(?:(,)(\d*))?\}", pattern[i:])
        if not m or (not m.group(1) and not m.group(3)):
            return None
        lo = int(m.group(1) or 0)
        hi = None if m.group(2) and not m.group(3) else int(m.group(3) or m.group(1))
        j = i + m.end()
    else:
        return None
    possessive = j < len(pattern) and pattern[j] == "+"
    if j < len(pattern) and pattern[j] in "?+":
        j += 1
    return pattern[i:j], lo, hi, possessive


def _varies(lo: int, hi: int | None) -> bool:
    """Can the repetition match more than one count of more than one item?"""
    return hi is None or (hi > lo and hi > 1)


def _skip_class(pattern: str, i: int) -> int:
    """Index just past the character class that starts at pattern[i] == '['."""
    j = i + 1
    if j < len(pattern) and pattern[j] == "^":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1
    depth = 1
    while j < len(pattern):
        c = pattern[j]
        if c == "\\":
            j += 2
            continue
        if c == "[" and pattern.startswith("[:", j):
            end = pattern.find(":]", j + 2)
            j = end + 2 if end >= 0 else j + 1
            continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return len(pattern)


def _skip_escape(pattern: str, i: int) -> int:
    """Index just past the escape at pattern[i] == '\\' (\\p{L}, \\N{...}, \\x{...} included)."""
    j = i + 2
    if i + 1 < len(pattern) and pattern[i + 1] in "pPNxuUg" and j < len(pattern) and pattern[j] == "{":
        end = pattern.find("}", j)
        return end + 1 if end >= 0 else len(pattern)
    return j


# The most copies of one item counted repetition may ask for, nested counts multiplied
# (`(a{100}){100}` is 10,000): regex expands counts at compile time, so `a{1000000}` or nested
# counts take gigabytes before any caption is read. Real patterns count to a few dozen.
MAX_COUNTED = 1000


def counted_repetition(pattern: str) -> str | None:
    """Describe a counted repeat (`{n}`, `{n,m}`, nested) whose expansion exceeds MAX_COUNTED, or None.

    A static walk over the pattern text, linear in its length, done before compiling."""
    stack: list[list] = [[-1, 1]]  # per open group: [index of "(", largest expansion inside]
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        size = 1
        start = i
        if c == "\\":
            i = _skip_escape(pattern, i)
        elif c == "[":
            i = _skip_class(pattern, i)
        elif c == "(":
            if pattern.startswith("(?#", i):
                end = pattern.find(")", i)
                i = end + 1 if end >= 0 else n
                continue
            stack.append([i, 1])
            i += 1
            continue
        elif c == ")":
            opened, size = stack.pop() if len(stack) > 1 else (i, 1)
            start = opened
            i += 1
        else:
            i += 1
        q = _quantifier(pattern, i)
        if q:
            text, lo, hi, _ = q
            i += len(text)
            if text[0] == "{":
                size *= max(lo, hi or 0, 1)
                if size > MAX_COUNTED:
                    return (
                        f"the counted repeat {pattern[max(start, 0) : i]!r} asks for {size:,} copies "
                        f"(nested counts multiply; at most {MAX_COUNTED:,}): regex expands it when compiling"
                    )
        stack[-1][1] = max(stack[-1][1], size)
    return None


def nested_quantifier(pattern: str) -> str | None:
    """Describe the first repeated group around a repetition, or None if there is none.

    A counted repeat too large to compile (counted_repetition) is reported first."""
    counted = counted_repetition(pattern)
    if counted:
        return counted
    stack: list[_Group] = [_Group(-1, False)]
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i = _skip_escape(pattern, i)
        elif c == "[":
            i = _skip_class(pattern, i)
        elif c == "(":
            if pattern.startswith("(?#", i):
                end = pattern.find(")", i)
                i = end + 1 if end >= 0 else n
                continue
            stack.append(_Group(i, pattern.startswith("(?>", i)))
            i += 1
            continue
        elif c == ")":
            group = stack.pop() if len(stack) > 1 else _Group(i, False)
            i += 1
            q = _quantifier(pattern, i)
            if q:
                text, lo, hi, possessive = q
                i += len(text)
                if group.repeats and _varies(lo, hi) and not possessive and not group.atomic:
                    return (
                        f"the group {pattern[group.start : i]!r} repeats ({text}) around a part that "
                        f"itself repeats ({group.repeats}), which can backtrack exponentially; "
                        f"rewrite it, or make the inner repetition possessive ('++', '*+') "
                        f"or the group atomic '(?>...)'"
                    )
                if _varies(lo, hi) and not possessive and not group.atomic:
                    stack[-1].repeats = stack[-1].repeats or text
            if group.repeats and not group.atomic:
                stack[-1].repeats = stack[-1].repeats or group.repeats
            continue
        else:
            i += 1
        q = _quantifier(pattern, i)
        if q:
            text, lo, hi, possessive = q
            i += len(text)
            if _varies(lo, hi) and not possessive:
                stack[-1].repeats = stack[-1].repeats or text
    return None


def compile_safe(pattern: str):
    """Compile a rule file's pattern (case-insensitive), refusing one that cannot run in linear time.

    Raises ValueError naming the problem; callers add the file, line and rule.
    """
    problem = counted_repetition(pattern)  # before compiling: compiling is what takes the memory
    if problem:
        raise ValueError(f"pattern {pattern!r} is unsafe: {problem}")
    try:
        compiled = regex.compile(pattern, regex.IGNORECASE | regex.V0)
    except regex.error as exc:
        raise ValueError(f"pattern {pattern!r} does not compile: {exc}") from None
    problem = nested_quantifier(pattern)
    if problem:
        raise ValueError(f"pattern {pattern!r} is unsafe: {problem}")
    return compiled


# ------------------------------------------------------------------ literals a match must contain
# Read with the stdlib's parser (the syntax rule files use is common to both engines); used to
# skip a pattern on captions that lack text every match contains (compliance.analysis.prefilter).
_LITERAL = sre_parse.LITERAL
_SUBPATTERN = sre_parse.SUBPATTERN
_BRANCH = sre_parse.BRANCH
_REPEATS = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, getattr(sre_parse, "POSSESSIVE_REPEAT", None)} - {None}
_ATOMIC = getattr(sre_parse, "ATOMIC_GROUP", None)

# Where the `regex` module reads a pattern differently from the stdlib parser: nested or POSIX
# sets ("[[:alpha:]]"), fuzzy constraints ("(?:ad){e<=1}") and the V1 syntax.
_FOREIGN = re.compile(r"\[\[|\{(?!\d*,?\d*\})|\(\?[a-zA-Z]*V1")


def _required(items: Any) -> list[frozenset[str]]:
    """The clauses every match of this sequence of parsed items satisfies."""
    clauses: list[frozenset[str]] = []
    run: list[str] = []

    def close() -> None:
        if run:
            clauses.append(frozenset({"".join(run).casefold()}))
            run.clear()

    for op, av in items:
        if op is _LITERAL and av < 128:
            run.append(chr(av))
            continue
        close()
        if op is _SUBPATTERN:  # a group (its flags do not matter: the test is case-free)
            clauses += _required(av[3])
        elif op is _ATOMIC:
            clauses += _required(av)
        elif op in _REPEATS:
            low, _high, body = av
            if low >= 1:
                clauses += _required(body)
        elif op is _BRANCH:
            choice = _alternatives(av[1])
            if choice:
                clauses.append(choice)
    close()
    return clauses


def _alternatives(branches: list) -> frozenset[str] | None:
    """One required literal of each branch (its longest), or None when a branch requires none."""
    out: set[str] = set()
    for branch in branches:
        singles = [next(iter(c)) for c in _required(branch) if len(c) == 1]
        if not singles:
            return None
        out.add(max(singles, key=len))
    return frozenset(out)


def required_literals(pattern: str, flags: int = 0) -> list[frozenset[str]]:
    """Text every match of `pattern` (`regex` module, V0 syntax) contains, case-folded, as clauses:
    each clause is a set of strings one of which is in the matched text, ignoring case. Runs of
    ASCII literals outside any optional part count, and for alternatives one literal of each.
    Empty when nothing is required or the pattern cannot be read this way (then always run it)."""
    if _FOREIGN.search(pattern) or flags & regex.V1:
        return []  # syntax the stdlib parser would misread (nested sets, fuzzy braces, V1)
    try:
        parsed = sre_parse.parse(pattern, flags & (re.IGNORECASE | re.VERBOSE))
    except Exception:  # regex-module syntax the stdlib does not read (\p{L}, \X ...)
        return []
    return [c for c in _required(list(parsed)) if all(c)]


# ------------------------------------------------------------------ one character class, per character
_ASCII = frozenset(map(chr, range(128)))
_CHAR_MEMO_MAX = 100_000  # distinct characters remembered per class (the alphabets in use)


_LAST: tuple[str | None, frozenset[str]] = (None, frozenset())


def _wide_chars(text: str) -> frozenset[str]:
    """The distinct characters of `text` that are not ASCII, kept for the last text asked about:
    normalising a caption and looking for CJK in it ask about the same string object (one tuple,
    assigned at once, so a thread never sees one text's characters under another text)."""
    global _LAST
    last = _LAST
    if last[0] is text:
        return last[1]
    chars = frozenset(text).difference(_ASCII)
    _LAST = (text, chars)
    return chars


class CharClass:
    """Does a text hold a character of a class (`[\\p{Han}\\p{Hangul}]`, `\\p{M}` ...)? The answer
    of a timed `search`, found from the text's distinct characters, each looked up once.

    A timed search reads the process clock twice (two system calls, more than the search itself
    on a caption) and runs for every caption; a caption's distinct characters are a C-speed set,
    and the alphabets in use are small. `pattern` must match exactly one character, whatever
    surrounds it (a class, no look-around)."""

    def __init__(self, pattern: str, flags: int = 0):
        self.pattern = regex.compile(pattern, flags)
        self.memo: dict[str, bool] = {}
        self.ascii: frozenset[str] | None = None  # the ASCII characters in the class (found at first use)

    def _has(self, ch: str) -> bool:
        if len(self.memo) >= _CHAR_MEMO_MAX:
            self.memo.clear()
        found = self.memo[ch] = self.pattern.fullmatch(ch, timeout=TIMEOUT) is not None
        return found

    def found(self, text: str) -> bool:
        """The ASCII members by a set test in C, the other characters one by one (distinct, memoised):
        an ASCII text, or stretch of one, costs no look-up per character."""
        members = self.ascii
        if members is None:
            members = self.ascii = frozenset(ch for ch in sorted(_ASCII) if self._has(ch))
        if members and not members.isdisjoint(text):
            return True
        if text.isascii():
            return False
        memo = self.memo
        for ch in _wide_chars(text):
            hit = memo.get(ch)
            if hit is None:
                hit = self._has(ch)
            if hit:
                return True
        return False
