"""Undo Meta's export encoding: UTF-8 bytes written out as one \\u00XX escape per byte.

Instagram's JSON says "f\\u00c3\\u00bcr" for "für", so a JSON parser yields "fÃ¼r". Each
string is repaired on its own with a latin-1 round trip, and only when that is safe: every
character fits in one byte (text with real characters above U+00FF was never mangled) and
the bytes decode as UTF-8 (correct "café" is b"caf\\xe9", which does not, so it stays).
"""

from __future__ import annotations

from typing import Any


def repair(text: str) -> str:
    if text.isascii():
        return text
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return text
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return text


def repair_all(value: Any) -> Any:
    """Repair every string value in a decoded JSON structure (keys are Meta's own ASCII)."""
    if isinstance(value, str):
        return repair(value)
    if isinstance(value, list):
        return [repair_all(v) for v in value]
    if isinstance(value, dict):
        return {k: repair_all(v) for k, v in value.items()}
    return value
