"""FAIR assessment benchmark: the fast path (shapes compiled to SPARQL in the embedded store)
against pyshacl (the reference) on N synthetic datasets with a realistic mix of gaps.

    python bench/assess.py 10000
    python bench/assess.py 100000 [--pyshacl] [--threads 2] [--workdir DIR]

Shapes: the real ``shapes/`` folder if it holds shapes the fast engine compiles, else the test
shapes. The fast path is what ``pancommons assess`` runs (``find_violations``) on an on-disk
embedded store, as in the product; the data is loaded into it by a subprocess of its own and
each engine runs in its own subprocess (its peak RSS is its own). pyshacl (in memory, as it
runs fastest) only when N <= 20000 or with ``--pyshacl``. Load time is not counted in either.
``--workdir`` keeps the data and the store for the next run (a million datasets take minutes
to generate and load).
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TEST_SHAPES = ROOT / "tests" / "data" / "fair-test-shapes.ttl"


def _shapes(which: str):  # type: ignore[no-untyped-def]
    from pancommons.fair.shapes import load_shapes

    return load_shapes(files=[TEST_SHAPES]) if which == "test" else load_shapes(ROOT / "shapes")


def pick_shapes() -> str:
    from pancommons.fair.shapes import UnsupportedShape

    try:
        if _shapes("real").node_shapes:
            return "real"
    except UnsupportedShape as exc:
        print(f"shapes/: {exc}; using the test shapes", file=sys.stderr)
    return "test"


def child(engine: str, data: str, which: str, out: str, threads: int) -> None:
    import logging

    from rdflib import Graph

    from pancommons.fair.engine import assess_reference, find_violations, focus_nodes
    from pancommons.store.embedded import EmbeddedStore

    logging.disable(logging.WARNING)
    if engine == "load":
        start = time.perf_counter()
        EmbeddedStore(out).bulk_load(data, graph="urn:x-bench:data")
        print(f"loaded in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        return
    shapes = _shapes(which)
    keep = Path(out).stat().st_size if Path(out).exists() else 0
    if engine == "fast":
        store = EmbeddedStore(data)
        start = time.perf_counter()
        found = find_violations(store, shapes, threads=threads)
        wall = time.perf_counter() - start
        n = len(set().union(*focus_nodes(store, shapes).values()))
        results: set[tuple[str, str, str]] | int = set(found) if keep else len(found)
    else:
        g = Graph()
        g.parse(data, format="nt")
        start = time.perf_counter()
        results = {tuple(r) for r in assess_reference(g, shapes)}  # type: ignore[misc]
        wall = time.perf_counter() - start
        n = 0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(out).write_bytes(pickle.dumps((wall, rss, n, results)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--pyshacl", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workdir", help="keep the data and the store here between runs")
    ap.add_argument("--child", nargs=4)
    args = ap.parse_args()
    if args.child:
        child(*args.child, threads=args.threads)
        return
    with tempfile.TemporaryDirectory() as tmp:
        run(args, Path(args.workdir or tmp))


def run(args: argparse.Namespace, work: Path) -> None:
    from pancommons.fair.synthetic import iter_records

    which = pick_shapes()
    work.mkdir(parents=True, exist_ok=True)
    data, store = work / f"data-{args.n}.nt", work / f"store-{args.n}"
    cmd = [sys.executable, __file__, str(args.n), "--threads", str(args.threads)]
    if not (store / "loaded").exists():
        with data.open("w") as f:
            f.writelines(line + "\n" for line in iter_records(args.n, 42))
        subprocess.run([*cmd, "--child", "load", str(data), which, str(store)], check=True)
        (store / "loaded").touch()
    engines = ["fast"] + (["pyshacl"] if args.pyshacl or args.n <= 20000 else [])
    report: dict[str, object] = {"datasets": args.n, "shapes": which, "threads": args.threads}
    out: dict[str, tuple[float, float, int, set[object] | int]] = {}
    for engine in engines:
        res = work / f"{engine}.pickle"
        res.write_bytes(b"keep" if len(engines) > 1 else b"")  # keep the results to compare
        source = str(store if engine == "fast" else data)
        subprocess.run([*cmd, "--child", engine, source, which, str(res)], check=True)
        out[engine] = pickle.loads(res.read_bytes())
        res.unlink()
        wall, rss, _, results = out[engine]
        report[engine] = {
            "wall_s": round(wall, 3),
            "datasets_per_s": round(args.n / wall),
            "peak_rss_mb": round(rss),
            "results": results if isinstance(results, int) else len(results),
        }
    report["focus_nodes"] = out["fast"][2]
    if "pyshacl" in out:
        report["ratio"] = round(out["pyshacl"][0] / out["fast"][0], 1)
        report["identical"] = out["pyshacl"][3] == out["fast"][3]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
