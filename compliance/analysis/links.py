"""Links in a caption as written, and the short links among them.

The analyser and the link resolver must agree on what "the link" is, so both find links the
same way: on the normalised caption with the signal finder's URL pattern, quoted back from
the caption as written.
"""

from __future__ import annotations

from dataclasses import dataclass

from compliance.analysis.affiliates import Catalogue
from compliance.analysis.normalise import normalise
from compliance.analysis.signals import _TRAILING, _URL

TIMEOUT = 0.5


@dataclass(frozen=True)
class Link:
    text: str  # as written in the caption
    start: int  # offsets into the caption as written
    end: int


def find_links(caption: str) -> list[Link]:
    """Every link-shaped stretch of the caption, in caption offsets."""
    norm = normalise(caption)
    out = []
    for m in _URL.finditer(norm.text, timeout=TIMEOUT):
        url = m.group().rstrip(_TRAILING)
        start, end = norm.raw_span(m.start(), m.start() + len(url))
        out.append(Link(norm.raw[start:end], start, end))
    return out


def short_links(caption: str, catalogue: Catalogue) -> list[Link]:
    """Links through a known shortener that the catalogue does not already place in a programme."""
    return [
        link for link in find_links(caption) if catalogue.shortener(link.text) and not catalogue.classify(link.text)
    ]
