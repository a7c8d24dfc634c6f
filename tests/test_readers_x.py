"""X archive: JavaScript never evaluated, text unescaped, t.co targets placed, notes joined."""

from __future__ import annotations

import json

import pytest

from compliance.model import InputError, Post
from compliance.readers import ReadOptions, UnreadableInput, read_inputs

ARCHIVE = "fixtures/exports/x"
quiet = ReadOptions(note=lambda m: None)


def by_id(records):
    return {r.id: r for r in records}


def test_archive_folder_reads_both_parts():
    records = list(read_inputs([ARCHIVE], quiet))
    assert [r.id for r in records] == [
        "1600000000000000004",
        "1745000000000000001",
        "1746000000000000002",
        "1747000000000000003",
    ]
    assert {r.platform for r in records} == {"x"} and {r.author for r in records} == {"mia_glows"}
    assert records[0].source.to_dict() == {"file": ARCHIVE, "member": "data/tweets-part1.js", "index": 0}
    assert records[0].caption == "Café in Lisbon, pastel de nata 🇵🇹 — no ads here, just sugar"
    assert records[0].posted_at == "2022-12-07T10:00:00Z"


def test_full_text_is_unescaped_and_expanded_urls_point_at_the_tco_link():
    post = by_id(read_inputs([f"{ARCHIVE}/data/tweets.js"], quiet))["1745000000000000001"]
    assert post.caption == (
        "Loving my new @glowlyskin serum & the glow is real ✨ Get 20% off: https://t.co/AbC123xYz #ad"
    )
    [link] = post.metadata["expanded_urls"]
    assert link["url"] == "https://amzn.to/3xYzAbc"
    assert post.caption[link["start"] : link["end"]] == "https://t.co/AbC123xYz"
    assert post.source.to_dict() == {"file": f"{ARCHIVE}/data/tweets.js", "index": 0}


def test_long_post_text_comes_from_note_tweet():
    post = by_id(read_inputs([f"{ARCHIVE}/data/tweets.js"], quiet))["1746000000000000002"]
    assert post.caption.startswith("Full disclosure up front: this thread is a paid partnership")
    assert post.caption.endswith("15% off with my link: https://t.co/NoTe555aaa ✨")
    assert "morning & night" in post.caption and "…" not in post.caption
    assert post.metadata["note_tweet_id"] == "1746000000000000099"
    [link] = post.metadata["expanded_urls"]
    assert link["url"] == "https://glowly.example/?ref=mia15"
    assert post.caption[link["start"] : link["end"]] == "https://t.co/NoTe555aaa"


def test_retweet_is_marked_and_lt_unescaped():
    post = by_id(read_inputs([f"{ARCHIVE}/data/tweets.js"], quiet))["1747000000000000003"]
    assert post.caption == "RT @glowlyskin: Our winter sale starts now <3 Use WINTER25 at checkout"
    assert post.metadata["retweet"] is True


def test_never_evaluated_and_old_single_file_layout(tmp_path):
    data = [
        {"tweet": {"id_str": "1", "full_text": "alert(1) &lt;/script&gt; #ad", "created_at": "bogus"}},
        {"id_str": "2", "full_text": "no wrapper, old archive"},
    ]
    path = tmp_path / "tweet.js"
    path.write_text("window.YTD.tweet.part0 = " + json.dumps(data), encoding="utf-8")
    records = list(read_inputs([str(path)], quiet))
    assert [(r.id, r.caption, r.posted_at) for r in records] == [
        ("1", "alert(1) </script> #ad", None),
        ("2", "no wrapper, old archive", None),
    ]


def test_note_with_a_different_prefix_or_time_is_not_joined(tmp_path):
    head = "A" * 60 + "…"
    (tmp_path / "tweets.js").write_text(
        "window.YTD.tweets.part0 = "
        + json.dumps(
            [
                {"tweet": {"id_str": "1", "full_text": head, "created_at": "Mon Jan 15 10:00:00 +0000 2024"}},
                {"tweet": {"id_str": "2", "full_text": "B" * 60 + "…", "created_at": "Mon Jan 15 10:00:00 +0000 2024"}},
            ]
        ),
        encoding="utf-8",
    )
    (tmp_path / "note-tweet.js").write_text(
        "window.YTD.note_tweet.part0 = "
        + json.dumps(
            [
                {
                    "noteTweet": {
                        "noteTweetId": "n1",
                        "createdAt": "2024-01-20T10:00:00.000Z",
                        "core": {"text": "A" * 300, "urls": []},
                    }
                },
                {
                    "noteTweet": {
                        "noteTweetId": "n2",
                        "createdAt": "2024-01-15T10:00:30.000Z",
                        "core": {"text": "B" * 300, "urls": []},
                    }
                },
            ]
        ),
        encoding="utf-8",
    )
    records = list(read_inputs([str(tmp_path / "tweets.js")], quiet))
    assert records[0].caption == head  # same text, but created days apart
    assert records[1].caption == "B" * 300 and records[1].metadata["note_tweet_id"] == "n2"


def test_note_tweet_file_alone_and_other_archive_files_are_refused():
    with pytest.raises(UnreadableInput, match="note-tweet.js holds only the full text"):
        list(read_inputs([f"{ARCHIVE}/data/note-tweet.js"], quiet))
    with pytest.raises(UnreadableInput, match=r"X archive file without posts \(window\.YTD\.like\)"):
        list(read_inputs([f"{ARCHIVE}/data/like.js"], quiet))


def test_broken_tweet_is_an_error_record_with_its_index(tmp_path):
    path = tmp_path / "tweets.js"
    path.write_text(
        'window.YTD.tweets.part0 = [{"tweet": {"id_str": "1", "full_text": "ok"}},'
        ' {"tweet": {"id_str": "2", "full_text": }}, {"tweet": {"id_str": "3", "full_text": "fine"}}]',
        encoding="utf-8",
    )
    records = list(read_inputs([str(path)], quiet))
    assert [type(r) for r in records] == [Post, InputError, Post]
    assert records[1].source.index == 1 and records[2].caption == "fine"
