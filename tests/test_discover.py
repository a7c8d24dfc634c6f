"""`--discover`: cue wording (the catalogue's own examples), scoring into `review`, never a violation,
and nothing changes without the flag."""

from __future__ import annotations

import functools
import json
import subprocess
import sys

import pytest

from compliance.analysis.discover import CatalogueError, load_catalogue
from compliance.model import Post, Source
from tests.conftest import FIXTURES, ROOT

CATALOGUE = load_catalogue()
JURISDICTIONS = ("us", "uk", "de", "fr")


@functools.cache
def scanner(discover: bool, jurisdictions: tuple[str, ...] = JURISDICTIONS, brands: tuple[str, ...] = ()):
    from compliance.judging.scanner import Scanner

    return Scanner(list(jurisdictions), brands=list(brands), discover=discover)


def judge(caption: str, discover: bool = True, author: str | None = None, **kw):
    return scanner(discover, **kw).judge(Post(id="t", caption=caption, source=Source("test"), author=author))


def cue_kinds(result) -> set[str]:
    return {s.kind for s in result.signals if s.kind.startswith("cue-")}


CUE_EXAMPLES = [(cue.kind, text, True) for cue in CATALOGUE.cues for text in cue.match] + [
    (cue.kind, text, False) for cue in CATALOGUE.cues for text in cue.no_match
]


@pytest.mark.parametrize(
    "kind, text, fires", CUE_EXAMPLES, ids=[f"{k}:{'match' if f else 'no_match'}:{t[:30]}" for k, t, f in CUE_EXAMPLES]
)
def test_catalogue_examples(kind, text, fires):
    result = judge(text)
    assert (kind in cue_kinds(result)) is fires, [(s.kind, s.text) for s in result.signals]


def test_every_cue_kind_has_a_weight_and_examples_in_several_languages():
    kinds = {c.kind for c in CATALOGUE.cues}
    # cue-own-name is found from the post's author, not from wording (see the own-name tests)
    assert kinds | {CATALOGUE.own_name_kind} == set(dict(CATALOGUE.weights))
    assert {
        "cue-cta",
        "cue-price",
        "cue-code",
        "cue-link-in-bio",
        "cue-giveaway",
        "cue-launch",
        "cue-credit",
        "cue-thanks-handle",
    } <= kinds
    for kind in kinds:
        examples = [t for c in CATALOGUE.cues if c.kind == kind for t in c.match]
        assert len(examples) >= 3, kind


def test_handle_price_and_link_in_bio_is_review_with_those_cues():
    caption = "Obsessed with this serum from @lumaskin 💧 only $24 this week, link in bio!"
    result = judge(caption)
    assert {"cue-price", "cue-link-in-bio"} <= cue_kinds(result)
    assert result.discovery["flagged"] is True
    assert {"cue-price", "cue-link-in-bio"} <= set(result.discovery["cues"])
    for code, verdict in result.verdicts.items():
        assert verdict.status == "review", code
        [finding] = verdict.findings
        assert finding.severity == "warning" and finding.name == "discovered-commercial"
        assert finding.rule.endswith("-DISCOVER")
        assert "cue-price" in finding.message and "cue-link-in-bio" in finding.message
        assert caption[finding.start : finding.end] == finding.text
    for s in result.signals:
        assert caption[s.start : s.end] == s.text


def test_link_in_bio_alone_is_below_the_threshold_but_a_product_described_tips_it():
    alone = judge("Bright colours for long summer days. #LinkInBio")
    assert cue_kinds(alone) == {"cue-link-in-bio"} and not alone.discovery["flagged"]
    product = judge("Bright sandals for long summer days. #LinkInBio")
    assert cue_kinds(product) == {"cue-link-in-bio", "cue-product"} and product.discovery["flagged"]
    assert all(v.status == "review" for v in product.verdicts.values())
    # a product word alone is no finding
    assert not judge("My old sandals finally broke").discovery["flagged"]


def test_an_editorial_link_counter_cue_scales_the_score_down():
    shop = judge("Click the link in our bio for more")
    news = judge("Click the link in our bio to read the full story")
    assert shop.discovery["flagged"] and not news.discovery["flagged"]
    assert "cue-editorial" in news.discovery["cues"] and news.discovery["cues"][-1] == "cue-editorial"
    weight = dict(CATALOGUE.weights)["cue-editorial"]
    assert weight < 0
    assert news.discovery["score"] == pytest.approx(shop.discovery["score"] * (1 + weight), abs=1e-6)
    assert all(v.status == "clear" for v in news.verdicts.values())
    # a counter-cue alone is nothing at all: no discovery, no signal
    alone = judge("Read the full story about our summer holiday")
    assert alone.discovery is None and not cue_kinds(alone)


