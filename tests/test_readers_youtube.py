"""YouTube Takeout videos.csv: the description is the caption, newest row per video wins."""

from __future__ import annotations

from compliance.readers import ReadOptions, read_inputs

TAKEOUT = "fixtures/exports/youtube"
VIDEOS = "Takeout/YouTube and YouTube Music/video metadata/videos.csv"


def read(paths, notes=None):
    return list(read_inputs(paths, ReadOptions(note=(notes.append if notes is not None else lambda m: None))))


def test_takeout_folder_keeps_newest_row_per_video():
    notes: list[str] = []
    records = read([TAKEOUT], notes)
    assert [r.id for r in records] == ["dQ1aB2cD3eF", "Xy9Zw8Vu7Ts", "Qq0Ww1Ee2Rr"]
    first = records[0]
    assert first.caption == (
        "Werbung | Meine Abendroutine 🌙\nDas Serum ist von Glowly (bezahlte Partnerschaft).\n#glowly"
    )
    assert first.metadata["title"] == "Abendroutine für trockene Haut"
    assert first.source.to_dict() == {"file": TAKEOUT, "member": VIDEOS, "row": 4}
    assert first.posted_at == "2024-01-12T08:00:00Z"
    assert records[1].caption.endswith("Affiliate link: https://glowly.example/?ref=mia")
    assert records[1].metadata["title"] == "Haul 🛍️ quick one"
    assert records[2].caption == "" and records[2].metadata["title"] == "Vlog à Montréal – sans pub"
    assert {r.platform for r in records} == {"youtube"}
    assert any("skipped 1 file" in n and "channel.csv" in n for n in notes)


def test_header_case_varies(tmp_path):
    path = tmp_path / "videos.csv"
    path.write_text(
        'VIDEO ID,video title (original),Video description (ORIGINAL)\nabc,Title é,"Beschreibung 🎥 #anzeige"\n',
        encoding="utf-8",
    )
    [post] = read([str(path)])
    assert (post.id, post.caption, post.metadata["title"], post.platform) == (
        "abc",
        "Beschreibung 🎥 #anzeige",
        "Title é",
        "youtube",
    )
    assert post.source.to_dict() == {"file": str(path), "row": 2}
