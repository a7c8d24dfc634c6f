"""`compliance serve --state scans.sqlite`: a local, read-only dashboard over the scan history.

Pages: scans over time and trend charts (per jurisdiction, creator, rule) with their numbers as
tables; the posts needing action with search, filters and paging; one post's history; the
filtered view as CSV or XLSX. The hardening is the caption page's (compliance/web/server.py,
guard.py): bound to 127.0.0.1 by default, Host and Origin checked, only GET and HEAD, a CSP
that admits this response's own style and script (by nonce) and `data:` images (the charts),
nothing external, every value from the state file escaped by jinja2 (autoescape), and export
cells that a spreadsheet would read as formulas neutralised.
"""

from __future__ import annotations

import csv
import io
import math
import secrets
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs

from compliance.reporters import charts as chart_svg
from compliance.reporters import xlsx_report
from compliance.reporters.csv_report import cell
from compliance.reporters.views import STATUS_LABELS
from compliance.run.state import StateError
from compliance.web.dashboard_data import (
    FILTER_STATUSES,
    PAGE_SIZE,
    Catalogue,
    Dashboard,
    FilterError,
    Filters,
    parse_filters,
)
from compliance.web.guard import Guard
from compliance.web.http import HTTP_REASONS, BadRequest
from compliance.web.pages import LocalPages
from compliance.web.server import make_server, run_until_stopped

XLSX_LIMIT = 50_000  # rows in an XLSX export; the CSV export has no limit
MAX_QUERY_STRING = 4096
FILTER_LABELS = {"action": "Needs action (violation or review)", "all": "Any status", **STATUS_LABELS}


# Series colours for trend lines (the report's palette, darker first for legibility).
_PALETTE = ("#b42318", "#2456d6", "#067647", "#a15c07", "#7a5af8", "#0e9384", "#c11574", "#475467", "#e04f16")


def line_chart(
    x_labels: list[str], series: list[tuple[str, list[int]]], y_title: str = "", colors: tuple[str, ...] = ()
) -> str:
    """A trend chart as a `data:` image through the report's chart module ("" when nothing to draw)."""
    if not x_labels or not series:
        return ""
    palette = colors or _PALETTE
    coloured = [(name, values, palette[i % len(palette)]) for i, (name, values) in enumerate(series)]
    return chart_svg.data_uri(chart_svg.line_chart("", x_labels, coloured, width=760, y_title=y_title))


def export_columns(jurisdictions: list[str]) -> list[str]:
    return [
        "id",
        "creator",
        "platform",
        "status",
        *jurisdictions,
        "rules",
        "first_run",
        "last_run",
        "judged_run",
        "caption",
    ]


def export_values(post: dict[str, Any], jurisdictions: list[str]) -> list[Any]:
    rules = "; ".join(rule for j in sorted(post["rules"]) for rule in post["rules"][j])
    return [
        post["id"],
        post["author"],
        post["platform"],
        post["worst"],
        *[post["statuses"].get(j, "") for j in jurisdictions],
        rules,
        post["first"],
        post["last"],
        post["judged"],
        post["caption"],
    ]


