"""Every live source kind harvested over real HTTP from the local catalogue server (recorded
responses with paging and faults) gives the same graph as its snapshot read from disk."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from pancommons import vocab
from pancommons.harvest.config import find_source, parse_source
from pancommons.harvest.http import HttpClient, RetryPolicy
from pancommons.harvest.runner import harvest
from pancommons.store.embedded import EmbeddedStore
from tests.harvest.catalogue_server import Catalogue, Fault, catalogue_server, load_snapshot
from tests.harvest.golden import SNAPSHOTS
from tests.harvest.test_runner import triples

# kind → (demo snapshot, URL path under the server, facility)
KINDS = {
    "panosc": ("demo-panosc-reference", "api", {"name": "ESS", "ror": "https://ror.org/01wv9cn34"}),
    "scicat": ("demo-scicat", "api/v3", {}),
    "icat": ("demo-icat", "", {"name": "ESNF"}),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_live_kind_equals_its_snapshot(kind: str, tmp_path: Path) -> None:
    snapshot, path, facility = KINDS[kind]
    name = snapshot  # same source name: same minted IRIs
    collections = load_snapshot(SNAPSHOTS / snapshot)
    with catalogue_server({"c": Catalogue(kind, collections)}) as (url, state):
        # a transient error on the second page of the biggest collection, for good measure
        biggest = max(collections, key=lambda c: len(collections[c]))
        state.faults.append(Fault("503", collection=biggest, skip=4))
        live = parse_source(
            {
                "name": name,
                "kind": kind,
                "url": f"{url}/c/{path}".rstrip("/"),
                "page_size": 4,
                "facility": facility,
            }
        )
        with EmbeddedStore(tmp_path / "live") as store:
            run = harvest(
                store,
                live,
                state_dir=str(tmp_path / "s1"),
                policy=RetryPolicy(retries=2, backoff=0.01),
            )
            got = triples(store, vocab.source_graph(name))
    assert run.status == "completed" and run.quarantined == 0
    assert state.faults[0].hits == 1
    assert len(state.requests) > len(collections), "paged"
    # the snapshot as if recorded from this server: the same dct:source URLs
    recorded = find_source(snapshot)
    recorded = replace(recorded, options={**recorded.options, "recorded_from": live.url})
    with EmbeddedStore(tmp_path / "files") as store:
        harvest(store, recorded, state_dir=str(tmp_path / "s2"))
        expected = triples(store, vocab.source_graph(name))
    assert got == expected and len(got) > 50
    sources = [t.split(" ")[2] for t in got if f"<{vocab.DCT}source>" in t]
    assert sources and all(s.startswith(f"<{live.url}/") for s in sources)


def test_rate_limit_spaces_requests_to_one_host(tmp_path: Path) -> None:
    collections = load_snapshot(SNAPSHOTS / "demo-panosc-reference")
    with catalogue_server({"c": Catalogue("panosc", collections)}) as (url, _):
        http = HttpClient(rate_limit=10.0, policy=RetryPolicy(retries=0))
        start = time.monotonic()
        for _ in range(6):
            http.get_json(f"{url}/c/api/Instruments", params={"filter": '{"limit":1}'})
        elapsed = time.monotonic() - start
        http.close()
    assert elapsed >= 0.5, "6 requests at 10/s take at least 0.5 s"
