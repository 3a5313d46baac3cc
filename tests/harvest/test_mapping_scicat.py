"""The scicat kind: mapping of SciCat v3/v4 records (golden file over the demo snapshot, then
focused cases), record schemas, and the source's requests against a real local HTTP server."""

from __future__ import annotations

import copy
import json
from typing import Any

import fastjsonschema
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, XSD

from pancommons import vocab
from pancommons.harvest.config import parse_source
from pancommons.harvest.http import HarvestHttpError, HttpClient, RetryPolicy
from pancommons.harvest.mapping.common import Context, MappingError
from pancommons.harvest.mapping.scicat import doi_in_text, map_record
from pancommons.harvest.sources.scicat import ScicatSource
from pancommons.harvest.validate import SCHEMA_DIR, RecordInvalid, validate
from tests.harvest.catalogue_server import Catalogue, catalogue_server, load_snapshot
from tests.harvest.golden import SNAPSHOTS, assert_golden, map_snapshot

PAN = "https://w3id.org/pan-commons/ns#"
PANET = "http://purl.org/pan-science/PaNET/"
QUDT = "http://qudt.org/vocab/unit/"
CITO = "http://purl.org/spar/cito/"
DCAT = Namespace("http://www.w3.org/ns/dcat#")  # rdflib's DCAT is DCAT 2 (no inSeries)
FABIO_EXPRESSION = URIRef("http://purl.org/spar/fabio/Expression")
SCHOLARLY = URIRef("http://schema.org/ScholarlyArticle")
CTX = Context("test-scicat")
SNAPSHOT = SNAPSHOTS / "demo-scicat"


def graph(collection: str, record: dict[str, Any], ctx: Context = CTX) -> Graph:
    return Graph().parse(data=map_record(ctx, collection, record).text_value(), format="nt")


def p(local: str) -> URIRef:
    return URIRef(PAN + local)


def the_dataset(pid: str) -> URIRef:
    return URIRef(CTX.node("dataset", pid))


# --- the demo snapshot ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Graph:
    g, refused = map_snapshot("scicat", "demo-scicat", source="demo-scicat")
    assert refused == []
    return g


def test_demo_snapshot_matches_golden_file(demo: Graph) -> None:
    assert_golden(demo, "golden-scicat")


def test_demo_has_no_blank_nodes_and_every_subject_is_typed(demo: Graph) -> None:
    terms = {t for triple in demo for t in triple}
    assert not [t for t in terms if isinstance(t, BNode)]
    untyped = {s for s in demo.subjects() if (s, RDF.type, None) not in demo}
    assert untyped == set()


def test_demo_every_dataset_in_the_snapshot_is_a_dataset_node(demo: Graph) -> None:
    records = json.loads((SNAPSHOT / "Datasets.json").read_text(encoding="utf-8"))
    for rec in records:
        node = URIRef(Context("demo-scicat").node("dataset", rec["pid"]))
        assert (node, RDF.type, DCAT.Dataset) in demo
        assert (node, DCTERMS.title, Literal(rec["datasetName"])) in demo


def test_demo_owner_orcid_and_pi_of_the_same_name_are_one_person(demo: Graph) -> None:
    ds = URIRef(Context("demo-scicat").node("dataset", "PID.SAMPLE.PREFIX/desy_ds1"))
    assert set(demo.objects(ds, DCTERMS.creator)) == {
        URIRef("https://orcid.org/0000-0001-8676-0091")
    }


# --- datasets ------------------------------------------------------------------------------------

V3_DATASET = {
    "pid": "20.500.12269/abc-1",
    "datasetName": "run 42",
    "owner": "Ada Lovelace",
    "orcidOfOwner": "0000-0002-1825-0097",
    "principalInvestigator": "Grace Hopper",
    "creationTime": "2023-04-01T10:00:00Z",
    "proposalId": "P-1",
    "sampleId": "S-1",
    "instrumentId": "I-1",
    "isPublished": True,
    "size": 1000,
    "techniques": [{"pid": "PaNET01168", "name": "serial femtosecond crystallography"}],
    "datasetlifecycle": {"dateOfPublishing": "2026-04-01"},
}
V4_DATASET = {
    **{k: v for k, v in V3_DATASET.items() if k not in ("proposalId", "sampleId", "instrumentId")},
    "principalInvestigators": ["Grace Hopper"],
    "proposalIds": ["P-1"],
    "sampleIds": ["S-1"],
    "instrumentIds": ["I-1"],
    "datasetlifecycle": {"publishedOn": "2026-04-01"},
}
del V4_DATASET["principalInvestigator"]


