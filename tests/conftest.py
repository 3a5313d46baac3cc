"""Shared fixtures: the three store backends (embedded, oxigraph serve, Virtuoso), and a guard
that refuses any network access beyond the loopback interface."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pancommons.store import Store
from pancommons.store.embedded import EmbeddedStore
from pancommons.store.remote import RemoteStore
from tests.servers import VIRTUOSO, oxigraph_server, virtuoso_server

REQUIRE_VIRTUOSO = os.environ.get("PANCOMMONS_REQUIRE_VIRTUOSO") == "1"
BACKENDS = ["embedded", "oxigraph", "virtuoso"]


@pytest.fixture(scope="session")
def oxigraph_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as url:
        yield url


@pytest.fixture(scope="session")
def virtuoso_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not VIRTUOSO:
        if REQUIRE_VIRTUOSO:
            pytest.fail("PANCOMMONS_REQUIRE_VIRTUOSO=1 but virtuoso-t is not installed")
        pytest.skip(
            "Virtuoso is not installed (apt-get install virtuoso-opensource); "
            "set PANCOMMONS_REQUIRE_VIRTUOSO=1 to make this a failure"
        )
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as url:
        yield url


def _clear(store: Store) -> None:
    leftovers = store.staging_leftovers() if isinstance(store, RemoteStore) else []
    for g in store.graphs() + leftovers:
        store.drop_graph(g)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A store with no named graphs, of each backend in turn."""
    backend: str = request.param
    if backend == "embedded":
        s: Store = EmbeddedStore(tmp_path / "store")
    else:
        url = request.getfixturevalue(f"{backend}_url")
        s = RemoteStore(url)
        _clear(s)
    try:
        yield s
    finally:
        if backend != "embedded":
            _clear(s)
        s.close()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every connection that is not to the loopback interface (no context fetching)."""
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if self.family == socket.AF_UNIX or host in ("127.0.0.1", "::1", "localhost"):
            return real_connect(self, address)
        raise AssertionError(f"network access attempted: {address!r}")

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"DNS lookup attempted: {host!r}")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
