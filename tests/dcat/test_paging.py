"""Hydra paging of ``/dcat``: every dataset of the graph exactly once, correct first, previous,
next and last links, counts on the catalogue, and 400/404 for bad or missing pages."""

from __future__ import annotations

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, RDF

from pancommons.store.embedded import EmbeddedStore
from tests.dcat.conftest import BASE

HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
CATALOG = URIRef(f"{BASE}/dcat")


def graph_of(client: TestClient, url: str) -> rdflib.Graph:
    r = client.get(url)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/turtle")
    return rdflib.Graph().parse(data=r.text, format="turtle")


def all_datasets(store: EmbeddedStore) -> set[str]:
    rows = store.query("SELECT DISTINCT ?d WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }")
    return {r["d"].value for r in rows}  # type: ignore[union-attr,index]


def test_paging_returns_every_dataset_exactly_once(
    client: TestClient, demo_store: EmbeddedStore
) -> None:
    expected = all_datasets(demo_store)
    assert len(expected) > 20
    seen: list[str] = []
    url: str | None = "/dcat?limit=7"
    pages = 0
    while url is not None:
        g = graph_of(client, url)
        pages += 1
        on_page = sorted(str(d) for d in g.objects(CATALOG, DCAT.dataset))
        assert 0 < len(on_page) <= 7
        assert all((URIRef(d), RDF.type, DCAT.Dataset) in g for d in on_page)
        seen.extend(on_page)
        (view,) = g.objects(CATALOG, HYDRA.view)
        nxt = g.value(view, HYDRA.next)
        url = str(nxt).removeprefix("http://testserver") if nxt is not None else None
        assert pages <= 20
    assert len(seen) == len(set(seen)), "a dataset was on two pages"
    assert set(seen) == expected
    assert seen == sorted(seen), "pages are ordered by dataset IRI"
    assert pages == -(-len(expected) // 7)


def test_links_counts_and_view(client: TestClient, demo_store: EmbeddedStore) -> None:
    total = len(all_datasets(demo_store))
    last = -(-total // 10)
    g = graph_of(client, "/dcat?page=2&limit=10")
    view = URIRef("http://testserver/dcat?page=2&limit=10")
    assert (CATALOG, HYDRA.view, view) in g
    assert (view, RDF.type, HYDRA.PartialCollectionView) in g
    assert (CATALOG, RDF.type, DCAT.Catalog) in g
    assert g.value(CATALOG, HYDRA.totalItems) == Literal(total)
    assert g.value(CATALOG, HYDRA.itemsPerPage) == Literal(10)
    link = "http://testserver/dcat?page={}&limit=10"
    assert g.value(view, HYDRA.first) == URIRef(link.format(1))
    assert g.value(view, HYDRA.previous) == URIRef(link.format(1))
    assert g.value(view, HYDRA.next) == URIRef(link.format(3))
    assert g.value(view, HYDRA.last) == URIRef(link.format(last))

    first = graph_of(client, "/dcat?limit=10")
    view1 = URIRef(link.format(1))
    assert (CATALOG, HYDRA.view, view1) in first
    assert first.value(view1, HYDRA.previous) is None
    assert first.value(view1, HYDRA.next) == URIRef(link.format(2))

    end = graph_of(client, f"/dcat?page={last}&limit=10")
    view_last = URIRef(link.format(last))
    assert end.value(view_last, HYDRA.next) is None, "no next link on the last page"
    assert end.value(view_last, HYDRA.previous) == URIRef(link.format(last - 1))
    assert len(set(end.objects(CATALOG, DCAT.dataset))) == total - 10 * (last - 1)


def test_default_page_size_is_100(client: TestClient, demo_store: EmbeddedStore) -> None:
    g = graph_of(client, "/dcat")
    view = URIRef("http://testserver/dcat?page=1")
    assert g.value(CATALOG, HYDRA.itemsPerPage) == Literal(100)
    assert g.value(view, HYDRA.last) == view
    assert len(set(g.objects(CATALOG, DCAT.dataset))) == len(all_datasets(demo_store))


def test_paging_links_keep_the_other_parameters(client: TestClient) -> None:
    r = client.get("/dcat?format=nt&limit=5&modified_since=2025-01-01")
    assert r.status_code == 200
    g = rdflib.Graph().parse(data=r.text, format="nt")
    (view,) = g.objects(CATALOG, HYDRA.view)
    assert str(view) == "http://testserver/dcat?page=1&limit=5&modified_since=2025-01-01&format=nt"
    assert 'rel="next"' in r.headers["link"]
    assert r.headers["vary"] == "Accept"


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page=x",
        "page=1.5",
        "page=",
        "limit=0",
        "limit=1001",
        "limit=ten",
        "limit=%2010",
        "page=1&page=2",
        "format=xml",
    ],
)
def test_bad_page_or_limit_is_400(client: TestClient, query: str) -> None:
    r = client.get(f"/dcat?{query}")
    assert r.status_code == 400
    body = r.json()
    assert body["status"] == 400 and body["error"] == "bad parameter"
    assert body["detail"]


def test_page_after_the_last_is_404(client: TestClient) -> None:
    r = client.get("/dcat?page=1000&limit=1000")
    assert r.status_code == 404
    assert r.json()["error"] == "no such page"
