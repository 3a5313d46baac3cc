"""What the OAI-PMH metadata formats say of a dataset, read from the graph in three queries
per page of records (the datasets' own triples, then one and two hops for agents, grants,
publications and technique labels).

The reading is ``pancommons.dcat.queries.describe_nodes`` (shared with the DCAT-AP view): IRIs
reach SPARQL as pyoxigraph ``NamedNode``s (validated, escaped), never by concatenation of raw
input.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import Literal, NamedNode

from pancommons.dcat.queries import Facts as Described
from pancommons.dcat.queries import Term, describe_nodes
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


class Facts:
    """Node → predicate → values (pyoxigraph terms), for the datasets of one page and the nodes
    they link, as ``pancommons.dcat.queries.describe_nodes`` reads them."""

    def __init__(self, described: Described) -> None:
        self.by = described

    def _terms(self, s: str, p: str) -> list[Term]:
        return self.by.get(s, {}).get(p, [])

    def values(self, s: str, p: str) -> list[str]:
        return [t.value for t in self._terms(s, p)]

    def iris(self, s: str, p: str) -> list[str]:
        return [t.value for t in self._terms(s, p) if isinstance(t, NamedNode)]

    def texts(self, s: str, p: str) -> list[tuple[str, str]]:
        """(value, language tag or '') of each value."""
        return [
            (t.value, (t.language or "") if isinstance(t, Literal) else "")
            for t in self._terms(s, p)
        ]

    def first(self, s: str, *ps: str) -> str | None:
        for p in ps:
            for t in self._terms(s, p):
                return t.value
        return None

    def name(self, s: str) -> str | None:
        return self.first(s, f"{FOAF}name", f"{SDO}name", f"{DCT}title", f"{RDFS}label")

    def label(self, s: str) -> str | None:
        return self.first(s, f"{RDFS}label", f"{SKOS}prefLabel", f"{FOAF}name", f"{DCT}title")


def gather(store: Store, datasets: Iterable[str]) -> Facts:
    """The datasets' triples, then those of the nodes one hop (``_HOP1``) and two hops
    (``_HOP2``) away."""
    described: Described = {}
    facts = Facts(described)
    level = {NamedNode(d) for d in datasets}
    describe_nodes(store, level, into=described)
    for hop in (_HOP1, _HOP2):
        level = {NamedNode(v) for n in level for p in hop for v in facts.iris(n.value, p)}
        describe_nodes(store, level, into=described)
    return facts
