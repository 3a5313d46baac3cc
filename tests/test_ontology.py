"""Ontology loading and PaNET technique subsumption, on every store backend."""

from __future__ import annotations

from pyoxigraph import QuerySolutions, RdfFormat

from pancommons.ontology import INFERRED, ONTOLOGIES, ensure_ontologies, load_ontologies
from pancommons.queries import named_queries
from pancommons.store import Store
from pancommons.vocab import ontology_graph, source_graph

PANET = "http://purl.org/pan-science/PaNET/"
DATA = f"""
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix ex: <http://example.org/> .
ex:saxs  a dcat:Dataset ; dcat:theme <{PANET}PaNET01188> .  # small angle x-ray scattering
ex:sans  a dcat:Dataset ; dcat:theme <{PANET}PaNET01189> .  # small angle neutron scattering
ex:sas   a dcat:Dataset ; dcat:theme <{PANET}PaNET01124> .  # small angle scattering itself
ex:tomo  a dcat:Dataset ; dcat:theme <{PANET}PaNET01129> .  # tomography: not a SAS technique
ex:map   a dcat:Dataset ; dcat:theme <{PANET}PaNET00401> .  # obtain spatial map ≡ imaging
""".encode()


def _rows(store: Store, sparql: str) -> list[dict[str, str]]:
    result = store.query(sparql)
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: r[n].value for n in names if r[n] is not None} for r in result]


def test_ontologies_go_to_their_named_graphs(store: Store) -> None:
    loaded = load_ontologies(store)
    assert loaded == [o.name for o in ONTOLOGIES] + [INFERRED]
    graphs = set(store.graphs())
    for name in ("panet", "nexus", "pan-mapping", "pan-commons", INFERRED):
        assert ontology_graph(name) in graphs
    assert store.count(ontology_graph("panet")) == 4265  # PaNET 1.3.0 as released
    assert store.count(ontology_graph("nexus")) == 10142
    # every pan: term used by the data model has a label in our vocabulary
    rows = _rows(
        store,
        """SELECT ?t WHERE {
        GRAPH <https://w3id.org/pan-commons/graph/ontology/pan-commons> {
          VALUES ?t { <https://w3id.org/pan-commons/ns#Instrument> <https://w3id.org/pan-commons/ns#Experiment>
                      <https://w3id.org/pan-commons/ns#sample> <https://w3id.org/pan-commons/ns#chemicalFormula> }
          ?t <http://www.w3.org/2000/01/rdf-schema#label> ?l ; <http://www.w3.org/2000/01/rdf-schema#comment> ?c } }""",
    )
    assert len({r["t"] for r in rows}) == 4


def test_ensure_loads_only_what_is_missing(store: Store) -> None:
    assert ensure_ontologies(store)  # first use loads everything
    assert ensure_ontologies(store) == []
    store.drop_graph(ontology_graph("nexus"))
    assert ensure_ontologies(store) == ["nexus"]


def test_closure_matches_asserted_hierarchy(store: Store) -> None:
    load_ontologies(store)
    inferred = ontology_graph(INFERRED)
    pairs = _rows(
        store,
        f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{inferred}> {{
        ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?a
        FILTER(?c != ?a && STRSTARTS(STR(?c), "{PANET}PaNET0") && STRSTARTS(STR(?a), "{PANET}PaNET0"))
    }} }}""",
    )
    # 3,257 pairs in the transitive closure of the 677 asserted technique edges (HermiT entails
    # the same), plus both directions of the one named equivalence PaNET00401 ≡ PaNET01106 and
    # what it propagates.
    assert int(pairs[0]["n"]) >= 3257
    transitive = store.query(f"""ASK {{ GRAPH <{inferred}> {{
        <{PANET}PaNET01188> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{PANET}PaNET00001> }} }}""")
    assert bool(transitive) is True
    wrong_way = store.query(f"""ASK {{ GRAPH <{inferred}> {{
        <{PANET}PaNET00001> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{PANET}PaNET01188> }} }}""")
    assert bool(wrong_way) is False


def test_technique_query_finds_descendants(store: Store) -> None:
    load_ontologies(store)
    store.load(DATA, graph=source_graph("test"), format=RdfFormat.TURTLE)
    text = named_queries()["datasets-by-technique"].text
    found = {r["dataset"] for r in _rows(store, text)}  # default: PaNET01124 small angle scattering
    assert found == {"http://example.org/saxs", "http://example.org/sans", "http://example.org/sas"}

    imaging = text.replace("panet:PaNET01124", "panet:PaNET01106")
    assert "http://example.org/map" in {r["dataset"] for r in _rows(store, imaging)}

    root = text.replace("panet:PaNET01124", "panet:PaNET00001")
    assert {r["dataset"] for r in _rows(store, root)} == {
        f"http://example.org/{n}" for n in ("saxs", "sans", "sas", "tomo", "map")
    }


def test_reload_replaces_rather_than_duplicates(store: Store) -> None:
    load_ontologies(store)
    before = store.count()
    load_ontologies(store)
    assert store.count() == before
