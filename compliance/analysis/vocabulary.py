"""Words the tokenizer learns once, before a scan's first memory zone.

Scans judge posts inside spaCy memory zones so memory stays flat, but whatever a zone creates is
freed at its end, and inside a zone the tokenizer neither keeps new words nor caches how it
split a chunk: without warming, "the", "#ad" or "Werbung" were created again in every zone
(89,000 new lexemes for 5,000 posts). Tokenizing the common words once outside any zone makes
their lexemes and cached splits permanent; a zone then only creates the words that are rare.

The words: the loaded rules' own wording (labels, signals, statements, discover cues), the
campaign's brands, and a compact list of frequent words per language shipped with the package
(`frequent_words.toml`), each lower-case, capitalised and upper-case.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

_FREQUENT = Path(__file__).with_name("frequent_words.toml")
_BATCH = 2000  # forms per tokenizer call


@lru_cache(maxsize=1)
def frequent_words() -> tuple[str, ...]:
    """The shipped list: frequent words of every language, then common symbols and emoji."""
    with open(_FREQUENT, "rb") as fh:
        data = tomllib.load(fh)
    out: list[str] = []
    for table in (data.get("words") or {}, data.get("symbols") or {}):
        for text in table.values():
            out.extend(str(text).split())
    return tuple(out)


def pattern_strings(value: Any) -> Iterator[str]:
    """Every string inside a spaCy token pattern (the values of LOWER, ORTH, NORM, IN ...)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from pattern_strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from pattern_strings(item)


def forms(words: Iterable[str]) -> list[str]:
    """Each space-free piece of each word, as written, lower-case, capitalised and upper-case."""
    seen: dict[str, None] = {}
    for word in words:
        for piece in str(word).split():
            mark = piece[:1] if piece[:1] in ("#", "@") else ""  # "#Werbung": the tag's body capitalised
            capital = mark + piece[len(mark) :].capitalize()
            for form in (piece, piece.lower(), capital, piece.upper()):
                seen.setdefault(form, None)
    return list(seen)


def warm(nlp, words: Iterable[str]) -> int:
    """Tokenize the forms of `words` outside any memory zone; returns how many forms.

    The tokenizer caches each chunk it splits outside a zone, so later captions reuse both the
    lexemes and the split. Inside a zone this would be undone at the zone's end: then nothing
    is done."""
    if nlp.vocab.in_memory_zone:
        return 0
    todo = forms(words)
    tokenizer = nlp.tokenizer
    teach = getattr(tokenizer, "teach", None)  # the caption tokenizer also notes them as known
    if teach is not None:
        teach(todo)
        return len(todo)
    for i in range(0, len(todo), _BATCH):
        tokenizer(" ".join(todo[i : i + _BATCH]))
    return len(todo)
