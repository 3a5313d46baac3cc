"""Linking across sources (harvest/linking.py, queries/linking/*.rq)."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import RdfFormat

from pancommons import vocab
from pancommons.harvest.linking import link, links_graph
from pancommons.ontology import ensure_ontologies
from pancommons.queries import named_queries
from pancommons.store.base import Store
from pancommons.store.embedded import EmbeddedStore

BASE = vocab.DEFAULT_BASE
A, B = vocab.source_graph("source-a"), vocab.source_graph("source-b")
PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix cito: <http://purl.org/spar/cito/> .
@prefix fabio: <http://purl.org/spar/fabio/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix pan: <https://w3id.org/pan-commons/ns#> .
@prefix ex: <http://example.org/> .
"""
ESRF = "https://ror.org/02550n020"
ILL = "https://ror.org/01xtjs520"


def load(store: Store, graph: str, ttl: str) -> None:
    store.replace_graph((PREFIXES + ttl).encode(), graph=graph, format=RdfFormat.TURTLE)


def ask(store: Store, pattern: str, graph: str | None = None) -> bool:
    body = f"GRAPH <{graph}> {{ {pattern} }}" if graph else pattern
    return bool(
        store.query(
            "PREFIX dct: <http://purl.org/dc/terms/> PREFIX cito: <http://purl.org/spar/cito/> "
            "PREFIX owl: <http://www.w3.org/2002/07/owl#> "
            "PREFIX dcat: <http://www.w3.org/ns/dcat#> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            f"PREFIX ex: <http://example.org/> ASK {{ {body} }}"
        )
    )


def test_publication_links_get_their_inverse_and_vanish_with_their_source(store: Store) -> None:
    load(store, A, "ex:paper a fabio:Expression ; cito:citesAsDataSource ex:d1 .")
    load(store, B, "ex:d2 dct:isReferencedBy ex:paper2 . ex:paper2 a fabio:Expression .")
    link(store, BASE)
    links = links_graph(BASE)
    assert ask(store, "ex:d1 dct:isReferencedBy ex:paper", links)
    assert ask(store, "ex:paper2 cito:citesAsDataSource ex:d2", links)
    # the source withdraws the citation: the derived inverse must not keep it alive
    load(store, A, "ex:paper a fabio:Expression .")
    link(store, BASE)
    assert not ask(store, "ex:d1 dct:isReferencedBy ex:paper")
    assert not ask(store, "ex:paper cito:citesAsDataSource ex:d1")


def test_is_referenced_by_a_web_page_is_not_a_citation(store: Store) -> None:
    load(store, A, "ex:d1 dct:isReferencedBy ex:some-web-page .")
    link(store, BASE)
    assert not ask(store, "ex:some-web-page cito:citesAsDataSource ex:d1")


def test_instruments_of_one_facility_named_alike_are_same_as(store: Store) -> None:
    load(
        store,
        A,
        f"""ex:a-id30 a pan:Instrument ; dct:title "ID30A-3" ; pan:facility <{ESRF}> .
        ex:a-d11 a pan:Instrument ; dct:title "D11" ; pan:facility <{ILL}> .""",
    )
    load(
        store,
        B,
        f"""ex:b-id30 a pan:Instrument ; dct:title "id30a 3" ; pan:facility <{ESRF}> .
        ex:b-bm05 a pan:Instrument ; dct:title "BM05" ; pan:facility <{ESRF}> .
        ex:b-d11 a pan:Instrument ; dct:title "D11" ; pan:facility <{ESRF}> .""",
    )
    link(store, BASE)
    assert ask(store, "ex:a-id30 owl:sameAs ex:b-id30 . ex:b-id30 owl:sameAs ex:a-id30")
    assert not ask(store, "ex:a-d11 owl:sameAs ?x"), "D11 at ILL is not D11 at ESRF"
    assert not ask(store, "ex:b-bm05 owl:sameAs ?x")


