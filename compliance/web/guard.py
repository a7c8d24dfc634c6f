"""`compliance serve` on a hardened footing (issue 17 item 10).

- Host: only the bound address and this machine's loopback names are answered (421 otherwise),
  so a web page whose DNS name is re-pointed at 127.0.0.1 (DNS rebinding) gets nothing.
- Origin/Referer on POST: same origin only (403 otherwise), so another site cannot post a
  caption through the visitor's browser (CSRF). A request with neither (curl, scripts) is let in.
- Connections: a bounded number at once (a plain 503 past it) and a socket timeout on each,
  so slow or idle clients cannot hold the server.
- Judging: one caption at a time (the matchers are not made for threads), but a request waits
  a bounded time for its turn and then gets a 503, never an unbounded queue behind a lock; each
  judgement runs inside a spaCy memory zone so memory stays flat over many requests.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from compliance.web.engine import judging
from compliance.web.http import BadRequest

MAX_CONNECTIONS = 32  # requests handled at once; the next gets a 503
SOCKET_TIMEOUT = 15.0  # seconds a client may take between bytes
JUDGE_WAIT = 20.0  # seconds a request waits for its turn to judge before a 503
_HOST = re.compile(r"(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?")
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "localhost.localdomain"})
BUSY_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Retry-After: 5\r\nConnection: close\r\nContent-Length: 46\r\n\r\n"
    b"Too many connections at once; try again soon.\n"
)


def _split_host(value: str) -> tuple[str, int | None] | None:
    """("example", 8000) from "example:8000", ("::1", None) from "[::1]"; None if malformed
    (user info "a@b", paths, spaces: a Host header is a name or an address and a port)."""
    if not _HOST.fullmatch(value.strip()):
        return None
    try:
        parts = urlsplit("//" + value.strip())
        return (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None


class Guard:
    """Which Host and Origin values the server at `host`:`port` answers."""

    def __init__(self, host: str, port: int):
        self.port = port
        host = host.strip("[]").lower()
        self.names = set(LOOPBACK_NAMES) | {host}
        self.any_ip = host in ("0.0.0.0", "::", "")  # bound everywhere: any IP literal, still no names

    def host_ok(self, value: str) -> bool:
        split = _split_host(value) if value else None
        if not split or not split[0]:
            return False
        name, port = split
        if port is not None and port != self.port:
            return False
        if name in self.names:
            return True
        if self.any_ip:
            try:
                ipaddress.ip_address(name)
                return True
            except ValueError:
                return False
        return False

    def check(self, environ: dict) -> None:
        """BadRequest(421/400/403) unless the Host (and, on POST, the Origin) is this server's."""
        host = environ.get("HTTP_HOST", "")
        if not host:
            raise BadRequest(400, "Bad request", "The request did not say which host it is for.")
        if not self.host_ok(host):
            raise BadRequest(
                421,
                "Wrong host",
                "This page answers only at the address it was started on (for example http://127.0.0.1:PORT/).",
            )
        if environ.get("REQUEST_METHOD", "GET").upper() not in ("GET", "HEAD", "OPTIONS"):
            fetch_site = environ.get("HTTP_SEC_FETCH_SITE", "").strip().lower()
            if fetch_site in ("cross-site", "same-site"):
                raise BadRequest(403, "Cross-site request refused", "Use the form on this page to check a caption.")
            origin = environ.get("HTTP_ORIGIN")
            if origin is not None and origin.strip() == "null" and fetch_site == "same-origin":
                return  # the browser vouches for its own page (an older no-referrer page sends "null")
            referer = environ.get("HTTP_REFERER")
            claimed = origin if origin is not None else referer
            if claimed is None:
                return  # not a browser form post from another site: browsers send Origin on cross-site POSTs
            parts = urlsplit(claimed.strip()) if claimed.strip() != "null" else None
            try:
                ok = (
                    parts is not None
                    and parts.scheme in ("http", "https")
                    and bool(parts.netloc)
                    and self.host_ok(parts.netloc)
                    and _split_host(parts.netloc) == _split_host(host)
                )
            except ValueError:
                ok = False
            if not ok:
                raise BadRequest(403, "Cross-site request refused", "Use the form on this page to check a caption.")


@contextmanager
def judging_turn(wait: float | None = None) -> Iterator[None]:
    """Hold the judging lock, waiting at most `wait` (default JUDGE_WAIT) seconds for it (then a 503)."""
    if not judging.acquire(timeout=JUDGE_WAIT if wait is None else wait):
        raise BadRequest(503, "Busy", "Another caption is being checked; try again in a moment.")
    try:
        yield
    finally:
        judging.release()


@contextmanager
def memory_zone(scanner) -> Iterator[None]:
    """Words first seen while judging one request are freed after it (spaCy's memory zone); the
    scanner's own vocabulary was added when it was built, outside any zone, so it stays."""
    nlp = scanner.analyser.nlp
    zone = getattr(nlp, "memory_zone", None)
    if zone is None:
        yield
        return
    with zone():
        yield