def test_v3_and_v4_dataset_field_names_give_the_same_triples() -> None:
    v3, v4 = graph("Datasets", V3_DATASET), graph("Datasets", V4_DATASET)
    assert isomorphic(v3, v4)
    ds = URIRef("https://hdl.handle.net/20.500.12269/abc-1")  # a Handle pid is its resolver IRI
    exp = URIRef(CTX.mint("experiment", "20.500.12269/abc-1"))
    assert (ds, DCAT.inSeries, URIRef(CTX.mint("series", "P-1"))) in v4
    assert (exp, p("proposal"), URIRef(CTX.node("proposal", "P-1"))) in v4
    assert (ds, p("sample"), URIRef(CTX.node("sample", "S-1"))) in v4
    assert (exp, PROV.used, URIRef(CTX.node("instrument", "I-1"))) in v4
    assert (ds, DCTERMS.available, Literal("2026-04-01", datatype=XSD.date)) in v4
    creators = set(v4.objects(ds, DCTERMS.creator))
    assert URIRef("https://orcid.org/0000-0002-1825-0097") in creators
    assert URIRef(CTX.mint("person", "Grace Hopper")) in creators


def test_short_panet_ids_become_purls_and_local_techniques_keywords() -> None:
    rec = {
        "pid": "ds-1",
        "techniques": [
            {"pid": "PaNET01168", "name": "a"},
            {"pid": "http://purl.org/pan-science/PaNET/PaNET01102", "name": "b"},
            {"pid": "fe888574-5cc0-11ec-90c3-bf82943dec35", "name": "Simulation"},
        ],
    }
    g = graph("Datasets", rec)
    ds, exp = the_dataset("ds-1"), URIRef(CTX.mint("experiment", "ds-1"))
    expected = {URIRef(PANET + "PaNET01168"), URIRef(PANET + "PaNET01102")}
    concept = URIRef(CTX.mint("technique", "Simulation"))
    assert set(g.objects(ds, DCAT.theme)) == expected | {concept}
    assert set(g.objects(exp, p("technique"))) == expected
    assert set(g.objects(ds, DCAT.keyword)) == {Literal("Simulation")}
    skos = "http://www.w3.org/2004/02/skos/core#"
    assert (concept, URIRef(skos + "prefLabel"), Literal("Simulation")) in g


def _parameter(g: Graph, name: str) -> URIRef:
    (node,) = g.subjects(p("name"), Literal(name))
    assert isinstance(node, URIRef)
    return node


def test_scientific_metadata_values_units_and_si() -> None:
    rec = {
        "pid": "ds-sm",
        "scientificMetadata": {
            # pint converts the value itself: the source's valueSI is not repeated
            "beamEnergy": {"value": 9.3, "unit": "keV", "valueSI": 1.49e-15, "unitSI": "J"},
            # a unit pint cannot read: the source's valueSI/unitSI give the SI value
            "pixel": {"value": 11, "unit": "pixel-widths", "valueSI": "0.000011", "unitSI": "m"},
            "temperature": {"v": 20, "u": "celsius"},  # legacy {v, u}
            "comment": "good run",  # plain scalar
            "detector": {"geometry": {"value": 1, "unit": "m"}},  # a group: skipped
        },
    }
    g = graph("Datasets", rec)
    exp = URIRef(CTX.mint("experiment", "ds-sm"))
    names = {str(g.value(n, p("name"))) for n in g.objects(exp, p("parameter"))}
    assert names == {"beamEnergy", "pixel", "temperature", "comment"}

    energy = _parameter(g, "beamEnergy")
    (si,) = g.objects(energy, p("siValue"))
    assert si.toPython() == pytest.approx(9.3 * 1000 * 1.602176634e-19)  # keV → J
    assert g.value(energy, p("siUnit")) == URIRef(QUDT + "J")
    assert g.value(energy, p("unit")) == Literal("keV")

    pixel = _parameter(g, "pixel")
    assert g.value(pixel, p("siValue")).toPython() == pytest.approx(1.1e-5)
    assert g.value(pixel, p("siUnit")) == URIRef(QUDT + "M")
    assert g.value(pixel, p("unit")) == Literal("pixel-widths")

    temp = _parameter(g, "temperature")
    assert g.value(temp, p("siValue")).toPython() == pytest.approx(293.15)
    assert g.value(temp, p("siUnit")) == URIRef(QUDT + "K")
    assert g.value(_parameter(g, "comment"), p("value")) == Literal("good run")