def test_technique_labels_resolve_to_panet(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "s") as store:
        ensure_ontologies(store, BASE)
        load(
            store,
            A,
            """ex:d1 dcat:theme ex:t1 . ex:t1 a skos:Concept ; skos:prefLabel "Small-Angle Neutron Scattering" .
            ex:d2 dcat:theme ex:t2 . ex:t2 a skos:Concept ; skos:prefLabel "SANS" .
            ex:d3 dcat:theme ex:t3 . ex:t3 a skos:Concept ; skos:prefLabel "home-made technique" .""",
        )
        report = link(store, BASE)
        sans = "<http://purl.org/pan-science/PaNET/PaNET01189>"
        assert ask(store, f"ex:d1 dcat:theme {sans} . ex:t1 skos:exactMatch {sans}")
        assert ask(store, f"ex:d2 dcat:theme {sans}"), "matched through the skos:altLabel"
        assert not ask(store, "ex:t3 skos:exactMatch ?x")
        assert ask(store, 'ex:t3 skos:prefLabel "home-made technique"'), "kept as it was"
        assert report.per_rule["technique-labels"] == 4


def test_publications_by_instrument_across_sources(store: Store) -> None:
    """A paper cites a dataset in one source; the dataset's instrument is named in another
    source of the same facility: the named query finds the paper from either instrument."""
    inst_a = f"{BASE}/id/instrument/demo-datacite/ID30A-3"
    load(
        store,
        A,
        f"""<https://doi.org/10.1/ds> prov:wasGeneratedBy ex:exp .
        ex:exp prov:used <{inst_a}> .
        <{inst_a}> a pan:Instrument ; dct:title "ID30A-3" ; pan:facility <{ESRF}> .""",
    )
    load(
        store,
        B,
        f"""ex:paper a fabio:Expression ; dct:title "A paper" ;
            cito:citesAsDataSource <https://doi.org/10.1/other> .
        <https://doi.org/10.1/other> prov:wasGeneratedBy ex:exp2 . ex:exp2 prov:used ex:b-id30 .
        ex:b-id30 a pan:Instrument ; dct:title "ID30A 3" ; pan:facility <{ESRF}> .
        ex:paper2 a fabio:Expression ; cito:citesAsDataSource <https://doi.org/10.1/ds> .""",
    )
    link(store, BASE)
    text = named_queries()["publications-by-instrument"].text
    rows = store.query(text)
    found = {(r["publication"].value, r["dataset"].value) for r in rows}  # type: ignore[union-attr]
    assert found == {
        ("http://example.org/paper", "https://doi.org/10.1/other"),
        ("http://example.org/paper2", "https://doi.org/10.1/ds"),
    }


def test_names_without_letters_or_digits_are_never_linked(store: Store) -> None:
    """Regression: an ASCII-only normalisation made every non-Latin or punctuation-only name
    the empty key, and "µSpot" equal to "Spot"."""
    load(
        store,
        A,
        f"""ex:a1 a pan:Instrument ; dct:title "µSpot" ; pan:facility <{ESRF}> .
        ex:a2 a pan:Instrument ; dct:title "---" ; pan:facility <{ESRF}> .
        ex:a3 a pan:Instrument ; dct:title "中性子散乱装置" ; pan:facility <{ESRF}> .""",
    )
    load(
        store,
        B,
        f"""ex:b1 a pan:Instrument ; dct:title "Spot" ; pan:facility <{ESRF}> .
        ex:b2 a pan:Instrument ; dct:title "***" ; pan:facility <{ESRF}> .
        ex:b3 a pan:Instrument ; dct:title "ビームライン" ; pan:facility <{ESRF}> .
        ex:b4 a pan:Instrument ; dct:title "中性子 散乱-装置" ; pan:facility <{ESRF}> .""",
    )
    link(store, BASE)
    assert not ask(store, "ex:a1 owl:sameAs ?x")
    assert not ask(store, "ex:a2 owl:sameAs ?x") and not ask(store, "ex:b3 owl:sameAs ?x")
    assert ask(store, "ex:a3 owl:sameAs ex:b4"), "the same name in another script still matches"
