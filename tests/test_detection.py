"""Signals and labels are found as exact spans, and look-alikes are not mistaken for them."""

from __future__ import annotations

import pytest


def spans(result, kind=None):
    return [(s.kind, s.text) for s in result.signals if kind is None or s.kind == kind]


def labels(result):
    return [(d.label, d.text) for d in result.disclosures]


@pytest.mark.parametrize(
    "caption, expected",
    [
        ("Can't stop wearing my Glowly sunnies", [("brand", "Glowly")]),
        ("glowly's new serum is here", [("brand", "glowly")]),
        ("Fresh loaf from @glowlyskin this morning", [("brand", "@glowlyskin")]),
        ("Weekend on the new #peakfit bike", [("brand", "#peakfit")]),
        ("#GlowlyPartner summer frames", [("brand", "#GlowlyPartner")]),
        ("Join the #PeakFitChallenge today", [("brand", "#PeakFitChallenge")]),
        ("𝐆𝐥𝐨𝐰𝐥𝐲 review time", [("brand", "𝐆𝐥𝐨𝐰𝐥𝐲")]),
    ],
)
def test_campaign_brands_are_found(judge, caption, expected):
    assert spans(judge(caption, "us"), "brand") == expected


@pytest.mark.parametrize(
    "caption",
    [
        "A dove landed on the balcony this morning",
        "Missed my target pace by ten seconds",
        "Apple crumble with custard, the best Sunday",
        "Glow up season, my skin is thriving",
        "@jamie_runs congrats on the marathon!!",
    ],
)
def test_everyday_words_are_not_brands(caption):
    from compliance.judging.scanner import Scanner
    from compliance.model import Post, Source

    scanner = Scanner(["us"], brands=["Dove", "Target", "Apple", "Glowly"])
    result = scanner.judge(Post(id="t", caption=caption, source=Source("t")))
    assert result.signals == ()
    assert result.verdicts["us"].status == "clear"


def test_common_word_brand_counts_when_used_as_the_brand():
    from compliance.judging.scanner import Scanner
    from compliance.model import Post, Source

    scanner = Scanner(["us"], brands=["Target", "Dove"])
    for caption, text in [
        ("TARGET run for school supplies", "TARGET"),
        ("Back to school at Target today", "Target"),
        ("Love the new #target finds", "#target"),
        ("New Dove body wash haul", "Dove"),
    ]:
        result = scanner.judge(Post(id="t", caption=caption, source=Source("t")))
        assert ("brand", text) in spans(result), caption


def test_common_word_brand_in_a_caption_written_all_in_capitals():
    """Capitals read as emphasis ("I LOVE my BOOTS") unless the whole caption shouts; then the word's
    place in the sentence decides (the ASAI's Boots Advantage Card case was written this way)."""
    from compliance.judging.scanner import Scanner
    from compliance.model import Post, Source

    scanner = Scanner(["uk"], brands=["Boots"])

    def found(caption):
        result = scanner.judge(Post(id="t", caption=caption, source=Source("t")))
        return ("brand", "BOOTS") in spans(result)

    assert found("FORGOT MY BOOTS ADVANTAGE CARD AGAIN! WHAT DO YOU BUY IN BOOTS?")
    assert not found("I LOVE my BOOTS")  # emphasis in mixed case: the word
    assert not found("BOOTS ON, OFF WE GO")  # sentence start: capitals tell nothing either way


@pytest.mark.parametrize(
    "caption, kind, text",
    [
        ("Shop the look: https://amzn.to/4kQzXyz", "affiliate_link", "https://amzn.to/4kQzXyz"),
        ("Shop it amzn.to/4kQzXyz!", "affiliate_link", "amzn.to/4kQzXyz"),
        (
            "https://www.amazon.com/dp/B0?tag=lena-20 is the one",
            "affiliate_link",
            "https://www.amazon.com/dp/B0?tag=lena-20",
        ),
        ("my faves rstyle.me/+abc and liketk.it/3xYz", "affiliate_link", "rstyle.me/+abc"),
        ("20% off: example-shop.com/?ref=lena20", "affiliate_link", "example-shop.com/?ref=lena20"),
        ("Use code LENA15 for 15% off", "discount_code", "code LENA15"),
        ("promo code: SUMMER", "discount_code", "promo code: SUMMER"),
        ("Mit dem Rabattcode SOFIE10 spart ihr", "discount_code", "Rabattcode SOFIE10"),
        ("LENA15 for 15% off everything", "discount_code", "LENA15 for 15%"),
        ("Unboxing my PR package from @someshop", "gift", "PR package"),
        ("Thanks @someshop for sending these over", "gift", "for sending"),
        ("Dress courtesy of @someshop, shoes my own", "gift", "courtesy of"),
    ],
)
def test_commercial_signals_are_found(judge, caption, kind, text):
    assert (kind, text) in spans(judge(caption, "us", brands=[]))


