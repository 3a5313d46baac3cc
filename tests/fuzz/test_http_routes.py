"""Fuzzing the other routes by hand, beyond what the OpenAPI tells schemathesis: the pages
(``/``, ``/search``, ``/describe``, ``/id/...``, ``/editor``, ``/static/...``), ``/void``,
``/sitemap.xml``, ``/dcat``, ``/queries``, ``/fair/*``, ``/store`` reads and paths that match
no route, with random path segments, parameters (the right names with any values, other names,
repeated ones) and Accept headers. Never a 500 or a traceback; a 4xx says what was wrong."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import example, given
from hypothesis import strategies as st

from pancommons.queries import named_queries
from tests.fuzz.budget import counted, fuzz_settings
from tests.fuzz.http_demo import check_answer, demo_client

NAMED = {q.name: [p.name for p in q.params] for q in named_queries().values()}
DATASET = "https://w3id.org/pan-commons/id/dataset/demo-scicat/PID.SAMPLE.PREFIX%2Fukri_ds4"
FAST: dict[str, list[str]] = {
    "/": [],
    "/search": ["q", "page"],
    "/describe": ["iri", "format"],
    "/id/{rest}": ["format"],
    "/editor": ["query"],
    "/static/{rest}": [],
    "/sitemap.xml": ["page"],
    "/queries": [],
    "/queries/{name}": ["format"],
    "/fair/metrics": [],
    "/fair/dataset": ["iri"],
    "/fair/schemas/{name}.json": [],
    "/health": [],
    "/docs": [],
    "/redoc": [],
    "/openapi.json": [],
    "/store": ["graph", "default"],
    "/store/{rest}": [],
    "/{rest}": [],
}
"""Routes that answer in milliseconds, with the parameters they read."""
SLOW: dict[str, list[str]] = {
    "/fair/report": ["scope", "format"],
    "/fair/scores": ["scope", "by"],
    "/void": ["format"],
    "/dcat": ["page", "limit", "modified_since", "format"],
    "/dcat/{rest}": ["page", "limit", "modified_since", "format"],
}
"""Routes that take 0.1-0.5 s on the demo graph: fewer examples."""

words = st.text(max_size=16)
values = st.one_of(
    words,
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "-1",
            "1e9",
            "99999999999999999999",
            "NaN",
            "١",
            "json",
            "html",
            "ttl",
            "jsonld",
            "rdfxml",
            "md",
            "turtle",
            "xml",
            "csv",
            "all",
            "facility:ESRF",
            "facility:https://ror.org/02550n020",
            "instrument:http://x",
            "technique:PaNET01012",
            "source:demo-ess",
            "facility:",
            "nosuch:thing",
            "2020-01-01",
            "2020-13-01",
            "2020-01-01T00:00:00Z",
            "2020-01-01T25:00:00Z",
            DATASET,
            "https://doi.org/10.15151/ESRF-ES-000000",
            "http://purl.org/pan-science/PaNET/PaNET01012",
            "urn:x",
            "http://[x/",
            "not an iri",
            "javascript:alert(1)",
            "<script>alert(1)</script>",
            "../../etc/passwd",
            "%00",
            "\x00",
            "a" * 5000,
            "year",
            "facility",
            "technique",
        ]
    ),
)
segments = st.one_of(
    st.sampled_from(
        [
            "dataset/demo-scicat/PID.SAMPLE.PREFIX%2Fukri_ds4",
            "dataset/demo-scicat/PID.SAMPLE.PREFIX/ukri_ds4",
            "instrument/demo-icat/DOI%3A00.0815%2Finst-00048",
            "dataset",
            "a/b/c/d/e",
            "%2e%2e/%2e%2e/pyproject.toml",
            "..%2F..%2Fpyproject.toml",
            "%00",
            "%ZZ",
            "%C3%28",
            "css/pages.css",
            "ESRF",
            "https%3A%2F%2Fror.org%2F02550n020",
            "report",
            "assessment",
        ]
    ),
    st.lists(st.text(min_size=1, max_size=10), min_size=1, max_size=4).map(
        lambda parts: "/".join(quote(p, safe="") for p in parts)
    ),
)
header_text = st.text(st.characters(codec="latin-1", exclude_characters="\r\n\x00"), max_size=30)
accepts = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "text/html",
            "application/json",
            "text/turtle",
            "application/ld+json",
            "application/rdf+xml",
            "application/n-triples",
            "text/csv",
            "text/markdown",
            "image/png",
            "*/*;q=0",
            "text/html;q=0, */*;q=0",
            "application/json;q=abc",
        ]
    ),
    header_text,
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with demo_client(tmp_path_factory) as c:
        yield c


@st.composite
def requests(draw: st.DrawFn, routes: dict[str, list[str]]) -> tuple[str, list[tuple[str, str]]]:
    """A path of one of ``routes`` (its ``{...}`` part random) and parameters: mostly the ones
    it reads, with any values, sometimes others, sometimes repeated."""
    template = draw(st.sampled_from(sorted(routes)))
    names = list(routes[template])
    if template == "/queries/{name}":
        name = draw(st.one_of(st.sampled_from(sorted(NAMED)), segments))
        path = f"/queries/{name}"
        names += NAMED.get(name, [])
    elif template == "/fair/schemas/{name}.json":
        path = f"/fair/schemas/{draw(segments)}.json"
    else:
        path = template.replace("{rest}", draw(segments))
    pool = st.sampled_from(names) if names else words
    params = [
        (draw(st.one_of(pool, pool, words)), draw(values)) for _ in range(draw(st.integers(0, 4)))
    ]
    return path, params


def _check_route(r: Response, what: str) -> None:
    check_answer(r, what)
    media = r.headers.get("content-type", "")
    if r.status_code == 400 and media.startswith("application/json") and r.content:
        body = r.json()
        assert body.get("detail") or body.get("error"), what


def _get(client: TestClient, path: str, params: list[tuple[str, str]], accept: str | None) -> None:
    headers = {"accept": accept.encode("latin-1")} if accept is not None else {}
    url = path + ("?" + urlencode(params) if params else "")
    r = client.get(url, headers=headers)
    _check_route(r, f"GET {url[:300]} accept={accept!r}")
    if "pyproject" in path:
        assert b"[project]" not in r.content, "a file outside the static directory"


@fuzz_settings(ci=400, large=10000)
@given(requests(FAST), accepts)
@example(("/describe", [("iri", "http://[x/")]), None)
@example(("/static/%2e%2e/%2e%2e/pyproject.toml", []), None)
@example(("/queries/datasets-by-year", [("year", "99999999999999999999")]), None)
@example(("/search", [("q", "a" * 5000)]), "text/html")
@example(("/fair/dataset", [("iri", 'http://"')]), None)  # was a 500: not an IRI
@example(("/fair/dataset", [("iri", "https://[x/")]), None)
def test_fast_routes(
    client: TestClient, req: tuple[str, list[tuple[str, str]]], accept: str | None
) -> None:
    counted("routes.fast")
    _get(client, *req, accept)


@fuzz_settings(ci=50, large=1500)
@given(requests(SLOW), accepts)
@example(("/fair/report", [("scope", "facility:"), ("format", "md")]), None)
@example(("/dcat", [("modified_since", "2020-13-01")]), None)
def test_slow_routes(
    client: TestClient, req: tuple[str, list[tuple[str, str]]], accept: str | None
) -> None:
    counted("routes.slow")
    _get(client, *req, accept)


@fuzz_settings(ci=80, large=2000)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.sampled_from(
            [
                b'<?xml version="1.0"?><resource xmlns="http://datacite.org/schema/kernel-4"/>',
                b'<!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>',
                b'{"doi": "10.1/x", "titles": [{"title": 1}]}',
                b'{"data": {"attributes": null}}',
                b"@prefix : <http://x/> . :a :b :c .",
                b'{"@context": {"@vocab": "http://x/"}, "@id": "http://x/a", "b": 1}',
                b"<http://x/a> <http://x/b> <http://x/c> .",
                b"[]",
                b"null",
                b"\xef\xbb\xbf{}",
            ]
        ),
    ),
    st.one_of(
        st.sampled_from(
            [
                "application/xml",
                "application/json",
                "application/vnd.datacite.datacite+json",
                "text/turtle",
                "application/ld+json",
                "application/n-triples",
                "application/rdf+xml",
                "multipart/form-data",
                "",
            ]
        ),
        header_text,
    ),
)
def test_fair_assess_bodies(client: TestClient, body: bytes, content_type: str) -> None:
    """``POST /fair/assess``: any record in any declared format is assessed or refused (400)."""
    counted("routes.assess")
    headers = {"content-type": content_type.encode("latin-1")} if content_type else {}
    r = client.post("/fair/assess", content=body, headers=headers)
    _check_route(r, f"{content_type!r} {body[:200]!r}")
    assert r.status_code in (200, 400, 413), r.text


METHODS = ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "CONNECT", "PROPFIND", "get"]
PATHS = sorted({p.split("{")[0].rstrip("/") or "/" for p in {**FAST, **SLOW}} | {"/sparql", "/oai"})


@fuzz_settings(ci=60, large=1500)
@given(
    st.one_of(st.sampled_from(METHODS), st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1)),
    st.one_of(st.sampled_from(PATHS), st.sampled_from(PATHS).map(lambda p: p + "/x")),
    st.binary(max_size=40),
)
@example("HEAD", "/store", b"")  # a 400 without a body: right for HEAD
def test_other_methods(client: TestClient, method: str, path: str, body: bytes) -> None:
    """Methods the routes do not take, with a body or none: a 4xx, a 405 with ``Allow``."""
    counted("routes.methods")
    r = client.request(method, path, content=body)
    _check_route(r, f"{method} {path} {body!r}")
    if r.status_code == 405:
        assert r.headers.get("allow"), f"405 without Allow: {method} {path}"
