"""Values derived from the graph, kept until it changes (``Store.derived``).

A FAIR report reads every dataset's latest scores whatever its scope (to compare the scope with
the other facilities), and a server is asked for the same report in HTML, Markdown and JSON:
such values are computed once per version of the store. They are shared between threads and
must not be changed by whoever reads them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pancommons.store.base import Store


class VersionMemo:
    """Values computed from the graph, kept per key while the store's version stays (at most
    ``ttl`` seconds, ``size`` keys, least recently used first out). One computation per key at
    a time: a thread that needs a value being computed waits for it. Thread-safe; call it off
    the event loop (a remote store's version is a request)."""

    def __init__(self, size: int = 64, ttl: float = 60.0) -> None:
        self.size, self.ttl = size, ttl
        self._values: OrderedDict[Any, tuple[int, float, Any]] = OrderedDict()
        self._locks: dict[Any, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, store: Store, key: Any, compute: Callable[[], Any]) -> Any:
        version = store.version()
        if version is None or self.size <= 0:
            return compute()
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._lock:
                kept = self._values.get(key)
            if kept and kept[0] == version and time.monotonic() - kept[1] <= self.ttl:
                with self._lock:
                    self._values.move_to_end(key)
                return kept[2]
            started = time.monotonic()
            try:
                value = compute()
                kept = store.version() == version
            except BaseException:
                kept = False
                raise
            finally:
                with self._lock:
                    if kept:
                        self._values[key] = (version, started, value)
                        self._values.move_to_end(key)
                    elif key not in self._values:
                        self._locks.pop(key, None)  # one lock per kept value, no more
                    while len(self._values) > self.size:
                        old, _ = self._values.popitem(last=False)
                        self._locks.pop(old, None)
            return value
