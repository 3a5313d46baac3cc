"""/health and /sparql (SPARQL 1.1 Protocol query operation) in-process."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from pyoxigraph import RdfFormat
from rdflib import Graph, URIRef

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
    assert client.get("/sparql").status_code == 400
    r = client.post("/sparql", content=b"x", headers={"Content-Type": "image/png"})
    assert r.status_code == 415 and "application/sparql-query" in r.json()["detail"]


def test_not_acceptable(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "image/png"})
    assert r.status_code == 406


def test_openapi_lists_routes(client: TestClient) -> None:
    paths = json.loads(client.get("/openapi.json").text)["paths"]
    assert "/health" in paths and "/sparql" in paths
