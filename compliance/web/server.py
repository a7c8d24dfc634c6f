"""The local web page of `compliance serve`: paste a caption, tick countries, get it corrected.

A tiny WSGI app on the standard library's wsgiref server, for one person on their own machine,
bound to 127.0.0.1 unless told otherwise. Everything a visitor sends is untrusted: the body is
capped (413 past 64 KB), the form is parsed strictly, a bad request gets a plain page saying
what was wrong, and no error ever shows a traceback. The caption reaches the page only as
pieces cut in Python and escaped by jinja2 (autoescape on, no `|safe` on user data); a
Content-Security-Policy that admits only this response's own style and script (by nonce) is a
second wall behind the escaping. Rule sets and scanners are cached; spaCy is loaded once.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from compliance.analysis.tokenizer import caption_nlp
from compliance.config import Settings
from compliance.judging.fixer import Fixer
from compliance.model import PLATFORMS, STATUSES, Post, PostResult, Source
from compliance.reporters.highlight import caption_segments
from compliance.reporters.views import STATUS_HINTS, STATUS_LABELS, safe_href
from compliance.web.api import api_check
from compliance.web.engine import Engine
from compliance.web.guard import BUSY_RESPONSE, MAX_CONNECTIONS, SOCKET_TIMEOUT, Guard, judging_turn, memory_zone
from compliance.web.http import (
    DRAIN_LIMIT,
    HTTP_REASONS,
    MAX_BODY,
    MAX_BRAND_CHARS,
    MAX_BRANDS,
    MAX_FIELDS,
    BadRequest,
    drain,
)
from compliance.web.pages import LocalPages


@dataclass(frozen=True)
class FormInput:
    caption: str = ""
    codes: tuple[str, ...] = ()
    brands_text: str = ""
    brands: tuple[str, ...] = ()
    platform: str = ""


# ------------------------------------------------------------------------------- request parsing


def read_form(environ: dict) -> dict[str, list[str]]:
    """The urlencoded POST body as fields, or BadRequest with the reason (size, type, encoding)."""
    ctype = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        raise BadRequest(
            415, "Unsupported form", "Send the caption with the form on this page (application/x-www-form-urlencoded)."
        )
    raw_length = (environ.get("CONTENT_LENGTH") or "").strip()
    if not raw_length:
        raise BadRequest(411, "Length required", "The request did not say how long it is.")
    try:
        length = int(raw_length)
    except ValueError:
        raise BadRequest(400, "Bad request", "The request's length is not a number.") from None
    if length < 0:
        raise BadRequest(400, "Bad request", "The request's length is negative.")
    stream = environ["wsgi.input"]
    if length > MAX_BODY:
        drain(stream, min(length, DRAIN_LIMIT))
        raise BadRequest(
            413,
            "Caption too long",
            f"The form was {length:,} bytes; this page takes up to {MAX_BODY // 1024} KB. Paste one caption at a time.",
        )
    body = stream.read(length) if length else b""
    if len(body) < length:
        raise BadRequest(400, "Bad request", "The request ended before all of the form arrived.")
    try:
        text = body.decode("utf-8")
        return parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict")
    except UnicodeDecodeError:
        raise BadRequest(400, "Bad request", "The form is not valid UTF-8 text.") from None
    except ValueError:
        raise BadRequest(400, "Bad request", f"The form has too many fields (at most {MAX_FIELDS}).") from None


def parse_input(fields: dict[str, list[str]], known: Iterable[str]) -> tuple[FormInput, str | None]:
    """The form's values, and a message for the person if something is missing (shown on the form)."""

    def one(name: str) -> str:
        values = fields.get(name, [])
        if len(values) > 1:
            raise BadRequest(400, "Bad request", f"The form sent {name!r} more than once.")
        return values[0] if values else ""

    known = tuple(known)
    caption = one("caption").replace("\r\n", "\n")
    codes = []
    for code in fields.get("j", []):
        code = code.strip().lower()
        if code not in known:
            raise BadRequest(
                400, "Unknown country", f"There is no rule file for {code!r}. Choose from: {', '.join(known)}."
            )
        if code not in codes:
            codes.append(code)
    brands_text = one("brands").replace("\r\n", "\n")
    brands = []
    for part in brands_text.replace(",", "\n").split("\n"):
        part = part.strip()
        if part and part not in brands:
            if len(part) > MAX_BRAND_CHARS:
                raise BadRequest(400, "Brand name too long", f"A brand name is at most {MAX_BRAND_CHARS} characters.")
            brands.append(part)
    if len(brands) > MAX_BRANDS:
        raise BadRequest(400, "Too many brands", f"Name at most {MAX_BRANDS} brands at a time.")
    platform = one("platform").strip().lower()
    if platform and platform not in PLATFORMS:
        raise BadRequest(400, "Unknown platform", f"Choose a platform from the list ({', '.join(PLATFORMS)}).")
    form = FormInput(caption, tuple(codes), brands_text, tuple(brands), platform)
    if not caption.strip():
        return form, "Paste a caption to check."
    if not codes:
        return form, "Tick at least one audience country."
    return form, None