def test_mongo_extended_json_and_float_sizes_are_read() -> None:
    rec = {"_id": "ds-m", "creationTime": {"$date": "2021-06-29T16:40:55.773Z"}, "size": 2e12}
    g = graph("Datasets", rec)
    ds = the_dataset("ds-m")
    assert g.value(ds, DCTERMS.created) == Literal(
        "2021-06-29T16:40:55.773Z", datatype=XSD.dateTime
    )
    assert g.value(ds, DCAT.byteSize).toPython() == 2 * 10**12


def test_derived_dataset_points_at_its_inputs() -> None:
    g = graph("Datasets", {"pid": "d", "inputDatasets": ["r1", "r2"], "investigator": "X Y"})
    assert set(g.objects(the_dataset("d"), PROV.wasDerivedFrom)) == {
        the_dataset("r1"),
        the_dataset("r2"),
    }
    assert (the_dataset("r1"), RDF.type, DCAT.Dataset) in g


# --- other collections -----------------------------------------------------------------------------


def test_origdatablock_files_are_distributions_of_the_dataset() -> None:
    rec = {
        "datasetId": "ds-f",
        "dataFileList": [{"path": "raw/scan_001.nxs", "size": 1.5e6}, {"path": "notes.txt"}],
    }
    g = graph("OrigDatablocks", rec)
    dists = set(g.objects(the_dataset("ds-f"), DCAT.distribution))
    scan = URIRef(CTX.mint("distribution", "ds-f/raw/scan_001.nxs"))
    assert dists == {scan, URIRef(CTX.mint("distribution", "ds-f/notes.txt"))}
    assert g.value(scan, DCTERMS.title) == Literal("scan_001.nxs")
    assert g.value(scan, p("path")) == Literal("raw/scan_001.nxs")
    assert g.value(scan, DCAT.byteSize).toPython() == 1_500_000


def test_proposal_with_measurement_periods() -> None:
    rec = {
        "proposalId": "P-9",
        "title": "Lung",
        "pi_firstname": "Ada",
        "pi_lastname": "Lovelace",
        "firstname": "Grace",
        "lastname": "Hopper",
        "MeasurementPeriodList": [{"instrument": "I-1", "start": "2020-12-11T12:43:00Z"}],
    }
    g = graph("Proposals", rec)
    prop, session = (
        URIRef(CTX.node("proposal", "P-9")),
        URIRef(CTX.mint("experiment", "proposal/P-9/0")),
    )
    pi = URIRef(CTX.mint("person", "Ada Lovelace"))
    assert g.value(prop, DCTERMS.creator) == pi
    assert g.value(pi, FOAF.familyName) == Literal("Lovelace")
    assert g.value(prop, DCTERMS.contributor) == URIRef(CTX.mint("person", "Grace Hopper"))
    assert (session, p("proposal"), prop) in g
    assert (session, PROV.used, URIRef(CTX.node("instrument", "I-1"))) in g
    assert (URIRef(CTX.mint("series", "P-9")), RDF.type, DCAT.DatasetSeries) in g


def test_sample_chemical_formula() -> None:
    rec = {
        "sampleId": "S-2",
        "description": "Lysozyme",
        "sampleCharacteristics": {"chemical_formula": "C613 H959"},
    }
    g = graph("Samples", rec)
    sample = URIRef(CTX.node("sample", "S-2"))
    assert g.value(sample, DCTERMS.title) == Literal("Lysozyme")
    assert g.value(sample, p("chemicalFormula")) == Literal("C613 H959")


