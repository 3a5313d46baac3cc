"""What the local test servers (catalogue, DataCite API, OAI-PMH repository) share: a quiet
HTTP/1.1 handler that tolerates clients killed mid-request, and a server on 127.0.0.1 that runs
in a thread and carries the test's state."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class QuietHandler(BaseHTTPRequestHandler):
    server: StateServer
    protocol_version = "HTTP/1.1"
    content_type = "application/json"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def handle(self) -> None:
        # A client killed mid-request (the SIGKILL tests) is normal here, not an error.
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def finish(self) -> None:
        with suppress(BrokenPipeError, ConnectionResetError):
            super().finish()

    def send_body(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


class StateServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[QuietHandler], state: Any) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.state = state

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def serving(handler: type[QuietHandler], state: Any) -> Iterator[StateServer]:
    """A running server answering with ``handler`` over ``state``; shut down on exit."""
    server = StateServer(handler, state)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
