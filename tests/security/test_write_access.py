"""Every write route needs the update token: SPARQL updates on ``/sparql`` (direct and
urlencoded) and ``PUT``/``POST``/``DELETE`` on ``/store`` (``?graph=``, ``?default``, a new
graph, direct identification). Without an Authorization header: 401 with a Bearer challenge; a
malformed one: 401; a wrong token: 403; no token configured on the server: 403 whatever is
sent. With the token: accepted. A refused request writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat

from pancommons.store.embedded import EmbeddedStore
from tests.security.conftest import TOKEN, app_client, dump

TTL = b'<http://example.org/s> <http://example.org/p> "written" .'
UPDATE = 'INSERT DATA { GRAPH <http://example.org/u> { <http://example.org/s> <http://example.org/p> "written" } }'
G = "http://example.org/graphs/w"

# (name, method, path, params, content type, body)
WRITES: list[tuple[str, str, str, dict[str, str], str, bytes]] = [
    ("sparql update", "POST", "/sparql", {}, "application/sparql-update", UPDATE.encode()),
    (
        "sparql form update",
        "POST",
        "/sparql",
        {},
        "application/x-www-form-urlencoded",
        b"update=" + UPDATE.replace(" ", "+").encode(),
    ),
    ("store put graph", "PUT", "/store", {"graph": G}, "text/turtle", TTL),
    ("store post graph", "POST", "/store", {"graph": G}, "text/turtle", TTL),
    ("store post new graph", "POST", "/store", {}, "text/turtle", TTL),
    ("store put default", "PUT", "/store", {"default": ""}, "text/turtle", TTL),
    ("store post default", "POST", "/store", {"default": ""}, "text/turtle", TTL),
    ("store put direct", "PUT", "/store/direct/graph", {}, "text/turtle", TTL),
    ("store post direct", "POST", "/store/direct/graph", {}, "text/turtle", TTL),
    ("store delete graph", "DELETE", "/store", {"graph": G}, "", b""),
    ("store delete default", "DELETE", "/store", {"default": ""}, "", b""),
    ("store delete direct", "DELETE", "/store/direct/graph", {}, "", b""),
]
IDS = [w[0] for w in WRITES]
WRONG = [
    f"Bearer {TOKEN}x",
    f"Bearer {TOKEN[:-1]}",
    f"Bearer {TOKEN.upper()}",
    "Bearer " + "a" * len(TOKEN),
]
MALFORMED = ["", "Bearer", "Bearer ", f"Basic {TOKEN}", f"Token {TOKEN}", f"Bearer {TOKEN} extra"]


def _seed(store: EmbeddedStore) -> None:
    """Something for the deletes to delete (so a refused delete shows in the dump)."""
    nt = b'<http://example.org/s> <http://example.org/p> "seed" .\n'
    store.load(nt, graph=G, format=RdfFormat.N_TRIPLES)
    store.load(nt, graph="http://testserver/store/direct/graph", format=RdfFormat.N_TRIPLES)
    store.update('INSERT DATA { <http://example.org/s> <http://example.org/p> "seed" }')


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[tuple[TestClient, EmbeddedStore]]:
    with app_client(tmp_path, update_token=TOKEN) as (client, store):
        _seed(store)
        yield client, store


def _send(
    client: TestClient, write: tuple[str, str, str, dict[str, str], str, bytes], auth: str | None
) -> int:
    _, method, path, params, ctype, body = write
    headers = {"Content-Type": ctype} if ctype else {}
    if auth is not None:
        headers["Authorization"] = auth
    r = client.request(method, path, params=params, content=body, headers=headers)
    assert "Traceback" not in r.text and TOKEN not in r.text
    return r.status_code


@pytest.mark.parametrize("write", WRITES, ids=IDS)
def test_refused_without_the_right_token(
    writer: tuple[TestClient, EmbeddedStore],
    write: tuple[str, str, str, dict[str, str], str, bytes],
) -> None:
    client, store = writer
    before = dump(store)
    _, method, path, params, ctype, body = write
    r = client.request(
        method, path, params=params, content=body, headers={"Content-Type": ctype} if ctype else {}
    )
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["error"] == "authentication required"
    for auth in MALFORMED:
        assert _send(client, write, auth) == 401, auth
    for auth in WRONG:
        assert _send(client, write, auth) == 403, auth
    assert dump(store) == before, "a refused write changed the store"
    assert _send(client, write, f"Bearer {TOKEN}") in (200, 201, 204)
    assert dump(store) != before, "the accepted write did nothing"


@pytest.mark.parametrize("write", WRITES, ids=IDS)
def test_the_bearer_scheme_is_case_insensitive(
    writer: tuple[TestClient, EmbeddedStore],
    write: tuple[str, str, str, dict[str, str], str, bytes],
) -> None:
    client, _ = writer
    assert _send(client, write, f"bearer {TOKEN}") in (200, 201, 204)


@pytest.mark.parametrize("configured", [None, ""])
@pytest.mark.parametrize("write", WRITES, ids=IDS)
def test_no_writes_when_no_token_is_configured(
    tmp_path: Path, write: tuple[str, str, str, dict[str, str], str, bytes], configured: str | None
) -> None:
    with app_client(tmp_path, update_token=configured) as (client, store):
        _seed(store)
        before = dump(store)
        for auth in (None, f"Bearer {TOKEN}", "Bearer ", "Bearer None", "Bearer null"):
            _, method, path, params, ctype, body = write
            headers = {"Content-Type": ctype} if ctype else {}
            if auth is not None:
                headers["Authorization"] = auth
            r = client.request(method, path, params=params, content=body, headers=headers)
            assert r.status_code == 403, (auth, r.text)
            assert "PANCOMMONS_UPDATE_TOKEN" in r.json()["detail"]
        assert dump(store) == before


def test_reads_need_no_token(writer: tuple[TestClient, EmbeddedStore]) -> None:
    client, _ = writer
    assert client.get("/store", params={"graph": G}).status_code == 200
    assert client.head("/store", params={"graph": G}).status_code == 200
    assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200
    r = client.post(
        "/sparql", content=b"ASK { ?s ?p ?o }", headers={"Content-Type": "application/sparql-query"}
    )
    assert r.status_code == 200


def test_updates_cannot_sneak_in_as_queries(writer: tuple[TestClient, EmbeddedStore]) -> None:
    """An update sent where a query goes (GET, application/sparql-query, form ``query=``) is
    not run: the query parser refuses it, or GET is refused."""
    client, store = writer
    before = dump(store)
    r = client.get("/sparql", params={"update": UPDATE})
    assert r.status_code == 405
    r = client.get("/sparql", params={"query": UPDATE})
    assert r.status_code == 400
    r = client.post(
        "/sparql", content=UPDATE.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert r.status_code == 400
    r = client.post(
        "/sparql",
        content=b"query=" + UPDATE.replace(" ", "+").encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 400
    for method in ("PUT", "DELETE", "PATCH"):
        r = client.request(method, "/sparql", content=UPDATE.encode())
        assert r.status_code == 405
    assert dump(store) == before


def test_every_write_route_is_covered(writer: tuple[TestClient, EmbeddedStore]) -> None:
    """Guard against a new write route the cases above do not reach: every route that
    accepts PUT, POST, DELETE or PATCH is one of those, or a read-only POST."""
    client, _ = writer
    read_only_posts = {"/fair/assess", "/oai"}
    covered = {w[2] for w in WRITES} | {"/store/{path:path}"} | read_only_posts
    writable = {
        route.path  # type: ignore[attr-defined]
        for route in client.app.routes  # type: ignore[attr-defined]
        if set(getattr(route, "methods", None) or ()) & {"PUT", "POST", "DELETE", "PATCH"}
    }
    assert writable <= covered, writable - covered
