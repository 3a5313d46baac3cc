"""PaNOSC Search API mapping: golden files over the real fixtures, and the implementation
differences a harvester must tolerate (reference/catalogues-and-mapping.md §1.2)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef

from pancommons.harvest.config import parse_source
from pancommons.harvest.mapping.common import Context, MappingError
from pancommons.harvest.mapping.panosc import map_record
from pancommons.harvest.sources.files import FilesSource
from pancommons.harvest.validate import RecordInvalid, validate
from tests.harvest.catalogue_server import load_snapshot
from tests.harvest.golden import SNAPSHOTS, assert_golden, map_snapshot

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
PROV = Namespace("http://www.w3.org/ns/prov#")
CITO = Namespace("http://purl.org/spar/cito/")
PAN = Namespace("https://w3id.org/pan-commons/ns#")
PANET = Namespace("http://purl.org/pan-science/PaNET/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
ESS = {"name": "ESS", "ror": "https://ror.org/01wv9cn34"}
CTX = Context("t", facility_name="ESS", facility_ror="https://ror.org/01wv9cn34")


def graph_of(collection: str, record: dict[str, Any]) -> Graph:
    validate(f"panosc-{collection.lower()}", record)
    return Graph().parse(data="".join(map_record(CTX, collection, record).lines), format="nt")


@pytest.mark.parametrize(
    ("snapshot", "facility"),
    [
        ("demo-panosc-reference", ESS),
        ("demo-ess", ESS),
        ("demo-esrf", {"name": "ESRF", "ror": "https://ror.org/02550n020"}),
    ],
)
def test_golden(snapshot: str, facility: dict[str, str]) -> None:
    graph, refused = map_snapshot("panosc", snapshot, source=snapshot, facility=facility)
    assert refused == []
    assert not any(isinstance(t, BNode) for triple in graph for t in triple)
    assert_golden(graph, f"golden-{snapshot}")


def test_short_panet_ids_panetid_and_local_technique_ids() -> None:
    g = graph_of(
        "Datasets",
        {
            "pid": "20.500.12269/d1",
            "title": "t",
            "techniques": [
                {"pid": "PaNET01168", "name": "serial femtosecond crystallography"},
                {
                    "pid": "20.500.12269/panosc-tech1",
                    "name": "SANS",
                    "panetId": "http://purl.org/pan-science/PaNET/PaNET01189",
                },
                {"pid": "local-7", "name": "home-made technique"},
            ],
        },
    )
    ds = URIRef("https://hdl.handle.net/20.500.12269/d1")
    concept = URIRef(CTX.mint("technique", "home-made technique"))
    assert set(g.objects(ds, DCAT.theme)) == {PANET.PaNET01168, PANET.PaNET01189, concept}
    assert (ds, DCAT.keyword, Literal("home-made technique")) in g
    assert (concept, SKOS.prefLabel, Literal("home-made technique")) in g


def test_blank_doi_and_numeric_pid_are_minted_not_doi() -> None:
    g = graph_of(
        "Documents",
        {"pid": "186715647", "type": "proposal", "title": "PUB-0001", "doi": " "},
    )
    proposal = URIRef("https://w3id.org/pan-commons/id/proposal/t/186715647")
    assert (proposal, RDF.type, PAN.Proposal) in g
    assert not any(str(s).startswith("https://doi.org/") for s in g.subjects())


def test_singular_document_relation_and_document_id() -> None:
    base = {"pid": "10.5072/ds-1", "title": "t"}
    singular = graph_of(
        "Datasets",
        {**base, "document": {"pid": "10.5072/paper", "type": "publication", "title": "P"}},
    )
    ds, paper = URIRef("https://doi.org/10.5072/ds-1"), URIRef("https://doi.org/10.5072/paper")
    assert (ds, DCT.isReferencedBy, paper) in singular
    assert (paper, CITO.citesAsDataSource, ds) in singular
    only_key = graph_of("Datasets", {**base, "documentId": "10.5072/paper"})
    assert (ds, DCT.relation, paper) in only_key


def test_proposal_document_puts_datasets_in_its_series_with_embargo_and_licence() -> None:
    g = graph_of(
        "Documents",
        {
            "pid": "10.5072/prop",
            "type": "proposal",
            "title": "Proposal",
            "releaseDate": "2028-09-06T00:00:00Z",
            "license": "CC-BY-4.0",
            "datasets": [{"pid": "20.500.12269/d1", "title": "t"}],
        },
    )
    ds = URIRef("https://hdl.handle.net/20.500.12269/d1")
    series = URIRef("https://w3id.org/pan-commons/id/series/t/10.5072%2Fprop")
    assert (ds, DCAT.inSeries, series) in g
    assert (
        ds,
        DCT.available,
        Literal(
            "2028-09-06T00:00:00Z",
            datatype=URIRef(str(Namespace("http://www.w3.org/2001/XMLSchema#")) + "dateTime"),
        ),
    ) in g
    assert (ds, DCT.license, URIRef("https://spdx.org/licenses/CC-BY-4.0")) in g
    exp = next(g.objects(ds, PROV.wasGeneratedBy))
    assert (exp, PAN.proposal, URIRef("https://doi.org/10.5072/prop")) in g


def test_parameters_get_si_values_and_stable_iris() -> None:
    g = graph_of(
        "Datasets",
        {
            "pid": "20.500.12269/d1",
            "title": "t",
            "parameters": [
                {"name": "temperature", "value": 20, "unit": "celsius"},
                {"name": "temperature", "value": 25, "unit": "celsius"},
                {"name": "sample_state", "value": "solid", "unit": ""},
            ],
        },
    )
    params = list(g.subjects(RDF.type, PAN.Parameter))
    assert len(params) == 3 and all(isinstance(p, URIRef) for p in params)
    si = {float(v) for v in g.objects(None, PAN.siValue)}
    assert si == {293.15, 298.15}
    assert set(g.objects(None, PAN.siUnit)) == {URIRef("http://qudt.org/vocab/unit/K")}


def test_scores_outside_the_unit_interval_are_accepted_and_not_stored() -> None:
    g = graph_of("Datasets", {"pid": "20.500.12269/d1", "title": "t", "score": 17.5})
    assert not any("score" in str(p) for p in g.predicates())


@pytest.mark.parametrize(
    "record",
    [
        {"title": "no pid"},
        {"pid": "", "title": "empty pid"},
        {"pid": "x", "title": 3},
        {"pid": "x", "title": "t", "creationDate": "yesterday"},
        {"pid": "x", "title": "t", "techniques": "PaNET01168"},
    ],
)
def test_schema_refuses_malformed_datasets(record: dict[str, Any]) -> None:
    with pytest.raises(RecordInvalid):
        validate("panosc-datasets", record)


def test_unparseable_date_is_a_mapping_error() -> None:
    with pytest.raises(MappingError, match="ISO 8601"):
        map_record(CTX, "Datasets", {"pid": "x", "title": "t", "creationDate": "2020-13-45 noon"})


def test_same_doi_from_panosc_and_scicat_is_one_node() -> None:
    """The ESS data publication 10.17199/03dd9804… is served by the ESS PaNOSC API (as a
    Document) and by SciCat (as PublishedData): one node, described by both."""
    panosc, _ = map_snapshot("panosc", "demo-ess", source="demo-ess", facility=ESS)
    scicat, _ = map_snapshot("scicat", "demo-scicat", source="demo-scicat")
    both = panosc + scicat
    doi = URIRef("https://doi.org/10.17199/03dd9804-1b04-4d36-b0fb-cf66e9891e7d")
    dataset = URIRef("https://hdl.handle.net/20.500.12269/0a269002-83e2-4f18-bb98-36c01836d66a")
    assert (doi, None, None) in panosc and (doi, None, None) in scicat
    nodes = {s for s in both.subjects(DCT.identifier, None) if "03dd9804" in str(s)}
    assert nodes == {doi}
    assert (doi, CITO.citesAsDataSource, dataset) in panosc
    assert (doi, DCT.hasPart, dataset) in scicat


# --- dct:source and pan:instrument ---------------------------------------------------------------

API = "https://panosc.example.org/api"


def test_dataset_and_document_record_their_api_url_and_the_instrument_directly() -> None:
    rec = {
        "pid": "20.500.12269/d1",
        "title": "t",
        "instrument": {"pid": "20.500.12269/i1", "name": "LoKI"},
        "documents": [{"pid": "10.5072/Doc1", "type": "publication", "title": "p"}],
    }
    validate("panosc-datasets", rec)
    g = Graph().parse(
        data=map_record(replace(CTX, api=API), "Datasets", rec).text_value(), format="nt"
    )
    ds, doc = (
        URIRef("https://hdl.handle.net/20.500.12269/d1"),
        URIRef("https://doi.org/10.5072/doc1"),
    )
    assert set(g.objects(ds, DCT.source)) == {URIRef(f"{API}/Datasets/20.500.12269%2Fd1")}
    assert set(g.objects(doc, DCT.source)) == {URIRef(f"{API}/Documents/10.5072%2FDoc1")}
    inst = URIRef("https://hdl.handle.net/20.500.12269/i1")
    exp = g.value(ds, PROV.wasGeneratedBy)
    assert (ds, PAN.instrument, inst) in g and (exp, PROV.used, inst) in g
    # a bare instrumentId: the same two edges
    g = graph_of("Datasets", {"pid": "d2", "title": "t", "instrumentId": "20.500.12269/i2"})
    ds = URIRef(CTX.node("dataset", "d2"))
    inst = URIRef("https://hdl.handle.net/20.500.12269/i2")
    assert (ds, PAN.instrument, inst) in g and (
        g.value(ds, PROV.wasGeneratedBy),
        PROV.used,
        inst,
    ) in g
    assert not list(g.triples((None, DCT.source, None))), "no API, no file: no dct:source"


def test_provider_of_a_federated_record_is_its_api_and_pids_are_percent_encoded() -> None:
    rec = {"pid": "local id#1", "title": "t", "provider": "https://scicat.ess.eu/panosc-api/"}
    g = Graph().parse(
        data=map_record(replace(CTX, api=API), "Datasets", rec).text_value(), format="nt"
    )
    assert set(g.objects(URIRef(CTX.node("dataset", "local id#1")), DCT.source)) == {
        URIRef("https://scicat.ess.eu/panosc-api/Datasets/local%20id%231")
    }


def test_files_source_names_the_file_or_the_api_it_was_recorded_from() -> None:
    folder = SNAPSHOTS / "demo-panosc-reference"
    records = load_snapshot(folder)

    def sources(options: dict[str, Any]) -> set[URIRef]:
        config = parse_source(
            {
                "name": "t",
                "kind": "files",
                "format": "panosc",
                "url": str(folder),
                "options": options,
            }
        )
        src = FilesSource(config)
        ctx = src.context(Context("t"))
        g = Graph()
        for collection in ("Datasets", "Documents"):
            for rec in records[collection]:
                g.parse(data=src.map(ctx, collection, rec).text_value(), format="nt")
        ds = URIRef("https://hdl.handle.net/20.500.12269/panosc-dataset1")
        assert set(g.subjects(DCT.source, None)) >= {ds}
        return set(g.objects(ds, DCT.source))

    # read from Datasets.json, and as a copy included in a document, from Documents.json
    assert sources({}) == {
        URIRef(f"{folder.as_uri()}/Datasets.json"),
        URIRef(f"{folder.as_uri()}/Documents.json"),
    }
    recorded = {"recorded_from": "https://reader:s3cret@panosc.example.org/api/?token=t0k"}
    assert sources(recorded) == {URIRef(f"{API}/Datasets/20.500.12269%2Fpanosc-dataset1")}
