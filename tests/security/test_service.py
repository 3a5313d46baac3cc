"""SPARQL ``SERVICE`` and update ``LOAD`` never reach a host outside the allow-list
(``PANCOMMONS_SERVICE_ALLOW``; empty by default: all refused with 400 naming the target).

The allowed target is a real ``oxigraph serve`` on 127.0.0.1; the not-allowed one is the
canary server, also on 127.0.0.1, which must never be contacted whatever the spelling: SILENT,
lower case, inside a subquery / OPTIONAL / UNION / MINUS / EXISTS / GRAPH, a variable or a
prefixed name as the endpoint, a relative IRI against BASE, ``\\u`` escapes, comments, user
info that makes a prefix match another host, a redirect from the allowed host."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from fastapi.testclient import TestClient

from tests.harvest.local_http import QuietHandler, serving
from tests.security.conftest import TOKEN, Canary, app_client, running_canary

UPDATE_HEADERS = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
REMOTE_GRAPH = "http://example.org/graphs/remote"

# {c}: the canary's base URL (not allowed). Each must be refused by our check, not the parser.
QUERIES = {
    "plain": "SELECT * WHERE { SERVICE <{c}/sparql> { ?s ?p ?o } }",
    "silent": "SELECT * WHERE { SERVICE SILENT <{c}/sparql> { ?s ?p ?o } }",
    "lower case": "select * where { service silent <{c}/sparql> { ?s ?p ?o } }",
    "mixed case": "SeLeCt * WhErE { SeRvIcE <{c}/sparql> { ?s ?p ?o } }",
    "subquery": "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <{c}/q> { ?s ?p ?o } } } }",
    "optional": "SELECT * WHERE { ?a ?b ?c OPTIONAL { SERVICE <{c}/q> { ?s ?p ?o } } }",
    "union": "SELECT * WHERE { { ?a ?b ?c } UNION { SERVICE <{c}/q> { ?s ?p ?o } } }",
    "minus": "SELECT * WHERE { ?s ?p ?o MINUS { SERVICE <{c}/q> { ?s ?p ?o } } }",
    "exists": "SELECT * WHERE { ?a ?b ?c FILTER EXISTS { SERVICE <{c}/q> { ?s ?p ?o } } }",
    "graph": "SELECT * WHERE { GRAPH ?g { SERVICE <{c}/q> { ?s ?p ?o } } }",
    "ask": "ASK { SERVICE <{c}/q> { ?s ?p ?o } }",
    "construct": "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <{c}/q> { ?s ?p ?o } }",
    "describe": "DESCRIBE ?s WHERE { SERVICE <{c}/q> { ?s ?p ?o } }",
    "variable": "SELECT * WHERE { VALUES ?e { <{c}/q> } SERVICE ?e { ?s ?p ?o } }",
    "silent variable": "SELECT * WHERE { BIND(<{c}/q> AS ?e) SERVICE SILENT ?e { ?s ?p ?o } }",
    "prefixed name": "PREFIX c: <{c}/> SELECT * WHERE { SERVICE c:q { ?s ?p ?o } }",
    "relative iri": "BASE <{c}/> SELECT * WHERE { SERVICE <q> { ?s ?p ?o } }",
    "escaped keyword": "SELECT * WHERE { \\u0053ERVICE <{c}/q> { ?s ?p ?o } }",
    "escaped iri": "SELECT * WHERE { SERVICE <\\u0068{rest}/q> { ?s ?p ?o } }",
    "comment": "SELECT * WHERE { SERVICE # the endpoint:\n <{c}/q> { ?s ?p ?o } }",
    "no spaces": "SELECT*WHERE{SERVICE<{c}/q>{?s ?p ?o}}",
}
UPDATES = {
    "load": "LOAD <{c}/data.ttl>",
    "load silent": "LOAD SILENT <{c}/data.ttl> INTO GRAPH <http://example.org/g>",
    "lower load": "load <{c}/data.ttl> into graph <http://example.org/g>",
    "insert where": "INSERT { ?s ?p ?o } WHERE { SERVICE <{c}/q> { ?s ?p ?o } }",
    "delete where": "DELETE { ?s ?p ?o } WHERE { OPTIONAL { SERVICE SILENT <{c}/q> { ?s ?p ?o } } }",
    "with": "WITH <http://example.org/g> INSERT { ?s ?p ?o } WHERE { SERVICE <{c}/q> { ?s ?p ?o } }",
    "second operation": "INSERT DATA { <http://e/s> <http://e/p> 1 } ; LOAD <{c}/data.ttl>",
}


@pytest.fixture(scope="module")
def canary() -> Iterator[Canary]:
    """One canary for the module: contacted by no test of it."""
    with running_canary() as c:
        yield c


def _text(template: str, canary: Canary) -> str:
    return template.replace("{c}", canary.url).replace("{rest}", canary.url[len("h") :])


@pytest.fixture(scope="module")
def remote(oxigraph_url: str) -> str:
    """The allowed endpoint (``…/query`` of a real ``oxigraph serve``) holding one triple."""
    update = oxigraph_url.rsplit("/", 1)[0] + "/update"
    requests.post(
        update,
        data={
            "update": f'INSERT DATA {{ GRAPH <{REMOTE_GRAPH}> {{ <http://e/r> <http://e/p> "from the allowed service" }} }}'
        },
        timeout=10,
    ).raise_for_status()
    return oxigraph_url


def _root(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture(params=["default", "allow-list", "allow-list without slash"])
def client(request: pytest.FixtureRequest, tmp_path: Path, remote: str) -> Iterator[TestClient]:
    allow = {
        "default": "",
        "allow-list": _root(remote) + "/",
        "allow-list without slash": _root(remote),
    }[request.param]
    with app_client(tmp_path, update_token=TOKEN, service_allow=allow) as (c, _):
        yield c


def _refused(r: requests.Response, target: str | None, *, either: bool = False) -> None:
    """A 400 ``refused`` naming ``target`` (None: "a computed endpoint"; ``either``: one of
    the two, for text read both as written and with its escapes decoded)."""
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["error"] == "refused", body
    names = ["a computed endpoint"] if target is None or either else []
    names += [f"<{target}>"] if target is not None else []
    assert any(n in body["detail"] for n in names), body


@pytest.mark.parametrize("name", list(QUERIES))
def test_service_outside_the_allow_list_is_refused(
    client: TestClient, canary: Canary, name: str
) -> None:
    text = _text(QUERIES[name], canary)
    computed = name in ("variable", "silent variable", "prefixed name")
    target = None if computed else canary.url + ("/sparql" if "sparql>" in text else "/q")
    if name == "relative iri":
        target = "q"
    for r in (
        client.get("/sparql", params={"query": text}),
        client.post("/sparql", content=text, headers={"Content-Type": "application/sparql-query"}),
        client.post("/sparql", data={"query": text}),
    ):
        _refused(r, target, either=name == "escaped iri")  # type: ignore[arg-type]
    assert canary.hits == []


@pytest.mark.parametrize("name", list(UPDATES))
def test_load_and_service_in_updates_are_refused(
    client: TestClient, canary: Canary, name: str
) -> None:
    text = _text(UPDATES[name], canary)
    for r in (
        client.post("/sparql", content=text, headers=UPDATE_HEADERS),
        client.post("/sparql", data={"update": text}, headers={"Authorization": f"Bearer {TOKEN}"}),
    ):
        assert r.status_code == 400 and r.json()["error"] == "refused", r.text
        assert canary.url in r.json()["detail"]
    assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is False
    assert canary.hits == []


def test_the_allowed_service_answers(tmp_path: Path, remote: str, canary: Canary) -> None:
    query = f"SELECT ?o WHERE {{ SERVICE <{remote}> {{ GRAPH <{REMOTE_GRAPH}> {{ ?s ?p ?o }} }} }}"
    with app_client(tmp_path, service_allow=_root(remote) + "/") as (c, _):
        r = c.get("/sparql", params={"query": query})
        assert r.status_code == 200, r.text
        values = [b["o"]["value"] for b in r.json()["results"]["bindings"]]
        assert values == ["from the allowed service"]
    with app_client(tmp_path / "b", service_allow="") as (c, _):
        _refused(c.get("/sparql", params={"query": query}), remote)  # type: ignore[arg-type]


def test_an_allowed_service_in_an_update(tmp_path: Path, remote: str) -> None:
    update = (
        f"INSERT {{ GRAPH <http://example.org/copy> {{ ?s ?p ?o }} }} "
        f"WHERE {{ SERVICE <{remote}> {{ GRAPH <{REMOTE_GRAPH}> {{ ?s ?p ?o }} }} }}"
    )
    with app_client(tmp_path, update_token=TOKEN, service_allow=_root(remote) + "/") as (c, _):
        r = c.post("/sparql", content=update, headers=UPDATE_HEADERS)
        assert r.status_code == 204, r.text
        r = c.get("/store", params={"graph": "http://example.org/copy"})
        assert r.status_code == 200 and "from the allowed service" in r.text


def test_user_info_cannot_turn_an_allowed_prefix_into_another_host(
    tmp_path: Path, remote: str, canary: Canary
) -> None:
    """An allow-list entry without its closing slash, ``http://127.0.0.1:PORT``, is a prefix of
    ``http://127.0.0.1:PORT@127.0.0.1:CANARY/``, whose host is the canary."""
    allowed = _root(remote)
    sneaky = f"http://{urlsplit(remote).netloc}@{urlsplit(canary.url).netloc}/q"
    longer_port = f"{allowed}0/q"  # another port (perhaps nobody's: refused all the same)
    with app_client(tmp_path, service_allow=allowed) as (c, _):
        for target in (sneaky, longer_port):
            for query in (
                f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
                f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}",
            ):
                _refused(c.get("/sparql", params={"query": query}), target)  # type: ignore[arg-type]
    with app_client(tmp_path / "b", service_allow="http://localhost") as (c, _):
        target = "http://localhost.attacker.invalid/q"  # refused before any DNS lookup
        query = f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"
        _refused(c.get("/sparql", params={"query": query}), target)  # type: ignore[arg-type]
    assert canary.hits == []


class _Redirect(QuietHandler):
    """An allowed endpoint that sends every request on to ``state`` (the canary)."""

    def _go(self) -> None:
        self.send_body(307, b"", {"Location": self.server.state + "/redirected"})

    do_GET = do_POST = _go


def test_a_redirect_from_an_allowed_endpoint_is_not_followed(
    tmp_path: Path, canary: Canary
) -> None:
    with serving(_Redirect, canary.url) as redirector:
        allow = redirector.url + "/"
        with app_client(tmp_path, update_token=TOKEN, service_allow=allow) as (c, _):
            r = c.get(
                "/sparql",
                params={"query": f"SELECT * WHERE {{ SERVICE <{allow}q> {{ ?s ?p ?o }} }}"},
            )
            assert r.status_code in (400, 503) and "Traceback" not in r.text, r.text
            r = c.post("/sparql", content=f"LOAD <{allow}data.ttl>", headers=UPDATE_HEADERS)
            assert r.status_code in (400, 503), r.text
    assert canary.hits == []
