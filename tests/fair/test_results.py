"""The results graph: written through the embedded store's streaming loader it is the same,
triple for triple, as the text the writer always produced; a failure while writing leaves nothing
behind (no partial graph, no run in the meta graph)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from pyoxigraph import NamedNode

from pancommons import vocab
from pancommons.fair.assess import assess
from pancommons.fair.results import (
    DQV,
    EARL,
    FTR,
    PAN,
    PROV,
    Run,
    metric_outcome,
    results_nt,
    write_run,
)
from pancommons.fair.scoring import FAILED, INAPPLICABLE, UNTESTED, DatasetScore, Outcome
from pancommons.fair.synthetic import records
from pancommons.harvest.mapping.nt import XSD, TermError, Triples, iri, literal
from pancommons.store.embedded import EmbeddedStore
from pancommons.store.streaming import StreamingLoad

BASE = vocab.DEFAULT_BASE
_NOT_PASSED = {FAILED: "failedTest", INAPPLICABLE: "inapplicableTest", UNTESTED: "untestedTest"}


def _t(ns: str, local: str) -> str:
    return f"<{ns}{local}>"


def reference_nt(run: Run, scores: dict[str, DatasetScore], base: str) -> str:
    """The results graph as ``write_run`` wrote it before it streamed (kept as the reference)."""
    run_iri = run.iri(base)
    t = Triples()
    for dataset, s in scores.items():
        d = iri(dataset)
        key = quote(dataset, safe="")
        by_metric: dict[str, list[Outcome]] = {}
        for o in s.outcomes:
            by_metric.setdefault(o.test.metric, []).append(o)
        for n, (metric, outcomes) in enumerate(sorted(by_metric.items())):
            m = iri(f"{run_iri}/{key}/{n}")
            t.type(m, _t(DQV, "QualityMeasurement"), _t(EARL, "Assertion"), _t(FTR, "TestResult"))
            t.add(m, _t(DQV, "computedOn"), d)
            t.add(m, _t(EARL, "subject"), d)
            t.link(m, _t(DQV, "isMeasurementOf"), metric or None)
            t.link(m, _t(EARL, "test"), metric or None)
            earned = sum(o.earned for o in outcomes)
            t.add(m, _t(DQV, "value"), literal(f"{earned:g}", XSD + "decimal"))
            t.add(m, _t(PROV, "wasGeneratedBy"), iri(run_iri))
            result = iri(f"{run_iri}/{key}/{n}/result")
            t.add(m, _t(EARL, "result"), result)
            t.type(result, _t(EARL, "TestResult"))
            t.add(result, _t(EARL, "outcome"), _t(EARL, metric_outcome(outcomes)))
            for o in outcomes:
                if o.outcome in _NOT_PASSED:
                    t.add(result, _t(PAN, _NOT_PASSED[o.outcome]), iri(o.test.iri))
                if o.detail:
                    name = o.test.iri.rsplit("/", 1)[-1]
                    t.add(result, _t(PAN, "detail"), literal(f"{name}: {o.detail}"))
        total = iri(f"{run_iri}/{quote(dataset, safe='')}")
        t.type(total, _t(DQV, "QualityMeasurement"))
        t.add(total, _t(DQV, "computedOn"), d)
        t.add(total, _t(DQV, "isMeasurementOf"), iri(f"{base.rstrip('/')}/metric/score"))
        t.add(total, _t(DQV, "value"), literal(f"{s.score:.4f}", XSD + "decimal"))
        t.add(total, _t(PAN, "points"), literal(f"{s.earned:g}", XSD + "decimal"))
        t.add(total, _t(PAN, "pointsPossible"), literal(f"{s.possible:g}", XSD + "decimal"))
        t.add(total, _t(PROV, "wasGeneratedBy"), iri(run_iri))
    return t.text_value()


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, DatasetScore]:
    """Scores of 100 synthetic datasets, plus datasets with every kind of outcome, details that
    need escaping and an IRI that needs percent-encoding in the measurement's IRI."""
    root = tmp_path_factory.mktemp("results")
    data = root / "d.nt"
    data.write_text("\n".join(records(100, 7)) + "\n")
    with EmbeddedStore(root / "store") as store:
        store.bulk_load(str(data), graph=vocab.source_graph("synthetic"))
        out = dict(assess(store, full=True).scores)
    first = next(iter(out.values()))
    odd = DatasetScore("https://example.org/data set?x=1&y=ä#frag")
    for i, o in enumerate(first.outcomes):
        kind = (FAILED, INAPPLICABLE, UNTESTED, o.outcome)[i % 4]
        detail = 'GET "https://x/"\n-> 404 \\ gone' if i % 3 == 0 else ""
        odd.outcomes.append(Outcome(o.test, kind, o.paths, detail))
    out[odd.dataset] = odd
    out["https://example.org/nothing-tested"] = DatasetScore("https://example.org/nothing-tested")
    return out


RUN = Run(
    "20250101T000000000Z-abcdef",
    "2025-01-01T00:00:00.000Z",
    "2025-01-01T00:00:01.000Z",
    102,
    True,
    False,
)


