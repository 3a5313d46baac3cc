"""OAI-PMH 2.0 provider at ``/oai`` (GET, and POST ``application/x-www-form-urlencoded``).

The protocol is in ``pancommons.oai.protocol``; this module only turns HTTP into its argument
list. OAI errors are HTTP 200 with an ``<error>`` (the protocol's rule); a store failure is 503
with ``Retry-After``, the protocol's flow control. A character that XML 1.0 cannot carry (a
control character, U+FFFE, U+FFFF) in an argument's name or value is read as U+FFFD, as bytes
that are not UTF-8 already are: no argument of the protocol can hold one, so the answer is the
OAI error the argument earns (badArgument, badVerb, idDoesNotExist...), never a 500.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from pancommons.api import openapi
from pancommons.config import Settings
from pancommons.oai.lists import Lists
from pancommons.oai.protocol import Provider, respond
from pancommons.store.base import StoreError

router = APIRouter(tags=["oai-pmh"])
XML = "text/xml; charset=utf-8"
MAX_FORM = 64 * 1024
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


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


def _readable(args: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``args`` with every character XML cannot carry replaced by U+FFFD."""
    return [(_NOT_XML.sub("\ufffd", k), _NOT_XML.sub("\ufffd", v)) for k, v in args]


async def _answer(request: Request, args: list[tuple[str, str]]) -> Response:
    p = provider(request)
    args = _readable(args)
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


_ARGUMENTS = {
    "verb": "Identify, ListMetadataFormats, ListSets, GetRecord, ListIdentifiers, ListRecords",
    "identifier": "oai:{repository id}:{dataset IRI}",
    "metadataPrefix": "oai_dc or oai_datacite",
    "from": "YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ",
    "until": "YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ",
    "set": "a setSpec of ListSets",
    "resumptionToken": "the token of the previous page",
}
_ANSWERS = openapi.answers({200: ["text/xml"]}, (503,), error_media=("text/plain",))
"""OAI errors are 200 with an <error> (the protocol's rule)."""


@router.get(
    "/oai",
    summary="OAI-PMH 2.0 (oai_dc, oai_datacite)",
    response_class=Response,
    responses=_ANSWERS,
    openapi_extra=openapi.extra(*(openapi.param(k, v) for k, v in _ARGUMENTS.items())),
)
async def oai_get(request: Request) -> Response:
    """The six OAI-PMH verbs: ``?verb=Identify``, ``ListMetadataFormats``, ``ListSets``,
    ``GetRecord``, ``ListIdentifiers``, ``ListRecords``."""
    return await _answer(request, request.query_params.multi_items())


@router.post(
    "/oai",
    summary="OAI-PMH 2.0 over POST (form-encoded)",
    response_class=Response,
    responses={
        **_ANSWERS,
        **openapi.answers(errors=(413,), error_media=("text/plain",)),
    },
    openapi_extra=openapi.extra(body=openapi.body(form=_ARGUMENTS, required=False)),
)
async def oai_post(request: Request) -> Response:
    body = await request.body()
    if len(body) > MAX_FORM:
        return Response(
            "request body too large for OAI-PMH arguments",
            status_code=413,
            media_type="text/plain",
        )
    try:
        args = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        args = [("verb", "")]
    return await _answer(request, args)
