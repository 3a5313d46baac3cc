"""Fuzzing ``/sparql`` (served by ``LeanFront``, outside FastAPI's routing and OpenAPI): random
query text, the named queries of ``queries/`` mutated (cut, spliced, truncated, tokens put in),
``default-graph-uri`` / ``named-graph-uri``, ``format``, ``timeout`` and Accept headers, and
POST bodies of random content types. Never a 500; malformed SPARQL is a 400 with the parser's
message, and what pyoxigraph parses is never called malformed (pyoxigraph over an empty store is
the oracle of what parses)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import example, given
from hypothesis import strategies as st

from pancommons.formats import RDF_MEDIA_TYPES, RESULT_MEDIA_TYPES
from tests.fuzz.budget import counted, fuzz_settings
from tests.fuzz.http_demo import check_answer, demo_client
from tests.fuzz.text_edits import edited

ROOT = Path(__file__).resolve().parents[2]
ENDPOINT = "http://testserver/sparql"
REAL = sorted(
    [p.read_text(encoding="utf-8") for p in (ROOT / "queries").rglob("*.rq")]
    + [
        "SELECT * WHERE { ?s ?p ?o } LIMIT 3",
        "ASK { ?s a <http://www.w3.org/ns/dcat#Dataset> }",
        "CONSTRUCT WHERE { ?s a <http://www.w3.org/ns/dcat#Dataset> } LIMIT 5",
        "DESCRIBE ?d WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> } LIMIT 1",
        "SELECT ?g (COUNT(*) AS ?n) FROM NAMED <urn:x> WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
        "BASE <http://example.org/> PREFIX p: <a/> SELECT * FROM p:b FROM <c> WHERE {?s ?p ?o}",
    ]
)
TOKENS = [
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "FROM", "FROM NAMED", "GRAPH", "SERVICE",
    "SERVICE SILENT", "BASE", "PREFIX p:", "OPTIONAL", "UNION", "MINUS", "FILTER", "BIND",
    "VALUES", "LIMIT", "OFFSET", "ORDER BY", "GROUP BY", "HAVING", "LOAD", "INSERT DATA",
    "DELETE WHERE", "{", "}", "(", ")", ".", ";", ",", "*", "?s", "$o", "_:b", "[]", "a", "p:x",
    "<>", "<a>", "<http://example.org/>", "<http://[x/>", "<http://[::1>", "<http://a]/>",
    "<urn:x>", "<\\U0010FFFF>", "\\u0053ERVICE", "\\UFFFFFFFF", "\\U00110000", "\\uD800",
    '"x"', "'''", '"""', '"\\u0000"', "1e999", "-0", "99999999999999999999", "true", "#",
    "\\", "^^", "@en", "\x00", "\u2028", "REGEX(?s, '(a+)+$')", "STR(", "COUNT(*)", "SAMPLE(",
]  # fmt: skip
REFUSALS = ("malformed query", "missing query", "bad graph IRI", "refused")
"""The errors of a query text that does not parse (or may not run here)."""
MEDIA = [*RESULT_MEDIA_TYPES, *RDF_MEDIA_TYPES, "text/html", "*/*", "text/*", "application/*"]


