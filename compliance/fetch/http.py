"""A small HTTP client for the platform APIs: timeouts, bounded retries, backoff that honours
Retry-After, and no secret in any message.

Keys and tokens travel in headers (never in the URL, so they stay out of proxy and server
logs), and every error message is passed through `redact` with the secrets this client was
given, in case a server echoes a key back. Retries cover 429 and 5xx and connection failures;
the sleep function is injectable so tests do not wait.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from compliance import __version__

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BODY = 32 * 1024 * 1024  # bytes of one API answer; more is not an API answer


class FetchError(Exception):
    """A request that failed for good; the message is safe to print (secrets redacted)."""

    def __init__(self, message: str, status: int | None = None, body: Any = None):
        super().__init__(message)
        self.status = status
        self.body = body  # the decoded JSON error body, when there was one


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return text


def retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    import email.utils

    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now())


@dataclass
class HttpClient:
    """GET/POST JSON against one base URL."""

    base_url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    timeout: float = 30.0
    retries: int = 4  # attempts after the first
    backoff: float = 1.0  # first wait; doubles each retry
    max_wait: float = 120.0  # no single wait is longer (a longer Retry-After is cut to this)
    sleep: Callable[[float], None] = time.sleep
    waits: list[float] = field(default_factory=list)  # every wait taken, for the caller's log

    def url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        url = self.base_url.rstrip("/") + "/" + path.lstrip("/")
        if params:
            url += ("&" if "?" in url else "?") + urlencode({k: v for k, v in params.items() if v is not None})
        return url

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self._json("GET", path, params, None)

    def post_json(self, path: str, params: Mapping[str, Any] | None, body: Any) -> Any:
        return self._json("POST", path, params, json.dumps(body).encode("utf-8"))

    def get_text(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        status, raw = self.request("GET", path, params, None)
        return raw.decode("utf-8", errors="replace")

    def _json(self, method: str, path: str, params, data: bytes | None) -> Any:
        status, raw = self.request(method, path, params, data)
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise FetchError(
                self._safe(f"{method} {_shown(path)}: the answer is not JSON ({len(raw)} bytes starting {raw[:40]!r})"),
                status,
            ) from None

    def request(self, method: str, path: str, params, data: bytes | None) -> tuple[int, bytes]:
        """(status, body) of a 2xx answer; retries 429/5xx/network errors, then raises FetchError."""
        import urllib.error  # here, not at the top: `compliance --help` need not load urllib.request
        import urllib.request

        url = self.url(path, params)
        headers = {"User-Agent": f"compliance/{__version__}", "Accept": "application/json", **self.headers}
        if data is not None:
            headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            wait: float | None = None
            try:
                req = urllib.request.Request(url, data=data, method=method, headers=headers)
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    return resp.status, _read(resp)
            except urllib.error.HTTPError as exc:
                body = _read(exc, limit=1024 * 1024)
                if exc.code not in RETRY_STATUSES or attempt >= self.retries:
                    raise self._http_error(method, path, exc.code, body, attempt) from None
                wait = retry_after(exc.headers.get("Retry-After") if exc.headers else None)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                if attempt >= self.retries:
                    reason = getattr(exc, "reason", exc)
                    raise FetchError(
                        self._safe(f"{method} {_shown(path)}: no answer after {attempt + 1} attempt(s): {reason}")
                    ) from None
            if wait is None:
                wait = self.backoff * (2**attempt)
            wait = min(wait, self.max_wait)
            self.waits.append(wait)
            self.sleep(wait)
            attempt += 1

    def _http_error(self, method: str, path: str, status: int, body: bytes, attempt: int) -> FetchError:
        decoded = None
        detail = ""
        try:
            decoded = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            detail = body[:200].decode("utf-8", errors="replace").strip()
        if decoded is not None:
            detail = _error_text(decoded)
        tries = f" after {attempt + 1} attempts" if attempt else ""
        message = f"{method} {_shown(path)}: HTTP {status}{tries}" + (f": {detail}" if detail else "")
        return FetchError(self._safe(message), status, decoded)

    def _safe(self, text: str) -> str:
        return redact(text, self.secrets)


def _read(resp, limit: int = MAX_BODY) -> bytes:
    data = resp.read(limit + 1)
    if len(data) > limit:
        raise FetchError(f"an answer larger than {limit:,} bytes was refused")
    return data


def _shown(path: str) -> str:
    """The path of a request as shown in messages: no query string (it may hold ids users deem private)."""
    return "/" + path.split("?")[0].lstrip("/")


def _error_text(body: Any) -> str:
    """The human part of the usual JSON error shapes (Google, Graph, TikTok)."""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            parts = [str(err.get(k)) for k in ("message", "code") if err.get(k) not in (None, "")]
            return " ".join(parts)[:300]
        if isinstance(err, str):
            return err[:300]
    return ""


def account_name(text: str, profile_url: str, valid: re.Pattern, platform: str, title: str) -> str:
    """A handle as people paste it ("@name", "name" or a profile URL) -> the bare account name.

    `profile_url`: a pattern whose group 1 is the name inside a profile link; `valid`: the
    platform's rule for names. Anything else is refused with a message naming the platform."""
    text = text.strip().lstrip("@")
    m = re.search(profile_url, text)
    if m:
        text = m.group(1)
    if not valid.match(text):
        raise FetchError(f"{platform}: {text!r} is not {title} username")
    return text
