"""Load test (DESIGN §12: "50 concurrent clients for 60 s with a harvest running: 0 errors,
p99 ≤ 1 s"): a mix of SPARQL, landing pages, PaNOSC API, OAI-PMH, FAIR reports and DCAT
requests against ``pancommons serve`` while harvests keep swapping graphs in.

    python bench/load_test.py [--clients 50] [--duration 60] [--json]
    python bench/load_test.py --clients 5 --duration 5        # a quick smoke run

Everything runs on 127.0.0.1, each part in its own process, started here and stopped at the end
whatever happens:

- the store: ``oxigraph serve`` (the ``oxigraph`` PyPI package) on disk. The embedded store
  admits one writer process and ``pancommons serve`` has no in-process harvest, so a harvest
  beside a running server needs the deployment of a remote SPARQL 1.1 store (DESIGN §6): the
  server and every ``pancommons harvest`` talk to the same ``oxigraph serve``;
- the demo graph, built into it as ``pancommons demo`` builds it (bundled sample catalogues,
  ontologies, links, FAIR assessment): ``pancommons --store URL demo --no-serve``;
- ``pancommons serve --workers 2`` (uvicorn, one worker process per core, as a remote-store
  deployment runs it; ``--workers 1`` for one) with ``PANCOMMONS_STORE`` pointing at
  the store and ``PANCOMMONS_OAI_PAGE_SIZE=10`` (so that OAI-PMH lists of the small demo graph
  are paged with resumption tokens);
- the local catalogue server of the tests (``tests/harvest/catalogue_server.py``) serving the
  recorded responses of three demo catalogues over HTTP (PaNOSC reference data, SciCat seed
  data, the ICAT example), each page answered after ``--page-delay`` seconds;
- a harvest loop: ``pancommons harvest`` of those three sources, in small pages, under their
  demo names (so each run replaces a graph the clients are reading, then re-links the graph and
  syncs the OAI-PMH ledger), started again as soon as it ends, for the whole run. Every run
  must exit 0; how many completed, and how long they took, is printed. The default pace
  (``--page-delay 1.25``, 5 records a page: about 45 catalogue requests) makes one run last
  about a minute, as a facility catalogue's harvest runs through the test and swaps each
  source's graph in as it completes: three swaps, then links and the ledger, about a dozen
  writes, each of which retires every answer the server keeps. ``--page-delay 0.05`` is the
  stress case: runs back to back, about ten a minute, each with its writes.

The clients: ``--clients`` threads, each with its own keep-alive HTTP/1.1 connection
(``http.client``, the cheapest Python client, so the driver takes as little CPU from the
server as it can on a 2-core machine), closed loop (the next request is sent when the previous
one is answered), for ``--duration`` seconds; a request started in time is waited for. Each
picks a request kind by weight (``--mix``, e.g. ``--mix fair=0,sparql=30``), then one of its
requests, built from identifiers read from the demo graph before the run (datasets, PaNOSC
pids, OAI identifiers and sets, facilities, instruments, techniques, keywords, years):

- ``sparql``: ad-hoc SELECT (point lookup, join, aggregate, page of titles; GET and POST; JSON
  and CSV), CONSTRUCT and ASK on ``/sparql``;
- ``query``: every named query of ``queries/`` on ``/queries/{name}``, with real parameters;
- ``landing``: dataset (and instrument) landing pages, HTML and Turtle/JSON-LD by ``Accept``;
- ``panosc``: ``/api/Datasets`` with the PaNOSC documentation's and the federated search's
  filters, pages with every include, by pid, ``/api/Documents``, ``/api/Instruments``,
  ``/count``, a dataset's files;
- ``oai``: Identify, ListSets, ListMetadataFormats, ListIdentifiers, GetRecord and ListRecords
  (``oai_dc``/``oai_datacite``, with and without a set), each client following its resumption
  tokens to the end of the list;
- ``fair``: ``/fair/report`` (HTML, JSON, Markdown; all, a facility, a source),
  ``/fair/dataset``, ``/fair/scores``, ``/fair/metrics``;
- ``dcat``: ``/dcat`` pages (Turtle, JSON-LD) and ``/dcat/{facility}``;
- ``site``: the home page, ``/search``, ``/sitemap.xml``, ``/void``;
- ``health``: ``/health``.

Every answer is checked: an error is a status ≥ 500, a connection error or a timeout
(``--timeout``); a 4xx, and a 200 whose body is wrong (unreadable JSON, a point lookup or ASK
that finds nothing on a dataset that exists, an OAI-PMH ``<error>``), are counted apart and
should be 0 for this mix. Printed: requests, throughput, p50/p95/p99/max per kind and overall,
the slowest requests, errors with their first causes, a timeline, the harvests, peak RSS of the
server (and of the store and the harvests) and PASS/FAIL against the target: 0 errors, 0
unexpected answers, every harvest completed, p99 ≤ 1 s. ``--json`` adds a machine-readable
summary. The exit status is 1 on FAIL.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
BASE = "https://w3id.org/pan-commons"  # pancommons.vocab.DEFAULT_BASE (the default setting)
SNAPSHOTS = ROOT / "harvesters" / "snapshots"
PANOSC_DATA = ROOT / "tests" / "api" / "panosc" / "data"
TARGET_P99_S = 1.0

JSON_RESULTS = "application/sparql-results+json"
PREFIXES = (
    "PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/> "
    "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX foaf: <http://xmlns.com/foaf/0.1/> "
    "PREFIX pan: <https://w3id.org/pan-commons/ns#> "
)

KIND_WEIGHTS = {
    "sparql": 15,
    "query": 10,
    "landing": 22,
    "panosc": 20,
    "oai": 10,
    "fair": 5,
    "dcat": 8,
    "site": 5,
    "health": 5,
}
"""Share of the requests (percent) per kind: a portal and search engines browsing (landing
pages, PaNOSC searches), SPARQL users, OAI-PMH and DCAT harvesters, a few report readers."""

# The harvested demo sources: (name, kind, path on the catalogue server, facility).
HARVESTED = (
    ("demo-panosc-reference", "panosc", "panosc/api", ("ESS", "https://ror.org/01wv9cn34")),
    ("demo-scicat", "scicat", "scicat/api/v3", None),
    ("demo-icat", "icat", "icat", ("ESNF", None)),
)


# --- processes ---------------------------------------------------------------------------------


@dataclass
class Proc:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    def _tree(self) -> list[psutil.Process]:
        """The process and its children (``pancommons serve --workers N``: the workers)."""
        try:
            top = psutil.Process(self.proc.pid)
            return [top, *top.children(recursive=True)]
        except psutil.Error:
            return []

    def peak_rss_mib(self) -> float:
        """VmHWM (peak resident set) on Linux, elsewhere the current RSS; summed over the
        process and its children."""
        total = 0.0
        for p in self._tree():
            try:
                status = Path(f"/proc/{p.pid}/status").read_text()
                match = re.search(r"VmHWM:\s+(\d+) kB", status)
                total += int(match.group(1)) / 1024 if match else p.memory_info().rss / 2**20
            except (OSError, psutil.Error):
                continue
        return total or math.nan

    def cpu_seconds(self) -> float:
        """User and system CPU of the process and its children still running."""
        total = 0.0
        for p in self._tree():
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                continue
        return total or math.nan


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANCOMMONS_")}
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra)
    return env


def start(name: str, cmd: list[str], work: Path, env: dict[str, str], **kw: Any) -> Proc:
    log = work / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, **kw)
    return Proc(name, proc, log)


def stop(proc: subprocess.Popen[bytes] | None, grace: float = 15.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def http_get(
    port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 60.0
) -> tuple[int, bytes, http.client.HTTPResponse]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read(), resp
    finally:
        conn.close()


def wait_http(p: Proc, port: int, path: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if p.proc.poll() is not None:
            break
        with suppress(OSError, http.client.HTTPException):
            if http_get(port, path, {"Accept": JSON_RESULTS}, timeout=5)[0] == 200:
                return
        time.sleep(0.2)
    tail = p.log.read_text(errors="replace")[-3000:]
    raise SystemExit(f"{p.name} did not come up on port {port}:\n{tail}")


def run_checked(cmd: list[str], env: dict[str, str], what: str) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(
            f"{what} failed ({proc.returncode}):\n{(proc.stdout + proc.stderr)[-3000:]}"
        )
    return proc.stdout


# --- the catalogue server (its own process: ``--serve-catalogue``) -----------------------------


def serve_catalogue(page_delay: float) -> None:
    """Serve the recorded demo catalogues on 127.0.0.1; print the base URL; stop when stdin
    closes. Each page is answered after ``page_delay`` seconds."""
    sys.path.insert(0, str(ROOT))
    from tests.harvest.catalogue_server import Catalogue, Fault, catalogue_server, load_snapshot

    catalogues = {
        "panosc": Catalogue("panosc", load_snapshot(SNAPSHOTS / "demo-panosc-reference")),
        "scicat": Catalogue("scicat", load_snapshot(SNAPSHOTS / "demo-scicat")),
        "icat": Catalogue("icat", load_snapshot(SNAPSHOTS / "demo-icat")),
    }
    with catalogue_server(catalogues) as (url, state):
        if page_delay > 0:
            state.faults.append(Fault("slow", delay=page_delay, times=sys.maxsize))
        print(url, flush=True)
        sys.stdin.read()


def source_tomls(url: str, work: Path, page_size: int) -> list[Path]:
    paths = []
    for name, kind, path, facility in HARVESTED:
        lines = [
            f'name = "{name}"',
            f'kind = "{kind}"',
            f'url = "{url}/{path}"',
            f"page_size = {page_size}",
            "retries = 2",
        ]
        if facility:
            lines.append("[facility]")
            lines.append(f'name = "{facility[0]}"')
            if facility[1]:
                lines.append(f'ror = "{facility[1]}"')
        toml = work / f"{name}.toml"
        toml.write_text("\n".join(lines) + "\n")
        paths.append(toml)
    return paths


# --- the set-up --------------------------------------------------------------------------------


@dataclass
class Stack:
    work: Path
    store_url: str
    port: int
    server: Proc
    oxigraph: Proc
    catalogue: subprocess.Popen[bytes]
    harvest_cmd: list[str]
    harvest_env: dict[str, str]


@contextmanager
def stack(work: Path, page_delay: float, page_size: int, workers: int = 2) -> Iterator[Stack]:
    """Store, demo graph, catalogue server and ``pancommons serve``; all stopped on leaving."""
    procs: list[subprocess.Popen[bytes]] = []
    try:
        ox_port = free_port()
        oxigraph = start(
            "oxigraph",
            [
                *(str(BIN / "oxigraph"), "serve", "--location", str(work / "oxigraph")),
                *("--bind", f"{HOST}:{ox_port}"),
            ],
            work,
            clean_env(),
        )
        procs.append(oxigraph.proc)
        store_url = f"http://{HOST}:{ox_port}/query"
        wait_http(oxigraph, ox_port, "/query?query=" + quote("ASK {}"))

        t0 = time.perf_counter()
        out = run_checked(
            [
                *(str(BIN / "pancommons"), "--store", store_url, "demo", "--no-serve"),
                *("--report", str(work / "demo.html")),
            ],
            clean_env(PANCOMMONS_STATE=str(work / "state-demo")),
            "pancommons demo",
        )
        summary = next((ln for ln in out.splitlines() if ln.startswith("demo store")), out.strip())
        print(f"{summary} — built in {time.perf_counter() - t0:.1f} s")

        catalogue = subprocess.Popen(
            [sys.executable, __file__, "--serve-catalogue", "--page-delay", str(page_delay)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=(work / "catalogue.log").open("wb"),
            env=clean_env(),
        )
        procs.append(catalogue)
        assert catalogue.stdout is not None
        cat_url = catalogue.stdout.readline().decode().strip()
        if not cat_url.startswith("http://"):
            raise SystemExit(f"the catalogue server did not start: {cat_url!r}")
        tomls = source_tomls(cat_url, work, page_size)

        port = free_port()
        server = start(
            "pancommons-serve",
            [
                *(str(BIN / "pancommons"), "serve", "--host", HOST, "--port", str(port)),
                *("--workers", str(workers)),
            ],
            work,
            clean_env(
                PANCOMMONS_STORE=store_url,
                PANCOMMONS_STATE=str(work / "state-server"),
                PANCOMMONS_OAI_PAGE_SIZE="10",
            ),
        )
        procs.append(server.proc)
        wait_http(server, port, "/health")
        yield Stack(
            work,
            store_url,
            port,
            server,
            oxigraph,
            catalogue,
            [str(BIN / "pancommons"), "harvest", *map(str, tomls)],
            clean_env(PANCOMMONS_STORE=store_url, PANCOMMONS_STATE=str(work / "state-harvest")),
        )
    finally:
        for proc in reversed(procs):
            if proc.stdin:
                with suppress(OSError):
                    proc.stdin.close()
            stop(proc)


# --- identifiers from the graph ----------------------------------------------------------------


@dataclass
class Ids:
    datasets: list[str] = field(default_factory=list)
    instruments: list[str] = field(default_factory=list)
    techniques: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    facilities: list[tuple[str, str]] = field(default_factory=list)
    """(IRI, name) of the facilities that have datasets."""
    sources: list[str] = field(default_factory=list)
    named: dict[str, list[dict[str, list[str]]]] = field(default_factory=dict)
    """Named query → its parameters (name → values to draw from)."""
    panosc: dict[str, list[str]] = field(default_factory=dict)
    """PaNOSC collection → pids."""
    oai_ids: list[str] = field(default_factory=list)
    oai_sets: list[str] = field(default_factory=list)
    dcat_pages: int = 1


def _select(port: int, query: str) -> list[dict[str, str]]:
    status, body, _ = http_get(
        port, "/sparql?query=" + quote(PREFIXES + query, safe=""), {"Accept": JSON_RESULTS}
    )
    if status != 200:
        raise SystemExit(f"discovery query failed ({status}): {body[:500]!r}\n{query}")
    rows = json.loads(body)["results"]["bindings"]
    return [{k: v["value"] for k, v in r.items()} for r in rows]


def _column(port: int, query: str, var: str) -> list[str]:
    return sorted({r[var] for r in _select(port, query) if var in r})


def _json_get(port: int, path: str) -> Any:
    status, body, _ = http_get(port, path, {"Accept": "application/json"})
    if status != 200:
        raise SystemExit(f"discovery request {path} failed ({status}): {body[:500]!r}")
    return json.loads(body)


def discover(port: int) -> Ids:
    """Identifiers of the demo graph, read through the server."""
    ids = Ids()
    ids.datasets = _column(port, "SELECT DISTINCT ?d WHERE { ?d a dcat:Dataset }", "d")
    ids.instruments = _column(
        port, "SELECT DISTINCT ?i WHERE { ?d a dcat:Dataset ; pan:instrument ?i }", "i"
    )
    ids.techniques = _column(
        port,
        "SELECT DISTINCT ?t WHERE { ?d a dcat:Dataset ; dcat:theme ?t "
        'FILTER(STRSTARTS(STR(?t), "http://purl.org/pan-science/PaNET/")) }',
        "t",
    )
    ids.keywords = _column(
        port, "SELECT DISTINCT ?k WHERE { ?d a dcat:Dataset ; dcat:keyword ?k }", "k"
    )
    ids.years = _column(
        port,
        "SELECT DISTINCT (STR(YEAR(?i)) AS ?y) WHERE { ?d a dcat:Dataset ; dct:issued ?i }",
        "y",
    )
    titles = _column(port, "SELECT DISTINCT ?t WHERE { ?d a dcat:Dataset ; dct:title ?t }", "t")
    ids.words = sorted({w.lower() for t in titles for w in re.findall(r"[A-Za-z]{5,}", t)})
    rows = _select(
        port,
        "SELECT ?f (SAMPLE(?n) AS ?name) WHERE { ?f a pan:Facility ; foaf:name ?n "
        "FILTER EXISTS { ?d a dcat:Dataset ; dct:publisher ?f } } GROUP BY ?f ORDER BY ?f",
    )
    ids.facilities = [(r["f"], r["name"]) for r in rows]
    ids.sources = sorted(
        g["g"].rsplit("/", 1)[1]
        for g in _select(port, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?d a dcat:Dataset } }")
        if "/graph/source/" in g["g"]
    )
    values = {
        "facility": [f for f, _ in ids.facilities],
        "instrument": ids.instruments,
        "technique": ids.techniques,
        "year": ids.years,
        "keyword": [k.lower() for k in ids.keywords],
        "minimum": ["1", "2"],
        "asOf": ["2026-01-01", "2027-06-30", "today"],
    }
    for q in _json_get(port, "/queries"):
        ids.named[q["name"]] = [
            {p["name"]: values.get(p["name"]) or [str(p["default"])] for p in q["params"]}
        ]
    for collection in ("Datasets", "Documents", "Instruments"):
        flt = quote(json.dumps({"limit": 1000}))
        ids.panosc[collection] = [
            r["pid"] for r in _json_get(port, f"/api/{collection}?filter={flt}")
        ]
    path = "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc"
    sets: set[str] = set()
    while path:
        status, body, _ = http_get(port, path)
        if status != 200:
            raise SystemExit(f"discovery request {path} failed ({status}): {body[:500]!r}")
        text = body.decode()
        ids.oai_ids += re.findall(r"<identifier>([^<]+)</identifier>", text)
        sets.update(re.findall(r"<setSpec>([^<]+)</setSpec>", text))
        token = re.search(r"<resumptionToken[^>]*>([^<]+)</resumptionToken>", text)
        path = f"/oai?verb=ListIdentifiers&resumptionToken={quote(token.group(1))}" if token else ""
    ids.oai_sets = sorted(sets)
    _, _, resp = http_get(port, "/dcat?limit=20", {"Accept": "text/turtle"})
    last = re.search(r"[?&]page=(\d+)[^>]*>;\s*rel=\"last\"", resp.getheader("Link") or "")
    ids.dcat_pages = int(last.group(1)) if last else 1
    for name, got in (
        ("datasets", ids.datasets),
        ("instruments", ids.instruments),
        ("facilities", ids.facilities),
        ("OAI identifiers", ids.oai_ids),
        ("PaNOSC datasets", ids.panosc["Datasets"]),
    ):
        if not got:
            raise SystemExit(f"no {name} found in the demo graph")
    return ids


# --- the request mix ---------------------------------------------------------------------------


@dataclass
class Req:
    label: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "GET"
    body: bytes | None = None
    check: Callable[[ClientState, bytes], str | None] | None = None
    """On a 200: None if the answer is right, else why not."""


@dataclass
class ClientState:
    rng: random.Random
    ids: Ids
    oai_token: str | None = None


Make = Callable[[ClientState], Req]


def landing_path(iri: str) -> str:
    """``api.web.href``: ``/id/...`` for an IRI minted under the base, else ``/describe``."""
    prefix = BASE + "/id/"
    if iri.startswith(prefix) and "?" not in iri and "#" not in iri:
        return "/id/" + iri[len(prefix) :]
    return "/describe?iri=" + quote(iri, safe="")


def _json_ok(_: ClientState, body: bytes) -> str | None:
    try:
        json.loads(body)
    except ValueError as exc:
        return f"unreadable JSON: {exc}"
    return None


def _rows_at_least(n: int) -> Callable[[ClientState, bytes], str | None]:
    def check(_: ClientState, body: bytes) -> str | None:
        try:
            rows = json.loads(body)["results"]["bindings"]
        except (ValueError, KeyError, TypeError) as exc:
            return f"unreadable SPARQL results: {exc}"
        return None if len(rows) >= n else f"{len(rows)} rows, expected ≥ {n}"

    return check


def _ask_true(_: ClientState, body: bytes) -> str | None:
    try:
        return None if json.loads(body)["boolean"] is True else "ASK answered false"
    except (ValueError, KeyError, TypeError) as exc:
        return f"unreadable ASK result: {exc}"


def _nonempty(_: ClientState, body: bytes) -> str | None:
    return None if body.strip() else "empty body"


def _oai(state: ClientState, body: bytes) -> str | None:
    text = body.decode("utf-8", "replace")
    err = re.search(r'<error code="([^"]+)"[^>]*>([^<]*)', text)
    if err:
        state.oai_token = None
        return f"OAI-PMH error {err.group(1)}: {err.group(2)[:120]}"
    token = re.search(r"<resumptionToken[^>]*>([^<]+)</resumptionToken>", text)
    if "<ListRecords>" in text:
        state.oai_token = token.group(1) if token else None
    return None


def _sparql(label: str, query: str, accept: str, check: Any, post: bool = False) -> Req:
    if post:
        return Req(
            label,
            "/sparql",
            {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
            "POST",
            urlencode({"query": query}).encode(),
            check,
        )
    return Req(label, "/sparql?query=" + quote(query, safe=""), {"Accept": accept}, check=check)


def sparql_mix() -> dict[str, tuple[float, Make]]:
    def point(s: ClientState) -> Req:
        q = f"SELECT ?p ?o WHERE {{ <{s.rng.choice(s.ids.datasets)}> ?p ?o }}"
        return _sparql("sparql:select-point", q, JSON_RESULTS, _rows_at_least(1))

    def join(s: ClientState) -> Req:
        q = (
            f"{PREFIXES}SELECT ?d ?title WHERE {{ ?d a dcat:Dataset ; dct:title ?title ; "
            f"pan:instrument <{s.rng.choice(s.ids.instruments)}> }} LIMIT 100"
        )
        return _sparql("sparql:select-join", q, JSON_RESULTS, _rows_at_least(1), post=True)

    def aggregate(s: ClientState) -> Req:
        q = (
            f"{PREFIXES}SELECT ?publisher (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?d a dcat:Dataset ; "
            "dct:publisher ?publisher } GROUP BY ?publisher ORDER BY DESC(?n)"
        )
        return _sparql("sparql:select-aggregate", q, JSON_RESULTS, _rows_at_least(1))

    def titles(s: ClientState) -> Req:
        q = (
            f"{PREFIXES}SELECT ?d ?t WHERE {{ ?d a dcat:Dataset ; dct:title ?t }} ORDER BY ?d "
            f"LIMIT 10 OFFSET {s.rng.randrange(0, max(1, len(s.ids.datasets) - 10))}"
        )
        return _sparql("sparql:select-csv", q, "text/csv", _nonempty, post=True)

    def construct(s: ClientState) -> Req:
        d = s.rng.choice(s.ids.datasets)
        q = f"CONSTRUCT {{ <{d}> ?p ?o }} WHERE {{ <{d}> ?p ?o }}"
        return _sparql("sparql:construct", q, "text/turtle", _nonempty)

    def ask(s: ClientState) -> Req:
        q = f"{PREFIXES}ASK {{ <{s.rng.choice(s.ids.datasets)}> a dcat:Dataset }}"
        return _sparql("sparql:ask", q, JSON_RESULTS, _ask_true)

    return {
        "select-point": (3, point),
        "select-join": (2, join),
        "select-aggregate": (1, aggregate),
        "select-csv": (1, titles),
        "construct": (2, construct),
        "ask": (1, ask),
    }


def query_mix(ids: Ids) -> dict[str, tuple[float, Make]]:
    def named(name: str) -> Make:
        def make(s: ClientState) -> Req:
            params = {k: s.rng.choice(v) for k, v in s.rng.choice(s.ids.named[name]).items()}
            path = f"/queries/{name}" + (f"?{urlencode(params)}" if params else "")
            return Req(f"query:{name}", path, {"Accept": JSON_RESULTS}, check=_json_ok)

        return make

    return {name: (1, named(name)) for name in ids.named}


def landing_mix() -> dict[str, tuple[float, Make]]:
    def page(accept: str, what: str) -> Make:
        def make(s: ClientState) -> Req:
            iri = s.rng.choice(s.ids.instruments if what == "instrument" else s.ids.datasets)
            fmt = accept.split("/")[-1]
            return Req(
                f"landing:{what}-{fmt}", landing_path(iri), {"Accept": accept}, check=_nonempty
            )

        return make

    return {
        "dataset-html": (6, page("text/html", "dataset")),
        "dataset-turtle": (1, page("text/turtle", "dataset")),
        "dataset-jsonld": (1, page("application/ld+json", "dataset")),
        "instrument-html": (1, page("text/html", "instrument")),
    }


def panosc_mix() -> dict[str, tuple[float, Make]]:
    examples: list[tuple[str, dict[str, Any]]] = []
    doc = json.loads((PANOSC_DATA / "reference-search-api-doc-examples.json").read_text())
    examples += [(e["endpoint"].split()[1].rsplit("/", 1)[1], e["filter"]) for e in doc["examples"]]
    federated = json.loads((PANOSC_DATA / "manifest-federated.json").read_text())
    examples += [(e["endpoint"].rsplit("/", 1)[1], e["filter"]) for e in federated]
    every = ["documents", "techniques", "instrument", "samples", "parameters", "files"]

    def example(s: ClientState) -> Req:
        i = s.rng.randrange(len(examples))
        collection, flt = examples[i]
        path = f"/api/{collection}?filter={quote(json.dumps(flt))}"
        return Req(f"panosc:{collection}-example", path, check=_json_ok)

    def page(s: ClientState) -> Req:
        flt = {"skip": 10 * s.rng.randrange(0, 6), "limit": 10, "include": every}
        return Req(
            "panosc:Datasets-page", f"/api/Datasets?filter={quote(json.dumps(flt))}", check=_json_ok
        )

    def by_pid(collection: str) -> Make:
        def make(s: ClientState) -> Req:
            pid = s.rng.choice(s.ids.panosc[collection])
            flt = {"include": every} if collection == "Datasets" else {}
            path = f"/api/{collection}/{quote(pid, safe='')}"
            if flt:
                path += f"?filter={quote(json.dumps(flt))}"
            return Req(f"panosc:{collection}-pid", path, check=_json_ok)

        return make

    def listing(collection: str) -> Make:
        def make(s: ClientState) -> Req:
            flt = {"limit": 20, "skip": 20 * s.rng.randrange(0, 2)}
            path = f"/api/{collection}?filter={quote(json.dumps(flt))}"
            return Req(f"panosc:{collection}", path, check=_json_ok)

        return make

    def count(s: ClientState) -> Req:
        collection = s.rng.choice(["Datasets", "Documents", "Instruments"])
        where = {"isPublic": True} if collection == "Datasets" else {}
        path = f"/api/{collection}/count" + (f"?where={quote(json.dumps(where))}" if where else "")
        return Req("panosc:count", path, check=_json_ok)

    def files(s: ClientState) -> Req:
        pid = s.rng.choice(s.ids.panosc["Datasets"])
        return Req(
            "panosc:Datasets-files", f"/api/Datasets/{quote(pid, safe='')}/files", check=_json_ok
        )

    return {
        "example": (6, example),
        "page": (2, page),
        "Datasets-pid": (3, by_pid("Datasets")),
        "Documents-pid": (1, by_pid("Documents")),
        "Documents": (1, listing("Documents")),
        "Instruments": (1, listing("Instruments")),
        "count": (2, count),
        "files": (1, files),
    }


def oai_mix() -> dict[str, tuple[float, Make]]:
    def verb(label: str, **args: str) -> Make:
        def make(s: ClientState) -> Req:
            return Req(f"oai:{label}", "/oai?" + urlencode({"verb": label, **args}), check=_oai)

        return make

    def list_records(s: ClientState) -> Req:
        if s.oai_token:
            args = {"verb": "ListRecords", "resumptionToken": s.oai_token}
            return Req("oai:ListRecords-resume", "/oai?" + urlencode(args), check=_oai)
        args = {"verb": "ListRecords", "metadataPrefix": s.rng.choice(["oai_dc", "oai_datacite"])}
        if s.rng.random() < 0.5:
            args["set"] = s.rng.choice(s.ids.oai_sets)
        return Req("oai:ListRecords", "/oai?" + urlencode(args), check=_oai)

    def get_record(s: ClientState) -> Req:
        args = {
            "verb": "GetRecord",
            "identifier": s.rng.choice(s.ids.oai_ids),
            "metadataPrefix": s.rng.choice(["oai_dc", "oai_datacite"]),
        }
        return Req("oai:GetRecord", "/oai?" + urlencode(args), check=_oai)

    def list_identifiers(s: ClientState) -> Req:
        args = {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}
        return Req("oai:ListIdentifiers", "/oai?" + urlencode(args), check=_oai)

    return {
        "Identify": (1, verb("Identify")),
        "ListSets": (0.5, verb("ListSets")),
        "ListMetadataFormats": (0.5, verb("ListMetadataFormats")),
        "ListRecords": (4, list_records),
        "GetRecord": (3, get_record),
        "ListIdentifiers": (1, list_identifiers),
    }


def fair_mix() -> dict[str, tuple[float, Make]]:
    def report(fmt: str) -> Make:
        def make(s: ClientState) -> Req:
            scope = s.rng.choice(
                ["all"]
                + [f"facility:{name}" for _, name in s.ids.facilities]
                + [f"source:{src}" for src in s.ids.sources]
            )
            path = "/fair/report?" + urlencode({"scope": scope, "format": fmt})
            return Req(f"fair:report-{fmt}", path, check=_json_ok if fmt == "json" else _nonempty)

        return make

    def dataset(s: ClientState) -> Req:
        path = "/fair/dataset?" + urlencode({"iri": s.rng.choice(s.ids.datasets)})
        return Req("fair:dataset", path, check=_json_ok)

    def scores(s: ClientState) -> Req:
        by = s.rng.choice(["facility", "instrument", "technique", "year"])
        return Req("fair:scores", "/fair/scores?" + urlencode({"by": by}), check=_json_ok)

    return {
        "report-html": (1, report("html")),
        "report-json": (1, report("json")),
        "report-md": (1, report("md")),
        "dataset": (2, dataset),
        "scores": (1, scores),
        "metrics": (1, lambda s: Req("fair:metrics", "/fair/metrics", check=_json_ok)),
    }


def dcat_mix() -> dict[str, tuple[float, Make]]:
    def page(fmt: str) -> Make:
        def make(s: ClientState) -> Req:
            args = {"limit": "20", "page": str(s.rng.randint(1, s.ids.dcat_pages)), "format": fmt}
            return Req(f"dcat:page-{fmt}", "/dcat?" + urlencode(args), check=_nonempty)

        return make

    def facility(s: ClientState) -> Req:
        name = s.rng.choice(s.ids.facilities)[1]
        return Req("dcat:facility", f"/dcat/{quote(name, safe='')}?format=ttl", check=_nonempty)

    return {
        "page-ttl": (2, page("ttl")),
        "page-jsonld": (1, page("jsonld")),
        "facility": (2, facility),
    }


def site_mix() -> dict[str, tuple[float, Make]]:
    def search(s: ClientState) -> Req:
        return Req("site:search", "/search?" + urlencode({"q": s.rng.choice(s.ids.words)}))

    return {
        "home": (2, lambda s: Req("site:home", "/", check=_nonempty)),
        "search": (2, search),
        "sitemap": (1, lambda s: Req("site:sitemap", "/sitemap.xml", check=_nonempty)),
        "void": (1, lambda s: Req("site:void", "/void", check=_nonempty)),
    }


@dataclass
class Mix:
    kinds: list[str]
    weights: list[float]
    variants: dict[str, tuple[list[Make], list[float]]]

    def draw(self, state: ClientState) -> tuple[str, Req]:
        kind = state.rng.choices(self.kinds, self.weights)[0]
        makes, weights = self.variants[kind]
        return kind, state.rng.choices(makes, weights)[0](state)

    def every_request(self, state: ClientState) -> Iterator[tuple[str, Req]]:
        for kind in self.kinds:
            for make in self.variants[kind][0]:
                yield kind, make(state)


def build_mix(ids: Ids, weights: dict[str, float]) -> Mix:
    per_kind = {
        "sparql": sparql_mix(),
        "query": query_mix(ids),
        "landing": landing_mix(),
        "panosc": panosc_mix(),
        "oai": oai_mix(),
        "fair": fair_mix(),
        "dcat": dcat_mix(),
        "site": site_mix(),
        "health": {"health": (1.0, lambda s: Req("health", "/health", check=_json_ok))},
    }
    kinds = [k for k in KIND_WEIGHTS if weights.get(k, 0) > 0]
    variants = {
        k: ([m for _, m in per_kind[k].values()], [w for w, _ in per_kind[k].values()])
        for k in kinds
    }
    return Mix(kinds, [weights[k] for k in kinds], variants)


# --- the harvest loop --------------------------------------------------------------------------


@dataclass
class HarvestRun:
    start: float
    end: float
    returncode: int
    rss_mib: float
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and "failed" not in self.output

    def summary(self) -> str:
        lines = [ln for ln in self.output.splitlines() if ln.strip()]
        return "; ".join(lines)[-600:]


class HarvestLoop(threading.Thread):
    """``pancommons harvest`` again and again until ``deadline`` (a run started in time is
    waited for)."""

    def __init__(self, st: Stack) -> None:
        super().__init__(daemon=True)
        self.stack = st
        self.deadline = math.inf
        self.t0 = 0.0
        self.runs: list[HarvestRun] = []
        self.current: subprocess.Popen[bytes] | None = None
        self.halt = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.halt.is_set() and time.perf_counter() < self.deadline:
            n += 1
            log = self.stack.work / f"harvest-{n}.log"
            start = time.perf_counter()
            with log.open("wb") as out:
                self.current = subprocess.Popen(
                    self.stack.harvest_cmd,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env=self.stack.harvest_env,
                )
            # wait4 gives the child's own peak RSS (ru_maxrss, KiB on Linux)
            _, status, usage = os.wait4(self.current.pid, 0)
            code = os.waitstatus_to_exitcode(status)
            self.current.returncode = code
            self.current = None
            self.runs.append(
                HarvestRun(
                    start - self.t0,
                    time.perf_counter() - self.t0,
                    code,
                    usage.ru_maxrss / 1024,
                    log.read_text(errors="replace"),
                )
            )

    def kill(self) -> None:
        self.halt.set()
        proc = self.current
        if proc is not None and proc.returncode is None:
            with suppress(ProcessLookupError):
                proc.terminate()


# --- the clients -------------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    label: str
    start: float
    latency: float
    outcome: str  # ok | 4xx | 5xx | conn | timeout | invalid
    detail: str = ""


def send(conn: http.client.HTTPConnection, req: Req) -> tuple[int, bytes]:
    conn.request(req.method, req.path, body=req.body, headers=req.headers)
    resp = conn.getresponse()
    return resp.status, resp.read()


def classify(state: ClientState, req: Req, status: int, body: bytes) -> tuple[str, str]:
    if status >= 500:
        return "5xx", f"{status}: {body[:300].decode('utf-8', 'replace')}"
    if status >= 400:
        return "4xx", f"{status}: {body[:300].decode('utf-8', 'replace')}"
    if status != 200:
        return "invalid", f"status {status}"
    why = req.check(state, body) if req.check else None
    return ("invalid", why) if why else ("ok", "")


def client(
    port: int,
    mix: Mix,
    ids: Ids,
    seed: int,
    timeout: float,
    go: threading.Barrier,
    clock: dict[str, float],
    out: list[Sample],
) -> None:
    state = ClientState(random.Random(seed), ids)
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    samples: list[Sample] = []
    go.wait()
    t0, deadline = clock["t0"], clock["deadline"]
    while True:
        kind, req = mix.draw(state)
        start = time.perf_counter()
        if start >= deadline:
            break
        try:
            status, body = send(conn, req)
            latency = time.perf_counter() - start
            outcome, detail = classify(state, req, status, body)
        except TimeoutError as exc:
            latency = time.perf_counter() - start
            outcome, detail = "timeout", f"no answer in {timeout:g} s ({exc})"
        except (OSError, http.client.HTTPException) as exc:
            latency = time.perf_counter() - start
            outcome, detail = "conn", f"{type(exc).__name__}: {exc}"
        if outcome in ("timeout", "conn"):
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
            state.oai_token = None
        samples.append(Sample(kind, req.label, start - t0, latency, outcome, detail))
    conn.close()
    out.extend(samples)


def warm_up(port: int, mix: Mix, ids: Ids, timeout: float) -> list[Sample]:
    """Every request of the mix once, one at a time, then one OAI-PMH list followed to its
    end: checks the mix before the clock starts, and fills the server's lazy caches."""
    state = ClientState(random.Random(0), ids)
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    samples = []

    def one(kind: str, req: Req) -> None:
        nonlocal conn
        start = time.perf_counter()
        try:
            status, body = send(conn, req)
            outcome, detail = classify(state, req, status, body)
        except (OSError, http.client.HTTPException) as exc:
            outcome, detail = "conn", f"{type(exc).__name__}: {exc}"
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        samples.append(Sample(kind, req.label, 0, time.perf_counter() - start, outcome, detail))

    for kind, req in mix.every_request(state):
        one(kind, req)
    list_records = oai_mix()["ListRecords"][1]
    state.oai_token = None
    one("oai", list_records(state))
    for _ in range(1000):
        if not state.oai_token:
            break
        one("oai", list_records(state))
    conn.close()
    return samples


