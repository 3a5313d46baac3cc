"""DCAT-AP 3.0.1 catalogue at ``/dcat`` and ``/dcat/{facility}`` (Hydra paging).

``GET /dcat`` is the whole catalogue, ``GET /dcat/{facility}`` one facility's datasets (its
name as in the graph, any case, or its ROR). Query parameters: ``page`` (1-based), ``limit``
(datasets per page, default 100, at most 1000), ``modified_since`` (``YYYY-MM-DD`` or
``YYYY-MM-DDTHH:MM:SSZ``) and ``format`` (``ttl``, ``jsonld``, ``rdf``, ``nt``; overrides the
``Accept`` header). Bad parameters are 400, an unknown facility or a page after the last 404,
all with the API's JSON error. The catalogue itself is built by ``pancommons.dcat``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from pancommons.api import openapi
from pancommons.dcat.catalog import (
    CatalogPage,
    PageOutOfRange,
    PageRequest,
    build_page,
    catalog_info,
)
from pancommons.dcat.formats import Format, by_name, negotiate, to_bytes
from pancommons.dcat.params import (
    ParamError,
    UnknownFacility,
    parse_limit,
    parse_page,
    parse_since,
    resolve_facility,
)
from pancommons.store import Store, StoreError

router = APIRouter(tags=["dcat"])

_PARAMS = ("page", "limit", "modified_since", "format")
_KEPT = ("limit", "modified_since", "format")
"""Parameters the paging links carry over from the request, in this order after ``page``."""


def _error(status: int, error: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail, "status": status}, status_code=status)


class _Bad(Exception):
    def __init__(self, response: JSONResponse) -> None:
        self.response = response


def _read(request: Request) -> tuple[PageRequest, Format, dict[str, str]]:
    values: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name in _PARAMS:
            if name in values:
                raise _Bad(
                    _error(400, "bad parameter", f"parameter {name!r}: given more than once")
                )
            values[name] = value
    try:
        page = PageRequest(
            parse_page(values.get("page")),
            parse_limit(values.get("limit")),
            parse_since(values.get("modified_since")),
        )
    except ParamError as exc:
        raise _Bad(_error(400, "bad parameter", str(exc))) from None
    if "format" in values:
        try:
            fmt = by_name(values["format"])
        except ValueError as exc:
            raise _Bad(_error(400, "bad parameter", f"parameter 'format': {exc}")) from None
    else:
        found = negotiate(request.headers.get("accept", ""))
        if found is None:
            offered = "text/turtle, application/ld+json, application/rdf+xml, application/n-triples"
            raise _Bad(_error(406, "not acceptable", f"the catalogue is offered as {offered}"))
        fmt = found
    return page, fmt, {k: values[k] for k in _KEPT if k in values}


def _page_urls(
    request: Request, facility: str | None, kept: dict[str, str]
) -> Callable[[int], str]:
    path = str(request.base_url).rstrip("/") + "/dcat"
    if facility is not None:
        path += "/" + quote(facility, safe="")

    def url(number: int) -> str:
        return f"{path}?{urlencode({'page': number, **kept})}"

    return url


def _render(
    store: Store,
    base: str,
    request: Request,
    facility: str | None,
    page: PageRequest,
    fmt: Format,
    kept: dict[str, str],
) -> tuple[CatalogPage, bytes, Callable[[int], str]]:
    if facility is None:
        info, name = catalog_info(base), None
    else:
        found = resolve_facility(store, facility)
        info, name = catalog_info(base, facility=found), found.name
    urls = _page_urls(request, name, kept)
    result = build_page(store, base, info, page, urls)
    return result, to_bytes(result.triples, fmt), urls


async def _respond(request: Request, facility: str | None) -> Response:
    try:
        page, fmt, kept = _read(request)
    except _Bad as bad:
        return bad.response
    base = str(request.app.state.settings.base).rstrip("/")
    # pyoxigraph results must be used and dropped on the thread that made them.
    try:
        result, body, urls = await run_in_threadpool(
            _render, request.app.state.store, base, request, facility, page, fmt, kept
        )
    except UnknownFacility:
        return _error(404, "unknown facility", f"no facility named or identified {facility!r}")
    except PageOutOfRange as exc:
        return _error(404, "no such page", str(exc))
    except StoreError as exc:
        return _error(503, "store unavailable", str(exc))
    links = [f'<{urls(1)}>; rel="first"', f'<{urls(result.last)}>; rel="last"']
    if result.number > 1:
        links.append(f'<{urls(result.number - 1)}>; rel="prev"')
    if result.number < result.last:
        links.append(f'<{urls(result.number + 1)}>; rel="next"')
    headers = {"Link": ", ".join(links), "Vary": "Accept"}
    return Response(body, media_type=fmt.content_type, headers=headers)


_DOC: openapi.Doc = {
    "response_class": Response,
    "responses": openapi.answers({200: openapi.RDF}, (400, 404, 406, 503)),
    "openapi_extra": openapi.extra(
        openapi.param("page", "the page, from 1"),
        openapi.param("limit", "datasets per page (default 100, at most 1000)"),
        openapi.param("modified_since", "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ"),
        openapi.param("format", "overrides Accept: ttl, jsonld, rdf or nt"),
    ),
}


@router.get("/dcat", name="dcat_catalog", response_model=None, **_DOC)
async def dcat_catalog(request: Request) -> Response:
    """The DCAT-AP 3.0.1 catalogue of every dataset, one page at a time (Hydra)."""
    return await _respond(request, None)


@router.get("/dcat/{facility:path}", name="dcat_facility", response_model=None, **_DOC)
async def dcat_facility(request: Request, facility: str) -> Response:
    """The DCAT-AP 3.0.1 catalogue of one facility's datasets (name, any case, or ROR)."""
    return await _respond(request, facility)


__all__ = ["router"]
