"""Content negotiation of ``/dcat``: Turtle, JSON-LD (compact, official DCAT-AP 3.0.1 context
embedded: readable offline), RDF/XML and N-Triples carry the same triples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib import URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF

from tests.dcat.conftest import BASE

ROOT = Path(__file__).resolve().parents[2]
CONTEXT = ROOT / "src" / "pancommons" / "dcat" / "context" / "dcat-ap.jsonld"
PAGE = "/dcat?limit=20&page=2"
RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}


def fetch(client: TestClient, accept: str | None = None, fmt: str | None = None) -> Any:
    url = PAGE + (f"&format={fmt}" if fmt else "")
    r = client.get(url, headers={"accept": accept} if accept else {})
    assert r.status_code == 200, r.text
    return r


def parse(r: Any) -> rdflib.Graph:
    media = r.headers["content-type"].split(";")[0]
    return rdflib.Graph().parse(data=r.content, format=RDFLIB_FORMATS[media])


def without_links(g: rdflib.Graph) -> rdflib.Graph:
    out = rdflib.Graph()
    for t in g:
        if not any(str(x).startswith("http://testserver/dcat?") for x in (t[0], t[2])):
            out.add(t)
    return out


@pytest.fixture(scope="module")
def graphs(client: TestClient) -> dict[str, rdflib.Graph]:
    return {media: parse(fetch(client, accept=media)) for media in RDFLIB_FORMATS}


def test_every_format_has_the_same_triples(graphs: dict[str, rdflib.Graph]) -> None:
    turtle = graphs["text/turtle"]
    assert len(turtle) > 200
    for media, g in graphs.items():
        assert len(g) == len(turtle), media
        assert isomorphic(g, turtle), media


def test_triples_are_what_the_page_holds(graphs: dict[str, rdflib.Graph]) -> None:
    for media, g in graphs.items():
        catalog = URIRef(f"{BASE}/dcat")
        datasets = set(g.objects(catalog, DCAT.dataset))
        assert len(datasets) == 20, media
        for d in datasets:
            assert (d, RDF.type, DCAT.Dataset) in g
            assert g.value(d, DCTERMS.title) is not None
            assert g.value(d, DCTERMS.description) is not None


@pytest.mark.parametrize(
    ("fmt", "media"),
    [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("rdf", "application/rdf+xml"),
        ("nt", "application/n-triples"),
    ],
)
def test_format_parameter_overrides_accept(
    client: TestClient, graphs: dict[str, rdflib.Graph], fmt: str, media: str
) -> None:
    r = fetch(client, accept="application/rdf+xml;q=1, text/turtle;q=0.1", fmt=fmt)
    assert r.headers["content-type"].split(";")[0] == media
    # the paging links carry the format parameter: compare the rest
    assert isomorphic(without_links(parse(r)), without_links(graphs["text/turtle"]))
    assert f"format={fmt}" in r.headers["link"]


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("", "text/turtle"),
        ("*/*", "text/turtle"),
        ("application/json", "application/ld+json"),
        ("text/html;q=0.9, application/rdf+xml;q=0.5", "application/rdf+xml"),
        ("application/ld+json;q=0.2, text/turtle;q=0.1", "application/ld+json"),
    ],
)
def test_negotiation(client: TestClient, accept: str, media: str) -> None:
    r = client.get("/dcat?limit=1", headers={"accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media


def test_nothing_acceptable_is_406(client: TestClient) -> None:
    r = client.get("/dcat", headers={"accept": "image/png"})
    assert r.status_code == 406
    assert r.json()["status"] == 406


def test_jsonld_is_compact_with_the_official_context_embedded(
    client: TestClient, graphs: dict[str, rdflib.Graph], no_network: None
) -> None:
    r = fetch(client, accept="application/ld+json")
    doc = json.loads(r.content)
    official = json.loads(CONTEXT.read_text(encoding="utf-8"))["@context"]
    context = doc["@context"]
    assert context[0] == official, "the official DCAT-AP 3.0.1 context, embedded as is"
    assert not any(isinstance(c, str) for c in context), "no context is fetched by URL"
    nodes = {n["@id"]: n for n in doc["@graph"]}
    catalog = nodes[f"{BASE}/dcat"]
    assert "Catalogue" in catalog["@type"]
    assert len(catalog["dataset"]) == 20
    dataset = nodes[catalog["dataset"][0]]
    assert dataset["@type"] == "Dataset"
    assert isinstance(dataset["title"], list) and dataset["description"]
    assert "http://purl.org/dc/terms/title" not in dataset
    distributions = [n for n in nodes.values() if n.get("@type") == "Distribution"]
    assert distributions and all("accessUrl" in d for d in distributions)
    # parsed offline (the guard refuses any connection) into the same triples as Turtle
    g = rdflib.Graph().parse(data=r.content, format="json-ld")
    assert isomorphic(g, graphs["text/turtle"])
