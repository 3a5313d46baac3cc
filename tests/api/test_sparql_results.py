"""/sparql answers serialised by pyoxigraph: the row cap and the deadline keep their meaning,
and the lean route for GET/POST leaves every other request to the FastAPI routes."""

from __future__ import annotations

import csv
import io
import json
import random
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import (
    Literal,
    NamedNode,
    Quad,
    QueryResultsFormat,
    RdfFormat,
    parse_query_results,
)
from pyoxigraph import Store as OxStore
from starlette.requests import Request
from starlette.responses import Response

from pancommons.api.app import create_app
from pancommons.api.sparql import _endpoint, _params
from pancommons.api.sparql_run import LimitExceeded, Limits, _native_solutions, _RowBound
from pancommons.config import Settings
from pancommons.store import StoreError
from pancommons.store.embedded import EmbeddedStore

FORMATS = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
# Literals that look like row separators in every format.
AWKWARD = ['{"type":', "}\n{", "<result>", "line\r\nbreak", 'a "quoted" {x}', "tab\there", ""]


def _awkward_store(rows: int) -> OxStore:
    store = OxStore()
    for i in range(rows):
        value = Literal(AWKWARD[i % len(AWKWARD)] * (i % 3 + 1), language="en" if i % 5 else None)
        store.add(Quad(NamedNode(f"http://e/s{i}"), NamedNode("http://e/p"), value))
    return store


@pytest.mark.parametrize("fmt", list(FORMATS.values()), ids=lambda f: f.name)
@pytest.mark.parametrize("names", [("s", "o", "x"), ("type", "o", "x")])
def test_row_bound_is_never_below_the_rows(fmt: QueryResultsFormat, names: tuple[str]) -> None:
    rows = 40
    store = _awkward_store(rows)
    query = (
        f"SELECT ?{names[0]} ?{names[1]} ?{names[2]} "
        f"{{ ?{names[0]} ?p ?{names[1]} OPTIONAL {{ ?{names[0]} <http://e/none> ?{names[2]} }} }}"
    )
    data = store.query(query).serialize(format=fmt)  # type: ignore[union-attr]
    assert data is not None
    rng = random.Random(7)
    for _ in range(20):  # chunks of every size, so that marks straddle them
        bound = _RowBound(fmt, list(names))
        at, value = 0, 0
        while at < len(data):
            step = rng.randint(1, 9)
            value = bound.feed(data[at : at + step])
            at += step
        assert value >= rows
        if bound.exact:
            assert value == rows


def test_row_bound_counts_empty_rows() -> None:
    store = OxStore()
    for fmt in FORMATS.values():
        data = store.query("SELECT ?x { VALUES ?x { UNDEF UNDEF } }").serialize(format=fmt)  # type: ignore[union-attr]
        assert data is not None
        assert _RowBound(fmt, ["x"]).feed(data) >= 2


@pytest.fixture
def capped(tmp_path: Path) -> Iterator[TestClient]:
    """A server capped at 10 rows over 10 subjects whose literals are full of ``{``, newlines
    and ``<result>``: the JSON and CSV bounds overestimate them."""
    store = EmbeddedStore(tmp_path / "store")
    lines = [f'<http://e/s{i}> <http://e/p> "{{ {{ {{ <result> {i}\\n{{ }}" .' for i in range(10)]
    store.load("\n".join(lines).encode(), graph="http://e/g", format=RdfFormat.N_TRIPLES)
    app = create_app(Settings(store=str(tmp_path / "store"), max_rows=10), store=store)
    with TestClient(app) as c:
        yield c
    store.close()