# ------------------------------------------------------------------------------ the view model


def verdict_cards(engine: Engine, result: PostResult, codes: tuple[str, ...]) -> list[dict[str, Any]]:
    cards = []
    for code in codes:
        rs = engine.ruleset(code)
        whys = {r.id: r.why for r in rs.rules}
        verdict = result.verdicts.get(code)
        status = verdict.status if verdict else "review"
        findings = [
            {
                "rule": f.rule,
                "name": f.name.replace("-", " "),
                "severity": f.severity,
                "message": f.message,
                "why": whys.get(f.rule, ""),
                "fix": f.fix or "",
                "text": f.text or "",
                "source": f.citation.source,
                "url": safe_href(f.citation.url),
            }
            for f in (verdict.findings if verdict else ())
        ]
        cards.append(
            {
                "code": code,
                "name": rs.name,
                "regulator": rs.regulator,
                "status": status,
                "status_label": STATUS_LABELS.get(status, status),
                "hint": STATUS_HINTS.get(status, ""),
                "findings": findings,
            }
        )
    return cards


def check_caption(engine: Engine, form: FormInput) -> dict[str, Any]:
    """Judge and fix one caption: everything the results part of the page shows."""
    post = Post(id="caption", caption=form.caption, source=Source("<web form>"), platform=form.platform or None)
    with judging_turn():
        scanner = engine.scanner(form.codes, form.brands)
        with memory_zone(scanner):
            result = scanner.judge_record(post)
            fixed = Fixer(scanner).fix(post, before=result)
    after = [
        {
            "code": code,
            "status": fixed.after.verdicts[code].status,
            "status_label": STATUS_LABELS.get(fixed.after.verdicts[code].status, ""),
        }
        for code in form.codes
        if code in fixed.after.verdicts
    ]
    unsatisfied = [
        {
            "code": code,
            "status": fixed.after.verdicts[code].status if code in fixed.after.verdicts else "",
            "reasons": [f.message for f in fixed.after.verdicts[code].findings] if code in fixed.after.verdicts else [],
        }
        for code in fixed.unsatisfied
    ]
    return {
        "error": result.error,
        "segments": caption_segments(result.to_dict(), form.codes),
        "verdicts": verdict_cards(engine, result, form.codes),
        "fixed": fixed.caption,
        "changed": fixed.changed,
        "fix_error": fixed.error,
        "after": after,
        "unsatisfied": unsatisfied,
        "worst": _worst(result, form.codes),
    }


def _worst(result: PostResult, codes: tuple[str, ...]) -> str:
    statuses = [result.verdicts[c].status for c in codes if c in result.verdicts]
    return min(statuses, key=STATUSES.index) if statuses else "clear"


# ----------------------------------------------------------------------------------- the app


