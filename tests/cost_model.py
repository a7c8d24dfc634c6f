"""The per-caption cost model: every phrase of the vocabulary, repeated to 1k, 8k and 64k characters.

Shared by `tests/test_cost_model.py` (growth ratios) and `bench/robustness.py` (prints numbers).
"""

from __future__ import annotations

import gc
import time

from compliance.analysis.discover import load_catalogue
from compliance.analysis.tokenizer import caption_nlp
from compliance.model import Post, Source
from compliance.ruleset.loader import default_codes, default_dirs, load_ruleset

SIZES = (1_000, 8_000, 64_000)


def rulesets():
    dirs = default_dirs()
    return [load_ruleset(code, dirs) for code in default_codes(dirs)]


def vocabulary_phrases(sets) -> dict[str, str]:
    """{phrase: where it comes from} for labels, signal wording, statements and discover cues."""
    out: dict[str, str] = {}
    for rs in sets:
        for key, entry in rs.vocabulary.items():
            for form in entry.hashtags:
                out.setdefault(form if form.startswith("#") else "#" + form, f"label {key}")
            for form in entry.words + entry.phrases + entry.brand_phrases + entry.cjk_forms:
                out.setdefault(form, f"label {key}")
            for form in entry.brand_hashtags:
                out.setdefault(form.replace("{brand}", "Glowly"), f"label {key}")
        for key, value in rs.signals.items():
            if isinstance(value, (list, tuple)) and key.endswith(("phrases", "words", "hosts")):
                for form in value:
                    out.setdefault(str(form), f"signal {key}")
        for key, entry in rs.statements.items():
            for example in entry.examples:
                out.setdefault(example, f"statement {key}")
    for cue in load_catalogue().cues:
        for form in cue.phrases:
            out.setdefault(form, f"cue {cue.kind}")
    out.setdefault("use code LENA15", "signal code")
    out.setdefault("https://amzn.to/x?tag=a-20", "signal link")
    out.setdefault("@glowly", "brand handle")
    out.setdefault("Glowly", "brand")
    return out


def groups(sets) -> dict[str, list[str]]:
    """The phrases by where they come from: all labels together, all statements together, each
    signal list and each discover cue kind on its own (the test times one caption per group)."""
    out: dict[str, list[str]] = {}
    for phrase, where in vocabulary_phrases(sets).items():
        kind = where.split(" ")[0]
        out.setdefault(where if kind in ("signal", "cue", "brand") else kind, []).append(phrase)
    return out


def caption(phrases: str | list[str] | tuple[str, str], size: int) -> str:
    """The phrases (one, or a group cycled) separated by spaces, cut to `size` characters; a
    (head, filler) pair is the head once, then the filler repeated without spaces."""
    if isinstance(phrases, tuple):
        head, filler = phrases
        return (head + filler * (size // len(filler) + 1))[:size]
    unit = (phrases if isinstance(phrases, str) else " ".join(phrases)) + " "
    return (unit * (size // len(unit) + 1))[:size]


def cost(scanner, phrase: str | list[str] | tuple[str, str], size: int, runs: int = 3) -> float:
    """Minimum process time of judging one caption of `phrase` repeated to `size` characters."""
    post = Post(id="p", caption=caption(phrase, size), source=Source("cost.jsonl", line=1), brands=("Glowly",))
    best = float("inf")
    scanner.judge_record(post)  # warm: caches and the vocabulary are not part of the cost
    for _ in range(runs):
        # spaCy caches each space-separated chunk's tokens: without a flush a repeated run would
        # time the cache, and a tokenizer cost that grows with the chunk's length would hide.
        caption_nlp().tokenizer._flush_cache()
        gc.collect()
        gc.disable()  # a collection in the middle of one run is noise, not growth
        try:
            t0 = time.process_time()
            result = scanner.judge_record(post)
            best = min(best, time.process_time() - t0)
        finally:
            gc.enable()
        assert result.error is None, (phrase, size, result.error)
    return best
