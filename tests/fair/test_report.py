"""The FAIR self-evaluation report (DESIGN §8) over the demo graph: every format parses, the
numbers agree across formats and with SPARQL over the results graph, and a second run shows
in the trend and the fixes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import html5lib
import jsonschema
import pytest
from fastapi.testclient import TestClient
from markdown_it import MarkdownIt
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF

from pancommons.api.app import create_app
from pancommons.config import Settings
from pancommons.demo import build_demo
from pancommons.fair.assess import assess
from pancommons.fair.history import runs
from pancommons.fair.report import EMBARGO_STATES, build_report, schema
from pancommons.fair.report_render import DQV, pct, render, scope_node
from pancommons.fair.scope import parse_scope
from pancommons.fair.shapes import load_shapes
from pancommons.fair.tests import fair_tests
from pancommons.queries import named_queries
from pancommons.store.embedded import EmbeddedStore
from pancommons.vocab import DEFAULT_BASE

DCAT = "http://www.w3.org/ns/dcat#"
PAN = "https://w3id.org/pan-commons/ns#"
XHTML = "{http://www.w3.org/1999/xhtml}"
LICENSE_TEST = "https://w3id.org/pan-commons/test/R1.1-license-present"
SCOPES = ("all", "facility:ESRF", "source:demo-ess")


@pytest.fixture(scope="module")
def demo(demo_rw: tuple[EmbeddedStore, Path]) -> tuple[EmbeddedStore, Path]:
    return demo_rw


def _report(store: EmbeddedStore, scope: str = "all") -> dict:  # type: ignore[type-arg]
    return build_report(store, load_shapes(), scope=parse_scope(scope))


def _html(text: str):  # type: ignore[no-untyped-def]
    """Parsed by a strict HTML5 parser: any parse error fails."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(text)


def _text(el) -> str:  # type: ignore[no-untyped-def]
    return "".join(el.itertext()).strip()


def _latest_graph(store: EmbeddedStore) -> str:
    return runs(store)[-1].graph


@pytest.mark.parametrize("scope", SCOPES)
def test_every_format_parses_and_agrees(demo: tuple[EmbeddedStore, Path], scope: str) -> None:
    store, _ = demo
    r = _report(store, scope)
    assert r["datasets"] > 0 and r["score"] is not None
    # JSON: validates against the published schema, and round-trips
    data = json.loads(render(r, "json"))
    jsonschema.Draft7Validator.check_schema(schema())
    jsonschema.validate(data, schema(), format_checker=jsonschema.FormatChecker())
    assert data == r
    # HTML: strict HTML5, self-contained, accessible, with the same figures
    doc = _html(render(r, "html"))
    assert doc.get("lang") == "en"
    assert not doc.findall(f".//{XHTML}script") and not doc.findall(f".//{XHTML}link")
    assert not [e for e in doc.iter() if isinstance(e.tag, str) and e.get("src")], "no loads"
    svgs = [e for e in doc.iter() if isinstance(e.tag, str) and e.tag.endswith("}svg")]
    assert sorted(e.get("data-chart") for e in svgs) == ["distribution", "principles", "trend"]
    for svg in svgs:
        assert svg.get("role") == "img"
        assert [c for c in svg if c.tag.endswith("}title")] and [
            c for c in svg if c.tag.endswith("}desc")
        ]
    for table in doc.iter(f"{XHTML}table"):
        assert table.findall(f".//{XHTML}th"), "every table has header cells"
    figures = {e.get("data-figure"): _text(e) for e in doc.iter() if e.get("data-figure")}
    assert figures["score"] == pct(r["score"])
    assert figures["fuji"] == pct(r["fuji"]["score"])
    assert all(figures[f"principle-{k}"] == pct(r["principles"][k]) for k in "FAIR")
    headings = [_text(h) for h in doc.iter(f"{XHTML}h2")]
    for wanted in ("Headline scores", "Trend over runs", "Top fixes", "Metrics",
                   "Lowest-scoring datasets", "Embargo status", "Per instrument",
                   "Per technique", "Appendix: the metrics"):  # fmt: skip
        assert wanted in headings
    fixes = [e.get("data-fix") for e in doc.iter() if e.get("data-fix")]
    assert fixes == [f["name"] for f in r["fixes"]]
    embargo = {e.get("data-embargo"): _text(e[1]) for e in doc.iter() if e.get("data-embargo")}
    assert embargo == {k: f"{n:,}" for k, n in r["embargo"]["counts"].items()}
    # Markdown: renders to tables carrying the same headline figures
    md = MarkdownIt("commonmark").enable("table").render(render(r, "md"))
    md_doc = _html(f"<!DOCTYPE html><html lang=en><title>t</title><body>{md}</body></html>")
    tables = list(md_doc.iter(f"{XHTML}table"))
    assert len(tables) >= 8
    headline = [[_text(c) for c in row] for row in tables[0].iter(f"{XHTML}tr")]
    assert headline[1] == ["FAIR score", pct(r["score"]), pct(r["fuji"]["score"])]
    # Turtle: the DQV aggregates, on the scope's node, with the same values
    g = Graph().parse(data=render(r, "ttl"), format="turtle")
    on = scope_node(r, DEFAULT_BASE)
    values = {
        str(g.value(m, DQV.isMeasurementOf)): float(g.value(m, DQV.value))  # type: ignore[arg-type]
        for m in g.subjects(RDF.type, DQV.QualityMeasurement)
        if (m, DQV.computedOn, on) in g
    }
    assert values[f"{DEFAULT_BASE}/metric/score"] == pytest.approx(r["score"], abs=5e-5)
    assert values[f"{DEFAULT_BASE}/metric/score/Findable"] == pytest.approx(
        r["principles"]["F"], abs=5e-5
    )
    for m in r["metrics"]:
        if m["pass_rate"] is not None:
            assert values[m["metric"]] == pytest.approx(m["pass_rate"], abs=5e-5)


