"""The DCAT-AP output of the whole demo catalogue (every page) against the official SEMIC
DCAT-AP 3.0.1 SHACL shapes (tests/data/dcat-ap/3.0.1, see PROVENANCE.md), with pyshacl.

Two published shape sets, both must give 0 violations:

* the hand-maintained split set ``html/shacl/``: core shapes, recommendations (warnings), class
  ranges, controlled vocabularies (MDR) and deprecated terms, as published;
* the generated set ``shacl/``: ``dcat-ap-SHACL.ttl`` + ``ranges.ttl``. Its ``sh:class
  dcat:Resource`` on ``foaf:primaryTopic`` needs the DCAT 3 class hierarchy (``dcat:Dataset
  rdfs:subClassOf dcat:Resource``...), given as the ontology graph; and five ``sh:property``
  references of the published files point at property shapes defined nowhere, which pyshacl
  refuses as ill-formed: they are dropped when loading (they constrain nothing).

The warnings (recommended properties the graph does not have, values outside the EU
vocabularies) are summarised, count per focus class, path and constraint, at the end of the
test session. The catalogue of synthetic records with the gaps and errors of real harvests
(``fair/synthetic.py``) must give 0 violations too.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyshacl
import pytest
import rdflib
from pyoxigraph import RdfFormat, serialize
from rdflib.namespace import RDF, SH

from pancommons import vocab
from pancommons.dcat.catalog import PageRequest, build_page, catalog_info
from pancommons.dcat.export import pages
from pancommons.dcat.ns import PREFIXES
from pancommons.fair.synthetic import records, vocabulary
from pancommons.store.embedded import EmbeddedStore
from tests.dcat.conftest import BASE, VALIDATION_REPORT

SHAPES = Path(__file__).resolve().parents[1] / "data" / "dcat-ap" / "3.0.1"
SPLIT = [
    "html/shacl/shapes.ttl",
    "html/shacl/shapes_recommended.ttl",
    "html/shacl/range.ttl",
    "html/shacl/mdr-vocabularies.shape.ttl",
    "html/shacl/deprecateduris.ttl",
]
GENERATED = ["shacl/dcat-ap-SHACL.ttl", "shacl/ranges.ttl"]
DCAT3_CLASSES = """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
dcat:Dataset rdfs:subClassOf dcat:Resource . dcat:DataService rdfs:subClassOf dcat:Resource .
dcat:Catalog rdfs:subClassOf dcat:Dataset . dcat:DatasetSeries rdfs:subClassOf dcat:Dataset .
"""


def shapes(files: list[str]) -> rdflib.Graph:
    g = rdflib.Graph()
    for name in files:
        g.parse(SHAPES / name, format="turtle")
    for shape, prop in list(g.subject_objects(SH.property)):
        if not any(g.predicate_objects(prop)):
            g.remove((shape, SH.property, prop))
    return g


@pytest.fixture(scope="module")
def catalogue(demo_store: EmbeddedStore) -> rdflib.Graph:
    """Every page of the demo catalogue (pages of 25 datasets), as one graph."""
    g = rdflib.Graph()
    for prefix, namespace in PREFIXES.items():
        g.bind(prefix, namespace, replace=True)
    for chunk in pages(demo_store, BASE, catalog_info(BASE), limit=25):
        g.parse(data=serialize(chunk, format=RdfFormat.N_TRIPLES), format="nt")
    return g


def results(report: rdflib.Graph) -> list[rdflib.term.Node]:
    """The top-level results of a report (not the details of nested ``sh:node`` checks)."""
    return [
        r
        for rep in report.subjects(RDF.type, SH.ValidationReport)
        for r in report.objects(rep, SH.result)
    ]


def summary(report: rdflib.Graph, data: rdflib.Graph, severity: rdflib.URIRef) -> Counter[str]:
    counts: Counter[str] = Counter()
    for r in results(report):
        if report.value(r, SH.resultSeverity) != severity:
            continue
        focus_type = data.value(report.value(r, SH.focusNode), RDF.type)
        path = report.value(r, SH.resultPath)
        component = report.value(r, SH.sourceConstraintComponent)
        counts[
            " ".join(
                (
                    data.namespace_manager.normalizeUri(focus_type) if focus_type else "?",
                    data.namespace_manager.normalizeUri(path) if path is not None else "-",
                    str(component).rsplit("#", 1)[-1],
                )
            )
        ] += 1
    return counts


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


def test_demo_catalogue_has_every_dataset(
    catalogue: rdflib.Graph, demo_store: EmbeddedStore
) -> None:
    rows = demo_store.query(
        "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"
    )
    (row,) = list(rows)  # type: ignore[arg-type]
    assert len(
        set(catalogue.subjects(RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")))
    ) == int(row["n"].value)  # type: ignore[index]


@pytest.mark.parametrize(("name", "files"), [("split", SPLIT), ("generated", GENERATED)])
def test_dcat_ap_shapes_find_no_violation(
    catalogue: rdflib.Graph, name: str, files: list[str]
) -> None:
    ontology = (
        rdflib.Graph().parse(data=DCAT3_CLASSES, format="turtle") if name == "generated" else None
    )
    conforms, report, text = pyshacl.validate(
        catalogue,
        shacl_graph=shapes(files),
        ont_graph=ontology,
        inference="none",
        allow_warnings=True,
    )
    violations = summary(report, catalogue, SH.Violation)
    warnings = summary(report, catalogue, SH.Warning)
    lines = [
        f"{name} shapes: {sum(violations.values())} violations, {sum(warnings.values())} warnings",
        *(f"  {n:4d}  warning    {line}" for line, n in sorted(warnings.items(), key=_by_count)),
        *(f"  {n:4d}  VIOLATION  {line}" for line, n in sorted(violations.items(), key=_by_count)),
    ]
    print("\n".join(lines))
    VALIDATION_REPORT.extend(lines)
    assert not violations, text
    assert conforms


@pytest.fixture(scope="module")
def messy_catalogue(tmp_path_factory: pytest.TempPathFactory) -> rdflib.Graph:
    """The catalogue of 100 synthetic records with the gaps and errors of real harvests
    (ill-typed dates, literals where IRIs belong, values outside vocabularies...)."""
    with EmbeddedStore(tmp_path_factory.mktemp("dcat-messy") / "store") as store:
        text = "\n".join(records(100) + vocabulary()) + "\n"
        store.load(
            text.encode(), graph=vocab.source_graph("synthetic", BASE), format=RdfFormat.N_TRIPLES
        )
        page = build_page(store, BASE, catalog_info(BASE), PageRequest(1, 1000))
    assert page.total > 60
    return rdflib.Graph().parse(
        data=serialize(page.triples, format=RdfFormat.N_TRIPLES), format="nt"
    )


@pytest.mark.parametrize(("name", "files"), [("split", SPLIT), ("generated", GENERATED)])
def test_messy_graphs_still_give_valid_dcat_ap(
    messy_catalogue: rdflib.Graph, name: str, files: list[str]
) -> None:
    ontology = (
        rdflib.Graph().parse(data=DCAT3_CLASSES, format="turtle") if name == "generated" else None
    )
    conforms, report, text = pyshacl.validate(
        messy_catalogue,
        shacl_graph=shapes(files),
        ont_graph=ontology,
        inference="none",
        allow_warnings=True,
    )
    assert not summary(report, messy_catalogue, SH.Violation), text
    assert conforms
    for s, p, o in messy_catalogue:
        assert not (isinstance(o, rdflib.Literal) and o.ill_typed), (s, p, o)
