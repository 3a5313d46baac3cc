"""``export_dcat``: one file per format, each parsing to the whole catalogue (every dataset,
linked from the catalogue), and streamed pages that add up to the single-page catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from pyoxigraph import BlankNode, Triple
from rdflib import URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, RDF

from pancommons.dcat.catalog import PageRequest, build_page, catalog_info
from pancommons.dcat.export import export_dcat, pages
from pancommons.dcat.params import UnknownFacility
from pancommons.fair.scope import ScopeError, datasets_in, parse_scope
from pancommons.store.embedded import EmbeddedStore
from tests.dcat.conftest import BASE

RDFLIB = {".ttl": "turtle", ".jsonld": "json-ld", ".rdf": "xml", ".nt": "nt"}


def read(path: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(path, format=RDFLIB[path.suffix])


def test_export_writes_every_dataset_in_every_format(
    demo_store: EmbeddedStore, tmp_path: Path, no_network: None
) -> None:
    paths = export_dcat(demo_store, BASE, tmp_path / "out", formats=("ttl", "jsonld", "rdf", "nt"))
    assert [p.name for p in paths] == ["catalog.ttl", "catalog.jsonld", "catalog.rdf", "catalog.nt"]
    expected = datasets_in(demo_store, parse_scope("all"), BASE)
    graphs = [read(p) for p in paths]
    for path, g in zip(paths, graphs, strict=True):
        catalog = URIRef(f"{BASE}/dcat")
        assert (catalog, RDF.type, DCAT.Catalog) in g, path.name
        assert {str(d) for d in g.objects(catalog, DCAT.dataset)} == expected, path.name
        assert {str(d) for d in g.subjects(RDF.type, DCAT.Dataset)} == expected, path.name
    for g in graphs[1:]:
        assert isomorphic(g, graphs[0])
    assert not list((tmp_path / "out").glob("*.partial"))


def test_export_default_formats_and_facility_scope(
    demo_store: EmbeddedStore, tmp_path: Path
) -> None:
    paths = export_dcat(demo_store, BASE, tmp_path, scope="facility:esrf")
    assert [p.name for p in paths] == [
        "catalog-facility-esrf.ttl",
        "catalog-facility-esrf.jsonld",
        "catalog-facility-esrf.rdf",
    ]
    expected = datasets_in(demo_store, parse_scope("facility:ESRF"), BASE)
    g = read(paths[0])
    catalog = URIRef(f"{BASE}/dcat/ESRF")
    assert {str(d) for d in g.objects(catalog, DCAT.dataset)} == expected


def test_export_by_source(demo_store: EmbeddedStore, tmp_path: Path) -> None:
    (path,) = export_dcat(demo_store, BASE, tmp_path, scope="source:demo-icat", formats=["nt"])
    expected = datasets_in(demo_store, parse_scope("source:demo-icat"), BASE)
    assert expected
    assert {str(d) for d in read(path).subjects(RDF.type, DCAT.Dataset)} == expected


def test_export_refuses_bad_arguments(demo_store: EmbeddedStore, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not one of"):
        export_dcat(demo_store, BASE, tmp_path, formats=["xlsx"])
    with pytest.raises(ScopeError):
        export_dcat(demo_store, BASE, tmp_path, scope="planet:mars")
    with pytest.raises(UnknownFacility):
        export_dcat(demo_store, BASE, tmp_path, scope="facility:Nowhere")
    assert not list(tmp_path.iterdir())


def _named(triples: list[Triple]) -> set[Triple]:
    return {
        t
        for t in triples
        if not isinstance(t.subject, BlankNode) and not isinstance(t.object, BlankNode)
    }


def test_pages_add_up_to_the_whole_catalogue(demo_store: EmbeddedStore) -> None:
    info = catalog_info(BASE)
    whole = build_page(demo_store, BASE, info, PageRequest(1, 1000)).triples
    streamed = [t for chunk in pages(demo_store, BASE, info, limit=9) for t in chunk]
    assert _named(streamed) == _named(whole)
    assert len(streamed) == len(set(streamed)), "no triple written twice"
