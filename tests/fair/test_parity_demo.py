"""The fast engine gives pyshacl's results on the real metric catalogue (shapes/) over the
demo graph, focus node by focus node and shape by shape (DESIGN §7: pyshacl is the reference)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from pancommons.demo import build_demo
from pancommons.fair.engine import assess_fast, assess_reference
from pancommons.fair.shapes import load_shapes
from pancommons.store.embedded import EmbeddedStore


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("fair-demo")
    store = EmbeddedStore(root / "store")
    build_demo(store, state_dir=str(root / "state"))
    yield store
    store.close()


def test_fast_engine_equals_pyshacl_on_the_demo(demo_store: EmbeddedStore) -> None:
    shapes = load_shapes()
    data = Graph()
    for q in demo_store._store.quads_for_pattern(None, None, None, None):  # the union, as queried
        data.parse(data=f"{q.subject} {q.predicate} {q.object} .\n", format="nt")
    fast = assess_fast(demo_store, shapes)
    reference = assess_reference(data, shapes)
    assert len(reference) > 100, "the demo fails many checks: a real comparison"
    only_fast, only_ref = sorted(fast - reference), sorted(reference - fast)
    assert not only_fast and not only_ref, (
        f"only fast: {only_fast[:10]}\nonly pyshacl: {only_ref[:10]}"
    )


def test_assess_scores_every_demo_dataset_and_keeps_history(demo_store: EmbeddedStore) -> None:
    from pancommons.fair.assess import assess
    from pancommons.fair.scoring import FAILED, INAPPLICABLE, PASSED, UNTESTED

    first = assess(demo_store, full=True)
    datasets = {
        r["d"].value
        for r in demo_store.query("SELECT DISTINCT ?d { ?d a <http://www.w3.org/ns/dcat#Dataset> }")
    }
    assert set(first.scores) == datasets
    outcomes = {o.outcome for s in first.scores.values() for o in s.outcomes}
    assert {PASSED, FAILED, UNTESTED, INAPPLICABLE} <= outcomes
    for s in first.scores.values():
        assert 0.0 <= s.score <= 1.0
        assert s.possible == sum(o.test.points for o in s.outcomes if o.outcome in (PASSED, FAILED))
    again = assess(demo_store)
    assert not again.full and again.scores == {}, "nothing changed since: nothing re-assessed"
    graphs = [g for g in demo_store.graphs() if "/graph/fair/" in g]
    assert first.graph in graphs and len(graphs) >= 1
    n = next(
        iter(
            demo_store.query(
                "PREFIX earl: <http://www.w3.org/ns/earl#> PREFIX dqv: <http://www.w3.org/ns/dqv#> "
                f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{first.graph}> {{ ?m a dqv:QualityMeasurement, "
                "earl:Assertion ; dqv:computedOn ?d ; earl:result/earl:outcome ?o } }"
            )
        )
    )["n"].value
    per_metric = sum(len({o.test.metric for o in s.outcomes}) for s in first.scores.values())
    assert int(n) == per_metric


def test_cli_assess_json(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    exe = str(Path(sys.executable).with_name("pancommons"))
    store = tmp_path / "store"
    env_state = {"PANCOMMONS_STATE": str(tmp_path / "state")}
    import os

    env = {**os.environ, **env_state}
    assert (
        subprocess.run(
            [exe, "--store", str(store), "demo", "--no-serve"],
            env=env,
            capture_output=True,
            timeout=300,
        ).returncode
        == 0
    )
    out = subprocess.run(
        [exe, "--store", str(store), "assess", "--full", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["datasets"] > 50 and summary["full"] is True
    assert sum(summary["distribution"]) == summary["datasets"]
    assert 0 < summary["mean_score"] < 1
