"""Pages for people and linked-data clients: home, search, landing pages of every node.

* ``/`` — search box, counts, links to every interface;
* ``/search?q=`` — datasets, publications and instruments whose title or description holds
  every word of ``q`` (each word bound as an escaped SPARQL literal);
* ``/id/{kind}/{source}/{local}`` — the node ``{base}/id/...`` (minted IRIs, DESIGN §4);
* ``/describe?iri=`` — any node (DOI, ORCID, ROR, PaNET...);
  HTML with embedded schema.org JSON-LD for datasets, or the node's concise bounded description
  as Turtle, JSON-LD, RDF/XML or N-Triples by content negotiation (or ``?format=``).

The editor (``/editor``), ``/void``, ``/sitemap.xml`` and ``/static`` are routed from here too.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import quote, unquote

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from pyoxigraph import Literal, NamedNode, serialize

from pancommons import vocab
from pancommons.api import editor, sitemap, void
from pancommons.api.describe import PUBLICATION_CLASSES, Description, describe
from pancommons.api.nodes import cbd, exists
from pancommons.api.schemaorg_out import dataset_jsonld
from pancommons.api.web import (
    HTML_TYPES,
    STATIC,
    base_of,
    error_page,
    href,
    render,
    root,
    used_prefixes,
)
from pancommons.formats import RDF_FORMATS, RDF_MEDIA_TYPES, pick_media_type
from pancommons.store.base import Store

router = APIRouter(tags=["pages"])
router.include_router(editor.router)
router.include_router(void.router)
router.include_router(sitemap.router)

MAX_IRI = 4096
MAX_SEARCH = 200
PAGE_SIZE = 50
_STATIC = StaticFiles(directory=STATIC)
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


@router.get("/static/{path:path}", include_in_schema=False)
async def static(path: str, request: Request) -> Response:
    """The packaged CSS, scripts and the vendored query editor (no CDN, works offline)."""
    return await _STATIC.get_response(path, request.scope)


def _counts(store: Store, base: str) -> dict[str, int]:
    classes = {
        "datasets": [vocab.DCAT + "Dataset"],
        "publications": list(PUBLICATION_CLASSES),
        "instruments": [vocab.PAN + "Instrument"],
        "facilities": [vocab.PAN + "Facility"],
    }
    out = {}
    for key, iris in classes.items():
        values = " ".join(str(NamedNode(i)) for i in iris)
        rows = store.query(
            f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ VALUES ?c {{ {values} }} ?x a ?c }}"
        )
        out[key] = int(next(iter(rows))["n"].value)  # type: ignore[arg-type,index]
    out["sources"] = sum(1 for g in store.graphs() if g.startswith(f"{base}/graph/source/"))
    return out


@router.get("/", include_in_schema=False)
async def home(request: Request) -> Response:
    """The home page: a search box, what the graph holds, and links to every interface."""
    counts = await run_in_threadpool(_counts, request.app.state.store, base_of(request))
    return render(request, "home.html", counts=counts)


def _search(store: Store, words: list[str], page: int) -> list[dict[str, str]]:
    classes = " ".join(
        str(NamedNode(c))
        for c in (vocab.DCAT + "Dataset", *PUBLICATION_CLASSES, vocab.PAN + "Instrument")
    )
    tests = " && ".join(f"CONTAINS(?text, {Literal(w)})" for w in words)
    rows = store.query(
        f"""SELECT ?x (SAMPLE(?t) AS ?title) (SAMPLE(?d) AS ?description) (SAMPLE(?c) AS ?class)
        WHERE {{ VALUES ?c {{ {classes} }} ?x a ?c ; <{vocab.DCT}title> ?t .
          OPTIONAL {{ ?x <{vocab.DCT}description> ?d }}
          BIND(LCASE(CONCAT(STR(?t), " ", COALESCE(STR(?d), ""))) AS ?text)
          FILTER({tests}) }}
        GROUP BY ?x ORDER BY LCASE(STR(?title)) ?x LIMIT {PAGE_SIZE + 1}
        OFFSET {(page - 1) * PAGE_SIZE}"""
    )
    return [
        {
            "iri": r["x"].value,  # type: ignore[index]
            "title": r["title"].value,  # type: ignore[index]
            "description": r["description"].value if r["description"] else "",  # type: ignore[index]
            "class": r["class"].value.rsplit("/", 1)[-1].rsplit("#", 1)[-1],  # type: ignore[index]
        }
        for r in rows  # type: ignore[union-attr]
    ]


@router.get("/search", include_in_schema=False)
async def search(
    request: Request,
    q: Annotated[str, Query(max_length=MAX_SEARCH)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """Datasets, publications and instruments whose title or description holds every word."""
    words = [w for w in q.lower().split() if w][:20]
    results: list[dict[str, str]] = []
    if words:
        results = await run_in_threadpool(_search, request.app.state.store, words, page)
    base = base_of(request)
    for r in results:
        r["href"] = href(r["iri"], base)
    more = len(results) > PAGE_SIZE
    return render(request, "search.html", q=q, page=page, results=results[:PAGE_SIZE], more=more)


def _canonical_minted(raw: str) -> str:
    """The minted form of a requested ``/id/`` path: escapes upper-cased, and the local id
    re-encoded as ``vocab.mint`` does when a client sent it with other escaping."""
    return _ESCAPE.sub(lambda m: m.group(0).upper(), raw)


@router.get("/id/{rest:path}", include_in_schema=False)
async def minted(rest: str, request: Request) -> Response:
    """The landing page or RDF description of the node ``{base}/id/{rest}``."""
    raw = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0]
    tail = raw.split("/id/", 1)[1] if "/id/" in raw else quote(rest)
    base = base_of(request)
    candidates = [f"{base}/id/{_canonical_minted(tail)}"]
    parts = tail.split("/")
    if len(parts) >= 3:
        local = quote(unquote("/".join(parts[2:])), safe="")
        candidates.append(f"{base}/id/{parts[0]}/{parts[1]}/{local}")
    for candidate in candidates:
        try:
            node = NamedNode(candidate)
        except ValueError:
            continue
        if await run_in_threadpool(exists, request.app.state.store, node):
            return await landing(request, node)
    return error_page(request, 404, "not found", f"no node {candidates[0]} in the graph")


@router.get("/describe", include_in_schema=False)
async def describe_iri(
    request: Request, iri: Annotated[str, Query(min_length=1, max_length=MAX_IRI)]
) -> Response:
    """The landing page or RDF description of any node, by its IRI."""
    try:
        node = NamedNode(iri.strip())
    except ValueError as exc:
        return error_page(request, 400, "bad iri", f"not an absolute IRI: {exc}")
    return await landing(request, node)


_RDF_PARAM = {
    name: mt for mt, f in RDF_MEDIA_TYPES.items() for name, g in RDF_FORMATS.items() if f == g
}


async def landing(request: Request, node: NamedNode) -> Response:
    """HTML or RDF for ``node`` by content negotiation; 404 when the graph knows nothing."""
    fmt = request.query_params.get("format", "")
    accept = _RDF_PARAM.get(fmt) or ("text/html" if fmt == "html" else None)
    media = pick_media_type(
        accept or request.headers.get("accept", ""), {**HTML_TYPES, **RDF_MEDIA_TYPES}, "text/html"
    )
    store: Store = request.app.state.store
    base = base_of(request)
    if media is None:
        offered = ", ".join([*HTML_TYPES, *RDF_MEDIA_TYPES])
        return error_page(request, 406, "not acceptable", f"offered: {offered}")
    if media in RDF_MEDIA_TYPES:
        body = await run_in_threadpool(_rdf, store, node, media)
        if body is None:
            return error_page(request, 404, "not found", f"no node {node.value} in the graph")
        charset = "" if media.endswith("json") else "; charset=utf-8"
        return Response(body, media_type=media + charset, headers={"Vary": "Accept"})
    desc = await run_in_threadpool(describe, store, node, base)
    if desc is None:
        return error_page(request, 404, "not found", f"no node {node.value} in the graph")
    page_url = root(request) + href(node.value, base)
    jsonld = None
    if desc.is_a(vocab.DCAT + "Dataset", vocab.SCHEMA + "Dataset"):
        jsonld = await run_in_threadpool(dataset_jsonld, store, desc, page_url, base)
    return _page(request, desc, jsonld, page_url, base)


def _rdf(store: Store, node: NamedNode, media: str) -> bytes | None:
    triples = cbd(store, node)
    if not triples and not exists(store, node):
        return None
    prefixes = used_prefixes(triples, vocab.PREFIXES)
    return serialize(triples, format=RDF_MEDIA_TYPES[media], prefixes=prefixes) or b""


def _page(
    request: Request, desc: Description, jsonld: object, page_url: str, base: str
) -> Response:
    def link(term: object) -> str | None:
        return href(term.value, base) if isinstance(term, NamedNode) else None

    alternates = {
        name: f"{page_url}{'&' if '?' in page_url else '?'}format={name}" for name in RDF_FORMATS
    }
    return render(
        request,
        "node.html",
        d=desc,
        jsonld=jsonld,
        link=link,
        page_url=page_url,
        alternates=alternates,
        is_literal=lambda t: isinstance(t, Literal),
        is_iri=lambda t: isinstance(t, NamedNode),
        fair_link="/fair/dataset?iri=" + quote(desc.node.value, safe=""),
        ns=vocab.PREFIXES,
    )
