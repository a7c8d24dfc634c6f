"""The spaCy pipeline: a blank multi-language tokenizer taught what captions look like.

Out of the box the tokenizer splits `#ad` into `#` + `ad` and leaves glued tags such as
`it!#ad` or `#ad#sponsored` in one piece. We keep `#` and `@` on their word and split before a
tag that is glued to the previous text. No trained model is needed or downloaded.
"""

from __future__ import annotations

import gc
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache, partial

import regex

from compliance.safe_regex import TIMEOUT

# Split before `#tag` / `@handle` glued to what comes before ("it!#ad", "🚨#ad", "#ad#sp").
_GLUED_TAG = r"(?<=[^\s#@])(?=[#@][\w])"


@lru_cache(maxsize=1)
def caption_nlp():
    import spacy
    from spacy.util import registry

    # The tokenizer is built once, by a registered factory: spaCy's default one, built and then
    # changed one setting at a time, compiled the affix patterns twice and reloaded its 880
    # special cases at every change (about 50 ms of every `compliance check`).
    registry.tokenizers.register(_FACTORY, func=_caption_tokenizer)
    nlp = spacy.blank("xx", config={"nlp": {"tokenizer": {"@tokenizers": _FACTORY}}})
    nlp.__class__ = _caption_language(type(nlp))
    _keep_read_attributes(nlp.vocab)
    nlp.tokenizer = _RunBound(nlp.tokenizer)
    nlp.memory_zone = partial(_learning_zone, nlp, nlp.memory_zone)
    return nlp


_FACTORY = "compliance.caption_tokenizer.v1"


@lru_cache(maxsize=1)
def _caption_language(base: type) -> type:
    """spaCy's multi-language class, whose call is just tokenizing while it has no pipeline
    components: `Language.__call__` walks the (empty) pipeline and checks each argument, about
    3 us of every caption. With components, or keyword arguments, it is spaCy's own call."""

    class CaptionLanguage(base):
        def __call__(self, text, **kwargs):
            if not self._components and not kwargs and isinstance(text, str):
                return self.make_doc(text)
            return super().__call__(text, **kwargs)

    return CaptionLanguage


# The lexical attributes anything here reads: rule and catalogue token patterns (the loader's
# TOKEN_ATTRS, the discover catalogue's IS_TITLE / IS_UPPER), the detectors (`is_punct`,
# `like_url`, `is_alpha`, `is_space`) and `vocab.lang`. spaCy computes all 23 of its getters,
# in Python, for every new word, and adds the string ones (shape, prefix, suffix) to the string
# store: a scan makes about four new words a post, and the unread getters were a fifth of the
# tokenizer's time. The others are dropped; LENGTH and ORTH come with every lexeme.
READ_ATTRIBUTES = (
    "LOWER",
    "NORM",
    "IS_ALPHA",
    "IS_DIGIT",
    "IS_PUNCT",
    "IS_SPACE",
    "IS_TITLE",
    "IS_UPPER",
    "LIKE_NUM",
    "LIKE_URL",
    "LANG",
)


def _keep_read_attributes(vocab) -> None:
    """Compute only READ_ATTRIBUTES for new words; the kept values are spaCy's own. Getters
    that only call a string method are that method; spaCy's LIKE_URL,
    LIKE_NUM and IS_PUNCT getters loop over characters in Python, so an ordinary word is
    answered first by one string method where that settles it (see _answered_first)."""
    from spacy.attrs import IDS, IS_ALPHA, IS_DIGIT, IS_PUNCT, IS_SPACE, IS_TITLE, IS_UPPER, LIKE_NUM, LIKE_URL, LOWER
    from spacy.lang import lex_attrs

    keep = {IDS[name] for name in READ_ATTRIBUTES}
    getters = {attr: get for attr, get in vocab.lex_attr_getters.items() if attr in keep}
    methods = {
        LOWER: (lex_attrs.lower, str.lower),
        IS_ALPHA: (lex_attrs.is_alpha, str.isalpha),
        IS_DIGIT: (lex_attrs.is_digit, str.isdigit),
        IS_SPACE: (lex_attrs.is_space, str.isspace),
        IS_TITLE: (lex_attrs.is_title, str.istitle),
        IS_UPPER: (lex_attrs.is_upper, str.isupper),
    }
    for attr, (spacys, method) in methods.items():
        if getters.get(attr) is spacys:  # `return string.lower()` ...: the method itself, one call less
            getters[attr] = method
    # When each is surely False: no dot and no http(s):// start is no URL (spaCy looks for a dot
    # character by character); letters only are no number (no sign, digit or slash); letters
    # and digits only are no punctuation (the first character is not in a P* category).
    quick = {LIKE_URL: (lex_attrs.like_url, _no_url), LIKE_NUM: (lex_attrs.like_num, str.isalpha)}
    quick[IS_PUNCT] = (lex_attrs.is_punct, str.isalnum)
    for attr, (full, surely_not) in quick.items():
        if getters.get(attr) is full:
            getters[attr] = _answered_first(surely_not, full)
    vocab.lex_attr_getters = getters


