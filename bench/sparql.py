"""SPARQL endpoint benchmark (issue #7, DESIGN §12): ``pancommons serve`` against raw
``oxigraph serve`` and rdflib-endpoint, on the same data and the same queries.

``pancommons serve`` runs twice, on two copies of its store: as configured by default
(``pancommons``: repeated queries answered from its result cache until the graph changes) and
with that cache off (``pancommons-nocache``: every query evaluated, as the other servers do), so
that what the cache brings and what the HTTP layer costs are both in the figures.

    python bench/sparql.py [--datasets N] [--seconds S] [--quick]

One run generates N synthetic PaN datasets (``bench/load.py``'s generator), loads them with
``pancommons load`` into an embedded store, dumps that store (data *and* the ontologies
``pancommons load`` adds) to N-Quads and loads the dump into an ``oxigraph`` store and into
rdflib-endpoint (its own CLI: an in-memory rdflib ``Dataset`` served by uvicorn), so all of them
answer over identical quads with the union of all graphs as the default graph. Each server runs in
its own process on a free port of 127.0.0.1 and is killed at the end, whatever happens.

Queries, the same text sent to every server by GET ``?query=`` with
``Accept: application/sparql-results+json``; every answer must be a 200 with the right shape
(anything else is counted as an error):

- ``point``: ``SELECT ?p ?o { <dataset> ?p ?o }`` for a random dataset (≥ 1 row);
- ``filter``: titles of the datasets whose experiment used one random instrument, LIMIT 100
  (a 3-pattern join; 1–100 rows);
- ``aggregate``: datasets per publisher (GROUP BY over all datasets; the counts must add up to N).

Each server × query gets a warm-up (1 client), then each server × query × concurrency cell (1
and 8 client threads, each with its own keep-alive ``http.client`` connection: the cheapest
Python client, so the driver steals as little CPU from the servers as possible) runs for a fixed
duration (rdflib-endpoint, far slower, a shorter one: only the ratios matter; a request started
in time is always waited for). The servers' cells of one query and concurrency run back to
back, so a change in the machine's load affects both sides of a ratio alike. Printed per cell:
requests/s (answers that passed the check), p50/p95/p99 latency, errors, the share of answers
that were cache hits (``X-Cache: hit``), the server's CPU time
per request and the driver's CPU use (near 100 % of one core means the driver, not the server,
was the bottleneck; it shares the machine's CPUs with the servers). Then the §12 targets, each
met / NOT met, for each of the two pancommons servers:

- pancommons ≥ 0.90 × oxigraph serve throughput, per cell (and their geometric mean);
- pancommons ≥ 10 × rdflib-endpoint throughput, per cell (and their geometric mean);
- pancommons point-lookup p95 ≤ 5 ms at 8 clients;

and each server's peak RSS (VmHWM) and the machine's CPU count.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
HEADERS = {"Accept": "application/sparql-results+json"}
KINDS = ("point", "filter", "aggregate")
ENDPOINTS = {
    "pancommons": "/sparql",
    "pancommons-nocache": "/sparql",
    "oxigraph": "/query",
    "rdflib-endpoint": "/",
}
OURS = ("pancommons", "pancommons-nocache")
CONCURRENCY = (1, 8)
TARGET_OXIGRAPH = 0.90
TARGET_RDFLIB = 10.0
TARGET_P95_MS = 5.0

PREFIXES = (
    "PREFIX dct: <http://purl.org/dc/terms/> "
    "PREFIX dcat: <http://www.w3.org/ns/dcat#> "
    "PREFIX prov: <http://www.w3.org/ns/prov#> "
)
Check = Callable[[dict[str, Any]], bool]
MakeQuery = Callable[[random.Random], tuple[str, Check]]


# --- data --------------------------------------------------------------------------------------


def _generator() -> Callable[[int, Path], int]:
    """``generate(n, path)`` of ``bench/load.py`` (imported by path: bench/ is no package)."""
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate  # type: ignore[no-any-return]


def _run(cmd: list[str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{what} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")


def prepare(n: int, work: Path) -> tuple[Path, Path, Path, list[str]]:
    """Generate the data and build the stores; return (pancommons store, oxigraph store,
    N-Quads dump, instrument IRIs in use)."""
    data = work / "datasets.nt"
    t0 = time.perf_counter()
    triples = _generator()(n, data)
    instruments = sorted(
        set(re.findall(r"<http://www.w3.org/ns/prov#used> <([^>]+)>", data.read_text()))
    )
    print(f"generated {n:,} datasets, {triples:,} triples in {time.perf_counter() - t0:.1f} s")

    pan_store, ox_store, dump = work / "pancommons-store", work / "oxigraph-store", work / "all.nq"
    t0 = time.perf_counter()
    _run([str(BIN / "pancommons"), "--store", str(pan_store), "load", str(data)], "pancommons load")
    _run([str(BIN / "oxigraph"), "dump", "--location", str(pan_store), "--file", str(dump)], "dump")
    _run([str(BIN / "oxigraph"), "load", "--location", str(ox_store), "--file", str(dump)], "load")
    quads = sum(1 for _ in dump.open("rb"))
    print(
        f"loaded {quads:,} quads (data + ontologies) into pancommons and oxigraph stores "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    return pan_store, ox_store, dump, instruments


# --- queries -----------------------------------------------------------------------------------


def _rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return doc["results"]["bindings"]  # type: ignore[no-any-return]


def query_kinds(n: int, instruments: list[str]) -> dict[str, MakeQuery]:
    """Per query kind: a function drawing one query (text, answer check)."""

    def point(rng: random.Random) -> tuple[str, Check]:
        iri = f"https://doi.org/10.99999/bench-{rng.randrange(n)}"
        return f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}", lambda doc: len(_rows(doc)) >= 1

    def filter_(rng: random.Random) -> tuple[str, Check]:
        text = (
            f"{PREFIXES}SELECT ?ds ?title WHERE {{ ?exp prov:used <{rng.choice(instruments)}> . "
            f"?ds prov:wasGeneratedBy ?exp ; a dcat:Dataset ; dct:title ?title }} LIMIT 100"
        )
        return text, lambda doc: 1 <= len(_rows(doc)) <= 100

    def aggregate(rng: random.Random) -> tuple[str, Check]:
        text = (
            f"{PREFIXES}SELECT ?publisher (COUNT(?ds) AS ?n) WHERE {{ ?ds a dcat:Dataset ; "
            f"dct:publisher ?publisher }} GROUP BY ?publisher ORDER BY DESC(?n)"
        )
        return text, lambda doc: sum(int(r["n"]["value"]) for r in _rows(doc)) == n

    return {"point": point, "filter": filter_, "aggregate": aggregate}


# --- servers -----------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    path: str
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def ps(self) -> psutil.Process:
        return psutil.Process(self.proc.pid)

    def cpu_seconds(self) -> float:
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    def peak_rss_mib(self) -> float:
        """VmHWM (peak resident set) on Linux; elsewhere the current RSS."""
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
            kib = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
            return kib / 1024
        except (OSError, AttributeError):
            return float(self.ps.memory_info().rss) / 2**20


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start(
    name: str, cmd: list[str], path: str, port: int, work: Path, extra: dict[str, str]
) -> Server:
    log = work / f"{name}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANCOMMONS_")}
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra)
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    return Server(name, path, proc, port, log)


def wait_ready(server: Server, timeout: float = 300.0) -> None:
    target = f"{server.path}?query={quote('ASK { ?s ?p ?o }')}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            break
        try:
            conn = http.client.HTTPConnection(HOST, server.port, timeout=10)
            conn.request("GET", target, headers=HEADERS)
            resp = conn.getresponse()
            resp.read()
            conn.close()
            if resp.status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    tail = server.log.read_text(errors="replace")[-2000:]
    raise SystemExit(f"{server.name} did not come up on port {server.port}:\n{tail}")


def stop(server: Server) -> None:
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(10)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()


@contextmanager
def servers(
    names: list[str], pan_store: Path, ox_store: Path, dump: Path, work: Path
) -> Iterator[list[Server]]:
    """The servers ``names``, started and answering; stopped on leaving, whatever happens."""
    started: list[Server] = []
    try:
        for name in names:
            port = free_port()
            pancommons = [
                *(str(BIN / "pancommons"), "--store", str(pan_store), "serve"),
                *("--host", HOST, "--port", str(port)),
            ]
            if name == "pancommons-nocache":  # its own copy: a store has one writer process
                copy = pan_store.with_name("pancommons-nocache-store")
                if not copy.exists():
                    shutil.copytree(pan_store, copy, ignore=shutil.ignore_patterns("LOCK"))
                pancommons[2] = str(copy)
            cmd = {
                "pancommons": pancommons,
                "pancommons-nocache": pancommons,
                "oxigraph": [
                    *(str(BIN / "oxigraph"), "serve", "--location", str(ox_store)),
                    *("--bind", f"{HOST}:{port}", "--union-default-graph"),
                ],
                "rdflib-endpoint": [
                    *(str(BIN / "rdflib-endpoint"), "serve", str(dump)),
                    *("--host", HOST, "--port", str(port)),
                ],
            }[name]
            extra = {"PANCOMMONS_QUERY_CACHE_MB": "0"} if name == "pancommons-nocache" else {}
            started.append(start(name, cmd, ENDPOINTS[name], port, work, extra))
        t0 = time.perf_counter()
        for server in started:
            wait_ready(server)
        print(f"servers up in {time.perf_counter() - t0:.1f} s (rdflib-endpoint parses the dump)")
        yield started
    finally:
        for server in started:
            stop(server)


# --- load driver -------------------------------------------------------------------------------


@dataclass
class Cell:
    server: str
    kind: str
    clients: int
    requests: int
    errors: int
    hits: int
    wall: float
    latencies: list[float]
    server_cpu: float
    driver_cpu: float

    @property
    def rps(self) -> float:
        return (self.requests - self.errors) / self.wall if self.wall else 0.0

    def pct_ms(self, p: float) -> float:
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def _client(
    server: Server,
    make: MakeQuery,
    seed: int,
    go: threading.Barrier,
    deadline: list[float],
    out: list[tuple[list[float], int, int, float]],
) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(HOST, server.port, timeout=300)
    latencies: list[float] = []
    errors = hits = 0
    go.wait()
    while True:
        text, check = make(rng)
        target = f"{server.path}?query={quote(text, safe='')}"
        t0 = time.perf_counter()
        if t0 >= deadline[0]:
            break
        try:
            conn.request("GET", target, headers=HEADERS)
            resp = conn.getresponse()
            body = resp.read()
            latencies.append(time.perf_counter() - t0)
            ok = resp.status == 200 and check(json.loads(body))
            hits += resp.getheader("X-Cache") == "hit"
        except (OSError, http.client.HTTPException, ValueError, KeyError, TypeError):
            latencies.append(time.perf_counter() - t0)
            conn.close()
            conn = http.client.HTTPConnection(HOST, server.port, timeout=300)
            ok = False
        errors += not ok
    conn.close()
    out.append((latencies, errors, hits, time.perf_counter()))


def drive(server: Server, kind: str, make: MakeQuery, clients: int, seconds: float) -> Cell:
    """``clients`` threads sending ``make`` queries to ``server`` for ``seconds``."""
    go = threading.Barrier(clients + 1)
    deadline = [math.inf]
    out: list[tuple[list[float], int, int, float]] = []
    threads = [
        threading.Thread(
            target=_client,
            args=(server, make, 1000 * i + clients, go, deadline, out),
            daemon=True,
        )
        for i in range(clients)
    ]
    for t in threads:
        t.start()
    cpu0, me0 = server.cpu_seconds(), time.process_time()
    t0 = time.perf_counter()
    deadline[0] = t0 + seconds
    go.wait()
    for t in threads:
        t.join()
    wall = max(end for *_, end in out) - t0
    latencies = [x for lat, *_ in out for x in lat]
    return Cell(
        server.name,
        kind,
        clients,
        len(latencies),
        sum(e for _, e, _, _ in out),
        sum(h for _, _, h, _ in out),
        wall,
        latencies,
        server.cpu_seconds() - cpu0,
        (time.process_time() - me0) / wall,
    )


# --- report ------------------------------------------------------------------------------------


def print_cells(cells: list[Cell]) -> None:
    print(
        f"\n{'server':<20}{'query':<10}{'clients':>7}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'requests':>10}{'errors':>8}{'cache hits':>11}{'srv CPU ms/req':>16}"
        f"{'driver CPU':>12}"
    )
    for c in cells:
        per_req = 1000 * c.server_cpu / c.requests if c.requests else math.nan
        hits = c.hits / c.requests if c.requests else 0.0
        print(
            f"{c.server:<20}{c.kind:<10}{c.clients:>7}{c.rps:>10,.1f}{c.pct_ms(50):>9.2f}"
            f"{c.pct_ms(95):>9.2f}{c.pct_ms(99):>9.2f}{c.requests:>10,}{c.errors:>8}"
            f"{hits:>11.0%}{per_req:>16.2f}{c.driver_cpu:>11.0%}"
        )


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def print_targets(cells: list[Cell], servers_: list[Server]) -> None:
    by = {(c.server, c.kind, c.clients): c for c in cells}
    ran = {s.name for s in servers_}
    for mine_name in (m for m in OURS if m in ran):
        for other, target in (("oxigraph", TARGET_OXIGRAPH), ("rdflib-endpoint", TARGET_RDFLIB)):
            if other not in ran:
                continue
            print(f"\n{mine_name} / {other} throughput (target ≥ {target:g}):")
            ratios = []
            for kind in KINDS:
                for clients in CONCURRENCY:
                    mine, theirs = by[(mine_name, kind, clients)], by[(other, kind, clients)]
                    ratio = mine.rps / theirs.rps if theirs.rps else math.inf
                    ratios.append(ratio)
                    print(
                        f"  {kind:<10}{clients:>2} clients  {mine.rps:>9,.1f} / "
                        f"{theirs.rps:>9,.1f}  = {ratio:>7.2f}  {_verdict(ratio >= target)}"
                    )
            finite = [r for r in ratios if 0 < r < math.inf]
            geo = math.exp(sum(map(math.log, finite)) / len(finite)) if finite else math.nan
            print(f"  geometric mean{'':>32}= {geo:>7.2f}  {_verdict(geo >= target)}")
        p95 = by[(mine_name, "point", max(CONCURRENCY))].pct_ms(95)
        print(
            f"\n{mine_name} point lookup p95 at {max(CONCURRENCY)} clients: {p95:.2f} ms "
            f"(target ≤ {TARGET_P95_MS:g} ms)  {_verdict(p95 <= TARGET_P95_MS)}"
        )
    errors = sum(c.errors for c in cells)
    print(f"errors in all cells: {errors}")
    print(
        "\npeak RSS: "
        + ", ".join(f"{s.name} {s.peak_rss_mib():,.0f} MiB" for s in servers_)
        + f"; CPUs: {os.cpu_count()} (driver and servers share them)"
    )


def _loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for dist in ("pancommons", "pyoxigraph", "oxigraph", "rdflib-endpoint", "rdflib", "uvicorn"):
        try:
            out.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            out.append(f"{dist} (not installed)")
    return ", ".join(out)


# --- main --------------------------------------------------------------------------------------


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> None:
    # Ctrl-C and kill both unwind through the ``finally`` that stops the servers (a shell that
    # starts us in the background would otherwise leave SIGINT ignored).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--datasets", type=int, help="synthetic datasets [10000; quick 2000]")
    parser.add_argument("--seconds", type=float, help="measured seconds per cell [10; quick 3]")
    parser.add_argument(
        "--rdflib-seconds", type=float, help="seconds per rdflib-endpoint cell [5; quick 2]"
    )
    parser.add_argument(
        "--warmup", type=float, help="warm-up seconds per server and query [1; quick 0.5]"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 datasets, 3 s")
    parser.add_argument("--only", help="comma-separated servers to run, e.g. pancommons,oxigraph")
    args = parser.parse_args()
    n = args.datasets or (2000 if args.quick else 10_000)
    seconds = args.seconds or (3.0 if args.quick else 10.0)
    rdflib_seconds = args.rdflib_seconds or (2.0 if args.quick else min(seconds, 5.0))
    warmup = args.warmup if args.warmup is not None else (0.5 if args.quick else 1.0)
    names = [s for s in ENDPOINTS if not args.only or s in args.only.split(",")]
    if args.only and set(args.only.split(",")) - set(ENDPOINTS):
        parser.error(f"--only takes some of {', '.join(ENDPOINTS)}")
    print(
        f"SPARQL endpoint benchmark: {n:,} datasets, {seconds:g} s per cell "
        f"({rdflib_seconds:g} s for rdflib-endpoint), warm-up {warmup:g} s, "
        f"clients {'/'.join(map(str, CONCURRENCY))}, {os.cpu_count()} CPUs"
    )
    print(f"versions: {_versions()}; load average (1/5/15 min) at the start: {_loadavg()}")

    with tempfile.TemporaryDirectory(prefix="pancommons-bench-sparql-") as tmp:
        work = Path(tmp)
        pan_store, ox_store, dump, instruments = prepare(n, work)
        kinds = query_kinds(n, instruments)
        cells: list[Cell] = []
        with servers(names, pan_store, ox_store, dump, work) as running:
            # Server-innermost: the cells a ratio compares run back to back, so drift in the
            # machine's load (other processes, CPU steal) hits both sides alike.
            for kind in KINDS:
                if warmup:
                    for server in running:
                        drive(server, kind, kinds[kind], 1, warmup)
                for clients in CONCURRENCY:
                    for server in running:
                        budget = rdflib_seconds if server.name == "rdflib-endpoint" else seconds
                        cell = drive(server, kind, kinds[kind], clients, budget)
                        cells.append(cell)
                        print(
                            f"  {server.name:<20}{kind:<10}{clients:>2} clients: "
                            f"{cell.rps:>9,.1f} req/s, p95 {cell.pct_ms(95):.2f} ms, "
                            f"{cell.errors} errors",
                            flush=True,
                        )
            order = {s.name: i for i, s in enumerate(running)}
            print_cells(sorted(cells, key=lambda c: (order[c.server], KINDS.index(c.kind))))
            if set(OURS) & set(order):
                print_targets(cells, running)
        print(f"load average (1/5/15 min) at the end: {_loadavg()}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: servers stopped, temporary files removed")
