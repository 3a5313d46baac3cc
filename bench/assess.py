"""FAIR assessment benchmark: the fast path (shapes compiled to SPARQL in the embedded store)
against pyshacl (the reference) on N synthetic datasets with a realistic mix of gaps.

    python bench/assess.py 10000
    python bench/assess.py 100000 [--pyshacl] [--threads 2]

Shapes: the real ``shapes/`` folder if it holds shapes the fast engine compiles, else the test
shapes. Each engine runs in its own subprocess (its peak RSS is its own); pyshacl only when
N <= 20000 or with ``--pyshacl``. Load time is not counted in either.
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

    from pancommons.fair.engine import assess_fast, assess_reference, focus_nodes
    from pancommons.store.embedded import EmbeddedStore

    logging.disable(logging.WARNING)
    shapes = _shapes(which)
    if engine == "fast":
        store = EmbeddedStore(None)
        store.bulk_load(data, graph="urn:x-bench:data")
        start = time.perf_counter()
        results = assess_fast(store, shapes, threads=threads)
        n = len(set().union(*focus_nodes(store, shapes).values()))
    else:
        g = Graph()
        g.parse(data, format="nt")
        start = time.perf_counter()
        results = assess_reference(g, shapes)
        n = 0
    wall = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(out).write_bytes(pickle.dumps((wall, rss, n, results)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--pyshacl", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--child", nargs=4)
    args = ap.parse_args()
    if args.child:
        child(*args.child, threads=args.threads)
        return
    from pancommons.fair.synthetic import records

    which = pick_shapes()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.nt"
        data.write_text("\n".join(records(args.n, 42)) + "\n")
        engines = ["fast"] + (["pyshacl"] if args.pyshacl or args.n <= 20000 else [])
        report: dict[str, object] = {"datasets": args.n, "shapes": which}
        out: dict[str, tuple[float, float, int, set[object]]] = {}
        for engine in engines:
            res = Path(tmp) / f"{engine}.pickle"
            cmd = [sys.executable, __file__, str(args.n), "--threads", str(args.threads)]
            subprocess.run([*cmd, "--child", engine, str(data), which, str(res)], check=True)
            out[engine] = pickle.loads(res.read_bytes())
            wall, rss, _, results = out[engine]
            report[engine] = {
                "wall_s": round(wall, 3),
                "datasets_per_s": round(args.n / wall),
                "peak_rss_mb": round(rss),
                "results": len(results),
            }
        report["focus_nodes"] = out["fast"][2]
        if "pyshacl" in out:
            report["ratio"] = round(out["pyshacl"][0] / out["fast"][0], 1)
            report["identical"] = out["pyshacl"][3] == out["fast"][3]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