def test_holiday_post_tagging_a_friend_is_not_discovered():
    result = judge("Sunset in Santorini with @anna_k 🌅 best week of the year, thank you for everything")
    assert all(v.status == "clear" for v in result.verdicts.values())
    assert result.discovery is None or not result.discovery["flagged"]


def test_photo_credit_handle_is_no_party():
    result = judge("Morning walk by the river. Photo: @lens_person")
    assert result.discovery is None


def test_a_page_plugging_itself_names_no_party():
    """A page plugging itself ("Follow @page for more") names no brand: "link in bio" alone stays
    below the threshold, as with no handle at all; a handle named otherwise tips it."""
    plug = judge("Your suggestions are in my bio, keep them coming!\nFollow @rights_daily for more!")
    assert plug.discovery["party"] is False and not plug.discovery["flagged"]
    named = judge("Your suggestions are in my bio, keep them coming! With @rights_daily")
    assert named.discovery["party"] is True and named.discovery["flagged"]


def test_a_weak_cue_alone_does_not_flag():
    result = judge("Coming soon: our trip to Lisbon")
    assert "cue-launch" in cue_kinds(result)
    assert not result.discovery["flagged"]
    assert all(v.status == "clear" for v in result.verdicts.values())


def test_disclosed_or_already_commercial_posts_get_no_discover_finding():
    disclosed = judge("#ad New drop with @lumaskin, link in bio")
    plain = judge("#ad New drop with @lumaskin, link in bio", discover=False)
    assert disclosed.discovery["flagged"]
    assert {c: v.status for c, v in disclosed.verdicts.items()} == {c: v.status for c, v in plain.verdicts.items()}
    assert not any(f.rule.endswith("-DISCOVER") for v in disclosed.verdicts.values() for f in v.findings)


CAPTIONS = [
    "Top: @studio_label | Shoes: @walkco 🖤 use my code LENA10 for 10% off",
    "GIVEAWAY 🎉 win this set from @glowco, link in bio",
    "Neue Kollektion mit @marke ist da! Jetzt erhältlich, Link im Profil",
    "Nouvelle collection @maison, lien en bio, -20 % de réduction",
    "Thanks @hotelco for having us! #gifted",
    "Loving my mornings with @glowlyskin #sp",
    "Just a quiet Sunday with @anna",
    "Tickets for the tour on sale Friday 10am ET!",
    "Wearing my new @sneakerco, get yours at sneakerco.com",
]


@pytest.mark.parametrize("brands", [(), ("Glowly", "@glowlyskin")])
def test_discover_never_adds_a_violation(brands):
    for caption in CAPTIONS:
        with_flag = judge(caption, brands=brands)
        without = judge(caption, discover=False, brands=brands)
        for code, verdict in with_flag.verdicts.items():
            assert not any(f.severity == "error" for f in verdict.findings if f.rule.endswith("-DISCOVER"))
            if verdict.status == "violation":
                assert without.verdicts[code].status == "violation", (caption, code)


def test_discover_changes_only_flagged_posts():
    """A post that is not flagged is judged exactly as without --discover (cue signals aside)."""
    lines = (FIXTURES / "campaign.jsonl").read_text(encoding="utf-8").splitlines()
    for line in lines:
        data = json.loads(line)
        caption = data["caption"]
        on, off = judge(caption), judge(caption, discover=False)
        assert tuple(s for s in on.signals if not s.kind.startswith("cue-")) == off.signals
        if not (on.discovery and on.discovery["flagged"]):
            assert on.verdicts == off.verdicts
        else:
            for code, verdict in on.verdicts.items():
                assert verdict.status in (off.verdicts[code].status, "review")


def run_cli(*args):
    proc = subprocess.run(
        [sys.executable, "-m", "compliance", *map(str, args)], capture_output=True, cwd=ROOT, timeout=300
    )
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


def test_scan_without_discover_has_no_cues(tmp_path):
    code, out, err = run_cli("scan", (FIXTURES / "campaign.jsonl").relative_to(ROOT), "-j", "us")
    assert "cue-" not in out and '"discovery"' not in out, err


