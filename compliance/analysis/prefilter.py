"""Skip a regular expression on a caption that cannot hold a match: words every match must contain.

Rule-file patterns run over every caption, and the `regex` module pays for each start position:
a label pattern such as `(?P<party>[@\\w][^\\n!?.]{0,38}?) (?:gave|sent|gifted) me` cost 270 µs a
caption, four times what the tokenizer spends on it. Almost no caption contains "gave me", "sent
me" or "gifted me", so the pattern need not run at all. `Needs` reads the pattern once and finds
the literal text every match must contain (runs of ASCII characters outside any optional part,
and for a group of alternatives, one literal of each); a caption is searched only when its
case-folded text holds all of them. The test is a necessary condition, so results never change:
a pattern we cannot read, or with nothing required, always runs.
"""

from __future__ import annotations

from compliance.safe_regex import required_literals

Clause = frozenset[str]  # one of these strings must be in the text


def fold(text: str) -> str:
    """The text as the test reads it: case-folded, so a literal matched case-insensitively is found
    (`K`, `ſ`, `ß` fold to `k`, `s`, `ss`); `İ` folds to `i` plus a dot, so the dot is dropped.
    The last text's fold is kept: the label patterns and the code words test the same caption."""
    global _LAST
    last = _LAST
    if last[0] is text:
        return last[1]
    folded = text.casefold().replace("i\u0307", "i")
    _LAST = (text, folded)  # one tuple, assigned at once: threads never see a mixed pair
    return folded


_LAST: tuple[str | None, str] = (None, "")


class Needs:
    """What a caption must contain for `pattern` to match in it (`None` from `of`: no test)."""

    __slots__ = ("clauses",)

    def __init__(self, clauses: list[Clause]):
        self.clauses = tuple(sorted(_simplest(clauses), key=lambda c: -min(map(len, c))))  # the rarest first

    @classmethod
    def of(cls, pattern: str, flags: int = 0) -> Needs | None:
        """For a pattern compiled by the `regex` module in its default (V0) syntax."""
        clauses = required_literals(pattern, flags)
        return cls(clauses) if clauses else None

    def met(self, folded: str) -> bool:
        """May the pattern match the text whose `fold()` is `folded`? (Plain loops: this runs for
        every pattern on every caption, and generator expressions cost more than the tests.)"""
        for clause in self.clauses:
            for s in clause:
                if s in folded:
                    break
            else:
                return False
        return True


def _simplest(clauses: list[Clause]) -> list[Clause]:
    """The same test in fewer searches. In a clause, a literal holding another of it is dropped
    (where it is, the other is too: "big thanks" beside "thanks"). A clause is dropped when each
    literal of another one holds one of its literals (met whenever that one is: " " beside " me ");
    of equal clauses the first is kept."""
    short = [frozenset(s for s in c if not any(o != s and o in s for o in c)) for c in clauses]
    return [
        c
        for i, c in enumerate(short)
        if not any((d != c or j < i) and all(any(x in s for x in c) for s in d) for j, d in enumerate(short) if j != i)
    ]
