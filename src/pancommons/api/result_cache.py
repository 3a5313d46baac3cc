"""Answers to repeated read queries, kept until the graph changes.

Portals and dashboards send the same queries again and again (counts on a home page, a named
query behind a chart, the landing pages a crawler walks). ``pancommons serve`` keeps the bytes of
each successful answer under everything that determines them: the query text, its base IRI, the
dataset (``default-graph-uri`` / ``named-graph-uri``) and the ``Accept`` header (with ``format``
applied). An entry is served only while the store's ``version()`` is the one it was computed at,
so any write (a SPARQL update, a Graph Store write, a harvest, a FAIR run) retires every entry at
once; an answer computed while a write was under way is not kept.

Not kept either:

- answers of queries that may differ from one evaluation to the next: ``NOW()``, ``RAND()``,
  ``UUID()``, ``STRUUID()`` and ``SERVICE`` (another endpoint's data), or that may spell such a
  word with a ``\\u`` escape;
- errors, and answers larger than an eighth of the cache (the query text counts too);
- anything when the store cannot tell its version: a read-only embedded store (a writer in another
  process goes unseen), a remote store that has none yet or that other clients write directly
  (``store_external_writes``).

A remote store's version is kept in the store and moved by every PaN Commons process that writes
to it (``RemoteStore.version``), so a harvest in another process retires the server's answers
too. Whatever the store, an answer is kept at most ``query_cache_ttl`` seconds: the bound on
staleness should a write not move the version (a lost connection right after it).

The cache holds at most ``query_cache_mb`` MiB of answers (``PANCOMMONS_QUERY_CACHE_MB``; 0 turns
it off), least recently used first out. A hit is answered on the event loop without touching the
store; answers say ``X-Cache: hit`` or ``miss``.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from pancommons.store import Store

_VOLATILE = re.compile(r"\b(?:now|rand|uuid|struuid)\s*\(|\bservice\b|\\[uU]", re.IGNORECASE)


def cacheable(text: str) -> bool:
    """False when the query's answer may change without the graph changing."""
    return _VOLATILE.search(text) is None


@dataclass(frozen=True, slots=True)
class Answer:
    body: bytes
    media_type: str
    version: int
    at: float = field(default_factory=time.monotonic, compare=False)
    """``time.monotonic()`` when it was computed."""
    headers: tuple[tuple[bytes, bytes], ...] = ()
    """Response headers to send again (``api.page_cache``)."""


def _weight(key: Any, answer: Answer) -> int:
    """Bytes an entry holds: its body and the text in its key (a query may be megabytes)."""
    parts = key if isinstance(key, tuple) else (key,)
    text = sum(len(p) for p in parts if isinstance(p, str))
    text += sum(len(g) for p in parts if isinstance(p, tuple) for g in p if isinstance(g, str))
    return len(answer.body) + text


