"""Fuzzing the write side with the update token, on a scratch store (reset before every input):
SPARQL updates on ``POST /sparql`` (direct and form-encoded, with ``using-graph-uri`` /
``using-named-graph-uri``), random and mutated, and Graph Store writes (``PUT``/``POST``/
``DELETE`` on ``/store?graph=``, ``/store?default`` and ``/store/{path}``) with random bodies
and content types. Never a 500; a malformed update is a 400 with the parser's message, and what
pyoxigraph parses is never called malformed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pyoxigraph
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import example, given
from hypothesis import strategies as st
from pyoxigraph import RdfFormat

from pancommons.api.app import create_app
from pancommons.config import Settings
from pancommons.store.embedded import EmbeddedStore
from tests.fuzz.budget import counted, fuzz_settings
from tests.fuzz.http_demo import check_answer
from tests.fuzz.text_edits import edited

TOKEN = "fuzz-update-token-0123456789"
AUTH = {"authorization": f"Bearer {TOKEN}"}
ENDPOINT = "http://testserver/sparql"
SEED = b"""<http://example.org/a> <http://example.org/p> "x" .
<http://example.org/a> <http://example.org/q> <http://example.org/b> .
_:n <http://example.org/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .
"""
UPDATES = [
    'INSERT DATA { <http://example.org/s> <http://example.org/p> "o" }',
    "INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> <urn:o> } }",
    'DELETE DATA { <http://example.org/a> <http://example.org/p> "x" }',
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 2 } WHERE { ?s ?p ?o FILTER(isLiteral(?o)) }",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "DELETE WHERE { ?s <http://example.org/q> ?o }",
    "PREFIX ex: <http://example.org/> INSERT { ?s ex:r ?s } WHERE { ?s ex:p ?o }",
    "INSERT { GRAPH <urn:h> { ?s ?p ?o } } USING <urn:g> WHERE { ?s ?p ?o }",
    "CLEAR SILENT GRAPH <urn:g>",
    "CLEAR DEFAULT",
    "DROP SILENT ALL",
    "CREATE GRAPH <urn:new>",
    "COPY DEFAULT TO <urn:copy>",
    "MOVE SILENT <urn:g> TO <urn:h>",
    "ADD <urn:g> TO DEFAULT",
    "LOAD <http://example.org/data.ttl>",
    "INSERT DATA { <s> <p> <o> }",
    "BASE <http://example.org/> INSERT DATA { <s> <p> <o> }",
]
TOKENS = [
    "INSERT", "DELETE", "DATA", "WHERE", "WITH", "USING", "USING NAMED", "GRAPH", "DEFAULT",
    "NAMED", "ALL", "SILENT", "CLEAR", "DROP", "CREATE", "LOAD", "INTO", "COPY", "MOVE", "ADD",
    "TO", "SERVICE", "{", "}", ".", ";", "?s", "_:b", "<urn:x>", "<http://[x/>", '"x"', "1",
    "\\UFFFFFFFF", "\\u0053ERVICE",
]  # fmt: skip
RDF_TYPES = [
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
    "application/x-turtle",
    "text/plain",
    "text/n3",
    "application/json",
    "text/turtle; charset=utf-8",
    "text/turtle; charset=latin-1",
    "multipart/form-data; boundary=XX",
    "multipart/form-data",
    "application/sparql-update",
    "",
]
BODIES = [
    SEED,
    b'@prefix ex: <http://example.org/> . ex:a ex:b "c"@en , 1.5e3 , true .',
    b'{"@id": "http://example.org/a", "http://example.org/b": "c"}',
    b'[{"@id": "_:x", "@graph": [{"@id": "http://a/b", "http://a/c": 1}]}]',
    b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    b'xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/a">'
    b"<ex:b>c</ex:b></rdf:Description></rdf:RDF>",
    b'<!DOCTYPE r [<!ENTITY a "aaaa">]><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf'
    b'-syntax-ns#"><rdf:Description rdf:about="http://x/&a;"/></rdf:RDF>',
    b'--XX\r\nContent-Type: text/turtle\r\n\r\n<http://a/b> <http://a/c> "d" .\r\n--XX--\r\n',
    b"--XX\r\nContent-Type: application/x-unknown\r\n\r\nzzz\r\n--XX--\r\n",
    b"--XX\r\n\r\n\r\n--XX--",
    b"<urn:g> { <urn:s> <urn:p> <urn:o> }",
    b"",
]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, EmbeddedStore]]:
    root: Path = tmp_path_factory.mktemp("fuzz-http-writes")
    store = EmbeddedStore(root / "store")
    settings = Settings(
        store=str(root / "store"), state=str(root / "state"), update_token=TOKEN, query_timeout=2
    )
    with TestClient(create_app(settings, store=store), raise_server_exceptions=True) as c:
        yield c, store
    store.close()


def _reset(store: EmbeddedStore) -> None:
    """Every input starts from the same few triples (an update may have multiplied them)."""
    store.update("DROP SILENT ALL")
    store.load(SEED, graph="urn:g", format=RdfFormat.N_TRIPLES)


@st.composite
def updates(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(UPDATES))

    def join(text: str, _: int) -> str:
        return f"{text} ; {draw(st.sampled_from(UPDATES))}"

    for _ in range(draw(st.integers(0, 3))):
        text = edited(draw, text, TOKENS, span=30, token_size=3, otherwise=join)
    return text


def _parses(text: str) -> bool | None:
    """Whether pyoxigraph parses ``text`` as the endpoint runs it (None: not asked, as running
    it could LOAD or call a SERVICE, or the endpoint rewrites its escapes)."""
    lowered = text.lower()
    if "load" in lowered or "service" in lowered or "\\u" in lowered:
        return None
    try:
        pyoxigraph.Store().update(f"BASE <{ENDPOINT}> {text}")
    except SyntaxError:
        return False
    except (OSError, ValueError, RuntimeError):  # evaluation errors: it parsed
        return True
    return True


def _check_write(r: Response, what: str) -> None:
    check_answer(r, what)
    assert r.status_code in (200, 201, 204, 400, 404, 413, 415, 503), f"{r.status_code}: {what}"
    if r.status_code in (400, 413, 415):
        body = r.json()
        assert body["status"] == r.status_code and body["detail"], what


iris = st.one_of(
    st.sampled_from(["urn:g", "urn:h", "http://example.org/g", "relative", "", "http://[x/"]),
    st.text(max_size=12),
)


@fuzz_settings(ci=200, large=4000)
@given(
    st.one_of(st.sampled_from(UPDATES), updates()),
    st.sampled_from(["direct", "form"]),
    st.lists(st.tuples(st.sampled_from(["using-graph-uri", "using-named-graph-uri"]), iris)),
)
@example("CLEAR ALL", "direct", [("using-graph-uri", "urn:g")])
@example("DELETE WHERE { ?s ?p ?o }", "form", [("using-graph-uri", "http://[x/")])
@example("INSERT DATA { <s> <\\UFFFFFFFF> <o> }", "direct", [])
@example("INSERT { ?s ?p ?o } WHERE { SERVICE <http://[x/> { ?s ?p ?o } }", "direct", [])
def test_updates(
    scratch: tuple[TestClient, EmbeddedStore],
    text: str,
    how: str,
    using: list[tuple[str, str]],
) -> None:
    counted("writes.update")
    client, store = scratch
    _reset(store)
    query = "?" + urlencode(using) if using else ""
    if how == "direct":
        headers = {**AUTH, "content-type": "application/sparql-update"}
        r = client.post("/sparql" + query, content=text.encode(), headers=headers)
    else:
        headers = {**AUTH, "content-type": "application/x-www-form-urlencoded"}
        r = client.post("/sparql" + query, content=urlencode({"update": text}), headers=headers)
    what = f"{how} {text!r} {using!r}"
    _check_write(r, what)
    assert r.status_code in (204, 400), what
    if not using:
        parses = _parses(text)
        if r.status_code == 400 and r.json()["error"] == "malformed update":
            assert parses is not True, f"{r.json()['detail']}: {what}"
        if parses is False:
            assert r.status_code == 400, what


@fuzz_settings(ci=200, large=4000)
@given(
    st.sampled_from(["PUT", "POST", "DELETE", "GET"]),
    st.one_of(
        st.sampled_from(["?graph=urn:g", "?default", "", "?graph=urn:new", "/direct/g"]),
        iris.map(lambda g: "?graph=" + quote(g, safe="")),
        st.text(min_size=1, max_size=10).map(lambda p: "/" + quote(p)),
    ),
    st.one_of(
        st.sampled_from(RDF_TYPES),
        st.text(st.characters(codec="latin-1", exclude_characters="\r\n\x00"), max_size=20),
    ),
    st.one_of(
        st.sampled_from(BODIES), st.binary(max_size=100), st.text(max_size=60).map(str.encode)
    ),
)
@example("POST", "", "multipart/form-data; boundary=XX", b"--XX\r\n\r\n\r\n--XX--")
@example("PUT", "?default", "application/ld+json", b'[{"@id": "_:x", "@graph": []}]')
def test_graph_store_writes(
    scratch: tuple[TestClient, EmbeddedStore],
    method: str,
    target: str,
    content_type: str,
    body: bytes,
) -> None:
    counted("writes.store")
    client, store = scratch
    _reset(store)
    headers: dict[str, str | bytes] = dict(AUTH)
    if content_type.strip():
        headers["content-type"] = content_type.encode("latin-1")
    r = client.request(method, "/store" + target, content=body, headers=headers)
    _check_write(r, f"{method} /store{target} {content_type!r} {body[:200]!r}")
