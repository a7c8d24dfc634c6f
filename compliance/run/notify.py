"""`scan --state --notify URL`: tell someone what is new after a scheduled scan.

The summary names the posts judged new or changed in this run that have a violation or need
review (counts, the worst ten, a link to each post when its input gave one as `url`, as
`compliance fetch` does), the violations resolved since the last complete run, and the input
errors. It is sent only when there is something to say.

http(s) URLs get the summary as a JSON POST (with a `text` field, which Slack-style incoming
webhooks show); any other scheme (slack://, mailto://, msteams://, json:// ...) goes through
Apprise (`pip install 'compliance[notify]'`). Notifying happens after the report and the state
are written, so a failure loses nothing: it is printed as a warning on stderr and the exit
code stays the scan's own (0 or 1). Webhook URLs often hold tokens, so messages show only the
scheme and host.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from compliance import __version__
from compliance.model import Post
from compliance.reporters.streaming import full_post

WORST = 10
STATUS_ORDER = ("violation", "review")


class NotifyProblem(Exception):
    pass


def shown_url(url: str) -> str:
    """scheme://host/… : enough to recognise a target, not its token."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return f"{parts.scheme}://{host}/…" if host else f"{parts.scheme}://…"


def check_urls(urls: Iterable[str]) -> None:
    """Refuse unusable targets before the scan starts, not after it."""
    for url in urls:
        scheme = urlsplit(url).scheme.lower()
        if not scheme:
            raise NotifyProblem(f"--notify {shown_url(url)}: not a URL (https://..., slack://..., mailto://...)")
        if scheme in ("http", "https"):
            if not urlsplit(url).hostname:
                raise NotifyProblem(f"--notify {shown_url(url)}: no host")
            continue
        try:
            import apprise  # noqa: F401
        except ImportError:
            raise NotifyProblem(
                f"--notify {scheme}://…: this scheme needs Apprise: pip install 'compliance[notify]'"
            ) from None


def _safe_link(value: Any) -> str | None:
    if isinstance(value, str) and urlsplit(value).scheme in ("http", "https") and len(value) < 2048:
        return value
    return None


@dataclass
class Watcher:
    """Watches the scan stream and remembers what the notification needs (bounded memory)."""

    urls: dict[str, str] = field(default_factory=dict)
    flagged: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"new_posts": 0, "violation": 0, "review": 0, "errors": 0})

    def records(self, records: Iterable) -> Iterator:
        """Pass records through, noting each post's link (from the input's `url` field)."""

        for record in records:
            if isinstance(record, Post) and record.id:
                link = _safe_link(record.metadata.get("url"))
                if link:
                    self.urls[record.id] = link
            yield record

    def stream(self, stream: Iterable[tuple[dict, bool]]) -> Iterator[tuple[dict, bool]]:
        for post, fresh in stream:
            self.observe(post, fresh)
            yield post, fresh

    def observe(self, post: dict, fresh: bool) -> None:
        link = self.urls.pop(pid, None) if (pid := post.get("id")) is not None else None
        if post.get("error"):
            self.counts["errors"] += 1
            return
        if not fresh:
            return
        self.counts["new_posts"] += 1
        verdicts = post.get("verdicts") or {}
        worst = next((s for s in STATUS_ORDER if any(v.get("status") == s for v in verdicts.values())), None)
        if worst is None:
            return
        self.counts[worst] += 1

        full = full_post(post)
        rules = sorted(
            {
                f.get("rule")
                for v in (full.get("verdicts") or {}).values()
                for f in v.get("findings") or []
                if f.get("severity") == "error" or worst == "review"
            }
        )
        self.flagged.append(
            {
                "id": full.get("id"),
                "author": full.get("author"),
                "platform": full.get("platform"),
                "url": link,
                "status": worst,
                "rules": [r for r in rules if r],
                "jurisdictions": sorted(j for j, v in verdicts.items() if v.get("status") == worst),
            }
        )
        if len(self.flagged) > 20 * WORST:
            self.flagged = self.worst()

    def worst(self) -> list[dict[str, Any]]:
        return sorted(
            self.flagged, key=lambda p: (STATUS_ORDER.index(p["status"]), -len(p["jurisdictions"]), str(p["id"]))
        )[:WORST]

    def summary(self, resolved: list[dict[str, Any]], inputs: list[str]) -> dict[str, Any]:
        c = self.counts
        title = (
            f"compliance: {c['violation']} new post(s) with a violation, {c['review']} to review, "
            f"{len(resolved)} violation(s) resolved"
        )
        lines = [title]
        for p in self.worst():
            who = f" by {p['author']}" if p.get("author") else ""
            where = f" {p['url']}" if p.get("url") else ""
            lines.append(
                f"- {p['status']}: post {p['id']}{who} ({', '.join(p['jurisdictions'])}: "
                f"{', '.join(p['rules']) or 'see report'}){where}"
            )
        for r in resolved[:WORST]:
            lines.append(
                f"- resolved ({r.get('reason')}): post {r.get('id')} ({', '.join(r.get('jurisdictions', []))})"
            )
        if c["errors"]:
            lines.append(f"- {c['errors']} input error(s): see the report")
        return {
            "tool": {"name": "compliance", "version": __version__},
            "title": title,
            "text": "\n".join(lines),
            "inputs": list(inputs),
            "counts": {
                "new_posts": c["new_posts"],
                "new_violations": c["violation"],
                "new_review": c["review"],
                "resolved": len(resolved),
                "input_errors": c["errors"],
            },
            "worst": self.worst(),
            "resolved": resolved[:WORST],
        }


def worth_sending(summary: dict[str, Any]) -> bool:
    c = summary["counts"]
    return bool(c["new_violations"] or c["new_review"] or c["resolved"] or c["input_errors"])


def post_json(url: str, payload: dict[str, Any], timeout: float = 15.0) -> None:
    import urllib.error
    import urllib.request

    data = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    req = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": f"compliance/{__version__}"},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read(65536)
    except urllib.error.HTTPError as exc:
        raise NotifyProblem(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise NotifyProblem(f"no answer ({getattr(exc, 'reason', exc)})") from None


def send_apprise(url: str, payload: dict[str, Any]) -> None:
    try:
        import apprise
    except ImportError:
        raise NotifyProblem("this scheme needs Apprise: pip install 'compliance[notify]'") from None
    sender = apprise.Apprise()
    if not sender.add(url):
        raise NotifyProblem("Apprise does not understand this URL")
    body = payload["text"].split("\n", 1)[1] if "\n" in payload["text"] else payload["text"]
    if not sender.notify(title=payload["title"], body=body or payload["title"]):
        raise NotifyProblem("Apprise could not deliver the notification")


def send_all(urls: Iterable[str], summary: dict[str, Any], warn: Callable[[str], None]) -> int:
    """Send to every URL; a failure is a warning, never an exception. Returns the failures."""
    if not worth_sending(summary):
        return 0
    failures = 0
    for url in urls:
        try:
            if urlsplit(url).scheme.lower() in ("http", "https"):
                post_json(url, summary)
            else:
                send_apprise(url, summary)
        except Exception as exc:  # noqa: BLE001 (a notification must never cost the scan's results)
            failures += 1
            text = str(exc).replace(url, shown_url(url))
            warn(
                f"compliance: warning: notification to {shown_url(url)} failed: {text}; the report and the "
                "state are written; the exit code is the scan's own"
            )
    return failures
