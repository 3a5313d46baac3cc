"""The PaNOSC Search API over the graph: ``/api/Datasets``, ``/api/Documents``,
``/api/Instruments`` (+ ``/count`` and ``/{pid}``) and ``/api/Datasets/{pid}/files``.

Requests take the LoopBack ``filter`` (JSON) and, on ``/count``, ``where`` (JSON); ``query``
is also accepted as its own parameter, as the SciCat implementation does. A malformed filter
is a 400 whose message names the offending part, in LoopBack's error shape
``{"error": {"statusCode", "name", "message"}}`` that PaNOSC clients read.

Answers go through the result cache (``api/result_cache.py``) like /sparql: a repeated
federated query costs a lookup until the graph changes.
"""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from pancommons.api import openapi
from pancommons.api.panosc.filters import Filter, FilterError, load_json, parse
from pancommons.api.panosc.records import TOP_MODELS, Reader
from pancommons.api.result_cache import through_cache
from pancommons.api.sparql_run import LimitExceeded, Limits, in_time, timeout_error
from pancommons.api.write_access import settings_of

router = APIRouter(prefix="/api", tags=["panosc"])
_MEDIA = "application/json"


def loopback_error(status: int, name: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"statusCode": status, "name": name, "message": message}}, status_code=status
    )


def _filter(request: Request, model: str, *, where_only: bool = False) -> Filter:
    params = request.query_params
    for key in ("filter", "where", "query"):
        if len(params.getlist(key)) > 1:
            raise FilterError(f"{key}: given more than once")
    if where_only:
        raw_where = params.get("where")
        data: dict[str, Any] = {}
        if raw_where:
            data["where"] = load_json(raw_where, "where")
        elif params.get("filter"):  # some clients send the whole filter to /count
            data = _json(params["filter"], "filter")
            data = {k: v for k, v in data.items() if k in ("where", "query")}
    else:
        data = _json(params.get("filter") or "{}", "filter")
    if params.get("query") and "query" not in data:
        data["query"] = params["query"]
    return parse(data, model)


def _json(text: str, name: str) -> dict[str, Any]:
    data = load_json(text, name)
    if not isinstance(data, dict):
        raise FilterError(f"{name}: a JSON object")
    return data


async def _answer(request: Request, compute: Any) -> Response:
    """Run ``compute(reader)`` on a query thread under the server's time limit, through the
    result cache; FilterError → 400, a missing record (None) → 404."""
    settings = settings_of(request)
    limits = Limits(settings.query_timeout, settings.max_rows)
    store = request.app.state.store
    deadline = time.monotonic() + limits.timeout

    def check() -> None:
        if time.monotonic() > deadline:
            raise LimitExceeded(timeout_error(limits))

    def run() -> Response:
        try:
            result = compute(Reader(store, check))
        except FilterError as exc:
            return loopback_error(400, "BadRequestError", str(exc))
        except LimitExceeded as exc:
            return exc.response
        if result is None:
            return loopback_error(404, "NotFoundError", "no record with this pid")
        body = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
        return Response(body.encode(), media_type=_MEDIA)

    key = ("panosc", request.url.path, str(request.url.query))
    return await through_cache(
        request.app.state.result_cache, store, key, "", lambda: in_time(run, limits)
    )


_FILTER = openapi.param("filter", "a LoopBack filter (JSON): where, include, limit, skip, order")
_WHERE = openapi.param("where", "a LoopBack where clause (JSON)")
_QUERY = openapi.param("query", "words to search for (results ordered by score)")
_ANSWERS = openapi.answers({200: [_MEDIA]})
_ANSWERS.update(openapi.answers(errors=(400, 404), error_schema=openapi.LOOPBACK_ERROR))
_ANSWERS.update(openapi.answers(errors=(503,)))
_SEARCH: openapi.Doc = {"responses": _ANSWERS, "openapi_extra": openapi.extra(_FILTER, _QUERY)}
_COUNT: openapi.Doc = {
    "responses": _ANSWERS,
    "openapi_extra": openapi.extra(_WHERE, _FILTER, _QUERY),
}


def _routes(collection: str) -> None:
    model = TOP_MODELS[collection]

    @router.get(f"/{collection}", name=f"panosc-{collection}", **_SEARCH)
    async def search(request: Request) -> Response:
        try:
            flt = _filter(request, model)
        except FilterError as exc:
            return loopback_error(400, "BadRequestError", str(exc))
        return await _answer(request, lambda r: r.search(model, flt))

    @router.get(f"/{collection}/count", name=f"panosc-{collection}-count", **_COUNT)
    async def count(request: Request) -> Response:
        try:
            flt = _filter(request, model, where_only=True)
        except FilterError as exc:
            return loopback_error(400, "BadRequestError", str(exc))
        return await _answer(request, lambda r: {"count": r.count(model, flt)})

    if collection == "Datasets":

        @router.get("/Datasets/{pid:path}/files/count", name="panosc-files-count", **_COUNT)
        async def files_count(request: Request, pid: str) -> Response:
            try:
                flt = _filter(request, "File", where_only=True)
            except FilterError as exc:
                return loopback_error(400, "BadRequestError", str(exc))
            return await _answer(
                request,
                lambda r: _count_of(r.count_related("Dataset", pid, "files", flt)),
            )

        @router.get("/Datasets/{pid:path}/files", name="panosc-files", **_SEARCH)
        async def files(request: Request, pid: str) -> Response:
            try:
                flt = _filter(request, "File")
            except FilterError as exc:
                return loopback_error(400, "BadRequestError", str(exc))
            return await _answer(request, lambda r: r.related("Dataset", pid, "files", flt))

    @router.get(f"/{collection}/{{pid:path}}", name=f"panosc-{collection}-pid", **_SEARCH)
    async def by_pid(request: Request, pid: str) -> Response:
        try:
            flt = _filter(request, model)
        except FilterError as exc:
            return loopback_error(400, "BadRequestError", str(exc))
        return await _answer(request, lambda r: r.by_pid(model, pid, flt))


def _count_of(n: int | None) -> dict[str, int] | None:
    return None if n is None else {"count": n}


for _collection in TOP_MODELS:
    _routes(_collection)
