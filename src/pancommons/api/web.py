"""Shared helpers of the HTML pages: templates, links to landing pages, content negotiation.

Templates are rendered by Jinja2 with autoescaping on for every template, so nothing from the
graph or the request can inject markup; JSON-LD goes through ``tojson``, which escapes ``<``,
``>`` and ``&``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pyoxigraph import NamedNode, Triple

from pancommons import __version__
from pancommons.formats import pick_media_type

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.policies["json.dumps_kwargs"] = {"sort_keys": False, "ensure_ascii": False, "indent": 2}

HTML_TYPES = {"text/html": None, "application/xhtml+xml": None}
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
)


def base_of(request: Request) -> str:
    """The IRI base of minted IRIs (``{base}/id/...``) from the server's settings."""
    return str(request.app.state.settings.base).rstrip("/")


def root(request: Request) -> str:
    """The server's own root URL (without the trailing slash)."""
    return str(request.base_url).rstrip("/")


def href(iri: str, base: str) -> str:
    """The server-relative link to a node's landing page: ``/id/...`` for an IRI minted under
    ``base``, ``/describe?iri=...`` for any other."""
    prefix = base + "/id/"
    if iri.startswith(prefix) and "?" not in iri and "#" not in iri:
        return "/id/" + iri[len(prefix) :]
    return "/describe?iri=" + quote(iri, safe="")


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return pick_media_type(accept, {**HTML_TYPES, "application/json": None}, "text/html") in (
        "text/html",
        "application/xhtml+xml",
    )


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """An HTML page from ``template`` with the common context (version, links)."""
    html = ENV.get_template(template).render(
        version=__version__, root=root(request), request_path=request.url.path, **context
    )
    return HTMLResponse(
        html, status_code=status, headers={"Content-Security-Policy": PAGE_CSP, "Vary": "Accept"}
    )


def error_page(request: Request, status: int, error: str, detail: str) -> Response:
    """The error as an HTML page for browsers, else the API's JSON error shape."""
    if wants_html(request):
        return render(
            request, "error.html", status=status, status_code=status, error=error, detail=detail
        )
    return JSONResponse({"error": error, "detail": detail, "status": status}, status_code=status)


def used_prefixes(triples: list[Triple], prefixes: dict[str, str]) -> dict[str, str]:
    """The prefixes whose namespace some IRI of ``triples`` (or a datatype) is in."""
    iris = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, NamedNode):
                iris.add(term.value)
            elif (datatype := getattr(term, "datatype", None)) is not None:
                iris.add(datatype.value)
    return {p: ns for p, ns in prefixes.items() if any(i.startswith(ns) for i in iris)}
