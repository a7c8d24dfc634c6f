"""Text without spaces: labels, brands and placement in Japanese, Chinese and Korean captions.

Judging uses a made-up jurisdiction written to a temporary folder (tests/rule_fixtures.py) that
accepts the Asian-script labels, so these tests do not depend on the shipped jp/kr/cn files.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.cli.commands import main
from compliance.judging.scanner import Scanner
from compliance.model import Post, Source
from compliance.ruleset.loader import load_file
from tests.rule_fixtures import write

CJK_LABELS = [
    "ja-kokoku",
    "ja-senden",
    "ja-promotion",
    "ja-teikyo",
    "pr",
    "ko-gwanggo",
    "ko-hyeopchan",
    "ko-yuryo-gwanggo",
    "zh-guanggao",
    "zh-tuiguang",
    "zh-zanzhu",
]
BRANDS = ["Glowly", "@glowlyskin", "資生堂", "Dove"]


@pytest.fixture(scope="module")
def scanner(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rules")
    path = write(folder, accepted=json.dumps(["ad"] + CJK_LABELS, ensure_ascii=False))
    return Scanner(["zz"], brands=BRANDS, rulesets=[load_file(path)])


def analyse(scanner, caption, **fields):
    return scanner.analyser.analyse(Post(id="t", caption=caption, source=Source("t"), **fields))


def labels(scanner, caption, **fields):
    """(label, text as written) of every disclosure; text is always caption[start:end]."""
    found = analyse(scanner, caption, **fields).disclosures
    assert all(caption[d.start : d.end] == d.text for d in found)
    return [(d.label, d.text) for d in found]


def brands(scanner, caption):
    found = [s for s in analyse(scanner, caption).signals if s.kind == "brand"]
    assert all(caption[s.start : s.end] == s.text for s in found)
    return [(s.value, s.text) for s in found]


def zones(scanner, caption, label, **fields):
    (span,) = [d for d in analyse(scanner, caption, **fields).disclosures if d.label == label]
    return set(span.zone)


def status(scanner, caption, **fields):
    return scanner.judge(Post(id="t", caption=caption, source=Source("t"), **fields)).verdicts["zz"].status


# ------------------------------------------------------------------------------------- labels
@pytest.mark.parametrize(
    "caption,expected",
    [
        # Japanese
        ("GlowlyのセラムPR", [("pr", "PR")]),
        ("【PR】新作のセラムを毎朝使っています", [("pr", "【PR】")]),
        ("新作のセラムです#PR", [("pr", "#PR")]),
        ("【広告】Glowlyの新作セラム", [("ja-kokoku", "【広告】")]),
        ("Glowlyの新作セラムを使ってみました広告", [("ja-kokoku", "広告")]),
        ("宣伝です！Glowlyのセラム", [("ja-senden", "宣伝")]),
        ("#プロモーション Glowlyのセラム", [("ja-promotion", "#プロモーション")]),
        ("商品提供：Glowly様", [("ja-teikyo", "商品提供")]),
        # Chinese, simplified and traditional
        ("新品精华#广告推荐", [("zh-guanggao", "#广告")]),
        ("廣告｜Glowly新品精華", [("zh-guanggao", "廣告")]),
        ("推广：Glowly新品精华", [("zh-tuiguang", "推广")]),
        ("推廣 Glowly新品精華", [("zh-tuiguang", "推廣")]),
        ("本视频由Glowly赞助", [("zh-zanzhu", "赞助")]),
        ("本影片由Glowly贊助", [("zh-zanzhu", "贊助")]),
        # Korean
        ("[광고] 글로울리 신제품 세럼", [("ko-gwanggo", "[광고]")]),
        ("오늘의스킨케어#광고", [("ko-gwanggo", "#광고")]),
        ("#협찬 Glowly 세럼 써봤어요", [("ko-hyeopchan", "#협찬")]),
        ("유료광고 포함 · Glowly 세럼 리뷰", [("ko-yuryo-gwanggo", "유료광고 포함")]),
        ("Glowly세럼후기유료광고포함", [("ko-yuryo-gwanggo", "유료광고포함")]),
    ],
)
def test_labels_inside_text_without_spaces(scanner, caption, expected):
    assert labels(scanner, caption) == expected


@pytest.mark.parametrize(
    "caption,expected",
    [
        ("＃ＰＲ資生堂の新作セラム", [("pr", "＃ＰＲ")]),  # fullwidth # and letters
        ("［広告］Glowlyの新作", [("ja-kokoku", "［広告］")]),  # fullwidth brackets
        ("ﾌﾟﾛﾓｰｼｮﾝ Glowlyのセラム", [("ja-promotion", "ﾌﾟﾛﾓｰｼｮﾝ")]),  # halfwidth katakana
        ("＃广告 新品精华", [("zh-guanggao", "＃广告")]),
        ("［광고］글로울리", [("ko-gwanggo", "［광고］")]),
        ("Ｇｌｏｗｌｙのセラム＃ａｄ", [("ad", "＃ａｄ")]),
    ],
)
def test_fullwidth_and_halfwidth_forms_quote_the_caption_as_written(scanner, caption, expected):
    assert labels(scanner, caption) == expected


@pytest.mark.parametrize(
    "caption",
    [
        "PRODUCTの紹介です",  # PR inside a longer Latin word
        "GlowlyPRの新作",  # ... glued to a Latin name
        "@PRtimesの記事",  # a handle
        "#adventureの旅",  # a hashtag that only starts like #ad
        "New 5k #pr this morning!",  # Latin-only caption: #pr is a runner's personal record
        "PR: 19:42 over 5k, new PR",
    ],
)
def test_latin_forms_are_not_found_inside_longer_latin_words_or_latin_text(scanner, caption):
    assert [label for label, _ in labels(scanner, caption) if label == "pr" or label == "ad"] == []


@pytest.mark.parametrize(
    "caption,expected",
    [
        ("Loving this serum 💕 #広告 @glowlyskin", [("ja-kokoku", "#広告")]),
        ("Glowly serum review 광고", [("ko-gwanggo", "광고")]),
        ("新作のセラム #ad #Glowly", [("ad", "#ad")]),
        ("#ad新作のセラム", [("ad", "#ad")]),  # a Latin tag glued to CJK text
        ("Glowly精华真的好用#sponsored推荐", [("sponsored", "#sponsored")]),
    ],
)
def test_mixed_script_captions(scanner, caption, expected):
    assert labels(scanner, caption) == expected


# ------------------------------------------------------------------------------------- brands
@pytest.mark.parametrize(
    "caption,expected",
    [
        ("資生堂の新作セラム", [("資生堂", "資生堂")]),
        ("GlowlyのセラムPR", [("Glowly", "Glowly")]),
        ("本视频由Glowly赞助", [("Glowly", "Glowly")]),
        ("글로울리Glowly세럼", [("Glowly", "Glowly")]),
        ("@glowlyskinさんから頂きました", [("@glowlyskin", "@glowlyskin")]),
        ("ＧＬＯＷＬＹの新作", [("Glowly", "ＧＬＯＷＬＹ")]),
        ("Doveのシャンプー", [("Dove", "Dove")]),  # an everyday-word brand, capitalised
    ],
)
def test_brands_inside_text_without_spaces(scanner, caption, expected):
    assert brands(scanner, caption) == expected


@pytest.mark.parametrize("caption", ["GlowlyPRの新作", "ＧｌｏｗｌｙｓｋｉｎＸの新作", "doveのように白い"])
def test_brand_not_found_inside_a_longer_latin_word_or_as_an_everyday_word(scanner, caption):
    assert brands(scanner, caption) == []


# ---------------------------------------------------------------------------------- placement
def test_start_and_first_line(scanner):
    assert {"start", "first_line", "above_fold"} <= zones(scanner, "【PR】新作のセラム", "pr")
    assert "start" in zones(scanner, "＃ＰＲ資生堂の新作", "pr")
    assert "start" in zones(scanner, "@glowlyskin ［広告］新作", "ja-kokoku")  # a handle first is no content
    assert "start" not in zones(scanner, "新作のセラムです#PR", "pr")
    assert zones(scanner, "新作のセラム\n毎朝\n使っています\n#広告", "ja-kokoku") >= {"below_fold"}


@pytest.mark.parametrize(
    "prefix,above",
    [
        ("あ" * 123, True),  # label ends at character 125: the Instagram fold
        ("あ" * 124, False),
        ("한" * 123, True),
        ("漢" * 124, False),
    ],
)
def test_the_fold_counts_one_per_cjk_character(scanner, prefix, above):
    got = zones(scanner, prefix + "広告", "ja-kokoku", platform="instagram")
    assert ("above_fold" in got) is above and ("below_fold" in got) is not above


def test_the_fold_counts_user_perceived_characters_not_code_points_or_nfkc_expansions(scanner):
    family = "👩\u200d👩\u200d👧"  # one emoji, five code points
    assert "above_fold" in zones(scanner, family * 100 + "#广告", "zh-guanggao", platform="instagram")
    assert "below_fold" in zones(scanner, family * 123 + "#广告", "zh-guanggao", platform="instagram")
    # ㍿ (one character) is 株式会社 after NFKC: still one character on screen
    assert "above_fold" in zones(scanner, "㍿" * 120 + "広告", "ja-kokoku", platform="instagram")
    # fullwidth ＃ＰＲ is three characters, like #PR
    assert "above_fold" in zones(scanner, "あ" * 122 + "＃ＰＲ", "pr", platform="instagram")
    assert "below_fold" in zones(scanner, "あ" * 123 + "＃ＰＲ", "pr", platform="instagram")


# ------------------------------------------------------------------------------------ judging
@pytest.mark.parametrize(
    "caption,expected",
    [
        ("Glowlyのセラム、毎朝使っています", "violation"),
        ("GlowlyのセラムPR", "compliant"),
        ("資生堂の新作セラム【広告】", "compliant"),
        ("本视频由Glowly赞助", "compliant"),
        ("[광고] Glowly 신제품 세럼", "compliant"),
        ("情報提供ありがとうございます", "clear"),  # 提供 alone is the everyday word "provide"
        ("今日は雨。スープと本。", "clear"),
    ],
)
def test_judging_in_a_jurisdiction_that_accepts_the_labels(scanner, caption, expected):
    assert status(scanner, caption) == expected


def test_scan_cli_with_a_test_rule_folder(tmp_path):
    write(tmp_path, accepted=json.dumps(["ad"] + CJK_LABELS, ensure_ascii=False))
    posts = tmp_path / "posts.jsonl"
    rows = [
        {"id": "1", "caption": "GlowlyのセラムPR"},
        {"id": "2", "caption": "Glowlyのセラム、最高"},
        {"id": "3", "caption": "＃ＰＲ Glowlyの新作"},
    ]
    posts.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    (tmp_path / "brands.txt").write_text("Glowly\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["scan", str(posts), "-j", "zz", "--rules-dir", str(tmp_path), "--brands", str(tmp_path / "brands.txt")],
        catch_exceptions=False,
    )
    report = json.loads(result.output)
    assert [p["verdicts"]["zz"]["status"] for p in report["posts"]] == ["compliant", "violation", "compliant"]
    third = report["posts"][2]
    assert third["disclosures"][0]["text"] == "＃ＰＲ" and third["disclosures"][0]["start"] == 0
    assert result.exit_code == 1


_PIECES = ["a", " ", "\r", "\n", "\u0301", "\u200d", "🇫", "🇷", "👍", "\ufe0f", "\u1100", "\uac00", "\u11a8", "\u0600"]
_PIECES += ["é", "क", "्", "\u3164", "\u200b", "㍿", "広告"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=16).map("".join), st.integers(0, 40), st.integers(0, 40))
def test_perceived_length_counts_the_clusters_between_two_offsets(caption, a, b):
    from bisect import bisect_left
    from itertools import accumulate

    import regex

    from compliance.analysis.cjk import perceived_length
    from compliance.analysis.normalise import normalise

    norm = normalise(caption)
    measure = perceived_length(norm)
    if measure is None:
        return
    lo, hi = sorted((min(a, len(norm.text)), min(b, len(norm.text))))
    starts = list(accumulate(map(len, regex.findall(r"\X", norm.raw, flags=regex.DOTALL)), initial=0))
    raw_lo = norm.starts[lo] if lo < len(norm.starts) else len(norm.raw)
    raw_hi = norm.ends[hi - 1] if 0 < hi <= len(norm.ends) else raw_lo
    assert measure(lo, hi) == bisect_left(starts, raw_hi) - bisect_left(starts, raw_lo)
