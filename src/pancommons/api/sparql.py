"""``/sparql``: SPARQL 1.1 Protocol queries (GET, POST urlencoded, POST direct).

Results as SPARQL JSON, XML, CSV or TSV for SELECT/ASK and Turtle, N-Triples, JSON-LD or RDF/XML
for CONSTRUCT/DESCRIBE, chosen by the Accept header (or a ``format`` parameter). Malformed
queries get 400 with the parser's message.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pyoxigraph import QueryResultsFormat, RdfFormat

from pancommons.formats import (
    RDF_FORMATS,
    RDF_MEDIA_TYPES,
    RESULT_FORMATS,
    RESULT_MEDIA_TYPES,
    is_tabular,
    pick_media_type,
    serialize_result,
)
from pancommons.store import QuerySyntaxError, Store

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
MAX_QUERY_BYTES = 1_000_000


def _error(status: int, error: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail, "status": status}, status_code=status)


async def _query_text(request: Request) -> tuple[str | None, dict[str, list[str]]]:
    params = parse_qs(request.url.query, keep_blank_values=True)
    if request.method == "GET":
        values = params.get("query")
        return (values[0] if values else None), params
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if len(body) > MAX_QUERY_BYTES:
        raise _TooLarge
    if content_type == "application/sparql-query":
        return body.decode("utf-8", errors="replace"), params
    if content_type == "application/x-www-form-urlencoded":
        form = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
        params = {**params, **form}
        values = form.get("query")
        return (values[0] if values else None), params
    raise _UnsupportedType(content_type)


class _TooLarge(Exception):
    pass


class _UnsupportedType(Exception):
    def __init__(self, content_type: str) -> None:
        self.content_type = content_type


@router.get("/sparql")
async def sparql_get(request: Request) -> Response:
    """SPARQL 1.1 Protocol query via GET (``?query=``) over the union of all graphs."""
    return await _sparql(request)


@router.post("/sparql")
async def sparql_post(request: Request) -> Response:
    """SPARQL 1.1 Protocol query via POST (urlencoded ``query=`` or application/sparql-query)."""
    return await _sparql(request)


async def _sparql(request: Request) -> Response:
    try:
        text, params = await _query_text(request)
    except _TooLarge:
        return _error(413, "query too large", f"queries are limited to {MAX_QUERY_BYTES} bytes")
    except _UnsupportedType as exc:
        return _error(
            415,
            "unsupported media type",
            f"POST a query as application/sparql-query or application/x-www-form-urlencoded, "
            f"not {exc.content_type or 'no content type'!r}",
        )
    if not text or not text.strip():
        return _error(400, "missing query", "give a SPARQL query in the 'query' parameter")
    accept = request.headers.get("accept", "")
    fmt_param = params.get("format", [None])[0]
    if fmt_param and fmt_param in _FORMAT_PARAM:
        accept = _FORMAT_PARAM[fmt_param]
    # pyoxigraph results must be used and dropped on the thread that made them: query and
    # serialise in one worker call.
    return await run_in_threadpool(answer, request.app.state.store, text, accept)


def answer(store: Store, text: str, accept: str) -> Response:
    """Run ``text`` and serialise the result in the best format for ``accept``."""
    try:
        result = store.query(text)
    except QuerySyntaxError as exc:
        return _error(400, "malformed query", str(exc))
    if is_tabular(result):
        media = pick_media_type(accept, RESULT_MEDIA_TYPES, "application/sparql-results+json")
        if media is None:
            return _error(
                406, "not acceptable", "results are offered as " + ", ".join(RESULT_MEDIA_TYPES)
            )
        fmt: QueryResultsFormat | RdfFormat = RESULT_MEDIA_TYPES[media]
    else:
        media = pick_media_type(accept, RDF_MEDIA_TYPES, "text/turtle")
        if media is None:
            return _error(
                406, "not acceptable", "graphs are offered as " + ", ".join(RDF_MEDIA_TYPES)
            )
        fmt = RDF_MEDIA_TYPES[media]
    body = serialize_result(result, fmt)
    del result
    charset = "" if media.endswith("json") else "; charset=utf-8"
    return Response(body, media_type=media + charset)
