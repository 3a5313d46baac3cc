"""A remote store (a real ``oxigraph serve``) that goes away in the middle of a harvest's load
and swap. The previous graph stays whole while it is gone and when it is back; a graph is never
half swapped; ``--resume`` (once it is back) loads the run's mapped records, all of them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pancommons.harvest.runner import HarvestError
from pancommons.store.remote import RemoteStore
from tests.faults.store_proxy import ProxyState, store_proxy
from tests.faults.world import GRAPH, World, assert_complete, assert_intact, first, second
from tests.harvest.test_runner import triples


@pytest.fixture
def remote(oxigraph_url: str) -> Iterator[tuple[RemoteStore, ProxyState, RemoteStore]]:
    """(a store client through the proxy, the proxy, a direct client) over an empty server."""
    direct = RemoteStore(oxigraph_url)
    for g in direct.graphs() + direct.staging_leftovers():
        direct.drop_graph(g)
    with store_proxy(oxigraph_url) as (url, proxy):
        store = RemoteStore(url, timeout=10)
        try:
            yield store, proxy, direct
        finally:
            store.close()
            direct.close()


def first_harvest(world: World, store: RemoteStore) -> None:
    world.server.catalogues["cat"] = first()
    world.harvest(store)
    world.server.catalogues["cat"] = second()


# What each request of a harvest's load looks like at the server (Oxigraph's endpoints).
STAGING_WRITE = "POST /store"
SWAP = "MOVE SILENT GRAPH"


@pytest.mark.parametrize(
    ("match", "mode"),
    [(STAGING_WRITE, "gone"), (SWAP, "gone"), (STAGING_WRITE, "answer-lost")],
    ids=["gone-at-staging-load", "gone-at-swap", "staging-answer-lost"],
)
def test_store_gone_before_the_swap_keeps_the_graph(
    world: World, remote, expected: dict[str, set[str]], match: str, mode: str
) -> None:
    store, proxy, direct = remote
    first_harvest(world, store)
    proxy.fail_when(match, mode)
    with pytest.raises(HarvestError, match="unchanged"):
        world.harvest(store)
    assert proxy.tripped
    assert_intact(direct, expected["first"])  # seen at the server itself, while "gone"
    proxy.back()
    assert_intact(store, expected["first"])
    done = world.harvest(store, resume=True)
    assert done.status == "completed"
    assert_complete(store, expected["second"])
    assert direct.staging_leftovers() == [], "staging graphs left behind"


def test_swap_whose_answer_is_lost_is_whole_and_resume_completes(
    world: World, remote, expected: dict[str, set[str]]
) -> None:
    """The server ran the MOVE but the client never heard: the graph is the new one, whole
    (one update is one transaction), and resuming is harmless."""
    store, proxy, direct = remote
    first_harvest(world, store)
    proxy.fail_when(SWAP, "answer-lost")
    with pytest.raises(HarvestError, match="either unchanged or already the new graph"):
        world.harvest(store)
    now = triples(direct, GRAPH)
    assert now in (expected["first"], expected["second"]), "a half-swapped graph"
    proxy.back()
    world.harvest(store, resume=True)
    assert_complete(store, expected["second"])


def test_store_gone_right_after_the_swap_reports_the_new_graph_in_place(
    world: World, remote, expected: dict[str, set[str]]
) -> None:
    """The swap is done, then the store goes away (at the run's count and PROV record): the
    graph is the new one, whole, and the error says so instead of claiming it unchanged
    (regression: it said "unchanged" and recorded the run as failed)."""
    store, proxy, direct = remote
    first_harvest(world, store)
    proxy.fail_when("SELECT (COUNT(*) AS ?n)", "gone")  # counting the new graph
    with pytest.raises(HarvestError, match="is in place") as failed:
        world.harvest(store)
    assert "unchanged" not in str(failed.value)
    assert_complete(direct, expected["second"])
    proxy.back()
    done = world.harvest(store, resume=True)
    assert done.status == "completed"
    assert_complete(store, expected["second"])
