"""Scopes, the history read back from the results graphs, aggregates and the F-UJI view, over the
demo graph (DESIGN §7: aggregates per facility, instrument, technique and year; F-UJI view)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pancommons.api.app import create_app
from pancommons.config import Settings
from pancommons.demo import build_demo
from pancommons.fair.aggregate import fsf_metrics, fsf_score, scores_summary, summarize
from pancommons.fair.assess import assess
from pancommons.fair.history import history, latest_scores, runs
from pancommons.fair.scope import Scope, ScopeError, datasets_in, groups, parse_scope
from pancommons.fair.scoring import FAILED, PASSED, DatasetScore, Outcome
from pancommons.fair.shapes import load_shapes
from pancommons.fair.tests import fair_tests
from pancommons.store.embedded import EmbeddedStore
from pancommons.vocab import DEFAULT_BASE

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
ESS = "https://ror.org/01wv9cn34"
PAN = "https://w3id.org/pan-commons/ns#"
PROV = "http://www.w3.org/ns/prov#"


@pytest.fixture(scope="module")
def demo(demo_rw: tuple[EmbeddedStore, Path]) -> tuple[EmbeddedStore, Path]:
    return demo_rw


@pytest.fixture(scope="module")
def tests_() -> dict:  # type: ignore[type-arg]
    return fair_tests(load_shapes().graph)


def _ids(store: EmbeddedStore, sparql: str) -> set[str]:
    return {r["d"].value for r in store.query(sparql)}  # type: ignore[union-attr]


def test_scopes_select_the_right_datasets(demo: tuple[EmbeddedStore, Path]) -> None:
    store, _ = demo
    ess = _ids(
        store,
        f"SELECT DISTINCT ?d {{ ?d a <{DCAT}Dataset> . "
        f"{{ ?d <{DCT}publisher> <{ESS}> }} UNION "
        f"{{ ?d <{PAN}instrument>/<{PAN}facility> <{ESS}> }} UNION "
        f"{{ ?d <{PROV}wasGeneratedBy>/<{PROV}used>/<{PAN}facility> <{ESS}> }} }}",
    )
    assert ess
    assert datasets_in(store, parse_scope("facility:ESS")) == ess
    assert datasets_in(store, parse_scope("facility:ess")) == ess, "names match in any case"
    assert datasets_in(store, parse_scope(f"facility:{ESS}")) == ess
    source = _ids(
        store,
        f"SELECT ?d {{ GRAPH <{DEFAULT_BASE}/graph/source/demo-ess> {{ ?d a <{DCAT}Dataset> }} }}",
    )
    assert source and datasets_in(store, parse_scope("source:demo-ess")) == source
    everything = _ids(store, f"SELECT ?d {{ ?d a <{DCAT}Dataset> }}")
    assert datasets_in(store, parse_scope("all")) == everything
    # technique scope follows PaNET descendants: the root technique finds every PaNET-tagged one
    tagged = _ids(
        store,
        f"SELECT ?d {{ ?d <{DCAT}theme> ?t "
        'FILTER(STRSTARTS(STR(?t), "http://purl.org/pan-science/PaNET/PaNET")) }',
    )
    assert tagged
    root_technique = "http://purl.org/pan-science/PaNET/PaNET00001"
    assert datasets_in(store, parse_scope(f"technique:{root_technique}")) == tagged
    assert datasets_in(store, parse_scope("technique:PaNET00001")) == tagged


@pytest.mark.parametrize(
    "text",
    ["facility", "planet:x", "facility:", "instrument:not an iri", "instrument:urn:x",
     "technique:not-a-panet-id", "source:Bad Name"],
)  # fmt: skip
def test_bad_scopes_are_refused_with_a_message(text: str) -> None:
    with pytest.raises(ScopeError, match="scope"):
        parse_scope(text)


def test_scope_values_are_escaped_not_spliced(demo: tuple[EmbeddedStore, Path]) -> None:
    store, _ = demo
    for evil in ['ESS" ) } } UNION { ?d ?p ?o } #', "x' || true || '", "}\\", 'a"b\nc']:
        assert datasets_in(store, parse_scope(f"facility:{evil}")) == set()
    # characters not allowed in an IRI are percent-encoded, never spliced
    assert datasets_in(store, parse_scope("technique:http://x/> } UNION { ?d ?p ?o")) == set()


def test_history_reads_back_every_outcome_exactly(demo: tuple[EmbeddedStore, Path], tests_) -> None:  # type: ignore[no-untyped-def]
    store, _ = demo
    fresh = assess(store, full=True)
    read = latest_scores(store, tests_, DEFAULT_BASE)
    assert set(read) == set(fresh.scores)
    for d, s in fresh.scores.items():
        want = [(o.test.iri, o.outcome) for o in s.outcomes]
        got = [(o.test.iri, o.outcome) for o in read[d].outcomes]
        assert got == want, d
        assert read[d].score == pytest.approx(s.score)
    kinds = {o.outcome for s in read.values() for o in s.outcomes}
    assert {"passed", "failed", "inapplicable", "untested"} <= kinds


def test_groups_and_breakdown(demo: tuple[EmbeddedStore, Path], tests_) -> None:  # type: ignore[no-untyped-def]
    store, _ = demo
    summary = scores_summary(store, tests_, DEFAULT_BASE, by=("facility", "year", "instrument"))
    scores = latest_scores(store, tests_, DEFAULT_BASE)
    fac = {g["label"]: g for g in summary["groups"]["facility"]}
    assert "ESS" in fac
    members = datasets_in(store, parse_scope("facility:ESS"))
    assert fac["ESS"]["datasets"] == len(members)
    assert fac["ESS"]["score"] == pytest.approx(
        sum(scores[d].score for d in members) / len(members), abs=1e-4
    )
    years = summary["groups"]["year"]
    assert [g["key"] for g in years] == sorted(g["key"] for g in years)
    by_year = groups(store, "year", set(scores))
    assert sum(len(m) for _, m in by_year.values()) <= len(scores), "one year per dataset"
    assert summary["groups"]["instrument"], "the demo has instruments"


def test_summary_figures_agree_with_the_scores(demo: tuple[EmbeddedStore, Path], tests_) -> None:  # type: ignore[no-untyped-def]
    store, _ = demo
    scores = latest_scores(store, tests_, DEFAULT_BASE)
    s = summarize(scores, tests_)
    assert s["metric_set"] == "1.0" and s["datasets"] == len(scores)
    assert s["score"] == pytest.approx(sum(x.score for x in scores.values()) / len(scores), 1e-3)
    assert sum(s["distribution"]) == len(scores)
    for m in s["metrics"]:
        for t in m["tests"]:
            assert sum(t["outcomes"].values()) == len(scores)
        assert sum(m["maturity"].values()) == len(scores)
    fixes = s["fixes"]
    assert [f["gain"] for f in fixes] == sorted((f["gain"] for f in fixes), reverse=True)
    top = fixes[0]
    failing = [x for x in scores.values() for o in x.outcomes if o.test.iri == top["test"]
               and o.outcome == FAILED]  # fmt: skip
    assert top["datasets"] == len(failing)
    gain = 100 * sum(tests_[top["test"]].points / x.possible for x in failing) / len(scores)
    assert top["gain"] == pytest.approx(gain, abs=0.01)
    assert 0 < s["fuji"]["score"] < 1


def test_fuji_view_weights_and_extremes(tests_) -> None:  # type: ignore[no-untyped-def]
    metrics = fsf_metrics()
    totals = {k: sum(m.weight for m in metrics if m.principle[0] == k) for k in "FAIR"}
    assert totals == {"F": 7, "A": 7, "I": 6, "R": 6}, "F-UJI v0.8 totals 26 points"
    mapped = {f for t in tests_.values() for f in t.maps_to}
    assert {m.id for m in metrics} <= mapped, "every FsF v0.8 metric has one of our tests"
    all_pass = DatasetScore("x", [Outcome(t, PASSED) for t in tests_.values()])
    all_fail = DatasetScore("x", [Outcome(t, FAILED) for t in tests_.values()])
    assert fsf_score(all_pass).score == 1.0 and fsf_score(all_fail).score == 0.0
    # only the licence tests pass: the FsF view earns R1.1's weight (1 of 26)
    only = DatasetScore(
        "x",
        [Outcome(t, PASSED if "FsF-R1.1-01M" in t.maps_to else FAILED) for t in tests_.values()],
    )
    v = fsf_score(only)
    assert v.shares["FsF-R1.1-01M"] == 1.0
    passing = {t.iri for t in tests_.values() if "FsF-R1.1-01M" in t.maps_to}
    touched = {f for t in passing for f in tests_[t].maps_to}
    assert all(v.shares[m.id] == 0.0 for m in metrics if m.id not in touched)
    # by hand: each FsF metric's weight times the share of its mapped points that passed
    expected = 0.0
    for m in metrics:
        mapped_tests = [t for t in tests_.values() if m.id in t.maps_to]
        earned = sum(t.points for t in mapped_tests if t.iri in passing)
        expected += m.weight * earned / sum(t.points for t in mapped_tests)
    assert v.score == pytest.approx(expected / 26)
    assert 1 / 26 <= v.score < 0.1


def test_scoped_run_and_trend(tmp_path: Path, tests_) -> None:  # type: ignore[no-untyped-def]
    with EmbeddedStore(tmp_path / "store") as store:
        build_demo(store, state_dir=str(tmp_path / "state"))
        ess = datasets_in(store, parse_scope("source:demo-ess"))
        scoped = assess(store, full=True, scope=parse_scope("source:demo-ess"))
        assert set(scoped.scores) == ess
        assert runs(store)[-1].scope == "source:demo-ess"
        again = assess(store)
        assert again.scores == {}, "a scoped run is extra: the baseline is the last full run"
        # improve: give every ESS dataset a licence, then re-assess
        store.update(
            f"INSERT {{ GRAPH <{DEFAULT_BASE}/graph/source/demo-ess> {{ ?d <{DCT}license> "
            f"<https://spdx.org/licenses/CC-BY-4.0> }} }} WHERE {{ GRAPH "
            f"<{DEFAULT_BASE}/graph/source/demo-ess> {{ ?d a <{DCAT}Dataset> }} }}"
        )
        before = {d: s.score for d, s in latest_scores(store, tests_, DEFAULT_BASE).items()}
        assess(store, full=True)
        hist = history(store)
        trend = hist.trend()
        assert len(trend) == len(runs(store)) >= 3
        assert trend[-1][2] > trend[0][2], "the licences raised the mean score"
        after = latest_scores(store, tests_, DEFAULT_BASE)
        assert all(after[d].score > before[d] for d in ess)
        s = scores_summary(store, tests_, DEFAULT_BASE, parse_scope("source:demo-ess"))
        assert "https://w3id.org/pan-commons/test/R1.1-license-present" not in {
            f["test"] for f in s["fixes"]
        }


def test_api_and_cli_scores(demo: tuple[EmbeddedStore, Path]) -> None:
    store, root = demo
    settings = Settings(store=str(root / "store"))
    with TestClient(create_app(settings, store=store)) as client:
        r = client.get("/fair/scores", params={"scope": "facility:ESS", "by": ["instrument"]})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["scope"] == "facility:ESS"
        assert body["datasets"] == len(datasets_in(store, Scope("facility", "ESS")))
        assert body["groups"]["instrument"]
        for bad in ({"scope": "planet:x"}, {"by": "colour"}):
            r = client.get("/fair/scores", params=bad)
            assert r.status_code == 400 and r.json()["detail"]
    exe = str(Path(sys.executable).with_name("pancommons"))
    out = subprocess.run(
        [exe, "--store", str(root / "store"), "scores", "--scope", "facility:ESS",
         "--by", "instrument", "--format", "json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == body, "the CLI prints what the API returns"
    bad = subprocess.run(
        [exe, "--store", str(root / "store"), "scores", "--scope", "planet:x"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 5 and "planet:x" in bad.stderr
