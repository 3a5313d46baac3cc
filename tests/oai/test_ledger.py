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
