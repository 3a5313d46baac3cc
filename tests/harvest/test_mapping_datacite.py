"""The datacite kind's mapping: golden file over the demo snapshot (two real ESRF DOIs), then
focused cases: REST JSON and registered kernel-4 XML agree, DOI spellings, dates, people, ESRF
subjects, relationTypes, and XML that must be refused.

tests/data copies: ``esrf-*.datacite-kernel4.xml`` from ../shared/fixtures/datacite (decoded
``xml`` attribute of the real records, skg-if/api-impl-doira @ 1c156b15);
``datacite-example-{full,instrument}-v4.xml`` from ../shared/schemas/datacite/kernel-4/example
(datacite/schema @ 471512cb).
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import replace
from typing import Any

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, XSD

from pancommons.harvest.mapping.common import Context, MappingError
from pancommons.harvest.mapping.datacite import map_attributes, map_record
from pancommons.harvest.mapping.datacite_xml import parse_resource, resource_to_attributes
from pancommons.harvest.validate import RecordInvalid, validate
from tests.harvest.golden import DATA, SNAPSHOTS, assert_golden, map_snapshot

PAN = Namespace("https://w3id.org/pan-commons/ns#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")  # rdflib's DCAT is DCAT 2 (no inSeries)
CITO = Namespace("http://purl.org/spar/cito/")
SCHEMA = Namespace("http://schema.org/")
FABIO_EXPRESSION = URIRef("http://purl.org/spar/fabio/Expression")
ESRF = URIRef("https://ror.org/02550n020")
CTX = Context("demo-datacite", facility_name="ESRF", facility_ror=str(ESRF))
ES = URIRef("https://doi.org/10.15151/esrf-es-2210534378")
DC = URIRef("https://doi.org/10.15151/esrf-dc-2493599001")
RECORDS: list[dict[str, Any]] = json.loads(
    (SNAPSHOTS / "demo-datacite" / "dois.json").read_text(encoding="utf-8")
)


def nt(text: str) -> Graph:
    return Graph().parse(data=text, format="nt")


def graph(record: dict[str, Any], ctx: Context = CTX) -> Graph:
    return nt(map_record(ctx, "dois", record).text_value())


def xml_graph(xml: bytes, ctx: Context = CTX) -> Graph:
    return nt(map_attributes(ctx, resource_to_attributes(parse_resource(xml))).text_value())


def minted(kind: str, local: str) -> URIRef:
    return URIRef(CTX.mint(kind, local))


def record(doi: str, **attributes: Any) -> dict[str, Any]:
    """A small hand-made REST record."""
    attrs = {"doi": doi, "titles": [{"title": "T"}], "types": {"resourceTypeGeneral": "Dataset"}}
    return {"id": doi.lower(), "type": "dois", "attributes": {**attrs, **attributes}}


# --- the demo snapshot ---------------------------------------------------------------------------


def test_demo_snapshot_matches_golden_file() -> None:
    g, refused = map_snapshot(
        "datacite",
        "demo-datacite",
        source="demo-datacite",
        facility={"name": "ESRF", "ror": str(ESRF)},
    )
    assert refused == []
    assert_golden(g, "golden-demo-datacite")


def test_registered_spelling_is_kept_and_the_node_is_lower_case() -> None:
    g = graph(RECORDS[0])  # the API says 10.15151/esrf-es-…, the registered XML ESRF-ES-…
    assert (ES, DCTERMS.identifier, Literal("10.15151/ESRF-ES-2210534378")) in g
    assert (ES, RDF.type, DCAT.Dataset) in g
    without_xml = copy.deepcopy(RECORDS[0])
    del without_xml["attributes"]["xml"]
    assert (ES, DCTERMS.identifier, Literal("10.15151/esrf-es-2210534378")) in graph(without_xml)


@pytest.mark.parametrize("name", ["esrf-es-2210534378", "esrf-dc-2493599001"])
def test_rest_json_and_registered_xml_give_the_same_graph(name: str) -> None:
    rest = next(r for r in RECORDS if r["id"].endswith(name))
    from_json = graph(rest)
    from_xml = xml_graph((DATA / f"{name}.datacite-kernel4.xml").read_bytes())
    # The landing page (attributes.url) is the only thing the registered XML does not carry.
    landing = list(from_json.triples((None, DCAT.landingPage, None)))
    assert len(landing) == 1
    from_json.remove(landing[0])
    assert isomorphic(from_json, from_xml), graph_diff(
        to_isomorphic(from_json), to_isomorphic(from_xml)
    )
    assert len(from_xml) > 40


def test_doi_spellings_are_one_node() -> None:
    upper = nt(
        map_attributes(
            CTX, {"doi": "10.15151/ESRF-ES-1", "types": {"resourceTypeGeneral": "Dataset"}}
        ).text_value()
    )
    lower = graph(record("10.15151/esrf-es-1"))
    node = URIRef("https://doi.org/10.15151/esrf-es-1")
    assert (
        set(upper.subjects(RDF.type, DCAT.Dataset))
        == set(lower.subjects(RDF.type, DCAT.Dataset))
        == {node}
    )
    assert (node, DCTERMS.identifier, Literal("10.15151/ESRF-ES-1")) in upper
    # a related DOI in another spelling meets the same node
    rel = {
        "relatedIdentifier": "https://doi.org/10.15151/ESRF-ES-1",
        "relatedIdentifierType": "DOI",
        "relationType": "IsPartOf",
    }
    g = graph(record("10.15151/ESRF-ES-2", relatedIdentifiers=[rel]))
    assert (URIRef("https://doi.org/10.15151/esrf-es-2"), DCTERMS.isPartOf, node) in g


def test_dates_by_type() -> None:
    g = graph(RECORDS[0])
    exp = minted("experiment", "10.15151/esrf-es-2210534378")
    assert (ES, DCTERMS.available, Literal("2028-09-06", datatype=XSD.date)) in g  # embargo end
    assert (ES, DCTERMS.issued, Literal("2028", datatype=XSD.gYear)) in g
    assert (ES, PROV.wasGeneratedBy, exp) in g
    assert (exp, PROV.startedAtTime, Literal("2025-09-05", datatype=XSD.date)) in g
    assert not list(g.triples((exp, PROV.endedAtTime, None)))
    dates = [
        {"date": "2024-01-01/2024-12-31", "dateType": "Collected"},
        {"date": "2024-02", "dateType": "Created"},
        {"date": "2024-03-01T10:00:00Z", "dateType": "Updated"},
    ]
    g = graph(record("10.1234/x", dates=dates, publicationYear=2025))
    x, exp = URIRef("https://doi.org/10.1234/x"), minted("experiment", "10.1234/x")
    assert (exp, PROV.endedAtTime, Literal("2024-12-31", datatype=XSD.date)) in g
    assert (x, DCTERMS.created, Literal("2024-02", datatype=XSD.gYearMonth)) in g
    assert (x, DCTERMS.modified, Literal("2024-03-01T10:00:00Z", datatype=XSD.dateTime)) in g
    assert (x, DCTERMS.issued, Literal("2025", datatype=XSD.gYear)) in g  # from publicationYear
    with pytest.raises(MappingError, match="dates"):
        map_record(
            CTX, "dois", record("10.1234/x", dates=[{"date": "2024-13-45", "dateType": "Issued"}])
        )


def test_creators_with_orcid_others_minted_and_isni_is_no_orcid() -> None:
    g = graph(RECORDS[1])
    creators = set(g.objects(DC, DCTERMS.creator))
    assert len(creators) == 10
    assert URIRef("https://orcid.org/0000-0002-1008-0687") in creators
    assert minted("person", "Kulik,Zoe") in creators
    assert len([c for c in creators if str(c).startswith("https://orcid.org/")]) == 7
    assert (minted("person", "Kulik,Zoe"), FOAF.familyName, Literal("Kulik")) in g
    isni = {"nameIdentifier": "0000000121032683", "nameIdentifierScheme": "ISNI"}
    g = graph(record("10.1234/x", creators=[{"name": "Doe, Jane", "nameIdentifiers": [isni]}]))
    assert set(g.objects(URIRef("https://doi.org/10.1234/x"), DCTERMS.creator)) == {
        minted("person", "Doe, Jane")
    }


def test_esrf_subjects_and_roles() -> None:
    g = graph(RECORDS[0])
    exp = minted("experiment", "10.15151/esrf-es-2210534378")
    instrument, proposal = minted("instrument", "ID30A-3"), minted("proposal", "MX-2738")
    assert (exp, PROV.used, instrument) in g and (instrument, PAN.facility, ESRF) in g
    assert (exp, PAN.proposal, proposal) in g
    assert (ES, DCAT.inSeries, minted("series", "MX-2738")) in g
    assert str(g.value(proposal, DCTERMS.title)).startswith("Swiss consortium")  # the award title
    assert (ES, DCAT.keyword, Literal("Macromolecular Crystallography")) in g
    local_contact = URIRef("https://orcid.org/0000-0003-0391-8290")  # contributorType DataCollector
    assert (exp, PROV.wasAssociatedWith, local_contact) in g
    assert (ES, DCTERMS.contributor, local_contact) in g
    assert (ES, DCTERMS.publisher, ESRF) in g
    assert (ES, DCTERMS.license, URIRef("https://spdx.org/licenses/CC-BY-4.0")) in g
    grant = next(g.objects(ES, SCHEMA.funding))
    assert (grant, SCHEMA.funder, ESRF) in g and (grant, SCHEMA.identifier, Literal("MX-2738")) in g
    g = graph(RECORDS[1])  # "LS-3436,LS-3437": two proposals
    exp = minted("experiment", "10.15151/esrf-dc-2493599001")
    assert set(g.objects(exp, PAN.proposal)) == {
        minted("proposal", "LS-3436"),
        minted("proposal", "LS-3437"),
    }


def test_is_cited_by_doi_gives_the_publication_citing_the_data() -> None:
    rels = [
        {
            "relatedIdentifier": "10.1103/PhysRevB.1",
            "relatedIdentifierType": "DOI",
            "relationType": "IsCitedBy",
        },
        {
            "relatedIdentifier": "10.1234/data",
            "relatedIdentifierType": "DOI",
            "relationType": "IsCitedBy",
            "resourceTypeGeneral": "Dataset",
        },
    ]
    g = graph(record("10.1234/ds", relatedIdentifiers=rels))
    ds, paper = URIRef("https://doi.org/10.1234/ds"), URIRef("https://doi.org/10.1103/physrevb.1")
    assert {FABIO_EXPRESSION, SCHEMA.ScholarlyArticle} <= set(g.objects(paper, RDF.type))
    assert (paper, DCTERMS.identifier, Literal("10.1103/PhysRevB.1")) in g
    assert (paper, CITO.citesAsDataSource, ds) in g and (ds, DCTERMS.isReferencedBy, paper) in g
    assert (ds, CITO.isCitedBy, URIRef("https://doi.org/10.1234/data")) in g  # a dataset: no paper
    # registered on the article's DOI instead, the same two triples
    cites = {"relatedIdentifier": "10.1234/DS", "relatedIdentifierType": "DOI"}
    cites |= {"relationType": "Cites", "resourceTypeGeneral": "Dataset"}
    article = {"resourceTypeGeneral": "JournalArticle"}
    g = graph(record("10.1103/PhysRevB.1", types=article, relatedIdentifiers=[cites]))
    assert (ds, RDF.type, DCAT.Dataset) in g
    assert (paper, CITO.citesAsDataSource, ds) in g and (ds, DCTERMS.isReferencedBy, paper) in g


def test_relation_types_and_directions() -> None:
    def rel(doi: str, relation: str) -> dict[str, str]:
        return {"relatedIdentifier": doi, "relatedIdentifierType": "DOI", "relationType": relation}

    rels = [rel("10.1234/old", "IsNewVersionOf"), rel("10.1234/new", "IsPreviousVersionOf"),
            rel("10.1234/src", "IsDerivedFrom"), rel("10.1234/out", "IsSourceOf"),
            rel("10.1234/same", "IsIdenticalTo"), rel("10.1234/doc", "IsDocumentedBy"),
            rel("10.1234/c", "Continues"), rel("10.1234/x", "IsDescribedBy")]  # fmt: skip
    g = graph(record("10.1234/me", relatedIdentifiers=rels))
    me = URIRef("https://doi.org/10.1234/me")

    def d(s: str) -> URIRef:
        return URIRef(f"https://doi.org/10.1234/{s}")

    assert (me, DCAT.previousVersion, d("old")) in g and (d("new"), DCAT.previousVersion, me) in g
    assert (me, PROV.wasDerivedFrom, d("src")) in g and (d("out"), PROV.wasDerivedFrom, me) in g
    assert (me, OWL.sameAs, d("same")) in g and (me, CITO.isDocumentedBy, d("doc")) in g
    assert (me, DCTERMS.relation, d("c")) in g and (me, CITO.isDescribedBy, d("x")) in g


def test_full_kernel4_example() -> None:
    g = xml_graph((DATA / "datacite-example-full-v4.xml").read_bytes())
    me = URIRef("https://doi.org/10.82433/b09z-4k37")
    assert (me, DCTERMS.title, Literal("Example Title")) in g
    assert (me, DCTERMS.alternative, Literal("Example Subtitle")) in g
    assert (me, DCTERMS.tableOfContents, Literal("Example TableOfContents")) in g
    assert (me, DCAT.byteSize, Literal("1000000", datatype=XSD.nonNegativeInteger)) in g  # "1 MB"
    assert (me, DCTERMS.extent, Literal("90 pages")) in g
    assert (me, DCTERMS.references, URIRef("http://www.heatflow.und.edu/index2.html")) in g  # URL
    assert (
        me,
        CITO.isDescribedBy,
        URIRef("https://hdl.handle.net/10013/epic.10033"),
    ) in g  # Handle
    assert (me, DCTERMS.relation, Literal("ark:/13030/tqb3kh97gh8w")) in g  # ARK: a literal
    assert (me, DCTERMS.contributor, URIRef("https://ror.org/03yrm5c26")) in g  # Organizational
    grant = next(g.objects(me, SCHEMA.funding))
    assert (grant, SCHEMA.funder, URIRef("https://doi.org/10.13039/501100000780")) in g
    assert (grant, SCHEMA.url, URIRef("https://example.com/example-award-uri")) in g
    assert not [t for t in g if isinstance(t[0], BNode) or isinstance(t[2], BNode)]


def test_instrument_doi() -> None:
    g = xml_graph((DATA / "datacite-example-instrument-v4.xml").read_bytes())
    me, hzb = URIRef("https://doi.org/10.82433/08qf-ee96"), URIRef("https://ror.org/02aj13c28")
    assert (me, RDF.type, PAN.Instrument) in g and (me, PAN.facility, hzb) in g
    assert (hzb, RDF.type, PAN.Facility) in g
    # "1234.1675" is no Handle (no prefix/suffix): kept as text, not made an IRI
    assert (me, DCTERMS.relation, Literal("1234.1675")) in g
    assert not list(g.triples((None, RDF.type, PAN.Experiment)))


def test_owned_nodes_are_the_doi_and_its_experiment() -> None:
    t = map_record(CTX, "dois", RECORDS[0])
    assert set(t.owned) == {f"<{ES}>", f"<{minted('experiment', '10.15151/esrf-es-2210534378')}>"}


# --- XML that must be refused --------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE resource [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
<!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;"><!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">]>
<resource xmlns="http://datacite.org/schema/kernel-4"><identifier identifierType="DOI">10.1/&i;</identifier>
<titles><title>&i;</title></titles></resource>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE resource [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<resource xmlns="http://datacite.org/schema/kernel-4"><identifier identifierType="DOI">10.1/x</identifier>
<titles><title>&x;</title></titles></resource>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?><!DOCTYPE resource SYSTEM "file:///etc/passwd">
<resource xmlns="http://datacite.org/schema/kernel-4"><identifier>10.1/x</identifier></resource>"""