def _answered_first(surely_not, spacys):
    """spaCy's getter, asked only when `surely_not(text)` does not already say False."""

    def getter(text: str) -> bool:
        return False if surely_not(text) else spacys(text)

    return getter


def _no_url(text: str) -> bool:
    return "." not in text and not text.startswith(("http://", "https://"))


def _caption_tokenizer():
    """spaCy's tokenizer factory with the caption settings: `#` and `@` stay on their word, a
    glued tag is split off, suffix and URL matching are linear."""
    from spacy.tokenizer import Tokenizer
    from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

    def factory(nlp) -> Tokenizer:
        defaults = nlp.Defaults
        prefixes = [p for p in defaults.prefixes if p not in ("#", "@")]
        return Tokenizer(
            nlp.vocab,
            rules=defaults.tokenizer_exceptions,
            prefix_search=compile_prefix_regex(prefixes).search,
            suffix_search=_tail_search(compile_suffix_regex(defaults.suffixes).search),
            infix_finditer=compile_infix_regex([*defaults.infixes, _GLUED_TAG]).finditer,
            token_match=defaults.token_match,
            url_match=_linear_url_match(defaults.url_match),
            # spaCy caches how it split 10,000 chunks; the warmed and the learned words need room too.
            max_cache_size=_CACHE_SIZE,
        )

    return factory


# Learning the words that recur across memory zones. Inside a zone spaCy neither keeps a new
# word nor caches how it split a whitespace-delimited chunk ("serum," -> "serum" ","), so a word
# missing from the warm list is created again in every zone it appears in: with 1,000-post
# zones that was 5.5 lexemes a post, and the tokenizer cost about 1.8x what it costs once every
# chunk is cached. So the tokenizer notes each zone's chunks; after the zone, outside it, the
# chunks also seen in an earlier zone are tokenized once more, which makes their lexemes and
# their split permanent. Memory stays flat: at most _LEARN_MAX chunks are ever learned (about
# half a kilobyte each), the chunks seen in one zone only are forgotten past _SEEN_MAX, and once
# the budget is spent nothing is noted any more. Learning changes no result, only what is cached.
# The budget is sized by measurement (100k bench posts, --jobs 2): 15,000 chunks instead of 30,000
# took the largest process's peak from 230 to 220 MiB (the plateau a long scan reaches, against
# 190-194 MiB after 10k posts) for about 1 % more CPU (2.6 instead of 1.7 words made a post).
_LEARN_MAX = 15_000
_SEEN_MAX = 60_000
_CHUNK_MAX = 40  # longer chunks (URLs, runs of emoji) are too rare and too big to be worth keeping
_CACHE_SIZE = 60_000
_BATCH = 2000  # chunks per tokenizer call when learning


@contextmanager
def _learning_zone(nlp, zone, mem=None) -> Iterator:
    """spaCy's memory zone, after which the tokenizer learns the chunks that recur (see above);
    for a zone whose texts were given to `prepare` before it, that learning is already done."""
    with zone(mem) as pool:
        yield pool
    tokenizer = nlp.tokenizer
    if getattr(tokenizer, "prepared", False):
        tokenizer.prepared = False
    else:
        tokenizer.learn()
    compact = getattr(tokenizer, "compact", None)
    if compact is not None:
        compact()


# spaCy's word and string tables (preshed hash maps, open addressing) forget a zone's words by
# marking their cells deleted, and a deleted cell counts as filled: with enough words made and
# forgotten in zones a table doubles, again and again, though it holds the same live entries.
# Measured: 2M distinct new words in zones of 5,000 took RSS from 96 to 161 MiB in 16 MiB steps
# (a long-running `serve`, or a scan of very varied text); the bench's captions reuse their
# rare words enough that its tables stayed at 2^18 cells. So after a zone, a table that has
# grown since the last look is rebuilt at _ROOM times its live entries when that is smaller:
# the same keys and values (pointers to the same lexemes and strings), so nothing else changes.
_ROOM = 4