def test_scan_with_discover_validates_and_is_deterministic(tmp_path):
    import jsonschema

    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        "".join(json.dumps({"id": f"p{i}", "caption": c}) + "\n" for i, c in enumerate(CAPTIONS)), encoding="utf-8"
    )
    code, out, err = run_cli("scan", posts, "--discover", "-j", "us", "-j", "de")
    code2, out2, _ = run_cli("scan", posts, "--discover", "-j", "us", "-j", "de", "--jobs", "2")
    assert out == out2
    data = json.loads(out)
    schema = json.loads((ROOT / "compliance" / "schema" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    flagged = [p for p in data["posts"] if p.get("discovery", {}).get("flagged")]
    assert len(flagged) >= 5
    quiet = next(p for p in data["posts"] if p["caption"] == "Just a quiet Sunday with @anna")
    assert quiet["verdicts"]["us"]["status"] == "clear" and "discovery" not in quiet


def test_scan_reads_the_author_for_own_name_cues(tmp_path):
    """The author a JSONL export names reaches discovery; without it the same caption has no cue."""
    posts = tmp_path / "posts.jsonl"
    caption = "Sunrise over the fjord, a short walk from the cabin #BrightCabinsPlus"
    rows = [{"id": "a", "caption": caption, "author": "brightcabins"}, {"id": "b", "caption": caption}]
    posts.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code, out, err = run_cli("scan", posts, "--discover", "-j", "us")
    by_id = {p["id"]: p for p in json.loads(out)["posts"]}
    own = [s for s in by_id["a"]["signals"] if s["kind"] == "cue-own-name"]
    assert [s["text"] for s in own] == ["#BrightCabinsPlus"] and by_id["a"]["verdicts"]["us"]["status"] == "review"
    assert "discovery" not in by_id["b"] and by_id["b"]["verdicts"]["us"]["status"] == "clear"


def test_check_discover_cli():
    code, out, err = run_cli(
        "check", "New drop! My @glowco serum is $25 this week, link in bio", "-j", "us", "--discover"
    )
    assert code == 0, err
    assert "REVIEW" in out and "FTC-DISCOVER" in out
    code, out, _ = run_cli("check", "New drop! My @glowco serum is $25 this week, link in bio", "-j", "us")
    assert "CLEAR" in out


def test_html_report_lists_discovered_posts_escaped():
    from compliance.reporters.document import build_report
    from compliance.reporters.html_report import render_html

    evil = "Top: @<b>brand</b> <script>alert(1)</script> only $30, link in bio"
    results = [scanner(True).judge(Post(id="<i>x</i>", caption=evil, source=Source("t"), author="<u>me</u>"))]
    html = render_html(build_report(results, list(JURISDICTIONS), scanner(True).ruleset_meta(), ["t"]))
    assert 'id="discovered"' in html
    assert "<script>alert(1)" not in html and "<b>brand" not in html and "<i>x</i>" not in html
    assert "&lt;script&gt;" in html and "cue-price" in html


def test_html_report_without_discover_has_no_section():
    from compliance.reporters.document import build_report
    from compliance.reporters.html_report import render_html

    results = [scanner(False).judge(Post(id="x", caption="only $30, link in bio", source=Source("t")))]
    html = render_html(build_report(results, list(JURISDICTIONS), scanner(False).ruleset_meta(), ["t"]))
    assert 'id="discover"' not in html


def test_workers_and_state_know_about_discover():
    from compliance.run.chunks import ScannerSpec
    from compliance.run.state import fingerprint

    on, off = scanner(True), scanner(False)
    assert ScannerSpec.of(on).build().settings.discover is True
    assert ScannerSpec.of(off).build().settings.discover is False
    assert fingerprint(on)[0] != fingerprint(off)[0]


def test_catalogue_rejects_backtracking_patterns(tmp_path):
    bad = tmp_path / "discover.toml"
    bad.write_text(
        '[discover.weights]\ncue-x = 0.5\n[[cues]]\nkind = "cue-x"\npatterns = ["(a+)+$"]\nexamples.match = ["a"]\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match="backtrack"):
        load_catalogue(bad)


def test_catalogue_rejects_unweighted_kind(tmp_path):
    bad = tmp_path / "discover.toml"
    bad.write_text(
        '[discover.weights]\ncue-x = 0.5\n[[cues]]\nkind = "cue-y"\nphrases = ["a"]\nexamples.match = ["a"]\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match="no weight"):
        load_catalogue(bad)


def test_cue_offsets_hold_on_styled_text():
    caption = "Ｌｉｎｋ ｉｎ ｂｉｏ for the new drop with @glowco 💛 𝟐𝟎% off"
    result = judge(caption)
    assert "cue-link-in-bio" in cue_kinds(result)
    for s in result.signals:
        assert caption[s.start : s.end] == s.text


def test_ignore_and_exceptions_name_the_discover_finding():
    from compliance.judging.scanner import Scanner

    caption = "Only $24 this week from @lumaskin, link in bio"
    quiet = Scanner(["us", "de"], discover=True, ignore=["FTC-DISCOVER"])
    result = quiet.judge(Post(id="p1", caption=caption, source=Source("t")))
    assert result.verdicts["us"].status == "clear" and result.verdicts["de"].status == "review"
    excepted = Scanner(["us"], discover=True, exceptions={"p1": ["discovered-commercial"]})
    assert excepted.judge(Post(id="p1", caption=caption, source=Source("t"))).verdicts["us"].status == "clear"
    assert excepted.judge(Post(id="p2", caption=caption, source=Source("t"))).verdicts["us"].status == "review"


def own_names(caption: str, author: str | None) -> list[str]:
    return [s.text for s in judge(caption, author=author).signals if s.kind == CATALOGUE.own_name_kind]


@pytest.mark.parametrize(
    "author, caption, expected",
    [
        ("@brightcabins", "Wake up by the fjord #BrightCabinsPlus", ["#BrightCabinsPlus"]),
        ("brightcabins", "All our lakeside stays: www.brightcabins.com/lakes", ["www.brightcabins.com/lakes"]),
        ("thepetershow", "Behind the desk today, more on petertube.com", ["petertube.com"]),
        ("greta.sings", "New tour dates up on gretasingsmusic.net", ["gretasingsmusic.net"]),
        ("brightcabins", "Hosted by @brightcabinsexperiences", ["@brightcabinsexperiences"]),
    ],
)
def test_the_authors_own_name_in_a_tag_or_website_is_own_promotion(author, caption, expected):
    assert own_names(caption, author) == expected
    assert judge(caption, author=author).discovery["flagged"]


@pytest.mark.parametrize(
    "author, caption",
    [
        ("zoemartens", "Sunday nap #zoemartens #zoe"),  # the handle as a signature, a shorter tag
        ("zoemartens", "Thanks @zoemartens for sharing"),  # the author's own handle
        (None, "Wake up by the fjord #BrightCabinsPlus"),  # no author: nothing to compare
        ("therock", "Loud night #rockmusic"),  # "the" stays: "rock" alone is too short a name
        ("ann", "Anniversary dinner #annual"),  # a name this short matches anything
        ("brightcabins", "Weekend at www.otherplace.com"),
    ],
)
def test_no_own_name_cue_for_signatures_other_names_or_short_handles(author, caption):
    assert own_names(caption, author) == []


def test_cue_phrases_match_with_the_typographic_apostrophe():
    for caption in ("Ready for tonight\u2019s show in Leeds!", "Ready for tonight's show in Leeds!"):
        assert "cue-event" in cue_kinds(judge(caption)), caption


def test_skipping_patterns_a_caption_cannot_match_changes_no_cue():
    """The word and literal prefilter is a necessary condition: with every pattern forced to run,
    each catalogue example (and a few captions that hold a pattern's words) gives the same cues."""
    from compliance.analysis.discover import Discoverer

    nlp = scanner(True).analyser.nlp
    fast = Discoverer(nlp, CATALOGUE)
    slow = Discoverer(nlp, CATALOGUE)
    slow.tokens = [((), False, matcher) for _needs, _handle, matcher in slow.tokens]
    slow.pattern_needs = [None for _ in slow.pattern_needs]
    captions = [text for cue in CATALOGUE.cues for text in (*cue.match, *cue.no_match)] + [
        "OUR NEW Citrus SANDALS are here, my new Dreamer @leatherco bag too",
        "It\u2019s @quizhour tuesday, dm me for prices, 8PM ET, go to WWW.SUNNYJAM.COM",
    ]
    for text in captions:
        doc = nlp(text)
        assert fast.find(doc, text, "sunnyjam") == slow.find(doc, text, "sunnyjam"), text


def test_prefilter_words_come_only_from_required_tokens():
    from compliance.analysis.discover import _pattern_needs

    pattern = [
        {"LOWER": "not", "OP": "!"},
        {"LOWER": {"IN": ["thanks", "merci"]}},
        {"LOWER": "so", "OP": "?"},
        {"IS_ALPHA": True, "OP": "{0,2}"},
        {"LOWER": "very", "OP": "{,2}"},
        {"_": {"cue_handle": True}},
        {"LOWER": {"NOT_IN": ["for"]}},
    ]
    assert _pattern_needs(pattern) == ((frozenset({"thanks", "merci"}),), True)
    assert _pattern_needs([{"LOWER": "our"}, {"LOWER": {"IN": ["range", "line"]}, "OP": "+"}]) == (
        (frozenset({"our"}), frozenset({"range", "line"})),
        False,
    )
