"""``/sparql``: the SPARQL 1.1 Protocol — queries, updates and the Service Description.

- Queries by GET (``?query=``), POST urlencoded (``query=``) or POST direct
  (``application/sparql-query``), over the union of all graphs unless ``default-graph-uri`` /
  ``named-graph-uri`` give the dataset. Results as SPARQL JSON, XML, CSV or TSV for SELECT/ASK
  and Turtle, N-Triples, JSON-LD or RDF/XML for CONSTRUCT/DESCRIBE, chosen by the Accept header
  (or a ``format`` parameter). Each query has a time budget and a row cap (``sparql_run``).
- Updates by POST (``application/sparql-update`` or urlencoded ``update=``) with the bearer token
  (``write_access``), with ``using-graph-uri`` / ``using-named-graph-uri``.
- A plain GET: the Service Description, or the HTML query editor for browsers.

Malformed queries and updates get 400 with the parser's message; ``SERVICE`` and ``LOAD`` to
outside hosts get 400 (``sparql_text``). GET and POST reach these handlers through
``LeanFront``, a middleware that skips FastAPI's per-request machinery (``app.create_app``).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pyoxigraph import QueryResultsFormat, RdfFormat
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from pancommons.api import openapi, service_description
from pancommons.api.sparql_run import Limits, Query, error, run_query
from pancommons.api.sparql_text import (
    RefusedText,
    add_using,
    check_remote_calls,
    checked_iri,
    dataset_clauses,
)
from pancommons.api.write_access import (
    BodyTooLarge,
    read_body,
    refuse_write,
    settings_of,
    too_large,
)
from pancommons.formats import (
    RDF_FORMATS,
    RDF_MEDIA_TYPES,
    RESULT_FORMATS,
    RESULT_MEDIA_TYPES,
    pick_media_type,
)
from pancommons.store import QuerySyntaxError, Store, StoreError

router = APIRouter(tags=["sparql"])

_FORMAT_PARAM = {
    **{
        name: mt
        for mt, f in RESULT_MEDIA_TYPES.items()
        for name, g in RESULT_FORMATS.items()
        if f == g and not mt.startswith("application/json") and mt != "application/xml"
    },
    **{name: mt for mt, f in RDF_MEDIA_TYPES.items() for name, g in RDF_FORMATS.items() if f == g},
}
_QUERY_TYPE = "application/sparql-query"
_UPDATE_TYPE = "application/sparql-update"
_FORM_TYPE = "application/x-www-form-urlencoded"
Params = dict[str, list[str]]


class _BadRequest(Exception):
    def __init__(self, response: JSONResponse) -> None:
        self.response = response


def editor_page(request: Request) -> Any:
    """The HTML query editor for ``request`` (``pancommons.api.editor.editor_page``), or None
    when this installation has no editor module. May return an awaitable."""
    try:
        module = importlib.import_module("pancommons.api.editor")
    except ModuleNotFoundError as exc:
        if exc.name != "pancommons.api.editor":
            raise
        return None
    hook = getattr(module, "editor_page", None)
    return hook(request) if hook is not None else None


_ENDPOINTS: dict[tuple[Any, ...], str] = {}


def _endpoint(request: Request) -> str:
    """``scheme://authority/path`` of ``request.url``, remembered per scheme, Host header,
    server address and path (all it depends on), so that requests need not build
    ``request.url``."""
    scope = request.scope
    host = next((value for key, value in scope["headers"] if key == b"host"), None)
    server = scope.get("server")
    key = (scope.get("scheme"), host, tuple(server) if server else None, scope["path"])
    endpoint = _ENDPOINTS.get(key)
    if endpoint is None:
        url = request.url
        endpoint = f"{url.scheme}://{url.netloc}{url.path}"
        if len(_ENDPOINTS) >= 256:  # Host headers are the client's to choose
            _ENDPOINTS.clear()
        _ENDPOINTS[key] = endpoint
    return endpoint


def _params(request: Request) -> Params:
    """The parameters of ``request.url.query``, without building ``request.url``: that query is
    what ``urlsplit`` finds after a ``?`` in the decoded query string."""
    query = urlsplit("?" + request.scope.get("query_string", b"").decode()).query
    return parse_qs(query, keep_blank_values=True)


def _single(params: Params, name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise _BadRequest(error(400, f"more than one {name}", f"give exactly one '{name}'"))
    return values[0]


def _iris(params: Params, name: str) -> list[str]:
    try:
        return [checked_iri(v, name) for v in params.get(name, [])]
    except ValueError as exc:
        raise _BadRequest(error(400, "bad graph IRI", str(exc))) from None


_DATASET = (
    openapi.param("default-graph-uri", "a graph of the query's default graph", array=True),
    openapi.param("named-graph-uri", "a named graph the query may use", array=True),
)
_FORMAT_DOC = openapi.param("format", "overrides Accept: " + ", ".join(_FORMAT_PARAM))


@router.get(
    "/sparql",
    response_class=Response,
    responses=openapi.answers(
        {200: [*openapi.RESULTS, *openapi.RDF, "text/html"]}, (400, 405, 406, 413, 503)
    ),
    openapi_extra=openapi.extra(
        openapi.param("query", "a SPARQL 1.1 query (none: the Service Description)"),
        *_DATASET,
        _FORMAT_DOC,
    ),
)
async def sparql_get(request: Request) -> Response:
    """SPARQL 1.1 Protocol query via GET (``?query=``); without a query, the Service Description
    (Turtle, N-Triples, JSON-LD or RDF/XML) or, for browsers, the query editor."""
    params = _params(request)
    try:
        if "update" in params:
            return error(
                405,
                "update by GET",
                "send updates with POST (application/sparql-update or urlencoded update=)",
                {"Allow": "POST"},
            )
        text = _single(params, "query")
        if text is None:
            return await _describe_service(request)
        return await _query(request, text, params)
    except _BadRequest as bad:
        return bad.response


@router.post(
    "/sparql",
    response_class=Response,
    responses=openapi.answers(
        {200: [*openapi.RESULTS, *openapi.RDF], 204: []}, (400, 401, 403, 413, 415, 503)
    ),
    openapi_extra=openapi.extra(
        *_DATASET,
        openapi.param("using-graph-uri", "an update's USING graph", array=True),
        openapi.param("using-named-graph-uri", "an update's USING NAMED graph", array=True),
        _FORMAT_DOC,
        body=openapi.body(
            _QUERY_TYPE,
            _UPDATE_TYPE,
            form={
                "query": "a SPARQL 1.1 query",
                "update": "a SPARQL 1.1 update (needs the bearer token)",
                "default-graph-uri": "a graph of the query's default graph",
                "named-graph-uri": "a named graph the query may use",
            },
        ),
    ),
)
async def sparql_post(request: Request) -> Response:
    """SPARQL 1.1 Protocol query (urlencoded ``query=`` or application/sparql-query) or update
    (urlencoded ``update=`` or application/sparql-update; needs the bearer token)."""
    params = _params(request)
    content_type, _, rest = request.headers.get("content-type", "").partition(";")
    content_type = content_type.strip().lower()
    charset = next(
        (p.split("=", 1)[1].strip().strip('"').lower() for p in rest.split(";") if "=" in p), None
    )
    if content_type not in (_QUERY_TYPE, _UPDATE_TYPE, _FORM_TYPE):
        return error(
            415,
            "unsupported media type",
            f"POST a query as {_QUERY_TYPE} or {_FORM_TYPE}, an update as {_UPDATE_TYPE} or "
            f"{_FORM_TYPE}, not {content_type or 'no content type'!r}",
        )
    if charset not in (None, "utf-8", "utf8"):
        return error(415, "unsupported charset", f"send UTF-8, not {charset!r}")
    if content_type == _UPDATE_TYPE and (refused := refuse_write(request)) is not None:
        return refused
    try:
        body = (await read_body(request)).decode("utf-8")
    except BodyTooLarge as exc:
        return too_large(exc)
    except UnicodeDecodeError as exc:
        return error(400, "not UTF-8", f"the request body is not valid UTF-8: {exc}")
    try:
        if content_type == _QUERY_TYPE:
            return await _query(request, body, params)
        if content_type == _UPDATE_TYPE:
            return await _update(request, body, params)
        form = parse_qs(body, keep_blank_values=True)
        params = {**params, **form}
        if "query" in form and "update" in form:
            return error(400, "query and update", "send either 'query' or 'update', not both")
        update = _single(form, "update")
        if update is not None:
            if (refused := refuse_write(request)) is not None:
                return refused
            return await _update(request, update, params)
        text = _single(form, "query")
        if text is None:
            return error(400, "missing query", "give a SPARQL query in 'query' or 'update'")
        return await _query(request, text, params)
    except _BadRequest as bad:
        return bad.response


@router.api_route("/sparql", methods=["PUT", "DELETE", "PATCH"], include_in_schema=False)
async def sparql_other(request: Request) -> Response:
    """Any other method: 405 in the API's error shape."""
    return error(
        405,
        "method not allowed",
        f"{request.method} is not part of the SPARQL protocol: query with GET or POST, update "
        f"with POST; graphs are written through /store",
        {"Allow": "GET, POST"},
    )


