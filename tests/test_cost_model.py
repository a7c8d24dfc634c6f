"""The per-caption cost model (issue 17, items 8 and 9): judging a caption costs time linear in
its length, whatever it is made of.

For every group of vocabulary phrases (labels, each signal list, statements, each discover cue
kind, a brand, a handle, a code, a link) and for the issue's repros, a caption of 1k, 8k and 64k
characters is judged with every jurisdiction and `--discover` on. The test compares growth
ratios, not absolute times: linear growth gives 8 per step; a quadratic stage gives ~64. It takes
the minimum process time of a few runs so that a loaded machine does not make it flaky.
`bench/robustness.py --cost` prints the same numbers for every single phrase.
"""

from __future__ import annotations

import pytest

from compliance.judging.scanner import Scanner
from tests import cost_model as cm

# time(8x longer) / time: linear is 8, quadratic 64. The margin is for a loaded machine (measured
# up to ~12 under a load of 10 on 2 cores); anything quadratic stays far above it.
LIMIT = 20.0
SETS = cm.rulesets()
GROUPS = cm.groups(SETS)
# The repros, each on its own: party-gift wording (a walk over the sentence per phrase),
# a code followed by a dash run (the URL regex), overlapping cues merged one by one, hashtags.
REPROS = {
    "colis": "colis",
    "recu": "reçu",
    "sent-me": "sent me",
    "shop-my": "shop my",
    "sp": "#sp",
    "dashes": ("Loving my Glowly serum, use code LENA15 ", "-"),
    "code-run": ("", "code:X-"),
    "host-run": ("", "a-"),
    "dot-run": ("", "a."),
    "at-run": ("", "@a"),
    "hash-run": ("", "#a"),
    "bang-run": ("Glowly sent me ", "!"),
    "stops": ("", "colis@."),
    "camel": ("#", "Ab"),
    # whitespace-free runs spaCy's URL pattern used to match in quadratic time
    "url-run": ("", "http://"),
    "url-at-run": ("", "http://a@"),
    "url-path-run": ("Glowly ", "https://a.b/"),
}


@pytest.fixture(scope="module")
def scanner():
    return Scanner(rulesets=SETS, brands=["Glowly"], discover=True)


def _growth(scanner, phrases) -> tuple[float, float, list[float]]:
    times = [cm.cost(scanner, phrases, size, runs=2 if size > 8_000 else 3) for size in cm.SIZES]
    floor = 0.002  # below a couple of milliseconds the clock, not the algorithm, sets the ratio
    return (max(times[1], floor) / max(times[0], floor), max(times[2], floor) / max(times[1], floor), times)


def test_every_vocabulary_source_is_covered():
    kinds = {key.split(" ")[0] for key in GROUPS}
    assert {"label", "signal", "statement", "cue", "brand"} <= kinds
    assert len(GROUPS["label"]) > 100 and len(GROUPS["statement"]) > 20
    assert "colis" in GROUPS["signal party_gift_phrases"]


@pytest.mark.parametrize("name", sorted(GROUPS) + sorted(f"repro:{k}" for k in REPROS))
def test_judging_time_grows_linearly(scanner, name):
    phrases = REPROS[name[6:]] if name.startswith("repro:") else GROUPS[name]
    _, big, times = _growth(scanner, phrases)
    # Only the 8k -> 64k step is asserted: at 1k fixed costs dominate and the ratio means little.
    assert big < LIMIT, f"{name}: 8k->64k time grew {big:.1f}x (linear is 8): {times}"


def test_a_code_followed_by_dashes_is_judged_not_timed_out(scanner):
    """Issue 17 item 9: the URL regex used to time out on this, leaving the post "not judged"."""
    from compliance.model import Post, Source

    caption = "Loving my Glowly serum, use code LENA15 " + "-" * 10_000
    result = scanner.judge_record(Post(id="evasion", caption=caption, source=Source("e.jsonl", line=1)))
    assert result.error is None
    assert "LENA15" in {s.value for s in result.signals if s.kind == "discount_code"}
    assert result.verdicts["us"].status == "violation"


def test_links_still_found_after_the_linear_rewrite():
    from compliance.analysis.signals import _URL

    text = "see glowly.com.au, shop.glowly.com/x?y, www.a.b, a.b.c.d.com and -x.to/ab " + "-" * 5000
    assert [m.group() for m in _URL.finditer(text, timeout=5)] == [
        "glowly.com",
        "shop.glowly.com/x?y,",
        "www.a.b,",
        "a.b.c.d.com",
        "-x.to/ab",
    ]


def test_a_post_that_could_not_be_judged_is_an_error_record_never_a_pass(scanner, monkeypatch):
    from compliance.model import Post, Source
    from compliance.reporters.document import build_report

    def slow(post):
        raise TimeoutError("pattern timed out")

    monkeypatch.setattr(scanner.analyser, "analyse", slow)
    result = scanner.judge_record(Post(id="t", caption="Loving my Glowly serum", source=Source("t.jsonl", line=1)))
    assert result.error and not result.verdicts
    report = build_report([result], scanner.jurisdictions, scanner.ruleset_meta(), ["t.jsonl"])
    assert report.data["summary"]["errors"] == 1
    assert all(sum(c.values()) == 0 for c in report.data["summary"]["by_jurisdiction"].values())


def test_the_quadratic_url_pattern_never_sees_a_long_run():
    """spaCy's URL pattern costs a run's length squared (its `user:password@` part tries every
    split); it is now given runs of at most _URL_MAX characters. Counted, not timed."""
    import spacy

    from compliance.analysis import tokenizer as tk

    seen: list[int] = []
    original = spacy.blank("xx").tokenizer.url_match

    def counting(string):
        seen.append(len(string))
        return original(string)

    url_match = tk._linear_url_match(counting)
    for unit in ("http://", "http://a@", "a@b.", "https://a.b/"):
        for size in (1_000, 8_000, 64_000):
            url_match((unit * (size // len(unit) + 1))[:size])
    assert seen and max(seen) <= tk._URL_MAX


@pytest.mark.parametrize(
    "text",
    [
        "https://amzn.to/x?tag=a-20",
        "glowly.com",
        "shop.glowly.com/serum?ref=lena",
        "www.a.b",
        "user:pw@host.com",
        "lena@glowly.com",
        "http://x",
        "http://192.168.0.1/x",
        "http://8.8.8.8/x",
        "xn--bcher-kva.de",
        "@glowly",
        "#ad",
        "colis",
    ],
)
def test_the_linear_url_match_gives_spacys_answers(text):
    import spacy

    from compliance.analysis import tokenizer as tk

    original = spacy.blank("xx").tokenizer.url_match
    ours = tk._linear_url_match(original)
    expected = original(text)
    got = ours(text)
    assert (got and got.group()) == (expected and expected.group())


def test_urls_stay_one_token_with_the_linear_url_match():
    from compliance.analysis.tokenizer import caption_nlp

    nlp = caption_nlp()
    assert [t.text for t in nlp("see https://amzn.to/x?tag=a-20 and lena@glowly.com, glowly.com/shop!")] == [
        "see",
        "https://amzn.to/x?tag=a-20",
        "and",
        "lena@glowly.com",
        ",",
        "glowly.com/shop",
        "!",
    ]
