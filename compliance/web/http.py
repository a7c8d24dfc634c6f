"""What every local page and endpoint shares about HTTP: size limits, the error a visitor sees,
and reading the body safely. Everything a visitor sends is untrusted."""

from __future__ import annotations

MAX_BODY = 64 * 1024  # bytes of form data: a caption is at most a few thousand characters
DRAIN_LIMIT = 1024 * 1024  # read (and drop) this much of an oversized body so the 413 page arrives
MAX_FIELDS = 200
MAX_BRANDS = 50
MAX_BRAND_CHARS = 100
HTTP_REASONS = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
    403: "Forbidden",
    421: "Misdirected Request",
    503: "Service Unavailable",
}


class BadRequest(Exception):
    """A request we will not process; the message is shown to the person, so it says what to do."""

    def __init__(self, status: int, title: str, message: str):
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def drain(stream, limit: int) -> None:
    left = limit
    while left > 0:
        chunk = stream.read(min(65536, left))
        if not chunk:
            break
        left -= len(chunk)