@pytest.mark.parametrize("accept", list(FORMATS))
def test_exactly_max_rows_is_answered_in_every_format(capped: TestClient, accept: str) -> None:
    q = "SELECT ?s ?o { ?s ?p ?o } ORDER BY ?s"
    r = capped.get("/sparql", params={"query": q}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    expected = {f"{{ {{ {{ <result> {i}\n{{ }}" for i in range(10)}
    if accept == "text/csv":  # lossy: pyoxigraph does not read it back
        rows = list(csv.DictReader(io.StringIO(r.text, newline="")))
        assert len(rows) == 10 and {row["o"] for row in rows} == expected
        return
    solutions = list(parse_query_results(r.content, FORMATS[accept]))  # type: ignore[union-attr]
    assert len(solutions) == 10
    assert {row["o"].value for row in solutions} == expected


@pytest.mark.parametrize("accept", list(FORMATS))
def test_one_row_more_is_refused_in_every_format(capped: TestClient, accept: str) -> None:
    q = "SELECT ?s ?o { { ?s ?p ?o } UNION { BIND(<http://e/x> AS ?s) } }"
    r = capped.get("/sparql", params={"query": q}, headers={"Accept": accept})
    assert r.status_code == 413
    assert r.json()["error"] == "result too large" and "more than 10 rows" in r.json()["detail"]


def test_json_answer_is_the_one_oxigraph_writes(capped: TestClient) -> None:
    q = "SELECT ?s ?o ?none { ?s ?p ?o } ORDER BY ?s"
    r = capped.get("/sparql", params={"query": q})
    doc = json.loads(r.content)
    assert doc["head"]["vars"] == ["s", "o", "none"]
    assert doc["results"]["bindings"][0] == {
        "s": {"type": "uri", "value": "http://e/s0"},
        "o": {"type": "literal", "value": "{ { { <result> 0\n{ }"},
    }
    r = capped.get("/sparql", params={"query": q}, headers={"Accept": "text/csv"})
    assert next(csv.reader(io.StringIO(r.text))) == ["s", "o", "none"]


def _native(rows: int, fmt: QueryResultsFormat, limits: Limits, deadline: float) -> object:
    """``_native_solutions`` over ``rows`` rows: bytes, None or the error response. The result
    is dropped here, on this thread, as pyoxigraph requires."""
    result = _awkward_store(rows).query("SELECT * { ?s ?p ?o }")
    try:
        return _native_solutions(result, fmt, limits, deadline)
    except LimitExceeded as stop:
        return stop.response
    finally:
        del result


def test_the_deadline_stops_serialisation() -> None:
    response = _native(2000, QueryResultsFormat.JSON, Limits(2, None), time.monotonic() - 1)
    assert isinstance(response, Response) and response.status_code == 503
    assert json.loads(bytes(response.body))["error"] == "query timeout"


def test_exact_bounds_refuse_at_once_and_others_ask_for_a_count() -> None:
    deadline = time.monotonic() + 5
    response = _native(2000, QueryResultsFormat.TSV, Limits(5, 100), deadline)
    assert isinstance(response, Response) and response.status_code == 413
    assert _native(2000, QueryResultsFormat.JSON, Limits(5, 100), deadline) is None
    data = _native(50, QueryResultsFormat.TSV, Limits(5, None), deadline)
    assert isinstance(data, bytes) and data.count(b"\n") == 51


# --- the lean route ----------------------------------------------------------------------------


def test_other_methods_still_reach_the_fastapi_routes(capped: TestClient) -> None:
    assert capped.head("/sparql").status_code == 405
    r = capped.put("/sparql", content=b"ASK {}")
    assert r.status_code == 405 and r.json()["error"] == "method not allowed"
    assert "/sparql" in capped.get("/openapi.json").json()["paths"]
    r = capped.post(
        "/sparql", content="ASK {}", headers={"Content-Type": "application/sparql-query"}
    )
    assert r.status_code == 200 and r.json()["boolean"] is True


@pytest.mark.parametrize(
    ("query_string", "headers", "server"),
    [
        (b"query=ASK%20%7B%7D&x=1+2&x=&flag", [(b"host", b"example.org")], ("10.0.0.1", 80)),
        (b"query=a%09b\tc#frag?x=1", [(b"host", b"example.org:8080")], None),
        (b"", [], ("127.0.0.1", 8000)),
        (b"q=%E2%82%AC", [(b"host", b"bad host!")], ("::1", 443)),
    ],
)
def test_endpoint_and_params_match_request_url(
    query_string: bytes, headers: list[tuple[bytes, bytes]], server: tuple[str, int] | None
) -> None:
    for scheme in ("http", "https"):
        scope = {
            "type": "http",
            "method": "GET",
            "scheme": scheme,
            "path": "/sp?a#rql",
            "root_path": "",
            "query_string": query_string,
            "headers": headers,
            "server": server,
        }
        for _ in range(2):  # computed, then remembered
            request = Request(scope)
            url = request.url
            assert _endpoint(Request(scope)) == f"{url.scheme}://{url.netloc}{url.path}"
            assert _params(Request(scope)) == parse_qs(url.query, keep_blank_values=True)


def test_service_description_store_errors_are_still_503(
    capped: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> list[str]:
        raise StoreError("the disk is on fire")

    monkeypatch.setattr(capped.app.state.store, "graphs", broken)  # type: ignore[attr-defined]
    r = capped.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 503
    assert r.json() == {
        "error": "store unavailable",
        "detail": "the disk is on fire",
        "status": 503,
    }
