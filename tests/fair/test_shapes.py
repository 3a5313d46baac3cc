"""The FAIR metric catalogue in shapes/ (DESIGN §7, issue #5): well-formed, annotated, in the engine
subset, valid SHACL, and giving the expected results on the DataCite demo records."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, Literal, Namespace, URIRef

from pancommons.fair.shapes import PROPERTY_PARAMETERS

pyshacl = pytest.importorskip("pyshacl")

ROOT = Path(__file__).resolve().parents[2]
SHAPES = ROOT / "shapes"
DEMO = ROOT / "tests" / "data" / "golden-demo-datacite.ttl"

SH = Namespace("http://www.w3.org/ns/shacl#")
DCT = Namespace("http://purl.org/dc/terms/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DQV = Namespace("http://www.w3.org/ns/dqv#")
FTR = Namespace("https://w3id.org/ftr#")
PAN = Namespace("https://w3id.org/pan-commons/ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
TEST = "https://w3id.org/pan-commons/test/"
METRIC = "https://w3id.org/pan-commons/metric/"
METRIC_SET = URIRef("https://w3id.org/pan-commons/metric-set/1.0")
PRINCIPLES = {
    "F1",
    "F2",
    "F3",
    "F4",
    "A1",
    "A1.1",
    "A1.2",
    "A2",
    "I1",
    "I2",
    "I3",
    "R1",
    "R1.1",
    "R1.2",
    "R1.3",
}

# The one shape outside the engine subset (sh:sparql: the embargo rule needs the current time).
SPARQL_SHAPES = {URIRef(TEST + "PaN-embargo-overdue")}

# what the fast engine compiles: the shapes must use nothing else
CONSTRAINTS = PROPERTY_PARAMETERS - {SH.path}
STRUCTURE = {
    RDF.type,
    SH.path,
    SH.property,
    SH.targetClass,
    SH.severity,
    SH.message,
    SH.name,
    SH.description,
    RDFS.label,
    RDFS.comment,
}
ANNOTATIONS = {
    PAN.points,
    PAN.maturity,
    PAN.principle,
    PAN.remediation,
    PAN.mapsTo,
    PAN.online,
    PAN.applicableIf,
    DCT.isPartOf,
}
ALLOWED = CONSTRAINTS | STRUCTURE | ANNOTATIONS
NODE_KINDS = {SH.IRI, SH.Literal, SH.BlankNodeOrIRI}


def shape_files() -> list[Path]:
    return sorted(p for p in SHAPES.glob("*.ttl") if p.name != "metrics.ttl")


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    g = rdflib.Graph()
    for p in shape_files():
        g.parse(p, format="turtle")
    return g


@pytest.fixture(scope="module")
def metrics() -> rdflib.Graph:
    return rdflib.Graph().parse(SHAPES / "metrics.ttl", format="turtle")


def _tests_of(g: rdflib.Graph) -> set[URIRef]:
    return {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(TEST)}


@pytest.mark.parametrize("path", sorted(SHAPES.glob("*.ttl")), ids=lambda p: p.name)
def test_every_file_parses(path: Path) -> None:
    assert len(rdflib.Graph().parse(path, format="turtle")) > 0


def test_metrics_and_metric_set(metrics: rdflib.Graph) -> None:
    declared = set(metrics.subjects(RDF.type, DQV.Metric))
    assert declared and declared == set(metrics.subjects(RDF.type, FTR.Metric))
    assert set(metrics.objects(METRIC_SET, DCT.hasPart)) == declared
    assert metrics.value(
        METRIC_SET, URIRef("http://www.w3.org/2002/07/owl#versionInfo")
    ) == Literal("1.0")
    for m in declared:
        assert str(m).startswith(METRIC)
        assert metrics.value(m, DCT.title) and metrics.value(m, DCT.description)
        assert str(metrics.value(m, PAN.principle)) in PRINCIPLES
        assert metrics.value(m, URIRef("http://www.w3.org/2002/07/owl#versionInfo")) == Literal(
            "1.0"
        )


def test_every_test_is_annotated(shapes: rdflib.Graph, metrics: rdflib.Graph) -> None:
    declared = set(metrics.subjects(RDF.type, DQV.Metric))
    tests = _tests_of(shapes)
    assert len(tests) >= 40
    for t in tests:
        points = shapes.value(t, PAN.points)
        assert isinstance(points, Literal) and Decimal(str(points)) > 0, t
        assert shapes.value(t, PAN.maturity).toPython() in (1, 2, 3), t
        assert str(shapes.value(t, PAN.principle)) in PRINCIPLES, t
        rem = shapes.value(t, PAN.remediation)
        assert rem is not None and "DataCite" in rem and "schema.org" in rem, t
        assert list(shapes.objects(t, PAN.mapsTo)), t
        assert shapes.value(t, SH.severity) == SH.Violation, t
        assert shapes.value(t, SH.message), t
        metric = shapes.value(t, DCT.isPartOf)
        assert metric in declared, t
        # a test's principle is its metric's
        assert shapes.value(t, PAN.principle) == metrics.value(metric, PAN.principle), t


def test_every_metric_has_a_test(shapes: rdflib.Graph, metrics: rdflib.Graph) -> None:
    used = {shapes.value(t, DCT.isPartOf) for t in _tests_of(shapes)}
    assert set(metrics.subjects(RDF.type, DQV.Metric)) <= used


def test_online_tests_are_harmless_offline(shapes: rdflib.Graph, metrics: rdflib.Graph) -> None:
    online = {t for t in _tests_of(shapes) if shapes.value(t, PAN.online) == Literal(True)}
    assert {str(t).rsplit("/", 1)[1] for t in online} == {
        "F1-pid-resolves",
        "A1-landing-page-resolves",
        "A1-data-retrievable",
        "I1-content-negotiation",
    }
    for t in online:
        constraints = {p for p, _ in shapes.predicate_objects(t) if p in CONSTRAINTS}
        assert constraints == {SH.minCount} and shapes.value(t, SH.minCount).toPython() == 0
        assert metrics.value(shapes.value(t, DCT.isPartOf), PAN.online) == Literal(True)


def _check_path(g: rdflib.Graph, path: rdflib.term.Node) -> None:
    if isinstance(path, URIRef):
        return
    inverse = g.value(path, SH.inversePath)
    if inverse is not None:
        assert isinstance(inverse, URIRef) and set(g.predicates(path)) == {SH.inversePath}
        return
    items = list(rdflib.collection.Collection(g, path))
    assert len(items) >= 2 and all(isinstance(i, URIRef) for i in items), path


def _check_shape(g: rdflib.Graph, shape: rdflib.term.Node, nested: bool) -> None:
    for p, o in g.predicate_objects(shape):
        assert p in ALLOWED, f"{shape} uses {p}, outside the engine subset"
        if p == SH.targetClass:
            assert o == DCAT.Dataset and not nested, shape
        if p == SH.nodeKind:
            assert o in NODE_KINDS, shape
        if p == SH.path:
            _check_path(g, o)
        if p in (SH.property, SH.node, PAN.applicableIf):
            _check_shape(g, o, nested=p != SH.property or nested)
    if (shape, SH.path, None) not in g:  # a node shape: no constraint on the focus node itself
        assert not {p for p in g.predicates(shape)} & CONSTRAINTS, shape


def test_only_the_engine_subset_is_used(shapes: rdflib.Graph) -> None:
    roots = set(shapes.subjects(SH.targetClass, None)) - SPARQL_SHAPES
    assert roots
    for root in roots:
        assert (root, RDF.type, SH.NodeShape) in shapes
        _check_shape(shapes, root, nested=False)
    for t in _tests_of(shapes) - SPARQL_SHAPES:
        assert (None, SH.property, t) in shapes, f"{t} is attached to no node shape"
    # the SPARQL exception is exactly one, clearly separate, shape
    for s in SPARQL_SHAPES:
        assert (s, SH.sparql, None) in shapes
    assert {s for s in shapes.subjects(SH.sparql, None)} == SPARQL_SHAPES


def test_shapes_are_valid_shacl(shapes: rdflib.Graph) -> None:
    shsh = Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl"
    conforms, _, text = pyshacl.validate(
        shapes, shacl_graph=rdflib.Graph().parse(shsh), advanced=False
    )
    assert conforms, text


def _failures(data: rdflib.Graph, shapes: rdflib.Graph) -> dict[str, set[str]]:
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, advanced=False)
    out: dict[str, set[str]] = {}
    for r in report.subjects(RDF.type, SH.ValidationResult):
        shape = str(report.value(r, SH.sourceShape))
        out.setdefault(str(report.value(r, SH.focusNode)), set()).add(shape.removeprefix(TEST))
    return out


ESRF_DC = "https://doi.org/10.15151/esrf-dc-2493599001"  # raw data DOI, 10 creators, 7 with ORCID
ESRF_ES = "https://doi.org/10.15151/esrf-es-2210534378"  # experiment session DOI, embargo to 2028


def test_demo_datacite_results(shapes: rdflib.Graph) -> None:
    fails = _failures(rdflib.Graph().parse(DEMO), shapes)
    both = fails[ESRF_DC] & fails[ESRF_ES]
    for doi in (ESRF_DC, ESRF_ES):
        # a DOI, CC-BY-4.0 as an SPDX IRI, title, publisher, https landing page: passed
        assert not fails[doi] & {
            "F1-pid-syntax",
            "F4-datacite-doi",
            "A2-pid-policy",
            "I2-license-spdx",
            "R1.1-license-present",
            "F2-title",
            "F2-publisher",
            "F2-date",
            "F2-type",
            "F2-description-length",
            "F2-keywords",
            "A1.1-landing-page-http",
            "I3-series-link",
            "I3-instrument-link",
            "R1.2-generated-by",
            "PaN-embargo-overdue",
        }, doi
    # what the DataCite records do not say: no accessRights, distribution, PaNET theme, NeXus
    # definition, citing publication
    assert {
        "A1-access-rights-term",
        "F3-access-url",
        "I2-technique-panet",
        "R1.3-nexus-appdef",
        "R1.2-cited-by-publication",
        "R1.2-affiliation-ror",
    } <= both
    # the harvest records them as read from the DataCite REST API (dct:source)
    assert "I1-harvest-record" not in both
    # the session DOI's one creator has an ORCID; three of the raw-data DOI's ten have none
    assert "R1.2-creator-orcid" not in fails[ESRF_ES]
    assert "R1.2-creator-orcid" in fails[ESRF_DC]
    # only the session DOI has a funding reference (ESRF, ROR), a start time and an embargo date
    assert not fails[ESRF_ES] & {"R1.2-funder", "R1-context-time", "PaN-embargo-date"}
    assert {"R1.2-funder", "R1-context-time", "PaN-embargo-date"} <= fails[ESRF_DC]


def test_orcid_failures_name_the_creators(shapes: rdflib.Graph) -> None:
    _, report, _ = pyshacl.validate(rdflib.Graph().parse(DEMO), shacl_graph=shapes, advanced=False)
    values = {
        str(report.value(r, SH.value))
        for r in report.subjects(SH.sourceShape, URIRef(TEST + "R1.2-creator-orcid"))
    }
    assert len(values) == 3 and all(re.search(r"/person/demo-datacite/", v) for v in values)


def test_embargo_overdue_is_caught(shapes: rdflib.Graph) -> None:
    """The SPARQL-based embargo shape is deactivated until the fast engine runs sh:sparql
    (reported untested); its logic is checked here with pyshacl, reactivated."""
    overdue = URIRef(TEST + "PaN-embargo-overdue")
    assert (overdue, SH.deactivated, rdflib.Literal(True)) in shapes
    shapes = rdflib.Graph() + shapes
    shapes.remove((overdue, SH.deactivated, None))
    data = rdflib.Graph().parse(
        data="""
        @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <https://doi.org/10.5072/overdue> a dcat:Dataset ; dct:available "2019-03-18"^^xsd:date ;
            dct:accessRights <http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC> .
        <https://doi.org/10.5072/open> a dcat:Dataset ; dct:available "2019"^^xsd:gYear ;
            dct:accessRights <http://publications.europa.eu/resource/authority/access-right/PUBLIC> .
        <https://doi.org/10.5072/future> a dcat:Dataset ; dct:available "2999-01-01"^^xsd:date .
    """,
        format="turtle",
    )
    fails = _failures(data, shapes)
    assert "PaN-embargo-overdue" in fails["https://doi.org/10.5072/overdue"]
    assert "PaN-embargo-overdue" not in fails["https://doi.org/10.5072/open"]
    assert "PaN-embargo-overdue" not in fails["https://doi.org/10.5072/future"]
