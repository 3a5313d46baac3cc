"""A local web for the online FAIR checks: a PID resolver, landing pages, data files, content
negotiation, and the ways they go wrong. Every request is logged (time, method, path, Accept,
status) so tests can count what the checker sent.

- ``/doi/{doi}``, ``/hdl/{handle}``, ``/ark/ark:/{naan}/{name}``: the resolvers. Answered from
  ``ROUTES`` by the PID's last segment: ``(page, metadata)``, where ``page`` is a path to redirect
  a browser to (or a status, or ``"slow"``) and ``metadata`` is where a client that asks for
  DataCite JSON, JSON-LD or Turtle is sent (None: it gets the page like a browser).
- ``/landing/{name}``, ``/meta/{name}``, ``/data/open``: resources with ETag and Last-Modified
  that answer conditional requests with 304.
- ``/data/{401,403,404}``, ``/nohead/file`` (HEAD → 405), ``/busy/{name}`` (429 with
  Retry-After: 1 on the first request), ``/toobusy/{name}`` (429 with Retry-After: 60),
  ``/loop/a`` ⇄ ``/loop/b``, ``/chain/{n}`` → ``/chain/{n+1}``, ``/toftp`` → an ftp URL, ``/slow`` (answers after ``state.slow`` seconds).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import unquote

from tests.harvest.local_http import QuietHandler, StateServer, serving

ETAG = '"v1"'
LAST_MODIFIED = "Mon, 06 Jan 2025 10:00:00 GMT"
HTML = "text/html; charset=utf-8"

ROUTES: dict[str, tuple[str | int, str | None]] = {
    "good": ("/landing/good", "/meta/good.json"),
    "nomention": ("/landing/nomention", None),
    "loop": ("/loop/a", "/loop/a"),
    "missing": (404, 404),
    "broken": (500, 500),
    "slow": ("slow", "slow"),
    "abc-def": ("/landing/hdl", "/meta/hdl.ttl"),
    "x9": ("/landing/ark", "/meta/bad.ttl"),
    "busy": ("/busy/page", "/meta/bad.json"),
}

PAGES = {
    "good": "<html><body>Cite as <a href='https://doi.org/10.1234/GOOD'>doi</a></body></html>",
    "nomention": "<html><body>Welcome to our data portal.</body></html>",
    "hdl": "<html><body>hdl:11304/ABC-DEF</body></html>",
    "ark": "<html><body>ark:/12345/x9 &mdash; a sample</body></html>",
    "plain": "<html><body>Dataset ESRF-123</body></html>",
}
METADATA = {
    "good.json": ("application/vnd.datacite.datacite+json", b'{"doi": "10.1234/good"}'),
    "bad.json": ("application/vnd.datacite.datacite+json", b'{"doi": '),
    "hdl.ttl": (
        "text/turtle",
        b'<https://hdl.handle.net/11304/abc-def> <http://purl.org/dc/terms/title> "T" .',
    ),
    "bad.ttl": ("text/turtle", b"<a> <b> ."),
}
MACHINE = ("datacite+json", "ld+json", "turtle")


@dataclass
class Hit:
    at: float
    method: str
    path: str
    status: int
    headers: dict[str, str]


@dataclass
class WebState:
    slow: float = 1.5
    log: list[Hit] = field(default_factory=list)
    busy_seen: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hits(self, path: str = "", method: str = "") -> list[Hit]:
        with self.lock:
            return [h for h in self.log if h.path.startswith(path) and method in ("", h.method)]

    def count(self, status: int) -> int:
        with self.lock:
            return sum(h.status == status for h in self.log)


class Handler(QuietHandler):
    content_type = HTML

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, *, body: bool) -> None:
        path = unquote(self.path)
        status, headers, payload = self._route(path.split("?", 1)[0])
        state: WebState = self.server.state
        with state.lock:
            state.log.append(
                Hit(time.monotonic(), self.command, path, status, dict(self.headers.items()))
            )
        if status == -1:  # slow: answer after the client has given up
            time.sleep(state.slow)
            status = 200
        self.send_response(status)
        headers.setdefault("Content-Type", HTML)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if body and payload:
            self.wfile.write(payload)

    def _route(self, path: str) -> tuple[int, dict[str, str], bytes]:
        if path.startswith(("/doi/", "/hdl/", "/ark/")):
            page, meta = ROUTES.get(path.rsplit("/", 1)[-1].lower(), (404, 404))
            wants = self.headers.get("Accept", "")
            target = meta if meta is not None and any(m in wants for m in MACHINE) else page
            if target == "slow":
                return -1, {}, b"late"
            if isinstance(target, int):
                return target, {}, b"<html>error</html>"
            return 302, {"Location": target}, b""
        if path == "/loop/a":
            return 302, {"Location": "/loop/b"}, b""
        if path == "/loop/b":
            return 302, {"Location": f"{self.server.url}/loop/a"}, b""
        if path.startswith("/chain/"):
            return 301, {"Location": f"/chain/{int(path[7:]) + 1}"}, b""
        if path == "/toftp":
            return 302, {"Location": "ftp://example.org/file.h5"}, b""
        name = path.rsplit("/", 1)[-1]
        if path.startswith("/landing/") and name in PAGES:
            return self._conditional(HTML, PAGES[name].encode())
        if path.startswith("/meta/") and name in METADATA:
            return self._conditional(*METADATA[name])
        if path == "/data/open":
            return self._conditional("application/x-hdf5", b"\x89HDF" * 4096)
        if path.startswith("/data/") and name in ("401", "403", "404"):
            extra = {"WWW-Authenticate": 'Basic realm="data"'} if name == "401" else {}
            return int(name), extra, b"no"
        if path == "/nohead/file":
            if self.command == "HEAD":
                return 405, {"Allow": "GET"}, b""
            return 200, {"Content-Type": "application/octet-stream"}, b"0" * 100_000
        if path.startswith("/busy/"):
            state: WebState = self.server.state
            with state.lock:
                first = path not in state.busy_seen
                state.busy_seen.add(path)
            if first:
                return 429, {"Retry-After": "1"}, b"slow down"
            return 200, {}, b"<html>doi:10.1234/busy</html>"
        if path.startswith("/toobusy/"):
            return 429, {"Retry-After": "60"}, b"come back later"
        return 404, {}, b"<html>not found</html>"

    def _conditional(self, content_type: str, payload: bytes) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": content_type, "ETag": ETAG, "Last-Modified": LAST_MODIFIED}
        if self.headers.get("If-None-Match") == ETAG or (
            "If-None-Match" not in self.headers
            and self.headers.get("If-Modified-Since") == LAST_MODIFIED
        ):
            return 304, {"ETag": ETAG}, b""
        return 200, headers, payload


@contextmanager
def web(slow: float = 1.5) -> Iterator[StateServer]:
    with serving(Handler, WebState(slow=slow)) as server:
        yield server