class WebApp(LocalPages):
    """The WSGI callable. `handle` returns (status, headers, body); `__call__` never raises."""

    error_template = "web_error.html.j2"

    def __init__(self, engine: Engine | None = None, guard: Guard | None = None) -> None:
        self.engine = engine or Engine()
        self.guard = guard  # Host and Origin checks; make_server sets one for the bound address
        self.env = self.templates()

    def __call__(self, environ: dict, start_response: Callable) -> list[bytes]:
        nonce = secrets.token_urlsafe(16)
        try:
            if self.guard is not None:
                self.guard.check(environ)
            status, headers, body = self.handle(environ, nonce)
        except BadRequest as exc:
            status, headers, body = self.error(exc.status, exc.title, exc.message, nonce)
        except Exception as exc:  # never a traceback to the visitor; the server log gets one line
            print(f"compliance serve: internal error: {type(exc).__name__}", file=sys.stderr)
            status, headers, body = self.error(
                500,
                "Something went wrong",
                "The caption could not be checked. Nothing was saved; "
                "try again, or run `compliance check` in a terminal.",
                nonce,
            )
        headers = self._security_headers(nonce) + headers + [("Content-Length", str(len(body)))]
        start_response(f"{status} {HTTP_REASONS.get(status, 'Error')}", headers)
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else body]

    def handle(self, environ: dict, nonce: str) -> tuple[int, list[tuple[str, str]], bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if path == "/favicon.ico":
            return 204, [], b""
        if path == "/api/check":  # JSON for tools: compliance/web/api.py
            return api_check(self.engine, environ)
        if path not in ("/", "/check"):
            raise BadRequest(404, "Page not found", "There is only one page here: the caption check.")
        if method in ("GET", "HEAD"):
            return 200, self._html(), self.page(nonce)
        if method != "POST":
            status, headers, body = self.error(
                405, "Method not allowed", "Use the form on this page to check a caption.", nonce
            )
            return status, headers + [("Allow", "GET, HEAD, POST")], body
        fields = read_form(environ)
        shown, _ = self.engine.countries()
        form, problem = parse_input(fields, [c.code for c in shown])
        if problem:
            return 400, self._html(), self.page(nonce, form, notice=problem)
        return 200, self._html(), self.page(nonce, form, results=check_caption(self.engine, form))

    def page(
        self, nonce: str, form: FormInput | None = None, results: dict | None = None, notice: str | None = None
    ) -> bytes:
        shown, broken = self.engine.countries()
        ticked = form.codes if form is not None else tuple(c.code for c in shown if c.code in self.engine.ticked())
        return (
            self.env.get_template("web.html.j2")
            .render(
                nonce=nonce,
                countries=shown,
                broken=broken,
                platforms=PLATFORMS,
                ticked=ticked,
                form=form or FormInput(),
                results=results,
                notice=notice,
                status_labels=STATUS_LABELS,
            )
            .encode("utf-8")
        )


# ---------------------------------------------------------------------------------- the server


def make_server(
    host: str = "127.0.0.1", port: int = 8000, quiet: bool = False, engine: Engine | None = None, app: Any = None
):
    """A threaded wsgiref server for the app (port 0 picks a free port: see `server_port`); `app`
    serves another page set on the same hardened footing (the dashboard, compliance/web/dashboard.py)."""
    import socket
    import threading
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
    from wsgiref.simple_server import make_server as wsgi_server

    slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True
        allow_reuse_address = True
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

        def process_request(self, request, client_address):
            """A bounded number of connections at once; past it, a plain 503 and close."""
            if not slots.acquire(blocking=False):
                try:
                    request.settimeout(1.0)
                    request.sendall(BUSY_RESPONSE)
                except OSError:
                    pass
                self.shutdown_request(request)
                return
            super().process_request(request, client_address)

        def process_request_thread(self, request, client_address):
            try:
                super().process_request_thread(request, client_address)
            finally:
                slots.release()

    class Handler(WSGIRequestHandler):
        timeout = SOCKET_TIMEOUT  # a slow or idle client is dropped, not waited for

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
            if not quiet:
                sys.stderr.write(f"compliance serve: {self.address_string()} {format % args}\n")

    app = app if app is not None else WebApp(engine)
    server = wsgi_server(host, port, app, server_class=Server, handler_class=Handler)
    app.guard = Guard(host, server.server_port)  # the port is known only once bound (port 0 picks one)
    return server


def warm_up(engine: Engine) -> None:
    """Load the rule files and the spaCy pipeline now, so the first check is as fast as the rest."""
    engine.countries()
    caption_nlp()


def serve(host: str = "127.0.0.1", port: int = 8000, settings: Settings | None = None) -> None:
    engine = Engine(settings)
    warm_up(engine)
    server = make_server(host, port, engine=engine)
    run_until_stopped(server, host, "caption check", "use the page")


def run_until_stopped(
    server, host: str, what: str, exposure: str, note: str = "", then: Callable[[], None] | None = None
) -> None:
    """Say where a local page listens (and warn when beyond this computer), run `then`, serve until Ctrl+C."""
    shown_host = f"[{host}]" if ":" in host else host
    print(f"compliance: {what} on http://{shown_host}:{server.server_port}/ (Ctrl+C to stop){note}", file=sys.stderr)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"compliance: warning: listening beyond this computer; anyone who can reach it can {exposure}",
            file=sys.stderr,
        )
    if then is not None:
        then()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
