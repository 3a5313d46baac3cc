"""``/queries`` and ``/queries/{name}``: the named queries of ``queries/`` (DESIGN §9).

``GET /queries`` lists them with their headers (JSON, or an HTML page with a form per query when
the client prefers ``text/html``). ``GET /queries/{name}?param=value`` runs one with its
parameters bound safely (``pancommons.queries``): results by content negotiation as on
``/sparql`` (SPARQL JSON by default, XML, CSV, TSV, or an HTML table; a ``format`` parameter
overrides the Accept header), under the query timeout and row cap of ``/sparql`` (503, 413).
Unknown names are 404; an unknown parameter, a value not of its kind or a repeated parameter
is 400 naming the parameter.
"""

from __future__ import annotations

import time
from html import escape
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pyoxigraph import BlankNode, Literal, NamedNode, QueryBoolean, QueryResultsFormat, RdfFormat

from pancommons.api import openapi
from pancommons.api.result_cache import through_cache
from pancommons.api.sparql_run import (
    LimitExceeded,
    Limits,
    bounded_body,
    check_limits,
    in_time,
)
from pancommons.api.write_access import settings_of
from pancommons.formats import (
    RDF_MEDIA_TYPES,
    RESULT_MEDIA_TYPES,
    is_tabular,
    pick_media_type,
)
from pancommons.queries import NamedQuery, ParamError, QueryFileError, named_queries
from pancommons.store import QuerySyntaxError, Store, StoreError

router = APIRouter(tags=["queries"])

HTML = "text/html"
JSON = "application/sparql-results+json"
FORMAT_PARAM = "format"
"""The query-string parameter that overrides the Accept header (no named query may use it)."""
_FORMATS = {
    "json": JSON,
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "html": HTML,
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
_TABLE_TYPES: dict[str, object] = {**RESULT_MEDIA_TYPES, HTML: None}
_GRAPH_TYPES: dict[str, object] = dict(RDF_MEDIA_TYPES)


def _error(status: int, error: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail, "status": status}, status_code=status)


def _load() -> dict[str, NamedQuery] | JSONResponse:
    try:
        return named_queries()
    except QueryFileError as exc:
        return _error(500, "broken named query", str(exc))


@router.get(
    "/queries",
    response_model=None,
    response_class=Response,
    responses=openapi.answers({200: ["application/json", HTML]}),
)
def list_queries(request: Request) -> Response:
    """The named queries: name, title, description and parameters (kind, default)."""
    queries = _load()
    if isinstance(queries, JSONResponse):
        return queries
    offered = {"application/json": None, HTML: None}
    media = pick_media_type(request.headers.get("accept", ""), offered, "application/json")
    if media == HTML:
        return HTMLResponse(_list_page(request, list(queries.values())))
    return JSONResponse(
        [
            {**q.as_dict(), "url": str(request.url_for("run_named_query", name=q.name))}
            for q in queries.values()
        ]
    )


@router.get(
    "/queries/{name}",
    name="run_named_query",
    response_model=None,
    response_class=Response,
    responses=openapi.answers(
        {200: [*openapi.RESULTS, *openapi.RDF, HTML]}, (400, 404, 406, 413, 503)
    ),
    openapi_extra=openapi.extra(
        openapi.param(
            "format",
            "overrides Accept: " + ", ".join(_FORMATS) + " (the query's own parameters are "
            "listed by GET /queries)",
        )
    ),
)
async def run_named_query(request: Request, name: str) -> Response:
    """Run the named query ``name`` with the parameters of the query string."""
    queries = _load()
    if isinstance(queries, JSONResponse):
        return queries
    query = queries.get(name)
    if query is None:
        return _error(404, "unknown query", f"no named query {name!r}; see /queries")
    values: dict[str, str] = {}
    fmt: str | None = None
    for key, value in request.query_params.multi_items():
        if key == FORMAT_PARAM:
            fmt = value
        elif key in values:
            return _error(400, "bad parameter", f"parameter {key!r}: given more than once")
        else:
            values[key] = value
    accept = request.headers.get("accept", "")
    if fmt is not None:
        if fmt not in _FORMATS:
            return _error(400, "bad parameter", f"parameter 'format': one of {', '.join(_FORMATS)}")
        accept = _FORMATS[fmt]
    try:
        text = query.bind(values)
    except ParamError as exc:
        return _error(400, "bad parameter", str(exc))
    except QueryFileError as exc:
        return _error(500, "broken named query", str(exc))
    # Under the limits of /sparql (PANCOMMONS_QUERY_TIMEOUT, PANCOMMONS_MAX_ROWS): a named query
    # over a large graph, or with a broad parameter, must not hold a worker or the memory.
    # pyoxigraph results must be used and dropped on the thread that made them.
    root = str(request.scope.get("root_path", ""))
    settings = settings_of(request)
    limits = Limits(settings.query_timeout, settings.max_rows)
    store = request.app.state.store
    key = ("named", query.name, text, accept, root)
    return await through_cache(
        request.app.state.result_cache,
        store,
        key,
        text,
        lambda: in_time(lambda: answer(store, query, text, accept, root, limits=limits), limits),
    )


