"""`pancommons demo` as `make demo` runs it: build the demo store, serve it on 127.0.0.1, answer
/health and SPARQL over the demo data (with a real third-party client, SPARQLWrapper)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from SPARQLWrapper import JSON, SPARQLWrapper

from tests.servers import free_port

EXE = str(Path(sys.executable).with_name("pancommons"))
ESRF_DOI = "https://doi.org/10.15151/esrf-es-2210534378"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    store = tmp_path_factory.mktemp("demo") / "store"
    port = free_port()
    log = store.parent / "demo.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [
                EXE,
                "--store",
                str(store),
                "demo",
                "--port",
                str(port),
                "--report",
                str(store.parent / "reports" / "demo.html"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PANCOMMONS_HOST": "127.0.0.1"},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            try:
                if requests.get(url + "/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        else:
            pytest.fail("demo server did not come up:\n" + log.read_text())
        yield url, store
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_health(demo_server: tuple[str, Path]) -> None:
    url, _ = demo_server
    body = requests.get(url + "/health", timeout=5).json()
    assert body["status"] == "ok"
    assert body["graphs"] >= 15  # 5 ontology graphs, meta, links, 8+ demo sources


def test_sparql_over_demo_data_with_sparqlwrapper(demo_server: tuple[str, Path]) -> None:
    url, _ = demo_server
    client = SPARQLWrapper(url + "/sparql")
    client.setReturnFormat(JSON)
    client.setQuery(f"""
        PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX dcat: <http://www.w3.org/ns/dcat#>
        SELECT DISTINCT ?id ?publisher WHERE {{ <{ESRF_DOI}> a dcat:Dataset ; dct:identifier ?id ;
                                                   dct:publisher ?publisher }}""")
    rows = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    assert rows == [
        {
            "id": {"type": "literal", "value": "10.15151/ESRF-ES-2210534378"},
            "publisher": {"type": "uri", "value": "https://ror.org/02550n020"},
        }
    ]


def test_demo_holds_datasets_from_every_source(demo_server: tuple[str, Path]) -> None:
    url, _ = demo_server
    q = """PREFIX dcat: <http://www.w3.org/ns/dcat#>
    SELECT ?g (COUNT(DISTINCT ?d) AS ?n) WHERE { GRAPH ?g { ?d a dcat:Dataset } } GROUP BY ?g"""
    r = requests.post(url + "/sparql", data={"query": q}, timeout=10)
    counts = {
        b["g"]["value"].rsplit("/", 1)[-1]: int(b["n"]["value"])
        for b in r.json()["results"]["bindings"]
    }
    assert counts["demo-datacite"] == 2
    assert counts["demo-oai"] == 2
    assert counts["demo-nexus"] >= 5
    assert counts["demo-panosc-reference"] == 4
    assert counts["demo-ess"] >= 9
    assert counts["demo-scicat"] >= 8
    assert counts["demo-icat"] >= 1


def test_stats_while_serving(demo_server: tuple[str, Path]) -> None:
    _, store = demo_server
    r = subprocess.run(
        [EXE, "--store", str(store), "stats", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    stats = json.loads(r.stdout)
    for key in ("triples", "graphs", "datasets", "publications", "instruments"):
        assert stats[key] > 0, key


def test_technique_subsumption_over_demo(demo_server: tuple[str, Path]) -> None:
    url, _ = demo_server
    from pancommons.queries import named_queries

    text = named_queries()["datasets-by-technique"].text
    r = requests.get(url + "/sparql", params={"query": text}, timeout=10)
    tagged = {b["tagged"]["value"].rsplit("/", 1)[-1] for b in r.json()["results"]["bindings"]}
    # small angle scattering (PaNET01124) is found through its descendants SAXS and SANS
    assert {"PaNET01188", "PaNET01189"} <= tagged


def test_demo_writes_its_fair_report_and_serves_it(demo_server: tuple[str, Path]) -> None:
    """``make demo`` writes reports/demo.html (here under the test's folder) and serves the
    same report at /fair/report."""
    url, store = demo_server
    written = (store.parent / "reports" / "demo.html").read_text(encoding="utf-8")
    served = requests.get(url + "/fair/report", timeout=30)
    assert served.status_code == 200 and served.headers["content-type"].startswith("text/html")

    def score(text: str) -> str:
        return text.split('data-figure="score">', 1)[1].split("<", 1)[0]

    assert score(written).endswith("%") and score(written) == score(served.text)
    data = requests.get(url + "/fair/report", params={"format": "json"}, timeout=30).json()
    assert data["datasets"] > 50 and f"{data['datasets']} datasets assessed" in written
