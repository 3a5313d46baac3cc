"""The demo catalogue for the DCAT-AP tests, built once per session, with fixed harvest times.

``build_demo`` harvests every demo source within a second, so the PROV of the meta graph is
rewritten to give each source's run a known end time (``HARVEST_ENDS``): that is what
``modified_since`` and the records' ``dct:modified`` read, and the tests need distinct values.
The store is then reopened read-only: nothing the API does may write to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode

from pancommons import vocab
from pancommons.api.app import create_app
from pancommons.config import Settings
from pancommons.demo import build_demo
from pancommons.store.base import Store
from pancommons.store.embedded import EmbeddedStore

BASE = vocab.DEFAULT_BASE
HARVEST_ENDS = {
    "demo-panosc-reference": "2024-01-01T00:00:00Z",
    "demo-icat": "2024-06-01T12:00:00Z",
    "demo-datacite": "2025-01-10T08:00:00Z",
    "demo-esrf": "2025-02-01T00:00:00Z",
    "demo-ess": "2025-03-01T00:00:00Z",
    "demo-scicat": "2025-04-01T00:00:00Z",
    "demo-nexus": "2025-05-01T00:00:00Z",
    "demo-oai": "2025-06-15T10:30:00Z",
}
"""End of each demo source's (only) harvest run, as the tests' fixture sets it."""
VALIDATION_REPORT: list[str] = []
"""Lines the SHACL validation tests add; printed at the end of the session."""


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if VALIDATION_REPORT:
        terminalreporter.section("DCAT-AP 3.0.1 validation (SEMIC shapes, pyshacl)")
        for line in VALIDATION_REPORT:
            terminalreporter.write_line(line)


def set_harvest_end(store: Store, source: str, when: str) -> None:
    meta = NamedNode(vocab.meta_graph(BASE))
    name = Literal(source)
    end = Literal(when, datatype=NamedNode(vocab.XSD + "dateTime"))
    ended = NamedNode(vocab.PROV + "endedAtTime")
    source_name = NamedNode(vocab.PAN + "sourceName")
    store.update(
        f"DELETE {{ GRAPH {meta} {{ ?run {ended} ?e }} }} "
        f"INSERT {{ GRAPH {meta} {{ ?run {ended} {end} }} }} "
        f"WHERE {{ GRAPH {meta} {{ ?run {source_name} {name} ; {ended} ?e }} }}"
    )


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dcat-demo")
    with EmbeddedStore(root / "store") as store:
        build_demo(store, BASE, state_dir=str(root / "state"))
        for source, when in HARVEST_ENDS.items():
            set_harvest_end(store, source, when)
    return root / "store"


@pytest.fixture(scope="session")
def demo_store(demo_path: Path) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(demo_path, read_only=True)
    yield store
    store.close()


@pytest.fixture(scope="session")
def client(demo_store: EmbeddedStore, demo_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings.from_env(store=str(demo_path), base=BASE), store=demo_store)
    with TestClient(app) as c:
        yield c
