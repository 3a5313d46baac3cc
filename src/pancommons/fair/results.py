"""Assessment results as RDF in ``{base}/graph/fair/{run}`` (DESIGN §7), one graph per run,
never overwritten: per dataset and metric a ``dqv:QualityMeasurement`` that is also an
``earl:Assertion`` (with an ``earl:TestResult`` and its ``earl:outcome``; the metric's tests that
did not pass as ``pan:failedTest``, ``pan:inapplicableTest`` or ``pan:untestedTest``, so every
test's outcome can be read back, see ``history.py``) and an ``ftr:TestResult``, plus the
dataset's total; the run is a PROV activity in the meta graph."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

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


def write_run(store: Store, run: Run, scores: dict[str, DatasetScore], base: str) -> str:
    """Write the run's results graph and its PROV record; the graph IRI."""
    run_iri = run.iri(base)
    graph = run.graph(base)
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
                if o.detail:  # "{test name}: {what happened}", read back by history.py
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
    store.replace_graph(t.text_value().encode(), graph=graph, format=RdfFormat.N_TRIPLES)

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
    return graph