def answer(
    store: Store,
    query: NamedQuery,
    text: str,
    accept: str,
    root: str = "",
    *,
    limits: Limits | None = None,
) -> Response:
    """Run the bound ``text`` of ``query`` and serialise the answer for ``accept`` (``root``: the
    path the API is mounted at, for the links of the HTML table), within ``limits`` (the answer
    is then 503 past the timeout, 413 past the row cap)."""
    limits = limits or Limits(timeout=float("inf"), max_rows=None)
    deadline = time.monotonic() + limits.timeout
    result: Any = None
    try:
        result = store.query(text)
        if is_tabular(result):
            media = pick_media_type(accept, _TABLE_TYPES, JSON)
            if media is None:
                return _error(406, "not acceptable", "results are offered as " + _offer(True))
            if media == HTML:
                return HTMLResponse(_result_page(query, result, root, limits, deadline))
            fmt: QueryResultsFormat | RdfFormat = RESULT_MEDIA_TYPES[media]
        else:
            media = pick_media_type(accept, _GRAPH_TYPES, "text/turtle")
            if media is None:
                return _error(406, "not acceptable", "graphs are offered as " + _offer(False))
            fmt = RDF_MEDIA_TYPES[media]
        body = bounded_body(result, fmt, limits, deadline, lambda: store.query(text))
        charset = "" if media.endswith("json") else "; charset=utf-8"
        return Response(body, media_type=media + charset)
    except LimitExceeded as stop:
        return stop.response
    except QuerySyntaxError as exc:
        return _error(500, "broken named query", f"{query.name}: {exc}")
    except StoreError as exc:
        return _error(503, "store unavailable", str(exc))
    finally:
        del result


def _offer(tabular: bool) -> str:
    return ", ".join(_TABLE_TYPES if tabular else _GRAPH_TYPES)


# --- HTML -----------------------------------------------------------------------------------

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;"
    "text-align:left;vertical-align:top}section{margin-bottom:1.5em}code{font-size:.9em}"
    "label{display:block;margin:.2em 0}input{width:40em;max-width:100%}"
)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def _list_page(request: Request, queries: list[NamedQuery]) -> str:
    parts = [f"<h1>Named queries</h1><p>{len(queries)} queries; run one with its parameters.</p>"]
    for q in queries:
        url = str(request.url_for("run_named_query", name=q.name))
        fields = "".join(
            f"<label>{escape(p.name)} <small>({escape(p.kind)}) {escape(p.description)}</small>"
            f'<br><input name="{escape(p.name)}" value="{escape(p.default)}"></label>'
            for p in q.params
        )
        links = " · ".join(
            f'<a href="{escape(url)}?{escape(urlencode({"format": f}))}">{f.upper()}</a>'
            for f in ("json", "csv", "tsv", "xml")
        )
        parts.append(
            f'<section id="{escape(q.name)}"><h2>{escape(q.title)}</h2>'
            f"<p><code>{escape(q.name)}</code> — {escape(q.description)}</p>"
            f'<form method="get" action="{escape(url)}">{fields}'
            f'<button type="submit">Run</button></form><p>{links}</p></section>'
        )
    return _page("Named queries — PaN Commons", "".join(parts))


def _cell(term: object, root: str) -> str:
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        href = f"{root}/describe?" + urlencode({"iri": term.value})
        return f'<a href="{escape(href)}">{escape(term.value)}</a>'
    if isinstance(term, Literal | BlankNode):
        return escape(term.value)
    return escape(str(term))


def _result_page(query: NamedQuery, result: Any, root: str, limits: Limits, deadline: float) -> str:
    head = f"<h1>{escape(query.title)}</h1><p>{escape(query.description)}</p>"
    if isinstance(result, QueryBoolean):
        return _page(query.title, f"{head}<p>{'true' if bool(result) else 'false'}</p>")
    names = [v.value for v in result.variables]
    rows = []
    for solution in result:
        rows.append(
            "<tr>" + "".join(f"<td>{_cell(solution[n], root)}</td>" for n in names) + "</tr>"
        )
        check_limits(len(rows), limits, deadline)
    table = (
        "<table><thead><tr>"
        + "".join(f"<th>{escape(n)}</th>" for n in names)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )
    count = f"<p>{len(rows)} row{'' if len(rows) == 1 else 's'}</p>"
    back = f'<p><a href="{escape(root)}/queries">all queries</a></p>'
    return _page(query.title, head + table + count + back)


__all__ = ["answer", "router"]
