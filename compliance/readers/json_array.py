"""A JSON file holding a list of posts in the JSONL field layout (`[{"id": ..., "caption": ...}]`).

What people get when they save a spreadsheet or an API response as "JSON" instead of JSONL.
Each element is checked exactly like a JSONL line; `index` says which element.
"""

from __future__ import annotations

from collections.abc import Iterator

from compliance.model import InputError
from compliance.readers.base import ReadOptions, Record
from compliance.readers.jsonstream import ElementError, JsonStream, JsonStreamError
from compliance.readers.post_fields import post_from_object
from compliance.readers.sources import Entry


def read(entry: Entry, options: ReadOptions) -> Iterator[Record]:
    index = 0
    with entry.open() as raw:
        stream = JsonStream(raw)
        try:
            stream.skip_bom()
            if stream.find_array([()]) is None:
                yield InputError(entry.source(), "expected a JSON list of posts")
                return
            for index, obj in stream.elements():
                source = entry.source(index=index)
                if isinstance(obj, ElementError):
                    yield InputError(source, obj.message)
                else:
                    yield post_from_object(obj, source, options.default_platform)
                index += 1
        except JsonStreamError as exc:
            yield InputError(entry.source(index=index), f"{exc}: the rest of this file cannot be read")