# --- published data ------------------------------------------------------------------------------

V3_PUBLISHED = {
    "doi": "10.17199/ABC-1",
    "title": "SANS",
    "creator": ["Oliver Lohmann", "al."],
    "publisher": "ESS",
    "publicationYear": 2019,
    "pidArray": ["20.500.12269/abc-1"],
    "relatedPublications": [
        "J. Appl. Cryst. (2020). 53, 188 https://doi.org/10.1107/S1600576720000151."
    ],
}
V4_PUBLISHED = {
    "doi": "10.17199/ABC-1",
    "title": "SANS",
    "datasetPids": ["20.500.12269/abc-1"],
    "metadata": {
        "creators": [{"name": "Oliver Lohmann"}],
        "publisher": {"name": "ESS"},
        "publicationYear": 2019,
        "relatedIdentifiers": [
            {
                "relatedIdentifier": V3_PUBLISHED["relatedPublications"][0],  # type: ignore[index]
                "relationType": "IsCitedBy",
            }
        ],
    },
}


def test_v3_and_v4_published_data_give_the_same_triples() -> None:
    assert isomorphic(graph("PublishedData", V3_PUBLISHED), graph("PublishedData", V4_PUBLISHED))


def test_published_data_pids_link_both_ways_to_the_dataset_nodes() -> None:
    g = graph("PublishedData", V3_PUBLISHED)
    pub = URIRef("https://doi.org/10.17199/abc-1")  # lower-cased DOI IRI
    ds = URIRef("https://hdl.handle.net/20.500.12269/abc-1")
    assert ds == URIRef(CTX.node("dataset", V3_DATASET["pid"]))  # what the Datasets map gives
    assert (pub, DCTERMS.hasPart, ds) in g
    assert (ds, DCTERMS.isPartOf, pub) in g
    assert g.value(pub, DCTERMS.identifier) == Literal("10.17199/ABC-1")  # registered form
    assert g.value(pub, DCTERMS.issued) == Literal("2019", datatype=XSD.gYear)
    assert set(g.objects(pub, DCTERMS.creator)) == {URIRef(CTX.mint("person", "Oliver Lohmann"))}


def test_a_doi_in_related_publications_is_a_publication_citing_the_data() -> None:
    g = graph("PublishedData", V3_PUBLISHED)
    pub = URIRef("https://doi.org/10.17199/abc-1")
    paper = URIRef("https://doi.org/10.1107/s1600576720000151")
    assert {FABIO_EXPRESSION, SCHOLARLY} <= set(g.objects(paper, RDF.type))
    assert (paper, URIRef(CITO + "citesAsDataSource"), pub) in g
    assert (pub, DCTERMS.isReferencedBy, paper) in g
    assert g.value(paper, DCTERMS.bibliographicCitation) is not None


def test_free_text_related_publication_keeps_its_citation() -> None:
    rec = {
        "doi": "10.9999/x",
        "relatedPublications": ["Collins et al. (2021). Zenodo record 4444832"],
    }
    g = graph("PublishedData", rec)
    (paper,) = g.subjects(URIRef(CITO + "citesAsDataSource"), URIRef("https://doi.org/10.9999/x"))
    assert str(paper).startswith(f"{vocab.DEFAULT_BASE}/id/publication/test-scicat/")
    assert g.value(paper, DCTERMS.bibliographicCitation) == Literal(rec["relatedPublications"][0])


@pytest.mark.parametrize(
    ("text", "doi"),
    [
        (
            "… Nat Commun 11, 1793 (2020). https://doi.org/10.1038/s41467-020-15613-1",
            "10.1038/s41467-020-15613-1",
        ),
        ("IEEE TCI (2019), doi:10.1109/TCI.2019.2898088", "10.1109/tci.2019.2898088"),
        ("JACS (2020). https://pubs.acs.org/doi/abs/10.1021/jacs.0c04468", "10.1021/jacs.0c04468"),
        ("(doi:10.1000/xyz(12)3).", "10.1000/xyz(12)3"),
        ("Zenodo. https://zenodo.org/record/4444832", None),
    ],
)
def test_doi_in_text(text: str, doi: str | None) -> None:
    assert doi_in_text(text) == (f"https://doi.org/{doi}" if doi else None)


