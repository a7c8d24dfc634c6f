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

LIMIT = 12.0  # time(8x longer) / time: linear is 8, quadratic 64
SETS = cm.rulesets()
GROUPS = cm.groups(SETS)
# The repros, each on its own: party-gift wording (a walk over the sentence per phrase),
# a code followed by a dash run (the URL regex), overlapping cues merged one by one, hashtags.
REPROS = {"colis": "colis", "recu": "reçu", "sent-me": "sent me", "shop-my": "shop my",
          "dashes": "use code LENA15 " + "-" * 200, "sp": "#sp", "at": "@", "dots": "www.a."}


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