# A stretch of punctuation, symbols or emoji with no space in it is peeled one character at a
# time, each step copying the rest: 48,000 "€" took 8 s (quadratic). Such a stretch over _LONG
# characters is tokenized in pieces of about _PIECE characters, so the cost is linear; the
# text, and so every offset, is unchanged. Letters, digits, `#`, `@` and spaces never belong to
# a stretch, so words, tags and URLs are tokenized as before.
_LONG = 256
_PIECE = 64
_STRETCH = regex.compile(r"(?<![^\w\s#@])[^\w\s#@]{" + str(_LONG) + r",}+")


_BLOCK = _LONG // 2


def _may_stretch(text: str) -> bool:
    """Could `text` hold a stretch? A run of _LONG characters covers a whole _BLOCK-aligned
    block, which then has no space or line break: a look at each block (about 1 us for a
    1,000-character caption) spares most long captions the full search (about 18 us)."""
    for at in range(0, len(text) - _BLOCK + 1, _BLOCK):
        block = text[at : at + _BLOCK]
        if " " not in block and "\n" not in block:
            return True
    return False


def _joins(prev: str, ch: str) -> bool:
    """Would cutting between `prev` and `ch` break one visible character (an emoji sequence, a
    flag, a letter and its accents)?"""
    code = ord(ch)
    return (
        prev == "\u200d"
        or code == 0x200D
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or unicodedata.combining(ch) != 0
        or (0x1F1E6 <= code <= 0x1F1FF and 0x1F1E6 <= ord(prev) <= 0x1F1FF)
    )


def _cuts(text: str) -> list[int]:
    """Where to cut `text` so that no stretch piece is longer than about _PIECE characters."""
    cuts = []
    for match in _STRETCH.finditer(text, timeout=TIMEOUT):
        cuts.append(match.start())
        at = match.start() + _PIECE
        while at < match.end():
            moved = 0  # a cut inside one visible character moves right, a few characters at most
            while moved < 16 and at < match.end() and _joins(text[at - 1], text[at]):
                at += 1
                moved += 1
            if at < match.end():
                cuts.append(at)
            at += _PIECE
        # A space after the stretch stays with it, as the last token's trailing whitespace (cut
        # before it, the next piece would start with a space token of its own).
        cuts.append(match.end() + (text.startswith(" ", match.end())))
    return cuts


