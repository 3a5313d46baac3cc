"""Schemathesis against the OpenAPI description of the whole API, over the demo graph.

Every operation of ``/openapi.json`` (positive and negative data, schemathesis's coverage phase
included) is called in-process and checked: never a server error, every status, media type and
JSON body as documented, no traceback in any body, a 4xx that says what was wrong. Left out:

- ``positive_data_acceptance``: the values these routes take are SPARQL, LoopBack JSON filters,
  IRIs, OAI-PMH dates and tokens, whose grammar JSON Schema cannot state; a "schema-valid" random
  string is rightly a 400 naming the parameter (which ``no_traceback_and_4xx_say_why`` checks).
- ``allow_header_conformance``: a 405 from FastAPI's router lists only the methods of the first
  route on the path (``Allow: GET`` on ``/oai``, whose POST is a route of its own); fixing it
  takes the app's 405 handler (app.py), not the routes.

``GET``/``POST /sparql`` are described by their FastAPI routes but served by ``LeanFront``:
schemathesis reaches the real handlers, and test_http_sparql fuzzes their grammar. The routes
not in the description (``include_in_schema=False``: ``/``, ``/search``, ``/id/...``,
``/describe``, ``/editor``, ``/static/...``, ``/sparql`` with other methods, ``/docs``,
``/redoc``, ``/openapi.json``) are fuzzed by test_http_routes.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis import SerializationContext
from schemathesis.checks import CheckContext
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    positive_data_acceptance,
)

from pancommons.api.app import create_app
from pancommons.config import Settings
from tests.fuzz.budget import counted, fuzz_settings
from tests.fuzz.http_demo import demo_app

OPENAPI = create_app(Settings()).openapi()
"""The description of an app with default settings: routes and OpenAPI do not depend on them."""
schema = schemathesis.openapi.from_dict(copy.deepcopy(OPENAPI))
TEXT_BODIES = (
    "application/sparql-query",
    "application/sparql-update",
    "application/n-triples",
    "application/x-turtle",
    "application/vnd.datacite.datacite+xml",
    "text/turtle",
    "text/n3",
    "text/plain",
)
SLOW = "^/(fair/(report|scores)|void|dcat)"
"""Operations that take 0.1-0.5 s on the demo graph: a budget of their own."""


@schemathesis.serializer(*TEXT_BODIES)
def _as_text(ctx: SerializationContext, value: Any) -> bytes:
    """SPARQL, RDF and XML bodies: a generated string as it is, anything else as JSON text."""
    if isinstance(value, bytes):
        return value
    return value.encode() if isinstance(value, str) else json.dumps(value).encode()


def no_traceback_and_4xx_say_why(ctx: CheckContext, response: Response, case: Any) -> None:
    """No Python traceback in any body; a client error (but a bare 404/405 of the router) has
    a body that says what was wrong."""
    body = response.content or b""
    assert b"Traceback (most recent call last)" not in body, "a traceback in the body"
    if 400 <= response.status_code < 500 and case.method.upper() != "HEAD":
        assert body.strip() or response.status_code in (404, 405), "a 4xx without a message"


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    return demo_app(tmp_path_factory)


def _call(case: schemathesis.Case, app: FastAPI, target: str) -> None:
    counted(target)
    case.call_and_validate(
        app=app,
        excluded_checks=[positive_data_acceptance, allow_header_conformance],
        additional_checks=[no_traceback_and_4xx_say_why],
    )


@schema.exclude(path_regex=SLOW).parametrize()
@fuzz_settings(ci=10, large=600)
def test_openapi(case: schemathesis.Case, app: FastAPI) -> None:
    _call(case, app, "openapi")


@schema.include(path_regex=SLOW).parametrize()
@fuzz_settings(ci=4, large=150)
def test_openapi_slow(case: schemathesis.Case, app: FastAPI) -> None:
    _call(case, app, "openapi.slow")


@pytest.mark.parametrize(
    ("path", "method", "url"),
    [
        ("/api/Datasets/{pid}", "GET", "/api/Datasets/a%0Ab"),
        ("/api/Datasets/{pid}/files", "GET", "/api/Datasets/a%0Ab/files"),
        ("/store/{path}", "PUT", "/store/a%0Ab"),
        ("/dcat/{facility}", "GET", "/dcat/a%0Ab"),
    ],
)
def test_a_newline_in_a_path_parameter(app: FastAPI, path: str, method: str, url: str) -> None:
    """Regression (found by the large budget): no route pattern matches a path parameter with a
    newline, so FastAPI's router answers its own 404, which the description did not allow."""
    with TestClient(app) as client:
        r = client.request(method, url)
    assert r.status_code == 404
    responses = OPENAPI["paths"][path][method.lower()]["responses"]
    jsonschema.validate(r.json(), responses["404"]["content"]["application/json"]["schema"])
