"""The FAIR self-evaluation report of a scope (DESIGN §8): what a facility data manager reads to
see how FAIR the data is and what to fix first.

``build_report`` gathers every figure as JSON-ready data (the ``json`` format, documented by
``schemas/report.json``); ``report_render`` writes it as HTML, Markdown or Turtle. All figures come
from the latest results of each dataset in the scope (``aggregate.scores_summary``: the same
numbers as ``pancommons scores`` and ``GET /fair/scores``); the embargo status and the titles come
from the graph.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, SH

from pancommons import __version__, vocab
from pancommons.fair.aggregate import breakdown, scores_summary
from pancommons.fair.history import history, latest_of_all
from pancommons.fair.scope import Scope, groups
from pancommons.fair.scoring import FAILED, DatasetScore
from pancommons.fair.shapes import Shapes
from pancommons.fair.tests import FairTest, fair_tests
from pancommons.harvest.mapping.nt import iri
from pancommons.store.base import Store

FORMATS = ("html", "md", "json", "ttl")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "ttl": "text/turtle; charset=utf-8",
}
SCHEMA = Path(__file__).resolve().parent / "schemas" / "report.json"
WORST = 10
"""Datasets listed with their failing checks (the lowest scores)."""
FIXES = 10
"""Fixes listed, most points gained first."""

EU_RIGHTS = "http://publications.europa.eu/resource/authority/access-right/"
COAR = "http://purl.org/coar/access_right/"
EMBARGOED = frozenset({EU_RIGHTS + "EMBARGOED", COAR + "c_f1cf"})
OPEN = frozenset({EU_RIGHTS + "PUBLIC", COAR + "c_abf2"})
EMBARGO_STATES = ("under_embargo", "overdue", "released", "not_stated")
"""A dataset's embargo status, as the named queries ``datasets-under-embargo`` and
``overdue-releases`` define it: under embargo (an end of embargo, ``dct:available``, after today;
or none and access rights "embargoed"); release overdue (every end of embargo past, access rights
not public); released (past, and public); not stated (no end of embargo, not embargoed)."""


@cache
def schema() -> dict[str, Any]:
    """The published JSON Schema of the ``json`` report."""
    return json.loads(SCHEMA.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _texts(shapes: Graph) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """(metric IRI → (title, description), test IRI → (name, message)) from the shapes."""

    def text(node: URIRef, *preds: URIRef) -> str:
        for p in preds:
            values = list(shapes.objects(node, p))
            english = [v for v in values if getattr(v, "language", None) in ("en", None)]
            if english:
                return str(english[0])
        return ""

    metrics = {
        str(m): (text(m, DCTERMS.title), text(m, DCTERMS.description))
        for m in set(shapes.objects(None, DCTERMS.isPartOf))
        if isinstance(m, URIRef) and (m, DCTERMS.title, None) in shapes
    }
    tests = {
        str(t): (text(t, SH.name) or str(t).rsplit("/", 1)[-1], text(t, SH.message))
        for t in set(shapes.subjects(URIRef(vocab.PAN + "points"), None))
        if isinstance(t, URIRef)
    }
    return metrics, tests


def _mapping(maps_to: tuple[str, ...]) -> dict[str, list[str]]:
    """A test's ``pan:mapsTo`` split by assessor: FsF (F-UJI), ESRF FTR metrics, others."""
    out: dict[str, list[str]] = {"fsf": [], "esrf": [], "other": []}
    for m in maps_to:
        key = "fsf" if m.startswith("FsF-") else "esrf" if m.endswith("_ESRF") else "other"
        out[key].append(m)
    return out


def _titles(store: Store, datasets: list[str]) -> dict[str, str]:
    if not datasets:
        return {}
    values = " ".join(iri(d) for d in datasets)
    rows = store.query(
        f"SELECT ?d (SAMPLE(?t) AS ?title) WHERE {{ VALUES ?d {{ {values} }} "
        f"?d <{DCTERMS}title> ?t }} GROUP BY ?d"
    )
    return {r["d"].value: r["title"].value for r in rows}  # type: ignore[union-attr]


def embargo(store: Store, scope: Scope, base: str, today: str) -> dict[str, Any]:
    """Datasets of the scope per embargo status (``EMBARGO_STATES``) on ``today``
    (YYYY-MM-DD), with the overdue ones listed, longest overdue first."""
    rows = store.query(
        f"""SELECT ?d ?a ?r WHERE {{ {{ SELECT DISTINCT ?d WHERE {{ {scope.pattern(base)} }} }}
          {{ ?d <{DCTERMS}available> ?a }} UNION {{ ?d <{DCTERMS}accessRights> ?r }}
          UNION {{ BIND(true AS ?none) }} }}"""
    )
    dates: dict[str, list[str]] = {}
    rights: dict[str, set[str]] = {}
    for r in rows:  # type: ignore[union-attr]
        d = r["d"].value
        dates.setdefault(d, [])
        rights.setdefault(d, set())
        if r["a"] is not None:
            dates[d].append(r["a"].value)
        if r["r"] is not None:
            rights[d].add(r["r"].value)
    state: dict[str, str] = {}
    for d, ends in dates.items():
        if any(e[:10] > today for e in ends) or (not ends and rights[d] & EMBARGOED):
            state[d] = "under_embargo"
        elif ends:
            state[d] = "released" if rights[d] & OPEN else "overdue"
        else:
            state[d] = "not_stated"
    counts = Counter(state.values())
    overdue = sorted(
        ((max(dates[d])[:10], d) for d, s in state.items() if s == "overdue"),
    )
    return {
        "as_of": today,
        "counts": {k: counts.get(k, 0) for k in EMBARGO_STATES},
        "overdue": [{"dataset": d, "release_date": day} for day, d in overdue[:WORST]],
    }


