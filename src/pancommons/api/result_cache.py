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
- anything when the store cannot tell its version (a remote store: other clients may write it).

The cache holds at most ``query_cache_mb`` MiB of answers (``PANCOMMONS_QUERY_CACHE_MB``; 0 turns
it off), least recently used first out. A hit is answered on the event loop without touching the
store; answers say ``X-Cache: hit`` or ``miss``.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

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

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, max_bytes)
        self.max_entry = self.max_bytes // 8
        self._entries: OrderedDict[Any, tuple[Answer, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.evictions = 0

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

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "entries": len(self._entries),
                "bytes": self._bytes,
                "max_bytes": self.max_bytes,
                "hits": self.hits,
                "misses": self.misses,
                "evictions": self.evictions,
            }


_HIT = {"X-Cache": "hit"}


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
    version = store.version() if cacheable(text) else None
    if version is not None:
        hit = cache.get(key, version)
        if hit is not None:
            return Response(hit.body, media_type=hit.media_type, headers=_HIT)
    response = await compute()
    response.headers["X-Cache"] = "miss"
    # Kept only if no write began since ``version`` was read: the answer is that version's.
    if version is not None and response.status_code == 200 and store.version() == version:
        cache.put(key, Answer(bytes(response.body), response.media_type or "", version))
    return response
