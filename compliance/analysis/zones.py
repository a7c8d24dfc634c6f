"""Where a label sits: at the start, on the first line, above the "more" fold, in a hashtag pile.

The fold is both a character count and a line count, from the platform's entry in the rule
files. Spacer lines (dots, braille blanks) are lines too: they push text below the fold.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from compliance.analysis.walk import walk_of
from compliance.model import Span


def _is_tag(text: str) -> bool:
    return len(text) > 1 and text[0] in "#@"


def hashtag_runs(doc) -> list[tuple[int, int, list[int]]]:
    """Runs of tags not interrupted by words: (start char, end char, hashtag token indices)."""
    walk = walk_of(doc)
    words, starts = walk.words, walk.starts
    runs = []
    current: list[int] = []
    for i, text in enumerate(words):
        if len(text) > 1 and text[0] in "#@":  # a tag (`_is_tag`, inline: this loop visits every token)
            if text[0] == "#":
                current.append(i)
            continue
        if text.isalnum() or any(map(str.isalnum, text)):  # a word: a letter or digit in it
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [(starts[r[0]], starts[r[-1]] + len(words[r[-1]]), r) for r in runs]


def place(doc, disclosures: list[Span], fold_chars: int, fold_lines: int, block_min: int, measure=None) -> list[Span]:
    """Return the disclosures with their `zone` filled in.

    `doc`: a spaCy doc or the analyser's `Walk` of it. `measure(lo, hi)`: the user-perceived
    characters between two offsets (compliance.analysis.cjk.perceived_length); default: the
    difference of the offsets."""
    if not disclosures:  # most captions: nothing to place
        return []
    walk = walk_of(doc)
    text = walk.text
    lead = len(text) - len(text.lstrip())
    starts = walk.starts  # strictly increasing: a label's token is found by bisection, no index built
    run_of: dict[int, tuple[int, int, list[int]]] | None = None  # token -> its block, made when a tag needs it
    trailing: dict[int, bool] = {}
    newlines = _newlines(text)
    before_lead = bisect_right(newlines, lead - 1)
    labelled = sorted(disclosures, key=lambda s: s.start)
    first_word = _first_unlabelled_word(text, labelled)
    placed: list[Span] = []
    for span in labelled:
        zones: list[str] = []
        if span.start <= first_word:
            zones.append("start")
        line = max(0, bisect_right(newlines, span.start - 1) - before_lead)  # = text.count("\n", lead, span.start)
        if line == 0:
            zones.append("first_line")
        # A statement (a sentence) counts above the fold when it begins there; a tag must fit whole.
        reach = span.start + 1 if span.cls else span.end
        if (measure(lead, reach) if measure else reach - lead) <= fold_chars and line < fold_lines:
            zones.append("above_fold")
        else:
            zones.append("below_fold")
        at = bisect_left(starts, span.start)
        token_i = at if at < len(starts) and starts[at] == span.start else None
        run = None
        if token_i is not None and walk.words[token_i][:1] == "#":  # only a hashtag token is in a block
            if run_of is None:
                runs = [r for r in hashtag_runs(walk) if len(r[2]) >= block_min]
                run_of = {i: run for run in runs for i in run[2]}
            run = run_of.get(token_i)
        if run is not None:
            start, end, members = run
            zones.append("hashtag_block")
            if token_i == members[0]:
                zones.append("block_first")
            if token_i == members[-1]:
                zones.append("block_last")
            if end not in trailing:
                trailing[end] = not any(ch.isalnum() for ch in _strip_tags(text[end:]))
            if trailing[end]:
                zones.append("trailing_block")
        placed.append(_with_zone(span, tuple(zones)))
    return placed


def _newlines(text: str) -> list[int]:
    """Offsets of the line breaks (str.find runs in C; captions have few breaks)."""
    out = []
    at = text.find("\n")
    while at >= 0:
        out.append(at)
        at = text.find("\n", at + 1)
    return out


def _first_unlabelled_word(text: str, labels: list[Span]) -> int:
    """Offset of the first letter or digit that is not part of a label or an @handle.

    "@brand #ad ..." still discloses upfront: a tag before the label is not content.
    """
    covered = sorted((s.start, s.end) for s in labels)
    i, k = 0, 0
    while i < len(text):
        while k < len(covered) and covered[k][1] <= i:
            k += 1
        if k < len(covered) and covered[k][0] <= i < covered[k][1]:
            i = covered[k][1]
            continue
        if text[i] == "@" and i + 1 < len(text) and (text[i + 1].isalnum() or text[i + 1] == "_"):
            i += 1
            while i < len(text) and (text[i].isalnum() or text[i] in "_."):
                i += 1
            continue
        if text[i].isalnum():
            return i
        i += 1
    return len(text)


def _strip_tags(rest: str) -> str:
    return " ".join(w for w in rest.split() if not _is_tag(w))


def _with_zone(span: Span, zone: tuple[str, ...]) -> Span:
    return span.moved(zone=zone)