def test_published_data_without_a_doi_is_minted_from_its_pid() -> None:
    g = graph("PublishedData", {"pid": "pub-7", "doi": "", "title": "t"})
    assert (URIRef(CTX.node("dataset", "pub-7")), RDF.type, DCAT.Dataset) in g


def test_facility_of_the_source_publishes_datasets_and_published_data() -> None:
    ctx = Context("test-scicat", facility_name="ESS", facility_ror="https://ror.org/01wv9cn34")
    ess = URIRef("https://ror.org/01wv9cn34")
    for collection, record in (("Datasets", V3_DATASET), ("PublishedData", V3_PUBLISHED)):
        g = graph(collection, record, ctx)
        assert set(g.objects(None, DCTERMS.publisher)) == {ess}
        assert (ess, FOAF.name, Literal("ESS")) in g


@pytest.mark.parametrize(
    ("collection", "record"),
    [
        ("Datasets", {"datasetName": "no pid"}),
        ("Datasets", {"pid": "  "}),
        ("Proposals", {"title": "no id"}),
        ("Instruments", {"name": "no id"}),
        ("Samples", {"description": "no id"}),
        ("OrigDatablocks", {"dataFileList": [{"path": "a"}]}),
        ("PublishedData", {"title": "no doi", "doi": ""}),
    ],
)
def test_a_record_without_an_identifier_raises_mapping_error(
    collection: str, record: dict[str, Any]
) -> None:
    with pytest.raises(MappingError):
        map_record(CTX, collection, record)


# --- schemas -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SCHEMA_DIR.glob("scicat-*.json")), ids=lambda x: x.stem)
def test_scicat_schemas_compile(path: Any) -> None:
    fastjsonschema.compile(json.loads(path.read_text(encoding="utf-8")))


def test_schemas_accept_v3_and_v4_records() -> None:
    for rec in (V3_DATASET, V4_DATASET):
        validate("scicat-datasets", rec)
    for rec in (V3_PUBLISHED, V4_PUBLISHED):
        validate("scicat-publisheddata", rec)


@pytest.mark.parametrize(
    "change",
    [
        {"size": "1000"},
        {"datasetName": 42},
        {"pid": ""},
        {"proposalIds": "P-1"},
        {"isPublished": "yes"},
    ],
)
def test_dataset_schema_refuses_wrongly_typed_fields(change: dict[str, Any]) -> None:
    with pytest.raises(RecordInvalid):
        validate("scicat-datasets", {**V4_DATASET, **change})


def test_origdatablock_schema_needs_file_paths() -> None:
    with pytest.raises(RecordInvalid):
        validate("scicat-origdatablocks", {"datasetId": "d", "dataFileList": [{"size": 3}]})


# --- the source --------------------------------------------------------------------------------


