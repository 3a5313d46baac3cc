"""The harvest runner against a real local HTTP server: paging, faults, quarantine, PROV,
atomic replacement, incremental merge."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import Literal

from pancommons import vocab
from pancommons.harvest.config import SourceConfig, parse_source
from pancommons.harvest.http import HttpClient, RetryPolicy
from pancommons.harvest.prov import last_runs, quarantined
from pancommons.harvest.runner import HarvestError, harvest
from pancommons.harvest.sources import source_class
from pancommons.store.base import Store
from pancommons.store.embedded import EmbeddedStore
from tests.harvest.catalogue_server import (
    Catalogue,
    Fault,
    ServerState,
    catalogue_server,
    load_snapshot,
)
from tests.harvest.golden import SNAPSHOTS

BASE = vocab.DEFAULT_BASE
NAME = "test-panosc"
GRAPH = vocab.source_graph(NAME, BASE)
REFERENCE = load_snapshot(SNAPSHOTS / "demo-panosc-reference")
N_RECORDS = sum(len(v) for v in REFERENCE.values())


@pytest.fixture
def server() -> Iterator[tuple[str, ServerState]]:
    cat = Catalogue("panosc", copy.deepcopy(REFERENCE))
    with catalogue_server({"ref": cat}) as (url, state):
        yield url, state


def config(url: str, **extra: Any) -> SourceConfig:
    data = {
        "name": NAME,
        "kind": "panosc",
        "url": f"{url}/ref/api",
        "page_size": 3,
        "retries": 3,
        "timeout": 5,
        "facility": {"name": "ESS", "ror": "https://ror.org/01wv9cn34"},
    }
    data.update(extra)
    return parse_source(data)


def fast_retries() -> RetryPolicy:
    return RetryPolicy(retries=3, backoff=0.01, max_wait=2.0)


def triples(store: Store, graph: str = GRAPH) -> set[str]:
    """The graph as N-Triples lines; numbers in one form (servers write them their way, and
    Virtuoso answers doubles with 6 significant digits)."""
    rows = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return {f"{r['s']} {r['p']} {_canonical(r['o'])}" for r in rows}  # type: ignore[union-attr]


def _canonical(term: Any) -> str:
    if isinstance(term, Literal) and term.datatype.value.endswith("#double"):
        return f'"{float(term.value):.6g}"^^<{term.datatype.value}>'
    if isinstance(term, Literal) and term.datatype.value.endswith("#dateTime"):
        return f'"{term.value.replace(".000Z", "Z")}"^^<{term.datatype.value}>'
    return str(term)


def expected_triples(tmp_path: Path, url: str) -> set[str]:
    """The same records harvested from the snapshot on disk (files kind, no HTTP), recorded
    from the API of the server at ``url`` (so that their dct:source are the live URLs)."""
    cfg = parse_source(
        {
            "name": NAME,
            "kind": "files",
            "format": "panosc",
            "url": str(SNAPSHOTS / "demo-panosc-reference"),
            "facility": {"name": "ESS", "ror": "https://ror.org/01wv9cn34"},
            "options": {"recorded_from": f"{url}/ref/api"},
        }
    )
    with EmbeddedStore(tmp_path / "expected") as store:
        harvest(store, cfg, state_dir=str(tmp_path / "expected-state"))
        return triples(store)


def run(store: Store, cfg: SourceConfig, tmp_path: Path, **kw: Any):  # type: ignore[no-untyped-def]
    return harvest(store, cfg, state_dir=str(tmp_path / "state"), policy=fast_retries(), **kw)


def test_pages_through_every_collection(server, tmp_path: Path) -> None:
    url, state = server
    with EmbeddedStore(tmp_path / "store") as store:
        result = run(store, config(url), tmp_path)
        got = triples(store)
    assert result.status == "completed"
    assert (result.seen, result.mapped, result.quarantined) == (N_RECORDS, N_RECORDS, 0)
    skips = [r for r in state.requests if "/Datasets" in r]
    assert len(skips) == -(-len(REFERENCE["Datasets"]) // 3) + 1  # full pages + the empty one
    assert got == expected_triples(tmp_path, url)
    assert not (tmp_path / "state" / NAME).exists(), "state is cleared after a completed run"


def test_server_capping_the_page_size_is_still_read_to_the_end(tmp_path: Path) -> None:
    cat = Catalogue("panosc", copy.deepcopy(REFERENCE), max_limit=2)
    with catalogue_server({"ref": cat}) as (url, _), EmbeddedStore(tmp_path / "s") as store:
        result = run(store, config(url, page_size=50), tmp_path)
    assert result.seen == N_RECORDS


@pytest.mark.parametrize(
    "fault",
    [
        Fault("500", collection="Datasets", skip=3),
        Fault("503", collection="Instruments", skip=0, times=2),
        Fault("429", collection="Documents", skip=0, retry_after="0"),
        Fault("slow", collection="Datasets", skip=0, delay=1.5),
        Fault("truncate", collection="Datasets", skip=0),
        Fault("badjson", collection="Instruments", skip=3),
        Fault("reset", collection="Documents", skip=0),
    ],
    ids=lambda f: f.action,
)
def test_transient_faults_are_retried_and_change_nothing(
    server, tmp_path: Path, fault: Fault
) -> None:
    url, state = server
    state.faults.append(fault)
    cfg = config(url, timeout=1.0) if fault.action == "slow" else config(url)
    with EmbeddedStore(tmp_path / "store") as store:
        result = run(store, cfg, tmp_path)
        got = triples(store)
    assert fault.hits == fault.times, "the fault was served"
    assert result.status == "completed" and result.quarantined == 0
    assert got == expected_triples(tmp_path, url)


def test_retry_after_is_honoured(server) -> None:
    url, state = server
    state.faults.append(Fault("429", collection="Instruments", retry_after="7"))
    waits: list[float] = []
    http = HttpClient(policy=RetryPolicy(retries=2, backoff=0.01), sleep=waits.append)
    src = source_class("panosc")(config(url), http)
    records, _ = src.fetch("Instruments", 0, 3, None)
    assert waits == [7.0]
    assert len(records) == 3


def test_backoff_grows_exponentially(server) -> None:
    url, state = server
    state.faults.append(Fault("500", collection="Instruments", times=3))
    waits: list[float] = []
    http = HttpClient(policy=RetryPolicy(retries=3, backoff=1.0), sleep=waits.append)
    source_class("panosc")(config(url), http).fetch("Instruments", 0, 3, None)
    assert len(waits) == 3
    assert 0.75 <= waits[0] <= 1.25 and 1.5 <= waits[1] <= 2.5 and 3.0 <= waits[2] <= 5.0


def test_client_errors_are_not_retried(server) -> None:
    url, state = server
    state.faults.append(Fault("404", collection="Instruments", times=10))
    http = HttpClient(policy=RetryPolicy(retries=5, backoff=0.01), sleep=lambda s: None)
    src = source_class("panosc")(config(url), http)
    with pytest.raises(Exception, match="HTTP 404"):
        src.fetch("Instruments", 0, 3, None)
    assert len(state.requests) == 1


def test_singular_document_relation_is_used_when_documents_is_refused(tmp_path: Path) -> None:
    cat = Catalogue("panosc", copy.deepcopy(REFERENCE), refuse_relations={"documents"})
    with catalogue_server({"ref": cat}) as (url, state), EmbeddedStore(tmp_path / "s") as store:
        result = run(store, config(url), tmp_path)
    assert result.seen == N_RECORDS
    assert any("%22document%22" in r or '"document"' in r for r in state.requests)


def test_malformed_record_is_quarantined_and_the_rest_goes_on(server, tmp_path: Path) -> None:
    url, state = server
    datasets = state.catalogues["ref"].collections["Datasets"]
    datasets.insert(2, {"pid": "20.500.12269/broken", "title": {"not": "a string"}})
    datasets.insert(4, ["not", "an", "object"])
    with EmbeddedStore(tmp_path / "store") as store:
        result = run(store, config(url), tmp_path)
        runs = last_runs(store, BASE, NAME)
        refused = quarantined(store, BASE, runs[0]["run"])
        got = triples(store)
    assert (result.quarantined, result.mapped) == (2, N_RECORDS)
    assert got == expected_triples(tmp_path, url)
    assert [(r["collection"], r["position"], r["id"]) for r in refused] == [
        ("Datasets", "2", "20.500.12269/broken"),
        ("Datasets", "4", None),
    ]
    assert "title" in refused[0]["reason"] and "object" in refused[1]["reason"]
    assert all(r["url"].startswith(url) for r in refused)


def test_prov_activity_records_the_run(server, tmp_path: Path) -> None:
    url, _ = server
    with EmbeddedStore(tmp_path / "store") as store:
        result = run(store, config(url), tmp_path)
        act = result.activity_iri(BASE)
        row = next(
            iter(
                store.query(
                    f"""PREFIX prov: <http://www.w3.org/ns/prov#>
                    PREFIX pan: <{vocab.PAN}>
                    SELECT * WHERE {{ GRAPH <{vocab.meta_graph(BASE)}> {{
                      <{act}> a prov:Activity ; prov:startedAtTime ?start ;
                        prov:endedAtTime ?end ; prov:used ?used ; prov:generated ?g ;
                        pan:recordsSeen ?seen ; pan:recordsMapped ?mapped ;
                        pan:recordsQuarantined ?q ; pan:status ?status }} }}"""
                )
            )
        )
    assert row["used"].value == f"{url}/ref/api"
    assert row["g"].value == GRAPH
    assert int(row["seen"].value) == N_RECORDS and int(row["q"].value) == 0
    assert row["status"].value == "completed"
    assert row["start"].value <= row["end"].value


def test_failed_run_keeps_previous_graph_and_resume_finishes(server, tmp_path: Path) -> None:
    url, state = server
    with EmbeddedStore(tmp_path / "store") as store:
        run(store, config(url), tmp_path)
        before = triples(store)
        # The catalogue changes, then breaks for good in the middle of the datasets.
        state.catalogues["ref"].collections["Datasets"][0]["title"] = "A new title"
        state.faults.append(Fault("500", collection="Datasets", skip=3, times=100))
        with pytest.raises(HarvestError, match="--resume"):
            run(store, config(url), tmp_path)
        assert triples(store) == before
        runs = last_runs(store, BASE, NAME)
        assert runs[0]["status"] == "failed" and "500" in runs[0]["error"]
        requests_before_resume = len(state.requests)
        state.faults.clear()
        result = run(store, config(url), tmp_path, resume=True)
        resumed = state.requests[requests_before_resume:]
        after = triples(store)
    assert result.status == "completed" and result.resumed
    assert not any("/Instruments" in r for r in resumed), "resume starts at the failed page"
    assert result.seen == N_RECORDS
    title = '<http://purl.org/dc/terms/title> "A new title"'
    assert any(title in t for t in after) and not any(title in t for t in before)


def test_empty_answer_does_not_wipe_the_graph(server, tmp_path: Path) -> None:
    url, state = server
    with EmbeddedStore(tmp_path / "store") as store:
        run(store, config(url), tmp_path)
        before = triples(store)
        for records in state.catalogues["ref"].collections.values():
            records.clear()
        with pytest.raises(HarvestError, match="no records"):
            run(store, config(url), tmp_path)
        assert triples(store) == before


def test_since_merges_changed_records(server, tmp_path: Path) -> None:
    url, state = server
    datasets = state.catalogues["ref"].collections["Datasets"]
    with EmbeddedStore(tmp_path / "store") as store:
        run(store, config(url), tmp_path)
        before = triples(store)
        datasets[1]["title"] = "Renamed"
        datasets[1]["creationDate"] = "2030-01-01T00:00:00Z"
        for doc in state.catalogues["ref"].collections["Documents"]:  # the server's view of it
            for ds in doc["datasets"]:
                if ds["pid"] == datasets[1]["pid"]:
                    ds["title"] = "Renamed"
        result = run(store, config(url), tmp_path, since="2029-12-31")
        after = triples(store)
    assert result.mode == "merge"
    assert any('"Renamed"' in t for t in after)
    assert not any('"PaNOSC Test Dataset 2"' in t for t in after), "old title replaced"
    unchanged = {t for t in before if "panosc-dataset2>" not in t.split(" ")[0]}
    assert unchanged <= after
    assert any("creationDate" in r and "gt" in r for r in state.requests[-8:])


def test_replace_and_merge_on_every_backend(server, tmp_path: Path, store: Store) -> None:
    url, state = server
    cfg = config(url)
    run(store, cfg, tmp_path)
    assert triples(store) == expected_triples(tmp_path, url)
    state.catalogues["ref"].collections["Datasets"][0]["title"] = "Changed"
    for doc in state.catalogues["ref"].collections["Documents"]:
        for ds in doc["datasets"]:
            if ds["pid"].endswith("panosc-dataset1"):
                ds["title"] = "Changed"
    run(store, cfg, tmp_path)
    assert any('"Changed"' in t for t in triples(store))
    assert not any('"PaNOSC Test Dataset 1"' in t for t in triples(store))


# --- regressions found in review ---------------------------------------------------------------


def test_all_records_quarantined_does_not_wipe_the_graph(server, tmp_path: Path) -> None:
    url, state = server
    with EmbeddedStore(tmp_path / "store") as store:
        run(store, config(url), tmp_path)
        before = triples(store)
        for records in state.catalogues["ref"].collections.values():
            for r in records:
                r.pop("pid", None)
                r.pop("id", None)
        with pytest.raises(HarvestError, match="quarantined"):
            run(store, config(url), tmp_path)
        assert triples(store) == before


@pytest.mark.parametrize(
    "bad",
    [
        {"pid": "10.5072/\ue000", "title": "private-use character in a DOI"},
        {"pid": "\ud800broken", "title": "lone surrogate"},
        {"pid": "x", "title": "t", "creationDate": "2024-02-30T10:00:00Z"},
    ],
    ids=["bad-iri", "surrogate", "30-february"],
)
def test_records_that_cannot_be_written_are_quarantined(
    server, tmp_path: Path, bad: dict[str, Any]
) -> None:
    url, state = server
    state.catalogues["ref"].collections["Datasets"].insert(1, bad)
    with EmbeddedStore(tmp_path / "store") as store:
        result = run(store, config(url), tmp_path)
        got = triples(store)
    assert result.status == "completed" and result.quarantined == 1
    assert got == expected_triples(tmp_path, url)


def test_each_attempt_is_its_own_prov_activity(server, tmp_path: Path) -> None:
    url, state = server
    state.faults.append(Fault("500", collection="Datasets", skip=3, times=100))
    with EmbeddedStore(tmp_path / "store") as store:
        with pytest.raises(HarvestError):
            run(store, config(url), tmp_path)
        state.faults.clear()
        result = run(store, config(url), tmp_path, resume=True)
        runs = last_runs(store, BASE, NAME)
    assert len(runs) == 2, runs
    assert runs[0]["status"] == "completed" and runs[0]["run"] == result.activity_iri(BASE)
    assert runs[1]["status"] == "failed" and runs[1]["run"] != runs[0]["run"]
    assert int(runs[0]["seen"]) == N_RECORDS


def test_server_ignoring_skip_fails_instead_of_looping(tmp_path: Path) -> None:
    cat = Catalogue("panosc", copy.deepcopy(REFERENCE))
    with catalogue_server({"ref": cat}) as (url, state), EmbeddedStore(tmp_path / "s") as store:
        # every page asked answers the first page: a server that ignores skip
        original = state.catalogues["ref"].collections

        class Repeating(list):  # type: ignore[type-arg]
            def __getitem__(self, item):  # type: ignore[no-untyped-def]
                if isinstance(item, slice):
                    return list.__getitem__(self, slice(0, 3))
                return list.__getitem__(self, item)

        original["Instruments"] = Repeating(REFERENCE["Instruments"])
        with pytest.raises(HarvestError, match="same page again"):
            run(store, config(url), tmp_path)
        assert len(state.requests) < 10


@pytest.mark.parametrize(
    "snapshot",
    ["demo-panosc-reference", "demo-ess", "demo-scicat", "demo-icat"],
)
def test_incremental_run_over_unchanged_records_changes_nothing(
    snapshot: str, tmp_path: Path
) -> None:
    """Merging records that did not change must leave the graph as it is (each record
    replaces only what it alone describes)."""
    from pancommons.harvest.config import find_source

    cfg = find_source(snapshot)
    graph = vocab.source_graph(cfg.name, BASE)
    with EmbeddedStore(tmp_path / "store") as store:
        harvest(store, cfg, state_dir=str(tmp_path / "state"))
        before = triples(store, graph)
        harvest(store, cfg, state_dir=str(tmp_path / "state"), since="2000-01-01")
        assert triples(store, graph) == before


def test_first_harvest_that_fails_leaves_no_graph_and_resume_loads_everything(
    server, tmp_path: Path
) -> None:
    """A first harvest loads while pages arrive; a failure must empty the graph again, and a
    resumed attempt must load what the first attempt mapped as well."""
    url, state = server
    state.faults.append(Fault("500", collection="Datasets", skip=3, times=100))
    with EmbeddedStore(tmp_path / "store") as store:
        with pytest.raises(HarvestError):
            run(store, config(url), tmp_path)
        assert GRAPH not in store.graphs() and store.count(GRAPH) == 0
        state.faults.clear()
        run(store, config(url), tmp_path, resume=True)
        assert triples(store) == expected_triples(tmp_path, url)


def test_a_page_is_written_with_each_line_once(server, tmp_path: Path) -> None:
    """Records repeat the nodes they share (here the facility of every instrument); the
    runner writes each line of a page once, so the store does not parse and sort the copies."""
    from pancommons.harvest.mapping.common import Context
    from pancommons.harvest.mapping.nt import page_ntriples
    from pancommons.harvest.mapping.panosc import map_record

    url, state = server
    instruments = REFERENCE["Instruments"]
    # One page of instruments is written; then the run fails and its state is kept.
    state.faults.append(Fault("500", collection="Documents", times=100))
    with EmbeddedStore(tmp_path / "store") as store, pytest.raises(HarvestError):
        run(store, config(url, page_size=len(instruments)), tmp_path)
    written = (tmp_path / "state" / NAME / "mapped.nt").read_text(encoding="utf-8").splitlines()
    ctx = Context(NAME, facility_name="ESS", facility_ror="https://ror.org/01wv9cn34")
    mapped = [line.strip() for r in instruments for line in map_record(ctx, "Instruments", r).lines]
    facility = '<https://ror.org/01wv9cn34> <http://xmlns.com/foaf/0.1/name> "ESS" .'
    assert mapped.count(facility) == len(instruments) > 1, "every instrument names its facility"
    assert written.count(facility) == 1
    assert len(written) == len(set(written)) == len(set(mapped))
    # The function itself: first occurrences, in order.
    assert page_ntriples(["a .\n", "b .\n", "a .\n", "_:x p o .\n", "_:x p o .\n"]) == (
        b"a .\nb .\n_:x p o .\n"
    )