def test_text_is_the_reference_text(scores: dict[str, DatasetScore]) -> None:
    assert "".join(results_nt(RUN, scores, BASE)) == reference_nt(RUN, scores, BASE)


class _NoLoader:
    """An embedded store seen as one without a streaming loader (a remote store)."""

    def __init__(self, store: EmbeddedStore) -> None:
        self._inner = store

    def open_loader(self, graph: str, *, trusted: bool = False) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _quads(store: EmbeddedStore, graph: str) -> set[str]:
    return {
        f"{q.subject} {q.predicate} {q.object}"
        for q in store._store.quads_for_pattern(None, None, None, NamedNode(graph))
    }


def test_streamed_graph_equals_replace_graph(
    scores: dict[str, DatasetScore], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    segments = []

    def small_segments(self: EmbeddedStore, graph: str, *, trusted: bool = False) -> StreamingLoad:
        load = StreamingLoad(self, graph, segment_bytes=1 << 20, trusted=trusted)
        segments.append(load)
        return load

    with (
        EmbeddedStore(tmp_path / "a") as streamed,
        EmbeddedStore(tmp_path / "b") as replaced,
        monkeypatch.context() as m,
    ):
        m.setattr(EmbeddedStore, "open_loader", small_segments)
        graph = write_run(streamed, RUN, scores, BASE)
        m.undo()
        assert segments, "written through the loader"
        assert write_run(_NoLoader(replaced), RUN, scores, BASE) == graph  # type: ignore[arg-type]
        a, b = _quads(streamed, graph), _quads(replaced, graph)
        assert len(a) == reference_nt(RUN, scores, BASE).count("\n") and a == b
        meta = vocab.meta_graph(BASE)
        assert _quads(streamed, meta) == _quads(replaced, meta)


def test_failure_mid_write_leaves_nothing(
    scores: dict[str, DatasetScore], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[int] = []

    class Counting(StreamingLoad):
        def write(self, data: bytes) -> None:
            writes.append(len(data))
            super().write(data)

    monkeypatch.setattr(
        EmbeddedStore,
        "open_loader",
        lambda self, graph, trusted=False: Counting(self, graph, segment_bytes=1 << 20),
    )
    broken = dict(scores)
    broken["not an IRI"] = DatasetScore("not an IRI")  # the last dataset cannot be written

    def drain(pieces: Iterator[str]) -> None:
        for _ in pieces:
            pass

    with pytest.raises(TermError):
        drain(results_nt(RUN, broken, BASE))
    with EmbeddedStore(tmp_path / "s") as store:
        with pytest.raises(TermError):
            write_run(store, RUN, broken, BASE)
        assert sum(writes) > 3 << 20, "segments were loaded before the failure"
        graph = RUN.graph(BASE)
        assert graph not in store.graphs() and store.count(graph) == 0
        assert not _quads(store, vocab.meta_graph(BASE)), "no run recorded"
        assert not list(store._store.quads_for_pattern(None, None, None, None))
        # the graph can be written afterwards
        write_run(store, RUN, scores, BASE)
        assert _quads(store, graph)


def test_incremental_run_reassesses_the_harvested_graphs(tmp_path: Path) -> None:
    """Only the datasets of graphs harvested since the last full run are re-assessed, with the
    same outcomes as in the full run (nothing else changed); harvests before it do not count."""
    lines = records(60, 11)
    a, b = tmp_path / "a.nt", tmp_path / "b.nt"
    a.write_text("\n".join(lines[: len(lines) // 2]) + "\n")
    b.write_text("\n".join(lines[len(lines) // 2 :]) + "\n")
    meta, pan, prov = vocab.meta_graph(BASE), PAN, PROV
    dt = "<http://www.w3.org/2001/XMLSchema#dateTime>"

    def harvested(run: str, graph: str, ended: str) -> str:
        return (
            f"INSERT DATA {{ GRAPH <{meta}> {{ <urn:x:{run}> a <{pan}HarvestRun> ; "
            f'<{prov}endedAtTime> "{ended}"^^{dt} ; <{prov}generated> <{graph}> }} }}'
        )

    with EmbeddedStore(tmp_path / "store") as store:
        ga, gb = vocab.source_graph("a"), vocab.source_graph("b")
        store.bulk_load(str(a), graph=ga)
        store.bulk_load(str(b), graph=gb)
        store.update(harvested("old", ga, "2000-01-01T00:00:00Z"))
        full = assess(store, full=True)
        store.update(harvested("b", gb, "2999-01-01T00:00:00Z"))
        store.update(harvested("empty", "urn:x:no-datasets", "2999-01-01T00:00:00Z"))
        again = assess(store)
        in_b = {
            r["d"].value  # type: ignore[index, union-attr]
            for r in store.query(  # type: ignore[union-attr]
                f"SELECT ?d {{ GRAPH <{gb}> {{ ?d a <http://www.w3.org/ns/dcat#Dataset> }} }}"
            )
        }
        assert not again.full and in_b and set(again.scores) == in_b
        assert again.scores == {d: full.scores[d] for d in in_b}
