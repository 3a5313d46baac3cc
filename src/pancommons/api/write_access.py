"""Who may write: SPARQL updates on ``/sparql`` and writes on ``/store`` need the bearer token.

``Authorization: Bearer <PANCOMMONS_UPDATE_TOKEN>``. No or a malformed Authorization header:
401 with ``WWW-Authenticate: Bearer``; a wrong token: 403; no token configured: writes are off
(403 saying so). Request bodies are read with a size limit (413 beyond it), counted once, by
``BodyLimit`` around every route however it reads its body (a declared Content-Length or a
chunked body that grows past the limit); the routes that read theirs with ``read_body`` answer
the refusal in their own error format.
"""

from __future__ import annotations

import hmac

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pancommons.api.sparql_run import error
from pancommons.config import Settings

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="pancommons"'}


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def refuse_write(request: Request) -> JSONResponse | None:
    """None if ``request`` may write; otherwise the 401/403 response to send."""
    token = settings_of(request).update_token
    if not token:
        return error(
            403,
            "writes disabled",
            "this server accepts no updates or graph store writes: set PANCOMMONS_UPDATE_TOKEN "
            "on the server to enable them",
        )
    header = request.headers.get("authorization")
    if header is None:
        return error(
            401,
            "authentication required",
            "send the update token as 'Authorization: Bearer <token>'",
            _CHALLENGE,
        )
    scheme, _, given = header.strip().partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or not given or " " in given:
        return error(
            401,
            "authentication required",
            "malformed Authorization header: expected 'Bearer <token>'",
            {"WWW-Authenticate": 'Bearer realm="pancommons", error="invalid_request"'},
        )
    if not hmac.compare_digest(given.encode(), token.encode()):
        return error(403, "forbidden", "the bearer token is not the update token")
    return None


class BodyTooLarge(Exception):
    """The request body is larger than ``max_body_bytes``."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request bodies are limited to {limit} bytes (PANCOMMONS_MAX_BODY_BYTES)")
        self.limit = limit


async def read_body(request: Request) -> bytes:
    """The request body. ``BodyLimit``, around every route, counts it as it is read: past
    ``max_body_bytes`` (or declared so by Content-Length) reading raises BodyTooLarge, which
    the caller answers with its own 413."""
    return await request.body()


def too_large(exc: BodyTooLarge) -> JSONResponse:
    return error(413, "request too large", str(exc))


_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyLimit:
    """ASGI middleware: no request body beyond ``limit`` bytes reaches a route. The body is
    counted as the route reads it; past the limit (or from the start, when Content-Length
    declares more) reading raises BodyTooLarge: ``read_body`` callers answer it themselves, and
    for any other route the middleware answers 413 (if the response has not started)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _NO_BODY:
            await self.app(scope, receive, send)
            return
        limit = self.limit
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), b"")
        # A declared length past the limit counts as received: the first read is refused.
        received = int(declared) if declared.isdigit() and int(declared) > limit else 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            if received > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await too_large(exc)(scope, receive, send)
