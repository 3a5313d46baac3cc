"""``/queries`` and ``/queries/{name}`` over the demo graph: the listing (JSON and HTML), content
negotiation, error shapes, parameters over HTTP, and the same rows as ``pancommons query``."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from pyoxigraph import RdfFormat

from pancommons.api import queries as queries_api
from pancommons.api.app import create_app
from pancommons.config import Settings
from pancommons.demo import build_demo
from pancommons.queries import named_queries
from pancommons.store.embedded import EmbeddedStore

EXE = str(Path(sys.executable).with_name("pancommons"))
SPARQL_JSON = "application/sparql-results+json"
QUERIES = named_queries()
EDDI = "https://w3id.org/pan-commons/id/instrument/demo-icat/DOI%3A00.0815%2Finst-00048"
CASES = [
    ("datasets-by-technique", {"technique": "PaNET01106"}),
    ("datasets-by-instrument", {"instrument": EDDI}),
    ("datasets-by-year", {"year": "2019"}),
    ("fair-score-per-facility", {}),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EmbeddedStore, TestClient]]:
    root = tmp_path_factory.mktemp("queries-api")
    store = EmbeddedStore(root / "store")
    build_demo(store, state_dir=str(root / "state"))
    with TestClient(create_app(Settings(store=str(root / "store")), store=store)) as client:
        yield store, client
    store.close()


def _bindings(store: EmbeddedStore, text: str) -> list[dict[str, str]]:
    result = store.query(text)
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    return [{n: r[n].value for n in names if r[n] is not None} for r in result]  # type: ignore[union-attr]


def _values(doc: dict) -> list[dict[str, str]]:  # type: ignore[type-arg]
    return [{k: v["value"] for k, v in b.items()} for b in doc["results"]["bindings"]]


def _assert_error(r, status: int, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "detail", "status"} and body["status"] == status
    for word in words:
        assert word in body["detail"], body


# --- the listing ----------------------------------------------------------------------------------


def test_listing_has_every_query_with_its_header(demo: tuple[EmbeddedStore, TestClient]) -> None:
    _, client = demo
    r = client.get("/queries")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    listed = r.json()
    assert len(listed) >= 12 and [q["name"] for q in listed] == sorted(QUERIES)
    for q in listed:
        assert q["title"] and q["description"] and q["url"].endswith(f"/queries/{q['name']}")
        for p in q["params"]:
            assert set(p) == {"name", "kind", "description", "default"} and p["default"]
    technique = next(q for q in listed if q["name"] == "datasets-by-technique")
    assert technique["params"][0]["name"] == "technique"
    assert technique["params"][0]["kind"] == "panet"


def test_listing_as_html_escapes_everything(
    demo: tuple[EmbeddedStore, TestClient], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, client = demo
    r = client.get("/queries", headers={"Accept": "text/html,*/*;q=0.8"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert all(f'id="{name}"' in r.text for name in QUERIES)
    (tmp_path / "evil.rq").write_text(
        "# title: <script>alert(1)</script>\n# description: a & b\n"
        '# param: x (literal) — "quoted" <b> (default: "><img src=x>)\n'
        'SELECT ?x WHERE { VALUES ?x { "a" } }',
        encoding="utf-8",
    )
    monkeypatch.setattr(queries_api, "named_queries", lambda: named_queries(tmp_path))
    page = client.get("/queries", headers={"Accept": "text/html"}).text
    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "a &amp; b" in page
    etree.fromstring(page.encode(), etree.HTMLParser(recover=False))


# --- running a query ------------------------------------------------------------------------------


def test_default_is_sparql_json_with_the_defaults(demo: tuple[EmbeddedStore, TestClient]) -> None:
    store, client = demo
    r = client.get("/queries/datasets-by-technique")
    assert r.status_code == 200 and r.headers["content-type"].startswith(SPARQL_JSON)
    assert _values(r.json()) == _bindings(store, QUERIES["datasets-by-technique"].bind())
    assert _values(r.json())


def test_parameters_change_the_answer(demo: tuple[EmbeddedStore, TestClient]) -> None:
    store, client = demo
    imaging = client.get("/queries/datasets-by-technique", params={"technique": "PaNET01106"})
    assert imaging.status_code == 200
    want = _bindings(store, QUERIES["datasets-by-technique"].bind({"technique": "PaNET01106"}))
    assert _values(imaging.json()) == want
    assert want != _bindings(store, QUERIES["datasets-by-technique"].bind())


def test_content_negotiation(demo: tuple[EmbeddedStore, TestClient]) -> None:
    store, client = demo
    url, params = "/queries/datasets-by-instrument", {"instrument": EDDI}
    want = [r["dataset"] for r in _bindings(store, QUERIES["datasets-by-instrument"].bind(params))]
    assert len(want) == 4
    r = client.get(url, params=params, headers={"Accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/csv")
    assert [row["dataset"] for row in csv.DictReader(io.StringIO(r.text))] == want
    r = client.get(url, params={**params, "format": "tsv"}, headers={"Accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/tab-separated-values")
    assert [line.split("\t")[0] for line in r.text.splitlines()[1:]] == [f"<{w}>" for w in want]
    r = client.get(url, params=params, headers={"Accept": "application/sparql-results+xml"})
    ns = {"s": "http://www.w3.org/2005/sparql-results#"}
    doc = etree.fromstring(r.content)
    assert doc.xpath("//s:binding[@name='dataset']/s:uri/text()", namespaces=ns) == want
    r = client.get(url, params=params, headers={"Accept": "text/html"})
    assert r.headers["content-type"].startswith("text/html") and "4 rows" in r.text
    assert all(w in r.text for w in want)
    r = client.get(url, params=params, headers={"Accept": "image/png"})
    _assert_error(r, 406, "text/csv")


def test_errors(demo: tuple[EmbeddedStore, TestClient]) -> None:
    _, client = demo
    _assert_error(client.get("/queries/no-such-query"), 404, "no-such-query")
    r = client.get("/queries/datasets-by-year", params={"year": "MMXX"})
    _assert_error(r, 400, "'year'", "four-digit")
    r = client.get("/queries/datasets-by-instrument", params={"instrument": "not an iri"})
    _assert_error(r, 400, "'instrument'")
    _assert_error(client.get("/queries/datasets-by-year?colour=red"), 400, "'colour'")
    _assert_error(client.get("/queries/datasets-by-year?year=2019&year=2020"), 400, "'year'")
    _assert_error(client.get("/queries/datasets-by-year?format=pdf"), 400, "'format'")


@pytest.mark.parametrize(
    "evil",
    ['"> } ; DROP ALL #', "'\"", "}", "#", "http://x/> } UNION { ?s ?p ?o } #", 'a" || "b'],
)
def test_injection_over_http(demo: tuple[EmbeddedStore, TestClient], evil: str) -> None:
    store, client = demo
    before = (store.count(), store.graphs())
    for q in QUERIES.values():
        for p in q.params:
            r = client.get(f"/queries/{q.name}", params={p.name: evil})
            if r.status_code == 400:
                assert f"'{p.name}'" in r.json()["detail"]
            else:
                assert r.status_code == 200 and r.json()["results"]["bindings"] == [], q.name
    assert (store.count(), store.graphs()) == before


# --- the command line gives the same rows -----------------------------------------------------------


@pytest.mark.parametrize(("name", "params"), CASES)
def test_api_and_cli_give_the_same_rows(
    demo: tuple[EmbeddedStore, TestClient], name: str, params: dict[str, str]
) -> None:
    store, client = demo
    api = client.get(f"/queries/{name}", params=params).json()
    args = [a for k, v in params.items() for a in ("--param", f"{k}={v}")]
    r = subprocess.run(
        [EXE, "--store", store.location, "query", name, *args, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    cli = json.loads(r.stdout)
    assert cli["head"] == api["head"] and cli["results"] == api["results"]
    assert api["results"]["bindings"]


def test_named_queries_keep_the_sparql_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On 200 triples, a 3-way cartesian product filtered on its strings (8M rows, seconds) is
    stopped by a 1 s query timeout (503) and an answer of more than 50 rows or triples by the
    row cap (413), in every
    format, as on /sparql; the server goes on answering."""
    store = EmbeddedStore(None)
    store.load(
        "".join(
            f'<https://example.org/s{i}> <https://example.org/p> "{i}" .\n' for i in range(200)
        ).encode(),
        graph="https://example.org/g",
        format=RdfFormat.N_TRIPLES,
    )
    for name, text in {
        "heavy": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
        "FILTER(STRLEN(CONCAT(STR(?c), STR(?f), STR(?i))) < 0) }",
        "many": "SELECT * WHERE { ?s ?p ?o }",
        "graph": "CONSTRUCT WHERE { ?s ?p ?o }",
        "few": "SELECT * WHERE { ?s ?p ?o } LIMIT 3",
    }.items():
        (tmp_path / f"{name}.rq").write_text(
            f"# title: {name}\n# description: {name}\n{text}", encoding="utf-8"
        )
    monkeypatch.setattr(queries_api, "named_queries", lambda: named_queries(tmp_path))
    settings = Settings(store=str(tmp_path / "unused"), query_timeout=1.0, max_rows=50)
    with TestClient(create_app(settings, store=store)) as limited:
        _assert_error(limited.get("/queries/heavy"), 503, "PANCOMMONS_QUERY_TIMEOUT")
        for fmt in ("json", "csv", "html", "xml"):
            _assert_error(limited.get("/queries/many", params={"format": fmt}), 413, "50 rows")
        _assert_error(limited.get("/queries/graph"), 413, "50 rows")
        r = limited.get("/queries/few")
        assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 3
    with TestClient(create_app(Settings(store=str(tmp_path / "unused")), store=store)) as free:
        r = free.get("/queries/many")
        assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 200