class _RecordingHttp:
    """Answers every GET with ``pages`` in turn, and records what was asked."""

    def __init__(self, *pages: Any) -> None:
        self.pages = list(pages)
        self.calls: list[tuple[str, dict[str, Any], dict[str, Any]]] = []

    def get_json(self, url: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        self.calls.append((url, json.loads((params or {})["filter"]), kw.get("headers") or {}))
        return self.pages.pop(0) if self.pages else []

    def close(self) -> None:
        pass


def _source(http: Any, **options: Any) -> ScicatSource:
    config = parse_source(
        {"name": "s", "kind": "scicat", "url": "https://scicat.example/api/v3/", "options": options}
    )
    return ScicatSource(config, http)


def test_v3_filter_token_and_since(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCICAT_TEST_TOKEN", "secret-1")
    http = _RecordingHttp([{"pid": "a"}])
    _source(http, token_env="SCICAT_TEST_TOKEN").fetch("Datasets", 20, 10, "2024-01-01")
    url, flt, headers = http.calls[0]
    assert url == "https://scicat.example/api/v3/datasets"
    assert flt["where"] == {"updatedAt": {"gt": "2024-01-01"}}
    assert (flt["skip"], flt["limit"], flt["order"]) == (20, 10, "createdAt ASC")
    assert flt["limits"] == {"skip": 20, "limit": 10, "order": "createdAt:asc"}
    assert headers == {"Authorization": "Bearer secret-1"}


def test_v4_filter_and_public_routes_without_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCICAT_TEST_TOKEN", raising=False)
    http = _RecordingHttp([{"pid": "a"}], [{"_id": "b"}])
    source = _source(http, api_version="v4", token_env="SCICAT_TEST_TOKEN")
    source.fetch("Datasets", 0, 5, "2024-01-01")
    source.fetch("PublishedData", 0, 5, None)
    (url, flt, headers), (url2, flt2, _) = http.calls
    assert url == "https://scicat.example/api/v3/datasets/public"
    assert flt == {
        "where": {"updatedAt": {"$gt": "2024-01-01"}},
        "limits": {"skip": 0, "limit": 5, "order": "createdAt:asc"},
    }
    assert headers == {}
    assert url2.endswith("/publisheddata") and flt2["where"] == {}


def test_a_json_object_instead_of_an_array_is_an_error() -> None:
    with pytest.raises(HarvestHttpError, match="JSON array"):
        _source(_RecordingHttp({"error": "x"})).fetch("Samples", 0, 5, None)


def test_a_server_that_ignores_skip_stops_the_harvest() -> None:
    page = [{"sampleId": "s1"}, {"sampleId": "s2"}]
    source = _source(_RecordingHttp(page, copy.deepcopy(page)))
    with pytest.raises(HarvestHttpError, match="ignores the paging"):
        list(source.pages({"collection": 2, "skip": 0}, None))


def test_pages_every_record_of_every_collection_over_http() -> None:
    collections = load_snapshot(SNAPSHOT)
    with catalogue_server({"cat": Catalogue("scicat", copy.deepcopy(collections))}) as (url, _):
        config = parse_source(
            {"name": "s", "kind": "scicat", "url": f"{url}/cat/api/v3", "page_size": 4}
        )
        http = HttpClient(timeout=5, policy=RetryPolicy(retries=1, backoff=0.01))
        source = ScicatSource(config, http)
        got: dict[str, list[Any]] = {}
        for page in source.pages(None, None):
            got.setdefault(page.collection, []).extend(page.records)
        source.close()
    assert got == {c: collections[c] for c in ScicatSource.collections if collections.get(c)}


# --- dct:source and pan:instrument ---------------------------------------------------------------

API = "https://scicat.example.org/api/v3"


def test_records_name_their_url_in_the_api_as_the_source_builds_routes() -> None:
    ctx = Context("test-scicat", api=API)
    ds = URIRef("https://hdl.handle.net/20.500.12269/abc-1")
    for rec in (V3_DATASET, V4_DATASET):
        g = graph("Datasets", rec, ctx)
        assert set(g.objects(ds, DCTERMS.source)) == {
            URIRef(f"{API}/datasets/20.500.12269%2Fabc-1")
        }
    g = graph("Proposals", {"proposalId": "P 9/1", "title": "t"}, ctx)
    assert set(g.objects(URIRef(ctx.node("proposal", "P 9/1")), DCTERMS.source)) == {
        URIRef(f"{API}/proposals/P%209%2F1")
    }
    g = graph("PublishedData", V3_PUBLISHED, ctx)
    assert set(g.objects(URIRef("https://doi.org/10.17199/abc-1"), DCTERMS.source)) == {
        URIRef(f"{API}/publisheddata/10.17199%2FABC-1")
    }
    assert not list(graph("Datasets", V3_DATASET).triples((None, DCTERMS.source, None)))


def test_dataset_instruments_are_direct_edges_and_used_by_the_experiment() -> None:
    rec = {**V4_DATASET, "instrumentIds": ["I-1", "I-2"]}
    g = graph("Datasets", rec)
    ds = URIRef("https://hdl.handle.net/20.500.12269/abc-1")
    exp = URIRef(CTX.mint("experiment", "20.500.12269/abc-1"))
    instruments = {URIRef(CTX.node("instrument", i)) for i in ("I-1", "I-2")}
    assert set(g.objects(ds, p("instrument"))) == instruments
    assert set(g.objects(exp, PROV.used)) == instruments
