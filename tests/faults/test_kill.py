"""SIGKILL of ``pancommons harvest`` and ``pancommons assess`` at several points of a run.

Whatever the moment, the store keeps the previous graph exactly (or, for a kill during the
final swap, exactly the new one: never a mix), every query still answers, and ``--resume`` (or
a new run) reaches what an uninterrupted run gives."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pancommons import vocab
from pancommons.fair.history import latest_scores, runs
from pancommons.fair.shapes import load_shapes
from pancommons.fair.tests import fair_tests
from pancommons.store.embedded import EmbeddedStore
from tests.faults.world import (
    BASE,
    GRAPH,
    NAME,
    World,
    assert_complete,
    assert_intact,
)
from tests.harvest.catalogue_server import Catalogue, Fault
from tests.harvest.test_cli_harvest import big_catalogue
from tests.harvest.test_runner import triples
from tests.test_cli import EXE, run


def spawn(world: World, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [EXE, "--store", str(world.store_path), *args],
        env=world.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_when(proc: subprocess.Popen[bytes], ready: Callable[[], bool], delay: float = 0.0) -> bool:
    """SIGKILL ``proc`` ``delay`` s after ``ready()`` holds; whether it was still running."""
    deadline = time.monotonic() + 90
    while not ready():
        assert proc.poll() is None, "the run ended before the point it was to be killed at"
        assert time.monotonic() < deadline, "the run never reached the point"
        time.sleep(0.02)
    time.sleep(delay)
    alive = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    return alive


def pages_done(world: World, name: str = NAME) -> int:
    path = Path(world.state_dir) / name / "checkpoint.json"
    try:
        return int(json.loads(path.read_text())["pages"])
    except (FileNotFoundError, ValueError, KeyError):
        return 0


def resume(world: World, name: str = NAME) -> None:
    done = run(
        "harvest", str(world.toml(name=name)), "--resume", store=world.store_path, env=world.env()
    )
    assert done.returncode == 0, done.stderr


def test_kill_while_the_first_page_is_awaited(world: World, expected: dict[str, set[str]]) -> None:
    world.server.faults.append(Fault("slow", collection="Datasets", skip=0, delay=5.0))
    proc = spawn(world, "harvest", str(world.toml()))
    assert kill_when(proc, lambda: bool(world.server.requests))
    with EmbeddedStore(world.store_path) as store:
        assert_intact(store, expected["first"])
    world.server.faults.clear()
    resume(world)
    with EmbeddedStore(world.store_path) as store:
        assert_complete(store, expected["second"])


@pytest.mark.parametrize("after", [1, 4, 8], ids=["after-1-page", "half-way", "last-page"])
def test_kill_after_pages(world: World, expected: dict[str, set[str]], after: int) -> None:
    world.server.faults.append(Fault("slow", delay=0.2, times=10**6))
    proc = spawn(world, "harvest", str(world.toml()))
    assert kill_when(proc, lambda: pages_done(world) >= after)
    done = pages_done(world)
    with EmbeddedStore(world.store_path) as store:
        assert_intact(store, expected["first"])
    world.server.faults.clear()
    asked = len(world.server.requests)
    resume(world)
    again = [r for r in world.server.requests[asked:] if "/Datasets" in r]
    assert len(again) <= 8 - min(done, 8) + 1, "resume went on, it did not start over"
    with EmbeddedStore(world.store_path) as store:
        assert_complete(store, expected["second"])


def test_kill_during_a_first_harvest_leaves_no_half_graph(
    world: World, expected: dict[str, set[str]]
) -> None:
    world.server.catalogues["other"] = Catalogue("panosc", big_catalogue(40, "second"))
    world.server.faults.append(Fault("slow", delay=0.2, times=10**6))
    other = world.toml(name="other").read_text().replace("/cat/api", "/other/api")
    world.toml(name="other").write_text(other)
    proc = spawn(world, "harvest", str(world.toml(name="other")))
    assert kill_when(proc, lambda: pages_done(world, "other") >= 3)
    graph = vocab.source_graph("other", BASE)
    with EmbeddedStore(world.store_path) as store:
        assert store.count(graph) == 0 and graph not in store.graphs()
        assert_intact(store, expected["first"])
    world.server.faults.clear()
    resume(world, "other")
    with EmbeddedStore(world.store_path) as store:
        assert len(triples(store, graph)) > 0
        assert_intact(store, expected["first"])


BIG = 1500


@pytest.mark.parametrize("delay", [0.0, 0.3, 0.7])
def test_kill_during_the_swap_is_all_or_nothing(world: World, delay: float) -> None:
    """Killed after every page was read, while the new graph is loaded and swapped in: the
    graph is the old one or the new one, whole."""
    world.server.catalogues["cat"] = Catalogue("panosc", big_catalogue(BIG, "old"))
    source = world.toml()
    source.write_text(source.read_text().replace("page_size = 5", "page_size = 500"))
    first = run("harvest", str(source), store=world.store_path, env=world.env())
    assert first.returncode == 0, first.stderr
    with EmbeddedStore(world.store_path) as store:
        old = triples(store, GRAPH)
    world.server.catalogues["cat"] = Catalogue("panosc", big_catalogue(BIG, "new"))
    pages = BIG // 500  # the datasets' pages; then the (empty) documents and instruments
    proc = spawn(world, "harvest", str(source))
    killed = kill_when(proc, lambda: pages_done(world) >= pages, delay)
    with EmbeddedStore(world.store_path) as store:
        now = triples(store, GRAPH)
    rerun = run("harvest", str(source), store=world.store_path, env=world.env())
    assert rerun.returncode == 0, rerun.stderr
    with EmbeddedStore(world.store_path) as store:
        new = triples(store, GRAPH)
    assert new != old
    assert now in (old, new), "a mix of the old and the new graph"
    assert killed or now == new


def _scores(world: World) -> dict[str, float]:
    """Each dataset's latest total score, after checking that every recorded run's results
    graph holds a score for each dataset the run says it assessed (no half-written run)."""
    with EmbeddedStore(world.store_path) as store:
        for r in runs(store, BASE):
            rows = store.query(
                f"""SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ GRAPH <{r.graph}> {{
                  ?m <http://www.w3.org/ns/dqv#computedOn> ?d ;
                     <http://www.w3.org/ns/dqv#isMeasurementOf> <{BASE.rstrip("/")}/metric/score>
                }} }}"""
            )
            assert int(next(iter(rows))["n"].value) == r.datasets == 40  # type: ignore[index]
        got = latest_scores(store, fair_tests(load_shapes().graph), BASE)
        return {d: s.score for d, s in got.items()}


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.8, 0.95])
def test_kill_during_assessment_keeps_the_last_results(world: World, fraction: float) -> None:
    started = time.monotonic()
    first = run("assess", "--full", store=world.store_path, env=world.env())
    took = time.monotonic() - started
    assert first.returncode == 0, first.stderr
    before = _scores(world)
    assert len(before) == 40

    proc = spawn(world, "assess", "--full")
    kill_when(proc, lambda: True, took * fraction)
    assert _scores(world) == before, "the last results changed"

    again = run("assess", "--full", store=world.store_path, env=world.env())
    assert again.returncode == 0, again.stderr
    assert _scores(world) == before
