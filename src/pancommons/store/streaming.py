"""Loading a new graph while its N-Triples are still being produced.

A harvest maps records in Python while Oxigraph's bulk loader, which runs without the GIL,
reads them from a pipe on another core: the run then takes about as long as the slower of the
two instead of their sum. Used only for a graph that is empty (a first harvest), hidden from
queries while it fills and journaled like ``EmbeddedStore._load_into_empty``: if the process
dies, the next writer empties the graph again; if the run fails, ``abort`` does.
"""

from __future__ import annotations

import os
import threading
from contextlib import suppress
from typing import TYPE_CHECKING

from pyoxigraph import NamedNode, RdfFormat

from pancommons.store.base import RdfSyntaxError, StoreError

if TYPE_CHECKING:
    from pancommons.store.embedded import EmbeddedStore


class StreamingLoad:
    """``write`` N-Triples bytes, then ``commit`` (graph complete and visible) or ``abort``."""

    def __init__(self, store: EmbeddedStore, graph: str) -> None:
        self._store = store
        self.graph = graph
        self._error: BaseException | None = None
        self._done = False
        read_fd, self._write_fd = os.pipe()
        self._thread = threading.Thread(
            target=self._load, args=(read_fd,), name=f"bulk-load {graph}", daemon=True
        )
        store._begin_hidden_load(graph)
        self._thread.start()

    def _load(self, read_fd: int) -> None:
        try:
            # A path, not a Python file object: Oxigraph then reads without taking the GIL.
            self._store._store.bulk_load(
                path=f"/dev/fd/{read_fd}",
                format=RdfFormat.N_TRIPLES,
                to_graph=NamedNode(self.graph),
            )
        except SyntaxError as exc:
            self._error = RdfSyntaxError(f"streamed N-Triples for <{self.graph}>: {exc}")
        except BaseException as exc:  # noqa: BLE001 - handed to the writer thread
            self._error = StoreError(f"bulk load into <{self.graph}> failed: {exc}")
        finally:
            os.close(read_fd)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                n = os.write(self._write_fd, view)
            except BrokenPipeError:
                self._thread.join()
                error = self._error or StoreError(f"the bulk load into <{self.graph}> stopped")
                raise error from None
            view = view[n:]

    def _finish_reading(self) -> None:
        if self._write_fd >= 0:
            os.close(self._write_fd)
            self._write_fd = -1
        self._thread.join()

    def commit(self) -> None:
        """Wait for the loader; the graph becomes visible. Raises (after rolling back) if the
        load failed."""
        self._finish_reading()
        if self._error is not None:
            self.abort()
            raise self._error
        self._store._end_hidden_load(self.graph, keep=True)
        self._done = True

    def abort(self) -> None:
        """Stop and empty the graph again (it was empty before)."""
        if self._done:
            return
        with suppress(OSError):
            self._finish_reading()
        self._store._end_hidden_load(self.graph, keep=False)
        self._done = True
