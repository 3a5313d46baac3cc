"""A SPARQL server that goes away on demand: a proxy on 127.0.0.1 in front of a real one
(``oxigraph serve``), forwarding every request until a rule says the store is gone.

``proxy.fail_when(match, mode)``: from the first request whose ``"METHOD path body"`` contains
``match`` on, ``mode`` decides: ``"gone"`` closes every connection without an answer (the store
went away before it saw the request), ``"answer-lost"`` forwards that one request and then
closes the connection without passing the answer on (the store did it; the client never hears),
then behaves as ``"gone"``. ``proxy.back()`` brings the store back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import unquote_plus, urlsplit

import requests

from tests.harvest.local_http import QuietHandler, serving


@dataclass
class ProxyState:
    upstream: str
    """``http://127.0.0.1:port`` of the real server."""
    match: str | None = None
    mode: str = "gone"
    tripped: bool = False
    seen: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_when(self, match: str, mode: str = "gone") -> None:
        with self.lock:
            self.match, self.mode, self.tripped = match, mode, False

    def back(self) -> None:
        with self.lock:
            self.match, self.tripped = None, False


class _Handler(QuietHandler):
    def _forward(self) -> None:
        state: ProxyState = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        text = unquote_plus(body[:4000].decode("utf-8", "replace"))  # form-encoded updates
        line = f"{self.command} {urlsplit(self.path).path} {text}"
        with state.lock:
            state.seen.append(line)
            trip_now = state.match is not None and not state.tripped and state.match in line
            if trip_now:
                state.tripped = True
            gone = state.tripped and not (trip_now and state.mode == "answer-lost")
        if gone:
            self.close_connection = True
            return
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")
        }
        answer = requests.request(
            self.command, state.upstream + self.path, data=body, headers=headers, timeout=60
        )
        if trip_now:  # answer-lost: the store did it; the client never hears
            self.close_connection = True
            return
        self.send_response(answer.status_code)
        for k, v in answer.headers.items():
            if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = do_PUT = do_DELETE = _forward


@contextmanager
def store_proxy(query_url: str) -> Iterator[tuple[str, ProxyState]]:
    """(the proxy's query URL, its state) in front of the server at ``query_url``."""
    parts = urlsplit(query_url)
    state = ProxyState(f"{parts.scheme}://{parts.netloc}")
    with serving(_Handler, state) as server:
        yield f"{server.url}{parts.path}", state
