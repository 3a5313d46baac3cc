"""The W3C SPARQL 1.1 Protocol test suite (34 tests) against a real uvicorn server.

Manifest paths ``/sparql/`` are rewritten to our ``/sparql``. Every request carries the update
token, as a configured client would: the update tests need it, and the ``bad_*`` tests then show
that their 4xx comes from the protocol error they exercise, not from authentication.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from urllib.error import HTTPError

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import JSON, N3, POST, RDFXML, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import Unauthorized

from tests.api.conftest import TOKEN, live_server
from tests.api.w3c_http_tests import CONFORMANCE, HttpTest, load, reset, run

TESTS = load(CONFORMANCE / "protocol" / "manifest.ttl")


def test_the_suite_is_complete() -> None:
    assert len(TESTS) == 34


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_protocol(any_server: str, test: HttpTest) -> None:
    reset(any_server, TOKEN, test.graph_data)
    run(test, any_server, {"/sparql/": "/sparql"}, TOKEN)


# --- real clients, and one heavy query among others --------------------------------------------

EX = "http://example.org/"


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server with a 1 s query timeout, a 1000-row cap and 200 triples: a 3-way cartesian
    product of them runs for seconds."""
    with live_server(
        tmp_path_factory.mktemp("limited"), update_token=TOKEN, query_timeout=1, max_rows=1000
    ) as base:
        triples = " ".join(f"<{EX}s{i}> <{EX}p> {i} ." for i in range(200))
        r = requests.post(
            base + "/sparql",
            data={"update": f"INSERT DATA {{ GRAPH <{EX}g> {{ {triples} }} }}"},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=10,
        )
        assert r.status_code == 204
        yield base


HEAVY = (
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
    "FILTER(STRLEN(CONCAT(STR(?c), STR(?f), STR(?i))) < 0) }"
)


def test_heavy_query_times_out_while_others_are_served(limited: str) -> None:
    answers: dict[str, requests.Response] = {}
    took: dict[str, float] = {}

    def heavy() -> None:
        start = time.monotonic()
        answers["heavy"] = requests.get(limited + "/sparql", params={"query": HEAVY}, timeout=30)
        took["heavy"] = time.monotonic() - start

    worker = threading.Thread(target=heavy)
    worker.start()
    time.sleep(0.3)
    for _ in range(5):  # simple queries keep being answered quickly meanwhile
        start = time.monotonic()
        r = requests.get(
            limited + "/sparql", params={"query": f"ASK {{ <{EX}s1> ?p ?o }}"}, timeout=5
        )
        assert r.status_code == 200 and r.json()["boolean"] is True
        assert time.monotonic() - start < 0.5
    worker.join()
    r = answers["heavy"]
    assert r.status_code == 503 and r.json()["error"] == "query timeout", r.text
    assert took["heavy"] < 1 + 1.0


def test_streaming_query_stops_at_the_row_cap(limited: str) -> None:
    r = requests.get(
        limited + "/sparql", params={"query": "SELECT * { ?a ?b ?c . ?d ?e ?f }"}, timeout=10
    )
    assert r.status_code == 413 and "1000 rows" in r.json()["detail"]


def test_sparqlwrapper(limited: str) -> None:
    sw = SPARQLWrapper(limited + "/sparql")
    sw.setQuery(f"SELECT ?o WHERE {{ <{EX}s7> <{EX}p> ?o }}")
    sw.setReturnFormat(JSON)
    assert sw.queryAndConvert()["results"]["bindings"][0]["o"]["value"] == "7"  # type: ignore[index]
    sw.setReturnFormat(XML)
    assert sw.queryAndConvert().getElementsByTagName("literal")[0].firstChild.data == "7"  # type: ignore[union-attr]
    sw.setQuery(f"ASK {{ <{EX}s7> ?p ?o }}")
    sw.setReturnFormat(JSON)
    assert sw.queryAndConvert()["boolean"] is True  # type: ignore[index]
    sw.setQuery(f"CONSTRUCT WHERE {{ <{EX}s7> ?p ?o }}")
    for fmt in (TURTLE, RDFXML, N3):
        sw.setReturnFormat(fmt)
        result = sw.queryAndConvert()
        g = result if isinstance(result, Graph) else Graph().parse(data=result, format="turtle")
        assert len(g) == 1, fmt
    sw.setMethod(POST)
    sw.setQuery(f"INSERT DATA {{ GRAPH <{EX}sw> {{ <{EX}x> <{EX}p> 'sw' }} }}")
    sw.setReturnFormat(JSON)
    with pytest.raises(Unauthorized):
        sw.query()
    sw.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    assert sw.query().response.status == 204
    sw.setQuery(f"ASK {{ GRAPH <{EX}sw> {{ ?s ?p 'sw' }} }}")
    assert sw.queryAndConvert()["boolean"] is True  # type: ignore[index]


def test_rdflib_sparqlstore_and_updatestore(limited: str) -> None:
    graph = Graph(store=SPARQLStore(limited + "/sparql"))
    rows = list(graph.query(f"SELECT ?o WHERE {{ <{EX}s3> <{EX}p> ?o }}"))
    assert [int(r[0]) for r in rows] == [3]  # type: ignore[index]
    assert (URIRef(f"{EX}s3"), URIRef(f"{EX}p"), Literal(3)) in graph
    assert len(list(graph.triples((URIRef(f"{EX}s5"), None, None)))) == 1
    update_store = SPARQLUpdateStore(
        limited + "/sparql", limited + "/sparql", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    writable = Graph(store=update_store, identifier=URIRef(f"{EX}rdflib"))
    writable.add((URIRef(f"{EX}r"), URIRef(f"{EX}p"), Literal("via rdflib")))
    check = requests.get(
        limited + "/sparql",
        params={"query": f"ASK {{ GRAPH <{EX}rdflib> {{ <{EX}r> ?p 'via rdflib' }} }}"},
        timeout=5,
    )
    assert check.json()["boolean"] is True
    no_token = Graph(
        store=SPARQLUpdateStore(limited + "/sparql", limited + "/sparql"),
        identifier=URIRef(f"{EX}rdflib"),
    )
    with pytest.raises(HTTPError) as info:
        no_token.add((URIRef(f"{EX}r"), URIRef(f"{EX}p"), Literal("no")))
    assert info.value.code == 401
    info.value.close()
