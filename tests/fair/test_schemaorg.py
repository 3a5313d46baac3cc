"""schema.org JSON-LD in the what-if assessment: the mapping (harvest/mapping/schemaorg.py), its
agreement with the DataCite mapping of the same DOI, format guessing, the API and the CLI.

Nothing here may touch the network: the schema.org context is never fetched (the mapper reads
the document as JSON). ``no_network`` refuses every connection that is not to the loopback
interface, so a JSON-LD processor fetching ``https://schema.org`` would fail the test.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, XSD

from pancommons.fair.whatif import SCHEMA, SubmissionError, assess_record, guess_format
from pancommons.harvest.mapping.common import Context, MappingError
from pancommons.harvest.mapping.schemaorg import map_document

DATA = Path(__file__).resolve().parents[1] / "data"
XML = DATA / "esrf-dc-2493599001.datacite-kernel4.xml"
PAGE = DATA / "schemaorg-esrf-dc-2493599001.jsonld"  # a facility landing page's JSON-LD
EXPORT = DATA / "schemaorg-datacite-esrf-dc-2493599001.jsonld"  # DataCite's schema.org export
DOI = URIRef("https://doi.org/10.15151/esrf-dc-2493599001")
PAN = rdflib.Namespace("https://w3id.org/pan-commons/ns#")
SCHEMA_NS = rdflib.Namespace("http://schema.org/")
LDJSON = {"content-type": "application/ld+json"}
EXE = str(Path(sys.executable).with_name("pancommons"))
validate = fastjsonschema.compile(json.loads(SCHEMA.read_text()))


def test_the_guard_refuses_the_network(no_network: None) -> None:
    with pytest.raises(AssertionError, match="attempted"):
        socket.create_connection(("schema.org", 443), timeout=1)
    with socket.socket() as sock, pytest.raises(AssertionError, match="attempted"):
        sock.connect(("192.0.2.1", 443))


def graph(doc: bytes | str | dict[str, Any]) -> rdflib.Graph:
    data = json.dumps(doc) if isinstance(doc, dict) else doc
    g = rdflib.Graph()
    g.parse(data="".join(map_document(Context("submitted"), data).lines), format="nt")
    return g


def outcomes(answer: dict[str, Any]) -> dict[str, str]:
    return {t["test"].rsplit("/", 1)[-1]: t["outcome"] for t in answer["tests"]}


def minimal(**extra: Any) -> dict[str, Any]:
    return {"@context": "https://schema.org", "@type": "Dataset", "name": "x", **extra}


# --- (1) the mapping -----------------------------------------------------------------------------


def test_landing_page_dataset_is_mapped_as_datacite_would(no_network: None) -> None:
    g = graph(PAGE.read_bytes())
    assert (DOI, RDF.type, DCAT.Dataset) in g
    assert (DOI, DCTERMS.identifier, Literal("10.15151/ESRF-DC-2493599001")) in g
    assert str(g.value(DOI, DCTERMS.title)).startswith("High-resolution raw tomographic dataset")
    assert (DOI, DCTERMS.issued, Literal("2026", datatype=XSD.gYear)) in g
    creators = {str(c) for c in g.objects(DOI, DCTERMS.creator)}
    assert len(creators) == 10
    assert {"https://orcid.org/0000-0002-1008-0687", "https://orcid.org/0000-0002-5468-4896"} <= (
        creators
    )
    assert "https://w3id.org/pan-commons/id/person/submitted/Zoe%20Kulik" in creators
    jonah = URIRef("https://orcid.org/0000-0002-1008-0687")
    assert (jonah, PAN.affiliation, URIRef("https://ror.org/03rp50x72")) in g
    assert (DOI, DCTERMS.publisher, URIRef("https://ror.org/02550n020")) in g
    assert (DOI, DCTERMS.license, URIRef("https://spdx.org/licenses/CC-BY-4.0")) in g
    assert (DOI, DCTERMS.accessRights, URIRef("http://purl.org/coar/access_right/c_abf2")) in g
    landing = URIRef("https://doi.esrf.fr/10.15151/ESRF-DC-2493599001")
    assert (DOI, DCAT.landingPage, landing) in g
    dist = g.value(DOI, DCAT.distribution)
    data_url = URIRef("https://data.esrf.fr/doi/10.15151/ESRF-DC-2493599001")
    assert (dist, DCAT.accessURL, data_url) in g
    hdf5 = URIRef("https://www.iana.org/assignments/media-types/application/vnd.hdfgroup.hdf5")
    assert (dist, DCAT.mediaType, hdf5) in g
    assert g.value(dist, DCAT.byteSize).toPython() == 1_200_000_000_000
    panet = URIRef("http://purl.org/pan-science/PaNET/PaNET01332")
    assert (DOI, DCAT.theme, panet) in g
    experiment = g.value(DOI, PROV.wasGeneratedBy)
    assert (experiment, RDF.type, PAN.Experiment) in g
    assert (experiment, PAN.technique, panet) in g
    assert g.value(g.value(experiment, PROV.used), DCTERMS.title) == Literal("BM05")
    params = {str(g.value(p, PAN.name)): p for p in g.objects(experiment, PAN.parameter)}
    voxel = params["voxel size"]
    assert g.value(voxel, PAN.value).toPython() == 0.856
    assert g.value(voxel, PAN.unit) == Literal("µm")
    assert g.value(voxel, PAN.siValue).toPython() == pytest.approx(0.856e-6)
    assert (voxel, PAN.siUnit, URIRef("http://qudt.org/vocab/unit/M")) in g
    assert g.value(params["coarse voxel size"], PAN.unit) == Literal("µm")  # unitCode 4H
    assert len(list(g.objects(DOI, PAN.sample))) == 2
    catalog = g.value(predicate=DCAT.dataset, object=DOI)
    assert g.value(catalog, DCTERMS.title) == Literal("ESRF Data Portal")


def test_graph_references_prefixes_and_relations(no_network: None) -> None:
    doc = {
        "@context": {"@vocab": "http://schema.org/", "sdo": "https://schema.org/"},
        "@graph": [
            {
                "@id": "https://data.example.org/ds/7",
                "@type": "sdo:Dataset",
                "sdo:name": "Powder diffraction of LaB6",
                "identifier": "hdl:21.T11148/abc",
                "creator": {"@id": "https://orcid.org/0000-0002-1825-0097"},
                "keywords": "powder, PaNET01102, calibration",
                "funding": {
                    "@type": "MonetaryGrant",
                    "identifier": "MX-2738",
                    "funder": {"@id": "https://ror.org/02550n020", "name": "ESRF"},
                },
                "funder": {"@id": "https://ror.org/02550n020"},
                "license": "CC0-1.0",
                "isAccessibleForFree": False,
                "conditionsOfAccess": "embargoed until 2027-03-01",
                "subjectOf": {
                    "@type": "ScholarlyArticle",
                    "@id": "https://doi.org/10.1002/AR.25000",
                },
                "citation": "https://doi.org/10.1107/S1600576719000000",
                "isPartOf": {"@id": "https://doi.org/10.15151/ESRF-ES-123456789"},
                "isBasedOn": {
                    "@type": "Event",
                    "@id": "https://doi.org/10.15151/ESRF-ES-999",
                    "startDate": "2023-11-02",
                },
                "temporalCoverage": "2023-11-02/2023-11-05",
                "variableMeasured": {
                    "@type": "PropertyValue",
                    "name": "photon energy",
                    "value": {"@type": "QuantitativeValue", "value": "60", "unitCode": "KEV"},
                },
                "contactPoint": {"@type": "ContactPoint", "email": "dataportal@esrf.fr"},
            },
            {"@id": "https://orcid.org/0000-0002-1825-0097", "@type": "Person", "name": "J. Doe"},
        ],
    }
    g = graph(doc)
    ds = URIRef("https://hdl.handle.net/21.T11148/abc")  # a Handle identifier makes the IRI
    assert (ds, DCTERMS.identifier, Literal("hdl:21.T11148/abc")) in g
    assert (ds, DCTERMS.title, Literal("Powder diffraction of LaB6")) in g
    doe = URIRef("https://orcid.org/0000-0002-1825-0097")
    assert (ds, DCTERMS.creator, doe) in g and (doe, FOAF.name, Literal("J. Doe")) in g
    assert {str(k) for k in g.objects(ds, DCAT.keyword)} == {"powder", "calibration"}
    assert (ds, DCAT.theme, URIRef("http://purl.org/pan-science/PaNET/PaNET01102")) in g
    grants = list(g.objects(ds, SCHEMA_NS.funding))
    assert len(grants) == 1  # the bare funder is the grant's: not repeated
    assert (grants[0], SCHEMA_NS.funder, URIRef("https://ror.org/02550n020")) in g
    assert (ds, DCTERMS.license, URIRef("https://spdx.org/licenses/CC0-1.0")) in g
    non_public = "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC"
    assert (ds, DCTERMS.accessRights, URIRef(non_public)) in g
    assert (ds, DCTERMS.available, Literal("2027-03-01", datatype=XSD.date)) in g
    article = URIRef("https://doi.org/10.1002/ar.25000")
    assert (article, URIRef("http://purl.org/spar/cito/citesAsDataSource"), ds) in g
    assert (ds, DCTERMS.isReferencedBy, article) in g
    cited = URIRef("https://doi.org/10.1107/s1600576719000000")
    assert (ds, DCTERMS.references, cited) in g
    assert (ds, DCTERMS.isPartOf, URIRef("https://doi.org/10.15151/esrf-es-123456789")) in g
    session = URIRef("https://doi.org/10.15151/esrf-es-999")
    assert (ds, PROV.wasGeneratedBy, session) in g and (session, RDF.type, PAN.Experiment) in g
    assert (session, PROV.startedAtTime, Literal("2023-11-02", datatype=XSD.date)) in g
    assert (session, PROV.endedAtTime, Literal("2023-11-05", datatype=XSD.date)) in g
    energy = g.value(session, PAN.parameter)
    assert g.value(energy, PAN.value).toPython() == 60 and g.value(energy, PAN.unit) == Literal(
        "keV"
    )
    assert (energy, PAN.siUnit, URIRef("http://qudt.org/vocab/unit/J")) in g
    contact = g.value(ds, DCAT.contactPoint)
    vcard = rdflib.Namespace("http://www.w3.org/2006/vcard/ns#")
    assert (contact, vcard.hasEmail, URIRef("mailto:dataportal@esrf.fr")) in g


@pytest.mark.parametrize(
    ("extra", "node"),
    [
        ({"identifier": "https://doi.org/10.5281/ZENODO.42"}, "https://doi.org/10.5281/zenodo.42"),
        ({"@id": "https://data.ill.fr/ds/1", "identifier": "ILL-1"}, "https://data.ill.fr/ds/1"),
        ({"sameAs": ["doi:10.5291/ILL-DATA.5-31-2"]}, "https://doi.org/10.5291/ill-data.5-31-2"),
        ({"url": "https://example.org/x"}, "https://w3id.org/pan-commons/id/dataset/submitted/"),
    ],
)
def test_dataset_iri(extra: dict[str, Any], node: str, no_network: None) -> None:
    (subject,) = set(graph(minimal(**extra)).subjects(RDF.type, DCAT.Dataset))
    assert str(subject).startswith(node)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not JSON"),
        (json.dumps({"@context": "https://schema.org", "@type": "Person"}), "no Dataset"),
        (json.dumps({"@context": "https://schema.org", "@graph": []}), "no Dataset"),
        (json.dumps({"@context": "https://w3id.org/ro/crate/1.1/context"}), "@context"),
        (json.dumps(minimal(creator=3)), "creator"),
        (json.dumps(minimal(name={"a": 1})), "name"),
        (json.dumps(minimal(isAccessibleForFree="yes")), "isAccessibleForFree"),
        (json.dumps(minimal(datePublished="last spring")), "datePublished"),
        (json.dumps(minimal(distribution=[7])), "distribution"),
        (json.dumps(minimal(**{"@reverse": []})), "@reverse"),
        (json.dumps({"@context": "https://schema.org", "@type": "Dataset"}), "identify"),
    ],
)
def test_malformed_documents_name_the_problem(body: bytes | str, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        map_document(Context("submitted"), body)


# --- (2) agreement with the DataCite mapping --------------------------------------------------


def test_datacite_export_scores_as_the_registered_xml(no_network: None) -> None:
    """DataCite's schema.org export of a DOI against its registered kernel-4 XML: the same
    outcome on every test but five, each for a reason in the formats, not in the mapping."""
    xml = assess_record(XML.read_bytes(), "datacite-xml")
    so = assess_record(EXPORT.read_bytes(), "schemaorg")
    assert so["dataset"] == xml["dataset"] == str(DOI)
    dc, sx = outcomes(xml), outcomes(so)
    assert dc.keys() == sx.keys()
    differ = {k for k in dc if dc[k] != sx[k]}
    # The export flattens subjects into one "keywords" text: ESRF's subjectScheme "Proposal" and
    # "Instrument" (→ the experiment, its instrument and the proposal's series) are lost.
    lost = {"I3-series-link", "I3-instrument-link", "R1-context-instrument", "R1.2-generated-by"}
    # The registered XML has no landing page (DataCite keeps the URL outside it); the export does.
    gained = {"A1.1-landing-page-http"}
    assert differ == lost | gained
    assert all(dc[k] == "passed" and sx[k] == "failed" for k in lost)
    assert all(dc[k] == "failed" and sx[k] == "passed" for k in gained)
    for test in (
        "F1-pid-syntax", "F2-creator", "F2-title", "F2-identifier", "F2-date", "F2-publisher",
        "F2-type", "F2-description-length", "F2-keywords", "F4-datacite-doi", "A2-pid-policy",
        "I2-license-spdx", "R1-type", "R1.1-license-present",
    ):  # fmt: skip
        assert dc[test] == sx[test] == "passed", test
    for test in ("R1.2-creator-orcid", "R1.2-funder", "F3-access-url", "A1-access-rights-present"):
        assert dc[test] == sx[test] == "failed", test


def test_landing_page_passes_what_the_xml_passes_and_more(no_network: None) -> None:
    dc = outcomes(assess_record(XML.read_bytes(), "datacite-xml"))
    page = assess_record(PAGE.read_bytes(), "schemaorg")
    so = outcomes(page)
    passed_xml = {k for k, v in dc.items() if v == "passed"}
    passed_page = {k for k, v in so.items() if v == "passed"}
    # schema.org has no proposal: the page cannot link the dataset to its proposal's series.
    assert passed_xml - passed_page == {"I3-series-link"}
    assert {
        "F3-access-url", "A1-access-rights-term", "I2-technique-panet", "I2-media-type-iana",
        "R1-context-parameters", "R1-context-sample", "R1.2-affiliation-ror", "R1.3-open-format",
    } <= passed_page - passed_xml  # fmt: skip
    assert page["score"] > assess_record(XML.read_bytes(), "datacite-xml")["score"]


# --- (3) format guessing ----------------------------------------------------------------------


OUR_JSONLD = {
    "@context": {"dcat": "http://www.w3.org/ns/dcat#", "schema": "http://schema.org/"},
    "@id": "https://doi.org/10.15151/esrf-dc-1",
    "@type": "dcat:Dataset",
    "schema:funding": {"@id": "https://w3id.org/pan-commons/id/grant/x/1"},
}


@pytest.mark.parametrize(
    ("doc", "media_type", "expected"),
    [
        (PAGE.read_bytes(), None, "schemaorg"),
        (PAGE.read_bytes(), "application/ld+json", "schemaorg"),
        (EXPORT.read_bytes(), "application/json", "schemaorg"),
        (minimal(**{"@context": {"@vocab": "https://schema.org/"}}), None, "schemaorg"),
        (minimal(**{"@context": ["http://schema.org/", {"x": "urn:x:"}]}), None, "schemaorg"),
        ({"@type": "Dataset", "name": "no context"}, None, "schemaorg"),
        ([{"@context": "https://schema.org", "@type": "WebPage"}, minimal()], None, "schemaorg"),
        ({"@graph": [{"@type": "schema:Dataset"}]}, "application/ld+json", "schemaorg"),
        (OUR_JSONLD, None, "jsonld"),
        (OUR_JSONLD, "application/ld+json", "jsonld"),
        ({"data": {"attributes": {"doi": "10.1/x"}}}, None, "datacite-json"),
        (minimal(), "application/vnd.datacite.datacite+json", "datacite-json"),
        (minimal(), "text/turtle", "turtle"),
    ],
)
def test_guess_format(doc: Any, media_type: str | None, expected: str) -> None:
    data = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    assert guess_format(data, media_type) == expected


def test_our_vocabulary_jsonld_is_still_read_as_rdf(no_network: None) -> None:
    g = graph(PAGE.read_bytes())
    ours = g.serialize(format="json-ld").encode()
    assert guess_format(ours, "application/ld+json") == "jsonld"
    assert outcomes(assess_record(ours, "jsonld")) == outcomes(
        assess_record(PAGE.read_bytes(), "schemaorg")
    )
    with pytest.raises(SubmissionError, match="@context"):
        assess_record(ours, "schemaorg")


# --- (4) the API and (5) the CLI --------------------------------------------------------------


def test_api_scores_a_schemaorg_body(demo: tuple[TestClient, Path], no_network: None) -> None:
    client, _ = demo
    r = client.post("/fair/assess", content=PAGE.read_bytes(), headers=LDJSON)
    assert r.status_code == 200, r.text
    body = r.json()
    validate(body)
    assert body["dataset"] == str(DOI) and len(body["tests"]) >= 40
    assert outcomes(body)["I2-technique-panet"] == "passed"
    # The demo holds this DOI (harvested from DataCite): the page would newly pass, e.g.:
    newly = {t.rsplit("/", 1)[-1] for t in body["diff"]["newly_passed"]}
    assert {"F3-access-url", "R1-context-parameters"} <= newly


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (json.dumps({"@context": "https://schema.org", "@type": "Person"}), "no Dataset"),
        (json.dumps(minimal(creator=3)), "creator"),
        (b'{"@context": "https://schema.org", "@type": "Dataset", ', "schemaorg: not JSON"),
    ],
)
def test_api_refuses_malformed_schemaorg(
    demo: tuple[TestClient, Path], body: bytes | str, message: str
) -> None:
    client, _ = demo
    r = client.post("/fair/assess", content=body, headers=LDJSON)
    assert r.status_code == 400, r.text
    assert r.json()["status"] == 400 and message in r.json()["detail"]


def test_cli_prints_what_the_api_returns(demo: tuple[TestClient, Path], tmp_path: Path) -> None:
    client, store = demo
    record = tmp_path / "x.jsonld"
    record.write_bytes(PAGE.read_bytes())
    api = client.post("/fair/assess", content=record.read_bytes(), headers=LDJSON).json()
    out = subprocess.run(
        [EXE, "--store", str(store), "assess", "--file", str(record), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == api
