"""Load benchmark: N synthetic PaN datasets into the embedded store and into an rdflib Graph.

    python bench/load.py 10000
    python bench/load.py 100000 [--keep DIR]

Each measured run is a fresh subprocess, so its peak RSS is its own. Printed per engine: triples,
wall time, triples/s, peak RSS, and the ratio to rdflib. Three embedded-store paths are timed:
``bulk_load`` (the fastest path, DESIGN §6), ``load`` (one transaction, all or nothing) and
``replace_graph`` (staging graph + atomic swap: what a harvest does).
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

PANET = [
    f"http://purl.org/pan-science/PaNET/PaNET{n}"
    for n in (
        "01188",
        "01189",
        "01168",
        "01129",
        "01227",
        "01102",
        "01212",
        "01239",
        "01124",
        "01136",
    )
]
FACILITIES = ["02550n020", "01xtjs520", "03eh3y714", "01js2sh04", "05etxs293", "01wv9cn34"]
FORMS = ["powder", "crystal", "solution", "thin film"]
BASE = "https://w3id.org/pan-commons"


def generate(n: int, path: Path, seed: int = 42) -> int:
    """Write N synthetic datasets (DESIGN §4 shape) as N-Triples; return the triple count."""
    rng = random.Random(seed)
    D, DCAT, PROV = (
        "http://purl.org/dc/terms/",
        "http://www.w3.org/ns/dcat#",
        "http://www.w3.org/ns/prov#",
    )
    PAN, XSD = "https://w3id.org/pan-commons/ns#", "http://www.w3.org/2001/XMLSchema#"
    RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            fac = rng.choice(FACILITIES)
            ds = f"<https://doi.org/10.99999/bench-{i}>"
            exp = f"<{BASE}/id/experiment/bench/{i}>"
            dist = f"<{BASE}/id/distribution/bench/{i}>"
            inst = f"<{BASE}/id/instrument/bench/{fac}-{rng.randrange(30)}>"
            person = f"<https://orcid.org/0000-0001-{rng.randrange(10000):04d}-{i % 1000:03d}X>"
            year = rng.randrange(2010, 2026)
            lines = [
                f"{ds} {RDF_TYPE} <{DCAT}Dataset>",
                f'{ds} <{D}identifier> "10.99999/BENCH-{i}"',
                f'{ds} <{D}title> "Synthetic PaN dataset {i} measured at beamline {inst[-6:-1]}"',
                f'{ds} <{D}description> "Raw data of proposal MX-{rng.randrange(9999)}: '
                f'sample {rng.randrange(500)}, {rng.choice(FORMS)}."',
                f'{ds} <{D}issued> "{year}-{rng.randrange(1, 13):02d}-01"^^<{XSD}date>',
                f'{ds} <{D}available> "{year + 3}-01-01"^^<{XSD}date>',
                f"{ds} <{D}publisher> <https://ror.org/{fac}>",
                f"{ds} <{D}license> <https://creativecommons.org/licenses/by/4.0/>",
                f"{ds} <{D}accessRights> <http://publications.europa.eu/resource/authority/access-right/PUBLIC>",
                f"{ds} <{D}creator> {person}",
                f'{ds} <{DCAT}keyword> "{rng.choice(["diffraction", "spectroscopy", "imaging"])}"',
                f"{ds} <{DCAT}theme> <{rng.choice(PANET)}>",
                f"{ds} <{DCAT}landingPage> <https://data.example.org/dataset/{i}>",
                f"{ds} <{DCAT}distribution> {dist}",
                f"{ds} <{PROV}wasGeneratedBy> {exp}",
                f"{dist} {RDF_TYPE} <{DCAT}Distribution>",
                f"{dist} <{DCAT}accessURL> <https://data.example.org/files/{i}>",
                f'{dist} <{DCAT}byteSize> "{rng.randrange(10**6, 10**11)}"'
                f"^^<{XSD}nonNegativeInteger>",
                f"{dist} <{DCAT}mediaType> <https://www.iana.org/assignments/media-types/application/x-hdf5>",
                f"{exp} {RDF_TYPE} <{PAN}Experiment>",
                f"{exp} <{PROV}used> {inst}",
                f'{exp} <{PROV}startedAtTime> "{year}-03-0{rng.randrange(1, 9)}T08:00:00Z"'
                f"^^<{XSD}dateTime>",
            ]
            out.write(" .\n".join(lines) + " .\n")
            count += len(lines)
    return count


def run_one(engine: str, data: Path, workdir: Path) -> dict[str, float]:
    """Measured in this (fresh) process."""
    graph = f"{BASE}/graph/source/bench"
    start = time.perf_counter()
    if engine == "rdflib":
        from rdflib import Graph

        g = Graph()
        g.parse(str(data), format="nt")
        triples = len(g)
    else:
        from pancommons.store.embedded import EmbeddedStore

        store = EmbeddedStore(workdir / f"store-{engine}")
        if engine == "oxigraph-bulk_load":
            store.bulk_load(data, graph=graph)
        elif engine == "oxigraph-load":
            store.load(data, graph=graph)
        else:
            store.replace_graph(data, graph=graph)
        triples = store.count(graph)
        store.close()
    wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "triples": triples,
        "wall_s": wall,
        "triples_per_s": triples / wall,
        "peak_rss_mib": peak_kib / 1024,
    }


ENGINES = ["oxigraph-bulk_load", "oxigraph-replace_graph", "oxigraph-load", "rdflib"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("n", type=int, help="number of synthetic datasets (e.g. 10000, 100000)")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--keep", type=Path, help="keep the generated data and stores here")
    parser.add_argument("--_child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        engine, data, workdir = args._child
        print(json.dumps(run_one(engine, Path(data), Path(workdir))))
        return

    with tempfile.TemporaryDirectory(prefix="pancommons-bench-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        data = workdir / f"datasets-{args.n}.nt"
        t0 = time.perf_counter()
        triples = generate(args.n, data)
        print(
            f"generated {args.n:,} datasets, {triples:,} triples, "
            f"{data.stat().st_size / 2**20:.0f} MiB N-Triples in {time.perf_counter() - t0:.1f} s"
        )
        results: dict[str, dict[str, float]] = {}
        for engine in args.engines.split(","):
            proc = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    str(args.n),
                    "--_child",
                    engine,
                    str(data),
                    str(workdir),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            results[engine] = json.loads(proc.stdout.strip().splitlines()[-1])
            r = results[engine]
            assert r["triples"] == triples, f"{engine} loaded {r['triples']} of {triples} triples"
        ref = results.get("rdflib")
        print(
            f"\n{'engine':<24}{'triples':>12}{'wall s':>9}{'triples/s':>13}{'peak RSS MiB':>14}"
            f"{'× rdflib':>10}"
        )
        for engine, r in results.items():
            ratio = f"{ref['wall_s'] / r['wall_s']:.1f}" if ref else "-"
            print(
                f"{engine:<24}{int(r['triples']):>12,}{r['wall_s']:>9.2f}{r['triples_per_s']:>13,.0f}"
                f"{r['peak_rss_mib']:>14,.0f}{ratio:>10}"
            )
        print(
            "\n(× rdflib = rdflib wall time / engine wall time; each engine ran in its own process)"
        )


if __name__ == "__main__":
    main()
