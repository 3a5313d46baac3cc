"""The home page (counts, links) and search (words bound as literals)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from lxml import html

from pancommons import vocab
from pancommons.store.embedded import EmbeddedStore
from tests.api.pages.helpers import (
    HTML,
    count,
)


def test_home_shows_counts_and_links_to_every_interface(
    client: TestClient, store: EmbeddedStore
) -> None:
    r = client.get("/", headers=HTML)
    assert r.status_code == 200
    doc = html.fromstring(r.text)
    shown = {
        key: int(doc.get_element_by_id(f"count-{key}").text_content().replace(",", ""))
        for key in ("datasets", "publications", "instruments", "facilities", "sources")
    }
    assert shown["datasets"] == count(store, f"?x a <{vocab.DCAT}Dataset>")
    assert shown["instruments"] == count(store, f"?x a <{vocab.PAN}Instrument>")
    assert shown["facilities"] == count(store, f"?x a <{vocab.PAN}Facility>")
    assert shown["publications"] == count(
        store, f"VALUES ?c {{ <{vocab.FABIO}Expression> <{vocab.SCHEMA}ScholarlyArticle> }} ?x a ?c"
    )
    assert shown["sources"] == len([g for g in store.graphs() if "/graph/source/" in g])
    links = set(doc.xpath("//a/@href"))
    for path in ("/sparql", "/queries", "/fair/metrics", "/fair/scores", "/void", "/docs"):
        assert path in links
    assert {"/oai", "/dcat", "/sitemap.xml"} <= links
    assert doc.xpath("//form[@action='/search']//input[@name='q']")


def test_search_matches_every_word_in_titles_and_descriptions(client: TestClient) -> None:
    r = client.get("/search", params={"q": "Aleodon TOMOGRAPHIC"}, headers=HTML)
    assert r.status_code == 200
    hrefs = html.fromstring(r.text).xpath("//ol[@class='results']//a/@href")
    assert "/describe?iri=https%3A%2F%2Fdoi.org%2F10.15151%2Fesrf-dc-2493599001" in hrefs
    r = client.get("/search", params={"q": "Aleodon lysozyme"}, headers=HTML)
    assert not html.fromstring(r.text).xpath("//ol[@class='results']//a")


@pytest.mark.parametrize(
    "q", ['") } UNION { ?x ?p ?o } #', "\\", "'; DROP GRAPH <x>", "<script>x</script>", 'qq"\n} zz']
)
def test_search_text_is_bound_as_a_literal(client: TestClient, q: str) -> None:
    r = client.get("/search", params={"q": q}, headers=HTML)
    assert r.status_code == 200
    assert "<script>x</script>" not in r.text
    assert not html.fromstring(r.text).xpath("//ol[@class='results']//a")


def test_search_refuses_overlong_text(client: TestClient) -> None:
    assert client.get("/search", params={"q": "x" * 201}).status_code == 400
