"""A catalogue on 127.0.0.1 that answers whatever a fuzz target gives it: the page parsers of
the sources are fuzzed through their real HTTP client, as a harvest reads a catalogue.

``PageServer.answers`` is a list of ``(status, body)``, answered in order, the last one again
for every further request (a source that pages on gets the same page: it must stop, not loop).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from pancommons.harvest.http import HttpClient, RetryPolicy
from tests.harvest.local_http import QuietHandler, serving


@dataclass
class PageServer:
    answers: list[tuple[int, bytes]] = field(default_factory=lambda: [(200, b"[]")])
    content_type: str = "application/json"
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def serve(self, *answers: bytes | tuple[int, bytes]) -> None:
        """Answer with these bodies (200 unless given a status) from the next request on."""
        with self.lock:
            self.answers = [a if isinstance(a, tuple) else (200, a) for a in answers]
            self.requests = []

    def next_answer(self, path: str) -> tuple[int, bytes]:
        with self.lock:
            self.requests.append(path)
            n = len(self.requests) - 1
            return self.answers[min(n, len(self.answers) - 1)]


class _Handler(QuietHandler):
    wbufsize = 1 << 16
    """Headers and body leave in one send (flushed after each request): written apart, they
    meet the client's delayed ACK and every answer takes 40 ms."""

    def _answer(self) -> None:
        state: PageServer = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        status, body = state.next_answer(self.path)
        self.content_type = state.content_type
        self.send_body(status, body)

    do_GET = _answer
    do_POST = _answer
    do_DELETE = _answer


@contextmanager
def page_server(content_type: str = "application/json") -> Iterator[PageServer]:
    state = PageServer(content_type=content_type)
    with serving(_Handler, state) as server:
        state.url = server.url
        yield state


def client() -> HttpClient:
    """The harvest HTTP client, without retries (a fuzzed answer is the same when asked again)
    and without waits."""
    return HttpClient(timeout=10, policy=RetryPolicy(retries=0, backoff=0), sleep=lambda _: None)
