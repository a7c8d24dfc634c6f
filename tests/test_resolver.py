"""`--resolve-links`: redirects followed against a local HTTP server on 127.0.0.1, never the internet."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from compliance.run.resolver import Resolver

ROUTES: dict[str, tuple] = {}  # path -> (status, headers dict, sleep seconds, methods allowed)


class Handler(BaseHTTPRequestHandler):
    seen: list = []  # (method, path, headers)

    def log_message(self, *args):
        pass

    def _answer(self):
        Handler.seen.append((self.command, self.path, dict(self.headers)))
        status, headers, sleep, methods = ROUTES.get(self.path, (404, {}, 0, ("HEAD", "GET")))
        if sleep:
            time.sleep(sleep)
        if self.command not in methods:
            status, headers = 405, {}
        self.send_response(status)
        for key, value in headers.items():
            for v in value if isinstance(value, list) else [value]:
                self.send_header(key, v)
        body = b"x" * 100000 if self.command == "GET" else b""
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            try:
                self.wfile.write(body)
            except OSError:
                pass  # the client hung up without reading: as it should

    do_HEAD = _answer
    do_GET = _answer


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def clean():
    ROUTES.clear()
    Handler.seen.clear()


def route(path, status=200, location=None, sleep=0, methods=("HEAD", "GET"), **headers):
    h = dict(headers)
    if location is not None:
        h["Location"] = location
    ROUTES[path] = (status, h, sleep, methods)


def base(port):
    return f"http://127.0.0.1:{port}"


def test_redirect_chain_absolute_and_relative(server):
    route("/a", 302, "/b")
    route("/b", 301, f"{base(server)}/dir/c")
    route("/dir/c", 307, "d?x=1")  # relative to /dir/
    route("/dir/d?x=1", 200)
    result = Resolver().resolve(f"{base(server)}/a")
    assert result.status == "ok"
    assert result.final == f"{base(server)}/dir/d?x=1"
    assert result.chain == (
        f"{base(server)}/a",
        f"{base(server)}/b",
        f"{base(server)}/dir/c",
        f"{base(server)}/dir/d?x=1",
    )
    assert [m for m, _, _ in Handler.seen] == ["HEAD"] * 4


def test_loop(server):
    route("/l1", 302, "/l2")
    route("/l2", 302, "/l1")
    result = Resolver().resolve(f"{base(server)}/l1")
    assert result.status == "loop"
    assert result.final is None
    assert len(Handler.seen) == 2


def test_more_than_five_hops(server):
    for i in range(10):
        route(f"/h{i}", 302, f"/h{i + 1}")
    result = Resolver(max_hops=5).resolve(f"{base(server)}/h0")
    assert result.status == "too-many-hops"
    assert len(Handler.seen) == 6  # the link and five redirects, then stop
    assert len(result.chain) == 7


def test_timeout(server):
    route("/slow", 200, sleep=1.5)
    started = time.monotonic()
    result = Resolver(timeout=0.3).resolve(f"{base(server)}/slow")
    assert result.status == "timeout"
    assert time.monotonic() - started < 1.4


def test_refused():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    assert Resolver(timeout=1).resolve(f"http://127.0.0.1:{port}/x").status == "refused"


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/x", "javascript:alert(1)", "file:///etc/passwd", "data:text/html,hi", "mailto:a@b.example"]
)
def test_non_http_schemes_are_never_asked(server, url):
    resolver = Resolver()
    assert resolver.resolve(url).status == "unsupported-scheme"
    assert resolver.requests == 0


@pytest.mark.parametrize("url", ["http://[::1/x", "http://127.0.0.1:99999/x", "http://exa\u0000mple.com/"])
def test_malformed_links_are_errors_not_crashes(url):
    result = Resolver(timeout=0.5).resolve(url)
    assert result.status in ("error", "bad-response")
    assert result.final is None


def test_malformed_location(server):
    route("/badloc", 302, "http://[::1")
    assert Resolver().resolve(f"{base(server)}/badloc").status == "bad-response"


def test_redirect_to_non_http_scheme_stops(server):
    route("/js", 302, "javascript:alert(1)")
    result = Resolver().resolve(f"{base(server)}/js")
    assert result.status == "unsupported-scheme"
    assert result.chain[-1] == "javascript:alert(1)"


def test_huge_header(server):
    route("/huge", 302, "/x", **{"X-Filler": "a" * 70000})
    assert Resolver().resolve(f"{base(server)}/huge").status == "bad-response"


def test_too_many_headers(server):
    route("/many", 200, **{"X-Many": [str(i) for i in range(150)]})
    assert Resolver().resolve(f"{base(server)}/many").status == "bad-response"


def test_head_refused_falls_back_to_get(server):
    route("/nohead", 302, "/landing", methods=("GET",))
    route("/landing", 200)
    result = Resolver().resolve(f"{base(server)}/nohead")
    assert result.status == "ok" and result.final.endswith("/landing")
    assert [m for m, _, _ in Handler.seen] == ["HEAD", "GET", "HEAD"]


def test_no_cookies_no_credentials(server):
    route("/set", 302, "/next", **{"Set-Cookie": "session=secret; Path=/"})
    route("/next", 200)
    Resolver().resolve(f"http://user:pw@127.0.0.1:{server}/set")
    for _, _, headers in Handler.seen:
        lowered = {k.lower() for k in headers}
        assert "cookie" not in lowered
        assert "authorization" not in lowered
        assert "user" not in headers.get("Host", "")


def test_host_map_points_a_shortener_at_the_local_server(server):
    route("/abc", 301, "https://www.amazon.de/dp/B01ABCDEFG?tag=lena-21")
    route("/dp/B01ABCDEFG?tag=lena-21", 200)
    resolver = Resolver(host_map={"bit.ly": ("127.0.0.1", server), "www.amazon.de": ("127.0.0.1", server)})
    result = resolver.resolve("bit.ly/abc")
    assert result.status == "ok"
    assert result.final == "https://www.amazon.de/dp/B01ABCDEFG?tag=lena-21"
    assert [h["Host"] for _, _, h in Handler.seen] == ["bit.ly", "www.amazon.de"]


def test_cache_asks_nothing_twice(server, tmp_path):
    from compliance.run.link_cache import LinkCache

    route("/c1", 302, "/c2")
    route("/c2", 200)
    state = str(tmp_path / "state.sqlite")
    urls = [f"{base(server)}/c1", f"{base(server)}/c2", f"{base(server)}/c1"]
    first = Resolver(cache=LinkCache(state)).resolve_many(urls)
    asked = len(Handler.seen)
    assert asked == 3  # c1 -> c2, and c2 on its own; the duplicate is asked once
    again = Resolver(cache=LinkCache(state)).resolve_many(urls)
    assert len(Handler.seen) == asked
    assert again == first


def _scan(tmp_path, args, caption):
    from click.testing import CliRunner

    from compliance.cli.commands import main

    posts = tmp_path / "posts.jsonl"
    posts.write_text(json.dumps({"id": "p1", "caption": caption, "platform": "youtube"}) + "\n")
    result = CliRunner().invoke(main, ["scan", str(posts), "-j", "us", "--jobs", "1", "--no-progress", *args])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)["posts"][0]


def test_scan_resolve_links_end_to_end(server, tmp_path, monkeypatch):
    import compliance.run.resolver as resolver

    monkeypatch.setattr(resolver, "HOST_MAP", {"bit.ly": ("127.0.0.1", server), "www.amazon.de": ("127.0.0.1", server)})
    route("/lena", 301, "https://www.amazon.de/dp/B01ABCDEFG?tag=lena-21")
    route("/dp/B01ABCDEFG?tag=lena-21", 200)
    caption = "My race shoes https://bit.ly/lena"

    post = _scan(tmp_path, [], caption)  # off by default: nothing asked
    assert Handler.seen == []
    assert post["verdicts"]["us"]["status"] == "clear"

    state = str(tmp_path / "state.sqlite")
    post = _scan(tmp_path, ["--resolve-links", "--state", state], caption)
    asked = len(Handler.seen)
    assert asked == 2
    links = [s for s in post["signals"] if s["kind"] == "affiliate_link"]
    assert len(links) == 1
    link = links[0]
    assert link["text"] == "https://bit.ly/lena"  # quoted as written
    assert caption[link["start"] : link["end"]] == link["text"]
    assert link["programme"] == "Amazon Associates (amazon.de)"
    assert link["resolved"]["chain"] == ["https://bit.ly/lena", "https://www.amazon.de/dp/B01ABCDEFG?tag=lena-21"]
    assert post["verdicts"]["us"]["status"] == "violation"

    again = _scan(tmp_path, ["--resolve-links", "--state", state], caption)
    assert len(Handler.seen) == asked  # the state file answered
    assert again == post


def test_check_resolve_links(server, monkeypatch):
    from click.testing import CliRunner

    import compliance.run.resolver as resolver
    from compliance.cli.commands import main

    monkeypatch.setattr(resolver, "HOST_MAP", {"goo.gl": ("127.0.0.1", server)})
    route("/x", 302, "http://lena.peakfit.hop.clickbank.net/")
    monkeypatch.setitem(resolver.HOST_MAP, "lena.peakfit.hop.clickbank.net", ("127.0.0.1", server))
    route("/", 200)
    result = CliRunner().invoke(
        main, ["check", "-j", "us", "--format", "json", "--resolve-links", "Rainy day reading https://goo.gl/x"]
    )
    data = json.loads(result.output)
    assert [s["programme"] for s in data["signals"] if s["kind"] == "affiliate_link"] == ["ClickBank"]
    assert data["verdicts"]["us"]["status"] == "violation"


def test_the_link_cache_never_writes_into_a_foreign_sqlite_file(tmp_path):
    """--resolve-links opens the --state file before the scan state does: it must refuse a SQLite
    file that is not ours just as the state does, and leave it byte-identical."""
    import sqlite3

    from compliance.run.link_cache import LinkCache, LinkCacheError

    foreign = tmp_path / "crm.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE customers (id INTEGER, name TEXT)")
    conn.commit()
    conn.close()
    before = foreign.read_bytes()
    with pytest.raises(LinkCacheError, match="not a compliance state file"):
        LinkCache(str(foreign))
    assert foreign.read_bytes() == before
    # and a state file the link cache started is still the scan state's to use
    ours = str(tmp_path / "state.sqlite")
    LinkCache(ours).conn.close()
    from compliance.run.state import check_ours

    check_ours(sqlite3.connect(ours), ours)
