"""X (Twitter) archive: data/tweets.js (tweets-part1.js ...; older archives: tweet.js).

The files are JavaScript (`window.YTD.tweets.part0 = [...]`): we take the JSON after the
first `=` and never evaluate anything. `full_text` is HTML-escaped by X and is unescaped
here, so offsets in the report are offsets in the text the user wrote. The real targets of
t.co links (entities.urls[].expanded_url) go to metadata["expanded_urls"] as
{"url", "start", "end"}, where start/end locate the t.co link in the caption; a link whose
t.co text is not in the caption is left out (it cannot be pointed at).

Posts longer than 280 characters are truncated in tweets.js; their whole text is in
note-tweet.js beside it. A note replaces a tweet's text when the tweet (less its trailing
t.co link and ellipsis) is the start of the note and, where both carry a time, they were
created within two minutes of each other. The author is the username from account.js.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from compliance.model import InputError
from compliance.readers.base import ReadOptions, Record
from compliance.readers.jsonstream import ElementError, JsonStream, JsonStreamError
from compliance.readers.post_fields import platform_post
from compliance.readers.sources import Entry

_TCO = "://t.co/"
_NOTE_WINDOW = timedelta(minutes=2)
_MIN_UNTIMED_PREFIX = 50


def strip_trailing(text: str) -> str:
    """The text less the t.co links, `…` and `...` X appends when it truncates a post (with the
    spaces around them), as `(?:\\s*(?:https?://t\\.co/\\w+|…|\\.\\.\\.))+\\s*$` would remove.

    Walked back from the end in linear time: that regex backtracks polynomially (a tweet of
    4,000 t.co links took half a minute), and a hostile archive must not stall the scan.
    """
    end = len(text)
    stripped = False
    while True:
        i = end
        while i > 0 and text[i - 1].isspace():
            i -= 1
        if stripped:
            cut = i
        if text.endswith("\u2026", 0, i):
            end, stripped = i - 1, True
        elif text.endswith("...", 0, i):
            end, stripped = i - 3, True
        else:
            j = text.rfind(_TCO, 0, i)
            word = text[j + len(_TCO) : i] if j >= 0 else ""
            if j < 4 or not word or not all(ch.isalnum() or ch == "_" for ch in word):
                break
            if text.endswith("https", 0, j):
                end, stripped = j - 5, True
            elif text.endswith("http", 0, j):
                end, stripped = j - 4, True
            else:
                break
    return text[:cut] if stripped else text


def _array(entry: Entry) -> Iterator[tuple[int, object]]:
    """Elements of a `window.YTD.x.partN = [...]` file."""
    with entry.open() as raw:
        stream = JsonStream(raw)
        stream.skip_bom()
        stream.skip_until("=")
        if stream.find_array([()]) is None:
            raise stream.fail("expected '[' after '='")
        yield from stream.elements()


def _small_array(entry: Entry | None, options: ReadOptions) -> list:
    """A helper file's elements; a broken helper costs a note, never the posts."""
    if entry is None:
        return []
    try:
        return [obj for _, obj in _array(entry) if isinstance(obj, dict)]
    except (JsonStreamError, OSError, EOFError, ValueError) as exc:
        options.note(f"{entry.source().where()}: ignored ({exc})")
        return []


