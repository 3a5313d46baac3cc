"""``/void`` (VoID with counts) and ``/sitemap.xml`` (with lastmod, paginated past the limit)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import rdflib
from fastapi.testclient import TestClient
from lxml import etree
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, RDF

from pancommons import vocab
from pancommons.api import sitemap
from pancommons.store.embedded import EmbeddedStore
from tests.api.pages.helpers import (
    BASE,
    HTML,
    VOID,
    count,
)


def test_void_counts_every_graph_and_the_datasets(client: TestClient, store: EmbeddedStore) -> None:
    r = client.get("/void")
    assert r.headers["content-type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    root = rdflib.URIRef(f"{BASE}/void#dataset")
    assert (root, RDF.type, VOID.Dataset) in g
    assert str(g.value(root, VOID.sparqlEndpoint)) == "http://testserver/sparql"
    triples = next(
        iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }"))
    )["n"]  # type: ignore[index]
    assert int(g.value(root, VOID.triples)) == int(triples.value)
    subsets = {str(s): int(g.value(s, VOID.triples)) for s in g.objects(root, VOID.subset)}
    assert subsets == {graph: store.count(graph) for graph in store.graphs()}
    for key in ("entities", "classes", "properties", "distinctSubjects", "distinctObjects"):
        assert int(g.value(root, VOID[key])) > 0
    partitions = {
        str(g.value(p, VOID["class"])): int(g.value(p, VOID.entities))
        for p in g.objects(root, VOID.classPartition)
    }
    assert partitions[str(DCAT.Dataset)] == count(store, f"?x a <{vocab.DCAT}Dataset>")
    jsonld = client.get("/void", headers={"Accept": "application/ld+json"})
    assert isomorphic(rdflib.Graph().parse(data=jsonld.content, format="json-ld"), g)


def _sitemap_urls(doc: etree._Element) -> list[str]:
    return doc.xpath("//s:url/s:loc/text()", namespaces={"s": sitemap.NS})


def test_sitemap_lists_every_dataset_landing_page_with_lastmod(
    client: TestClient, store: EmbeddedStore
) -> None:
    r = client.get("/sitemap.xml")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    doc = etree.fromstring(r.content)
    assert doc.tag == f"{{{sitemap.NS}}}urlset"
    urls = _sitemap_urls(doc)
    assert len(urls) == len(set(urls)) == count(store, f"?x a <{vocab.DCAT}Dataset>")
    ns = {"s": sitemap.NS}
    for url in doc.xpath("//s:url", namespaces=ns):
        lastmod = url.xpath("s:lastmod/text()", namespaces=ns)
        loc = url.findtext(f"{{{sitemap.NS}}}loc")
        if "test-evil" in loc:  # loaded without a harvest run, no dates: no lastmod
            assert not lastmod
        else:
            assert sitemap.w3c_datetime(lastmod[0]) == lastmod[0], loc
    assert (
        "http://testserver/describe?iri=https%3A%2F%2Fdoi.org%2F10.15151%2Fesrf-dc-2493599001"
        in urls
    )
    for url in urls[:5] + urls[-5:]:
        parts = urlsplit(url)
        path = parts.path + ("?" + parts.query if parts.query else "")
        assert client.get(path, headers=HTML).status_code == 200, url


def test_sitemap_becomes_an_index_past_the_page_limit(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    everything = _sitemap_urls(etree.fromstring(client.get("/sitemap.xml").content))
    monkeypatch.setattr(sitemap, "PAGE_LIMIT", 10)
    client.app.state.result_cache.clear()  # kept pages were built under the old limit
    index = etree.fromstring(client.get("/sitemap.xml").content)
    assert index.tag == f"{{{sitemap.NS}}}sitemapindex"
    pages = index.xpath("//s:sitemap/s:loc/text()", namespaces={"s": sitemap.NS})
    assert len(pages) == -(-len(everything) // 10)
    seen: list[str] = []
    for page in pages:
        number = parse_qs(urlsplit(page).query)["page"][0]
        urls = _sitemap_urls(etree.fromstring(client.get(f"/sitemap.xml?page={number}").content))
        assert 0 < len(urls) <= 10
        seen += urls
    assert sorted(seen) == sorted(everything)
    assert client.get(f"/sitemap.xml?page={len(pages) + 1}").status_code == 404


def test_w3c_datetime() -> None:
    assert sitemap.w3c_datetime("2021") == "2021"
    assert sitemap.w3c_datetime("2025-12-01T16:03:43Z") == "2025-12-01T16:03:43Z"
    assert sitemap.w3c_datetime("2025-12-01T16:03:43") == "2025-12-01"
    assert sitemap.w3c_datetime("yesterday") is None
