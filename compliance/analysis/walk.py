"""One walk over a caption's spaCy doc, shared by every detector.

Each detector used to iterate the doc on its own (brands, labels, statements, placement: about
six walks a caption, each step creating a Python `Token`) and to ask for `doc.text` (one more walk
each time). `Walk` reads every token's text and offset once; the detectors read these lists, and
the doc itself only goes to the spaCy matchers, which run in C. The attributes read here are
the lexeme attributes the detectors used (`lower_` is `str.lower`, `is_space` is
`str.isspace` in the blank pipeline), so matching is unchanged.
"""

from __future__ import annotations

from typing import Any


class Walk:
    """The tokens of one doc: `words[i]` is token i's text, `starts[i]` its character offset."""

    __slots__ = ("doc", "text", "words", "starts", "_lowers", "_tags")

    def __init__(self, doc: Any, text: str | None = None):
        self.doc = doc
        words: list[str] = []
        starts: list[int] = []
        add_word, add_start = words.append, starts.append
        for token in doc:
            add_word(token.text)
            add_start(token.idx)
        self.words = words
        self.starts = starts
        self.text: str = doc.text if text is None else text  # the analyser passes the text it tokenized
        self._lowers: list[str] | None = None
        self._tags: list[int] | None = None

    def __len__(self) -> int:
        return len(self.words)

    @property
    def lowers(self) -> list[str]:
        """`token.lower_` of every token."""
        if self._lowers is None:
            self._lowers = [w.lower() for w in self.words]
        return self._lowers

    @property
    def tags(self) -> list[int]:
        """Indices of the tokens that are a `#tag` or an `@handle` (two characters or more)."""
        if self._tags is None:
            self._tags = [i for i, w in enumerate(self.words) if w[:1] in ("#", "@") and len(w) > 1]
        return self._tags

    def end(self, i: int) -> int:
        """The character offset just after token i."""
        return self.starts[i] + len(self.words[i])

    def span(self, start: int, end: int) -> tuple[str, int, int]:
        """(text, start char, end char) of tokens [start, end): what `doc[start:end]` would give."""
        if end <= start:  # an empty span sits where its token would start
            lo = self.starts[start] if start < len(self.starts) else len(self.text)
            return "", lo, lo
        lo = self.starts[start]
        hi = self.starts[end - 1] + len(self.words[end - 1])
        return self.text[lo:hi], lo, hi

    def is_space(self, i: int) -> bool:
        return self.words[i].isspace()


def walk_of(doc: Any) -> Walk:
    """The walk of `doc`: itself when the analyser already made one, else one walk now."""
    return doc if isinstance(doc, Walk) else Walk(doc)
