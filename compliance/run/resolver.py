"""`--resolve-links`: follow a short link's redirects to see where it really goes.

This is the only code in the tool that talks to the network, and it runs only when the user
asks for it by name. For each short link: a HEAD request (a bodiless GET when a server refuses
HEAD; the body is never read), at most `max_hops` redirects, `timeout` seconds per hop, a
bounded pool of threads, no cookies and no credentials, http and https only. Results can be
kept in the state file (`compliance.run.link_cache`) so a re-run asks nothing twice.
"""

from __future__ import annotations

import http.client
import ssl
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urljoin, urlsplit

from compliance.analysis.affiliates import load_catalogue
from compliance.analysis.links import short_links
from compliance.model import Post
from compliance.run.chunks import chunked
from compliance.run.link_cache import LinkCache

MAX_HOPS = 5
TIMEOUT = 3.0
WORKERS = 8
HOST_MAP: dict[str, tuple[str, int]] = {}  # default host map (tests point shortener hosts at 127.0.0.1)
USER_AGENT = "compliance-link-check/1 (+follows redirects only; reads no body)"
REDIRECTS = (301, 302, 303, 307, 308)
HEAD_REFUSED = (400, 403, 405, 501)  # servers that answer HEAD with these get one bodiless GET


@dataclass(frozen=True)
class Resolution:
    """Where a link led. `chain` starts with the link as requested and ends where we stopped."""

    url: str
    chain: tuple[str, ...]
    status: str  # ok | loop | too-many-hops | timeout | refused | unsupported-scheme | bad-response | error
    final: str | None = None  # the last URL that answered without redirecting (ok only)
    code: int | None = None  # that answer's HTTP status

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url, "chain": list(self.chain), "status": self.status}
        if self.final is not None:
            out["final"] = self.final
        if self.code is not None:
            out["code"] = self.code
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Resolution:
        return cls(
            str(data["url"]),
            tuple(str(u) for u in data.get("chain", ())),
            str(data["status"]),
            data.get("final"),
            data.get("code"),
        )


def with_scheme(url: str) -> str:
    """https:// for a link written without one ("bit.ly/x"); other schemes (javascript:, mailto:,
    data:) are kept as they are, to be refused."""
    if "://" in url[:16]:
        return url
    scheme, sep, rest = url.partition(":")
    if (
        sep
        and scheme[:1].isalpha()
        and "." not in scheme
        and not rest[:1].isdigit()
        and scheme.replace("+", "").replace("-", "").isalnum()
    ):
        return url
    return "https://" + url