def drive(
    st: Stack,
    mix: Mix,
    ids: Ids,
    loop: HarvestLoop,
    clients: int,
    duration: float,
    timeout: float,
) -> tuple[list[Sample], float, dict[str, float]]:
    """``clients`` closed-loop clients for ``duration`` seconds, the harvest loop beside them."""
    go = threading.Barrier(clients + 1)
    clock = {"t0": 0.0, "deadline": math.inf}
    out: list[Sample] = []
    threads = [
        threading.Thread(
            target=client,
            args=(st.port, mix, ids, 7919 * i + 1, timeout, go, clock, out),
            daemon=True,
        )
        for i in range(clients)
    ]
    for t in threads:
        t.start()
    cpu = {
        "server": st.server.cpu_seconds(),
        "store": st.oxigraph.cpu_seconds(),
        "driver": time.process_time(),
    }
    t0 = time.perf_counter()
    clock["t0"], clock["deadline"] = t0, t0 + duration
    loop.t0, loop.deadline = t0, t0 + duration
    loop.start()
    go.wait()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    cpu = {
        "server": st.server.cpu_seconds() - cpu["server"],
        "store": st.oxigraph.cpu_seconds() - cpu["store"],
        "driver": time.process_time() - cpu["driver"],
    }
    return out, wall, cpu


