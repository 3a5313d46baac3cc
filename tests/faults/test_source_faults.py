"""A source that misbehaves: errors, rate limits, timeouts, resets, cut and undecodable bodies.

A fault that outlasts the retries fails the run: the previous graph stays exactly as it was and
answers queries, and ``--resume`` (once the source is well again) reaches the graph a clean
harvest gives. A fault that the retries outlast changes nothing: the run completes with every
record."""

from __future__ import annotations

import pytest

from pancommons.harvest.prov import last_runs
from pancommons.harvest.runner import HarvestError
from pancommons.store.embedded import EmbeddedStore
from tests.faults.world import BASE, NAME, World, assert_complete, assert_intact
from tests.harvest.catalogue_server import Fault

FOREVER = 10**6

PERSISTENT = [
    Fault("500", collection="Datasets", skip=15, times=FOREVER),
    Fault("503", times=FOREVER),
    Fault("429", collection="Datasets", skip=20, retry_after="0", times=FOREVER),
    Fault("slow", collection="Datasets", skip=10, delay=2.5, times=FOREVER),
    Fault("reset", collection="Datasets", skip=25, times=FOREVER),
    Fault("truncate", collection="Datasets", skip=5, times=FOREVER),
    Fault("badjson", collection="Datasets", skip=30, times=FOREVER),
    Fault("badencoding", collection="Datasets", skip=35, times=FOREVER),
    Fault("html", collection="Datasets", skip=0, times=FOREVER),
    Fault("404", collection="Datasets", skip=15, times=FOREVER),
]


@pytest.mark.parametrize("fault", PERSISTENT, ids=lambda f: f"{f.action}-at-{f.skip}")
def test_lasting_fault_keeps_the_graph_and_resume_loses_nothing(
    world: World, expected: dict[str, set[str]], fault: Fault
) -> None:
    world.server.faults.append(fault)
    with EmbeddedStore(world.store_path) as store:
        with pytest.raises(HarvestError) as failed:
            world.harvest(store, config=world.config(timeout=1))
        message = str(failed.value)
        assert "is unchanged" in message and NAME in message
        assert fault.hits >= 1, "the fault was served"
        assert_intact(store, expected["first"])
        run = last_runs(store, BASE, NAME)[0]
        assert run["status"] == "failed" and run["error"]

        fault.times = 0  # the source is well again
        done = world.harvest(store, resume=True)
        assert done.status == "completed" and done.quarantined == 0
        assert_complete(store, expected["second"])


TRANSIENT = [
    Fault("500", collection="Datasets", skip=15, times=2),
    Fault("503", times=1),
    Fault("429", collection="Datasets", skip=20, retry_after="0", times=2),
    Fault("slow", collection="Datasets", skip=10, delay=1.5, times=1),
    Fault("reset", collection="Datasets", skip=25, times=2),
    Fault("truncate", collection="Datasets", skip=5, times=1),
    Fault("badjson", collection="Datasets", skip=30, times=1),
    Fault("badencoding", collection="Datasets", skip=35, times=1),
]


@pytest.mark.parametrize("fault", TRANSIENT, ids=lambda f: f"{f.action}x{f.times}")
def test_passing_fault_is_retried_and_every_record_arrives(
    world: World, expected: dict[str, set[str]], fault: Fault
) -> None:
    world.server.faults.append(fault)
    with EmbeddedStore(world.store_path) as store:
        done = world.harvest(store, config=world.config(timeout=1))
        assert fault.hits == fault.times, "the fault was served"
        assert done.status == "completed" and done.quarantined == 0
        assert_complete(store, expected["second"])


def test_malformed_records_are_quarantined_and_every_good_one_arrives(
    world: World, expected: dict[str, set[str]]
) -> None:
    datasets = world.server.catalogues["cat"].collections["Datasets"]
    datasets.insert(7, {"pid": "20.500.12269/broken", "title": ["not", "a", "string"]})
    datasets.insert(19, "not a record")
    datasets.insert(33, {"pid": 42})
    with EmbeddedStore(world.store_path) as store:
        done = world.harvest(store)
        assert (done.quarantined, done.mapped) == (3, 40)
        assert [q["position"] for q in done.quarantine] == [7, 19, 33]
        assert_complete(store, expected["second"])
