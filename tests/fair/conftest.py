"""Shared FAIR test fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pancommons.api.app import create_app
from pancommons.config import Settings
from pancommons.demo import build_demo
from pancommons.store.embedded import EmbeddedStore


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    """The API over a read-only demo store (what-if tests never write), and the store's path.
    Modules that assess (and so write) define their own ``demo``."""
    root = tmp_path_factory.mktemp("fair-demo-ro")
    with EmbeddedStore(root / "store") as store:
        build_demo(store, state_dir=str(root / "state"))
    store = EmbeddedStore(root / "store", read_only=True)
    app = create_app(Settings.from_env(store=str(root / "store")), store=store)
    with TestClient(app) as client:
        yield client, root / "store"
    store.close()


@pytest.fixture(scope="module")
def demo_rw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EmbeddedStore, Path]]:
    """A demo store of the module's own, assessed once (for modules that assess, and so write),
    and its folder."""
    root = tmp_path_factory.mktemp("fair-demo-rw")
    store = EmbeddedStore(root / "store")
    build_demo(store, state_dir=str(root / "state"))  # assesses once
    yield store, root
    store.close()