# --- the report --------------------------------------------------------------------------------


ERRORS = ("5xx", "conn", "timeout")


def pct(ordered: list[float], p: float) -> float:
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def stats(samples: list[Sample], wall: float) -> dict[str, Any]:
    lat = sorted(s.latency for s in samples)
    return {
        "requests": len(samples),
        "rps": len(samples) / wall if wall else 0.0,
        "p50_ms": 1000 * pct(lat, 50),
        "p95_ms": 1000 * pct(lat, 95),
        "p99_ms": 1000 * pct(lat, 99),
        "max_ms": 1000 * lat[-1] if lat else math.nan,
        "errors": sum(s.outcome in ERRORS for s in samples),
        "4xx": sum(s.outcome == "4xx" for s in samples),
        "invalid": sum(s.outcome == "invalid" for s in samples),
    }


def _row(name: str, s: dict[str, Any], width: int) -> str:
    return (
        f"{name:<{width}}{s['requests']:>9,}{s['rps']:>9.1f}{s['p50_ms']:>9.1f}{s['p95_ms']:>9.1f}"
        f"{s['p99_ms']:>9.1f}{s['max_ms']:>9.1f}{s['errors']:>8}{s['4xx']:>6}{s['invalid']:>9}"
    )


def _header(first: str, width: int) -> str:
    return (
        f"{first:<{width}}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'errors':>8}{'4xx':>6}{'invalid':>9}"
    )


