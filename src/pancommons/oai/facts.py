"""What the OAI-PMH metadata formats say of a dataset, read from the graph in three queries
per page of records (the datasets' own triples, then one and two hops for agents, grants,
publications and technique labels).

Every IRI reaches SPARQL through ``nt.iri`` (validated, escaped), never by concatenation of raw
input.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pancommons.harvest.mapping.nt import TermError, iri
from pancommons.store.base import Store

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SDO = "http://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
PAN = "https://w3id.org/pan-commons/ns#"
CITO = "http://purl.org/spar/cito/"

# One hop from a dataset: its agents, grants, publications, series, themes, distributions.
_HOP1 = (
    f"{DCT}creator",
    f"{DCT}contributor",
    f"{DCT}publisher",
    f"{SDO}funding",
    f"{DCT}isReferencedBy",
    f"{DCAT}theme",
    f"{DCAT}distribution",
    f"{DCAT}inSeries",
)
# Two hops: affiliations of people and funders of grants.
_HOP2 = (f"{PAN}affiliation", f"{SDO}funder")


@dataclass(frozen=True)
class Term:
    value: str
    is_iri: bool
    lang: str = ""
    datatype: str = ""


Props = dict[str, list[Term]]


class Facts:
    """Subject → predicate → terms, for the datasets of one page and the nodes they link."""

    def __init__(self) -> None:
        self.by: dict[str, Props] = defaultdict(lambda: defaultdict(list))

    def all(self, s: str, p: str) -> list[Term]:
        seen: set[Term] = set()
        out = []
        for t in self.by.get(s, {}).get(p, []):
            if t not in seen:
                seen.add(t)
                out.append(t)
        return out

    def values(self, s: str, p: str) -> list[str]:
        return [t.value for t in self.all(s, p)]

    def first(self, s: str, *ps: str) -> str | None:
        for p in ps:
            for t in self.all(s, p):
                return t.value
        return None

    def name(self, s: str) -> str | None:
        return self.first(s, f"{FOAF}name", f"{SDO}name", f"{DCT}title", f"{RDFS}label")

    def label(self, s: str) -> str | None:
        return self.first(s, f"{RDFS}label", f"{SKOS}prefLabel", f"{FOAF}name", f"{DCT}title")


def gather(store: Store, datasets: Iterable[str]) -> Facts:
    facts = Facts()
    todo = sorted(set(datasets))
    _describe(store, facts, todo, None)
    hop1 = {
        t.value
        for d in todo
        for p in _HOP1
        for t in facts.by.get(d, {}).get(p, [])
        if t.is_iri and not t.value.startswith("_:")
    }
    _describe(store, facts, sorted(hop1), None)
    hop2 = {
        t.value
        for x in hop1
        for p in _HOP2
        for t in facts.by.get(x, {}).get(p, [])
        if t.is_iri and not t.value.startswith("_:")
    }
    _describe(store, facts, sorted(hop2 - hop1), None)
    return facts


def _describe(store: Store, facts: Facts, nodes: list[str], _: object) -> None:
    for i in range(0, len(nodes), 200):
        values = []
        for n in nodes[i : i + 200]:
            try:
                values.append(iri(n))
            except TermError:
                continue
        if not values:
            continue
        rows = store.query(
            f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {' '.join(values)} }} ?s ?p ?o }}"
        )
        for r in rows:  # type: ignore[union-attr]
            o = r["o"]
            kind = type(o).__name__
            facts.by[r["s"].value][r["p"].value].append(
                Term(
                    o.value,
                    kind == "NamedNode",
                    getattr(o, "language", None) or "" if kind == "Literal" else "",
                    o.datatype.value if kind == "Literal" and o.datatype is not None else "",
                )
            )
