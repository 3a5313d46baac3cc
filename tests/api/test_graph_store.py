"""``/store``: the W3C Graph Store Protocol suite (13 tests) over a real socket, then our own
rules (tokens, 404, 201/204, bad bodies, body limit, default graph) in-process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from rdflib import Graph

from pancommons.api.app import create_app
from pancommons.config import Settings
from pancommons.store.embedded import EmbeddedStore
from tests.api.conftest import TOKEN
from tests.api.w3c_http_tests import CONFORMANCE, HttpTest, load, reset, run

TESTS = load(CONFORMANCE / "graph-store-protocol" / "manifest.ttl")


def test_the_suite_is_complete() -> None:
    assert len(TESTS) == 13


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_graph_store_protocol(any_server: str, test: HttpTest) -> None:
    reset(any_server, TOKEN, test.graph_data)
    run(test, any_server, {"/gsp": "/store"}, TOKEN)


# --- our rules, in-process ---------------------------------------------------------------------

G = "http://example.org/graphs/one"
TTL = b'@prefix ex: <http://example.org/> . ex:a ex:p "one" ; ex:q [ ex:r 1 ] .'
BEARER = {"Authorization": f"Bearer {TOKEN}"}
TURTLE = {"Content-Type": "text/turtle", **BEARER}


@contextmanager
def make_client(tmp_path: Path, **settings: Any) -> Iterator[TestClient]:
    store = EmbeddedStore(tmp_path / "store")
    app = create_app(Settings(store=str(tmp_path / "store"), **settings), store=store)
    with TestClient(app) as c:
        yield c
    store.close()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path, update_token=TOKEN, max_body_bytes=10_000) as c:
        yield c


def _graph(r: Response) -> Graph:
    assert r.status_code == 200, r.text
    fmt = {"text/turtle": "turtle", "application/n-triples": "nt"}
    return Graph().parse(
        data=r.content, format=fmt.get(r.headers["content-type"].split(";")[0], "xml")
    )


def test_writes_need_the_token(client: TestClient, tmp_path: Path) -> None:
    r = client.put(
        "/store", params={"graph": G}, content=TTL, headers={"Content-Type": "text/turtle"}
    )
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    wrong = {"Content-Type": "text/turtle", "Authorization": "Bearer nope"}
    assert client.post("/store", params={"graph": G}, content=TTL, headers=wrong).status_code == 403
    assert client.delete("/store", params={"graph": G}, headers=wrong).status_code == 403
    assert client.get("/store", params={"graph": G}).status_code == 404  # nothing was written


def test_writes_are_off_without_a_token(tmp_path: Path) -> None:
    with make_client(tmp_path) as c:
        r = c.put("/store", params={"graph": G}, content=TTL, headers=TURTLE)
        assert r.status_code == 403 and "PANCOMMONS_UPDATE_TOKEN" in r.json()["detail"]


def test_put_post_get_delete(client: TestClient) -> None:
    assert client.get("/store", params={"graph": G}).status_code == 404
    assert client.delete("/store", params={"graph": G}, headers=BEARER).status_code == 404
    assert client.put("/store", params={"graph": G}, content=TTL, headers=TURTLE).status_code == 201
    assert client.put("/store", params={"graph": G}, content=TTL, headers=TURTLE).status_code == 204
    assert len(_graph(client.get("/store", params={"graph": G}))) == 3
    more = b'<http://example.org/b> <http://example.org/p> "2" .'
    nt = {"Content-Type": "application/n-triples", **BEARER}
    assert client.post("/store", params={"graph": G}, content=more, headers=nt).status_code == 204
    for accept in ["application/n-triples", "application/rdf+xml", "text/turtle"]:
        r = client.get("/store", params={"graph": G}, headers={"Accept": accept})
        assert r.headers["content-type"].startswith(accept)
        assert len(_graph(r)) == 4
    head = client.head("/store", params={"graph": G})
    assert head.status_code == 200 and head.content == b""
    assert client.delete("/store", params={"graph": G}, headers=BEARER).status_code == 204
    assert client.get("/store", params={"graph": G}).status_code == 404


def test_blank_nodes_are_fresh_per_request(client: TestClient) -> None:
    body = b'_:x <http://example.org/p> "same label" .'
    nt = {"Content-Type": "application/n-triples", **BEARER}
    for _ in range(2):
        assert client.post("/store", params={"graph": G}, content=body, headers=nt).status_code in (
            201,
            204,
        )
    assert len(_graph(client.get("/store", params={"graph": G}))) == 2


def test_bad_bodies_change_nothing(client: TestClient) -> None:
    client.put("/store", params={"graph": G}, content=TTL, headers=TURTLE)
    r = client.put(
        "/store", params={"graph": G}, content=b"<http://x> <http://y> .", headers=TURTLE
    )
    assert r.status_code == 400 and r.json()["error"] == "malformed RDF"
    r = client.put(
        "/store", params={"graph": G}, content=TTL, headers={"Content-Type": "image/png", **BEARER}
    )
    assert r.status_code == 415
    quads = b'{"@id": "http://example.org/other", "@graph": [{"@id": "http://example.org/a", "http://example.org/p": "x"}]}'
    r = client.post(
        "/store",
        params={"graph": G},
        content=quads,
        headers={"Content-Type": "application/ld+json", **BEARER},
    )
    assert r.status_code == 400 and "one graph" in r.json()["detail"]
    r = client.post("/store", params={"graph": G}, content=b"#" * 20_000, headers=TURTLE)
    assert r.status_code == 413
    assert len(_graph(client.get("/store", params={"graph": G}))) == 3


def test_bad_graph_parameters(client: TestClient) -> None:
    assert client.get("/store").status_code == 400
    assert client.get("/store", params={"graph": "no iri"}).status_code == 400
    assert client.get("/store?graph=http://a/&graph=http://b/").status_code == 400
    assert client.get("/store?graph=http://a/&default").status_code == 400
    assert client.get("/store/x?default").status_code == 400


def test_default_graph_is_the_unnamed_graph(client: TestClient) -> None:
    client.put("/store", params={"graph": G}, content=TTL, headers=TURTLE)
    assert len(_graph(client.get("/store?default"))) == 0  # exists, empty; not the union
    body = b'<http://example.org/d> <http://example.org/p> "1" .'
    nt = {"Content-Type": "application/n-triples", **BEARER}
    assert client.put("/store?default", content=body, headers=nt).status_code == 204
    assert (
        client.post("/store?default", content=body.replace(b"1", b"2"), headers=nt).status_code
        == 204
    )
    assert len(_graph(client.get("/store?default"))) == 2
    assert client.delete("/store?default", headers=BEARER).status_code == 204
    assert len(_graph(client.get("/store?default"))) == 0
    assert len(_graph(client.get("/store", params={"graph": G}))) == 3


def test_post_creates_a_graph_and_direct_identification(client: TestClient) -> None:
    r = client.post("/store", content=TTL, headers=TURTLE)
    assert r.status_code == 201 and r.headers["location"].startswith(
        "https://w3id.org/pan-commons/graph/store/"
    )
    assert len(_graph(client.get("/store", params={"graph": r.headers["location"]}))) == 3
    assert client.put("/store/people/1", content=TTL, headers=TURTLE).status_code == 201
    r = client.get("/store", params={"graph": "http://testserver/store/people/1"})
    assert len(_graph(r)) == 3


def test_direct_identification_keeps_the_path_as_sent(client: TestClient) -> None:
    assert client.put("/store/a%20b", content=TTL, headers=TURTLE).status_code == 201
    assert len(_graph(client.get("/store", params={"graph": "http://testserver/store/a%20b"}))) == 3


def test_xml_entities_are_expanded_safely(client: TestClient) -> None:
    head = '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n'
    body = (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://e/">'
        '<rdf:Description rdf:about="&ex;s"><ex:p>{}</ex:p></rdf:Description></rdf:RDF>'
    )
    xml = {"Content-Type": "application/rdf+xml", **BEARER}
    ok = head + '<!ENTITY ex "http://e/">\n]>\n' + body.format("v")
    assert client.put("/store", params={"graph": G}, content=ok, headers=xml).status_code == 201
    laughs = head + '<!ENTITY ex "http://e/">\n<!ENTITY a "aaaaaaaaaa">\n'
    for level in "bcdefghij":
        laughs += f'<!ENTITY {level} "{f"&{chr(ord(level) - 1)};" * 10}">\n'
    laughs += "]>\n" + body.format("&j;")
    r = client.put("/store", params={"graph": G}, content=laughs, headers=xml)
    assert r.status_code == 400 and "amplification" in r.json()["detail"]
    xxe = head + '<!ENTITY ex SYSTEM "file:///etc/passwd">\n]>\n' + body.format("&ex;")
    assert client.put("/store", params={"graph": G}, content=xxe, headers=xml).status_code == 400
    assert [str(o) for o in _graph(client.get("/store", params={"graph": G})).objects()] == ["v"]
