"""The demo: bundled snapshots of real catalogue records, loaded as one source graph each.

Until the harvesters exist the snapshots are Turtle transcriptions of the records in
``records/`` (see README.md here); each ``{name}.ttl`` becomes ``{base}/graph/source/{name}``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pancommons.ontology import ensure_ontologies
from pancommons.store.base import Store
from pancommons.vocab import DEFAULT_BASE, source_graph

DEMO_DIR = Path(__file__).resolve().parent


def demo_sources() -> dict[str, Path]:
    """Demo source name → snapshot file."""
    return {p.stem: p for p in sorted(DEMO_DIR.glob("*.ttl"))}


def build_demo(
    store: Store,
    base: str = DEFAULT_BASE,
    *,
    on_loaded: Callable[[str, int], None] | None = None,
) -> list[str]:
    """Load the ontologies (if missing) and every demo snapshot (replacing its graph)."""
    ensure_ontologies(
        store, base, on_loaded=(lambda n, c: on_loaded(f"ontology {n}", c)) if on_loaded else None
    )
    graphs = []
    for name, path in demo_sources().items():
        graph = source_graph(name, base)
        store.replace_graph(path, graph=graph)
        graphs.append(graph)
        if on_loaded:
            on_loaded(name, store.count(graph))
    return graphs