@pytest.fixture(scope="module")
def sparql(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The demo app with a short query budget and row cap: a heavy mutant is a quick 503/413."""
    with demo_client(tmp_path_factory, query_timeout=1.0, max_rows=2000) as c:
        yield c


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A real query cut, spliced with another, truncated, or with tokens put in."""
    text = draw(st.sampled_from(REAL))

    def splice(text: str, i: int) -> str:
        other = draw(st.sampled_from(REAL))
        return text[:i] + other[draw(st.integers(0, len(other))) :]

    for _ in range(draw(st.integers(1, 3))):
        text = edited(draw, text, TOKENS, span=40, token_size=4, otherwise=splice)
    return text


queries = st.one_of(
    mutated(),
    st.sampled_from(REAL),
    st.lists(st.sampled_from(TOKENS), max_size=12).map(" ".join),
    st.text(max_size=60),
)
iris = st.one_of(
    st.sampled_from(
        [
            "https://w3id.org/pan-commons/graph/ontology/panet",
            "urn:x",
            "http://example.org/g",
            "relative",
            "",
            "http://[x/",
            "http://a b/",
            "<http://x>",
            "urn:\u0000",
        ]
    ),
    st.text(max_size=20),
)
header_text = st.text(st.characters(codec="latin-1", exclude_characters="\r\n\x00"), max_size=20)
accepts = st.one_of(
    st.none(),
    st.sampled_from(MEDIA),
    st.lists(
        st.tuples(
            st.one_of(st.sampled_from(MEDIA), header_text),
            st.one_of(
                st.none(), st.sampled_from(["0", "0.5", "1", "1.1", "-1", "x", "nan", "1e-999"])
            ),
        ),
        max_size=4,
    ).map(lambda items: ", ".join(m if q is None else f"{m};q={q}" for m, q in items)),
    header_text,
)
formats = st.one_of(
    st.sampled_from(["json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld", "rdfxml"]),
    st.sampled_from(["html", "", "JSON", "application/sparql-results+json"]),
    st.text(max_size=8),
)


def _parses(text: str) -> bool | None:
    """Whether pyoxigraph parses ``text`` as a query (None: not asked, because running it even
    on an empty store could call a SERVICE, or the text has escapes the endpoint rewrites)."""
    lowered = text.lower()
    if "service" in lowered or "\\u" in lowered:
        return None
    try:
        pyoxigraph.Store().query(text, base_iri=ENDPOINT)
    except SyntaxError:
        return False
    except (OSError, ValueError, RuntimeError):  # evaluation errors on an empty store: parsed
        return True
    return True


def _check_sparql(r: Response, what: str, text: str | None = None) -> Any:
    check_answer(r, what)
    assert r.status_code in (200, 400, 403, 405, 406, 413, 415, 503), f"{r.status_code}: {what}"
    if r.status_code == 200:
        media = r.headers["content-type"].split(";")[0]
        assert media in (*RESULT_MEDIA_TYPES, *RDF_MEDIA_TYPES, "text/html"), what
        return None
    body = r.json()
    assert body["status"] == r.status_code and body["detail"], what
    if text is not None and r.status_code == 400 and body["error"] == "malformed query":
        assert _parses(text) is not True, f"{body['detail']}: {what}"
    if text is not None and _parses(text) is False:
        assert r.status_code == 400 and body["error"] in REFUSALS, f"{r.status_code} {body}: {what}"
    return body


@fuzz_settings(ci=300, large=8000)
@given(queries, st.lists(st.tuples(st.sampled_from(["d", "n"]), iris), max_size=2), accepts)
@example("SELECT * WHERE { SERVICE <\\UFFFFFFFF> { ?s ?p ?o } }", [], None)
@example("SELECT * FROM <http://[x/> WHERE { ?s ?p ?o } LIMIT 1", [], None)
@example("BASE <http://[::1> SELECT * FROM <a> WHERE { ?s ?p ?o } LIMIT 1", [], None)
@example("SELECT * WHERE { SERVICE <http://[x/> { ?s ?p ?o } }", [], None)
def test_query_by_get(
    sparql: TestClient, text: str, graphs: list[tuple[str, str]], accept: str | None
) -> None:
    """GET ?query= with a dataset and an Accept header."""
    counted("sparql.get")
    params = [("query", text)] + [
        ("default-graph-uri" if k == "d" else "named-graph-uri", g) for k, g in graphs
    ]
    headers = {"accept": accept.encode("latin-1")} if accept is not None else {}
    r = sparql.get("/sparql?" + urlencode(params), headers=headers)
    _check_sparql(r, f"{params!r} accept={accept!r}", None if graphs else text)


@fuzz_settings(ci=150, large=4000)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    *("query", "update", "format", "timeout", "default-graph-uri"),
                    *("named-graph-uri", "output", "results", "", "Query"),
                ]
            ),
            st.one_of(queries, formats, iris, st.integers(-5, 10**6).map(str)),
        ),
        max_size=5,
    ),
    accepts,
)
@example([("query", "ASK {}"), ("query", "ASK {}")], None)
@example([("update", "CLEAR ALL")], None)
@example([("query", "ASK {}"), ("format", "csv"), ("format", "json")], "text/turtle")
@example([("query", "ASK {}"), ("timeout", "-1")], None)
def test_parameters_by_get(
    sparql: TestClient, params: list[tuple[str, str]], accept: str | None
) -> None:
    """Any mix of the protocol's parameters, repeated, with random values: a plain GET
    without a query is the Service Description (or the editor), an update by GET is a 405."""
    counted("sparql.params")
    headers = {"accept": accept.encode("latin-1")} if accept is not None else {}
    r = sparql.get("/sparql?" + urlencode(params), headers=headers)
    _check_sparql(r, f"{params!r} accept={accept!r}")
    names = [k for k, _ in params]
    if "update" in names:
        assert r.status_code == 405
    elif names.count("query") > 1:
        assert r.status_code == 400


