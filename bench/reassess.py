"""Incremental FAIR re-assessment: N synthetic datasets, a full assessment (engine, scoring and
the results graph written), then 1 % of them re-harvested and re-assessed.

    python bench/reassess.py 100000 [--changed 0.01]

The changed datasets are a source graph of their own whose harvest run (in the meta graph) ends
after the full assessment, exactly what ``pancommons harvest`` records; ``assess`` then finds and
re-assesses only them. Prints wall times, datasets/s and peak RSS. Embedded on-disk store.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--changed", type=float, default=0.01)
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
        t = time.perf_counter()
        full = assess(store, full=True)
        full_s = time.perf_counter() - t
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
        "datasets": len(full.scores),
        "full_assessment_s": round(full_s, 2),
        "full_datasets_per_s": round(len(full.scores) / full_s),
        "changed": len(again.scores),
        "reassessment_s": round(inc_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
