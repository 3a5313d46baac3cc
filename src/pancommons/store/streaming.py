"""Loading a new graph while its N-Triples are still being produced.

A harvest maps records in Python while Oxigraph's bulk loader, which runs without the GIL, loads
what is already mapped on the other cores. The output is cut at line ends into segments of a few
megabytes, and each segment is one ``bulk_load`` on a small pool of threads: one bulk load uses
a single core (sorting and writing its index files), so two of them beside the mapping keep a
2-core machine busy, and memory stays bounded by the segments in flight instead of growing with
the graph (bench/harvest.py has the figures).

Separate bulk loads do not share blank-node labels, so the first segment that may contain one
(``_:`` anywhere in it) and everything after it go into one last load at ``commit``. Harvest
mappings write no blank nodes; this only keeps other producers correct.

Used for a graph that is empty (a first harvest; ``replace_graph`` of one N-Triples file into a
new graph), hidden from queries while it fills and journaled: if the process dies, the next
writer empties the graph again; if the run fails, ``abort`` does. ``hidden=False`` makes it a
plain bulk load (``EmbeddedStore.bulk_load`` of N-Triples): the graph may hold data, and a
failure keeps what was loaded. A syntax error names the line of the whole input.
"""

from __future__ import annotations

import os
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from pyoxigraph import NamedNode, RdfFormat

from pancommons.store.base import RdfSyntaxError, StoreError

if TYPE_CHECKING:
    from pancommons.store.embedded import EmbeddedStore

SEGMENT_BYTES = 4 << 20
"""About 25k triples: large enough that a load's fixed cost is small, small enough that the
first segments are loaded while later pages are still being mapped. A bulk load's cost grows
faster than its size (measured per segment: 4 MB 0.09 s, 8 MB 0.25 s, 16 MB 0.7 s), while
smaller segments leave more files for RocksDB to compact; 4 MB loaded a lean 100k harvest as
fast as 8 MB or faster, in 200 MiB against 260 MiB."""


_LINE = re.compile(r"\bline (\d+)")


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


class StreamingLoad:
    """``write`` N-Triples bytes (any chunking), then ``commit`` (graph complete and visible)
    or ``abort``."""

    def __init__(
        self,
        store: EmbeddedStore,
        graph: str,
        *,
        workers: int | None = None,
        segment_bytes: int = SEGMENT_BYTES,
        trusted: bool = False,
        source: str | None = None,
        hidden: bool = True,
    ) -> None:
        self._store = store
        self._source = source or f"streamed N-Triples for <{graph}>"  # names it in errors
        self._trusted = trusted  # terms validated by their producer: parse leniently (~10 %)
        self.graph = graph
        self._segment_bytes = segment_bytes
        self._workers = workers or default_workers()
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix=f"bulk-load {graph}")
        self._slots = threading.BoundedSemaphore(self._workers + 1)  # segments in flight
        self._futures: list[Future[None]] = []
        self._buffer = bytearray()
        self._lines = 0  # lines already handed to loads (syntax errors give the whole input's)
        self._tail = False  # a blank node was seen: the rest is loaded in one piece at commit
        self._error: BaseException | None = None
        self._done = False
        self._hidden = hidden
        """False: a plain bulk load into a graph that may hold data (``EmbeddedStore.bulk_load``):
        not hidden, and a failure keeps what was loaded, as Oxigraph's bulk loader does."""
        if hidden:
            store._begin_hidden_load(graph)

    def write(self, data: bytes) -> None:
        self._raise_if_failed()
        self._buffer += data
        if self._tail or len(self._buffer) < self._segment_bytes:
            return
        end = self._buffer.rfind(b"\n") + 1
        if end == 0:
            return  # one very long line so far
        segment = bytes(self._buffer[:end])
        if b"_:" in segment:
            self._tail = True
            return
        del self._buffer[:end]
        self._submit(segment)

    def _submit(self, segment: bytes) -> None:
        self._slots.acquire()  # back-pressure: the producer waits for a free loader
        first = self._lines
        self._lines += segment.count(b"\n")
        try:
            future = self._pool.submit(self._load, segment, first)
        except BaseException:
            self._slots.release()
            raise
        self._futures.append(future)

    def _load(self, segment: bytes, first: int) -> None:
        try:
            # From bytes, Oxigraph parses and writes without taking the GIL.
            self._store._store.bulk_load(
                segment,
                RdfFormat.N_TRIPLES,
                to_graph=NamedNode(self.graph),
                lenient=self._trusted,
            )
        except SyntaxError as exc:
            where = _LINE.sub(lambda m: f"line {int(m[1]) + first}", str(exc))
            self._fail(RdfSyntaxError(f"{self._source}: {where}"))
        except BaseException as exc:  # noqa: BLE001 - handed to the producer's thread
            self._fail(StoreError(f"bulk load into <{self.graph}> failed: {exc}"))
        finally:
            self._slots.release()

    def _fail(self, error: BaseException) -> None:
        if self._error is None:
            self._error = error

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def _drain(self) -> None:
        for future in self._futures:
            future.result()  # _load never raises; this only waits
        self._futures.clear()
        self._pool.shutdown(wait=True)

    def commit(self) -> None:
        """Wait for the loaders; the graph becomes visible. Raises (after rolling back) if a
        load failed."""
        if self._done:
            raise StoreError(f"the load into <{self.graph}> has already ended")
        if self._buffer and self._error is None:
            rest, self._buffer = bytes(self._buffer), bytearray()
            self._submit(rest)
        self._drain()
        if self._error is not None:
            self.abort()
            raise self._error
        if self._hidden:
            self._store._end_hidden_load(self.graph, keep=True)
        self._done = True

    def abort(self) -> None:
        """Stop and empty the graph again (it was empty before); not hidden, only stop."""
        if self._done:
            return
        self._buffer.clear()
        self._drain()
        if self._hidden:
            self._store._end_hidden_load(self.graph, keep=False)
        self._done = True