@pytest.mark.parametrize(
    "xml", [BILLION_LAUGHS, EXTERNAL, EXTERNAL_DTD], ids=["laughs", "xxe", "dtd"]
)
def test_xml_with_entities_is_refused_unexpanded(xml: bytes) -> None:
    start = time.monotonic()
    with pytest.raises(MappingError, match="refused") as err:
        parse_resource(xml)
    assert time.monotonic() - start < 1.0
    assert "root:" not in str(err.value) and "aaaaaaaaaa" not in str(err.value)


def test_not_a_resource_or_not_xml_is_refused() -> None:
    with pytest.raises(MappingError, match="resource"):
        parse_resource(b"<record/>")
    with pytest.raises(MappingError, match="well-formed"):
        parse_resource(b"<resource>")


def test_record_schema() -> None:
    for r in RECORDS:
        validate("datacite-dois", r)
    with pytest.raises(RecordInvalid, match="doi"):
        validate("datacite-dois", {"id": "10.1234/x", "attributes": {"doi": 42}})
    with pytest.raises(RecordInvalid, match="titles"):
        validate(
            "datacite-dois", {"id": "10.1234/x", "attributes": {"doi": "10.1234/x", "titles": "t"}}
        )
    with pytest.raises(MappingError, match="not a DOI"):
        map_record(CTX, "dois", record("not-a-doi"))


