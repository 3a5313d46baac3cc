"""Build harvesters/snapshots/demo-scicat/ from the SciCat fixtures in ../shared.

The records are shaped as the SciCat v3 REST API answers them (one JSON array per collection,
``Instruments.json`` … ``PublishedData.json``), from:
- the scicatlive MongoDB seed (``scicatlive-seed-*.json``): Mongo extended JSON ``{"$date": x}``
  becomes ``x``; the ``_id`` is kept and also given under the key field the API uses
  (``pid`` for datasets and instruments, ``proposalId``, ``sampleId``, ``doi`` for published
  data), as scicat-backend-next's schemas do (``_id`` = that key);
- pyscicat's ESS examples: ``published_data.json`` as is, and the two dataset ingestion
  payloads, each split into its dataset (``pid`` = the payload's ``id``, which the derived
  dataset's ``inputDatasets`` points at; ``ownable`` fields merged in) and its OrigDatablock
  (``datasetId`` = that pid).
Every number with an integral value is written as an integer (``2e+12`` → ``2000000000000``):
the backend is JavaScript and JSON.stringify writes numbers that way.

Usage: python scripts/snapshot_scicat.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "harvesters" / "snapshots" / "demo-scicat"
FIXTURES = "fixtures/scicat"
SEED = {  # collection → (seed file, the key field the API gives besides _id)
    "Instruments": ("scicatlive-seed-Instrument.json", "pid"),
    "Proposals": ("scicatlive-seed-Proposal.json", "proposalId"),
    "Samples": ("scicatlive-seed-Sample.json", "sampleId"),
    "Datasets": ("scicatlive-seed-Dataset.json", "pid"),
    "OrigDatablocks": ("scicatlive-seed-OrigDatablock.json", None),
    "PublishedData": ("scicatlive-seed-PublishedData.json", "doi"),
}
ESS_PAYLOADS = (
    "pyscicat-ingestion_simulation_dataset_ess_raw_dataset.json",
    "pyscicat-ingestion_simulation_dataset_ess_derived_dataset.json",
)
ESS_PUBLISHED = "pyscicat-published_data.json"


def as_api(value: Any) -> Any:
    """Mongo extended JSON unwrapped; integral numbers as integers (JSON.stringify)."""
    if isinstance(value, dict):
        if len(value) == 1 and "$date" in value:
            return value["$date"]
        return {k: as_api(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_api(v) for v in value]
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def seed(shared: Path, collection: str) -> list[dict[str, Any]]:
    name, key = SEED[collection]
    records = json.loads((shared / FIXTURES / name).read_text(encoding="utf-8"))
    out = []
    for rec in records:
        rec = as_api(rec)
        if key and key not in rec:
            rec = {key: rec["_id"], **rec}
        out.append(rec)
    return out


def ess_payloads(shared: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    datasets, datablocks = [], []
    for name in ESS_PAYLOADS:
        payload = as_api(json.loads((shared / FIXTURES / name).read_text(encoding="utf-8")))
        pid = payload["id"]
        datasets.append({"pid": pid, **payload["dataset"], **payload.get("ownable", {})})
        block = payload.get("orig_datablock")
        if block:
            datablocks.append({"datasetId": pid, **block, **payload.get("ownable", {})})
    return datasets, datablocks


def build(shared: Path) -> dict[str, list[dict[str, Any]]]:
    snapshot = {c: seed(shared, c) for c in SEED}
    datasets, datablocks = ess_payloads(shared)
    snapshot["Datasets"] += datasets
    snapshot["OrigDatablocks"] += datablocks
    published = json.loads((shared / FIXTURES / ESS_PUBLISHED).read_text(encoding="utf-8"))
    snapshot["PublishedData"] += [as_api(r) for r in published]
    return snapshot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for collection, records in build(args.shared).items():
        text = json.dumps(records, indent=1, ensure_ascii=False) + "\n"
        (OUT / f"{collection}.json").write_text(text, encoding="utf-8")
        print(f"{collection}: {len(records)} records")


if __name__ == "__main__":
    main()
