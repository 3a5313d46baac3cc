"""One dataset reaching the graph from three APIs — PaNOSC, DataCite and OAI-PMH — is one node
with the union of their facts and publication links; SPARQL then finds the publications that
cite data taken on an instrument, whichever source named the instrument."""

from __future__ import annotations

import json
from pathlib import Path

from pancommons import vocab
from pancommons.harvest.config import find_source, parse_source
from pancommons.harvest.linking import link
from pancommons.harvest.runner import harvest
from pancommons.queries import named_queries
from pancommons.store.embedded import EmbeddedStore

DOI = "https://doi.org/10.15151/esrf-es-2210534378"
ESRF = {"name": "ESRF", "ror": "https://ror.org/02550n020"}

# How an ESRF PaNOSC API (ICAT+) would serve that session: the dataset under its DOI, on the
# beamline as ICAT names it, and a paper that used it (a Document of type publication).
PANOSC_DATASETS = [
    {
        "pid": "10.15151/ESRF-ES-2210534378",
        "title": "MX-2738 ID30A-3 session",
        "isPublic": False,
        "creationDate": "2025-09-05T08:00:00Z",
        "size": 123456789,
        "instrument": {"pid": "esrf-instrument-id30a3", "name": "ID30A3", "facility": "ESRF"},
        "techniques": [{"pid": "PaNET01168", "name": "serial femtosecond crystallography"}],
    }
]
PANOSC_DOCUMENTS = [
    {
        "pid": "10.1107/S2059798325000001",
        "type": "publication",
        "title": "A structure solved from the MX-2738 data",
        "isPublic": True,
        "datasets": [{"pid": "10.15151/ESRF-ES-2210534378", "title": "MX-2738 ID30A-3 session"}],
    }
]


def test_panosc_datacite_and_oai_describe_one_node(tmp_path: Path) -> None:
    snap = tmp_path / "panosc"
    snap.mkdir()
    (snap / "Datasets.json").write_text(json.dumps(PANOSC_DATASETS))
    (snap / "Documents.json").write_text(json.dumps(PANOSC_DOCUMENTS))
    panosc = parse_source(
        {
            "name": "esrf-panosc",
            "kind": "files",
            "format": "panosc",
            "url": str(snap),
            "facility": ESRF,
        }
    )
    with EmbeddedStore(tmp_path / "store") as store:
        for config in (panosc, find_source("demo-datacite"), find_source("demo-oai")):
            harvest(store, config, state_dir=str(tmp_path / "state"))
        link(store)

        def graphs_saying(pattern: str) -> set[str]:
            rows = store.query(
                "PREFIX dct: <http://purl.org/dc/terms/> PREFIX dcat: <http://www.w3.org/ns/dcat#> "
                "PREFIX cito: <http://purl.org/spar/cito/> "
                f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {pattern} }} }}"
            )
            return {r["g"].value.rsplit("/", 1)[-1] for r in rows}  # type: ignore[union-attr]

        # one node, described by the three sources
        assert graphs_saying(f"<{DOI}> a dcat:Dataset") == {
            "esrf-panosc",
            "demo-datacite",
            "demo-oai",
        }
        # the union of their facts: PaNOSC's size and technique, DataCite's embargo end
        assert graphs_saying(f"<{DOI}> dcat:byteSize ?s") == {"esrf-panosc"}
        assert "demo-datacite" in graphs_saying(f"<{DOI}> dct:available ?a")
        assert graphs_saying(f"<{DOI}> dcat:theme ?t") >= {"esrf-panosc"}
        # the publication link stated by PaNOSC, and its inverse from linking
        paper = "https://doi.org/10.1107/s2059798325000001"
        assert "esrf-panosc" in graphs_saying(f"<{paper}> cito:citesAsDataSource <{DOI}>")
        assert graphs_saying(f"<{DOI}> dct:isReferencedBy <{paper}>") >= {"esrf-panosc"}
        # no second node for the DOI in another spelling
        dupes = store.query(
            "SELECT ?s WHERE { ?s <http://purl.org/dc/terms/identifier> ?id "
            'FILTER(LCASE(STR(?id)) = "10.15151/esrf-es-2210534378") }'
        )
        assert {r["s"].value for r in dupes} == {DOI}  # type: ignore[union-attr]

        # publications citing data taken on ID30A-3 as DataCite names it: PaNOSC's paper, via
        # the PaNOSC instrument "ID30A3" of the same facility (owl:sameAs from linking)
        text = named_queries()["publications-by-instrument"].text
        rows = store.query(text)
        found = {(r["publication"].value, r["dataset"].value) for r in rows}  # type: ignore[union-attr]
        assert (paper, DOI) in found
        panosc_inst = vocab.mint("instrument", "esrf-panosc", "esrf-instrument-id30a3")
        same = store.query(
            f"ASK {{ <{panosc_inst}> <http://www.w3.org/2002/07/owl#sameAs> "
            f"<{vocab.DEFAULT_BASE}/id/instrument/demo-datacite/ID30A-3> }}"
        )
        assert bool(same)