class Resolver:
    """Follows redirects. `host_map` points hosts at another address (tests: bit.ly -> 127.0.0.1),
    spoken to in plain HTTP with the original Host header."""

    def __init__(
        self,
        timeout: float = TIMEOUT,
        max_hops: int = MAX_HOPS,
        workers: int = WORKERS,
        host_map: dict[str, tuple[str, int]] | None = None,
        cache=None,
    ):
        self.timeout = timeout
        self.max_hops = max_hops
        self.workers = max(1, workers)
        self.host_map = {h.lower(): addr for h, addr in (HOST_MAP if host_map is None else host_map).items()}
        self.cache = cache
        self.requests = 0  # network requests made (for tests and the summary)

    def resolve(self, url: str) -> Resolution:
        current = with_scheme(url)
        chain = [current]
        code = None
        for _ in range(self.max_hops + 1):
            try:
                parts = urlsplit(current)
                usable = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
            except ValueError:  # "http://[::1" and the like
                return Resolution(url, tuple(chain), "bad-response" if len(chain) > 1 else "error")
            if not usable:
                return Resolution(url, tuple(chain), "unsupported-scheme")
            try:
                code, location = self._ask(parts)
            except TimeoutError:
                return Resolution(url, tuple(chain), "timeout")
            except ConnectionRefusedError:
                return Resolution(url, tuple(chain), "refused")
            except (http.client.HTTPException, ValueError, UnicodeError):
                return Resolution(url, tuple(chain), "bad-response")
            except (OSError, ssl.SSLError):
                return Resolution(url, tuple(chain), "error")
            except Exception:  # a link must never take the run down with it
                return Resolution(url, tuple(chain), "error")
            if code not in REDIRECTS or not location:
                return Resolution(url, tuple(chain), "ok", final=current, code=code)
            try:
                nxt = urljoin(current, location.strip())
            except ValueError:
                return Resolution(url, tuple(chain), "bad-response")
            if nxt in chain:
                chain.append(nxt)
                return Resolution(url, tuple(chain), "loop")
            chain.append(nxt)
            current = nxt
        return Resolution(url, tuple(chain), "too-many-hops", code=code)

    def _ask(self, parts) -> tuple[int, str | None]:
        """One hop: HEAD, or a bodiless GET if HEAD is refused. Returns (status, Location)."""
        code, location = self._request("HEAD", parts)
        if code in HEAD_REFUSED:
            code, location = self._request("GET", parts)
        return code, location

    def _request(self, method: str, parts) -> tuple[int, str | None]:
        host = parts.hostname.lower()
        port = parts.port
        mapped = self.host_map.get(host) or (self.host_map.get(f"{host}:{port}") if port else None)
        if mapped:
            conn = http.client.HTTPConnection(mapped[0], mapped[1], timeout=self.timeout)
        elif parts.scheme.lower() == "https":
            conn = http.client.HTTPSConnection(
                host, port or 443, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            conn = http.client.HTTPConnection(host, port or 80, timeout=self.timeout)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.requests += 1
        try:
            # Only these headers: no cookies, no credentials, nothing about the user.
            conn.request(
                method,
                path,
                headers={
                    "Host": parts.netloc.rsplit("@", 1)[-1],
                    "User-Agent": USER_AGENT,
                    "Accept": "*/*",
                    "Connection": "close",
                },
            )
            response = conn.getresponse()
            return response.status, response.getheader("Location")
        finally:
            conn.close()  # never read the body

    def resolve_many(self, urls: Iterable[str]) -> dict[str, Resolution]:
        """Each distinct URL once: from the cache when it knows it, else asked in parallel."""
        todo = sorted(set(urls))
        done: dict[str, Resolution] = {}
        if self.cache is not None and todo:
            done.update({u: Resolution.from_dict(row) for u, row in self.cache.get_many(todo).items()})
        ask = [u for u in todo if u not in done]
        if ask:
            with ThreadPoolExecutor(max_workers=min(self.workers, len(ask))) as pool:
                fresh = dict(zip(ask, pool.map(self.resolve, ask), strict=True))
            if self.cache is not None:
                self.cache.put_many(r.to_dict() for r in fresh.values())
            done.update(fresh)
        return done


def resolve_records(records: Iterable, resolver: Resolver, catalogue, chunk: int = 500) -> Iterator:
    """Records with their short links resolved into `metadata["resolved_links"]` (link text ->
    resolution), a chunk at a time so a long input streams. Other records pass untouched."""
    for part in chunked(records, chunk):
        wanted = {}
        for i, record in enumerate(part):
            if isinstance(record, Post) and isinstance(record.caption, str):
                found = [link.text for link in short_links(record.caption, catalogue)]
                if found:
                    wanted[i] = found
        results = resolver.resolve_many(u for found in wanted.values() for u in found)
        for i, found in wanted.items():
            post = part[i]
            metadata = dict(post.metadata or {})
            metadata["resolved_links"] = {u: results[u].to_dict() for u in found}
            part[i] = replace(post, metadata=metadata)
        yield from part


def resolving(records: Iterable, state_path: str | None = None) -> tuple[Iterator, Callable[[], object]]:
    """`records` with short links resolved, and a closer for the cache (call it when done)."""
    cache = LinkCache(state_path) if state_path else None
    resolver = Resolver(cache=cache)
    return resolve_records(records, resolver, load_catalogue()), (cache.close if cache else (lambda: None))
