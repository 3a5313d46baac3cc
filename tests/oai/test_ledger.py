"""The record ledger: datestamps move only when a record really changes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pancommons.harvest.config import read_source
from pancommons.harvest.runner import harvest
from pancommons.oai import ledger
from pancommons.store.embedded import EmbeddedStore

HARVESTERS = Path(__file__).resolve().parents[2] / "harvesters"
EXE = str(Path(sys.executable).with_name("pancommons"))


def test_an_unchanged_reharvest_keeps_every_datestamp(fresh: Path) -> None:
    with EmbeddedStore(fresh / "store") as store:
        before = ledger.read(store)
        harvest(store, read_source(HARVESTERS / "demo-nexus.toml"), state_dir=str(fresh / "s"))
        assert ledger.read(store) == before
        report = ledger.sync(store, at="2999-01-01T00:00:00Z")
        assert (report.added, report.changed, report.deleted) == (0, 0, 0)
        assert report.unchanged == len(before)


def test_a_changed_record_gets_a_new_datestamp_and_blank_nodes_are_no_change(
    fresh: Path,
) -> None:
    with EmbeddedStore(fresh / "store") as store:
        g = "https://w3id.org/pan-commons/graph/source/demo-ess"
        d = ledger.select(store, set_spec="source:demo-ess")[0]
        store.update(f"INSERT DATA {{ GRAPH <{g}> {{ <{d}> <http://example.org/p> _:x }} }}")
        first = ledger.sync(store, at="2998-01-01T00:00:00Z")
        assert first.changed == 1 and ledger.read(store)[d].datestamp == "2998-01-01T00:00:00Z"
        # the same statement with another blank node label (as a re-harvest writes it)
        store.update(
            f"DELETE WHERE {{ GRAPH <{g}> {{ <{d}> <http://example.org/p> ?b }} }} ;"
            f"INSERT DATA {{ GRAPH <{g}> {{ <{d}> <http://example.org/p> _:y }} }}"
        )
        again = ledger.sync(store, at="2999-01-01T00:00:00Z")
        assert again.changed == 0 and ledger.read(store)[d].datestamp == "2998-01-01T00:00:00Z"


def test_load_into_a_source_graph_syncs_the_ledger(tmp_path: Path) -> None:
    ttl = tmp_path / "lab.ttl"
    ttl.write_text(
        "<https://example.org/ds/1> a <http://www.w3.org/ns/dcat#Dataset> ;"
        ' <http://purl.org/dc/terms/title> "one" .\n'
    )
    r = subprocess.run(
        [EXE, "--store", str(tmp_path / "store"), "load", str(ttl)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    with EmbeddedStore(tmp_path / "store", read_only=True) as store:
        entries = ledger.read(store)
    assert set(entries) == {"https://example.org/ds/1"}
    assert entries["https://example.org/ds/1"].sets == {"source:lab"}


SOURCE = "https://w3id.org/pan-commons/graph/source/"


def test_a_sync_of_one_source_graph_compares_only_its_datasets(fresh: Path) -> None:
    """After a harvest only the harvested graph's datasets (now or before) are compared; the
    hashes it writes agree with a full sync's, and a dataset that left its only graph is
    deleted by the sync of that graph."""
    ess, icat = SOURCE + "demo-ess", SOURCE + "demo-icat"
    with EmbeddedStore(fresh / "store") as store:
        in_ess = ledger.select(store, set_spec="source:demo-ess")
        in_icat = ledger.select(store, set_spec="source:demo-icat")
        assert in_ess and in_icat
        changed, gone = in_ess[0], in_ess[1]
        other = in_icat[0]
        store.update(
            f'INSERT DATA {{ GRAPH <{ess}> {{ <{changed}> <http://example.org/p> "x" }} '
            f'GRAPH <{icat}> {{ <{other}> <http://example.org/p> "y" }} }} ;'
            f"DELETE WHERE {{ GRAPH <{ess}> {{ <{gone}> ?p ?o }} }}"
        )
        report = ledger.sync(store, at="2998-01-01T00:00:00Z", graphs=[ess])
        assert (report.added, report.changed, report.deleted) == (0, 1, 1)
        assert report.unchanged == len(in_ess) - 2
        entries = ledger.read(store)
        assert entries[changed].datestamp == "2998-01-01T00:00:00Z"
        assert entries[gone].deleted and "source:demo-ess" in entries[gone].sets
        assert entries[other].datestamp != "2998-01-01T00:00:00Z", "not its graph's sync"

        full = ledger.sync(store, at="2999-01-01T00:00:00Z")
        assert (full.added, full.changed, full.deleted) == (0, 1, 0), "only the ICAT change"
        entries = ledger.read(store)
        assert entries[other].datestamp == "2999-01-01T00:00:00Z"
        assert entries[changed].datestamp == "2998-01-01T00:00:00Z", "same hash both ways"


def test_a_harvest_syncs_its_graph_only(fresh: Path) -> None:
    """The harvest runner hands its graph to the sync: a change elsewhere waits for a sync
    that covers it."""
    icat = SOURCE + "demo-icat"
    with EmbeddedStore(fresh / "store") as store:
        other = ledger.select(store, set_spec="source:demo-icat")[0]
        stamp = ledger.read(store)[other].datestamp
        store.update(f'INSERT DATA {{ GRAPH <{icat}> {{ <{other}> <http://example.org/p> "y" }} }}')
        harvest(store, read_source(HARVESTERS / "demo-nexus.toml"), state_dir=str(fresh / "s"))
        assert ledger.read(store)[other].datestamp == stamp
        assert ledger.sync(store, at="2999-01-01T00:00:00Z").changed == 1
