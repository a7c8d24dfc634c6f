"""Generic CSV: column names guessed or given, any delimiter, BOM, encodings, huge cells."""

from __future__ import annotations

import pytest

from compliance.model import InputError, Post
from compliance.readers import ReadOptions, UnreadableInput, read_inputs
from compliance.readers.tables import choose_delimiter, normalise_header

CSV = "fixtures/exports/csv"


def read(paths, notes=None, **opts):
    note = notes.append if notes is not None else (lambda m: None)
    return list(read_inputs(paths, ReadOptions(note=note, **opts)))


def test_meta_business_suite_export_with_bom():
    path = f"{CSV}/meta_business_suite.csv"
    records = read([path])
    assert [r.id for r in records] == ["18023456789012345", "18023456789099999"]
    assert records[0].caption == ("Zu Besuch bei @glowlyskin in Hamburg 🚢 Danke für die Einladung! #anzeige #pr")
    assert records[1].caption == "Sunday reset: été vibes only, nothing sponsored ☀️"
    assert records[0].posted_at == "02/03/2024 14:05"  # Publish time, not "Date"
    assert records[0].author == "mia.glows"  # Page name
    assert records[0].metadata["permalink"] == "https://www.instagram.com/p/C3aBcDeFgHi/"
    assert records[0].metadata["Date"] == "Lifetime"
    assert records[0].source.to_dict() == {"file": path, "row": 2}
    assert records[0].platform is None


def test_semicolons_multiline_cells_row_ids_and_platform_names():
    path = f"{CSV}/creator_campaign.csv"
    records = read([path], default_platform="instagram")
    assert [r.id for r in records] == ["cmp-001", "cmp-002", "row-4", "cmp-004"]
    assert records[0].caption == "Mein Sommer-Favorit 🌞\nMit Code MIA20 sparst du 20 %\n#werbung"
    assert [r.platform for r in records] == ["instagram", "tiktok", "instagram", "x"]
    assert [r.paid_partnership for r in records] == [True, True, False, False]
    assert records[0].brands == ("Glowly",) and records[3].brands == ()
    assert records[2].caption == "Receta de paella 🥘 con aceite de oliva, ¡qué rico!"
    assert records[2].author == "@ana.cooks"
    assert [r.source.row for r in records] == [2, 3, 4, 5]


def test_named_columns(tmp_path):
    path = f"{CSV}/custom_columns.csv"
    with pytest.raises(UnreadableInput, match="no caption column.*--caption-column"):
        read([path])
    records = read([path], id_column="beitrag nr", caption_column="Beitragstext", author_column="KONTO")
    assert [(r.id, r.author, r.caption, r.platform) for r in records] == [
        ("B-17", "@mia.glows", "Unbezahlt, aber ehrlich: meine Lieblingscreme 💚", None),
        ("B-18", "@mia.glows", "Anzeige – in Kooperation mit @glowlyskin ✨", None),
    ]
    assert records[0].metadata == {"Kanal": "instagram"}
    with pytest.raises(UnreadableInput, match="no column named 'Text' for --caption-column"):
        read([path], caption_column="Text")


def test_legacy_excel_encoding_is_read_as_windows_1252_with_a_note():
    notes: list[str] = []
    records = read([f"{CSV}/excel_cp1252.csv"], notes)
    assert [r.caption for r in records] == ["Für die Haut – Werbung für @glowlyskin", "Café crème à Genève, sans pub"]
    assert len(notes) == 1 and "Windows-1252" in notes[0]


def test_a_bad_byte_in_a_utf8_file_costs_that_row_only():
    records = read([f"{CSV}/broken_utf8.csv"])
    assert [type(r) for r in records] == [Post, InputError, Post]
    assert records[0].caption == "Glow on 💫 #ad" and records[2].caption == "Noch ein Beitrag ✅"
    assert records[1].source.row == 3
    assert records[1].message == ("row 3: not valid UTF-8 (byte 0xf6 in column 'caption'); re-export the file as UTF-8")


def test_utf16_tab_separated_from_excel(tmp_path):
    path = tmp_path / "export.txt.csv"
    path.write_bytes("Post ID\tCaption\n1\tÜberraschung 🎉 #ad\n".encode("utf-16"))
    [post] = read([str(path)])
    assert (post.id, post.caption) == ("1", "Überraschung 🎉 #ad")


def test_big_cells_and_caption_limit(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(
        f"id,caption,notes\na,short #ad,{'n' * 300_000}\nb,{'x' * 60_000},\nc,after the big ones,\n", encoding="utf-8"
    )
    records = read([str(path)])
    assert [type(r) for r in records] == [Post, InputError, Post]
    assert records[0].metadata["notes"] == "n" * 300_000
    assert "over the limit" in records[1].message and records[1].source.row == 3
    assert records[2].caption == "after the big ones"


def test_ragged_rows_other_platforms_and_bad_flags(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text(
        "id,caption,platform,paid_partnership\n"
        "1\n"
        "2,ok,myspace,\n"
        "3,ok,instagram,maybe\n"
        "4,fine,instagram,TRUE,extra cell\n",
        encoding="utf-8",
    )
    records = read([str(path)])
    assert isinstance(records[0], Post) and (records[0].id, records[0].caption) == ("1", "")
    assert isinstance(records[1], Post) and records[1].platform == "myspace"  # judged with default fold
    assert isinstance(records[2], InputError) and "paid_partnership" in records[2].message
    assert records[3].paid_partnership is True and records[3].metadata == {"column 5": "extra cell"}


def test_delimiter_choice_and_header_names():
    assert choose_delimiter("id|caption\n1|a, b, c\n", {"id", "caption"}) == "|"
    assert choose_delimiter("id;caption\n1;Hallo, Welt\n", {"id", "caption"}) == ";"
    assert choose_delimiter("caption\nhello, world\n", {"caption"}) == ","
    assert normalise_header("  Post_ID ") == normalise_header("post-id") == "post id"


def test_csv_without_caption_column_in_a_folder_is_skipped_with_a_note(tmp_path):
    (tmp_path / "posts.csv").write_text("id,caption\n1,hi #ad\n", encoding="utf-8")
    (tmp_path / "stats.csv").write_text("day,reach\n1,200\n", encoding="utf-8")
    notes: list[str] = []
    records = read([str(tmp_path)], notes)
    assert [(r.id, r.source.member) for r in records] == [("1", "posts.csv")]
    assert notes == [f"{tmp_path}: skipped 1 file(s) that hold no posts it reads (stats.csv)"]