class ResultCache:
    """Answers by key, at most ``max_bytes`` of bodies and key text, least recently used first
    out.

    Safe to share between threads; every operation is a few dictionary steps under a lock."""

    def __init__(self, max_bytes: int, ttl: float = 60.0) -> None:
        self.max_bytes = max(0, max_bytes)
        self.ttl = ttl
        self.max_entry = self.max_bytes // 8
        self._entries: OrderedDict[Any, tuple[Answer, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.evictions = 0
        self.coalesced = 0
        self._computing: dict[Any, asyncio.Event] = {}

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: Any, version: int | None) -> Answer | None:
        """The answer kept for ``key`` if it was computed at ``version``; a miss otherwise."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or version is None or entry[0].version != version:
                self.misses += 1
                return None
            if time.monotonic() - entry[0].at > self.ttl:
                self._bytes -= self._entries.pop(key)[1]
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: Any, answer: Answer) -> None:
        """Keep ``answer`` (unless it is too large or older than what is kept), dropping the
        entries of an older version and then the least recently used to make room.

        All entries share one version: the version only moves forward, and entries of an older
        one can never be served again."""
        size = _weight(key, answer)
        if size > self.max_entry:
            return
        with self._lock:
            if self._entries:
                kept = next(iter(self._entries.values()))[0].version
                if answer.version < kept:
                    return  # computed before a write that newer answers already saw
                if answer.version > kept:
                    self._entries.clear()
                    self._bytes = 0
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            while self._bytes + size > self.max_bytes and self._entries:
                _, (_, weight) = self._entries.popitem(last=False)
                self._bytes -= weight
                self.evictions += 1
            self._entries[key] = (answer, size)
            self._bytes += size

    async def lookup(self, key: Any, version: int) -> tuple[Answer | None, asyncio.Event | None]:
        """The answer kept for ``key`` at ``version``: ``(answer, None)``. On a miss,
        ``(None, turn)`` if no other request is computing ``key``, and this one must (then call
        ``done(key, turn)``); else wait for it and return what it kept at ``version``
        (``(None, None)`` if nothing: compute as well). Fifty clients asking for the same page
        just after a write then cost one evaluation, not fifty. Event loop only."""
        hit = self.get(key, version)
        if hit is not None:
            return hit, None
        computing = self._computing.get(key)
        if computing is None:
            computing = self._computing[key] = asyncio.Event()
            return None, computing
        await computing.wait()
        with self._lock:
            self.coalesced += 1
        return self.get(key, version), None

    def done(self, key: Any, turn: asyncio.Event | None) -> None:
        """The end of a turn taken with ``turn``: whoever waits for it reads the cache."""
        if turn is None:
            return
        if self._computing.get(key) is turn:
            del self._computing[key]
        turn.set()

    def clear(self) -> None:
        """Forget every answer (the server's configuration changed)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "entries": len(self._entries),
                "bytes": self._bytes,
                "max_bytes": self.max_bytes,
                "hits": self.hits,
                "misses": self.misses,
                "evictions": self.evictions,
                "coalesced": self.coalesced,
            }


_HIT = {"X-Cache": "hit"}


_READING: dict[tuple[int, int], asyncio.Future[int | None]] = {}


async def store_version(store: Store) -> int | None:
    """``store.version()``; for a remote store, a request to the server made off the event
    loop, and shared by the requests that need it while it is under way: fifty requests at once
    cost one read, not fifty. A shared read started at most one round trip before the request
    came and may miss a write that completed meanwhile: the request is then answered as it
    would have been a round trip earlier, and an answer computed after the write may be kept
    under the version before it, which the next read retires. Never the reverse: an answer
    is never kept under a version its data is older than."""
    from pancommons.store.remote import RemoteStore

    if not isinstance(store, RemoteStore):
        return store.version()
    key = (id(store), id(asyncio.get_running_loop()))
    reading = _READING.get(key)
    if reading is not None:
        return await asyncio.shield(reading)
    reading = _READING[key] = asyncio.get_running_loop().create_future()
    version: int | None = None
    try:
        version = await run_in_threadpool(store.version)
        return version
    finally:
        # Whatever happened to this request (even cancelled: its client went away), the ones
        # that wait get an answer: None (unknown, nothing kept) if the read did not complete.
        del _READING[key]
        reading.set_result(version)


async def through_cache(
    cache: ResultCache | None,
    store: Store,
    key: Any,
    text: str,
    compute: Callable[[], Awaitable[Response]],
) -> Response:
    """The answer kept under ``key`` at the store's current version, else ``compute()`` (kept
    when it is a 200). ``key`` must hold everything the answer depends on besides the graph;
    ``text`` is the SPARQL that ``compute`` runs (volatile queries are not kept)."""
    if cache is None or not cache.enabled:
        return await compute()
    version = await store_version(store) if cacheable(text) else None
    started = time.monotonic()
    if version is None:
        response = await compute()
        response.headers["X-Cache"] = "miss"
        return response
    hit, turn = await cache.lookup(key, version)
    if hit is not None:
        return Response(hit.body, media_type=hit.media_type, headers=_HIT)
    try:
        response = await compute()
        response.headers["X-Cache"] = "miss"
        # Kept only if no write began since ``version`` was read: the answer is that version's.
        if response.status_code == 200 and await store_version(store) == version:
            cache.put(
                key, Answer(bytes(response.body), response.media_type or "", version, started)
            )
    finally:
        cache.done(key, turn)
    return response
