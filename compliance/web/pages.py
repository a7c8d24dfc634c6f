"""What every local page (the caption checker, the dashboard) answers with: security headers and
an error page that never shows a traceback."""

from __future__ import annotations

import jinja2

from compliance.paths import data_dir


class LocalPages:
    """Mixed into each local web app; `env` and `error_template` are the app's own."""

    env: jinja2.Environment
    error_template: str

    @staticmethod
    def templates() -> jinja2.Environment:
        """The page templates, escaped by default and strict about missing values."""
        return jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def error(self, status: int, title: str, message: str, nonce: str) -> tuple[int, list, bytes]:
        try:
            body = (
                self.env.get_template(self.error_template)
                .render(nonce=nonce, status=status, title=title, message=message)
                .encode("utf-8")
            )
            return status, self._html(), body
        except Exception:  # the template itself failed: still no traceback
            return status, [("Content-Type", "text/plain; charset=utf-8")], f"{status} {title}\n{message}\n".encode()

    @staticmethod
    def _html() -> list[tuple[str, str]]:
        return [("Content-Type", "text/html; charset=utf-8")]

    @staticmethod
    def _security_headers(nonce: str) -> list[tuple[str, str]]:
        csp = (
            f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; img-src data:; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        )
        return [
            ("Content-Security-Policy", csp),
            ("X-Content-Type-Options", "nosniff"),
            # same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on the
            # page's own form post, and the Origin check (compliance/web/guard.py) needs the real one
            ("Referrer-Policy", "same-origin"),
            ("X-Frame-Options", "DENY"),
            ("Cache-Control", "no-store"),
        ]
