"""``/fair``: the metric catalogue, a dataset's assessment, and what-if assessment."""

from __future__ import annotations

from functools import cache
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pyoxigraph import NamedNode

from pancommons.api import openapi
from pancommons.fair.shapes import Shapes, load_shapes
from pancommons.fair.tests import METRIC_SET_VERSION, fair_tests
from pancommons.fair.whatif import (
    SubmissionError,
    as_json,
    assess_record,
    guess_format,
    score_one,
)

router = APIRouter(prefix="/fair", tags=["fair"])


@cache
def _shapes() -> Shapes:
    """The catalogue, parsed once per process (the compiled queries are cached with it)."""
    return load_shapes()


MAX_BODY = 5 * 1024 * 1024


def _error(status: int, error: str, detail: str) -> JSONResponse:
    from pancommons.api.app import error_response

    return error_response(status, error, detail)


@router.get("/metrics")
def metrics() -> JSONResponse:
    """The metric catalogue: every test with its metric, principle, points, maturity, mappings."""
    tests = fair_tests(_shapes().graph)
    return JSONResponse(
        {
            "metric_set": METRIC_SET_VERSION,
            "tests": [
                {
                    "test": t.iri,
                    "metric": t.metric,
                    "principle": t.principle,
                    "points": t.points,
                    "maturity": t.maturity,
                    "mapsTo": list(t.maps_to),
                    "online": t.online,
                    "remediation": t.remediation,
                }
                for t in sorted(tests.values(), key=lambda t: (t.principle, t.iri))
            ],
        }
    )


@router.get("/scores", responses=openapi.answers(errors=(400,)))
async def scores(
    request: Request,
    scope: str = Query("all", description="all, facility:NAME, instrument:IRI, …"),
    by: Annotated[list[str], Query(description="facility, instrument, technique, year…")] = [],  # noqa: B006
) -> JSONResponse:
    """The latest scores of a scope: per principle and metric, distribution, top fixes, trend
    over runs, the F-UJI v0.8 view, and breakdowns per group."""
    from pancommons.fair.aggregate import scores_summary
    from pancommons.fair.scope import GROUPS, ScopeError, parse_scope

    try:
        parsed = parse_scope(scope)
    except ScopeError as exc:
        return _error(400, "bad request", str(exc))
    bad = [b for b in by if b not in GROUPS]
    if bad:
        return _error(400, "bad request", f"by={bad[0]!r}: one of {', '.join(GROUPS)}")
    store = request.app.state.store
    base = request.app.state.settings.base

    def run() -> JSONResponse:
        tests = fair_tests(_shapes().graph)
        return JSONResponse(scores_summary(store, tests, base, parsed, by))

    return await run_in_threadpool(run)


@router.get("/dataset", responses=openapi.answers(errors=(400, 404)))
async def dataset(request: Request, iri: str = Query(..., min_length=1)) -> JSONResponse:
    """A stored dataset assessed now: score, every test with its outcome, failing paths, fixes."""
    from pancommons.fair.engine import focus_nodes

    store = request.app.state.store
    if not iri.startswith(("http://", "https://")):
        return _error(400, "bad request", f"iri must be an http(s) IRI, not {iri!r}")
    try:
        NamedNode(iri)
    except ValueError as exc:
        return _error(400, "bad request", f"iri={iri!r} is not an IRI: {exc}")

    def run() -> JSONResponse:
        shapes = _shapes()
        if not set().union(*focus_nodes(store, shapes, focus={iri}).values()):
            return _error(404, "not found", f"no dataset <{iri}> in the graph")
        return JSONResponse(as_json(score_one(store, shapes, fair_tests(shapes.graph), iri)))

    return await run_in_threadpool(run)


@router.post(
    "/assess",
    responses=openapi.answers(errors=(400, 413)),
    openapi_extra=openapi.extra(
        body=openapi.body(
            "application/xml",
            "application/vnd.datacite.datacite+xml",
            "application/json",
            "application/vnd.datacite.datacite+json",
            "text/turtle",
            "application/ld+json",
        )
    ),
)
async def assess(request: Request) -> JSONResponse:
    """Assess a submitted record (DataCite XML or JSON, Turtle, JSON-LD) without storing it,
    with what would newly pass or fail against the stored record of the same dataset."""
    body = await request.body()
    if not body:
        return _error(400, "bad request", "empty body: submit a DataCite XML/JSON or RDF record")
    if len(body) > MAX_BODY:
        return _error(413, "payload too large", f"at most {MAX_BODY} bytes")
    fmt = guess_format(body, request.headers.get("content-type"))
    base = request.app.state.settings.base

    def run() -> JSONResponse:
        try:
            store = request.app.state.store
            return JSONResponse(assess_record(body, fmt, base=base, store=store, shapes=_shapes()))
        except SubmissionError as exc:
            return _error(400, "bad submission", f"{fmt}: {exc}")

    return await run_in_threadpool(run)


@router.get(
    "/report",
    response_class=Response,
    responses=openapi.answers(
        {200: ["text/html", "text/markdown", "application/json", "text/turtle"]}, (400,)
    ),
)
async def report(
    request: Request,
    scope: str = Query(
        "all", description="all, facility:NAME|IRI, instrument:IRI, technique:IRI, source:NAME"
    ),
    format: str | None = Query(
        None, description="html, md, json or ttl (default: by Accept, else html)"
    ),
) -> Response:
    """The FAIR self-evaluation report of a scope (DESIGN §8): headline scores per principle,
    metric pass rates, distribution, trend, top fixes, lowest-scoring datasets, embargo status,
    breakdowns and the comparison with the other facilities. JSON: ``/fair/schemas/report.json``."""
    from pancommons.fair.report import FORMATS, MEDIA_TYPES, build_report
    from pancommons.fair.report_render import render
    from pancommons.fair.scope import ScopeError, parse_scope
    from pancommons.formats import pick_media_type

    try:
        parsed = parse_scope(scope)
    except ScopeError as exc:
        return _error(400, "bad request", str(exc))
    if format is None:  # by Accept, q-values and all; html when nothing offered matches
        offered = {media.split(";")[0]: f for f, media in MEDIA_TYPES.items()}
        media = pick_media_type(request.headers.get("accept", ""), offered, "text/html")
        format = offered[media] if media else "html"
    if format not in FORMATS:
        return _error(400, "bad request", f"format={format!r}: one of {', '.join(FORMATS)}")
    store = request.app.state.store
    base = request.app.state.settings.base

    def run() -> Response:
        # One report's data for every format of it (HTML, Markdown, JSON, Turtle).
        data = store.derived(
            ("fair-report", base, str(parsed)), lambda: build_report(store, _shapes(), base, parsed)
        )
        return Response(render(data, format, base), media_type=MEDIA_TYPES[format])

    return await run_in_threadpool(run)


@router.get(
    "/schemas/{name}.json",
    response_class=Response,
    responses=openapi.answers({200: ["application/schema+json"]}, (404,)),
)
def schema(name: str) -> Response:
    """The JSON Schemas of the /fair answers: ``report`` and ``assessment``."""
    from pancommons.fair.report import SCHEMA

    if name not in ("report", "assessment"):
        return _error(404, "not found", f"no schema {name!r}: report or assessment")
    path = SCHEMA.with_name(f"{name}.json")
    return Response(path.read_bytes(), media_type="application/schema+json")