def _time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    for fmt in ("%a %b %d %H:%M:%S %z %Y", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(value.replace("Z", "+0000"), fmt).astimezone(UTC)
        except ValueError:
            continue
    return None


def _place(text: str, candidates, cursor: int) -> tuple[int, int] | None:
    """Where the first of `candidates` occurs, preferring occurrences at or after cursor."""
    for needle in candidates:
        if not isinstance(needle, str) or not needle:
            continue
        at = text.find(needle, cursor)
        if at < 0:
            at = text.find(needle)
        if at >= 0:
            return at, at + len(needle)
    return None


def expanded_urls(text: str, urls, short_keys, long_keys) -> list[dict]:
    out, cursor = [], 0
    for item in urls if isinstance(urls, list) else []:
        if not isinstance(item, dict):
            continue
        expanded = next((item[k] for k in long_keys if isinstance(item.get(k), str)), None)
        where = _place(text, [item.get(k) for k in short_keys] + [expanded], cursor)
        if expanded and where:
            out.append({"url": expanded, "start": where[0], "end": where[1]})
            cursor = where[1]
    return out


class _Note:
    def __init__(self, core: dict, created: datetime | None, note_id) -> None:
        self.text = _text if isinstance(_text := core.get("text"), str) else ""
        self.urls = core.get("urls")
        self.created = created
        self.id = note_id
        self.forms = tuple(dict.fromkeys((self.text, html.unescape(self.text))))  # unescaped once

    def matches(self, prefix: str, created: datetime | None) -> str | None:
        """The note's text if it is the whole of a tweet that starts with `prefix`."""
        if created and self.created:
            if abs(created - self.created) > _NOTE_WINDOW:
                return None
        elif len(prefix) < _MIN_UNTIMED_PREFIX:
            return None
        for text in self.forms:
            if text.startswith(prefix):
                return text
        return None


class _NoteIndex:
    """The notes by the first _MIN_UNTIMED_PREFIX characters of their text and by the minute they were
    created, so a tweet looks only at the notes it could match (2,000 of each was 122 s when every
    tweet tried every note). The first note in file order that matches still wins."""

    def __init__(self, notes: list[_Note]) -> None:
        self.by_text: dict[str, list[int]] = {}
        self.by_minute: dict[int, list[int]] = {}
        for i, note in enumerate(notes):
            for key in {form[:_MIN_UNTIMED_PREFIX] for form in note.forms}:
                self.by_text.setdefault(key, []).append(i)
            if note.created is not None:
                self.by_minute.setdefault(_minute(note.created), []).append(i)
        self.notes = notes

    def candidates(self, prefix: str, created: datetime | None) -> Iterator[_Note]:
        """Every note that can match `prefix` (a superset), in file order."""
        if len(prefix) >= _MIN_UNTIMED_PREFIX:
            found = self.by_text.get(prefix[:_MIN_UNTIMED_PREFIX], [])
        elif created is not None:  # a short prefix matches only a note created within the window
            minute = _minute(created)
            found = sorted(i for m in range(minute - 3, minute + 4) for i in self.by_minute.get(m, ()))
        else:
            found = []
        return (self.notes[i] for i in found)


def _minute(when: datetime) -> int:
    return int(when.timestamp() // 60)


def _notes(entry: Entry, options: ReadOptions) -> list[_Note]:
    files = [entry.sibling("note-tweet.js")]
    files += [entry.sibling(f"note-tweet-part{n}.js") for n in range(1, 100)]
    notes = []
    for item in (obj for f in files if f is not None for obj in _small_array(f, options)):
        body = item.get("noteTweet", item)
        core = body.get("core") if isinstance(body, dict) else None
        if isinstance(core, dict):
            notes.append(_Note(core, _time(body.get("createdAt")), body.get("noteTweetId")))
    return notes


def _username(entry: Entry, options: ReadOptions) -> str | None:
    for item in _small_array(entry.sibling("account.js"), options):
        account = item.get("account", item)
        if isinstance(account, dict) and isinstance(account.get("username"), str):
            return account["username"]
    return None


def read(entry: Entry, options: ReadOptions) -> Iterator[Record]:
    notes = _NoteIndex(_notes(entry, options))
    author = _username(entry, options)
    index = 0
    try:
        for index, obj in _array(entry):
            yield _post(obj, entry, index, notes, author)
            index += 1
    except JsonStreamError as exc:
        yield InputError(entry.source(index=index), f"{exc}: the rest of this file cannot be read", platform="x")


def _post(obj, entry: Entry, index: int, notes: _NoteIndex, author: str | None) -> Record:
    source = entry.source(index=index)
    if isinstance(obj, ElementError):
        return InputError(source, obj.message, platform="x")
    tweet = obj.get("tweet", obj) if isinstance(obj, dict) else None
    if not isinstance(tweet, dict):
        return InputError(source, "expected a tweet object", platform="x")
    pid = tweet.get("id_str") or tweet.get("id")
    raw = tweet.get("full_text", tweet.get("text"))
    if not isinstance(raw, str):
        return InputError(source, "tweet has no full_text", id=str(pid) if pid else None, platform="x")
    text = html.unescape(raw)
    created = _time(tweet.get("created_at"))
    entities = _entities if isinstance(_entities := tweet.get("entities"), dict) else {}
    urls = expanded_urls(text, entities.get("urls"), ("url",), ("expanded_url",))
    metadata: dict = {}
    prefix = strip_trailing(text)
    if prefix:
        for note in notes.candidates(prefix, created):
            whole = note.matches(prefix, created)
            if whole is not None and whole != text:
                text, metadata["note_tweet_id"] = whole, note.id
                urls = expanded_urls(
                    whole, note.urls, ("shortUrl", "url"), ("expandedUrl", "expanded_url", "displayUrl")
                )
                break
    if urls:
        metadata["expanded_urls"] = urls
    if text.startswith("RT @"):
        metadata["retweet"] = True
    posted = created.strftime("%Y-%m-%dT%H:%M:%SZ") if created else None
    return platform_post(source, id=pid, caption=text, platform="x", posted_at=posted, author=author, metadata=metadata)
