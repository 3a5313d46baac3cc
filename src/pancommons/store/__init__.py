"""The graph store: one interface, an embedded and a remote implementation (DESIGN §6)."""

from __future__ import annotations

from pancommons.config import Settings
from pancommons.store.base import (
    QueryResult,
    QuerySyntaxError,
    RdfSyntaxError,
    Store,
    StoreError,
    TripleList,
)


def open_store(settings: Settings | None = None, *, read_only: bool = False) -> Store:
    """The store ``settings.store`` names: a directory → embedded Oxigraph, a URL → remote."""
    settings = settings or Settings.from_env()
    if settings.is_remote:
        from pancommons.store.remote import RemoteStore

        return RemoteStore.from_settings(settings)
    from pancommons.store.embedded import EmbeddedStore

    return EmbeddedStore(settings.store, read_only=read_only)


__all__ = [
    "QueryResult",
    "QuerySyntaxError",
    "RdfSyntaxError",
    "Store",
    "StoreError",
    "TripleList",
    "open_store",
]
