"""Aggregates of dataset scores (DESIGN §7): over a scope and per facility, instrument,
technique, year or source; per principle and per metric (pass rate, maturity); the fixes that
gain most; and an F-UJI-compatible view with the FsF v0.8 weights beside ours. Every figure
carries the metric-set version.

Means are over datasets: a scope's score is the mean of its datasets' scores, a principle's the
mean over the datasets it could be tested on. The F-UJI view scores each FsF v0.8 metric with our
tests that ``pan:mapsTo`` it (their points earned over points possible, times the FsF weight);
an FsF metric none of whose tests counted leaves the denominator.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, Namespace

from pancommons.fair.history import History, history, latest_of_all, latest_scores
from pancommons.fair.scope import Scope, groups
from pancommons.fair.scoring import FAILED, PASSED, DatasetScore
from pancommons.fair.tests import METRIC_SET_VERSION, FairTest
from pancommons.resources import resource_dir
from pancommons.store.base import Store

PAN = Namespace("https://w3id.org/pan-commons/ns#")
DCT = Namespace("http://purl.org/dc/terms/")
FSF_VERSION = "0.8"


@dataclass(frozen=True)
class FsfMetric:
    id: str
    principle: str
    weight: float


@cache
def fsf_metrics(folder: Path | None = None) -> tuple[FsfMetric, ...]:
    """The F-UJI v0.8 metrics and weights of ``shapes/fuji/fsf-v0.8.ttl``."""
    g = Graph().parse((folder or resource_dir("shapes") / "fuji") / "fsf-v0.8.ttl")
    out = []
    for node, weight in g.subject_objects(PAN.weight):
        ident, principle = g.value(node, DCT.identifier), g.value(node, PAN.principle)
        assert isinstance(weight, Literal) and ident is not None and principle is not None
        out.append(FsfMetric(str(ident), str(principle), float(weight.toPython())))
    return tuple(sorted(out, key=lambda m: m.id))


@dataclass
class FsfScore:
    score: float
    """Σ weight × share / Σ weight over the FsF metrics tested (0–1)."""
    letters: dict[str, float | None]
    shares: dict[str, float | None]
    """FsF id → share of its points earned (None: none of our tests for it counted)."""


def fsf_score(s: DatasetScore) -> FsfScore:
    """A dataset's F-UJI-compatible score (0–1), per letter and per FsF metric."""
    earned: dict[str, float] = defaultdict(float)
    possible: dict[str, float] = defaultdict(float)
    for o in s.outcomes:
        if o.counts:
            for fsf in o.test.maps_to:
                earned[fsf] += o.earned
                possible[fsf] += o.test.points
    shares: dict[str, float | None] = {}
    sums: dict[str, list[float]] = {k: [0.0, 0.0] for k in "FAIR*"}
    for m in fsf_metrics():
        share = earned[m.id] / possible[m.id] if possible.get(m.id) else None
        shares[m.id] = share
        if share is not None:
            for k in (m.principle[:1], "*"):
                sums[k][0] += m.weight * share
                sums[k][1] += m.weight
    ratio = {k: (e / w if w else None) for k, (e, w) in sums.items()}
    return FsfScore(ratio.pop("*") or 0.0, ratio, shares)


def _mean(values: Iterable[float]) -> float | None:
    vals = list(values)
    return round(sum(vals) / len(vals), 4) if vals else None


def histogram(scores: Iterable[float], bins: int = 10) -> list[int]:
    """Datasets per tenth of the scale (0–10 %, …, 90–100 %)."""
    counts = [0] * bins
    for s in scores:
        counts[min(int(s * bins), bins - 1)] += 1
    return counts


