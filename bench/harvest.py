"""Harvest benchmark: N synthetic PaNOSC datasets (shaped like the real fixtures: techniques,
instrument, samples, parameters with units, files, a proposal document) served by the local
catalogue server on 127.0.0.1, harvested into a fresh embedded store.

    python bench/harvest.py 10000
    python bench/harvest.py 100000

Each phase runs in its own subprocess, so its peak RSS is its own:
- ``map``: validation + mapping to N-Triples alone (no HTTP, no store);
- ``map+load``: mapping while the store bulk-loads the output on the other core (no HTTP), as
  a first harvest runs: the figure DESIGN §12 sets a target for (≥ 20,000 records/s);
- ``end-to-end``: ``harvest()`` from the HTTP server (pages of 1,000) into the store, with
  checkpoints, PROV and the swap: what ``pancommons harvest`` does;
- ``rdflib``: the reference — the same N-Triples parsed into an rdflib Graph (what a harvester
  building rdflib graphs pays for the load part alone).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PANET = ["PaNET01188", "PaNET01189", "PaNET01168", "PaNET01227", "PaNET01102", "PaNET01212"]
UNITS = [
    ("incident_wavelength", "angstrom"),
    ("sample_temperature", "K"),
    ("incident_photon_energy", "keV"),
    ("sample_pressure", "mbar"),
]


SHAPE = "rich"


def synthetic(n: int, seed: int = 42) -> list[dict[str, object]]:
    """``rich``: like the reference DB records with every include (~37 triples each);
    ``lean``: like the real ESS records of the federated search (pid, title, isPublic, size,
    creationDate, score: ~8 triples each)."""
    rng = random.Random(seed)
    if SHAPE == "lean":
        return [
            {
                "pid": f"20.500.12269/{rng.getrandbits(128):032x}",
                "title": f"V20 data {i}",
                "isPublic": True,
                "size": rng.randint(0, 10**9),
                "creationDate": f"2019-{1 + i % 12:02d}-{1 + i % 28:02d}T17:56:48.000Z",
                "score": 0,
            }
            for i in range(n)
        ]
    out = []
    for i in range(n):
        proposal = f"20.500.12269/bench-proposal-{i // 20}"
        out.append(
            {
                "pid": f"10.99999/bench-{i}" if i % 2 else f"20.500.12269/bench-{i}",
                "title": f"Synthetic dataset {i} of {proposal}",
                "isPublic": rng.random() > 0.2,
                "creationDate": f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00.000Z",
                "size": rng.randint(1, 10**12),
                "score": 0,
                "documents": [
                    {
                        "pid": proposal,
                        "type": "proposal",
                        "title": f"Proposal {i // 20}",
                        "doi": " ",
                        "releaseDate": "2026-01-01T00:00:00.000Z",
                        "license": "CC-BY-4.0",
                    }
                ],
                "techniques": [{"pid": rng.choice(PANET), "name": "technique"}],
                "instrument": {
                    "pid": f"20.500.12269/instrument-{i % 40}",
                    "name": f"BL{i % 40}",
                    "facility": "ESS",
                },
                "samples": [{"pid": f"20.500.12269/sample-{i % 500}", "name": "powder sample"}],
                "parameters": [
                    {"name": name, "value": round(rng.uniform(1, 300), 3), "unit": unit}
                    for name, unit in rng.sample(UNITS, 2)
                ],
                "files": [
                    {
                        "id": f"f{i}",
                        "name": f"run_{i:06d}.nxs",
                        "path": "/raw",
                        "size": rng.randint(1, 10**9),
                    }
                ],
            }
        )
    return out


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _config(url: str, tmp: str):  # type: ignore[no-untyped-def]
    from pancommons.harvest.config import parse_source

    return parse_source(
        {
            "name": "bench",
            "kind": "panosc",
            "url": url,
            "page_size": 1000,
            "facility": {"name": "ESS", "ror": "https://ror.org/01wv9cn34"},
        }
    )


def phase_map(n: int, tmp: Path) -> dict[str, float]:
    from pancommons.harvest.mapping.common import Context
    from pancommons.harvest.mapping.nt import page_ntriples
    from pancommons.harvest.mapping.panosc import map_record
    from pancommons.harvest.validate import validate

    records = synthetic(n)
    ctx = Context("bench", facility_name="ESS", facility_ror="https://ror.org/01wv9cn34")
    out = tmp / "mapped.nt"
    start = time.perf_counter()
    with open(out, "wb") as f:
        for page in range(0, n, 1000):
            lines: list[str] = []
            for r in records[page : page + 1000]:
                validate("panosc-datasets", r)
                lines += map_record(ctx, "Datasets", r).lines
            f.write(page_ntriples(lines))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "bytes": out.stat().st_size}


def phase_map_load(n: int, tmp: Path) -> dict[str, float]:
    """Validation + mapping while the store loads the output (as a first harvest runs)."""
    from pancommons.harvest.mapping.common import Context
    from pancommons.harvest.mapping.nt import page_ntriples
    from pancommons.harvest.mapping.panosc import map_record
    from pancommons.harvest.validate import validate
    from pancommons.store.embedded import EmbeddedStore

    records = synthetic(n)
    ctx = Context("bench", facility_name="ESS", facility_ror="https://ror.org/01wv9cn34")
    with EmbeddedStore(tmp / "store") as store:
        start = time.perf_counter()
        loader = store.open_loader("urn:bench", trusted=True)  # as the harvest runner does
        assert loader is not None
        for page in range(0, n, 1000):
            lines: list[str] = []
            for r in records[page : page + 1000]:
                validate("panosc-datasets", r)
                lines += map_record(ctx, "Datasets", r).lines
            loader.write(page_ntriples(lines))  # as the harvest runner writes a page
        loader.commit()
        seconds = time.perf_counter() - start
        triples = store.count("urn:bench")
    return {"seconds": seconds, "triples": triples}


def phase_end_to_end(n: int, tmp: Path) -> dict[str, float]:
    from tests.harvest.catalogue_server import Catalogue, catalogue_server

    from pancommons.harvest.runner import harvest
    from pancommons.store.embedded import EmbeddedStore

    cat = Catalogue("panosc", {"Datasets": synthetic(n), "Documents": [], "Instruments": []})
    with catalogue_server({"b": cat}) as (url, _), EmbeddedStore(tmp / "store") as store:
        start = time.perf_counter()
        run = harvest(store, _config(f"{url}/b/api", str(tmp)), state_dir=str(tmp / "state"))
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "triples": run.triples or 0, "records": run.seen}


def phase_rdflib(n: int, tmp: Path) -> dict[str, float]:
    from rdflib import Graph

    phase_map(n, tmp)
    start = time.perf_counter()
    g = Graph()
    g.parse(tmp / "mapped.nt", format="nt")
    return {"seconds": time.perf_counter() - start, "triples": len(g)}


PHASES = {
    "map": phase_map,
    "map+load": phase_map_load,
    "end-to-end": phase_end_to_end,
    "rdflib": phase_rdflib,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int, nargs="?", default=10000)
    parser.add_argument("--shape", choices=["rich", "lean"], default="rich")
    parser.add_argument("--phase", choices=list(PHASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    global SHAPE
    SHAPE = args.shape
    if args.phase:
        with tempfile.TemporaryDirectory() as tmp:
            result = PHASES[args.phase](args.n, Path(tmp))
        result["rss_mib"] = _rss_mib()
        print(json.dumps(result))
        return
    print(f"harvest benchmark: {args.n:,} synthetic PaNOSC datasets ({args.shape}), 2 cores")
    print(f"{'phase':<12} {'seconds':>8} {'records/s':>10} {'triples':>10} {'peak RSS MiB':>13}")
    for name in PHASES:
        proc = subprocess.run(
            [sys.executable, __file__, str(args.n), "--shape", args.shape, "--phase", name],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        rate = args.n / r["seconds"]
        print(
            f"{name:<12} {r['seconds']:>8.2f} {rate:>10,.0f} {int(r.get('triples', 0)):>10,} "
            f"{r['rss_mib']:>13,.0f}"
        )
    print("map+load is the DESIGN §12 figure (target ≥ 20,000 records/s); rdflib = load only.")


if __name__ == "__main__":
    main()
