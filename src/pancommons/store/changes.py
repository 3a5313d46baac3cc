"""Knowing when an embedded store's contents may have changed.

``pancommons serve`` keeps answers to repeated queries (``api.result_cache``) only as long as the
graph is the one they were computed on. An embedded store's directory is locked by the one
process that writes it, so every change goes through that process's pyoxigraph ``Store``:
``Watched`` stands in for it and counts the writes made through it, wherever in PaN Commons they
come from (SPARQL updates, Graph Store writes, harvest loads on a loader thread, FAIR runs...).

The count is taken at pyoxigraph's door rather than in each of our write paths so that a new
write path cannot forget to report itself: every pyoxigraph method that may write is wrapped, every
other one is passed through untouched (``query`` is the store's own bound method: no cost).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from pyoxigraph import Store as OxStore

_READS = (
    "query",
    "quads_for_pattern",
    "named_graphs",
    "contains_named_graph",
    "dump",
    "backup",
    "flush",
    "optimize",
)
_WRITES = (
    "add",
    "add_graph",
    "bulk_extend",
    "bulk_load",
    "clear",
    "clear_graph",
    "extend",
    "load",
    "remove",
    "remove_graph",
    "update",
)


class Changes:
    """A version of the contents: it moves at the start and at the end of every write, and
    ``current()`` is None while any write is under way (what a query sees then may be half of
    a write)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = 0
        self._active = 0

    def current(self) -> int | None:
        with self._lock:  # both ints from one moment
            return None if self._active else self._version

    def begin(self) -> None:
        with self._lock:
            self._active += 1
            self._version += 1

    def end(self) -> None:
        with self._lock:
            self._active -= 1
            self._version += 1


class Watched:
    """A pyoxigraph ``Store`` whose writes are counted in ``changes``."""

    def __init__(self, store: OxStore, changes: Changes) -> None:
        self.changes = changes
        for name in _READS:
            setattr(self, name, getattr(store, name))
        for name in _WRITES:
            setattr(self, name, self._counted(getattr(store, name)))

    def _counted(self, write: Callable[..., Any]) -> Callable[..., Any]:
        changes = self.changes

        def counted(*args: Any, **kwargs: Any) -> Any:
            changes.begin()
            try:
                return write(*args, **kwargs)
            finally:
                changes.end()

        counted.__doc__ = write.__doc__
        return counted

    def __getattr__(self, name: str) -> Any:
        # Only for names pyoxigraph adds after this list was written: refuse rather than let a
        # write through uncounted.
        raise AttributeError(
            f"{name!r} of pyoxigraph.Store is not classified as a read or a write in "
            f"pancommons.store.changes; add it to _READS or _WRITES"
        )