def summarize(scores: dict[str, DatasetScore], tests: dict[str, FairTest]) -> dict[str, Any]:
    """The aggregate figures of a set of datasets (JSON-ready)."""
    n = len(scores)
    letters: dict[str, list[float]] = defaultdict(list)
    principles: dict[str, list[float]] = defaultdict(list)
    per_test: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    maturity: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    gain: dict[str, float] = defaultdict(float)
    fsf_total: list[float] = []
    fsf_letters: dict[str, list[float]] = defaultdict(list)
    fsf_shares: dict[str, list[float]] = defaultdict(list)
    for s in scores.values():
        for letter, (e, p) in s.by_letter().items():
            if p:
                letters[letter].append(e / p)
        for principle, (e, p) in s.by_principle().items():
            if p:
                principles[principle].append(e / p)
        possible = s.possible
        for o in s.outcomes:
            per_test[o.test.iri][o.outcome] += 1
            if o.outcome == FAILED and possible:
                gain[o.test.iri] += o.test.points / possible
        for metric, level in s.maturity().items():
            maturity[metric][level] += 1
        fsf = fsf_score(s)
        fsf_total.append(fsf.score)
        for k, v in fsf.letters.items():
            if v is not None:
                fsf_letters[k].append(v)
        for k, v in fsf.shares.items():
            if v is not None:
                fsf_shares[k].append(v)
    ordered = sorted(tests.values(), key=lambda t: (t.principle, t.iri))
    by_metric: dict[str, list[FairTest]] = defaultdict(list)
    for t in ordered:
        by_metric[t.metric].append(t)

    def rate(counts: dict[str, int]) -> float | None:
        tested = counts.get(PASSED, 0) + counts.get(FAILED, 0)
        return round(counts.get(PASSED, 0) / tested, 4) if tested else None

    return {
        "metric_set": METRIC_SET_VERSION,
        "datasets": n,
        "score": _mean(s.score for s in scores.values()),
        "principles": {k: _mean(letters[k]) for k in "FAIR"},
        "subprinciples": {k: _mean(v) for k, v in sorted(principles.items())},
        "distribution": histogram(s.score for s in scores.values()),
        "metrics": [
            {
                "metric": metric,
                "principle": ts[0].principle,
                "pass_rate": rate(
                    {k: sum(per_test[t.iri].get(k, 0) for t in ts) for k in (PASSED, FAILED)}
                ),
                "maturity": {str(level): maturity[metric].get(level, 0) for level in range(4)},
                "tests": [
                    {
                        "test": t.iri,
                        "points": t.points,
                        "maturity": t.maturity,
                        "outcomes": dict(sorted(per_test[t.iri].items())),
                        "pass_rate": rate(per_test[t.iri]),
                    }
                    for t in ts
                ],
            }
            for metric, ts in by_metric.items()
        ],
        "fixes": [
            {
                "test": test,
                "metric": tests[test].metric,
                "datasets": per_test[test][FAILED],
                "gain": round(100 * g / n, 2),
                "remediation": tests[test].remediation,
            }
            for test, g in sorted(gain.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "fuji": {
            "version": FSF_VERSION,
            "score": _mean(fsf_total),
            "principles": {k: _mean(fsf_letters[k]) for k in "FAIR"},
            "metrics": {
                m.id: {"weight": m.weight, "share": _mean(fsf_shares.get(m.id, ()))}
                for m in fsf_metrics()
            },
        },
    }


def breakdown(
    scores: dict[str, DatasetScore], groups: dict[str, tuple[str, set[str]]]
) -> list[dict[str, Any]]:
    """Per group (facility, instrument, …): label, datasets, mean score, per principle, F-UJI."""
    out = []
    for key, (label, members) in groups.items():
        part = [scores[d] for d in sorted(members) if d in scores]
        if not part:
            continue
        letters: dict[str, list[float]] = defaultdict(list)
        for s in part:
            for letter, (e, p) in s.by_letter().items():
                if p:
                    letters[letter].append(e / p)
        out.append(
            {
                "key": key,
                "label": label,
                "datasets": len(part),
                "score": _mean(s.score for s in part),
                "principles": {k: _mean(letters[k]) for k in "FAIR"},
                "fuji": _mean(fsf_score(s).score for s in part),
            }
        )
    return out


def scores_summary(
    store: Store,
    tests: dict[str, FairTest],
    base: str,
    scope: Scope | None = None,
    by: Iterable[str] = (),
    *,
    hist: History | None = None,
    scores: dict[str, DatasetScore] | None = None,
) -> dict[str, Any]:
    """The latest scores of the datasets in ``scope``, aggregated, with the trend over runs and
    a breakdown per group in ``by`` (what ``pancommons scores`` and ``GET /fair/scores`` give).
    ``hist`` and ``scores``: the scope's history and latest scores when already read."""
    scope = scope or Scope()
    if scope.kind == "all" and hist is None and scores is None:
        hist, scores = latest_of_all(store, tests, base)
    hist = hist or history(store, base, scope)
    scores = scores if scores is not None else latest_scores(store, tests, base, scope, hist=hist)
    out = {"scope": str(scope), **summarize(scores, tests)}
    last = hist.runs[-1] if hist.runs else None
    out["run"] = (
        {"iri": last.iri, "started": last.started, "metric_set": last.metric_set} if last else None
    )
    out["trend"] = [
        {"run": run.iri, "started": run.started, "datasets": n, "score": round(mean, 4)}
        for run, n, mean in hist.trend()
    ]
    out["groups"] = {}
    for key in by:
        rows = breakdown(scores, groups(store, key, set(scores), base))
        if key != "year":  # years in order, the rest best first
            rows.sort(key=lambda g: (-(g["score"] or 0), g["key"]))
        out["groups"][key] = rows
    return out