# --- dct:source and pan:instrument ---------------------------------------------------------------


def test_doi_records_its_url_in_the_configured_api() -> None:
    ctx = replace(CTX, api="https://api.test.datacite.org")
    g = graph(RECORDS[0], ctx)
    assert set(g.objects(ES, DCTERMS.source)) == {
        URIRef("https://api.test.datacite.org/dois/10.15151/esrf-es-2210534378")
    }
    assert set(g.subjects(DCTERMS.source, None)) == {ES}
    assert not list(graph(RECORDS[0]).triples((None, DCTERMS.source, None)))


def test_instrument_subject_and_pidinst_relation_are_the_datasets_instrument() -> None:
    g = graph(RECORDS[0])
    exp, beamline = (
        minted("experiment", "10.15151/esrf-es-2210534378"),
        minted("instrument", "ID30A-3"),
    )
    assert (ES, PAN.instrument, beamline) in g and (exp, PROV.used, beamline) in g
    pidinst = {
        "relatedIdentifier": "10.82433/08QF-EE96",
        "relatedIdentifierType": "DOI",
        "relationType": "IsCollectedBy",
        "resourceTypeGeneral": "Instrument",
    }
    other = {**pidinst, "relatedIdentifier": "10.1234/other", "resourceTypeGeneral": "Other"}
    g = graph(record("10.1234/ds", relatedIdentifiers=[pidinst, other]))
    ds, inst = URIRef("https://doi.org/10.1234/ds"), URIRef("https://doi.org/10.82433/08qf-ee96")
    exp = minted("experiment", "10.1234/ds")
    assert (ds, PAN.instrument, inst) in g and (exp, PROV.used, inst) in g
    assert (inst, RDF.type, PAN.Instrument) in g
    # IsCollectedBy something that is not said to be an instrument stays a plain relation
    assert (ds, DCTERMS.relation, URIRef("https://doi.org/10.1234/other")) in g
    assert set(g.objects(ds, PAN.instrument)) == {inst}
