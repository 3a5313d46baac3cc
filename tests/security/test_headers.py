"""Security headers on every response (HTML pages, JSON, SPARQL results, RDF, XML, static files,
errors): ``X-Content-Type-Options: nosniff``, a ``Referrer-Policy``, framing limited by
``X-Frame-Options`` and CSP ``frame-ancestors``, and on HTML a Content-Security-Policy whose
scripts come from this server only (FastAPI's ``/docs`` and ``/redoc`` excepted: they load
Swagger UI and ReDoc from a CDN). No error answer carries a traceback or a file path; an
exception no route handles is a JSON 500, its traceback logged on the server only. The server
header names no version."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient
from httpx import Response

from pancommons.api.app import create_app
from pancommons.config import Settings
from pancommons.store.remote import RemoteStore
from tests.security.conftest import TOKEN, LiveServer, app_client, live_server
from tests.servers import free_port

REPO = Path(__file__).resolve().parents[2]
BEARER = {"Authorization": f"Bearer {TOKEN}"}
HTML = {"Accept": "text/html"}

# (what, method, path, kwargs, expected status)
REQUESTS: list[tuple[str, str, str, dict[str, object], int]] = [
    ("home page", "GET", "/", {"headers": HTML}, 200),
    ("search page", "GET", "/search", {"params": {"q": "beam"}, "headers": HTML}, 200),
    ("editor", "GET", "/editor", {}, 200),
    ("editor by conneg", "GET", "/sparql", {"headers": HTML}, 200),
    ("fair report", "GET", "/fair/report", {"headers": HTML}, 200),
    ("api docs", "GET", "/docs", {}, 200),
    ("redoc", "GET", "/redoc", {}, 200),
    ("openapi", "GET", "/openapi.json", {}, 200),
    ("health", "GET", "/health", {}, 200),
    ("select json", "GET", "/sparql", {"params": {"query": "SELECT * { ?s ?p ?o }"}}, 200),
    (
        "select xml",
        "GET",
        "/sparql",
        {"params": {"query": "ASK {}"}, "headers": {"Accept": "application/sparql-results+xml"}},
        200,
    ),
    ("construct", "GET", "/sparql", {"params": {"query": "CONSTRUCT WHERE { ?s ?p ?o }"}}, 200),
    ("service description", "GET", "/sparql", {}, 200),
    (
        "post query",
        "POST",
        "/sparql",
        {"content": b"ASK {}", "headers": {"Content-Type": "application/sparql-query"}},
        200,
    ),
    ("store head", "HEAD", "/store", {"params": {"default": ""}}, 200),
    ("panosc", "GET", "/api/Datasets", {}, 200),
    ("named queries", "GET", "/queries", {}, 200),
    ("fair metrics", "GET", "/fair/metrics", {}, 200),
    ("oai identify", "GET", "/oai", {"params": {"verb": "Identify"}}, 200),
    ("oai error", "GET", "/oai", {"params": {"verb": "Nonsense"}}, 200),
    ("dcat", "GET", "/dcat", {}, 200),
    ("sitemap", "GET", "/sitemap.xml", {}, 200),
    ("void", "GET", "/void", {}, 200),
    ("static css", "GET", "/static/pancommons.css", {}, 200),
    ("static js", "GET", "/static/editor.js", {}, 200),
    # errors
    ("no such path", "GET", "/no/such/path", {}, 404),
    (
        "no such page",
        "GET",
        "/describe",
        {"params": {"iri": "https://e.org/x"}, "headers": HTML},
        404,
    ),
    ("no such node", "GET", "/describe", {"params": {"iri": "https://e.org/x"}}, 404),
    ("bad iri", "GET", "/describe", {"params": {"iri": "not an iri"}, "headers": HTML}, 400),
    ("no such static", "GET", "/static/../../../etc/passwd", {}, 404),
    ("method", "PUT", "/sparql", {}, 405),
    ("malformed query", "GET", "/sparql", {"params": {"query": "SELECT * WHERE { ?s ?p"}}, 400),
    (
        "malformed update",
        "POST",
        "/sparql",
        {
            "content": b"INSERT DATA { <a> }",
            "headers": {"Content-Type": "application/sparql-update", **BEARER},
        },
        400,
    ),
    (
        "malformed turtle",
        "PUT",
        "/store",
        {
            "params": {"graph": "http://e/g"},
            "content": b"<a> <b> .",
            "headers": {"Content-Type": "text/turtle", **BEARER},
        },
        400,
    ),
    (
        "malformed rdf/xml",
        "PUT",
        "/store",
        {
            "params": {"graph": "http://e/g"},
            "content": b"<rdf:RDF><oops",
            "headers": {"Content-Type": "application/rdf+xml", **BEARER},
        },
        400,
    ),
    (
        "not utf-8",
        "POST",
        "/sparql",
        {"content": b"ASK {} \xff\xfe", "headers": {"Content-Type": "application/sparql-query"}},
        400,
    ),
    ("unauthenticated", "DELETE", "/store", {"params": {"default": ""}}, 401),
    (
        "forbidden",
        "DELETE",
        "/store",
        {"params": {"default": ""}, "headers": {"Authorization": "Bearer wrong"}},
        403,
    ),
    (
        "too large",
        "POST",
        "/fair/assess",
        {"content": b"x" * 5000, "headers": {"Content-Type": "text/turtle"}},
        413,
    ),
    (
        "media type",
        "POST",
        "/sparql",
        {"content": b"ASK {}", "headers": {"Content-Type": "text/x"}},
        415,
    ),
    (
        "not acceptable",
        "GET",
        "/sparql",
        {"params": {"query": "ASK {}"}, "headers": {"Accept": "image/png"}},
        406,
    ),
    ("bad scope", "GET", "/fair/report", {"params": {"scope": "nonsense:x"}}, 400),
    ("bad format", "GET", "/fair/report", {"params": {"format": "exe"}}, 400),
    ("bad filter", "GET", "/api/Datasets", {"params": {"filter": "{not json"}}, 400),
    (
        "bad submission",
        "POST",
        "/fair/assess",
        {"content": b"<resource>&x;</resource>", "headers": {"Content-Type": "application/xml"}},
        400,
    ),
    ("bad named query", "GET", "/queries/nonexistent", {}, 404),
]


def check_headers(what: str, path: str, r: Response | requests.Response) -> None:
    h = r.headers
    assert h.get("x-content-type-options") == "nosniff", (what, dict(h))
    assert h.get("referrer-policy") in ("strict-origin-when-cross-origin", "no-referrer"), what
    csp = h.get("content-security-policy", "")
    assert h.get("x-frame-options") in ("SAMEORIGIN", "DENY") or "frame-ancestors" in csp, what
    if h.get("content-type", "").startswith("text/html"):
        assert "frame-ancestors" in csp and "object-src 'none'" in csp, (what, csp)
        scripts = re.search(r"script-src ([^;]*)", csp) or re.search(r"default-src ([^;]*)", csp)
        assert scripts, (what, csp)
        if path not in ("/docs", "/redoc"):
            assert "'unsafe-inline'" not in scripts.group(1), (what, csp)
            assert "'unsafe-eval'" not in scripts.group(1) and "http" not in scripts.group(1)


def check_no_internals(what: str, r: Response | requests.Response, *private: str) -> None:
    if r.status_code < 400:
        return
    text = r.text
    for needle in ("Traceback", 'File "', "site-packages", '.py"', str(REPO), *private):
        assert needle not in text, (what, needle, text[:500])


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    tmp = tmp_path_factory.mktemp("headers")
    with app_client(tmp, update_token=TOKEN, max_body_bytes=4000) as (c, _):
        yield c, tmp


@pytest.mark.parametrize("case", REQUESTS, ids=[r[0] for r in REQUESTS])
def test_every_response_has_the_headers(
    client: tuple[TestClient, Path], case: tuple[str, str, str, dict[str, object], int]
) -> None:
    c, tmp = client
    what, method, path, kwargs, status = case
    r = c.request(method, path, **kwargs)  # type: ignore[arg-type]
    assert r.status_code == status, (what, r.status_code, r.text[:300])
    check_headers(what, path, r)
    check_no_internals(what, r, str(tmp))


def test_a_route_that_crashes_answers_json_500_and_logs_the_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with app_client(tmp_path) as (c, _):
        app = c.app

        @app.get("/crash")  # type: ignore[attr-defined,untyped-decorator]
        def crash() -> None:
            raise RuntimeError(f"internal state at {tmp_path}/secret-path.py line 7")

        caplog.set_level(logging.ERROR, logger="pancommons.api")
        for headers in ({}, HTML):
            r = c.get("/crash", headers=headers)
            assert r.status_code == 500 and r.headers["content-type"] == "application/json"
            assert r.json() == {
                "error": "internal error",
                "detail": "an unexpected error occurred; it is logged",
                "status": 500,
            }
            check_headers("crash", "/crash", r)
            check_no_internals("crash", r, str(tmp_path), "secret-path")
        logged = [rec for rec in caplog.records if rec.name == "pancommons.api"]
        assert logged and logged[0].exc_info is not None and "GET /crash" in logged[0].getMessage()
        assert "secret-path.py" in caplog.text  # the traceback is on the server side
        assert c.get("/health").status_code == 200  # and it goes on serving


def test_store_down_is_a_json_503_with_the_headers(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    store = RemoteStore(url, timeout=2)
    app = create_app(Settings(store=url, update_token=TOKEN), store=store)
    with TestClient(app) as c:
        for what, r in [
            ("health", c.get("/health")),
            ("query", c.get("/sparql", params={"query": "ASK {}"})),
            ("service description", c.get("/sparql")),
            ("graph", c.get("/store", params={"graph": "http://e/g"})),
            ("update", c.post("/sparql", content=b"CLEAR ALL",
                              headers={"Content-Type": "application/sparql-update", **BEARER})),
            ("panosc", c.get("/api/Datasets")),
            ("oai", c.get("/oai", params={"verb": "ListRecords", "metadataPrefix": "oai_dc"})),
            ("page", c.get("/", headers=HTML)),
            ("report", c.get("/fair/report", params={"format": "json"})),
        ]:  # fmt: skip
            assert r.status_code == 503, (what, r.status_code, r.text[:300])
            check_headers(what, "", r)
            check_no_internals(what, r)
    store.close()


# --- over a real socket --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("headers-live"), update_token=TOKEN) as s:
        yield s


@pytest.mark.parametrize(
    "method,path,kwargs",
    [
        ("GET", "/", {"headers": HTML}),
        ("GET", "/sparql", {"params": {"query": "ASK {}"}}),
        (
            "POST",
            "/sparql",
            {"data": b"ASK {", "headers": {"Content-Type": "application/sparql-query"}},
        ),
        ("GET", "/nope", {}),
        ("GET", "/fair/report", {}),
    ],
)
def test_real_server_headers_and_no_version(
    server: LiveServer, method: str, path: str, kwargs: dict[str, object]
) -> None:
    r = requests.request(method, server.url + path, timeout=10, **kwargs)  # type: ignore[arg-type]
    check_headers(path, path, r)
    check_no_internals(path, r)
    assert not re.search(r"\d", r.headers.get("server", "")), r.headers.get("server")
