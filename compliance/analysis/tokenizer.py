"""The spaCy pipeline: a blank multi-language tokenizer taught what captions look like.

Out of the box the tokenizer splits `#ad` into `#` + `ad` and leaves glued tags such as
`it!#ad` or `#ad#sponsored` in one piece. We keep `#` and `@` on their word and split before a
tag that is glued to the previous text. No trained model is needed or downloaded.
"""
from __future__ import annotations

from functools import lru_cache

# Split before `#tag` / `@handle` glued to what comes before ("it!#ad", "🚨#ad", "#ad#sp").
_GLUED_TAG = r"(?<=[^\s#@])(?=[#@][\w])"


@lru_cache(maxsize=1)
def caption_nlp():
    import spacy
    from spacy.util import compile_infix_regex, compile_prefix_regex

    nlp = spacy.blank("xx")
    prefixes = [p for p in nlp.Defaults.prefixes if p not in ("#", "@")]
    nlp.tokenizer.prefix_search = compile_prefix_regex(prefixes).search
    nlp.tokenizer.infix_finditer = compile_infix_regex([*nlp.Defaults.infixes, _GLUED_TAG]).finditer
    nlp.tokenizer.suffix_search = _tail_search(nlp.tokenizer.suffix_search)
    return nlp


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


def is_separator(text: str) -> bool:
    """Punctuation, symbols, emoji and line breaks: what may frame a stand-alone label."""
    return not any(ch.isalnum() for ch in text) and not text.startswith(("#", "@")) or text.isspace()
