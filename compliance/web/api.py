"""`POST /api/check` on `compliance serve`: one caption in, the scan contract's post record out.

Body: `{"caption": "...", "jurisdictions": ["us", ...], "brands": [...], "platform": "instagram"}`;
only `caption` is required (jurisdictions default to the CLI's us, uk, de, fr). The answer is
exactly what `compliance check --format json` prints for that caption. Bad input gets a 4xx with
`{"error": {"status": ..., "message": ...}}`; the body cap is the page's (64 KB). Only
`application/json` is accepted: a browser cannot send that cross-site without a CORS preflight,
which this server never grants, so other web pages cannot use a person's local server.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from compliance.model import PLATFORMS, Post, Source
from compliance.web.engine import Engine
from compliance.web.guard import judging_turn, memory_zone
from compliance.web.http import DRAIN_LIMIT, MAX_BODY, MAX_BRAND_CHARS, MAX_BRANDS, BadRequest, drain

FIELDS = ("caption", "jurisdictions", "brands", "platform")
JSON_HEADERS = [("Content-Type", "application/json; charset=utf-8")]


def _answer(status: int, data: Any, extra: list[tuple[str, str]] | None = None):
    body = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return status, JSON_HEADERS + (extra or []), body


def _problem(status: int, message: str, extra=None):
    return _answer(status, {"error": {"status": status, "message": message}}, extra)


def read_json(environ: dict) -> Any:
    ctype = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise BadRequest(415, "", "send the request as application/json")
    raw_length = (environ.get("CONTENT_LENGTH") or "").strip()
    if not raw_length:
        raise BadRequest(411, "", "the request did not say how long it is (Content-Length)")
    try:
        length = int(raw_length)
    except ValueError:
        raise BadRequest(400, "", "Content-Length is not a number") from None
    if length < 0:
        raise BadRequest(400, "", "Content-Length is negative")
    stream = environ["wsgi.input"]
    if length > MAX_BODY:
        drain(stream, min(length, DRAIN_LIMIT))
        raise BadRequest(413, "", f"the body is {length:,} bytes; at most {MAX_BODY:,} are accepted")
    body = stream.read(length) if length else b""
    if len(body) < length:
        raise BadRequest(400, "", "the request ended before all of the body arrived")
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadRequest(400, "", "the body is not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(
            400, "", f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise BadRequest(400, "", "the body is nested too deeply") from None


def parse_request(engine: Engine, data: Any) -> tuple[str, tuple[str, ...], tuple[str, ...], str | None]:
    if not isinstance(data, dict):
        raise BadRequest(400, "", "the body must be a JSON object")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise BadRequest(400, "", f"unknown field(s): {', '.join(map(repr, unknown))}; known: {', '.join(FIELDS)}")
    caption = data.get("caption")
    if not isinstance(caption, str):
        raise BadRequest(400, "", "`caption` is required and must be a string")
    known = [c.code for c in engine.countries()[0]]
    codes_in = data.get("jurisdictions")
    if codes_in is None:
        codes_in = list(engine.ticked())
    if not isinstance(codes_in, list) or not all(isinstance(c, str) for c in codes_in) or not codes_in:
        raise BadRequest(400, "", '`jurisdictions` must be a non-empty list of codes, e.g. ["us", "de"]')
    codes: list[str] = []
    for code in codes_in:
        code = code.strip().lower()
        if code not in known:
            raise BadRequest(400, "", f"unknown jurisdiction {code!r}; choose from {', '.join(known)}")
        if code not in codes:
            codes.append(code)
    brands_in = data.get("brands") or []
    if not isinstance(brands_in, list) or not all(isinstance(b, str) for b in brands_in):
        raise BadRequest(400, "", "`brands` must be a list of strings")
    brands: list[str] = []
    for brand in brands_in:
        brand = brand.strip()
        if len(brand) > MAX_BRAND_CHARS:
            raise BadRequest(400, "", f"a brand name is at most {MAX_BRAND_CHARS} characters")
        if brand and brand not in brands:
            brands.append(brand)
    if len(brands) > MAX_BRANDS:
        raise BadRequest(400, "", f"at most {MAX_BRANDS} brands at a time")
    platform = data.get("platform")
    if platform is not None:
        if not isinstance(platform, str) or platform.strip().lower() not in PLATFORMS:
            raise BadRequest(400, "", f"`platform` must be one of {', '.join(PLATFORMS)} (or absent)")
        platform = platform.strip().lower()
    return caption, tuple(codes), tuple(brands), platform


def api_check(engine: Engine, environ: dict):
    """(status, headers, body) for the WSGI app; never raises, never shows a traceback."""
    method = environ.get("REQUEST_METHOD", "GET").upper()
    if method != "POST":
        return _problem(405, "POST a JSON body to /api/check", [("Allow", "POST")])
    try:
        caption, codes, brands, platform = parse_request(engine, read_json(environ))
        post = Post(id="caption", caption=caption, source=Source("<api>"), platform=platform)
        with judging_turn():
            scanner = engine.scanner(codes, brands)
            with memory_zone(scanner):
                result = scanner.judge_record(post)
        return _answer(200, result.to_dict())
    except BadRequest as exc:
        return _problem(exc.status, exc.message)
    except Exception as exc:
        print(f"compliance serve: internal error in /api/check: {type(exc).__name__}", file=sys.stderr)
        return _problem(500, "the caption could not be checked; try `compliance check --format json`")
