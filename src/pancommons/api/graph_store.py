"""``/store``: the SPARQL 1.1 Graph Store HTTP Protocol.

A graph is named indirectly (``/store?graph=IRI``, ``/store?default``) or directly (the request
URL ``/store/some/path`` is the graph IRI). ``GET``/``HEAD`` return the graph (Turtle,
N-Triples, JSON-LD or RDF/XML by content negotiation; 404 for a graph with no triples);
``PUT`` replaces it, ``POST`` adds to it (``multipart/form-data`` adds every part), ``DELETE``
drops it; ``POST /store`` with neither parameter creates a new graph under
``{base}/graph/store/`` and answers 201 with its IRI in ``Location``. Writes need the bearer token
(``write_access``); ``PUT``/``POST`` answer 201 when they created the graph, 204 otherwise.
Bodies are parsed completely before anything is written (400 with the parser's message).

``?default`` is the store's own unnamed graph, not the union of all graphs that queries see.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pyoxigraph import BlankNode, DefaultGraph, NamedNode, RdfFormat, Triple, parse, serialize

from pancommons.api import openapi
from pancommons.api.sparql_run import Limits, Query, error, run_query
from pancommons.api.write_access import (
    BodyTooLarge,
    read_body,
    refuse_write,
    settings_of,
    too_large,
)
from pancommons.formats import RDF_MEDIA_TYPES, pick_media_type
from pancommons.store import QuerySyntaxError, RdfSyntaxError, Store, StoreError
from pancommons.store.base import DEFAULT_GRAPH
from pancommons.store.rdfxml import defused

router = APIRouter(tags=["graph store"])

METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]
BODY_FORMATS: dict[str, RdfFormat] = {
    **RDF_MEDIA_TYPES,
    "application/x-turtle": RdfFormat.TURTLE,
    "text/plain": RdfFormat.N_TRIPLES,
    "text/n3": RdfFormat.N3,
    "application/json": RdfFormat.JSON_LD,
}


@dataclass(frozen=True)
class Target:
    """The graph a request is about: a named graph, the default graph (None), or a new one."""

    graph: str | None
    new: bool = False


class _Refused(Exception):
    def __init__(self, response: JSONResponse) -> None:
        self.response = response


async def graph_store(request: Request) -> Response:
    """SPARQL 1.1 Graph Store Protocol with indirect graph identification (``?graph=IRI`` or
    ``?default``); ``POST`` with neither creates a new graph."""
    try:
        return await _handle(request, _indirect_target(request))
    except _Refused as refused:
        return refused.response


async def graph_store_direct(request: Request, path: str) -> Response:
    """SPARQL 1.1 Graph Store Protocol with direct graph identification: the request URL (without
    query string) is the graph IRI."""
    if request.url.query:
        return error(400, "bad graph", "a directly identified graph takes no ?graph or ?default")
    url = request.url
    raw_path = request.scope.get("raw_path") or url.path.encode()  # as sent: still %-encoded
    iri = f"{url.scheme}://{url.netloc}{raw_path.decode('latin-1').split('?')[0]}"
    try:
        target = Target(NamedNode(iri).value)
    except ValueError as exc:
        return error(400, "bad graph", f"{iri!r} is not an IRI: {exc}")
    return await _handle(request, target)


_WRITE_ERRORS = (400, 401, 403, 413, 415, 503)
_ANSWERS = {
    "GET": openapi.answers({200: openapi.RDF}, (400, 404, 406, 503)),
    "HEAD": openapi.answers({200: []}, (400, 404, 406, 503)),
    "PUT": openapi.answers({201: [], 204: []}, _WRITE_ERRORS),
    "POST": openapi.answers({201: [], 204: []}, _WRITE_ERRORS),
    "DELETE": openapi.answers({204: []}, (400, 401, 403, 404, 503)),
}
_BODIES = {
    "PUT": openapi.body(*BODY_FORMATS, required=False),
    "POST": openapi.body(*BODY_FORMATS, "multipart/form-data", required=False),
}
_TARGET = (
    openapi.param("graph", "the graph's IRI"),
    openapi.param("default", "the default graph (give no value)"),
)

for _method in METHODS:  # one route per method: OpenAPI wants an operation id each
    router.add_api_route(
        "/store",
        graph_store,
        methods=[_method],
        operation_id=f"store_{_method.lower()}",
        response_class=Response,
        responses=_ANSWERS[_method],
        openapi_extra=openapi.extra(*_TARGET, body=_BODIES.get(_method)),
    )
    router.add_api_route(
        "/store/{path:path}",
        graph_store_direct,
        methods=[_method],
        operation_id=f"store_direct_{_method.lower()}",
        response_class=Response,
        responses={**_ANSWERS[_method], **openapi.answers(errors=(404,))},  # a path no IRI has
        openapi_extra=openapi.extra(body=_BODIES.get(_method)),
    )


def _indirect_target(request: Request) -> Target:
    pairs = [part.partition("=") for part in request.url.query.split("&") if part]
    params: dict[str, list[str]] = {}
    for key, _, value in pairs:
        params.setdefault(unquote(key), []).append(unquote(value))  # decoded once, not twice
    graphs = params.get("graph", [])
    if len(graphs) > 1 or (graphs and "default" in params):
        raise _Refused(error(400, "bad graph", "give one ?graph=IRI or ?default"))
    if "default" in params:
        return Target(None)
    if not graphs:
        if request.method == "POST":
            return Target(f"{settings_of(request).base}/graph/store/{uuid.uuid4().hex}", new=True)
        raise _Refused(error(400, "missing graph", "give ?graph=IRI or ?default"))
    try:
        return Target(NamedNode(graphs[0]).value)
    except ValueError as exc:
        raise _Refused(error(400, "bad graph", f"{graphs[0]!r} is not an IRI: {exc}")) from None


async def _handle(request: Request, target: Target) -> Response:
    store: Store = request.app.state.store
    if request.method in ("GET", "HEAD"):
        return await _get(request, store, target)
    if (refused := refuse_write(request)) is not None:
        return refused
    try:
        if request.method == "DELETE":
            return await _delete(store, target)
        ntriples = await _body_as_ntriples(request, target)
        existed = target.graph is None or (
            not target.new and await run_in_threadpool(_exists, store, target.graph)
        )
        await run_in_threadpool(_write, store, target.graph, ntriples, request.method == "PUT")
    except _Refused as refused:
        return refused.response
    except StoreError as exc:  # QuerySyntaxError here would be our bug: let it be a 503 too
        return error(503, "store unavailable", str(exc))
    if existed:
        return Response(status_code=204)
    headers = {"Location": target.graph} if target.new and target.graph else None
    return Response(status_code=201, headers=headers)


def _exists(store: Store, graph: str) -> bool:
    result = store.query(f"ASK {{ GRAPH {NamedNode(graph)} {{ ?s ?p ?o }} }}")
    return bool(result)


async def _get(request: Request, store: Store, target: Target) -> Response:
    if target.graph is not None and not await run_in_threadpool(_exists, store, target.graph):
        return error(404, "not found", f"there is no graph <{target.graph}> in this store")
    accept = request.headers.get("accept", "")

    def pick(is_graph: bool) -> tuple[str, RdfFormat] | JSONResponse:
        media = pick_media_type(accept, RDF_MEDIA_TYPES, "text/turtle")
        if media is None:
            return error(
                406, "not acceptable", "graphs are offered as " + ", ".join(RDF_MEDIA_TYPES)
            )
        return media, RDF_MEDIA_TYPES[media]

    if target.graph is None:
        query = Query("CONSTRUCT WHERE { ?s ?p ?o }", default_graph=[DEFAULT_GRAPH])
    else:
        iri = NamedNode(target.graph)
        query = Query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {iri} {{ ?s ?p ?o }} }}")
    limits = Limits(settings_of(request).query_timeout, None)
    response = await run_query(store, query, pick, limits, request.app.state.result_cache, accept)
    if request.method == "HEAD":
        headers = dict(response.headers)
        return Response(status_code=response.status_code, headers=headers)
    return response


async def _delete(store: Store, target: Target) -> Response:
    if target.graph is None:
        await run_in_threadpool(store.update, "DROP SILENT DEFAULT")
        return Response(status_code=204)
    if not await run_in_threadpool(_exists, store, target.graph):
        return error(404, "not found", f"there is no graph <{target.graph}> in this store")
    await run_in_threadpool(store.drop_graph, target.graph)
    return Response(status_code=204)


async def _body_as_ntriples(request: Request, target: Target) -> bytes:
    """The request body (every part of a multipart body) as N-Triples, or _Refused."""
    header = request.headers.get("content-type", "")
    try:
        body = await read_body(request)
    except BodyTooLarge as exc:
        raise _Refused(too_large(exc)) from None
    if header.split(";")[0].strip().lower() == "multipart/form-data" and request.method == "POST":
        message = BytesParser(policy=policy.HTTP).parsebytes(
            b"Content-Type: " + header.encode("latin-1") + b"\r\n\r\n" + body
        )
        if not message.is_multipart():
            raise _Refused(error(400, "bad multipart body", "no parts found in the body"))
        parts = []
        for part in message.iter_parts():
            payload = part.get_payload(decode=True)
            parts.append(
                (part.get("content-type", ""), payload if isinstance(payload, bytes) else b"")
            )
    else:
        parts = [(header, body)]
    documents = [(_body_format(ct), data) for ct, data in parts]
    base = target.graph or str(request.url).split("?")[0]
    try:
        return await run_in_threadpool(_to_ntriples, documents, base)
    except (SyntaxError, ValueError) as exc:
        raise _Refused(error(400, "malformed RDF", str(exc))) from None


def _body_format(content_type: str) -> RdfFormat:
    media, _, rest = content_type.partition(";")
    media = media.strip().lower()
    charsets = [p.split("=", 1)[1].strip().strip('"').lower() for p in rest.split(";") if "=" in p]
    if media not in BODY_FORMATS:
        raise _Refused(
            error(
                415,
                "unsupported media type",
                f"send one graph as one of {', '.join(BODY_FORMATS)}, not {media or 'no type'!r}",
            )
        )
    if any(c not in ("utf-8", "utf8") for c in charsets):
        raise _Refused(error(415, "unsupported charset", "send RDF in UTF-8"))
    return BODY_FORMATS[media]


def _to_ntriples(documents: list[tuple[RdfFormat, bytes]], base: str) -> bytes:
    """Parse every document (blank nodes fresh per document) into one N-Triples text."""
    triples: list[Triple] = []
    for fmt, data in documents:
        fresh: dict[str, BlankNode] = {}

        def own(term: object, fresh: dict[str, BlankNode] = fresh) -> object:
            return (
                fresh.setdefault(term.value, BlankNode()) if isinstance(term, BlankNode) else term
            )

        if fmt == RdfFormat.RDF_XML:
            data = defused(data)  # no DOCTYPE: pyoxigraph would expand a billion laughs
        for quad in parse(data, format=fmt, base_iri=base):
            if not isinstance(quad.graph_name, DefaultGraph):
                raise ValueError(
                    "the body names graphs: the Graph Store takes one graph per request"
                )
            triples.append(Triple(own(quad.subject), quad.predicate, own(quad.object)))  # type: ignore[arg-type]
    return serialize(triples, format=RdfFormat.N_TRIPLES) or b""


def _write(store: Store, graph: str | None, ntriples: bytes, replace: bool) -> None:
    if graph is not None:
        try:
            if replace:
                store.replace_graph(ntriples, graph=graph, format=RdfFormat.N_TRIPLES)
            else:
                store.load(ntriples, graph=graph, format=RdfFormat.N_TRIPLES)
        except RdfSyntaxError as exc:  # we wrote that N-Triples: this is a bug, not bad input
            raise StoreError(f"could not store the graph: {exc}") from exc
        return
    insert = f"INSERT DATA {{\n{ntriples.decode()}\n}}" if ntriples.strip() else ""
    ops = (["DROP SILENT DEFAULT"] if replace else []) + ([insert] if insert else [])
    if ops:
        try:
            store.update(" ;\n".join(ops))
        except QuerySyntaxError as exc:
            raise StoreError(f"could not store the default graph: {exc}") from exc