def test_figures_agree_with_sparql_over_the_results_graph(
    demo: tuple[EmbeddedStore, Path],
) -> None:
    store, _ = demo
    r = _report(store)
    graph = _latest_graph(store)
    row = next(
        iter(
            store.query(
                f"SELECT (AVG(?v) AS ?mean) (COUNT(?d) AS ?n) WHERE {{ GRAPH <{graph}> {{ "
                f"?m <{DQV}computedOn> ?d ; <{DQV}isMeasurementOf> <{DEFAULT_BASE}/metric/score> ;"
                f" <{DQV}value> ?v }} }}"
            )
        )
    )
    assert int(row["n"].value) == r["datasets"]  # type: ignore[index]
    assert float(row["mean"].value) == pytest.approx(r["score"], abs=5e-5)  # type: ignore[index]
    for fix in r["fixes"][:3]:
        failing = store.query(
            f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ GRAPH <{graph}> {{ "
            f"?m <{DQV}computedOn> ?d ; <http://www.w3.org/ns/earl#result> ?res . "
            f"?res <{PAN}failedTest> <{fix['test']}> }} }}"
        )
        assert int(next(iter(failing))["n"].value) == fix["datasets"]  # type: ignore[index]
    # the worst datasets are the lowest totals of the results graph
    lowest = store.query(
        f"SELECT ?d ?v WHERE {{ GRAPH <{graph}> {{ ?m <{DQV}computedOn> ?d ; "
        f"<{DQV}isMeasurementOf> <{DEFAULT_BASE}/metric/score> ; <{DQV}value> ?v }} }} "
        "ORDER BY ?v ?d LIMIT 1"
    )
    first = next(iter(lowest))
    assert r["worst"][0]["score"] == pytest.approx(float(first["v"].value), abs=5e-5)  # type: ignore[index]
    # embargo: as the named queries count them
    queries = named_queries()
    for key, name in (("under_embargo", "datasets-under-embargo"), ("overdue", "overdue-releases")):
        rows = list(store.query(queries[name].text))
        assert r["embargo"]["counts"][key] == len(rows), name
    assert sum(r["embargo"]["counts"][k] for k in EMBARGO_STATES) == r["datasets"]


def test_comparison_marks_the_scope_among_every_facility(demo: tuple[EmbeddedStore, Path]) -> None:
    store, _ = demo
    everything = _report(store)
    esrf = _report(store, "facility:ESRF")
    assert len(esrf["facilities"]) == len(everything["facilities"]) >= 2
    marked = [g for g in esrf["facilities"] if g["in_scope"]]
    assert [g["key"] for g in marked] == ["https://ror.org/02550n020"]
    assert marked[0]["datasets"] == esrf["datasets"]
    assert marked[0]["score"] == pytest.approx(esrf["score"])
    assert not any(g["in_scope"] for g in everything["facilities"])
    scores = [g["score"] for g in esrf["facilities"]]
    assert scores == sorted(scores, reverse=True)
    # the appendix maps every test, FsF ids apart from ESRF ones
    tests = [t for m in esrf["appendix"] for t in m["tests"]]
    assert len(tests) == len(fair_tests(load_shapes().graph))
    assert any(t["maps_to"]["esrf"] for t in tests) and any(t["maps_to"]["fsf"] for t in tests)


def test_api_and_cli_give_the_same_report(demo: tuple[EmbeddedStore, Path]) -> None:
    store, root = demo
    settings = Settings(store=str(root / "store"))
    with TestClient(create_app(settings, store=store)) as client:
        page = client.get("/fair/report")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        _html(page.text)
        body = client.get("/fair/report", params={"scope": "facility:ESRF", "format": "json"})
        assert body.headers["content-type"] == "application/json"
        api = body.json()
        ttl = client.get("/fair/report", headers={"Accept": "text/turtle"})
        assert ttl.headers["content-type"].startswith("text/turtle")
        Graph().parse(data=ttl.text, format="turtle")
        weighed = client.get(
            "/fair/report", headers={"Accept": "text/html;q=0.5, application/json"}
        )
        assert weighed.headers["content-type"] == "application/json", "q-values decide"
        other = client.get("/fair/report", headers={"Accept": "image/png"})
        assert other.headers["content-type"].startswith("text/html")
        md = client.get("/fair/report", params={"format": "md"})
        assert md.headers["content-type"].startswith("text/markdown")
        assert client.get("/fair/schemas/report.json").json() == schema()
        for bad in ({"scope": "planet:x"}, {"format": "pdf"}):
            r = client.get("/fair/report", params=bad)
            assert r.status_code == 400 and r.json()["detail"], bad
    exe = str(Path(sys.executable).with_name("pancommons"))
    out_file = root / "out" / "esrf.json"
    out = subprocess.run(
        [exe, "--store", str(root / "store"), "report", "--scope", "facility:ESRF",
         "-o", str(out_file)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "written to" in out.stderr
    cli = json.loads(out_file.read_text())
    api.pop("generated"), cli.pop("generated")
    assert cli == api, "the CLI writes what the API returns"
    bad = subprocess.run(
        [exe, "--store", str(root / "store"), "report", "--scope", "planet:x"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 5 and "planet:x" in bad.stderr


def test_a_second_run_shows_in_the_trend_and_the_fixes(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "store") as store:
        build_demo(store, state_dir=str(tmp_path / "state"))
        first = _report(store)
        assert len(first["trend"]) == 1
        doc = _html(render(first, "html"))
        assert [e for e in doc.iter() if e.get("data-trend-note") is not None]
        licence = {f["test"]: f for f in first["fixes"]}
        before = licence[LICENSE_TEST]["datasets"] if LICENSE_TEST in licence else None
        # improve: every dataset of the ESS source without a licence gets one
        ess = f"{DEFAULT_BASE}/graph/source/demo-ess"
        unlicensed = store.query(
            f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ GRAPH <{ess}> {{ ?d a <{DCAT}Dataset> }} "
            f"FILTER NOT EXISTS {{ ?d <{DCTERMS}license> ?l }} }}"
        )
        fixed = int(next(iter(unlicensed))["n"].value)  # type: ignore[index]
        assert fixed > 0 and before is not None and before >= fixed
        store.update(
            f"INSERT {{ GRAPH <{ess}> {{ ?d <{DCTERMS}license> "
            f"<https://spdx.org/licenses/CC-BY-4.0> }} }} WHERE {{ GRAPH <{ess}> "
            f"{{ ?d a <{DCAT}Dataset> }} FILTER NOT EXISTS {{ ?d <{DCTERMS}license> ?l }} }}"
        )
        assess(store, full=True)
        second = _report(store)
        assert [t["run"] for t in second["trend"]] == [r.iri for r in runs(store)]
        assert len(second["trend"]) == 2
        assert second["trend"][1]["score"] > second["trend"][0]["score"]
        assert second["score"] > first["score"]
        after = {f["test"]: f for f in second["fixes"]}
        assert after.get(LICENSE_TEST, {"datasets": 0})["datasets"] == before - fixed
        doc = _html(render(second, "html"))
        assert not [e for e in doc.iter() if e.get("data-trend-note") is not None]
        trend = next(e for e in doc.iter() if e.get("data-chart") == "trend")
        line = [e for e in trend.iter() if isinstance(e.tag, str) and e.tag.endswith("polyline")]
        assert len(line) == 1 and len(line[0].get("points").split()) == 2
        g = Graph().parse(data=render(second, "ttl"), format="turtle")
        derived = set(g.objects(None, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")))
        assert derived == {URIRef(runs(store)[-1].iri)}


def test_values_from_the_graph_cannot_inject_links_or_break_tables(
    demo: tuple[EmbeddedStore, Path],
) -> None:
    """A harvested dataset IRI or title is data: a ``javascript:`` IRI is no link, markup is
    escaped in HTML and Markdown, and a pipe in a title does not split a Markdown cell."""
    store, _ = demo
    r = _report(store)
    r["worst"][0] |= {"dataset": "javascript:alert(1)", "title": "a | b <script>x</script>"}
    doc = _html(render(r, "html"))
    links = [a.get("href") for a in doc.iter(f"{XHTML}a")]
    assert "#" in links and not any(h.startswith("javascript:") for h in links)
    assert not doc.findall(f".//{XHTML}script")
    md = MarkdownIt("commonmark").enable("table").render(render(r, "md"))
    worst = _html(f"<!DOCTYPE html><html lang=en><title>t</title><body>{md}</body></html>")
    rows = [
        [_text(c) for c in tr]
        for table in worst.iter(f"{XHTML}table")
        for tr in table.iter(f"{XHTML}tr")
        if "a | b" in _text(tr)
    ]
    assert rows == [["a | b <script>x</script>", pct(r["worst"][0]["score"]), rows[0][2]]]
    assert "<script>" not in md
