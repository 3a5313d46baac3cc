"""A real HTTP server on 127.0.0.1 that answers like the catalogues we harvest, from recorded
records, with real paging and with faults on demand (errors, 429, slowness, cut bodies, resets).

Routes (``{name}`` is a key of ``catalogues``, each serving its own collections):
- PaNOSC: ``GET /{name}/api/{Collection}?filter=...`` (LoopBack ``limit``/``skip``; a
  ``where.creationDate.gt`` is honoured for incremental runs)
- SciCat: ``GET /{name}/api/v3/{collection}?filter=...`` (``limit``/``skip`` or v4 ``limits``)
- ICAT: ``POST /{name}/icat/session``, ``GET /{name}/icat/entityManager?sessionId=&query=``
  (``FROM Entity`` and ``LIMIT skip, count`` of the query are honoured)

Used by the tests and by bench/harvest.py.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.harvest.local_http import QuietHandler, serving

SCICAT_PATHS = {
    "instruments": "Instruments",
    "proposals": "Proposals",
    "samples": "Samples",
    "datasets": "Datasets",
    "origdatablocks": "OrigDatablocks",
    "publisheddata": "PublishedData",
}


@dataclass
class Fault:
    """Misbehave on requests for ``collection`` at ``skip`` (None: any), the first ``times``.

    action: "500" (or any status), "429" (with ``retry_after``), "slow" (sleep ``delay`` s,
    then answer), "truncate" (send part of the body, then close), "badjson" (a complete
    answer whose JSON is cut), "reset" (close the connection without answering), "badencoding"
    (the page's records in Latin-1 and cut mid-character, labelled UTF-8), "html" (200 with a
    maintenance page instead of JSON).
    """

    action: str
    collection: str | None = None
    skip: int | None = None
    times: int = 1
    retry_after: str = "1"
    delay: float = 0.0
    hits: int = 0


@dataclass
class Catalogue:
    kind: str  # panosc | scicat | icat
    collections: dict[str, list[Any]]
    max_limit: int | None = None
    """Serve at most this many records per page whatever the client asks (like real APIs)."""
    refuse_relations: set[str] = field(default_factory=set)
    """PaNOSC relations answered with 400, as implementations that do not model them do."""


@dataclass
class ServerState:
    catalogues: dict[str, Catalogue]
    faults: list[Fault] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(QuietHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        parts = urlsplit(self.path).path.strip("/").split("/")
        if len(parts) == 3 and parts[1:] == ["icat", "session"]:
            self._send(200, {"sessionId": "session-1"})
        else:
            self._send(404, {"error": "not found"})

    def do_GET(self) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        parts = url.path.strip("/").split("/")
        with state.lock:
            state.requests.append(self.path)
        cat = state.catalogues.get(parts[0]) if parts else None
        if cat is None:
            return self._send(404, {"error": f"no catalogue {parts[0] if parts else ''}"})
        try:
            collection, skip, limit, where = self._parse(cat, parts[1:], query)
        except (KeyError, ValueError) as exc:
            return self._send(400, {"error": {"message": str(exc)}})
        if self._fault(collection, skip):
            return
        records = cat.collections.get(collection, [])
        if where:
            records = [r for r in records if _matches(r, where)]
        if cat.max_limit:
            limit = min(limit, cat.max_limit)
        self._send(200, records[skip : skip + limit])

    def _parse(
        self, cat: Catalogue, parts: list[str], query: dict[str, str]
    ) -> tuple[str, int, int, dict[str, Any]]:
        if cat.kind == "panosc" and len(parts) == 2 and parts[0] == "api":
            flt = json.loads(query.get("filter", "{}"))
            where = (flt.get("where") or {}).get("creationDate", {})
            for rel in flt.get("include", []):
                name = rel.get("relation")
                if name in cat.refuse_relations or name not in _PANOSC_RELATIONS[parts[1]]:
                    raise ValueError(f'Relation "{name}" is not defined for {parts[1]}')
            return parts[1], int(flt.get("skip", 0)), int(flt.get("limit", 100)), where
        if cat.kind == "scicat" and len(parts) == 3 and parts[:2] == ["api", "v3"]:
            flt = json.loads(query.get("filter", "{}"))
            limits = flt.get("limits", flt)
            return (
                SCICAT_PATHS[parts[2]],
                int(limits.get("skip", 0)),
                int(limits.get("limit", 100)),
                {},
            )
        if cat.kind == "icat" and parts == ["icat", "entityManager"]:
            if query.get("sessionId") != "session-1":
                raise ValueError("no valid session")
            q = query["query"]
            entity = re.search(r"\bFROM\s+(\w+)", q)
            lim = re.search(r"\bLIMIT\s+(\d+)\s*,\s*(\d+)", q)
            if not entity:
                raise ValueError(f"cannot read the entity of {q!r}")
            skip, limit = (int(lim.group(1)), int(lim.group(2))) if lim else (0, 10**9)
            return entity.group(1), skip, limit, {}
        raise KeyError(f"no route {'/'.join(parts)}")

    def _fault(self, collection: str, skip: int) -> bool:
        state = self.server.state
        with state.lock:
            fault = next(
                (
                    f
                    for f in state.faults
                    if f.hits < f.times
                    and (f.collection is None or f.collection == collection)
                    and (f.skip is None or f.skip == skip)
                ),
                None,
            )
            if fault is None:
                return False
            fault.hits += 1
        action = fault.action
        if action == "slow":
            time.sleep(fault.delay)
            return False
        if action == "reset":
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            self.close_connection = True
            self.connection.close()
            return True
        if action == "truncate":
            body = json.dumps([{"pid": "x" * 200}] * 5).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return True
        if action == "badjson":
            body = b'[{"pid": "20.500.12269/cut", "title": "cut sh'
            self.send_body(200, body)
            return True
        if action == "badencoding":
            body = json.dumps([{"pid": "20.500.12269/é", "title": "Fluorescence à 7 keV"}] * 3)
            self.send_body(200, body.encode("latin-1")[:-3] + b"\xe9\xff\xfe")
            return True
        if action == "html":
            page = b"<html><body><h1>Down for maintenance</h1></body></html>"
            self.content_type = "text/html; charset=utf-8"  # this connection only: closed
            self.close_connection = True
            self.send_body(200, page)
            return True
        status = int(action)
        headers = {"Retry-After": fault.retry_after} if status == 429 else {}
        self._send(status, {"error": {"statusCode": status, "message": "injected fault"}}, headers)
        return True

    def _send(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self.send_body(status, json.dumps(data).encode(), headers)


_PANOSC_RELATIONS = {
    "Datasets": {
        "documents",
        "document",
        "techniques",
        "instrument",
        "samples",
        "parameters",
        "files",
    },
    "Documents": {"datasets", "members", "parameters"},
    "Instruments": set(),
}


def _matches(record: Any, where: dict[str, Any]) -> bool:
    value = record.get("creationDate") if isinstance(record, dict) else None
    gt = where.get("gt")
    return gt is None or (isinstance(value, str) and value > gt)


@contextmanager
def catalogue_server(catalogues: dict[str, Catalogue]) -> Iterator[tuple[str, ServerState]]:
    """(base URL, state): add ``Fault``s to ``state.faults``; ``state.requests`` logs paths."""
    state = ServerState(catalogues)
    with serving(_Handler, state) as server:
        yield server.url, state


def load_snapshot(folder: Any) -> dict[str, list[Any]]:
    """A snapshot folder (``harvesters/snapshots/x``) as collections."""
    from pathlib import Path

    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in Path(folder).glob("*.json")}