def _failing(s: DatasetScore, texts: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    out = []
    for o in s.outcomes:
        if o.outcome == FAILED:
            name, message = texts.get(o.test.iri, ("", ""))
            out.append(
                {
                    "test": o.test.iri,
                    "name": name,
                    "message": message,
                    "principle": o.test.principle,
                    "points": o.test.points,
                    "paths": list(o.paths),
                    "remediation": o.test.remediation,
                }
            )
    return out


def build_report(
    store: Store,
    shapes: Shapes,
    base: str = vocab.DEFAULT_BASE,
    scope: Scope | None = None,
    *,
    today: str | None = None,
) -> dict[str, Any]:
    """Every figure of the report of ``scope`` (all datasets when None), JSON-ready."""
    scope = scope or Scope()
    tests = fair_tests(shapes.graph)
    now = datetime.now(UTC)
    today = today or now.date().isoformat()
    # Every dataset's latest scores, read once: the scope's are among them (the comparison
    # with the other facilities needs them all).
    every_run, everything = latest_of_all(store, tests, base)
    hist = every_run if scope.kind == "all" else history(store, base, scope)
    in_scope = {d: everything[d] for d in hist.totals if d in everything}
    summary = scores_summary(
        store, tests, base, scope, ("instrument", "technique"), hist=hist, scores=in_scope
    )
    metric_texts, test_texts = _texts(shapes.graph)
    worst = sorted(in_scope.values(), key=lambda s: (s.score, s.dataset))[:WORST]
    titles = _titles(store, [s.dataset for s in worst])
    per_facility = groups(store, "facility", set(everything), base)
    facilities = breakdown(everything, per_facility)
    facilities.sort(key=lambda g: (-(g["score"] or 0), g["key"]))
    for g in facilities:  # the facilities the scope's datasets belong to, among all of them
        g["in_scope"] = scope.kind != "all" and bool(per_facility[g["key"]][1] & in_scope.keys())
    for m in summary["metrics"]:
        m["title"], m["description"] = metric_texts.get(m["metric"], ("", ""))
        for t in m["tests"]:
            t["name"], t["message"] = test_texts.get(t["test"], ("", ""))
    for f in summary["fixes"]:
        f["name"], f["message"] = test_texts.get(f["test"], ("", ""))
        f["principle"] = tests[f["test"]].principle
    by_metric: dict[str, list[FairTest]] = {}
    for t in sorted(tests.values(), key=lambda t: (t.principle, t.iri)):
        by_metric.setdefault(t.metric, []).append(t)
    return {
        "title": f"FAIR self-evaluation: {scope}",
        "scope": str(scope),
        "generated": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "software_version": __version__,
        "metric_set": summary["metric_set"],
        "run": summary["run"],
        "datasets": summary["datasets"],
        "score": summary["score"],
        "principles": summary["principles"],
        "subprinciples": summary["subprinciples"],
        "fuji": summary["fuji"],
        "distribution": summary["distribution"],
        "trend": summary["trend"],
        "metrics": summary["metrics"],
        "fixes": summary["fixes"][:FIXES],
        "worst": [
            {
                "dataset": s.dataset,
                "title": titles.get(s.dataset, ""),
                "score": round(s.score, 4),
                "failing": _failing(s, test_texts),
            }
            for s in worst
        ],
        "embargo": embargo(store, scope, base, today),
        "instruments": summary["groups"]["instrument"],
        "techniques": summary["groups"]["technique"],
        "facilities": facilities,
        "appendix": [
            {
                "metric": metric,
                "title": metric_texts.get(metric, ("", ""))[0],
                "description": metric_texts.get(metric, ("", ""))[1],
                "principle": ts[0].principle,
                "tests": [
                    {
                        "test": t.iri,
                        "name": test_texts.get(t.iri, ("", ""))[0],
                        "message": test_texts.get(t.iri, ("", ""))[1],
                        "points": t.points,
                        "maturity": t.maturity,
                        "online": t.online,
                        "maps_to": _mapping(t.maps_to),
                    }
                    for t in ts
                ],
            }
            for metric, ts in by_metric.items()
        ],
    }
