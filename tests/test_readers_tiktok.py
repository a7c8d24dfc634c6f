"""TikTok user_data_tiktok.json: posts found by their path, streamed, disclosure carried."""

from __future__ import annotations

import json

from compliance.model import InputError, Post
from compliance.readers import ReadOptions, read_inputs
from compliance.readers.tiktok import disclosed

FIXTURE = "fixtures/exports/tiktok/user_data_tiktok.json"


def read(paths, notes=None):
    return list(read_inputs(paths, ReadOptions(note=(notes.append if notes is not None else lambda m: None))))


def test_posts_not_watch_history():
    records = read([FIXTURE])
    assert [r.id for r in records] == ["7334455667788990011", "7337000111222333444", "7341999888777666555"]
    assert [r.caption for r in records] == [
        "Morning routine with @glowlyskin ✨ link in bio #skincare #glowly",
        "Ce matin j’ai testé la crème… trop bien 😍 #publicité",
        "Unsere neue Kollektion ist da! 🇩🇪 Ärmel, Öl, Größe – jetzt im Shop",
    ]
    assert [r.paid_partnership for r in records] == [True, False, True]
    assert [r.posted_at for r in records] == ["2024-02-10T18:22:05Z", "2024-02-18T09:05:44Z", "2024-03-02T12:00:00Z"]
    assert {r.platform for r in records} == {"tiktok"}
    assert records[2].source.to_dict() == {"file": FIXTURE, "index": 2}
    assert records[0].metadata["content_disclosure"] == "Branded content"
    assert "content_disclosure" not in records[1].metadata


def test_content_disclosure_values():
    assert disclosed("Branded content") and disclosed("Your brand") and disclosed("Promotional content")
    assert disclosed("Yes") and disclosed(True) and disclosed(["", "Branded content"])
    assert not disclosed("") and not disclosed("No") and not disclosed(None) and not disclosed("Off")


def test_large_file_streams_through_tiny_chunks(tmp_path, monkeypatch):
    """A long watch history before the posts, read with 64-byte chunks: every boundary case."""
    import compliance.readers.jsonstream as js

    history = [
        {"Date": "2024-01-01 00:00:00", "Link": f"https://www.tiktokv.com/share/video/{i}/"} for i in range(2000)
    ]
    posts = [
        {
            "Date": "2024-01-02 10:00:00",
            "Link": f"https://www.tiktokv.com/share/video/9{i}/",
            "Title": f'Post {i} "quoted" \\ backslash 😍 #ad',
            "ContentDisclosure": "",
        }
        for i in range(50)
    ]
    doc = {"Activity": {"Video Browsing History": {"VideoList": history}}, "Post": {"Posts": {"VideoList": posts}}}
    path = tmp_path / "user_data_tiktok.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    monkeypatch.setattr(js, "CHUNK", 64)
    records = read([str(path)])
    assert [r.id for r in records] == [f"9{i}" for i in range(50)]
    assert records[49].caption == 'Post 49 "quoted" \\ backslash 😍 #ad'


def test_older_layout_and_missing_title(tmp_path):
    doc = {
        "Video": {
            "Videos": {
                "VideoList": [
                    {
                        "Date": "2021-05-01 08:00:00",
                        "Link": "https://www.tiktokv.com/share/video/6950000000000000001/",
                        "Likes": "3",
                    },
                    {
                        "Date": "2021-05-02 08:00:00",
                        "Link": "https://www.tiktokv.com/share/video/6950000000000000002/",
                        "Title": "#ad für @brand",
                    },
                ]
            }
        }
    }
    path = tmp_path / "user_data.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    records = read([str(path)])
    assert isinstance(records[0], InputError) and records[0].id == "6950000000000000001"
    assert "no Title" in records[0].message
    assert isinstance(records[1], Post) and records[1].caption == "#ad für @brand"


def test_export_without_posts_gives_a_note_and_no_records(tmp_path):
    path = tmp_path / "user_data_tiktok.json"
    path.write_text(
        json.dumps(
            {"Activity": {"Video Browsing History": {"VideoList": [{"Date": "2024-01-01 00:00:00", "Link": "x"}]}}}
        ),
        encoding="utf-8",
    )
    notes: list[str] = []
    assert read([str(path)], notes) == []
    assert len(notes) == 1 and "no posts" in notes[0]


def test_one_malformed_video_costs_only_itself(tmp_path):
    text = (
        '{"Post": {"Posts": {"VideoList": [{"Title": "one", "Link": "/video/1/"}, '
        '{"Title": "bad \\x escape", "Link": "/video/2/"}, {"Title": "three", "Link": "/video/3/"}]}}}'
    )
    path = tmp_path / "user_data_tiktok.json"
    path.write_text(text, encoding="utf-8")
    records = read([str(path)])
    assert [type(r).__name__ for r in records] == ["Post", "InputError", "Post"]
    assert records[1].source.index == 1 and "invalid JSON" in records[1].message
    assert records[2].caption == "three" and records[2].id == "3"