@pytest.mark.parametrize(
    "caption",
    [
        "Use code names for your houseplants, it helps",
        "https://www.amazon.com/dp/B0?ref=sr_1_1 is what I bought",
        "My mum sent me flowers today",
        "New blog post is up, link in bio",
        "Learning to code words into poems",
        "Thank you @jamie_runs for the lovely dinner!",
        "New deadlift PR today 💪 #pr #gym",
        "Got a promotion at work!! #promotion",
        "Sunday roast at the local #pub",
        "Date night with my #partner",
        "Photo courtesy of @jamie_runs",
        "Sunset over the bay. 📸: courtesy of @jamie_runs",
        "Bild: courtesy of @jamie_runs",
    ],
)
def test_wording_that_merely_looks_commercial_is_not(judge, caption):
    result = judge(caption, "us", brands=[])
    assert result.signals == ()
    assert result.verdicts["us"].status == "clear"


@pytest.mark.parametrize(
    "caption, expected",
    [
        ("#ad Glowly serum", [("ad", "#ad")]),
        ("Ad | Glowly serum", [("ad", "Ad")]),
        ("AD: Glowly sent me this", [("ad", "AD")]),
        ("Glowly serum (ad)", [("ad", "ad")]),
        ("it!#ad Glowly", [("ad", "#ad")]),
        ("#ad#sponsored Glowly", [("ad", "#ad"), ("sponsored", "#sponsored")]),
        ("🚨#ad🚨 Glowly", [("ad", "#ad")]),
        ("＃ａｄ Glowly", [("ad", "＃ａｄ")]),
        ("#a\u200bd Glowly", [("ad", "#a\u200bd")]),
        ("#\u0430d Glowly", [("ad", "#\u0430d")]),
        ("Werbung | Glowly", [("werbung", "Werbung")]),
        ("Publicité | Glowly", [("publicite", "Publicité")]),
        ("#publicite Glowly", [("publicite", "#publicite")]),
        ("Collaboration commerciale avec Glowly", [("collaboration-commerciale", "Collaboration commerciale")]),
        # A sentence that names the sponsor is a statement (issue 11): the span covers it, label inside.
        ("Paid partnership with @peakfit", [("sponsor-en", "Paid partnership with @peakfit")]),
        ("#GlowlyPartner sun's out", [("brand-partner", "#GlowlyPartner")]),
        ("Thanks to Glowly for the free palette!", [("thanks-free-product", "Thanks to Glowly for the free")]),
        ("Thank you @glowlyskin for the PR package", [("thanks", "Thank you @glowlyskin")]),
        ("Glowly favourites #sp", [("sp", "#sp")]),
        ("Glowly favourites #spons", [("spon", "#spons")]),
    ],
)
def test_disclosure_labels_are_found_with_exact_text(judge, caption, expected):
    assert labels(judge(caption, "us")) == expected


@pytest.mark.parametrize(
    "caption",
    [
        "Why does every app show me an ad for mattresses",
        "ad hoc picnic in the park",
        "#adventure #adidas #adorable #advent #adulting",
        "Sponsored run for the animal shelter on Sunday",
        "Ich mag keine Werbung im Fernsehen",
    ],
)
def test_words_that_merely_contain_a_label_are_not_labels(judge, caption):
    assert judge(caption, "us", brands=[]).disclosures == ()


def test_placement_zones(judge):
    long = (
        "Spent the whole weekend testing routes along the coast and honestly the light at golden hour "
        "was unreal, the kind of trip that resets your brain. Packed it in my Glowly bag. "
        "#travel #coast #ad #weekend"
    )
    (ad,) = judge(long, "us").disclosures
    assert "below_fold" in ad.zone and "hashtag_block" in ad.zone and "trailing_block" in ad.zone
    assert "start" not in ad.zone
    (first,) = judge("#ad My Glowly staples", "us").disclosures
    assert {"start", "first_line", "above_fold"} <= set(first.zone)
    spaced = "Glowly time\n.\n.\n.\n#ad"
    (low,) = judge(spaced, "us").disclosures
    assert "below_fold" in low.zone  # spacer lines push the label under the fold


def test_spans_quote_the_original_caption(judge):
    caption = "＃ａｄ 𝐆𝐥𝐨𝐰𝐥𝐲's serum, code GL\u200bOW10 https://amzn.to/x1 #sp"
    result = judge(caption, "us", "uk")
    for span in result.signals + result.disclosures:
        assert caption[span.start : span.end] == span.text
    for verdict in result.verdicts.values():
        for f in verdict.findings:
            if f.start is not None:
                assert caption[f.start : f.end] == f.text


def test_a_handle_before_the_label_is_still_upfront(judge):
    result = judge("@glowlyskin #ad my summer staples", "uk")
    assert result.verdicts["uk"].status == "compliant"
    result = judge("@glowlyskin Werbung | meine Sommerfavoriten", "de")
    assert [d.label for d in result.disclosures] == ["werbung"]
    assert result.verdicts["de"].status == "compliant"


def test_ignoring_a_placement_rule_changes_what_counts_as_well_placed():
    from compliance.judging.scanner import Scanner
    from compliance.model import Post, Source

    post = Post(id="t", caption="I really love my Glowly sunscreen. #ad", source=Source("t"))
    assert Scanner(["uk"], brands=["Glowly"]).judge(post).verdicts["uk"].status == "violation"
    relaxed = Scanner(["uk"], brands=["Glowly"], ignore=["ASA-007"]).judge(post)
    assert relaxed.verdicts["uk"].status == "compliant"