def report(
    samples: list[Sample],
    wall: float,
    duration: float,
    loop: HarvestLoop,
    st: Stack,
    cpu: dict[str, float],
    mix: Mix,
) -> dict[str, Any]:
    by_kind = {k: stats([s for s in samples if s.kind == k], wall) for k in mix.kinds}
    overall = stats(samples, wall)
    labels = sorted({s.label for s in samples})
    by_label = {lb: stats([s for s in samples if s.label == lb], wall) for lb in labels}

    print(f"\n{_header('kind', 10)}")
    for k, s in by_kind.items():
        print(_row(k, s, 10))
    print(_row("all", overall, 10))

    slowest = sorted(by_label.items(), key=lambda kv: -kv[1]["p99_ms"])[:10]
    width = max(len(lb) for lb, _ in slowest) + 2 if slowest else 10
    print(f"\nslowest requests (by p99):\n{_header('request', width)}")
    for lb, s in slowest:
        print(_row(lb, s, width))

    bad = [s for s in samples if s.outcome != "ok"]
    if bad:
        print(f"\nerrors and unexpected answers ({len(bad)}; first of each request and outcome):")
        seen: set[tuple[str, str]] = set()
        for s in sorted(bad, key=lambda s: s.start):
            if (s.label, s.outcome) not in seen:
                seen.add((s.label, s.outcome))
                n = sum(1 for b in bad if (b.label, b.outcome) == (s.label, s.outcome))
                print(f"  {s.label} {s.outcome} ×{n}, first at {s.start:.1f} s: {s.detail[:300]}")

    step = max(1.0, round(duration / 12))
    print(f"\ntimeline ({step:g} s bins; H: harvest runs ending in the bin):")
    print(f"  {'from s':>7}{'requests':>10}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}  H")
    for b in range(max(1, math.ceil(duration / step))):
        lo, hi = b * step, (b + 1) * step
        inbin = [s for s in samples if lo <= s.start < hi]
        lat = sorted(s.latency for s in inbin)
        ended = sum(1 for r in loop.runs if lo <= r.end < hi)
        figures = (
            f"{1000 * pct(lat, 50):>9.1f}{1000 * pct(lat, 99):>9.1f}{1000 * lat[-1]:>9.1f}"
            if lat
            else f"{'-':>9}{'-':>9}{'-':>9}"
        )
        print(
            f"  {lo:>7.0f}{len(inbin):>10,}{figures}"
            f"{sum(s.outcome != 'ok' for s in inbin):>8}  {'H' * ended}"
        )

    in_window = [r for r in loop.runs if r.end <= duration]
    after = [r for r in loop.runs if r.end > duration]
    failed = [r for r in loop.runs if not r.ok]
    print(
        f"\nharvests ({', '.join(n for n, *_ in HARVESTED)}; then linking and the OAI-PMH "
        f"ledger): {len(in_window)} completed during the {duration:g} s, "
        f"{len(after)} started in it and finished after, {len(failed)} failed"
    )
    for i, r in enumerate(loop.runs, 1):
        state = "ok" if r.ok else f"FAILED (exit {r.returncode})"
        print(
            f"  #{i}: {r.start:6.1f} → {r.end:6.1f} s ({r.end - r.start:4.1f} s) {state}, "
            f"peak RSS {r.rss_mib:,.0f} MiB"
        )
        if not r.ok or i == 1:
            print(f"      {r.summary()}")

    server_rss, store_rss = st.server.peak_rss_mib(), st.oxigraph.peak_rss_mib()
    harvest_rss = max((r.rss_mib for r in loop.runs), default=math.nan)
    print(
        f"\npeak RSS: pancommons serve {server_rss:,.0f} MiB; oxigraph serve {store_rss:,.0f} MiB; "
        f"pancommons harvest {harvest_rss:,.0f} MiB"
    )
    print(
        f"CPU over the run: server {cpu['server'] / wall:.0%}, store {cpu['store'] / wall:.0%}, "
        f"driver {cpu['driver'] / wall:.0%} of one core; {os.cpu_count()} CPUs, load average "
        f"{_loadavg()}"
    )

    try:
        kept = _json_get(st.port, "/health")["query_cache"]
        asked = kept["hits"] + kept["misses"] - kept["coalesced"]
        print(
            f"server cache (the worker that answered /health): {kept['hits']:,} hits of "
            f"{asked:,} answers asked for "
            f"({kept['hits'] / max(asked, 1):.0%}; {kept['coalesced']:,} waited for another "
            f"request's evaluation), {kept['entries']:,} entries, {kept['bytes'] / 2**20:.1f} MiB"
        )
    except (OSError, KeyError, ValueError) as exc:
        print(f"server cache: unknown ({exc})")

    for proc in (st.server, st.oxigraph):
        notes = log_notes(proc.log)
        if notes:
            print(f"{proc.name} log: {len(notes)} warnings or errors, e.g.:")
            for line in list(dict.fromkeys(notes))[:3]:
                print(f"  {line[:300]}")

    checks = {
        "errors (5xx, connection, timeout) = 0": overall["errors"] == 0,
        "unexpected answers (4xx, wrong bodies) = 0": overall["4xx"] + overall["invalid"] == 0,
        "every harvest completed (≥ 1)": bool(loop.runs) and not failed,
        f"p99 ≤ {1000 * TARGET_P99_S:.0f} ms": overall["p99_ms"] <= 1000 * TARGET_P99_S,
    }
    passed = all(checks.values())
    print()
    for what, ok in checks.items():
        print(f"  {'met    ' if ok else 'NOT met'}  {what}")
    print(
        f"{'PASS' if passed else 'FAIL'}: {overall['requests']:,} requests, "
        f"{overall['rps']:.1f} req/s, p99 {overall['p99_ms']:.0f} ms, {overall['errors']} errors"
    )
    return {
        "passed": passed,
        "checks": checks,
        "wall_s": wall,
        "overall": overall,
        "kinds": by_kind,
        "requests": by_label,
        "harvests": {
            "completed_in_window": len(in_window),
            "finished_after_window": len(after),
            "failed": len(failed),
            "runs": [
                {"start_s": r.start, "end_s": r.end, "exit": r.returncode, "rss_mib": r.rss_mib}
                for r in loop.runs
            ],
        },
        "peak_rss_mib": {"server": server_rss, "store": store_rss, "harvest": harvest_rss},
        "cpu_share": {k: v / wall for k, v in cpu.items()},
        "cpus": os.cpu_count(),
    }


