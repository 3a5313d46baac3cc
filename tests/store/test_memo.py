"""Values derived from the graph (``Store.derived``): computed once per version of the store,
again after any write, every time when the version is unknown; one computation at a time."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from pyoxigraph import RdfFormat

from pancommons.store.embedded import EmbeddedStore
from pancommons.store.memo import VersionMemo

G = "http://example.org/memo/g"
DATA = b'<http://example.org/d1> <http://purl.org/dc/terms/title> "one" .\n'


def test_a_derived_value_lasts_until_a_write(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s")
    calls: list[int] = []

    def count() -> int:
        calls.append(1)
        return store.count()

    assert store.derived("n", count) == 0 and store.derived("n", count) == 0
    assert len(calls) == 1
    store.load(DATA, graph=G, format=RdfFormat.N_TRIPLES)
    assert store.derived("n", count) == 1 and len(calls) == 2
    assert store.derived("other", lambda: "x") == "x"  # keys apart
    store.close()

    reader = EmbeddedStore(tmp_path / "s", read_only=True)  # version unknown: never kept
    store = reader
    assert [reader.derived("n", count) for _ in range(2)] == [1, 1] and len(calls) == 4
    reader.close()


def test_threads_wait_for_one_computation_and_old_values_expire(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s")
    calls: list[int] = []

    def slow() -> str:
        calls.append(1)
        time.sleep(0.2)
        return "value"

    got: list[str] = []
    threads = [
        threading.Thread(target=lambda: got.append(store.derived("k", slow))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == ["value"] * 8 and len(calls) == 1

    memo = VersionMemo(size=2, ttl=0.0)  # nothing outlives its computation
    assert memo.get(store, "a", lambda: 1) == 1 and memo.get(store, "a", lambda: 2) == 2
    memo = VersionMemo(size=1)
    memo.get(store, "a", lambda: 1)
    memo.get(store, "b", lambda: 2)  # the least recently used goes
    assert memo.get(store, "a", lambda: 3) == 3
    store.close()
