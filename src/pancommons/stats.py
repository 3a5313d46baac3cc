"""Counts of what the graph holds (``pancommons stats``, the home page, ``/health``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from pancommons.store.base import Store
from pancommons.vocab import DCAT, FABIO, FOAF, PAN

_KINDS = {
    "datasets": f"<{DCAT}Dataset>",
    "publications": f"<{FABIO}Expression>",
    "instruments": f"<{PAN}Instrument>",
    "facilities": f"<{PAN}Facility>",
    "proposals": f"<{PAN}Proposal>",
    "people": f"<{FOAF}Person>",
}


# How many datasets are linked to each kind of thing (across sources, with the links graph).
_LINKS = {
    "instrument": """{ ?d prov:wasGeneratedBy/prov:used ?x . ?x a pan:Instrument }
                     UNION { ?d pan:instrument ?x }""",
    "technique": """?d dcat:theme ?x
                    FILTER(STRSTARTS(STR(?x), "http://purl.org/pan-science/PaNET/PaNET0"))""",
    "publication": """{ ?d dct:isPartOf?/dct:isReferencedBy ?x }
                      UNION { ?x cito:citesAsDataSource/dct:hasPart? ?d }""",
    "proposal": """{ ?d prov:wasGeneratedBy/pan:proposal ?x } UNION { ?d dcat:inSeries ?x }""",
}


@dataclass(frozen=True)
class Stats:
    triples: int
    graphs: int
    datasets: int
    publications: int
    instruments: int
    facilities: int
    proposals: int
    people: int
    per_graph: dict[str, int]
    datasets_linked: dict[str, int] = field(default_factory=dict)
    """Datasets with at least one instrument, PaNET technique, publication, proposal."""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def compute_stats(store: Store) -> Stats:
    per_graph = {g: store.count(g) for g in store.graphs()}
    unions = " UNION ".join(
        f"{{ ?x a {cls} BIND({name!r} AS ?kind) }}".replace("'", '"')
        for name, cls in _KINDS.items()
    )
    counts = dict.fromkeys(_KINDS, 0)
    result = store.query(
        f"SELECT ?kind (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {unions} }} GROUP BY ?kind"
    )
    for row in result:  # type: ignore[union-attr]
        counts[row["kind"].value] = int(row["n"].value)
    return Stats(
        triples=sum(per_graph.values()),
        graphs=len(per_graph),
        per_graph=per_graph,
        datasets_linked=_linked(store),
        **counts,
    )


def _linked(store: Store) -> dict[str, int]:
    prefixes = (
        f"PREFIX dcat: <{DCAT}> PREFIX dct: <http://purl.org/dc/terms/> "
        f"PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX pan: <{PAN}> "
        "PREFIX cito: <http://purl.org/spar/cito/>"
    )
    out = {}
    for name, pattern in _LINKS.items():
        rows = store.query(
            f"{prefixes} SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?d a dcat:Dataset . "
            f"FILTER EXISTS {{ {pattern} }} }}"
        )
        out[name] = next(int(r["n"].value) for r in rows)  # type: ignore[union-attr]
    return out
