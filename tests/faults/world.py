"""What every fault scenario shares: a catalogue that changes between two harvests, the graph
the first harvest left (which a fault must leave exactly as it was, and queryable), and the
graph a clean harvest of the changed catalogue gives (which recovery must reach: no record
lost).

The catalogue server is a real HTTP server on 127.0.0.1 (tests/harvest/catalogue_server.py)
serving recorded PaNOSC records, paged, with faults on demand."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pancommons import vocab
from pancommons.harvest.config import SourceConfig, parse_source
from pancommons.harvest.http import RetryPolicy
from pancommons.harvest.runner import harvest
from pancommons.store.base import Store
from tests.harvest.catalogue_server import Catalogue, ServerState
from tests.harvest.test_cli_harvest import big_catalogue
from tests.harvest.test_runner import triples

BASE = vocab.DEFAULT_BASE
NAME = "faulty"
GRAPH = vocab.source_graph(NAME, BASE)
N = 40
"""Datasets in each version of the catalogue (8 pages of 5)."""
PAGE = 5


def first() -> Catalogue:
    return Catalogue("panosc", big_catalogue(N, "first"))


def second() -> Catalogue:
    return Catalogue("panosc", big_catalogue(N, "second"))


def fast_retries(retries: int = 2) -> RetryPolicy:
    return RetryPolicy(retries=retries, backoff=0.01, max_wait=1.0)


@dataclass
class World:
    """One scenario's catalogue server, directory and store location."""

    url: str
    server: ServerState
    tmp: Path

    @property
    def store_path(self) -> Path:
        return self.tmp / "store"

    @property
    def state_dir(self) -> str:
        return str(self.tmp / "state")

    def config(self, **extra: Any) -> SourceConfig:
        data: dict[str, Any] = {
            "name": NAME,
            "kind": "panosc",
            "url": f"{self.url}/cat/api",
            "page_size": PAGE,
            "retries": 2,
            "timeout": 2,
            "facility": {"name": "ESS", "ror": "https://ror.org/01wv9cn34"},
        }
        data.update(extra)
        return parse_source(data)

    def toml(self, *, timeout: float = 10, name: str = NAME) -> Path:
        """The source as a file for ``pancommons harvest``."""
        path = self.tmp / f"{name}.toml"
        path.write_text(
            f'name = "{name}"\nkind = "panosc"\nurl = "{self.url}/cat/api"\n'
            f"page_size = {PAGE}\nretries = 2\ntimeout = {timeout}\n"
            '[facility]\nname = "ESS"\nror = "https://ror.org/01wv9cn34"\n'
        )
        return path

    def env(self) -> dict[str, str]:
        return {**os.environ, "PANCOMMONS_STATE": self.state_dir}

    def harvest(self, store: Store, **kw: Any):  # type: ignore[no-untyped-def]
        kw.setdefault("policy", fast_retries())
        return harvest(
            store, kw.pop("config", None) or self.config(), state_dir=self.state_dir, **kw
        )


def titles(store: Store, graph: str = GRAPH) -> list[str]:
    """The datasets' titles, by SPARQL: the graph answers queries."""
    rows = store.query(
        "PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/> "
        f"SELECT ?t WHERE {{ GRAPH <{graph}> {{ ?d a dcat:Dataset ; dct:title ?t }} }}"
    )
    return sorted(r["t"].value for r in rows)  # type: ignore[index, union-attr]


def assert_intact(store: Store, expected: set[str], version: str = "first") -> None:
    """The graph is exactly the one the last good harvest left, and answers queries."""
    assert triples(store, GRAPH) == expected, "the previous graph changed"
    got = titles(store)
    assert len(got) == N and all(t.startswith(f"{version} ") for t in got), got[:3]


def assert_complete(store: Store, expected: set[str]) -> None:
    """Every record of the changed catalogue is in the graph, as a clean harvest maps it."""
    assert triples(store, GRAPH) == expected, "records lost or changed"
    got = titles(store)
    assert got == sorted(f"second {i}" for i in range(N))
