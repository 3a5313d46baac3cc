"""Shared fixtures: the three store backends (embedded, oxigraph serve, Virtuoso)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

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
    for g in store.graphs():
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
