"""Commercial signals other than brands: affiliate links, discount codes, gift and partnership wording.

The wording lives in the rule files (`[signals]` in base.toml); this module only knows how to
look for it. Each signal is a span of the normalised caption.
"""

from __future__ import annotations

from bisect import bisect_left
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

import regex

from compliance.analysis.affiliates import _MEMO_URL, CueFinder, load_catalogue
from compliance.analysis.normalise import fold_key
from compliance.analysis.prefilter import fold
from compliance.analysis.walk import walk_of
from compliance.model import Span

TIMEOUT = 0.5

# Linear: a bare host starts only where a run of host characters starts (not after a "-"), and
# its labels are possessive and at most ten (backtracking over an unbounded group of labels is
# quadratic in the regex module), so 10,000 dashes or "a.a.a..." are scanned once.
_URL = regex.compile(
    r"(?<![\w@.])(?:https?://|www\.)[^\s<>\"']+|(?<![\w@./-])(?:[a-z0-9-]++\.){1,10}[a-z]{2,12}/[^\s<>\"']*"
    r"|(?<![\w@./-])(?:[a-z0-9-]++\.){1,10}(?:com|to|me|it|co|io|ly|us|uk|de|fr|net|org|shop|link|app|store)\b",
    regex.IGNORECASE,
)
_TRAILING = ".,;:!?)]}»\"'"
_STOP = regex.compile(r"[.!?\n]")
_AT = regex.compile("@")


