"""OAI-PMH 2.0 provider at ``/oai`` (GET, and POST ``application/x-www-form-urlencoded``).

The protocol is in ``pancommons.oai.protocol``; this module only turns HTTP into its argument
list. OAI errors are HTTP 200 with an ``<error>`` (the protocol's rule); a store failure is 503
with ``Retry-After``, the protocol's flow control.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from pancommons.config import Settings
from pancommons.oai.lists import Lists
from pancommons.oai.protocol import Provider, respond
from pancommons.store.base import StoreError

router = APIRouter(tags=["oai-pmh"])
XML = "text/xml; charset=utf-8"
MAX_FORM = 64 * 1024


def _lists(request: Request) -> Lists:
    lists = getattr(request.app.state, "oai_lists", None)
    if lists is None:
        settings: Settings = request.app.state.settings
        try:
            lists = Lists(Path(settings.state) / "oai")
        except OSError:  # no writable state directory: lists last as long as the process
            lists = Lists(None)
        request.app.state.oai_lists = lists
    return lists


def provider(request: Request) -> Provider:
    settings: Settings = request.app.state.settings
    url = str(request.url.replace(query="", fragment=""))
    return Provider(
        store=request.app.state.store,
        base=settings.base,
        base_url=url,
        repository_name=settings.oai_repository_name,
        repository_id=settings.oai_repository_id or urlsplit(settings.base).hostname or "localhost",
        admin_email=settings.oai_admin_email,
        page_size=max(1, settings.oai_page_size),
        lists=_lists(request),
    )


async def _answer(request: Request, args: list[tuple[str, str]]) -> Response:
    p = provider(request)
    try:
        body = await run_in_threadpool(respond, args, p)
    except StoreError as exc:
        return Response(
            f"the store is unavailable ({exc}); retry later",
            status_code=503,
            media_type="text/plain",
            headers={"Retry-After": "60"},
        )
    return Response(body, media_type=XML)


@router.get("/oai", summary="OAI-PMH 2.0 (oai_dc, oai_datacite)")
async def oai_get(request: Request) -> Response:
    """The six OAI-PMH verbs: ``?verb=Identify``, ``ListMetadataFormats``, ``ListSets``,
    ``GetRecord``, ``ListIdentifiers``, ``ListRecords``."""
    return await _answer(request, request.query_params.multi_items())


@router.post("/oai", summary="OAI-PMH 2.0 over POST (form-encoded)")
async def oai_post(request: Request) -> Response:
    body = await request.body()
    if len(body) > MAX_FORM:
        return Response("request body too large for OAI-PMH arguments", status_code=413)
    try:
        args = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        args = [("verb", "")]
    return await _answer(request, args)
