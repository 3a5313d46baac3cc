"""Two harvests of the same source at once are serialised: the second is refused with a clear
message while the first runs (never interleaved), and is accepted once the first has ended,
however it ended (a SIGKILLed holder leaves no stale lock). Different sources run side by
side."""

from __future__ import annotations

import signal
import subprocess
import threading

import pytest

from pancommons import vocab
from pancommons.harvest.runner import HarvestError
from pancommons.store.embedded import EmbeddedStore
from pancommons.store.remote import RemoteStore
from tests.faults.test_kill import kill_when, pages_done
from tests.faults.world import World, assert_complete, assert_intact, first, second, titles
from tests.harvest.catalogue_server import Fault
from tests.test_cli import EXE, run


def test_second_run_in_the_same_process_is_refused(
    world: World, expected: dict[str, set[str]]
) -> None:
    world.server.faults.append(Fault("slow", delay=0.1, times=10**6))
    with EmbeddedStore(world.store_path) as store:
        outcome: dict[str, object] = {}

        def first_run() -> None:
            outcome["first"] = world.harvest(store)

        runner = threading.Thread(target=first_run)
        runner.start()
        try:
            while pages_done(world) < 1:
                assert runner.is_alive(), "the first run ended early"
            with pytest.raises(HarvestError, match="another harvest of faulty is running"):
                world.harvest(store)
        finally:
            runner.join(60)
        assert outcome["first"].status == "completed"  # type: ignore[attr-defined]
        assert_complete(store, expected["second"])
        world.server.faults.clear()
        assert world.harvest(store).status == "completed", "the lock was released"


@pytest.fixture
def shared_store(oxigraph_url: str, world: World) -> RemoteStore:
    """A remote store (a real ``oxigraph serve``) holding the first harvest, which two
    processes can write at once."""
    store = RemoteStore(oxigraph_url)
    for g in store.graphs() + store.staging_leftovers():
        store.drop_graph(g)
    world.server.catalogues["cat"] = first()
    world.harvest(store)
    world.server.catalogues["cat"] = second()
    return store


def test_second_process_is_refused_and_the_first_completes(
    world: World, shared_store: RemoteStore, oxigraph_url: str, expected: dict[str, set[str]]
) -> None:
    world.server.faults.append(Fault("slow", delay=0.15, times=10**6))
    source = str(world.toml())
    holder = spawn_remote(world, oxigraph_url, source)
    try:
        while pages_done(world) < 2:
            assert holder.poll() is None, "the first run ended early"
        second = run("harvest", source, store=oxigraph_url, env=world.env())
        assert second.returncode != 0
        assert "another harvest of faulty is running" in second.stderr
        assert "Traceback" not in second.stderr
        assert_intact(shared_store, expected["first"])
    finally:
        assert holder.wait(120) == 0
    assert_complete(shared_store, expected["second"])


def test_a_killed_holder_leaves_no_stale_lock(
    world: World, shared_store: RemoteStore, oxigraph_url: str, expected: dict[str, set[str]]
) -> None:
    world.server.faults.append(Fault("slow", delay=0.15, times=10**6))
    source = str(world.toml())
    holder = spawn_remote(world, oxigraph_url, source)
    assert kill_when(holder, lambda: pages_done(world) >= 2)
    assert holder.returncode == -signal.SIGKILL
    assert_intact(shared_store, expected["first"])
    world.server.faults.clear()
    resumed = run("harvest", source, "--resume", store=oxigraph_url, env=world.env())
    assert resumed.returncode == 0, resumed.stderr
    assert_complete(shared_store, expected["second"])


def test_different_sources_run_side_by_side(
    world: World, shared_store: RemoteStore, oxigraph_url: str, expected: dict[str, set[str]]
) -> None:
    world.server.faults.append(Fault("slow", delay=0.05, times=10**6))
    world.server.catalogues["cat2"] = first()
    other = world.toml(name="other")
    other.write_text(other.read_text().replace("/cat/api", "/cat2/api"))
    a = spawn_remote(world, oxigraph_url, str(world.toml()))
    b = spawn_remote(world, oxigraph_url, str(other))
    assert a.wait(120) == 0 and b.wait(120) == 0
    assert_complete(shared_store, expected["second"])
    other_graph = vocab.source_graph("other", vocab.DEFAULT_BASE)
    assert len(titles(shared_store, other_graph)) == 40


def spawn_remote(world: World, url: str, source: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [EXE, "--store", url, "harvest", source],
        env=world.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