class _RunBound:
    """The spaCy tokenizer, given long punctuation or emoji stretches in pieces (see _STRETCH),
    that learns the chunks recurring across memory zones (see _learning_zone)."""

    def __init__(self, tokenizer) -> None:
        self.tokenizer = tokenizer
        self.vocab = tokenizer.vocab
        self.learning = True  # until _LEARN_MAX chunks are learned
        self.zone: set[str] = set()  # the chunks of the current zone
        self.seen: set[str] = set()  # chunks of earlier zones, not learned yet
        self.known: set[str] = set()  # chunks warmed or learned outside any zone
        self.learned = 0
        self.prepared = False  # the coming zone's chunks were given to `prepare`
        self.capacities: dict[int, int] = {}  # id of each table -> its capacity when last looked at

    def __call__(self, text: str):
        if self.learning and not self.prepared and self.vocab.in_memory_zone:
            self.zone.update(text.split())
        if len(text) < _LONG or not _may_stretch(text) or _STRETCH.search(text, timeout=TIMEOUT) is None:
            return self.tokenizer(text)
        from spacy.tokens import Doc

        bounds = [0, *_cuts(text), len(text)]
        docs = [self.tokenizer(text[a:b]) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
        doc = Doc.from_docs(docs, ensure_whitespace=False)
        assert doc.text == text, "pieces must join to the same text"
        return doc

    def teach(self, chunks: Iterable[str]) -> int:
        """Tokenize `chunks` outside any zone, so their lexemes and splits stay; returns how many."""
        if self.vocab.in_memory_zone:
            return 0
        todo = [c for c in dict.fromkeys(chunks) if c and c not in self.known and not c.isspace()]
        for i in range(0, len(todo), _BATCH):
            self.tokenizer(" ".join(todo[i : i + _BATCH]))
        self.known.update(todo)
        return len(todo)

    def prepare(self, texts: Iterable[str]) -> int:
        """Before a zone: learn now its chunks that an earlier zone had too (the texts it will
        tokenize); returns how many. Learned after the zone instead (`learn`), such a chunk was
        made twice more: inside the zone, where it is freed, and again to keep it. The zone then
        notes nothing, and nothing is learned after it."""
        if not self.learning or self.vocab.in_memory_zone:
            return 0
        for text in texts:
            self.zone.update(text.split())
        taught = self.learn()
        self.prepared = True
        return taught

    def learn(self) -> int:
        """After a zone: learn its chunks that an earlier zone had too; returns how many."""
        if not self.zone or self.vocab.in_memory_zone:
            return 0
        fresh = {c for c in self.zone if len(c) <= _CHUNK_MAX} - self.known
        self.zone = set()
        again = sorted(fresh & self.seen)[: _LEARN_MAX - self.learned]  # sorted: the same run, the same memory
        taught = self.teach(again)
        self.learned += taught
        if self.learned >= _LEARN_MAX:
            # Nothing is noted or learned any more: the chunk sets are dead weight for the rest of
            # the scan (`known` held about 37,000 chunks, some 3 MB, in a bench scan). A later
            # `teach` (warming) only tokenizes known chunks again, outside a zone: no change.
            self.learning = False
            self.seen = set()
            self.known = set()
            return taught
        self.seen -= self.known
        self.seen |= fresh - self.known
        if len(self.seen) > _SEEN_MAX:
            self.seen = fresh - self.known
        return taught

    def compact(self) -> int:
        """Outside a zone: rebuild the word and string tables that grew since the last look and
        are mostly deleted cells (see _ROOM); returns how many were rebuilt."""
        if self.vocab.in_memory_zone:
            return 0
        rebuilt = 0
        for table in _tables(self.vocab):
            capacity = table.capacity
            if self.capacities.get(id(table)) == capacity:  # the usual case: one attribute read
                continue
            items = list(table.items())
            size = 8
            while size < _ROOM * len(items):
                size *= 2
            if size < capacity:
                type(table).__init__(table, size)  # a new, empty cell array (the old one is freed)
                for key, value in items:
                    table[key] = value
                rebuilt += 1
            self.capacities[id(table)] = table.capacity
        return rebuilt

    def __getattr__(self, name: str):  # vocab, memory_zone, prefix_search ... of the real tokenizer
        return getattr(self.tokenizer, name)


def _tables(vocab) -> list:
    """The hash maps of the vocabulary's lexemes and of its string store. spaCy keeps them as C
    attributes; the collector's view of each object (its references) is how Python reaches them."""
    from preshed.maps import PreshMap

    return [ref for owner in (vocab, vocab.strings) for ref in gc.get_referents(owner) if type(ref) is PreshMap]


_SUFFIX_WINDOW = 256


def _tail_search(search):
    """The suffix search, run on the token's last characters only.

    spaCy strips one suffix at a time and only uses the match's length, but an end-anchored
    search scans the whole token, so a 60,000-character run of `)))` took minutes. A match that
    starts near the window's edge might reach further left (a run of dots, a lookbehind): then
    the whole token is searched, as before.
    """

    def suffix_search(string: str):
        if len(string) <= _SUFFIX_WINDOW:
            return search(string)
        match = search(string[-_SUFFIX_WINDOW:])
        if match is not None and match.start() < 8:
            return search(string)
        return match

    return suffix_search


# spaCy's URL pattern starts with an optional `user:password@` part, `\\S+(?::\\S*)?@`, that tries
# every split of a whitespace-free run looking for an `@`: matching one run costs its length
# squared (16,000 characters of `http://` repeated took 0.4 s, 4,000 took 0.03 s). A run is a URL
# candidate only up to _URL_MAX characters, the length browsers and servers commonly accept
# (longer runs are split by the infix rules), so the cost per character is bounded: linear.
_URL_MAX = 2048


def _linear_url_match(match):
    """spaCy's url_match, never given a run longer than _URL_MAX (linear in the text's length)."""
    if match is None:
        return None

    def url_match(string: str):
        if len(string) > _URL_MAX:
            return None
        return match(string)

    return url_match


def is_separator(text: str) -> bool:
    """Punctuation, symbols, emoji and line breaks: what may frame a stand-alone label."""
    return not any(ch.isalnum() for ch in text) and not text.startswith(("#", "@")) or text.isspace()
