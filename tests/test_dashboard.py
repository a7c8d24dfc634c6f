"""`compliance serve --state`: the dashboard's queries against an independent reading of the state,
read-only-ness (the file's bytes never change), refusals of foreign files and of other hosts and
origins, and untrusted text from the state staying text (HTML, charts, CSV, XLSX)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import sqlite3
import threading
import time
import zlib
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest

from compliance.run.state import StateError
from compliance.web import dashboard_data
from compliance.web.dashboard import DashboardApp
from compliance.web.dashboard_data import Catalogue, Dashboard, Filters, open_state
from compliance.web.guard import Guard
from tests.dashboard_state import HOSTILE_AUTHOR, HOSTILE_CAPTION, generate
from tests.test_pipeline import run_cli

PORT = 8000


@pytest.fixture(scope="module")
def state(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dash") / "scans.sqlite"
    generate(path, posts=600, runs=8, creators=15, seed=7)
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dash-hostile") / "scans.sqlite"
    generate(path, posts=200, runs=4, creators=3, seed=3, hostile=True)
    return path


@pytest.fixture(scope="module")
def cat(state) -> Catalogue:
    return Catalogue(str(state))


def truth(path: Path) -> dict:
    """The state read the slow, obvious way: every result decoded, every history row."""
    conn = sqlite3.connect(path)
    posts = {}
    for key, statuses, blob in conn.execute("SELECT key, statuses, result FROM posts"):
        data = json.loads(zlib.decompress(blob))
        rules = {
            j: sorted({f["rule"] for f in v["findings"]})
            for j, v in data["verdicts"].items()
            if v["status"] in ("violation", "review")
        }
        posts[key] = {
            "statuses": json.loads(statuses),
            "author": data["author"],
            "caption": data["caption"],
            "rules": rules,
        }
    history = conn.execute("SELECT key, run, statuses FROM history ORDER BY key, run").fetchall()
    conn.close()
    return {"posts": posts, "history": [(k, r, json.loads(s)) for k, r, s in history]}


def call(app: DashboardApp, path: str, query: dict | str = "", method: str = "GET", **headers: str):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query if isinstance(query, str) else urlencode(query),
        "HTTP_HOST": f"127.0.0.1:{PORT}",
        "wsgi.input": io.BytesIO(b""),
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    got = {}

    def start_response(status, response_headers):
        got["status"] = int(status.split()[0])
        got["headers"] = dict(response_headers)

    body = b"".join(app(environ, start_response))
    return got["status"], got["headers"], body


def app_for(path: Path) -> DashboardApp:
    return DashboardApp(Dashboard(str(path)), Guard("127.0.0.1", PORT))


# ------------------------------------------------------------------------------------ queries


def test_filters_count_what_the_state_holds(state, cat):
    t = truth(state)["posts"]
    action = [k for k, p in t.items() if {"violation", "review"} & set(p["statuses"].values())]
    assert cat.count(Filters()) == len(action) > 0
    de_violation = [k for k, p in t.items() if p["statuses"].get("de") == "violation"]
    assert cat.count(Filters(j="de", status="violation")) == len(de_violation) > 0
    with_rule = [k for k, p in t.items() if "FR-002" in p["rules"].get("fr", [])]
    assert cat.count(Filters(rule="FR-002", status="all")) == len(with_rule) > 0
    mine = [k for k, p in t.items() if p["author"] == "@creator0003"]
    assert cat.count(Filters(creator="@creator0003", status="all")) == len(mine) > 0
    serum = [k for k, p in t.items() if "serum" in p["caption"].lower() and k in action]
    assert cat.count(Filters(q="SERUM")) == len(serum) > 0
    assert cat.count(Filters(q="100%_")) == 0  # LIKE wildcards are searched as text
    oil = [k for k, p in t.items() if "Ölfarben" in p["caption"]]
    assert cat.count(Filters(q="ÖLFARBEN", status="all")) == len(oil) > 0  # case folded beyond ASCII
    assert cat.count(Filters(q="@CREATOR0003", status="all")) == len(mine)
    in_last = {k for k, r, _ in truth(state)["history"] if r == 8}
    assert cat.count(Filters(latest=True, status="all")) == len(in_last) < len(t)
    assert cat.count(Filters(latest=True)) == len(set(action) & in_last)


def test_recent_searches_are_kept_and_old_ones_dropped(cat):
    first = cat.count(Filters(q="serum"))
    pages = [cat.posts(Filters(q="serum", page=n)) for n in (1, 2)]
    for word in "abcdefghij":
        cat.count(Filters(q=word, status="all"))
    assert len(cat._searches) == dashboard_data.SEARCHES_KEPT and "serum" not in cat._searches
    exported = [p["key"] for p in cat.export(Filters(q="serum"))]
    assert cat.count(Filters(q="serum")) == first == len(exported)
    assert exported[:100] == [p["key"] for page in pages for p in page]


def test_pages_cover_the_view_once_in_order(cat):
    f = Filters(j="uk")
    total = cat.count(f)
    seen = []
    page = 1
    while rows := cat.posts(replace(f, page=page), size=37):
        seen += [r["key"] for r in rows]
        page += 1
    assert len(seen) == len(set(seen)) == total
    assert seen == [p["key"] for p in cat.export(f)]
    order = [(dashboard_data.RANK[p["worst"]], p["key"]) for p in cat.export(f)]
    assert order == sorted(order)  # worst first, then by key


def test_trends_match_the_history(state, cat):
    t = truth(state)
    data = cat.overview()
    assert data["complete"] == list(range(1, 9))
    for run in data["complete"]:
        rows = [s for _, r, s in t["history"] if r == run]
        assert data["scans"][run - 1]["n_posts"] == len(rows)
        assert data["scans"][run - 1]["n_violation"] == sum("violation" in s.values() for s in rows)
        for j in ("de", "fr", "uk", "us"):
            assert data["violations_by_jurisdiction"][j][run] == sum(s.get(j) == "violation" for s in rows)
        for creator, by_run in data["by_creator"].items():
            keys = {k for k, p in t["posts"].items() if p["author"] == creator}
            assert by_run[run] == sum(
                1 for k, r, s in t["history"] if r == run and k in keys and "violation" in s.values()
            )
    assert len(data["by_creator"]) == dashboard_data.TOP
    # The latest scan's rule counts come from the stored results, which are the latest judgements.
    last = data["complete"][-1]
    present = {k for k, r, _ in t["history"] if r == last}
    for rule, by_run in data["by_rule"].items():
        j = rule[:2].lower()
        expected = sum(
            1
            for k in present
            if t["posts"][k]["statuses"].get(j) == "violation" and rule in t["posts"][k]["rules"].get(j, [])
        )
        assert by_run[last] == expected


def test_a_post_history_tells_first_seen_changed_fixed_and_gone(state, cat):
    t = truth(state)
    by_key: dict[str, list] = {}
    for k, r, s in t["history"]:
        by_key.setdefault(k, []).append((r, s))
    fixed = next(
        k
        for k, rows in by_key.items()
        if "violation" in rows[0][1].values() and not ({"violation", "review"} & set(rows[-1][1].values()))
    )
    post = cat.post(fixed)
    kinds = [e["kind"] for e in post["events"]]
    assert kinds[0] == "first" and "fixed" in kinds and "changed" in kinds
    assert [h["run"] for h in post["history"]] == [r for r, _ in by_key[fixed]]
    gone = next(k for k, rows in by_key.items() if rows[-1][0] < 8)
    assert cat.post(gone)["events"][-1]["kind"] == "gone"
    assert cat.post("no-such-post") is None


def test_a_completed_scan_is_picked_up_in_the_background(tmp_path, monkeypatch):
    path = tmp_path / "scans.sqlite"
    generate(path, posts=100, runs=3, creators=4)
    board = Dashboard(str(path))
    assert board.current.complete == [1, 2, 3]
    conn = sqlite3.connect(path)  # another scan completes (as `scan --state` would write it)
    conn.execute("INSERT INTO runs VALUES (4, 'f0', '{}', 1, 100, 0)")
    conn.execute("INSERT INTO history SELECT key, 4, statuses FROM posts")
    conn.commit()
    conn.close()
    monkeypatch.setattr(dashboard_data, "CHECK_EVERY", 0.0)
    before = board.catalogue()
    deadline = time.monotonic() + 60
    while board.catalogue() is before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert board.current.complete == [1, 2, 3, 4]


def test_pages_say_the_state_is_being_read_until_it_is(state, monkeypatch):
    gate = threading.Event()
    real = dashboard_data.Catalogue

    class Slow(real):  # type: ignore[misc, valid-type]
        def __init__(self, path, progress=None):
            gate.wait(60)
            super().__init__(path, progress)

    monkeypatch.setattr(dashboard_data, "Catalogue", Slow)
    board = Dashboard(str(state), background=True)
    app = DashboardApp(board, Guard("127.0.0.1", PORT))
    for path in ("/", "/posts", "/export.csv"):
        status, headers, body = call(app, path)
        assert status == 503 and headers["Retry-After"] == "2", path
        assert b"Reading the scan history" in body and b'http-equiv="refresh"' in body
    gate.set()
    assert board.ready.wait(60)
    assert call(app, "/")[0] == 200


# ------------------------------------------------------------------------------ read-only-ness


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_state_file_is_never_written(state):
    before = digest(state), os.stat(state).st_mtime_ns
    app = app_for(state)
    key = app.dashboard.current.posts(Filters())[0]["key"]
    for path, query in [
        ("/", ""),
        ("/posts", {"j": "de", "page": "2"}),
        ("/post", {"key": key}),
        ("/export.csv", {"status": "all"}),
        ("/export.xlsx", {"j": "fr"}),
    ]:
        assert call(app, path, query)[0] == 200, path
    assert (digest(state), os.stat(state).st_mtime_ns) == before
    conn = open_state(str(state))
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("CREATE TABLE x (y)")
    conn.close()


def test_a_read_only_state_file_is_shown(tmp_path):
    path = tmp_path / "scans.sqlite"
    generate(path, posts=50, runs=2, creators=3)
    path.chmod(0o444)
    try:
        assert Catalogue(str(path)).count(Filters(status="all")) == 50
    finally:
        path.chmod(0o644)


def test_foreign_damaged_or_missing_files_are_refused_unchanged(tmp_path):
    foreign = tmp_path / "app.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE users (name TEXT)")
    conn.commit()
    conn.close()
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database at all\n" * 100)
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    cases = [(foreign, "not a compliance state file"), (text, "not a readable state file"), (empty, "no scan history")]
    for path, message in cases:
        before = digest(path)
        with pytest.raises(StateError, match=message):
            Dashboard(str(path))
        assert digest(path) == before
    with pytest.raises(StateError, match="no such file"):
        Dashboard(str(tmp_path / "missing.sqlite"))
    assert not (tmp_path / "missing.sqlite").exists()
    before = digest(foreign)
    out = run_cli("serve", "--state", str(foreign), "--port", "0")
    assert out.returncode == 2
    assert "not a compliance state file" in out.stderr and "Traceback" not in out.stderr
    assert digest(foreign) == before


def test_a_state_damaged_inside_stops_serve_with_exit_2(tmp_path):
    path = tmp_path / "scans.sqlite"
    generate(path, posts=400, runs=3, creators=5)
    data = bytearray(path.read_bytes())
    page = 4096
    for start in range(8 * page, len(data) - page, 3 * page):  # pages past the schema: rows and indexes
        data[start : start + page] = b"\xa5" * page
    path.write_bytes(bytes(data))
    before = digest(path)
    out = run_cli("serve", "--state", str(path), "--port", "0")
    assert out.returncode == 2, out.stderr
    assert "damaged state file" in out.stderr and "Traceback" not in out.stderr
    assert digest(path) == before


# -------------------------------------------------------------------------------- hardening


def test_other_hosts_origins_and_methods_are_refused(state):
    app = app_for(state)
    assert call(app, "/", HOST="evil.example")[0] == 421
    assert call(app, "/posts", HOST=f"attacker.test:{PORT}")[0] == 421
    assert call(app, "/", HOST="")[0] == 400
    assert call(app, "/export.csv", method="POST", ORIGIN="http://evil.example")[0] == 403
    status, headers, _ = call(app, "/posts", method="POST", ORIGIN=f"http://127.0.0.1:{PORT}")
    assert status == 405 and headers["Allow"] == "GET, HEAD"
    assert call(app, "/", HOST=f"localhost:{PORT}")[0] == 200
    assert call(app, "/nowhere")[0] == 404
    assert call(app, "/posts", {"j": "zz"})[0] == 400
    assert call(app, "/posts", {"status": "everything"})[0] == 400
    assert call(app, "/posts", "page=1&page=2")[0] == 400
    assert call(app, "/posts", {"page": "-3"})[0] == 400
    assert call(app, "/post", {"key": "nope"})[0] == 404
    assert call(app, "/posts", "q=" + "x" * 5000)[0] == 400


def test_every_page_has_the_security_headers_and_nothing_external(state):
    app = app_for(state)
    for path in ("/", "/posts", "/export.csv", "/nowhere"):
        status, headers, body = call(app, path)
        csp = headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "img-src data:" in csp and "frame-ancestors 'none'" in csp
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
        if headers["Content-Type"].startswith("text/html"):
            html = body.decode()
            for external in ('src="http', 'href="http', 'src="//', 'href="//', "url(", "@import"):
                assert external not in html, (path, external)


def charts_of(html: str) -> list[str]:
    prefix = 'src="data:image/svg+xml;base64,'
    out = []
    for part in html.split(prefix)[1:]:
        out.append(base64.b64decode(part.split('"', 1)[0]).decode("utf-8"))
    return out


def test_hostile_text_from_the_state_stays_text(hostile):
    app = app_for(hostile)
    overview = call(app, "/")[2].decode()
    posts = call(app, "/posts", {"status": "all", "creator": HOSTILE_AUTHOR})[2].decode()
    key = app.dashboard.current.posts(Filters(creator=HOSTILE_AUTHOR, status="all"))[0]["key"]
    post = call(app, "/post", {"key": key})[2].decode()
    for html in (overview, posts, post):
        assert "<script>window.__pwned" not in html and "<img src=x" not in html
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in posts + post
    svgs = charts_of(overview)
    assert len(svgs) == 4
    for svg in svgs:
        tree = ElementTree.fromstring(svg)  # well-formed: the names went in as text
        assert not [el for el in tree.iter() if el.tag.endswith("script")]
        assert "http" not in svg.replace("http://www.w3.org/", "")
    assert any(HOSTILE_AUTHOR in "".join(el.itertext()) for svg in svgs for el in [ElementTree.fromstring(svg)])


def test_exports_neutralise_formulas(hostile):
    app = app_for(hostile)
    status, headers, body = call(app, "/export.csv", {"status": "all"})
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0][:4] == ["id", "creator", "platform", "status"]
    assert len(rows) - 1 == 200
    captions = [r[-1] for r in rows[1:]]
    assert "'" + HOSTILE_CAPTION in captions and HOSTILE_CAPTION not in captions
    assert all(not c.startswith(("=", "+", "-", "@")) for r in rows[1:] for c in r)
    import openpyxl  # the test extra installs it

    status, headers, body = call(app, "/export.xlsx", {"status": "all"})
    assert status == 200
    ws = openpyxl.load_workbook(io.BytesIO(body)).active
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if c.value == HOSTILE_CAPTION]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_a_large_csv_export_has_every_row_once(tmp_path):
    path = tmp_path / "scans.sqlite"
    generate(path, posts=4100, runs=2, creators=30)  # past two of the export's write batches
    status, _, body = call(app_for(path), "/export.csv", {"status": "all"})
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert status == 200 and len(rows) == 4101
    assert len({r[0] for r in rows[1:]}) == 4100