class DashboardApp(LocalPages):
    """The WSGI callable. `handle` returns (status, headers, body); `__call__` never raises."""

    error_template = "dashboard_error.html.j2"

    def __init__(self, dashboard: Dashboard, guard: Guard | None = None) -> None:
        self.dashboard = dashboard
        self.guard = guard  # make_server sets one for the bound address
        self._overview: tuple[Catalogue, dict[str, Any], dict[str, str]] | None = None
        self.env = self.templates()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        nonce = secrets.token_urlsafe(16)
        body: bytes | Iterator[bytes]
        try:
            if self.guard is not None:
                self.guard.check(environ)
            status, headers, body = self.handle(environ, nonce)
        except BadRequest as exc:
            status, headers, body = self.error(exc.status, exc.title, exc.message, nonce)
        except StateError as exc:
            status, headers, body = self.error(503, "State file unreadable", str(exc), nonce)
        except Exception as exc:  # never a traceback to the visitor; the server log gets one line
            print(f"compliance serve: internal error: {type(exc).__name__}", file=sys.stderr)
            status, headers, body = self.error(
                500, "Something went wrong", "The page could not be made; the state file was not changed.", nonce
            )
        headers = self._security_headers(nonce) + headers
        if isinstance(body, bytes):
            headers.append(("Content-Length", str(len(body))))
        start_response(f"{status} {HTTP_REASONS.get(status, 'Error')}", headers)
        if environ.get("REQUEST_METHOD", "GET").upper() == "HEAD":
            return [b""]
        return [body] if isinstance(body, bytes) else body

    def handle(self, environ: dict, nonce: str) -> tuple[int, list[tuple[str, str]], bytes | Iterator[bytes]]:
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if path == "/favicon.ico":
            return 204, [], b""
        pages = {
            "/": self.overview,
            "/posts": self.posts,
            "/post": self.post,
            "/export.csv": self.export_csv,
            "/export.xlsx": self.export_xlsx,
        }
        page = pages.get(path)
        if page is None:
            raise BadRequest(404, "Page not found", "Start from the overview: /")
        if method not in ("GET", "HEAD"):
            status, headers, body = self.error(
                405, "Method not allowed", "This dashboard only shows; it changes nothing.", nonce
            )
            return status, headers + [("Allow", "GET, HEAD")], body
        query = environ.get("QUERY_STRING", "")
        if len(query) > MAX_QUERY_STRING:
            raise BadRequest(400, "Bad request", "The address is too long.")
        try:
            params = parse_qs(query, keep_blank_values=True, max_num_fields=40, errors="strict")
        except (ValueError, UnicodeDecodeError):
            raise BadRequest(400, "Bad request", "The address's parameters could not be read.") from None
        cat = self.dashboard.catalogue()
        if cat is None:  # the first read of the state is still under way
            return self.reading(nonce)
        return page(cat, params, nonce)

    def reading(self, nonce: str) -> tuple[int, list[tuple[str, str]], bytes]:
        """503 with a page that looks again in two seconds, saying how far the first read got."""
        if self.dashboard.problem:
            raise StateError(self.dashboard.problem)
        done, total = self.dashboard.progress
        body = (
            self.env.get_template("dashboard_reading.html.j2")
            .render(nonce=nonce, done=done, total=total, state_name=self._state_name())
            .encode("utf-8")
        )
        return 503, self._html() + [("Retry-After", "2")], body

    def _state_name(self) -> str:
        return self.dashboard.path.replace("\\", "/").rsplit("/", 1)[-1]

    # -- pages ----------------------------------------------------------------------------------
    def _render(self, name: str, nonce: str, cat: Catalogue, **context: Any) -> bytes:
        return (
            self.env.get_template(name)
            .render(
                nonce=nonce,
                state_name=self._state_name(),
                updating=self.dashboard.updating,
                problem=self.dashboard.problem,
                latest=cat.complete[-1] if cat.complete else None,
                status_labels=STATUS_LABELS,
                **context,
            )
            .encode("utf-8")
        )

    def overview(self, cat: Catalogue, params: dict, nonce: str):
        cached = self._overview
        if cached is None or cached[0] is not cat:  # charts change only with the catalogue
            cached = self._overview = (cat, *self._overview_data(cat))
        _, data, charts = cached
        body = self._render(
            "dashboard.html.j2", nonce, cat, data=data, charts=charts, runs=data["complete"], scans=data["scans"]
        )
        return 200, self._html(), body

    @staticmethod
    def _overview_data(cat: Catalogue) -> tuple[dict[str, Any], dict[str, str]]:
        data = cat.overview()
        runs = data["complete"]
        labels = [f"#{r}" for r in runs]
        scans = [s for s in data["scans"] if s["complete"]]
        charts = {
            "scans": line_chart(
                labels,
                [
                    ("Posts in the scan", [s["n_posts"] for s in scans]),
                    ("With a violation", [s["n_violation"] for s in scans]),
                    ("Needing review (no violation)", [s["n_review"] for s in scans]),
                ],
                "posts",
                colors=("#14213d", "#b42318", "#dc8a0e"),
            ),
            "jurisdictions": line_chart(
                labels,
                [(j.upper(), [data["violations_by_jurisdiction"][j][r] for r in runs]) for j in data["jurisdictions"]],
                "posts in violation",
            ),
            "creators": line_chart(
                labels, [(name, [v[r] for r in runs]) for name, v in data["by_creator"].items()], "posts in violation"
            ),
            "rules": line_chart(
                labels, [(rule, [v[r] for r in runs]) for rule, v in data["by_rule"].items()], "posts in violation"
            ),
        }
        return data, charts

    def _filters(self, cat: Catalogue, params: dict) -> Filters:
        try:
            return parse_filters(params, cat.jurisdictions)
        except FilterError as exc:
            raise BadRequest(400, "Filter not understood", str(exc)) from None

    def posts(self, cat: Catalogue, params: dict, nonce: str):
        f = self._filters(cat, params)
        total = cat.count(f)
        pages = max(1, math.ceil(total / PAGE_SIZE))
        rows = cat.posts(f) if f.page <= pages else []
        body = self._render(
            "dashboard_posts.html.j2",
            nonce,
            cat,
            f=f,
            rows=rows,
            total=total,
            pages=pages,
            page_size=PAGE_SIZE,
            jurisdictions=cat.jurisdictions,
            rule_ids=cat.rule_ids,
            filter_statuses=[(s, FILTER_LABELS[s]) for s in FILTER_STATUSES],
            xlsx=xlsx_available(),
            xlsx_limit=XLSX_LIMIT,
        )
        return 200, self._html(), body

    def post(self, cat: Catalogue, params: dict, nonce: str):
        keys = params.get("key", [])
        if len(keys) != 1 or not keys[0] or len(keys[0]) > 1000:
            raise BadRequest(400, "Which post?", "Open a post from the list of posts.")
        post = cat.post(keys[0])
        if post is None:
            raise BadRequest(404, "No such post", "This state file holds no post with that id.")
        jurisdictions = sorted({j for h in post["history"] for j in h["statuses"]} | set(post["statuses"]))
        body = self._render("dashboard_post.html.j2", nonce, cat, post=post, jurisdictions=jurisdictions)
        return 200, self._html(), body

    def export_csv(self, cat: Catalogue, params: dict, nonce: str):
        f = self._filters(cat, params)
        jurisdictions = cat.jurisdictions

        def lines() -> Iterator[bytes]:
            """A few thousand rows per write, not one socket write per row."""
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow([cell(v) for v in export_columns(jurisdictions)])
            for i, post in enumerate(cat.export(f), 1):
                writer.writerow([cell(v) for v in export_values(post, jurisdictions)])
                if i % 2000 == 0:
                    yield out.getvalue().encode("utf-8")
                    out.seek(0)
                    out.truncate()
            yield out.getvalue().encode("utf-8")

        headers = [
            ("Content-Type", "text/csv; charset=utf-8"),
            ("Content-Disposition", 'attachment; filename="compliance-posts.csv"'),
        ]
        return 200, headers, lines()

    def export_xlsx(self, cat: Catalogue, params: dict, nonce: str):
        f = self._filters(cat, params)
        if not xlsx_available():
            raise BadRequest(
                404,
                "XLSX export unavailable",
                "It needs openpyxl: pip install 'compliance[xlsx]'. The CSV export works.",
            )
        total = cat.count(f)
        if total > XLSX_LIMIT:
            raise BadRequest(
                400,
                "Too many rows for XLSX",
                f"This view has {total:,} posts; the XLSX export takes up to {XLSX_LIMIT:,}. "
                "Narrow the filters, or export CSV (no limit).",
            )
        import openpyxl  # the optional extra, checked above

        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Posts"
        header = export_columns(cat.jurisdictions)
        for col, name in enumerate(header, 1):
            xlsx_report.put(ws, 1, col, name)
        for row, post in enumerate(cat.export(f), 2):
            for col, value in enumerate(export_values(post, cat.jurisdictions), 1):
                xlsx_report.put(ws, row, col, value)
        ws.freeze_panes = "A2"
        out = io.BytesIO()
        wb.save(out)
        headers = [
            ("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("Content-Disposition", 'attachment; filename="compliance-posts.xlsx"'),
        ]
        return 200, headers, out.getvalue()

    # -- plumbing -------------------------------------------------------------------------------


def xlsx_available() -> bool:
    try:
        xlsx_report.require()
    except xlsx_report.XlsxUnavailable:
        return False
    return True


def make_dashboard_server(
    state: str, host: str = "127.0.0.1", port: int = 8000, quiet: bool = False, background: bool = False
):
    """Check the state (StateError if it cannot be shown), then a server for the dashboard over it;
    `background`: the state is read while the server already answers (a "reading" page)."""
    app = DashboardApp(Dashboard(state, background=background))
    return make_server(host, port, quiet=quiet, app=app)


def serve_dashboard(state: str, host: str = "127.0.0.1", port: int = 8000) -> None:
    server = make_dashboard_server(state, host, port, background=True)
    dashboard = server.get_app().dashboard
    failed: list[str] = []

    def announce() -> None:
        dashboard.ready.wait()
        cat = dashboard.current
        if cat is not None:
            print(f"compliance: {len(cat.complete)} scans read in {cat.build_seconds:.1f} s", file=sys.stderr)
        else:  # damaged past its first pages: stop, and the command exits 2 with the reason
            failed.append(dashboard.problem or f"{state}: cannot be read")
            server.shutdown()

    run_until_stopped(
        server,
        host,
        f"dashboard of {state}",
        "read the history",
        note="; reading the scan history ...",
        then=threading.Thread(target=announce, daemon=True).start,
    )
    if failed:
        raise StateError(failed[0])
