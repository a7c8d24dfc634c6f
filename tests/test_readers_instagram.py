"""Instagram JSON export: captions repaired, ids derived, every post and story read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compliance.model import InputError, Post
from compliance.readers import ReadOptions, UnreadableInput, read_inputs
from compliance.readers.mojibake import repair, repair_all

EXPORT = "fixtures/exports/instagram"
CONTENT = "your_instagram_activity/content"
quiet = ReadOptions(note=lambda message: None)


def meta_mangle(text: str) -> str:
    """What Meta writes: each UTF-8 byte as one character (json.dumps then gives \\u00XX)."""
    return text.encode("utf-8").decode("latin-1")


def test_folder_export_reads_posts_reels_and_stories_in_order():
    records = list(read_inputs([EXPORT], quiet))
    assert [r.id for r in records] == [
        "4201918273645_n",
        "4310022334455_n",
        "4388877766655_n",
        "4455667788990_n",
        "4500000000001_n",
        "4500000000002_n",
    ]
    assert [r.caption for r in records] == [
        "Mein neues Lieblingsserum von @glowlyskin 😍 für die Winterhaut ❄️ #werbung #glowly",
        "Café au lait & croissant ☕️ — best morning in Paris",
        "",
        "Try my code GLOW15 for 15% off 💜 #ad",
        "",
        "Neu im Shop 👆 Anzeige für @glowlyskin – Größe M",
    ]
    assert {r.platform for r in records} == {"instagram"}
    assert {r.author for r in records} == {"mia.glows"}
    assert [r.metadata["kind"] for r in records] == ["post", "post", "post", "reel", "story", "story"]
    assert records[0].posted_at == "2024-01-15T10:00:00Z"
    assert records[0].metadata["media_count"] == 2
    assert records[0].source.to_dict() == {"file": EXPORT, "member": f"{CONTENT}/posts_1.json", "index": 0}
    assert records[5].source.to_dict() == {"file": EXPORT, "member": f"{CONTENT}/stories.json", "index": 1}
    assert records[3].paid_partnership is False


def test_zip_of_the_export_reads_the_same_posts_in_place():
    folder = [(r.id, r.caption, r.source.member, r.source.index) for r in read_inputs([EXPORT], quiet)]
    zipped = list(read_inputs(["fixtures/exports/instagram.zip"], quiet))
    assert [(r.id, r.caption, r.source.member, r.source.index) for r in zipped] == folder
    assert {r.source.file for r in zipped} == {"fixtures/exports/instagram.zip"}


def test_single_posts_file_given_directly_keeps_the_path_as_given():
    path = f"{EXPORT}/{CONTENT}/posts_1.json"
    records = list(read_inputs([path], quiet))
    assert [r.source.to_dict() for r in records] == [{"file": path, "index": i} for i in range(3)]
    assert records[1].caption == "Café au lait & croissant ☕️ — best morning in Paris"
    # the profile is two folders up, inside the export, so it is still found
    assert records[1].author == "mia.glows"


def test_repair_undoes_meta_escapes_and_leaves_correct_text_alone():
    assert repair("f\u00c3\u00bcr") == "für"
    assert repair("\u00f0\u009f\u0098\u008d") == "😍"
    assert repair("café") == "café"  # real latin-1 text does not decode as UTF-8
    assert repair("für 😍") == "für 😍"  # has characters above U+00FF: never mangled
    assert repair("plain #ad") == "plain #ad"
    assert repair_all({"a": ["f\u00c3\u00bcr", 3, None]}) == {"a": ["für", 3, None]}


def test_title_falls_back_to_first_media_and_missing_uri_gets_positional_id(tmp_path):
    posts = [
        {"media": [{"title": meta_mangle("Größe 👗 #anzeige"), "creation_timestamp": 1700000000}]},
        {"title": "", "media": [{"uri": "", "title": "from media"}]},
        "not an object",
        {"media": [{"uri": "media/posts/1/abc.jpg", "title": 42}]},
    ]
    path = tmp_path / "posts_3.json"
    path.write_text(json.dumps(posts), encoding="ascii")
    assert "Gr\\u00c3\\u00b6\\u00c3\\u009fe" in path.read_text()
    records = list(read_inputs([str(path)], quiet))
    assert isinstance(records[0], Post) and records[0].caption == "Größe 👗 #anzeige"
    assert records[0].id == "posts_3-0" and records[0].posted_at == "2023-11-14T22:13:20Z"
    assert records[1].caption == "from media" and records[1].id == "posts_3-1"
    assert isinstance(records[2], InputError) and records[2].source.index == 2
    assert "expected a post object" in records[2].message
    assert isinstance(records[3], InputError) and records[3].id == "abc"
    assert "caption" in records[3].message


def test_truncated_download_keeps_the_posts_before_the_break(tmp_path):
    whole = json.dumps([{"title": f"post {i} #ad", "media": [{"uri": f"m/{i}.jpg"}]} for i in range(3)])
    path = tmp_path / "posts_1.json"
    path.write_text(whole[: whole.index('"post 2')], encoding="utf-8")
    records = list(read_inputs([str(path)], quiet))
    assert [r.caption for r in records[:2]] == ["post 0 #ad", "post 1 #ad"]
    assert isinstance(records[2], InputError) and records[2].source.index == 2
    assert "cannot be read" in records[2].message


def test_html_export_is_refused_with_a_clear_message():
    with pytest.raises(UnreadableInput, match="HTML version of an Instagram export.*Format: JSON"):
        list(read_inputs(["fixtures/exports/instagram_html"], quiet))
    path = "fixtures/exports/instagram_html/your_instagram_activity/content/posts_1.html"
    with pytest.raises(UnreadableInput, match=r"posts_1\.html: this is the HTML version"):
        list(read_inputs([path], quiet))


def test_renamed_posts_file_is_recognised_by_content(tmp_path):
    src = Path(EXPORT, CONTENT, "reels.json").read_bytes()
    path = tmp_path / "my reels backup.json"
    path.write_bytes(src)
    records = list(read_inputs([str(path)], quiet))
    assert [(r.id, r.caption) for r in records] == [("4455667788990_n", "Try my code GLOW15 for 15% off 💜 #ad")]
