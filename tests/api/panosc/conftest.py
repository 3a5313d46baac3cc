"""The demo graph (every bundled sample catalogue, linked and assessed) behind the PaNOSC
facade, shared by the facade's tests; built once per session in a temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pancommons.api.app import create_app
from pancommons.demo import build_demo
from pancommons.store.embedded import EmbeddedStore


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    root: Path = tmp_path_factory.mktemp("panosc-demo")
    store = EmbeddedStore(root / "store")
    build_demo(store, state_dir=str(root / "state"))
    yield store
    store.close()


@pytest.fixture(scope="session")
def api(demo_store: EmbeddedStore) -> Iterator[TestClient]:
    """The app over the demo graph (result cache on, as served)."""
    with TestClient(create_app(store=demo_store)) as client:
        yield client
