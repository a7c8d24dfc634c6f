"""The affiliate catalogue: which programme a link belongs to, and which hosts are shorteners.

The catalogue is data (`rules/catalogues/affiliates.toml`), read once per process and parsed,
never executed. A programme matches a URL by host (exact, or any subdomain of it), then by an
optional path prefix and an optional query parameter that carries the affiliate id. Matching
is plain string work over the parsed URL: linear in its length, no regular expressions.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import regex

from compliance.paths import data_dir

CUE_TIMEOUT = 0.5
MAX_URL = 4096  # longer "links" are not links anyone clicks; judged on their first 4 KB


class CatalogueError(Exception):
    """The catalogue file is malformed: names the file and the entry."""


@dataclass(frozen=True)
class Programme:
    name: str
    hosts: tuple[str, ...]
    paths: tuple[str, ...] = ()  # path prefixes (lowercase); empty: any path
    params: tuple[str, ...] = ()  # query parameters carrying the id (lowercase); empty: none needed
    source: str = ""
    url: str = ""

    def matches(self, path: str, params: frozenset[str]) -> bool:
        if self.paths and not path.startswith(self.paths):
            return False
        return not self.params or not params.isdisjoint(self.params)


@dataclass(frozen=True)
class Shortener:
    name: str
    hosts: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Match:
    """A link the catalogue recognises."""

    programme: str
    host: str
    param: str | None = None  # the affiliate parameter that was present, if the entry names any

    @property
    def value(self) -> str:
        """The signal value, in the style of base.toml's matches: `host` or `host?param=`."""
        host = self.host.removeprefix("www.")
        return f"{host}?{self.param}=" if self.param else host


class Catalogue:
    """Programmes and shorteners indexed by host for constant-time lookup per host suffix."""

    def __init__(self, programmes: list[Programme], shorteners: list[Shortener], cues: list[str], cue_window: int = 80):
        self.programmes = tuple(programmes)
        self.shorteners = tuple(shorteners)
        self.cues = tuple(cues)
        self.cue_window = cue_window
        self._by_host: dict[str, list[Programme]] = {}
        for p in programmes:
            for h in p.hosts:
                self._by_host.setdefault(h, []).append(p)
        self._any_host = self._by_host.pop("*", [])  # programmes known by a parameter on any host
        self._short: dict[str, Shortener] = {h: s for s in shorteners for h in s.hosts}

    def classify(self, url: str) -> Match | None:
        """The programme a URL belongs to, judged by its host, path and parameters, or None."""
        parts = _split(url)
        if parts is None:
            return None
        host, path, query = parts
        candidates = [p for suffix in _suffixes(host) for p in self._by_host.get(suffix, ())]
        candidates += self._any_host
        if not candidates or (not query and len(candidates) == len(self._any_host)):
            return None
        params = frozenset(k.lower() for k, _ in parse_qsl(query, keep_blank_values=True))
        for p in candidates:
            if p.matches(path, params):
                hit = sorted(params.intersection(p.params))
                return Match(p.name, host, hit[0] if hit else None)
        return None

    def shortener(self, url: str) -> Shortener | None:
        parts = _split(url)
        if parts is None:
            return None
        for suffix in _suffixes(parts[0]):
            if suffix in self._short:
                return self._short[suffix]
        return None


_MEMO_URL = 1024  # URLs up to this long are remembered (4,096 of them: a few megabytes at most)


def _split(url: str) -> tuple[str, str, str] | None:
    """(host, lowercase path, query) of a URL written with or without a scheme. Remembered per URL:
    `classify` and `shortener` both ask about each link of a caption (a pure function of it)."""
    return _split_memo(url) if len(url) <= _MEMO_URL else _split_url(url)


@lru_cache(maxsize=4096)
def _split_memo(url: str) -> tuple[str, str, str] | None:
    return _split_url(url)


def _split_url(url: str) -> tuple[str, str, str] | None:
    url = url[:MAX_URL]
    try:
        parts = urlsplit(url if "://" in url[:12] else "http://" + url)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    if not host:
        return None
    return host, (parts.path or "/").lower(), parts.query


