"""Pages kept until the graph changes: landing pages, DCAT, VoID, FAIR reports, home and search.

The result cache (``api.result_cache``) keeps SPARQL, named-query and PaNOSC answers; this
middleware keeps, in the same cache and under the same rule, the whole answers of the GET routes
that read the graph and nothing else: an answer computed at the store's ``version()`` is served
again while the version is the same (at most ``query_cache_ttl`` seconds), with ``X-Cache: hit``.
Crawlers walking landing pages, DCAT-AP harvesters paging the catalogue and dashboards reloading
FAIR reports then cost one version check each.

The key is everything such an answer depends on besides the graph: the path and query string,
the ``Accept`` header (content negotiation) and the scheme and host (absolute links). Kept only:
200s of GET, not larger than an eighth of the cache, computed while no write was under way.
Not kept: ``/oai`` (each answer carries its own ``responseDate``), ``/health`` (live by
definition), and the routes that cache their own answers (``/sparql``, ``/store``,
``/queries``, ``/api``).
"""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pancommons.api.result_cache import Answer, ResultCache, store_version
from pancommons.store import Store

KEPT = ("/id/", "/describe", "/dcat", "/void", "/fair/report", "/fair/dataset", "/fair/scores")
"""Path prefixes whose GET answers are kept (and the exact paths in ``KEPT_EXACT``)."""
KEPT_EXACT = ("/", "/search", "/sitemap.xml", "/fair/metrics")

_DROPPED = {b"date", b"server", b"content-length", b"x-cache", b"set-cookie"}


def kept(path: str) -> bool:
    return path in KEPT_EXACT or path.startswith(KEPT)


class PageCache:
    """ASGI middleware: GET answers of ``KEPT`` routes through the app's ``ResultCache``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not kept(scope["path"]):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        cache: ResultCache = state.result_cache
        if not cache.enabled:
            await self.app(scope, receive, send)
            return
        store: Store = state.store
        version = await store_version(store)
        if version is None:
            await self.app(scope, receive, send)
            return
        key = _key(scope)
        hit, turn = await cache.lookup(key, version)
        if hit is not None:
            await _replay(hit, send)
            return
        try:
            await self._compute(scope, receive, send, store, cache, key, version)
        finally:
            cache.done(key, turn)

    async def _compute(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        store: Store,
        cache: ResultCache,
        key: tuple[Any, ...],
        version: int,
    ) -> None:
        started = time.monotonic()

        status = 0
        headers: list[tuple[bytes, bytes]] = []
        body: list[bytes] = []
        size = 0
        keep = True

        async def capture(message: Message) -> None:
            nonlocal status, size, keep
            if message["type"] == "http.response.start":
                status = message["status"]
                headers.extend(
                    (k.lower(), v)
                    for k, v in message.get("headers", ())
                    if k.lower() not in _DROPPED
                )
                keep = status == 200 and not any(
                    k.lower() == b"set-cookie" for k, _ in message.get("headers", ())
                )
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-cache", b"miss")]
            elif message["type"] == "http.response.body" and keep:
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > cache.max_entry:
                    keep = False
                    body.clear()
                else:
                    body.append(chunk)
            await send(message)

        await self.app(scope, receive, capture)
        # Kept only if no write began meanwhile: the answer is then that version's.
        if keep and status == 200 and await store_version(store) == version:
            media = next((v.decode("latin-1") for k, v in headers if k == b"content-type"), "")
            cache.put(key, Answer(b"".join(body), media, version, started, tuple(headers)))


def _key(scope: Scope) -> tuple[Any, ...]:
    raw = dict(scope.get("headers", ()))
    return (
        "page",
        scope.get("scheme", "http"),
        raw.get(b"host", b"").decode("latin-1"),
        scope["path"],
        scope.get("query_string", b"").decode("latin-1"),
        raw.get(b"accept", b"").decode("latin-1"),
    )


async def _replay(answer: Answer, send: Send) -> None:
    headers = [
        *answer.headers,
        (b"content-length", str(len(answer.body)).encode()),
        (b"x-cache", b"hit"),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})
