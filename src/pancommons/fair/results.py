"""Assessment results as RDF in ``{base}/graph/fair/{run}`` (DESIGN §7), one graph per run,
never overwritten: per dataset and metric a ``dqv:QualityMeasurement`` that is also an
``earl:Assertion`` (with an ``earl:TestResult`` and its ``earl:outcome``; the metric's tests that
did not pass as ``pan:failedTest``, ``pan:inapplicableTest`` or ``pan:untestedTest``, so every
test's outcome can be read back, see ``history.py``) and an ``ftr:TestResult``, plus the
dataset's total; the run is a PROV activity in the meta graph."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from pyoxigraph import RdfFormat

from pancommons import __version__, vocab
from pancommons.fair.scoring import FAILED, INAPPLICABLE, PASSED, UNTESTED, DatasetScore, Outcome
from pancommons.fair.tests import METRIC_SET_VERSION
from pancommons.harvest.mapping.nt import XSD, Triples, iri, literal, number
from pancommons.store.base import Store

DQV = "http://www.w3.org/ns/dqv#"
EARL = "http://www.w3.org/ns/earl#"
FTR = "https://w3id.org/ftr#"
PROV = "http://www.w3.org/ns/prov#"
PAN = str(vocab.PAN)
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


_NOT_PASSED = {FAILED: "failedTest", INAPPLICABLE: "inapplicableTest", UNTESTED: "untestedTest"}
"""Per-test outcomes other than passed, on the metric's result (the other tests passed)."""


def _t(ns: str, local: str) -> str:
    return f"<{ns}{local}>"


@dataclass
class Run:
    run_id: str
    started: str
    ended: str
    datasets: int
    full: bool
    online: bool
    scope: str | None = None
    """``facility:ESRF`` etc. when the run assessed only that part of the graph."""

    def iri(self, base: str) -> str:
        return vocab.mint("assessment", "runs", self.run_id, base)

    def graph(self, base: str) -> str:
        return vocab.fair_graph(self.run_id, base)


def metric_outcome(outcomes: list[Outcome]) -> str:
    """A metric failed if any of its tests failed, passed if none failed and one passed; else
    all its tests were inapplicable or untested."""
    kinds = {o.outcome for o in outcomes}
    for kind in (FAILED, PASSED, UNTESTED):
        if kind in kinds:
            return kind
    return INAPPLICABLE


_QM = _t(DQV, "QualityMeasurement")
_ASSERTION = _t(EARL, "Assertion")
_FTR_RESULT = _t(FTR, "TestResult")
_COMPUTED_ON = _t(DQV, "computedOn")
_SUBJECT = _t(EARL, "subject")
_MEASURES = _t(DQV, "isMeasurementOf")
_TEST = _t(EARL, "test")
_VALUE = _t(DQV, "value")
_GENERATED_BY = _t(PROV, "wasGeneratedBy")
_RESULT = _t(EARL, "result")
_TEST_RESULT = _t(EARL, "TestResult")
_OUTCOME = _t(EARL, "outcome")
_DETAIL = _t(PAN, "detail")
_DECIMAL = f"^^<{XSD}decimal>"
_NOT_PASSED_P = {k: _t(PAN, v) for k, v in _NOT_PASSED.items()}
_OUTCOMES = {k: _t(EARL, k) for k in (FAILED, PASSED, UNTESTED, INAPPLICABLE)}