def log_notes(log: Path) -> list[str]:
    """The lines of a server's log that are warnings, errors or tracebacks."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    return [
        ln for ln in lines if re.search(r"warn|error|traceback|exception|pool is full", ln, re.I)
    ]


def _loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# --- main --------------------------------------------------------------------------------------


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def parse_mix(text: str | None) -> dict[str, float]:
    weights = dict(KIND_WEIGHTS)
    for part in filter(None, (text or "").split(",")):
        name, sep, value = part.partition("=")
        if not sep or name.strip() not in KIND_WEIGHTS:
            raise SystemExit(
                f"--mix: expected KIND=WEIGHT with KIND one of {', '.join(KIND_WEIGHTS)}"
            )
        weights[name.strip()] = float(value)
    if not any(w > 0 for w in weights.values()):
        raise SystemExit("--mix: every weight is 0")
    return weights


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients [50]")
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds [60]")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request [30]")
    parser.add_argument("--mix", help="kind weights, e.g. fair=0,sparql=30 (see KIND_WEIGHTS)")
    parser.add_argument(
        "--page-delay",
        type=float,
        default=1.25,
        help="catalogue server delay per page [1.25 s: a harvest run lasts about a minute]",
    )
    parser.add_argument("--page-size", type=int, default=5, help="records per harvested page [5]")
    parser.add_argument(
        "--workers", type=int, default=2, help="pancommons serve --workers [2: one per core]"
    )
    parser.add_argument("--json", action="store_true", help="also print a JSON summary")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    parser.add_argument("--serve-catalogue", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_catalogue:
        serve_catalogue(args.page_delay)
        return 0
    if args.clients < 1 or args.duration <= 0:
        parser.error("--clients ≥ 1 and --duration > 0")
    weights = parse_mix(args.mix)
    # Ctrl-C and kill unwind through the ``finally``s that stop every process we started.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    print(
        f"load test: {args.clients} clients for {args.duration:g} s on {HOST}, harvests looping; "
        f"{os.cpu_count()} CPUs, load average {_loadavg()}"
    )
    print("mix: " + ", ".join(f"{k} {w:g}" for k, w in weights.items() if w > 0))
    work = Path(tempfile.mkdtemp(prefix="pancommons-load-test-"))
    try:
        with stack(work, args.page_delay, args.page_size, args.workers) as st:
            ids = discover(st.port)
            print(
                f"identifiers: {len(ids.datasets)} datasets, {len(ids.instruments)} instruments, "
                f"{len(ids.facilities)} facilities, {len(ids.named)} named queries, "
                f"{len(ids.oai_ids)} OAI records in {len(ids.oai_sets)} sets, "
                f"{sum(map(len, ids.panosc.values()))} PaNOSC records"
            )
            mix = build_mix(ids, weights)
            warm = warm_up(st.port, mix, ids, args.timeout)
            bad = [s for s in warm if s.outcome != "ok"]
            print(f"warm-up: {len(warm)} requests, each kind once, {len(bad)} not ok")
            for s in bad:
                print(f"  {s.label} {s.outcome}: {s.detail[:300]}")
            loop = HarvestLoop(st)
            try:
                samples, wall, cpu = drive(
                    st, mix, ids, loop, args.clients, args.duration, args.timeout
                )
                if loop.is_alive():
                    print("waiting for the last harvest run to finish…", flush=True)
                loop.join()
            finally:
                loop.kill()  # before the store stops, on an interrupt
            summary = report(samples, wall, args.duration, loop, st, cpu, mix)
    except KeyboardInterrupt:
        print("interrupted: every process stopped", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