content_types = st.one_of(
    st.sampled_from(
        [
            "application/sparql-query",
            "application/sparql-update",
            "application/x-www-form-urlencoded",
            "application/sparql-query; charset=utf-8",
            "application/sparql-query; charset=latin-1",
            "application/x-www-form-urlencoded; charset=UTF-8",
            "APPLICATION/SPARQL-QUERY",
            "application/sparql-query;charset",
            'application/sparql-query; charset="utf-8"; x=;;',
            "multipart/form-data; boundary=x",
            "text/plain",
            "application/json",
            "",
        ]
    ),
    header_text,
)


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["query", "form", "bytes"]))
    if kind == "query":
        return draw(queries).encode("utf-8", "surrogatepass")
    if kind == "form":
        pairs = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["query", "update", "default-graph-uri", "using-graph-uri"]),
                    st.one_of(queries, iris),
                ),
                max_size=3,
            )
        )
        return urlencode(pairs).encode()
    return draw(st.binary(max_size=80))


@fuzz_settings(ci=200, large=5000)
@given(content_types, bodies(), st.sampled_from(["", "?default-graph-uri=urn:x", "?format=csv"]))
@example("application/sparql-query", b"\xff\xfe", "")
@example("application/x-www-form-urlencoded", b"query=ASK%7B%7D&update=CLEAR%20ALL", "")
@example("application/sparql-update", b"CLEAR ALL", "")
@example("application/x-www-form-urlencoded", b"query=%FF", "")
def test_post_bodies(sparql: TestClient, content_type: str, body: bytes, query: str) -> None:
    """POST with random bodies and content types: 415 for what is not the protocol's, 403 for
    an update (this server has no token), 400 for a malformed query."""
    counted("sparql.post")
    headers = {"content-type": content_type.encode("latin-1")} if content_type else {}
    r = sparql.post("/sparql" + query, content=body, headers=headers)
    _check_sparql(r, f"{content_type!r} {body[:200]!r} {query}")
    media = content_type.split(";")[0].strip().lower()
    if media not in (
        "application/sparql-query",
        "application/sparql-update",
        "application/x-www-form-urlencoded",
    ):
        assert r.status_code == 415
    elif media == "application/sparql-update":
        assert r.status_code in (403, 415)


def test_query_text_is_not_rewritten_by_escapes(sparql: TestClient) -> None:
    """Regression: a ``\\U`` escape beyond U+10FFFF made the SERVICE check raise OverflowError (a
    500); the text is now the parser's to refuse."""
    r = sparql.get("/sparql", params={"query": "SELECT * WHERE { ?s <\\UFFFFFFFF> ?o }"})
    body = _check_sparql(r, "escape")
    assert r.status_code == 400 and body["error"] == "malformed query"


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <http://[x/> WHERE { ?s ?p ?o }",
        "BASE <http://[::1> SELECT * FROM <a> WHERE { ?s ?p ?o }",
        "PREFIX p: <http://a]/> SELECT * FROM p:x WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://[x/> WHERE { ?s ?p ?o }",
    ],
)
def test_dataset_iris_urllib_cannot_split(sparql: TestClient, query: str) -> None:
    """Regression: FROM / BASE / PREFIX IRIs with a broken IPv6 host made ``urljoin`` raise
    while the endpoint read the query's dataset (a 500); the parser refuses them: a 400."""
    r = sparql.get("/sparql", params={"query": query})
    body = _check_sparql(r, query)
    assert r.status_code == 400 and body["error"] == "malformed query", body


def test_service_to_an_iri_urllib_cannot_split(sparql: TestClient) -> None:
    """Regression: a SERVICE IRI with a broken IPv6 host made the SERVICE check raise (a 500);
    it is refused like any SERVICE this server does not allow."""
    r = sparql.get("/sparql", params={"query": "SELECT * { SERVICE <http://[x/> { ?s ?p ?o } }"})
    body = _check_sparql(r, "service")
    assert r.status_code == 400 and re.search(
        "SERVICE to <http://\\[x/> is not allowed", body["detail"]
    )