def _suffixes(host: str) -> list[str]:
    """`go.x.example.com` -> itself, `x.example.com`, `example.com`, `com` (hosts are short)."""
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


def catalogue_path() -> Path:
    return data_dir("rules") / "catalogues" / "affiliates.toml"


@lru_cache(maxsize=4)
def load_catalogue(path: str | None = None) -> Catalogue:
    """Read and check the catalogue once per process (per path)."""
    file = Path(path) if path else catalogue_path()
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{file}: cannot read the affiliate catalogue: {exc}") from None
    return parse_catalogue(data, str(file))


def parse_catalogue(data: dict, where: str = "catalogue") -> Catalogue:
    programmes = []
    for i, raw in enumerate(data.get("programmes", [])):
        ctx = f"{where}: [[programmes]] entry {i + 1}"
        if not isinstance(raw, dict):
            raise CatalogueError(f"{ctx} is not a table")
        unknown = set(raw) - {"name", "hosts", "paths", "params", "citation", "note"}
        if unknown:
            raise CatalogueError(f"{ctx}: unknown keys {sorted(unknown)}")
        name = raw.get("name")
        citation = raw.get("citation") or {}
        if not isinstance(name, str) or not name:
            raise CatalogueError(f"{ctx}: needs a name")
        if not isinstance(citation, dict) or not citation.get("source") or not citation.get("url"):
            raise CatalogueError(f"{ctx} ({name}): needs citation = {{ source = ..., url = ... }}")
        hosts = _strings(raw, "hosts", ctx, required=True)
        if "*" in hosts and not raw.get("params"):
            raise CatalogueError(f'{ctx} ({name}): hosts = ["*"] needs params to tell its links apart')
        programmes.append(
            Programme(
                name=name,
                hosts=hosts,
                paths=_strings(raw, "paths", ctx),
                params=_strings(raw, "params", ctx),
                source=str(citation["source"]),
                url=str(citation["url"]),
            )
        )
    shorteners = []
    for i, raw in enumerate(data.get("shorteners", [])):
        ctx = f"{where}: [[shorteners]] entry {i + 1}"
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise CatalogueError(f"{ctx}: needs a name")
        shorteners.append(Shortener(raw["name"], _strings(raw, "hosts", ctx, required=True), str(raw.get("note", ""))))
    cues_table = data.get("short_links", {})
    cues = [c.lower() for c in _strings(cues_table, "shopping_cues", f"{where}: [short_links]")]
    window = cues_table.get("cue_window", 80)
    if not isinstance(window, int) or not 0 < window <= 500:
        raise CatalogueError(f"{where}: [short_links] cue_window must be a whole number from 1 to 500")
    return Catalogue(programmes, shorteners, cues, window)


def _strings(table: dict, key: str, ctx: str, required: bool = False) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise CatalogueError(f"{ctx}: {key} must be a list of non-empty strings")
    if required and not value:
        raise CatalogueError(f"{ctx}: {key} must name at least one")
    return tuple(v.lower() for v in value)


class CueFinder:
    """Shopping words ("get it here", "shop", "buy") within a few characters of a link."""

    def __init__(self, cues: tuple[str, ...], window: int):
        self.window = window
        words = sorted({c for c in cues if c}, key=len, reverse=True)
        alternation = "|".join(regex.escape(w).replace(r"\ ", r"\s+") for w in words)
        # Literal alternatives between word boundaries: linear in the window's length.
        self.pattern = regex.compile(rf"(?<!\w)(?:{alternation})(?!\w)", regex.IGNORECASE) if words else None

    def near(self, text: str, start: int, end: int) -> str | None:
        """The first cue in the window around text[start:end], or None."""
        if self.pattern is None:
            return None
        lo, hi = max(0, start - self.window), min(len(text), end + self.window)
        for part in (text[lo:start], text[end:hi]):
            m = self.pattern.search(part, timeout=CUE_TIMEOUT)
            if m:
                return m.group().lower()
        return None
