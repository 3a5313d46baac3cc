"""A small DataCite REST API on 127.0.0.1 for tests: the routes the ``datacite`` kind uses, with
real cursor paging and faults on demand.

- ``GET /dois?client-id=…&page[cursor]=…&page[size]=…[&query=updated:[… TO *]]``: the client's
  DOIs ordered by ``attributes.created`` (then id), as DataCite's cursor paging orders them.
  ``page[cursor]=1`` starts; every page but the last has ``links.next``, an absolute URL with an
  opaque cursor (base64 of the last record's sort key, Elasticsearch ``search_after`` style, so
  records added meanwhile do not shift later pages). ``page[size]`` is capped at ``max_page_size``.
- ``GET /dois/{doi}``: one record ``{"data": …}`` (the DOI in any case), else a JSON:API 404.
- Faults: ``state.faults.append(Fault(503, match="page%5Bcursor%5D=1"))`` answers the next
  request whose path contains ``match`` with that status (``times`` times).
- ``malformed_record(doi)``: a record that breaks the record schema, to be quarantined.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from tests.harvest.local_http import QuietHandler, serving

_QUERY = re.compile(r"^updated:\[(\S+) TO \*\]$")


@dataclass
class Fault:
    status: int
    match: str = ""
    times: int = 1
    hits: int = 0


@dataclass
class ApiState:
    records: list[dict[str, Any]]
    max_page_size: int = 1000
    faults: list[Fault] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _client(record: dict[str, Any]) -> str:
    try:
        return str(record["relationships"]["client"]["data"]["id"])
    except (KeyError, TypeError):
        return ""


def _attr(record: dict[str, Any], key: str) -> str:
    attrs = record.get("attributes")
    value = attrs.get(key) if isinstance(attrs, dict) else None
    return value if isinstance(value, str) else ""


def _sort_key(record: dict[str, Any]) -> list[str]:
    return [_attr(record, "created"), str(record.get("id", ""))]


def _cursor(key: list[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _after(token: str) -> list[str]:
    return list(json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))))


class _Handler(QuietHandler):
    content_type = "application/vnd.api+json"

    def do_GET(self) -> None:
        state = self.server.state
        with state.lock:
            state.requests.append(self.path)
            fault = next(
                (f for f in state.faults if f.hits < f.times and f.match in unquote(self.path)),
                None,
            )
            if fault:
                fault.hits += 1
        if fault:
            return self._send(fault.status, {"errors": [{"status": str(fault.status)}]})
        url = urlsplit(self.path)
        path = unquote(url.path)
        if path == "/dois":
            try:
                return self._list({k: v[0] for k, v in parse_qs(url.query).items()})
            except (ValueError, KeyError) as exc:
                return self._send(400, {"errors": [{"status": "400", "title": str(exc)}]})
        if path.startswith("/dois/"):
            doi = path.removeprefix("/dois/").lower()
            found = [r for r in state.records if str(r.get("id", "")).lower() == doi]
            if found:
                return self._send(200, {"data": found[0]})
        self._send(
            404,
            {
                "errors": [
                    {"status": "404", "title": "The resource you are looking for doesn't exist."}
                ]
            },
        )

    def _list(self, query: dict[str, str]) -> None:
        state = self.server.state
        records = [r for r in state.records if _client(r) == query["client-id"]]
        if "query" in query:
            m = _QUERY.match(query["query"])
            if not m:
                raise ValueError(f"query not understood: {query['query']!r}")
            records = [r for r in records if _attr(r, "updated") >= m.group(1)]
        records.sort(key=_sort_key)
        size = min(int(query.get("page[size]", 25)), state.max_page_size)
        cursor = query["page[cursor]"]
        if cursor != "1":
            after = _after(cursor)
            records = [r for r in records if _sort_key(r) > after]
        page = records[:size]
        host = f"http://{self.headers['Host']}"
        links = {"self": host + self.path}
        if len(records) > size:
            nxt = {**query, "page[cursor]": _cursor(_sort_key(page[-1]))}
            links["next"] = f"{host}/dois?{urlencode(nxt)}"
        self._send(200, {"data": page, "meta": {"total": len(records)}, "links": links})

    def _send(self, status: int, data: Any) -> None:
        self.send_body(status, json.dumps(data).encode())


@contextmanager
def datacite_server(
    records: list[dict[str, Any]], max_page_size: int = 1000
) -> Iterator[tuple[str, ApiState]]:
    """(base URL, state) of a DataCite API serving ``records`` (REST ``data`` items)."""
    state = ApiState(list(records), max_page_size)
    with serving(_Handler, state) as server:
        yield server.url, state


def malformed_record(
    doi: str, client: str, created: str = "2026-01-01T00:00:00Z"
) -> dict[str, Any]:
    """A DOI whose titles are a string, not a list: the record schema refuses it."""
    return {
        "id": doi,
        "type": "dois",
        "attributes": {"doi": doi, "titles": "not a list", "created": created, "updated": created},
        "relationships": {"client": {"data": {"id": client, "type": "clients"}}},
    }
