"""Fixtures of the fault scenarios: one catalogue server for the session, and per scenario a
store holding the first harvest of it (see world.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pancommons.store.embedded import EmbeddedStore
from tests.faults.world import GRAPH, World, first, second
from tests.harvest.catalogue_server import ServerState, catalogue_server
from tests.harvest.test_runner import triples


@pytest.fixture(scope="session")
def catalogue() -> Iterator[tuple[str, ServerState]]:
    with catalogue_server({"cat": first()}) as served:
        yield served


def _clean_harvest(url: str, state: ServerState, tmp: Path, version: str) -> set[str]:
    state.catalogues["cat"] = first() if version == "first" else second()
    state.faults.clear()
    world = World(url, state, tmp)
    with EmbeddedStore(tmp / "store") as store:
        world.harvest(store)
        return triples(store, GRAPH)


@pytest.fixture(scope="session")
def expected(
    catalogue: tuple[str, ServerState], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, set[str]]:
    """The graphs clean harvests of both versions of the catalogue give."""
    url, state = catalogue
    return {
        v: _clean_harvest(url, state, tmp_path_factory.mktemp(f"clean-{v}"), v)
        for v in ("first", "second")
    }


@pytest.fixture
def world(
    catalogue: tuple[str, ServerState], expected: dict[str, set[str]], tmp_path: Path
) -> World:
    """A store at ``world.store_path`` holding the first harvest (closed, so that a
    subprocess may open it); the server now serves the second version, without faults."""
    url, state = catalogue
    state.catalogues["cat"] = first()
    state.faults.clear()
    w = World(url, state, tmp_path)
    with EmbeddedStore(w.store_path) as store:
        w.harvest(store)
        assert triples(store, GRAPH) == expected["first"]
    state.catalogues["cat"] = second()
    state.requests.clear()
    return w
