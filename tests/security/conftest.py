"""What the security tests share: a canary HTTP server that records every request it gets, the
local file holding the marker, an app on a fresh embedded store (in-process), and a real
uvicorn whose address space is capped (a regression that expands a billion laughs kills that
server, not the test run or the machine)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from fastapi.testclient import TestClient

from pancommons.api.app import create_app
from pancommons.config import Settings
from pancommons.store.embedded import EmbeddedStore
from tests.harvest.local_http import QuietHandler, serving
from tests.security.hostile import MARKER, Targets
from tests.servers import _stop, free_port

TOKEN = "update-token-s3cr3t-5b1e0c"
SERVER_MEMORY = 3 * 2**30
"""Address-space cap of the uvicorn under test (it idles at ~0.6 GB of address space)."""


@dataclass
class CanaryState:
    hits: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Canary(QuietHandler):
    content_type = "text/plain"

    def _answer(self) -> None:
        with self.server.state.lock:
            self.server.state.hits.append(f"{self.command} {self.path}")
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.endswith(".dtd"):
            body = f'<!ENTITY leak "{MARKER}">'.encode()
        else:
            body = MARKER.encode()
        self.send_body(200, body)

    do_GET = do_POST = do_PUT = do_HEAD = _answer


@dataclass
class Canary:
    """A server on 127.0.0.1 that must never be contacted: it answers ``MARKER`` to anything."""

    url: str
    state: CanaryState

    @property
    def hits(self) -> list[str]:
        with self.state.lock:
            return list(self.state.hits)


@contextmanager
def running_canary() -> Iterator[Canary]:
    state = CanaryState()
    with serving(_Canary, state) as server:
        yield Canary(server.url, state)


@pytest.fixture
def canary() -> Iterator[Canary]:
    with running_canary() as c:
        yield c


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(MARKER + "\n")
    return path


@pytest.fixture
def targets(secret_file: Path, canary: Canary) -> Targets:
    return Targets(secret_file, canary.url)


@contextmanager
def app_client(tmp_path: Path, **settings: Any) -> Iterator[tuple[TestClient, EmbeddedStore]]:
    """The app in-process over a fresh embedded store, with ``settings``."""
    store = EmbeddedStore(tmp_path / "store")
    app = create_app(Settings(store=str(tmp_path / "store"), **settings), store=store)
    try:
        with TestClient(app) as client:
            yield client, store
    finally:
        store.close()


def dump(store: Any) -> str:
    """Every quad of the store as text (to look for markers and secrets in)."""
    rows = store.query("SELECT * WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
    return "\n".join(str(row) for row in rows)


def _cap_memory() -> None:  # runs in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (SERVER_MEMORY, SERVER_MEMORY))


@dataclass
class LiveServer:
    url: str
    log: Path
    proc: subprocess.Popen[bytes]

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None


@contextmanager
def live_server(
    workdir: Path, log_level: str = "warning", **settings: object
) -> Iterator[LiveServer]:
    """``pancommons.api.app`` under uvicorn on 127.0.0.1, address space capped, with
    ``settings`` as ``PANCOMMONS_*`` variables (an embedded store in ``workdir/store`` unless
    ``store`` is given); stdout and stderr go to ``workdir/uvicorn.log``."""
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANCOMMONS_")}
    env["PANCOMMONS_STORE"] = str(workdir / "store")
    env["MALLOC_ARENA_MAX"] = "2"  # fewer reserved malloc arenas: the cap is about real use
    env.update({f"PANCOMMONS_{k.upper()}": str(v) for k, v in settings.items()})
    log = workdir / "uvicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "pancommons.api.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", log_level],
            env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_cap_memory,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # /health: it answers 503 (not an error to wait on) when the store is down
            if proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited:\n{log.read_text()[-3000:]}")
            try:
                requests.get(base + "/health", timeout=2)
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"uvicorn did not come up:\n{log.read_text()[-3000:]}"
                    ) from None
                time.sleep(0.2)
        yield LiveServer(base, log, proc)
    finally:
        _stop(proc)
