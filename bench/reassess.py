"""Incremental FAIR re-assessment: N synthetic datasets, a full assessment (engine, scoring and
the results graph written), then 1 % of them re-harvested and re-assessed.

    python bench/reassess.py 100000 [--changed 0.01]

The changed datasets are a source graph of their own whose harvest run (in the meta graph) ends
after the full assessment, exactly what ``pancommons harvest`` records; ``assess`` then finds and
re-assesses only them. Prints wall times, datasets/s and peak RSS (also as it was before
the first assessment: generating and loading the data). Embedded on-disk store. Before each
assessment the store is left to finish compacting what was just loaded (its background threads
are idle; the wait after the full run is reported), so that the re-assessment is measured as it
runs in practice, long after the full run; ``--no-settle`` re-assesses at once.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _peak_rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


QUIET_S = 5.0
"""How long the process must stay idle before the store counts as settled. RocksDB compacts in
waves with pauses between them: after one quiet second a 100k store still had compactions to
run (a re-assessment measured then took 2.05-2.08 s, against 1.55-1.74 s in a fresh process
on the same store)."""


def _settle(limit: float = 300.0) -> float:
    """Wait until the store's background work (RocksDB compacting the files a bulk load added,
    on threads of this process) has ended: the process uses under 10 % of a core for
    ``QUIET_S`` seconds. The seconds waited. A re-harvest comes long after an assessment, on a
    settled store."""
    start = time.perf_counter()
    quiet = 0
    while quiet < QUIET_S * 2 and time.perf_counter() - start < limit:
        cpu = time.process_time()
        time.sleep(0.5)
        quiet = quiet + 1 if time.process_time() - cpu < 0.05 else 0
    return time.perf_counter() - start - QUIET_S  # the last quiet seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--changed", type=float, default=0.01)
    ap.add_argument(
        "--no-settle",
        action="store_true",
        help="re-assess right after the full run, while the store still compacts what it loaded",
    )
    args = ap.parse_args()

    from pancommons import vocab
    from pancommons.fair.assess import assess
    from pancommons.fair.synthetic import records
    from pancommons.store.embedded import EmbeddedStore

    lines = records(args.n, 42)
    # records are blocks of lines per dataset; split them by subject into two graphs
    changed_every = max(1, round(1 / args.changed))
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big.nt", Path(tmp) / "small.nt"
        subjects: dict[str, int] = {}
        with big.open("w") as b, small.open("w") as s:
            for line in lines:
                subj = line.split(" ", 1)[0]
                i = subjects.setdefault(subj, len(subjects))
                (s if i % changed_every == 0 else b).write(line + "\n")
        store = EmbeddedStore(Path(tmp) / "store")
        store.bulk_load(str(big), graph=vocab.source_graph("bench-rest"))
        store.bulk_load(str(small), graph=vocab.source_graph("bench-changed"))
        del lines, subjects
        rss_before = _peak_rss_mb()  # generating and loading the data
        _settle()
        t = time.perf_counter()
        full = assess(store, full=True)
        full_s = time.perf_counter() - t
        assessed = len(full.scores)
        # `pancommons assess` re-assesses in a process of its own: the full run's 100k scores
        # (millions of objects) are not there for the garbage collector to walk.
        del full
        gc.collect()
        settle_s = 0.0 if args.no_settle else _settle()
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        meta, pan, prov = vocab.meta_graph(), str(vocab.PAN), "http://www.w3.org/ns/prov#"
        xsd = "http://www.w3.org/2001/XMLSchema#"
        store.update(
            f"INSERT DATA {{ GRAPH <{meta}> {{ <urn:x-bench:run> a <{pan}HarvestRun> ; "
            f'<{prov}endedAtTime> "{now}"^^<{xsd}dateTime> ; '
            f"<{prov}generated> <{vocab.source_graph('bench-changed')}> }} }}"
        )
        t = time.perf_counter()
        again = assess(store)
        inc_s = time.perf_counter() - t
        store.close()
    report = {
        "datasets": assessed,
        "full_assessment_s": round(full_s, 2),
        "full_datasets_per_s": round(assessed / full_s),
        "compaction_after_full_s": round(settle_s, 1),
        "changed": len(again.scores),
        "reassessment_s": round(inc_s, 2),
        "peak_rss_mb": _peak_rss_mb(),
        "peak_rss_before_assessing_mb": rss_before,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
