"""Build the PaNOSC demo snapshots in harvesters/snapshots/ from the fixtures in ../shared.

- demo-panosc-reference: the PaNOSC reference implementation's test database (data/db.json),
  resolved into the responses its API gives with the includes our harvester asks for.
- demo-ess / demo-esrf: the real production records in the federated-search documentation,
  split by the ``provider`` the federated service added to each record.

Usage: python scripts/snapshot_panosc.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "harvesters" / "snapshots"


def _write(name: str, collection: str, records: list[dict[str, Any]]) -> None:
    folder = OUT / name
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(records, indent=1, ensure_ascii=False) + "\n"
    (folder / f"{collection}.json").write_text(text, encoding="utf-8")


def reference(shared: Path) -> None:
    db = json.loads((shared / "fixtures/panosc/reference-search-api-db.json").read_text())
    m = {k: [json.loads(v) for v in vals.values()] for k, vals in db["models"].items()}
    by = lambda model, key: {str(r[key]): r for r in m[model]}  # noqa: E731
    instruments, persons = by("Instrument", "pid"), by("Person", "id")
    samples, techniques = by("Sample", "pid"), by("Technique", "pid")
    affiliations = by("Affiliation", "id")
    params: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in m["Parameter"]:
        owner = p.get("datasetId") or p.get("documentId")
        params[str(owner)].append({k: p[k] for k in ("name", "value", "unit") if k in p})
    files: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in m["File"]:
        files[f["datasetId"]].append({k: v for k, v in f.items() if k != "datasetId"})
    doc_ds = defaultdict(list)
    ds_doc = defaultdict(list)
    for j in m["DocumentDataset"]:
        doc_ds[j["documentId"]].append(j["datasetId"])
        ds_doc[j["datasetId"]].append(j["documentId"])
    ds_tech = defaultdict(list)
    for j in m["DatasetTechnique"]:
        ds_tech[j["datasetId"]].append(techniques[j["techniqueId"]])
    ds_sample = defaultdict(list)
    for j in m["DatasetSample"]:
        ds_sample[j["datasetId"]].append(samples[j["sampleId"]])
    documents = {d["pid"]: d for d in m["Document"]}

    datasets = []
    for d in m["Dataset"]:
        rec = dict(d)
        rec["documents"] = [documents[x] for x in ds_doc[d["pid"]]]
        rec["techniques"] = ds_tech[d["pid"]]
        rec["instrument"] = instruments.get(d.get("instrumentId", ""))
        rec["samples"] = ds_sample[d["pid"]]
        rec["parameters"] = params[d["pid"]]
        rec["files"] = files[d["pid"]]
        datasets.append(rec)
    docs = []
    for d in m["Document"]:
        rec = dict(d)
        rec["datasets"] = [next(x for x in m["Dataset"] if x["pid"] == p) for p in doc_ds[d["pid"]]]
        rec["members"] = [
            {
                "role": mem.get("role"),
                "person": persons.get(mem.get("personId")),
                "affiliation": affiliations.get(str(mem.get("affiliationId"))),
            }
            for mem in m["Member"]
            if mem["documentId"] == d["pid"]
        ]
        rec["parameters"] = params[d["pid"]]
        docs.append(rec)
    _write("demo-panosc-reference", "Datasets", datasets)
    _write("demo-panosc-reference", "Documents", docs)
    _write("demo-panosc-reference", "Instruments", m["Instrument"])


PROVIDERS = {
    "https://scicat.ess.eu/panosc-api": "demo-ess",
    "https://icatplus.esrf.fr/api": "demo-esrf",
}


def federated(shared: Path) -> None:
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for path in sorted((shared / "fixtures/panosc").glob("federated-*.json")):
        collection = "Datasets" if "datasets" in path.name else "Documents"
        for rec in json.loads(path.read_text()):
            name = PROVIDERS[rec["provider"]]
            key = f"{collection}\t{rec['pid']}"
            # The same record answers several queries (with different scores): keep one.
            out[name].setdefault(key, rec)
    for name, records in out.items():
        for collection in ("Datasets", "Documents"):
            rows = [r for k, r in records.items() if k.startswith(collection + "\t")]
            if name == "demo-ess" and collection == "Documents":
                rows.append(ESS_PUBLISHED_DATA_AS_DOCUMENT)
            _write(name, collection, rows)


# The ESS PaNOSC API is SciCat's panosc-search-api, which serves each SciCat PublishedData as a
# Document of type "publication" (reference/catalogues-and-mapping.md §2.3: pid and doi = doi,
# title, summary = abstract, datasets = pidArray). This is the first record of pyscicat's
# published_data.json (real ESS data, also in the demo-scicat snapshot) rendered that way, so
# the same DOI reaches the graph through two sources.
ESS_PUBLISHED_DATA_AS_DOCUMENT = {
    "pid": "10.17199/03dd9804-1b04-4d36-b0fb-cf66e9891e7d",
    "isPublic": True,
    "type": "publication",
    "title": "SANS/Reflectometry",
    "summary": "SANS/Reflectometry",
    "doi": "10.17199/03dd9804-1b04-4d36-b0fb-cf66e9891e7d",
    "releaseDate": "2019",
    "datasets": [
        {
            "pid": "20.500.12269/0a269002-83e2-4f18-bb98-36c01836d66a",
            "title": "SANS/Reflectometry",
            "isPublic": True,
        }
    ],
    "members": [{"person": {"fullName": "Oliver Lohmann"}}],
    "provider": "https://scicat.ess.eu/panosc-api",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    args = parser.parse_args()
    reference(args.shared)
    federated(args.shared)


if __name__ == "__main__":
    main()