async def _get_or_post(request: Request) -> Response:
    if request.method == "GET":
        return await sparql_get(request)
    return await sparql_post(request)


class LeanRoute(Route):
    """``GET`` and ``POST /sparql`` as a plain Starlette route: the handlers above without
    FastAPI's per-request dependency solving. Any other method does not match it."""

    def __init__(self) -> None:
        super().__init__("/sparql", _get_or_post, include_in_schema=False)
        self.methods = {"GET", "POST"}  # no implicit HEAD

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        return (Match.NONE, {}) if match is Match.PARTIAL else (match, child)


class LeanFront:
    """ASGI middleware that sends ``GET`` and ``POST /sparql`` straight to ``LeanRoute``, past
    FastAPI's routing, dependency solving, exception middleware and exit stack (together about
    a quarter of a point lookup's server time); every other request goes on as before, to the
    FastAPI routes above, which also give the OpenAPI description. The handlers answer every
    expected failure themselves, so the app's exception handlers are not needed here."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.route = LeanRoute()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            match, child = self.route.matches(scope)
            if match is Match.FULL:
                scope.update(child)
                await self.route.handle(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _picker(
    accept: str,
) -> Callable[[bool], tuple[str, QueryResultsFormat | RdfFormat] | JSONResponse]:
    def pick(is_graph: bool) -> tuple[str, QueryResultsFormat | RdfFormat] | JSONResponse:
        offered: dict[str, Any] = RDF_MEDIA_TYPES if is_graph else RESULT_MEDIA_TYPES
        default = "text/turtle" if is_graph else "application/sparql-results+json"
        media = pick_media_type(accept, offered, default)
        if media is None:
            kind = "graphs" if is_graph else "results"
            return error(406, "not acceptable", f"{kind} are offered as " + ", ".join(offered))
        return media, offered[media]

    return pick


async def _query(request: Request, text: str, params: Params) -> Response:
    if not text.strip():
        return error(400, "missing query", "give a SPARQL query in the 'query' parameter")
    settings = settings_of(request)
    try:
        check_remote_calls(text, settings.service_allow)
    except RefusedText as exc:
        return error(400, "refused", str(exc))
    endpoint = _endpoint(request)
    default, named = _iris(params, "default-graph-uri"), _iris(params, "named-graph-uri")
    if not default and not named:  # else the protocol's dataset replaces the query's own
        default, named = dataset_clauses(text, endpoint) or ([], [])
    dataset = bool(default or named)
    query = Query(
        text,
        base_iri=endpoint,
        default_graph=default if dataset else None,
        named_graphs=named if dataset else None,
    )
    accept = request.headers.get("accept", "")
    # ``format`` overrides Accept (clients such as SPARQLWrapper may send it more than once).
    fmt_param = next((f for f in params.get("format", []) if f in _FORMAT_PARAM), None)
    if fmt_param:
        accept = _FORMAT_PARAM[fmt_param]
    limits = Limits(settings.query_timeout, settings.max_rows)
    state = request.app.state
    return await run_query(state.store, query, _picker(accept), limits, state.result_cache, accept)


async def _update(request: Request, text: str, params: Params) -> Response:
    if not text.strip():
        return error(400, "missing update", "give a SPARQL update in the 'update' parameter")
    try:
        check_remote_calls(text, settings_of(request).service_allow)
        text = add_using(
            text, _iris(params, "using-graph-uri"), _iris(params, "using-named-graph-uri")
        )
    except RefusedText as exc:
        return error(400, "refused", str(exc))
    # Relative IRIs resolve against the endpoint (SPARQL 1.1 Protocol §2.2.3); on one line so
    # the parser's line numbers stay those of the request.
    text = f"BASE <{_endpoint(request)}> {text}"
    store: Store = request.app.state.store
    try:
        await run_in_threadpool(store.update, text)
    except QuerySyntaxError as exc:
        return error(400, "malformed update", str(exc))
    except StoreError as exc:
        return error(503, "store unavailable", str(exc))
    return Response(status_code=204)


async def _describe_service(request: Request) -> Response:
    accept = request.headers.get("accept", "")
    media = pick_media_type(accept, {"text/html": None, **RDF_MEDIA_TYPES}, "text/turtle")
    if media == "text/html":
        page = editor_page(request)
        if inspect.isawaitable(page):
            page = await page
        if page is not None:
            return page  # type: ignore[no-any-return]
        media = "text/turtle"
    if media is None:
        return error(
            406,
            "not acceptable",
            "the service description is offered as " + ", ".join(RDF_MEDIA_TYPES),
        )
    store: Store = request.app.state.store
    try:
        graphs = await run_in_threadpool(store.graphs)
    except StoreError as exc:  # answered here: LeanFront passes by the app's exception handlers
        return error(503, "store unavailable", str(exc))
    triples = service_description.description(
        _endpoint(request), graphs, updates=bool(settings_of(request).update_token)
    )
    body = service_description.serialized(triples, RDF_MEDIA_TYPES[media])
    charset = "" if media.endswith("json") else "; charset=utf-8"
    return Response(body, media_type=media + charset)
