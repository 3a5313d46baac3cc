"""The demo app the HTTP fuzz targets share, and the checks every answer must pass.

The demo graph (every bundled sample catalogue, linked and assessed) is built once per process,
whichever fuzz module asks first, in a temporary directory; the app over it has no update token,
so the fuzzers' writes are refused (403) and the graph stays the same for every target.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pancommons.api.app import create_app
from pancommons.config import Settings
from pancommons.demo import build_demo
from pancommons.store.embedded import EmbeddedStore

QUERY_TIMEOUT = 5.0
"""Seconds a fuzzed query may run: a heavy random query is a 503, not a stalled session."""

_STORE: dict[str, tuple[EmbeddedStore, Path]] = {}
_APPS: dict[tuple[tuple[str, Any], ...], FastAPI] = {}


def demo_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[EmbeddedStore, Path]:
    """The demo store and its directory, built on first use and shared by every fuzz module."""
    if "demo" not in _STORE:
        root: Path = tmp_path_factory.mktemp("fuzz-http-demo")
        store = EmbeddedStore(root / "store")
        build_demo(store, state_dir=str(root / "state"))
        _STORE["demo"] = store, root
    return _STORE["demo"]


def demo_app(tmp_path_factory: pytest.TempPathFactory, **settings: Any) -> FastAPI:
    """The app over the demo store with ``settings`` (one app per set of settings)."""
    key = tuple(sorted(settings.items()))
    app = _APPS.get(key)
    if app is None:
        store, root = demo_store(tmp_path_factory)
        config = Settings(
            **{
                "store": str(root / "store"),
                "state": str(root / "state"),
                "query_timeout": QUERY_TIMEOUT,
                **settings,
            }
        )
        app = _APPS[key] = create_app(config, store=store)
    return app


@contextmanager
def demo_client(tmp_path_factory: pytest.TempPathFactory, **settings: Any) -> Iterator[TestClient]:
    """A client of the demo app with ``settings`` that raises the server's exception (with its
    traceback) on any error that no middleware answers, so a crash fails the target where it
    happened (the app's own 500 handler turns the others into a 500, which check_answer
    refuses; its log record, in the test's captured log, has the traceback)."""
    with TestClient(demo_app(tmp_path_factory, **settings), raise_server_exceptions=True) as c:
        yield c


def check_answer(response: httpx.Response | Any, what: str = "") -> None:
    """What every answer must be: no server error, no Python traceback in the body, and a
    client error that says what was wrong (a non-empty body)."""
    status = response.status_code
    body = response.content
    where = f" ({what})" if what else ""
    assert status < 500 or (status == 503 and b"query timeout" in body), (
        f"{status}{where}: {body[:500]!r}"
    )
    assert b"Traceback (most recent call last)" not in body, f"traceback in the body{where}"
    method = response.request.method if response.request is not None else "GET"
    if 400 <= status < 500 and status not in (404, 405) and method != "HEAD":
        assert body.strip(), f"{status} with an empty body{where}"