class SignalFinder:
    """Built once per vocabulary; `find` runs on every caption."""

    def __init__(self, nlp, signals: dict):
        from spacy.matcher import PhraseMatcher

        self.affiliate_hosts = {h.lower() for h in signals.get("affiliate_hosts", [])}
        self.affiliate_params = {p.lower() for p in signals.get("affiliate_params", [])}
        self.amazon_hosts = {h.lower() for h in signals.get("amazon_hosts", [])}
        self.catalogue = load_catalogue()  # programmes and shorteners (rules/catalogues/affiliates.toml)
        self.cues = CueFinder(self.catalogue.cues, self.catalogue.cue_window)
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.credit_words = frozenset(w.lower() for w in signals.get("credit_words", []))
        for kind, key in (
            ("gift", "gift_phrases"),
            ("partnership", "partnership_phrases"),
            ("party_gift", "party_gift_phrases"),
        ):
            phrases = sorted(set(signals.get(key, [])) | {fold_key(p) for p in signals.get(key, [])})
            if phrases:
                self.matcher.add(kind, [nlp.make_doc(p) for p in phrases])
        words = sorted(signals.get("code_words", []), key=len, reverse=True)
        alternation = "|".join(regex.escape(w).replace(r"\ ", r"\s+") for w in words) or "code"
        # Each code word's first word, case-folded: a caption holds one wherever the first pattern
        # matches (it is case-insensitive, so folding keeps the test a necessary condition).
        self.code_heads = tuple(sorted({fold(w.split()[0]) for w in words if w.split()} or {"code"}))
        # For the presence test, the heads that hold no other head ("promocode" holds "code": where
        # it is, "code" is too), so a caption without any is ruled out in fewer searches.
        self.code_tests = tuple(h for h in self.code_heads if not any(o != h and o in h for o in self.code_heads))
        # The code itself must look like one: capitals or digits ("LENA15", "SUMMER"), not "names".
        # The look-aheads are bounded by the code's own length (20): unbounded, each "code:X-" of a
        # long run without spaces scanned the rest of the run (quadratic).
        code = r"(?P<code>(?=[A-Z0-9_-]{0,19}[A-Z0-9])(?=\S{0,19}[A-Z\d])[A-Z0-9][A-Za-z0-9_-]{1,18}[A-Za-z0-9])"
        self.code_patterns = [
            regex.compile(rf"(?i:\b(?:{alternation}))\s*[:=\-–]?\s*[\"'“«]?{code}(?![\w])", regex.V1),
            regex.compile(
                r"(?<![\w])(?P<code>[A-Z][A-Z0-9]{2,18}\d*)\s+(?i:for|für|pour|para|per)\s+"
                r"\d{1,2}\s?%",
                regex.V1,
            ),
        ]

    def find(self, doc, text: str, brand_spans: list[Span], brand_sets: list) -> list[Span]:
        spans: list[Span] = []
        spans += self._links(text, brand_sets)
        spans += self._codes(text)
        spans += self._wording(doc, brand_spans)
        return spans

    def _links(self, text: str, brand_sets: list) -> list[Span]:
        out = []
        matches = (
            m
            for lo, hi in url_windows(text)
            if _may_link(text[lo:hi])
            for m in _URL.finditer(text, lo, hi, timeout=TIMEOUT)
        )
        for m in matches:
            url = m.group().rstrip(_TRAILING)
            start, end = m.start(), m.start() + len(url)
            kind = self.classify_url(url)
            match = self.catalogue.classify(url)
            if kind or match:
                out.append(
                    Span(
                        "affiliate_link",
                        url,
                        start,
                        end,
                        value=kind or (match.value if match else None),
                        programme=match.programme if match else None,
                    )
                )
            elif short := self.catalogue.shortener(url):
                out.append(self._short_link(text, url, start, end, short))
            host = _host(url) if brand_sets else None
            for brands in brand_sets if host else ():
                brand = brands.in_host(host)
                if brand:
                    out.append(Span("brand", url, start, end, value=brand.name, confidence="medium"))
                    break
        return out

    def _short_link(self, text: str, url: str, start: int, end: int, short) -> Span:
        """A link whose target the text does not show: commercial only beside shopping words."""
        cue = self.cues.near(text, start, end)
        host = (_host(url) or short.name).removeprefix("www.")
        return Span("short_link", url, start, end, value=host, confidence="medium" if cue else "low")

    def classify_url(self, url: str) -> str | None:
        """The affiliate host or parameter that makes a link commercial, or None."""
        host = _host(url)
        if not host:
            return None
        path = urlsplit(url if "://" in url else "http://" + url)
        for h in (host, host.removeprefix("www.")):
            if h in self.affiliate_hosts:
                return h
            if f"{h}{path.path}".lower().startswith(tuple(x for x in self.affiliate_hosts if "/" in x)):
                return h
        params = {k.lower() for k, _ in parse_qsl(path.query, keep_blank_values=True)}
        is_amazon = host.removeprefix("www.") in self.amazon_hosts
        hits = params & self.affiliate_params
        if is_amazon:
            hits &= {"tag"}
        if hits:
            return f"{host.removeprefix('www.')}?{sorted(hits)[0]}="
        return None

    def _codes(self, text: str) -> list[Span]:
        """Each pattern runs only where its literal is: a code word, or "%" (most captions have neither)."""
        out = []
        worded, percent = self.code_patterns
        folded = fold(text)
        patterns = []
        for head in self.code_tests:  # a plain loop: a generator cost more than the tests
            if head in folded:
                patterns.append((worded, self._code_start(text, folded)))
                break
        patterns += [(percent, 0)] if "%" in text else []
        for pattern, start in patterns:
            for m in pattern.finditer(text, start, timeout=TIMEOUT):
                out.append(Span("discount_code", m.group(), m.start(), m.end(), value=m.group("code")))
        return out

    def _code_start(self, text: str, folded: str) -> int:
        """Where the worded pattern's search may begin: its first code word's head. Only when each
        character of the text folded to one (same length, no combining dot the fold could have
        dropped), so offsets in `folded` are offsets in `text`; else the start. The pattern's word
        boundary and look-behind still read the characters before the start (the `regex` module does)."""
        if len(folded) != len(text) or "\u0307" in text:
            return 0
        first = len(text)
        for head in self.code_heads:
            at = folded.find(head, 0, first + len(head) - 1)  # one starting before `first`
            if at >= 0:
                first = at
        return first

    def _wording(self, doc, brand_spans: list[Span]) -> list[Span]:
        out = []
        walk = walk_of(doc)
        strings = walk.doc.vocab.strings
        sentences = None
        for match_id, start, end in self.matcher(walk.doc):
            kind = strings[match_id]
            if kind == "gift" and self._credited(walk.doc, start):
                continue
            text, lo, hi = walk.span(start, end)
            if kind == "party_gift":
                # The blank pipeline has no sentence splitter: a sentence is the text between
                # . ! ? or line breaks.
                sentences = sentences or _Sentences(walk.text, brand_spans)
                has_party = sentences.has_party(lo, hi)
                if not has_party:
                    continue
                kind = "gift"
            out.append(Span(kind, text, lo, hi, value=text.lower()))
        return out

    def _credited(self, doc, start: int) -> bool:
        """Is the gift wording at token `start` a credit ("Photo courtesy of @x", "📸: c/o @x")?
        Looks back over at most one punctuation token to the word before it."""
        at = start - 1
        if at >= 0 and doc[at].is_punct:
            at -= 1
        return at >= 0 and doc[at].lower_ in self.credit_words


