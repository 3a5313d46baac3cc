"""The assessment history read back from the store: the runs, each dataset's latest scores, and
the trend over runs (DESIGN §7: results are RDF, earlier runs are kept, trends come from them).

Runs are incremental, so a dataset's current assessment is the one of the latest run that
assessed it; "as of" a run, it is the latest run up to that one. Every test's outcome is read
back exactly from a metric's result: the tests named by ``pan:failedTest``,
``pan:inapplicableTest`` or ``pan:untestedTest`` had that outcome and the metric's other tests
passed (``results.py`` writes them so). A metric the run did not assess (a newer catalogue) is
reported untested.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pancommons import vocab
from pancommons.fair.results import DQV, EARL, PAN, PROV
from pancommons.fair.scope import Scope
from pancommons.fair.scoring import FAILED, INAPPLICABLE, PASSED, UNTESTED, DatasetScore, Outcome
from pancommons.fair.tests import FairTest
from pancommons.harvest.mapping.nt import iri
from pancommons.store.base import Store

_KINDS = {"failedTest": FAILED, "inapplicableTest": INAPPLICABLE, "untestedTest": UNTESTED}


@dataclass(frozen=True)
class RunInfo:
    iri: str
    graph: str
    started: str
    ended: str
    metric_set: str
    datasets: int
    mode: str
    online: bool
    scope: str = "all"

    @property
    def run_id(self) -> str:
        return self.graph.rsplit("/", 1)[-1]


def runs(store: Store, base: str = vocab.DEFAULT_BASE) -> list[RunInfo]:
    """Every assessment run recorded in the meta graph, oldest first."""
    rows = store.query(
        f"""SELECT ?r ?g ?start ?end ?set ?n ?mode ?online ?scope WHERE {{
          GRAPH {iri(vocab.meta_graph(base))} {{
            ?r a <{PAN}AssessmentRun> ; <{PROV}generated> ?g ; <{PROV}startedAtTime> ?start .
            OPTIONAL {{ ?r <{PROV}endedAtTime> ?end }}
            OPTIONAL {{ ?r <{PAN}metricSetVersion> ?set }}
            OPTIONAL {{ ?r <{PAN}datasetsAssessed> ?n }}
            OPTIONAL {{ ?r <{PAN}mode> ?mode }}
            OPTIONAL {{ ?r <{PAN}online> ?online }}
            OPTIONAL {{ ?r <{PAN}scope> ?scope }} }} }}
        ORDER BY ?start ?r"""
    )

    def v(term: object, default: str = "") -> str:
        return term.value if term is not None else default  # type: ignore[attr-defined]

    return [
        RunInfo(
            iri=v(r["r"]),
            graph=v(r["g"]),
            started=v(r["start"]),
            ended=v(r["end"]),
            metric_set=v(r["set"]),
            datasets=int(v(r["n"], "0")),
            mode=v(r["mode"]),
            online=v(r["online"]) == "true",
            scope=v(r["scope"], "all"),
        )
        for r in rows  # type: ignore[union-attr]
    ]


@dataclass
class History:
    runs: list[RunInfo]
    totals: dict[str, list[tuple[int, float]]]
    """Dataset → [(index of the run in ``runs``, score)], in run order."""

    def latest(self, as_of: int | None = None) -> dict[str, int]:
        """Dataset → index of the latest run (up to run ``as_of``) that assessed it."""
        out: dict[str, int] = {}
        for d, seen in self.totals.items():
            for i, _ in reversed(seen):
                if as_of is None or i <= as_of:
                    out[d] = i
                    break
        return out

    def trend(self) -> list[tuple[RunInfo, int, float]]:
        """For each run: the datasets assessed so far and their mean score as of that run."""
        out = []
        current: dict[str, float] = {}
        by_run: dict[int, list[tuple[str, float]]] = defaultdict(list)
        for d, seen in self.totals.items():
            for i, s in seen:
                by_run[i].append((d, s))
        for i, run in enumerate(self.runs):
            current.update(by_run.get(i, ()))
            mean = sum(current.values()) / len(current) if current else 0.0
            out.append((run, len(current), mean))
        return out


def history(store: Store, base: str = vocab.DEFAULT_BASE, scope: Scope | None = None) -> History:
    """The runs and every dataset's total score in each run that assessed it (datasets in
    ``scope`` only)."""
    all_runs = runs(store, base)
    index = {r.iri: i for i, r in enumerate(all_runs)}
    score_metric = iri(f"{base.rstrip('/')}/metric/score")
    pattern = (scope or Scope()).pattern(base)
    rows = store.query(
        f"""SELECT ?d ?run ?v WHERE {{
          {{ SELECT DISTINCT ?d WHERE {{ {pattern} }} }}
          GRAPH ?g {{ ?m <{DQV}computedOn> ?d ; <{DQV}isMeasurementOf> {score_metric} ;
                       <{DQV}value> ?v ; <{PROV}wasGeneratedBy> ?run }} }}"""
    )
    totals: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for r in rows:  # type: ignore[union-attr]
        i = index.get(r["run"].value)
        if i is not None:
            totals[r["d"].value].append((i, float(r["v"].value)))
    for seen in totals.values():
        seen.sort()
    return History(all_runs, dict(totals))


def latest_scores(
    store: Store,
    tests: dict[str, FairTest],
    base: str = vocab.DEFAULT_BASE,
    scope: Scope | None = None,
    *,
    as_of: int | None = None,
    hist: History | None = None,
) -> dict[str, DatasetScore]:
    """Each dataset's scores from its latest run (up to run index ``as_of``), every test's
    outcome read back from the results graphs."""
    hist = hist or history(store, base, scope)
    latest = hist.latest(as_of)
    by_run: dict[int, set[str]] = defaultdict(set)
    for d, i in latest.items():
        by_run[i].add(d)
    marks: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    """dataset → test IRI → (outcome, detail)"""
    seen_metrics: dict[str, set[str]] = defaultdict(set)
    names = {t.iri.rsplit("/", 1)[-1]: t.iri for t in tests.values()}
    for i, datasets in by_run.items():
        graph = iri(hist.runs[i].graph)
        rows = store.query(
            f"""SELECT ?d ?metric ?k ?x WHERE {{ GRAPH {graph} {{
              ?m <{DQV}computedOn> ?d ; <{DQV}isMeasurementOf> ?metric ; <{EARL}result> ?r .
              OPTIONAL {{ ?r ?k ?x . FILTER(?k IN (<{PAN}failedTest>, <{PAN}inapplicableTest>,
                                                  <{PAN}untestedTest>, <{PAN}detail>)) }} }} }}"""
        )
        for r in rows:  # type: ignore[union-attr]
            d = r["d"].value
            if d not in datasets:
                continue
            seen_metrics[d].add(r["metric"].value)
            if r["k"] is None:
                continue
            kind = r["k"].value.rsplit("#", 1)[-1]
            if kind == "detail":
                name, _, detail = r["x"].value.partition(": ")
                if name in names:
                    outcome = marks[d].get(names[name], (PASSED, ""))[0]
                    marks[d][names[name]] = (outcome, detail)
            else:
                detail = marks[d].get(r["x"].value, ("", ""))[1]
                marks[d][r["x"].value] = (_KINDS[kind], detail)
    ordered = sorted(tests.values(), key=lambda t: (t.principle, t.iri))
    out: dict[str, DatasetScore] = {}
    for d, i in sorted(latest.items()):
        s = DatasetScore(d, metric_set=hist.runs[i].metric_set)
        for t in ordered:
            if t.metric not in seen_metrics[d]:
                s.outcomes.append(Outcome(t, UNTESTED))
                continue
            outcome, detail = marks[d].get(t.iri, (PASSED, ""))
            paths = tuple(sorted(t.property_shapes)) if outcome == FAILED else ()
            s.outcomes.append(Outcome(t, outcome, paths, detail))
        out[d] = s
    return out


def latest_of_all(
    store: Store, tests: dict[str, FairTest], base: str = vocab.DEFAULT_BASE
) -> tuple[History, dict[str, DatasetScore]]:
    """Every run and every dataset's latest scores (``latest_scores`` of all datasets), read
    once per version of the store: each FAIR report needs them whatever its scope, and a server
    is asked for many reports between two writes. Shared: not to be changed."""

    def read() -> tuple[History, dict[str, DatasetScore]]:
        every_run = history(store, base, Scope())
        return every_run, latest_scores(store, tests, base, Scope(), hist=every_run)

    result: tuple[History, dict[str, DatasetScore]] = store.derived(
        ("fair-latest-of-all", base, frozenset(tests)), read
    )
    return result
