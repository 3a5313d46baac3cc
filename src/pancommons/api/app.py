"""The FastAPI application: ``create_app(settings)``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import Scope

from pancommons import __version__
from pancommons.api import dcat, fair, graph_store, oai, pages, queries, sparql
from pancommons.api.headers import SecurityHeaders
from pancommons.api.page_cache import PageCache
from pancommons.api.panosc import routes as panosc_routes
from pancommons.api.result_cache import ResultCache
from pancommons.api.write_access import BodyLimit
from pancommons.config import Settings
from pancommons.store import Store, StoreError, open_store


def error_response(status: int, error: str, detail: str) -> JSONResponse:
    """The one error shape of the API: ``{"error", "detail", "status"}``."""
    return JSONResponse({"error": error, "detail": detail, "status": status}, status_code=status)


def internal_error(scope: Scope, exc: Exception) -> JSONResponse:
    """The answer to an exception no route handled (logged with its traceback by
    ``SecurityHeaders``): the error shape, without the traceback or anything from it."""
    return error_response(500, "internal error", "an unexpected error occurred; it is logged")


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """The PaN Commons HTTP API over ``store`` (opened from ``settings`` when not given)."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = store is None
        app.state.store = store or open_store(settings)
        try:
            yield
        finally:
            if owned:
                app.state.store.close()

    app = FastAPI(
        title="PaN Commons",
        version=__version__,
        description="Photon and neutron science metadata knowledge graph and FAIR assessment.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.result_cache = ResultCache(settings.query_cache_mb * 2**20, settings.query_cache_ttl)
    if store is not None:
        app.state.store = store

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> JSONResponse:
        return error_response(503, "store unavailable", str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, "bad request", str(exc.errors()))

    @app.get("/health", tags=["meta"])
    def health(request: Request) -> JSONResponse:
        """Liveness and store reachability, with the number of named graphs."""
        st: Store = request.app.state.store
        try:
            # Counted again only when the store's version moved; a remote store's version is
            # read from the server, so the check still reaches it.
            graphs = st.derived("health-graph-count", lambda: len(st.graphs()))
        except StoreError as exc:
            return JSONResponse(
                {"status": "error", "store": st.location, "detail": str(exc)}, status_code=503
            )
        return JSONResponse(
            {
                "status": "ok",
                "version": __version__,
                "store": st.location,
                "graphs": graphs,
                "query_cache": request.app.state.result_cache.stats(),
            }
        )

    app.include_router(sparql.router)
    app.add_middleware(sparql.LeanFront)  # GET/POST /sparql skip FastAPI's per-request machinery
    app.include_router(graph_store.router)
    app.include_router(fair.router)
    app.include_router(queries.router)
    app.include_router(oai.router)
    app.include_router(dcat.router)
    app.include_router(panosc_routes.router)
    app.include_router(pages.router)
    app.add_middleware(PageCache)  # GET pages that only read the graph, until it changes
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)  # any route's body: 413
    app.add_middleware(SecurityHeaders, on_error=internal_error)  # outermost: every response
    return app
