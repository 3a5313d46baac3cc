"""Loading the PaN ontologies into the store and materialising the PaNET hierarchy.

Technique subsumption ("this technique or any of its descendants") is materialised with a SPARQL
``INSERT … WHERE { ?c rdfs:subClassOf+ ?a }`` run inside the store, into
``{base}/graph/ontology/panet-inferred``: the reflexive-transitive closure of the asserted PaNET
hierarchy. Why SPARQL and not owlready2/HermiT: it runs unchanged on both stores, needs no Java,
takes well under a second, and PaNET's released builds assert the class hierarchy explicitly
(the reasoned upstream build adds no technique-to-technique pair among the 1.3.0 classes that is
not in this closure — see ontologies/README.md). With the closure a query needs one triple
pattern: ``?dataset dcat:theme ?t . ?t rdfs:subClassOf <technique>``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pancommons.resources import resource_dir
from pancommons.store.base import Store
from pancommons.vocab import DEFAULT_BASE, PANET, RDFS, ontology_graph


@dataclass(frozen=True)
class Ontology:
    name: str
    path: str  # relative to ontologies/

    @property
    def file(self) -> Path:
        return resource_dir("ontologies") / self.path


ONTOLOGIES = (
    Ontology("panet", "panet/PaNET-1.3.0.ttl"),
    Ontology("nexus", "nexus/NeXusOntology-v2020.10-1.1.owl"),
    Ontology("pan-mapping", "pan-mapping/pan-mapping-0.1.owl"),
    Ontology("pan-commons", "pan-commons.ttl"),
)
INFERRED = "panet-inferred"


def closure_update(base: str, target: str) -> str:
    """The SPARQL Update that writes the PaNET subclass closure into ``target``."""
    panet = ontology_graph("panet", base)
    return f"""
INSERT {{ GRAPH <{target}> {{ ?c <{RDFS}subClassOf> ?a }} }}
WHERE {{
  GRAPH <{panet}> {{
    {{ ?c <{RDFS}subClassOf>+ ?a }}
    UNION
    {{ ?c a <http://www.w3.org/2002/07/owl#Class> BIND(?c AS ?a) }}
  }}
  FILTER(isIRI(?c) && isIRI(?a) && STRSTARTS(STR(?c), "{PANET}") && STRSTARTS(STR(?a), "{PANET}"))
}}"""


def load_ontologies(
    store: Store,
    base: str = DEFAULT_BASE,
    *,
    only_missing: bool = False,
    on_loaded: Callable[[str, int], None] | None = None,
) -> list[str]:
    """Load every bundled ontology into ``{base}/graph/ontology/{name}`` (each replaced
    atomically) and rebuild the PaNET closure. Returns the names loaded."""
    present = set(store.graphs()) if only_missing else set()
    loaded: list[str] = []
    for onto in ONTOLOGIES:
        graph = ontology_graph(onto.name, base)
        if graph in present:
            continue
        store.replace_graph(onto.file, graph=graph)
        loaded.append(onto.name)
        if on_loaded:
            on_loaded(onto.name, store.count(graph))
    inferred = ontology_graph(INFERRED, base)
    if "panet" in loaded or inferred not in present:
        with store.staging(inferred) as stage:
            store.update(closure_update(base, stage))
        loaded.append(INFERRED)
        if on_loaded:
            on_loaded(INFERRED, store.count(inferred))
    return loaded


def ensure_ontologies(
    store: Store,
    base: str = DEFAULT_BASE,
    on_loaded: Callable[[str, int], None] | None = None,
) -> list[str]:
    """Load the ontologies that are not in the store yet (first use)."""
    return load_ontologies(store, base, only_missing=True, on_loaded=on_loaded)
