"""`compliance fetch CREATOR...`: the command, credentials, base URLs and the run.

Credentials come from the environment (YOUTUBE_API_KEY, INSTAGRAM_ACCESS_TOKEN,
INSTAGRAM_USER_ID, TIKTOK_ACCESS_TOKEN) or a TOML file outside any git work tree
(`--config`, $COMPLIANCE_FETCH_CONFIG, or ~/.config/compliance/fetch.toml); they are sent in
headers and never printed, logged or stored. Exit 0: every creator fetched; 1: some creator
failed (quota spent, no access, bad answer) and the rest was written; 2: a usage problem.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from compliance.fetch import CreatorResult, NoAccess, QuotaExhausted, fetch_creator
from compliance.fetch.http import FetchError, HttpClient, redact

PLATFORM_ALIASES = {
    "youtube": "youtube",
    "yt": "youtube",
    "instagram": "instagram",
    "ig": "instagram",
    "tiktok": "tiktok",
    "tt": "tiktok",
}
ENV_KEYS = {
    "youtube_api_key": "YOUTUBE_API_KEY",
    "instagram_access_token": "INSTAGRAM_ACCESS_TOKEN",
    "instagram_user_id": "INSTAGRAM_USER_ID",
    "tiktok_access_token": "TIKTOK_ACCESS_TOKEN",
}
BASE_ENV = {
    "youtube": "YOUTUBE_API_BASE",
    "youtube_feed": "YOUTUBE_FEED_BASE",
    "instagram": "INSTAGRAM_API_BASE",
    "tiktok": "TIKTOK_API_BASE",
}


class FetchUsage(click.ClickException):
    exit_code = 2


@dataclass(frozen=True)
class Creator:
    platform: str
    name: str


def parse_creator(text: str, default_platform: str | None) -> Creator:
    """`youtube:@handle`, `ig:name`, a profile URL, or a bare name with --platform."""
    text = text.strip()
    lowered = text.lower()
    for host, platform in (("youtube.com", "youtube"), ("instagram.com", "instagram"), ("tiktok.com", "tiktok")):
        if host in lowered:
            return Creator(platform, text)
    m = re.match(r"^([a-z]+):(?!//)(.+)$", text)
    if m and m.group(1).lower() in PLATFORM_ALIASES:
        return Creator(PLATFORM_ALIASES[m.group(1).lower()], m.group(2).strip())
    if default_platform:
        return Creator(default_platform, text)
    raise FetchUsage(f"{text!r}: say which platform (youtube:@handle, instagram:name, tiktok:name) or use --platform")


def config_path(given: str | None) -> Path | None:
    if given:
        return Path(given)
    if os.environ.get("COMPLIANCE_FETCH_CONFIG"):
        return Path(os.environ["COMPLIANCE_FETCH_CONFIG"])
    home = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    path = Path(home) / "compliance" / "fetch.toml"
    return path if path.is_file() else None


def inside_git_tree(path: Path) -> Path | None:
    for parent in path.resolve().parents:
        if (parent / ".git").exists():
            return parent
    return None


def load_credentials(given_config: str | None) -> dict[str, str]:
    """Environment first, then the config file; a config file inside a git work tree is refused."""
    creds: dict[str, str] = {}
    path = config_path(given_config)
    if path is not None:
        repo = inside_git_tree(path)
        if repo is not None:
            raise FetchUsage(
                f"--config {path}: the file is inside the git work tree {repo}; keep keys and tokens "
                "outside any repository (e.g. ~/.config/compliance/fetch.toml)"
            )
        import tomllib

        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise FetchUsage(f"--config {path}: cannot read: {exc.strerror or exc}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            raise FetchUsage(f"--config {path}: not a valid UTF-8 TOML file") from None  # no content echoed
        for section, key in (
            ("youtube", "api_key"),
            ("instagram", "access_token"),
            ("instagram", "user_id"),
            ("tiktok", "access_token"),
        ):
            value = (data.get(section) or {}).get(key) if isinstance(data.get(section), dict) else None
            if value is not None:
                creds[f"{section}_{key}"] = str(value)
    for name, env in ENV_KEYS.items():
        if os.environ.get(env):
            creds[name] = os.environ[env]
    return creds


def base_url(platform: str, given: str | None, default: str) -> str:
    return given or os.environ.get(BASE_ENV[platform]) or default


def make_source(
    creator: Creator, creds: dict[str, str], api_base: str | None, use_feed: bool, client: Callable[..., HttpClient]
):
    """The platform Source for one creator, or FetchError saying what is missing."""
    secrets = tuple(v for v in creds.values() if v)
    if creator.platform == "youtube":
        from compliance.fetch import youtube

        channel = youtube.channel_spec(creator.name)
        key = creds.get("youtube_api_key")
        if use_feed or not key:
            if not youtube.CHANNEL_ID.match(channel):
                raise NoAccess(
                    f"youtube:{channel}: no YOUTUBE_API_KEY, and the public feed needs a channel id "
                    "(UC...), not a handle"
                )
            http = client(base_url("youtube_feed", api_base, youtube.FEED_BASE), {}, secrets)
            return youtube.YouTubeFeed(channel, http), (
                None
                if use_feed
                else "no YOUTUBE_API_KEY: using the public feed (latest videos only, no paid-promotion flag)"
            )
        http = client(base_url("youtube", api_base, youtube.API_BASE), {"X-Goog-Api-Key": key}, secrets)
        return youtube.YouTubeAPI(channel, http), None
    if creator.platform == "instagram":
        from compliance.fetch import instagram

        account = instagram.username(creator.name)
        token, user_id = creds.get("instagram_access_token"), creds.get("instagram_user_id")
        if not token or not user_id:
            raise NoAccess(
                "instagram: set INSTAGRAM_ACCESS_TOKEN and INSTAGRAM_USER_ID (your own professional "
                "account's id); business discovery reads public business and creator accounts only"
            )
        http = client(
            base_url("instagram", api_base, instagram.API_BASE), {"Authorization": f"Bearer {token}"}, secrets
        )
        return instagram.InstagramDiscovery(account, user_id, http), None
    if creator.platform == "tiktok":
        from compliance.fetch import tiktok

        account = tiktok.username(creator.name)
        token = tiktok.require_token(creds.get("tiktok_access_token"))
        http = client(base_url("tiktok", api_base, tiktok.API_BASE), {"Authorization": f"Bearer {token}"}, secrets)
        return tiktok.TikTokResearch(account, http), None
    raise FetchUsage(f"unknown platform {creator.platform!r}")


def read_creators_file(path: str) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FetchUsage(f"--creators {path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def run_fetch(
    creators: list[Creator],
    creds: dict[str, str],
    output: str,
    state_path: str | None,
    since: str | None,
    api_base: str | None,
    use_feed: bool,
    max_pages: int | None,
    timeout: float,
    retries: int,
    sleep: Callable[[float], None] = time.sleep,
    echo: Callable[[str], None] | None = None,
) -> int:
    from compliance.fetch.state import FetchState, FetchStateError, write_jsonl

    echo = echo or (lambda msg: click.echo(msg, err=True))
    secrets = tuple(v for v in creds.values() if v)

    def say(msg: str) -> None:
        echo(redact(msg, secrets))

    def client(base: str, headers: dict[str, str], secrets_: tuple[str, ...]) -> HttpClient:
        return HttpClient(base, headers=headers, secrets=secrets_, timeout=timeout, retries=retries, sleep=sleep)

    try:
        state = FetchState(state_path)
    except FetchStateError as exc:
        raise FetchUsage(str(exc)) from None
    failed = 0
    spent: set[str] = set()
    keys: list[str] = []
    try:
        for creator in creators:
            label = f"{creator.platform}:{creator.name}"
            if creator.platform in spent:
                say(f"compliance fetch: {label}: skipped, the {creator.platform} quota is spent")
                failed += 1
                continue
            try:
                source, note = make_source(creator, creds, api_base, use_feed, client)
                keys.append(source.key)
                if note:
                    say(f"compliance fetch: {label}: {note}")
                result = fetch_creator(source, state, since, max_pages)
            except QuotaExhausted as exc:
                spent.add(creator.platform)
                failed += 1
                say(f"compliance fetch: {label}: {exc}")
                continue
            except FetchError as exc:  # NoAccess and bad answers: this creator only
                failed += 1
                say(f"compliance fetch: {label}: {exc}")
                continue
            except (KeyError, TypeError, ValueError, AttributeError) as exc:  # an answer shaped unlike the docs
                failed += 1
                say(
                    f"compliance fetch: {label}: the platform's answer has an unexpected shape "
                    f"({type(exc).__name__}); pages already stored are kept"
                )
                continue
            _report(result, say)
        records = state.records(keys) if state_path else state.records()
        try:
            count = write_jsonl(output, records)
        except OSError as exc:
            raise FetchUsage(f"-o {output}: cannot write: {exc.strerror or exc}") from None
        if output != "-":
            say(f"compliance fetch: {count} posts in {output}")
    except KeyboardInterrupt:
        kept = "; the state file keeps every page done: run again to resume" if state_path else ""
        say(f"compliance fetch: interrupted{kept}")
        return 130
    finally:
        state.close()
    return 1 if failed else 0


def _report(result: CreatorResult, say: Callable[[str], None]) -> None:
    for warning in result.warnings:
        say(f"compliance fetch: warning: {warning}")
    how = " (resumed)" if result.resumed else ""
    say(f"compliance fetch: {result.key}: {result.stored} posts from {result.pages} page(s){how}")


@click.command("fetch")
@click.argument("creators", nargs=-1, metavar="CREATOR...")
@click.option("--creators", "creators_file", metavar="FILE", help="One creator per line (# comments).")
@click.option(
    "--platform",
    type=click.Choice(sorted(set(PLATFORM_ALIASES.values()))),
    help="Platform for creators given without one.",
)
@click.option(
    "-o",
    "--output",
    default="-",
    show_default=True,
    metavar="FILE.jsonl",
    help="Write all fetched posts here as JSONL (rewritten atomically each run).",
)
@click.option(
    "--state",
    "state_path",
    metavar="FILE.sqlite",
    help="Remember fetched posts: the next run fetches only newer ones and resumes a stopped run.",
)
@click.option(
    "--since",
    metavar="YYYY-MM-DD",
    help="Posts published on or after this date, fetched again "
    "even if known (catches edited captions); default with --state: only posts newer than the last run's.",
)
@click.option(
    "--youtube-feed",
    "use_feed",
    is_flag=True,
    help="YouTube without a key: the public channel feed (latest videos only, no paid flag).",
)
@click.option(
    "--max-pages",
    type=click.IntRange(min=1),
    metavar="N",
    help="At most N API pages per creator this run (the state continues next run).",
)
@click.option(
    "--api-base",
    metavar="URL",
    help="Base URL of the platform API (tests, proxies); "
    "or YOUTUBE_API_BASE, YOUTUBE_FEED_BASE, INSTAGRAM_API_BASE, TIKTOK_API_BASE.",
)
@click.option("--config", "config", metavar="FILE", help="TOML file with keys, outside any repository.")
@click.option("--timeout", type=click.FloatRange(min=1), default=30, show_default=True, help="Seconds per request.")
@click.option(
    "--retries",
    type=click.IntRange(min=0, max=10),
    default=4,
    show_default=True,
    help="Retries on 429, 5xx and network errors (with backoff, honouring Retry-After).",
)
def fetch(
    creators,
    creators_file,
    platform,
    output,
    state_path,
    since,
    use_feed,
    max_pages,
    api_base,
    config,
    timeout,
    retries,
):
    """Download creators' posts (YouTube, Instagram, TikTok) into JSONL for `compliance scan`.

    CREATOR is youtube:@handle or youtube:UC..., instagram:name, tiktok:name, or a profile URL.
    Exit 0 all fetched, 1 some creator failed (quota, access, bad answer; the rest is written),
    2 usage problem."""
    names = list(creators) + (read_creators_file(creators_file) if creators_file else [])
    if not names:
        raise FetchUsage("name at least one creator (or --creators FILE)")
    if since is not None and not re.fullmatch(r"\d{4}-\d\d-\d\d", since):
        raise FetchUsage(f"--since {since}: use YYYY-MM-DD")
    parsed = [parse_creator(name, platform) for name in names]
    creds = load_credentials(config)
    sys.exit(run_fetch(parsed, creds, output, state_path, since, api_base, use_feed, max_pages, timeout, retries))
