"""Who may write: SPARQL updates on ``/sparql`` and writes on ``/store`` need the bearer token.

``Authorization: Bearer <PANCOMMONS_UPDATE_TOKEN>``. No or a malformed Authorization header:
401 with ``WWW-Authenticate: Bearer``; a wrong token: 403; no token configured: writes are off
(403 saying so). Request bodies are read with a size limit (413 beyond it).
"""

from __future__ import annotations

import hmac

from fastapi import Request
from fastapi.responses import JSONResponse

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
    """The request body, refusing (BodyTooLarge) as soon as it passes ``max_body_bytes``."""
    limit = settings_of(request).max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(exc: BodyTooLarge) -> JSONResponse:
    return error(413, "request too large", str(exc))