def url_windows(text: str) -> list[tuple[int, int]]:
    """The stretches between spaces and line breaks that hold a "." or "://".

    Every `_URL` match holds one of them and never a space or line break, and the pattern's
    look-behind and `\\b` see the same at a stretch's edge as at the text's, so searching only
    these finds the same links. The pattern costs about 0.3 us a character in the `regex` module;
    most captions have no dot at all, and the rest a few words with one. Linear: every search
    resumes where the last one stopped."""
    out: list[tuple[int, int]] = []
    size = len(text)
    dot, scheme = text.find("."), text.find("://")
    space = newline = -1  # the next space and line break at or after the current mark
    pos = 0
    while dot >= 0 or scheme >= 0:
        at = dot if scheme < 0 or 0 <= dot < scheme else scheme
        lo = max(text.rfind(" ", pos, at), text.rfind("\n", pos, at)) + 1
        if space < at:
            space = _find(text, " ", at, size)
        if newline < at:
            newline = _find(text, "\n", at, size)
        pos = min(space, newline)
        out.append((lo, pos))
        if dot >= 0 and dot < pos:
            dot = text.find(".", pos)
        if scheme >= 0 and scheme < pos:
            scheme = text.find("://", pos)
    return out


def _may_link(word: str) -> bool:
    """Can `_URL` match in this word? It needs "://", or "www." and a character after it, or a host
    ending in a dot and a letter (the top-level domain): "great." or "3.5" cannot be a link. Any
    character that is not ASCII may be a letter to the case-insensitive pattern."""
    if "://" in word or "www." in word.lower():
        return True
    at = word.find(".")
    while 0 <= at < len(word) - 1:
        after = word[at + 1]
        if after.isalpha() or not after.isascii():
            return True
        at = word.find(".", at + 1)
    return False


def _find(text: str, sub: str, start: int, none: int) -> int:
    at = text.find(sub, start)
    return none if at < 0 else at


def _host(url: str) -> str | None:
    """The URL's host, lower case. Remembered per URL (short ones): a link's host is asked for by
    the affiliate test and by each brand set (parsing it is most of a link's cost)."""
    return _host_memo(url) if len(url) <= _MEMO_URL else _parse_host(url)


@lru_cache(maxsize=4096)
def _host_memo(url: str) -> str | None:
    return _parse_host(url)


def _parse_host(url: str) -> str | None:
    try:
        parts = urlsplit(url if "://" in url else "http://" + url)
        return (parts.hostname or "").lower() or None
    except ValueError:
        return None


class _Sentences:
    """Sentence bounds and party positions of one caption, indexed once: each party-gift phrase
    then costs two binary searches, not a walk over its sentence (which made a caption of
    nothing but "colis colis ..." quadratic)."""

    def __init__(self, text: str, brand_spans: list[Span]):
        self.stops = [m.start() for m in _STOP.finditer(text, timeout=TIMEOUT)]
        self.parties = sorted([b.start for b in brand_spans] + [m.start() for m in _AT.finditer(text, timeout=TIMEOUT)])
        self.size = len(text)

    def bounds(self, start: int, end: int) -> tuple[int, int]:
        """A cheap sentence: from the previous . ! ? or line break to the next one."""
        i = bisect_left(self.stops, start)
        lo = self.stops[i - 1] + 1 if i else 0
        j = bisect_left(self.stops, end)
        hi = self.stops[j] if j < len(self.stops) else self.size
        return lo, hi

    def has_party(self, start: int, end: int) -> bool:
        """A campaign brand or an @ in the sentence around [start, end)."""
        lo, hi = self.bounds(start, end)
        i = bisect_left(self.parties, lo)
        return i < len(self.parties) and self.parties[i] < hi
