"""PaNOSC facade latency (issue #9): the PaNOSC documentation's example filters, the federated
search's queries, and a paged listing, against the demo graph, with and without the result
cache.

    python bench/panosc.py [--repeat N]

Builds the demo store in a temporary directory, then sends each request N times through the
ASGI app in-process (``fastapi.testclient``, no socket: the figures are the facade's own cost:
parsing, SPARQL translation, the store's queries, record assembly). Prints per request the
p50 / p95 milliseconds uncached (``PANCOMMONS_QUERY_CACHE_MB=0``) and cached, and the peak RSS.
No reference tool answers the PaNOSC API over RDF; the reference implementation (LoopBack over
an in-memory JSON file) is not a comparable workload.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil
from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pancommons.api.app import create_app  # noqa: E402
from pancommons.config import Settings  # noqa: E402
from pancommons.demo import build_demo  # noqa: E402
from pancommons.store.embedded import EmbeddedStore  # noqa: E402

DATA = ROOT / "tests" / "api" / "panosc" / "data"


def requests_to_run() -> list[tuple[str, str, dict[str, object]]]:
    out: list[tuple[str, str, dict[str, object]]] = []
    examples = json.loads((DATA / "reference-search-api-doc-examples.json").read_text())
    for e in examples["examples"]:
        out.append((e["section"][:48], e["endpoint"].split()[1], e["filter"]))
    for e in json.loads((DATA / "manifest-federated.json").read_text()):
        out.append((e["file"], "/api/" + e["endpoint"].rsplit("/", 1)[1], e["filter"]))
    out.append(("page 3 of datasets, full includes", "/api/Datasets", {
        "skip": 20, "limit": 10,
        "include": ["documents", "techniques", "instrument", "samples", "parameters", "files"],
    }))  # fmt: skip
    return out


def timed(client: TestClient, path: str, flt: dict[str, object], n: int) -> list[float]:
    params = {"filter": json.dumps(flt)}
    times = []
    for _ in range(n):
        t = time.perf_counter()
        r = client.get(path, params=params)
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.text
    return times


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 2 else max(values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddedStore(Path(tmp) / "store")
        t = time.perf_counter()
        build_demo(store, state_dir=str(Path(tmp) / "state"))
        print(f"demo graph: {store.count()} triples, built in {time.perf_counter() - t:.1f} s")
        off = TestClient(create_app(Settings(query_cache_mb=0), store=store))
        on = TestClient(create_app(Settings(), store=store))
        print(f"{'request':50} {'p50 ms':>8} {'p95 ms':>8} {'cached p50':>11}")
        for name, path, flt in requests_to_run():
            cold = timed(off, path, flt, args.repeat)
            warm = timed(on, path, flt, args.repeat)
            print(f"{name:50} {pct(cold, 50):8.1f} {pct(cold, 95):8.1f} {pct(warm, 50):11.2f}")
        rss = psutil.Process().memory_info().rss / 2**20
        print(f"peak RSS (this process, store included): {rss:.0f} MiB")
        store.close()


if __name__ == "__main__":
    main()
