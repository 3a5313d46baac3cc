"""Security headers on every response, and a JSON 500 for any error a route did not handle.

``SecurityHeaders`` is a pure ASGI middleware (no per-request objects beyond two closures: the
``/sparql`` path is latency-sensitive). On every HTTP response it adds, unless the route set
them itself:

- ``X-Content-Type-Options: nosniff`` (browsers take the declared media type as it is);
- ``Referrer-Policy: strict-origin-when-cross-origin``;
- ``X-Frame-Options: SAMEORIGIN`` (with the pages' ``frame-ancestors 'self'``);
- on HTML, a ``Content-Security-Policy``: the pages rendered from templates and the query editor
  send their own (``web.PAGE_CSP``, ``editor.EDITOR_CSP``); any other HTML (the FAIR report, a
  self-contained file with an inline stylesheet and SVG) gets ``HTML_CSP``; FastAPI's ``/docs``
  and ``/redoc`` load Swagger UI / ReDoc from their CDN and get ``DOCS_CSP``.

An exception that escapes the app before its response has started is logged with its traceback
and answered by ``on_error`` (the API's JSON error shape, no traceback, no paths), through the
same header wrapper. Starlette's own last-resort handler sits outside every middleware, so
its 500 would carry none of these headers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("pancommons.api")

HTML_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'self'"
)
"""HTML without a policy of its own: scripts from this server only, inline styles allowed."""

DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' data: https://fonts.gstatic.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'self'"
)
"""FastAPI's interactive API documentation, which loads Swagger UI and ReDoc from a CDN."""

DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})

_ALWAYS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"SAMEORIGIN"),
)
_CSP = b"content-security-policy"
_HTML_CSP = HTML_CSP.encode()
_DOCS_CSP = DOCS_CSP.encode()

ErrorResponder = Callable[[Scope, Exception], Response]


def secured(headers: list[tuple[bytes, bytes]], csp: bytes) -> list[tuple[bytes, bytes]]:
    """``headers`` (raw ASGI pairs) with the security headers it lacks; ``csp`` for HTML."""
    present = {name.lower() for name, _ in headers}
    out = list(headers)
    out.extend(pair for pair in _ALWAYS if pair[0] not in present)
    if _CSP not in present:
        for name, value in headers:
            if name.lower() == b"content-type":
                if value[:9].lower() == b"text/html":
                    out.append((_CSP, csp))
                break
    return out


class SecurityHeaders:
    """ASGI middleware: the headers above on every response; ``on_error`` for unhandled
    exceptions (re-raised when there is none, or when the response had already started)."""

    def __init__(self, app: ASGIApp, on_error: ErrorResponder | None = None) -> None:
        self.app = app
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = _DOCS_CSP if scope["path"] in DOCS_PATHS else _HTML_CSP
        started = False

        async def send_secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = secured(list(message.get("headers", ())), csp)
            await send(message)

        try:
            await self.app(scope, receive, send_secured)
        except Exception as exc:
            if started or self.on_error is None:
                raise
            log.error(
                "unhandled error on %s %s", scope.get("method"), scope.get("path"), exc_info=exc
            )
            await self.on_error(scope, exc)(scope, receive, send_secured)
