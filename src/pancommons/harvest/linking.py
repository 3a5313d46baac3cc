"""One linked graph across sources (DESIGN §4), rebuilt after harvests.

Nodes with the same DOI, Handle, ORCID or ROR are already one node (identity is the IRI). What
no single source can state is computed here, by the CONSTRUCT queries in
``queries/linking/*.rq``, into ``{base}/graph/links``, replaced atomically each time:
inverse publication ↔ dataset and part ↔ whole links, owl:sameAs between instruments of one
facility named alike in two sources, and technique labels resolved to PaNET IRIs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import QueryTriples, RdfFormat, serialize

from pancommons import vocab
from pancommons.resources import resource_dir
from pancommons.store.base import Store, TripleList

log = logging.getLogger("pancommons.harvest")

LINKS_PLACEHOLDER = "urn:x-pancommons:links-graph"
"""Written in the rules where they exclude the links graph itself from what they read."""


def links_graph(base: str = vocab.DEFAULT_BASE) -> str:
    return f"{base.rstrip('/')}/graph/links"


@dataclass
class LinkReport:
    graph: str
    per_rule: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.per_rule.values())


def rules() -> dict[str, Path]:
    return {p.stem: p for p in sorted((resource_dir("queries") / "linking").glob("*.rq"))}


def link(store: Store, base: str = vocab.DEFAULT_BASE) -> LinkReport:
    """Recompute ``{base}/graph/links`` from the other graphs (not from itself)."""
    graph = links_graph(base)
    out = bytearray()
    per_rule: dict[str, int] = {}
    for name, path in rules().items():
        text = path.read_text(encoding="utf-8").replace(f"<{LINKS_PLACEHOLDER}>", f"<{graph}>")
        result = store.query(text)
        if not isinstance(result, QueryTriples | TripleList):
            raise ValueError(f"{path}: a linking rule must be a CONSTRUCT query")
        triples = list(result)
        per_rule[name] = len(triples)
        if triples:
            out += serialize(triples, format=RdfFormat.N_TRIPLES)
    store.replace_graph(bytes(out), graph=graph, format=RdfFormat.N_TRIPLES)
    report = LinkReport(graph, per_rule)
    log.info("links: %s", ", ".join(f"{k} {v}" for k, v in per_rule.items()))
    return report
