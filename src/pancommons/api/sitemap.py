"""``/sitemap.xml``: the landing page of every dataset, for dataset search engines.

``lastmod`` is the dataset's ``dct:modified``, else ``dct:issued``, else the end of the latest
harvest run that wrote it, as a W3C Datetime. Past ``PAGE_LIMIT`` URLs (the protocol's 50,000),
``/sitemap.xml`` is a sitemap index and the URLs are in ``/sitemap.xml?page=N``. The XML is built
with lxml, never by string concatenation.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from lxml import etree
from pyoxigraph import NamedNode

from pancommons import vocab
from pancommons.api import openapi
from pancommons.api.web import base_of, href, root
from pancommons.store.base import Store

router = APIRouter(tags=["meta"])

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
PAGE_LIMIT = 50_000
"""URLs per sitemap file (the sitemaps.org maximum)."""

_W3C_DATETIME = re.compile(
    r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$"
)
_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}")


def w3c_datetime(value: str) -> str | None:
    """``value`` as a W3C Datetime (a dateTime without a time zone is cut to its date)."""
    value = value.strip()
    if _W3C_DATETIME.match(value):
        return value
    m = _DATE_TIME.match(value)
    return m.group(1) if m else None


def dataset_count(store: Store) -> int:
    rows = store.query(f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?d a <{vocab.DCAT}Dataset> }}")
    return int(next(iter(rows))["n"].value)  # type: ignore[call-overload]


def entries(store: Store, base: str, offset: int, limit: int) -> list[tuple[str, str | None]]:
    """(dataset IRI, lastmod) for ``limit`` datasets from ``offset``, in IRI order."""
    dct, prov = vocab.DCT, vocab.PROV
    meta = NamedNode(vocab.meta_graph(base))
    rows = store.query(
        f"""SELECT ?d (MAX(STR(?m)) AS ?mod) (MAX(STR(?i)) AS ?iss) (MAX(STR(?e)) AS ?end) WHERE {{
          {{ SELECT DISTINCT ?d WHERE {{ ?d a <{vocab.DCAT}Dataset> FILTER(isIRI(?d)) }}
             ORDER BY ?d LIMIT {limit} OFFSET {offset} }}
          OPTIONAL {{ ?d <{dct}modified> ?m }}
          OPTIONAL {{ ?d <{dct}issued> ?i }}
          OPTIONAL {{ GRAPH ?g {{ ?d a <{vocab.DCAT}Dataset> }}
                      GRAPH {meta} {{ ?run <{prov}generated> ?g ; <{prov}endedAtTime> ?e }} }}
        }} GROUP BY ?d ORDER BY ?d"""
    )
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    out = []
    for r in rows:  # type: ignore[union-attr]
        lastmod = None
        for key in ("mod", "iss", "end"):
            value = w3c_datetime(r[key].value) if r[key] is not None else None
            if value and value[:10] <= today:  # a date in the future (an embargo end) is no lastmod
                lastmod = value
                break
        out.append((r["d"].value, lastmod))
    return out


def urlset(items: list[tuple[str, str | None]], server: str, base: str) -> bytes:
    urls = etree.Element(f"{{{NS}}}urlset", nsmap={None: NS})
    for iri, lastmod in items:
        url = etree.SubElement(urls, f"{{{NS}}}url")
        etree.SubElement(url, f"{{{NS}}}loc").text = server + href(iri, base)
        if lastmod:
            etree.SubElement(url, f"{{{NS}}}lastmod").text = lastmod
    return etree.tostring(urls, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def sitemap_index(pages: int, server: str) -> bytes:
    index = etree.Element(f"{{{NS}}}sitemapindex", nsmap={None: NS})
    for page in range(1, pages + 1):
        entry = etree.SubElement(index, f"{{{NS}}}sitemap")
        etree.SubElement(entry, f"{{{NS}}}loc").text = f"{server}/sitemap.xml?page={page}"
    return etree.tostring(index, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def build(store: Store, base: str, server: str, page: int | None) -> bytes | None:
    """The sitemap (or index, or page ``page``); None for a page past the end."""
    total = dataset_count(store)
    pages = max(1, -(-total // PAGE_LIMIT))
    if page is None:
        if pages > 1:
            return sitemap_index(pages, server)
        page = 1
    if page > pages:
        return None
    return urlset(entries(store, base, (page - 1) * PAGE_LIMIT, PAGE_LIMIT), server, base)


@router.get(
    "/sitemap.xml",
    response_class=Response,
    responses=openapi.answers({200: ["application/xml"]}, (400, 404)),
)
async def sitemap(request: Request, page: Annotated[int | None, Query(ge=1)] = None) -> Response:
    """Dataset landing pages with ``lastmod`` (a sitemap index past 50,000 datasets)."""
    body = await run_in_threadpool(
        build, request.app.state.store, base_of(request), root(request), page
    )
    if body is None:
        return Response(
            b'{"error": "not found", "detail": "no such sitemap page", "status": 404}',
            status_code=404,
            media_type="application/json",
        )
    return Response(body, media_type="application/xml")
