"""/health and /sparql (SPARQL 1.1 Protocol query operation) in-process."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from httpx import Response
from lxml import etree
from pyoxigraph import QueryResultsFormat, RdfFormat, parse_query_results
from rdflib import Graph, Namespace, URIRef

from pancommons.api import sparql
from pancommons.api.app import create_app
from pancommons.config import Settings
from pancommons.store.embedded import EmbeddedStore

DATA = b"""@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://doi.org/10.15151/esrf-es-1> a dcat:Dataset ; dct:title "one" .
<https://doi.org/10.15151/esrf-es-2> a dcat:Dataset ; dct:title "two" .
"""
SELECT = "SELECT ?d WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> } ORDER BY ?d"
CONSTRUCT = (
    "CONSTRUCT { ?d <http://schema.org/name> ?t } WHERE { ?d <http://purl.org/dc/terms/title> ?t }"
)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    store = EmbeddedStore(tmp_path / "store")
    store.load(DATA, graph="http://example.org/g", format=RdfFormat.TURTLE)
    with TestClient(create_app(Settings(store=str(tmp_path / "store")), store=store)) as c:
        yield c
    store.close()


def test_health(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["graphs"] == 1


def test_get_query_json(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": SELECT})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    assert [b["d"]["value"] for b in r.json()["results"]["bindings"]] == [
        "https://doi.org/10.15151/esrf-es-1",
        "https://doi.org/10.15151/esrf-es-2",
    ]


def test_post_urlencoded_and_direct(client: TestClient) -> None:
    a = client.post("/sparql", data={"query": SELECT})
    b = client.post("/sparql", content=SELECT, headers={"Content-Type": "application/sparql-query"})
    assert a.status_code == b.status_code == 200
    assert a.json() == b.json()


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0.5, application/sparql-results+json", "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_result_formats_by_accept(client: TestClient, accept: str, media: str) -> None:
    r = client.get("/sparql", params={"query": SELECT}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    if media == "text/csv":
        assert list(csv.reader(io.StringIO(r.text)))[1:] == [
            ["https://doi.org/10.15151/esrf-es-1"],
            ["https://doi.org/10.15151/esrf-es-2"],
        ]
    if media.endswith("xml"):
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        assert len(etree.fromstring(r.content).findall(".//r:result", ns)) == 2


def test_construct_by_accept_parses_back(client: TestClient) -> None:
    for accept, fmt in [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ]:
        r = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
        assert r.status_code == 200, accept
        g = Graph().parse(data=r.content, format=fmt)
        assert len(g) == 2
        assert (
            URIRef("https://doi.org/10.15151/esrf-es-1"),
            URIRef("http://schema.org/name"),
            None,
        ) in g


def test_ask(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert r.json()["boolean"] is True


def test_malformed_query_is_400_with_parser_message(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x"})
    assert r.status_code == 400
    body = r.json()
    assert body["status"] == 400 and body["error"] == "malformed query"
    assert "line" in body["detail"] or "expected" in body["detail"].lower()


def test_missing_query_and_wrong_type(client: TestClient) -> None:
    # A plain GET /sparql is the Service Description (below); an empty query is an error.
    assert client.get("/sparql", params={"query": ""}).status_code == 400
    r = client.post("/sparql", content=b"x", headers={"Content-Type": "image/png"})
    assert r.status_code == 415 and "application/sparql-query" in r.json()["detail"]


def test_not_acceptable(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "image/png"})
    assert r.status_code == 406


def test_openapi_lists_routes(client: TestClient) -> None:
    paths = json.loads(client.get("/openapi.json").text)["paths"]
    assert "/health" in paths and "/sparql" in paths


# --- the rest of the SPARQL 1.1 Protocol -------------------------------------------------------

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
TOKEN = "s3cret-token"
G1, G2 = "http://example.org/g1", "http://example.org/g2"
TWO_GRAPHS = (
    f"INSERT DATA {{ GRAPH <{G1}> {{ <http://example.org/a> <http://example.org/p> 1 }} "
    f"GRAPH <{G2}> {{ <http://example.org/b> <http://example.org/p> 2 }} }}"
)


@contextmanager
def make_client(tmp_path: Path, **settings: Any) -> Iterator[TestClient]:
    store = EmbeddedStore(tmp_path / "store")
    store.update(TWO_GRAPHS)
    app = create_app(Settings(store=str(tmp_path / "store"), **settings), store=store)
    with TestClient(app) as c:
        yield c
    store.close()


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path, update_token=TOKEN) as c:
        yield c


def _update(c: TestClient, text: str, token: str | None = TOKEN, **params: str) -> Response:
    headers = {"Content-Type": "application/sparql-update"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return c.post("/sparql", content=text, headers=headers, params=params)


def _subjects(c: TestClient, query: str, **params: Any) -> list[str]:
    r = c.get("/sparql", params={"query": query, **params})
    assert r.status_code == 200, r.text
    return sorted(b["s"]["value"] for b in r.json()["results"]["bindings"])


def test_plain_get_is_the_service_description(client: TestClient) -> None:
    for accept, fmt in [
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("", "turtle"),
    ]:
        r = client.get("/sparql", headers={"Accept": accept})
        assert r.status_code == 200
        g = Graph().parse(data=r.content, format=fmt)
        service = g.value(None, SD.endpoint, URIRef("http://testserver/sparql"))
        assert service is not None
        assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
        assert (service, SD.supportedLanguage, SD.SPARQL11Update) not in g  # no token: no updates
        assert (None, SD.name, URIRef("http://example.org/g")) in g


def test_browsers_get_the_editor_hook(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    monkeypatch.setattr(sparql, "editor_page", lambda request: HTMLResponse("<p>editor</p>"))
    assert client.get("/sparql", headers={"Accept": html}).text == "<p>editor</p>"
    monkeypatch.setattr(sparql, "editor_page", lambda request: None)  # no editor installed
    r = client.get("/sparql", headers={"Accept": html})
    assert r.headers["content-type"].startswith("text/turtle")


def test_protocol_dataset_overrides_union_and_from(writer: TestClient) -> None:
    q = "SELECT ?s WHERE { ?s ?p ?o }"
    assert _subjects(writer, q) == ["http://example.org/a", "http://example.org/b"]
    assert _subjects(writer, q, **{"default-graph-uri": G1}) == ["http://example.org/a"]
    assert _subjects(
        writer, f"SELECT ?s FROM <{G1}> {{ ?s ?p ?o }}", **{"default-graph-uri": G2}
    ) == ["http://example.org/b"]
    assert _subjects(writer, f"SELECT ?s FROM <{G2}> {{ ?s ?p ?o }}") == ["http://example.org/b"]
    named = "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert _subjects(writer, named, **{"named-graph-uri": G2}) == ["http://example.org/b"]
    assert _subjects(writer, q, **{"named-graph-uri": G2}) == []  # default graph then empty
    r = writer.get("/sparql", params={"query": q, "default-graph-uri": "not an iri"})
    assert r.status_code == 400 and "default-graph-uri" in r.json()["detail"]


def test_updates_are_off_without_a_configured_token(client: TestClient) -> None:
    r = _update(client, "CLEAR ALL", token="anything")
    assert r.status_code == 403 and "PANCOMMONS_UPDATE_TOKEN" in r.json()["detail"]
    r = client.post("/sparql", data={"update": "CLEAR ALL"})
    assert r.status_code == 403
    assert client.get("/health").json()["graphs"] == 1


def test_updates_need_the_bearer_token(writer: TestClient) -> None:
    r = _update(writer, "CLEAR ALL", token=None)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    for header in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "s3cret-token"]:
        r = writer.post(
            "/sparql",
            content="CLEAR ALL",
            headers={"Content-Type": "application/sparql-update", "Authorization": header},
        )
        assert r.status_code == 401, header
    assert _update(writer, "CLEAR ALL", token="wrong").status_code == 403
    assert writer.post("/sparql", data={"update": "CLEAR ALL"}).status_code == 401
    assert writer.get("/health").json()["graphs"] == 2  # nothing was cleared
    r = writer.post(
        "/sparql",
        data={"update": f"DROP GRAPH <{G1}>"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert r.status_code == 204
    assert writer.get("/health").json()["graphs"] == 1


def test_update_using_parameters_and_conflicts(writer: TestClient) -> None:
    insert = "INSERT { GRAPH <http://example.org/out> { ?s a <http://example.org/T> } } WHERE { ?s ?p ?o }"
    assert _update(writer, insert, **{"using-graph-uri": G2}).status_code == 204
    out = "SELECT ?s WHERE { GRAPH <http://example.org/out> { ?s ?p ?o } }"
    assert _subjects(writer, out) == ["http://example.org/b"]
    r = _update(
        writer, f"WITH <{G1}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}", **{"using-graph-uri": G2}
    )
    assert r.status_code == 400 and "WITH" in r.json()["detail"]
    r = _update(writer, "CLEAR XYZ")
    assert r.status_code == 400 and r.json()["error"] == "malformed update"
    assert "1:" in r.json()["detail"]


def test_relative_iris_resolve_against_the_endpoint(writer: TestClient) -> None:
    assert _update(writer, "INSERT DATA { GRAPH <g3> { <s> <p> <o> } }").status_code == 204
    assert _subjects(writer, "SELECT ?s { GRAPH <http://testserver/g3> { ?s ?p ?o } }") == [
        "http://testserver/s"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "select * { service silent <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * { VALUES ?e { <http://x/> } SERVICE ?e { ?s ?p ?o } }",
        "SELECT * { \\u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * { ?s <http://x/p>'''a'''. SERVICE <http://example.org/> { ?s ?p ?o } }",
    ],
)
def test_service_to_other_hosts_is_refused(writer: TestClient, text: str) -> None:
    r = writer.get("/sparql", params={"query": text})
    assert r.status_code == 400 and r.json()["error"] == "refused", r.text
    assert "PANCOMMONS_SERVICE_ALLOW" in r.json()["detail"]


def test_load_is_refused(writer: TestClient) -> None:
    r = _update(writer, "LOAD <http://example.org/data.ttl> INTO GRAPH <http://example.org/g>")
    assert r.status_code == 400 and "LOAD" in r.json()["detail"]


def test_the_word_service_elsewhere_is_fine(writer: TestClient) -> None:
    q = (
        'SELECT ?s WHERE { ?s ?p ?o FILTER(?o != "SERVICE <http://x/> {}") '
        "# SERVICE <http://x/> {}\n FILTER(?p != <http://x/SERVICE>) }"
    )
    assert len(_subjects(writer, q)) == 2


def test_result_terms_match_oxigraph(tmp_path: Path) -> None:
    data = (
        '<http://e/s> <http://e/p> "plain", "chat"@fr, "1"^^<http://www.w3.org/2001/XMLSchema#integer>, '
        "_:b1, <http://e/o> ."
    )
    store = EmbeddedStore(tmp_path / "store")
    store.load(data.encode(), graph="http://e/g", format=RdfFormat.TURTLE)
    q = "SELECT ?o ?x WHERE { ?s ?p ?o OPTIONAL { FILTER(false) BIND(1 AS ?x) } } ORDER BY ?o"
    expected = json.loads(bytes(store.query(q).serialize(format=QueryResultsFormat.JSON)))
    with TestClient(create_app(Settings(store=str(tmp_path / "store")), store=store)) as c:
        for accept in [
            "application/sparql-results+json",
            "application/sparql-results+xml",
            "text/tab-separated-values",
        ]:
            r = c.get("/sparql", params={"query": q}, headers={"Accept": accept})
            fmt = {"json": QueryResultsFormat.JSON, "xml": QueryResultsFormat.XML}.get(
                accept[-4:].strip("+"), QueryResultsFormat.TSV
            )
            got = parse_query_results(r.content, fmt).serialize(format=QueryResultsFormat.JSON)
            assert json.loads(bytes(got)) == expected, accept
    store.close()


def test_row_cap_and_body_limit(tmp_path: Path) -> None:
    with make_client(tmp_path, max_rows=1, max_body_bytes=200) as c:
        r = c.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }"})
        assert r.status_code == 413 and "LIMIT" in r.json()["detail"]
        assert c.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}).status_code == 413
        assert (
            c.get("/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 1"}).status_code == 200
        )
        big = "ASK {}" + " " * 300
        r = c.post("/sparql", content=big, headers={"Content-Type": "application/sparql-query"})
        assert r.status_code == 413 and r.json()["error"] == "request too large"


def test_bad_requests(writer: TestClient) -> None:
    r = writer.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")])
    assert r.status_code == 400
    r = writer.get("/sparql", params={"update": "CLEAR ALL"})
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    r = writer.post(
        "/sparql",
        content="ASK {}".encode("utf-16"),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert r.status_code == 400 and r.json()["error"] == "not UTF-8"
    r = writer.post(
        "/sparql",
        content=b"ASK {}",
        headers={"Content-Type": "application/sparql-query; charset=latin-1"},
    )
    assert r.status_code == 415
    r = writer.post(
        "/sparql",
        data={"query": "ASK {}", "update": "CLEAR ALL"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert r.status_code == 400
    r = writer.put("/sparql", content=b"ASK {}")
    assert r.status_code == 405 and r.json()["status"] == 405
