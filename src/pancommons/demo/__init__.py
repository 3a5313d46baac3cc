"""The demo: the bundled sample catalogues, harvested into the store.

Demo sources are the ``demo = true`` TOML files of ``harvesters/``: recorded responses of real
catalogues (PaNOSC Search API, SciCat, ICAT) harvested with the ``files`` kind through the same
mappings as live sources. Records of kinds without a harvester yet (DataCite: issue #4) are
loaded from Turtle transcriptions here (``{name}.ttl`` → ``{base}/graph/source/{name}``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pancommons.harvest.config import SourceConfig, available_sources
from pancommons.ontology import ensure_ontologies
from pancommons.store.base import Store
from pancommons.vocab import DEFAULT_BASE, source_graph

DEMO_DIR = Path(__file__).resolve().parent


def demo_transcriptions() -> dict[str, Path]:
    """Demo source name → Turtle transcription (for record kinds not harvested yet)."""
    return {p.stem: p for p in sorted(DEMO_DIR.glob("*.ttl"))}


def demo_harvest_sources() -> dict[str, SourceConfig]:
    """The ``demo = true`` sources of harvesters/."""
    return {name: cfg for name, cfg in available_sources().items() if cfg.demo}


def demo_sources() -> dict[str, Path | SourceConfig]:
    """Every demo source by name: harvested ones and transcriptions."""
    return {**demo_transcriptions(), **demo_harvest_sources()}


def build_demo(
    store: Store,
    base: str = DEFAULT_BASE,
    *,
    state_dir: str = "./data/state",
    on_loaded: Callable[[str, int], None] | None = None,
) -> list[str]:
    """Load the ontologies (if missing), harvest every demo source, link the graph across
    sources and assess it (DESIGN: harvest → assess → serve). Returns the graphs written."""
    from pancommons.fair.assess import assess
    from pancommons.harvest.linking import link
    from pancommons.harvest.runner import harvest

    ensure_ontologies(
        store, base, on_loaded=(lambda n, c: on_loaded(f"ontology {n}", c)) if on_loaded else None
    )
    graphs = []
    for name, path in demo_transcriptions().items():
        graph = source_graph(name, base)
        store.replace_graph(path, graph=graph)
        graphs.append(graph)
        if on_loaded:
            on_loaded(name, store.count(graph))
    for name, config in demo_harvest_sources().items():
        run = harvest(store, config, state_dir=state_dir, base=base)
        graphs.append(run.graph)
        if on_loaded:
            on_loaded(f"{name} (harvested {run.mapped} of {run.seen} records)", run.triples or 0)
    report = link(store, base)
    graphs.append(report.graph)
    if on_loaded:
        on_loaded("links across sources", report.total)
    result = assess(store, base, full=True)
    graphs.append(result.graph)
    if on_loaded:
        on_loaded(
            f"FAIR assessment of {len(result.scores)} datasets (mean {100 * result.mean:.0f} %)",
            store.count(result.graph),
        )
    return graphs
