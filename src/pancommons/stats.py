"""Counts of what the graph holds (``pancommons stats``, the home page, ``/health``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

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
        triples=sum(per_graph.values()), graphs=len(per_graph), per_graph=per_graph, **counts
    )