def results_nt(run: Run, scores: Mapping[str, DatasetScore], base: str) -> Iterator[str]:
    """The run's results graph as N-Triples, one piece per dataset (``write_run`` streams it).

    The terms that repeat (the run, metrics, tests, the vocabulary) are written once and reused;
    a measurement's IRI is the run's followed by the percent-encoded dataset IRI, which only
    adds unreserved characters to an IRI already checked."""
    run_ref = iri(run.iri(base))
    run_prefix = run_ref[:-1]
    generated = f"{_GENERATED_BY} {run_ref} .\n"
    score_metric = iri(base.rstrip("/") + "/metric/score")
    total_metric = f"{_MEASURES} {score_metric} .\n"
    refs: dict[str, str] = {}

    def ref(value: str) -> str:
        term = refs.get(value)
        if term is None:
            term = refs[value] = iri(value)
        return term

    for dataset, s in scores.items():
        d = iri(dataset)
        node = f"{run_prefix}/{vocab.quote_all(dataset)}"
        out: list[str] = []
        by_metric: dict[str, list[Outcome]] = {}
        for o in s.outcomes:
            by_metric.setdefault(o.test.metric, []).append(o)
        for n, (metric, outcomes) in enumerate(sorted(by_metric.items())):
            m = f"{node}/{n}>"
            result = f"{node}/{n}/result>"
            out.append(
                f"{m} {RDF_TYPE} {_QM} .\n{m} {RDF_TYPE} {_ASSERTION} .\n"
                f"{m} {RDF_TYPE} {_FTR_RESULT} .\n"
                f"{m} {_COMPUTED_ON} {d} .\n{m} {_SUBJECT} {d} .\n"
            )
            if metric:
                metric_ref = ref(metric)
                out.append(f"{m} {_MEASURES} {metric_ref} .\n{m} {_TEST} {metric_ref} .\n")
            earned = sum(o.earned for o in outcomes)
            out.append(
                f'{m} {_VALUE} "{earned:g}"{_DECIMAL} .\n{m} {generated}'
                f"{m} {_RESULT} {result} .\n{result} {RDF_TYPE} {_TEST_RESULT} .\n"
                f"{result} {_OUTCOME} {_OUTCOMES[metric_outcome(outcomes)]} .\n"
            )
            for o in outcomes:
                if o.outcome in _NOT_PASSED_P:
                    out.append(f"{result} {_NOT_PASSED_P[o.outcome]} {ref(o.test.iri)} .\n")
                if o.detail:  # "{test name}: {what happened}", read back by history.py
                    name = o.test.iri.rsplit("/", 1)[-1]
                    out.append(f"{result} {_DETAIL} {literal(f'{name}: {o.detail}')} .\n")
        earned, possible = s.earned, s.possible
        total = earned / possible if possible else 0.0
        t = f"{node}>"
        out.append(
            f"{t} {RDF_TYPE} {_QM} .\n{t} {_COMPUTED_ON} {d} .\n{t} {total_metric}"
            f'{t} {_VALUE} "{total:.4f}"{_DECIMAL} .\n'
            f'{t} <{PAN}points> "{earned:g}"{_DECIMAL} .\n'
            f'{t} <{PAN}pointsPossible> "{possible:g}"{_DECIMAL} .\n{t} {generated}'
        )
        yield "".join(out)


def write_run(store: Store, run: Run, scores: Mapping[str, DatasetScore], base: str) -> str:
    """Write the run's results graph and its PROV record; the graph IRI.

    The graph is new, so on the embedded store it is streamed into the store's loader while it
    is written (bulk loads of a few megabytes on other cores, hidden until complete; nothing
    is left of it if writing fails); other stores get it in one ``replace_graph``."""
    graph = run.graph(base)
    pieces = results_nt(run, scores, base)
    loader = store.open_loader(graph, trusted=True)
    if loader is None:
        store.replace_graph("".join(pieces).encode(), graph=graph, format=RdfFormat.N_TRIPLES)
    else:
        try:
            for piece in pieces:  # the loader gathers them into segments itself
                loader.write(piece.encode())
        except BaseException:
            loader.abort()
            raise
        loader.commit()
    _write_prov(store, run, graph, base)
    return graph


def _write_prov(store: Store, run: Run, graph: str, base: str) -> None:
    """The run as a PROV activity in the meta graph."""
    run_iri = run.iri(base)
    meta = Triples()
    r = iri(run_iri)
    meta.type(r, _t(PROV, "Activity"), _t(PAN, "AssessmentRun"))
    meta.add(r, _t(PROV, "startedAtTime"), literal(run.started, XSD + "dateTime"))
    meta.add(r, _t(PROV, "endedAtTime"), literal(run.ended, XSD + "dateTime"))
    meta.add(r, _t(PROV, "generated"), iri(graph))
    meta.add(r, _t(PAN, "metricSetVersion"), literal(METRIC_SET_VERSION))
    meta.add(r, _t(PAN, "softwareVersion"), literal(__version__))
    meta.add(r, _t(PAN, "datasetsAssessed"), number(run.datasets))
    meta.add(r, _t(PAN, "mode"), literal("full" if run.full else "incremental"))
    meta.add(r, _t(PAN, "online"), literal("true" if run.online else "false", XSD + "boolean"))
    if run.scope:
        meta.add(r, _t(PAN, "scope"), literal(run.scope))
    store.update(f"INSERT DATA {{ GRAPH <{vocab.meta_graph(base)}> {{\n{meta.text_value()}}} }}")
