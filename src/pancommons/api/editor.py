"""The SPARQL query editor page: YASGUI, packaged with PaN Commons, prefilled with the named
queries.

The editor's scripts and styles are vendored under ``static/yasgui/`` (see its PROVENANCE.md)
and the page loads nothing from another host, so it works with no internet; its
Content-Security-Policy allows requests to this server only. ``GET /sparql`` with
``Accept: text/html`` and no query is answered by :func:`editor_page`; ``/editor`` always shows
it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from pancommons import __version__
from pancommons.api.web import ENV, HTML_TYPES
from pancommons.formats import RESULT_MEDIA_TYPES, pick_media_type
from pancommons.queries import named_queries

router = APIRouter(tags=["sparql"])

EDITOR_CSP = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'self'"
)


def _queries() -> list[dict[str, object]]:
    """Every named query's header (``as_dict``, as ``/queries`` gives it) and its text."""
    return [{**q.as_dict(), "text": q.text} for q in named_queries().values()]


def render_editor(request: Request) -> HTMLResponse:
    """The editor page, its endpoint this server's ``/sparql``."""
    root = str(request.base_url).rstrip("/")
    queries = _queries()
    html = ENV.get_template("editor.html").render(
        version=__version__,
        root=root,
        request_path=request.url.path,
        queries=queries,
        config={"endpoint": root + "/sparql", "describe": "/describe?iri=", "queries": queries},
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": EDITOR_CSP, "Vary": "Accept"})


def editor_page(request: Request) -> Response | None:
    """The editor for a browser's plain ``GET /sparql``, None for any other request (a query,
    or a client that prefers SPARQL results or RDF over HTML)."""
    if request.method != "GET" or "query" in request.query_params:
        return None
    offered: dict[str, object] = {**RESULT_MEDIA_TYPES, **HTML_TYPES}
    media = pick_media_type(request.headers.get("accept", ""), offered, "")
    if media not in HTML_TYPES:
        return None
    return render_editor(request)


@router.get("/editor", include_in_schema=False)
async def editor(request: Request) -> Response:
    """The query editor (the same page as ``GET /sparql`` from a browser)."""
    return render_editor(request)
