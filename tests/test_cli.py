"""The `pancommons` command line, run as a user runs it (a subprocess)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from rdflib import Graph

from tests.servers import free_port

EXE = str(Path(sys.executable).with_name("pancommons"))
DATA = b"""@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix fabio: <http://purl.org/spar/fabio/> .
@prefix pan: <https://w3id.org/pan-commons/ns#> .
<https://doi.org/10.15151/esrf-es-1> a dcat:Dataset ; dct:title "one" .
<https://doi.org/10.15151/esrf-es-2> a dcat:Dataset ; dct:title "two, with a comma" .
<https://doi.org/10.1107/s1" > a fabio:Expression .
"""


def run(
    *args: str,
    store: Path | str | None = None,
    input: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    cmd = [EXE] + (["--store", str(store)] if store is not None else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, input=input, env=env, timeout=300)


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "sample.ttl"
    path.write_bytes(
        DATA.replace(b'<https://doi.org/10.1107/s1" >', b"<https://doi.org/10.1107/s1>")
    )
    return path


@pytest.fixture
def loaded(tmp_path: Path, data_file: Path) -> Path:
    store = tmp_path / "store"
    r = run("load", str(data_file), store=store)
    assert r.returncode == 0, r.stderr
    return store


def test_load_reports_and_stats_count(loaded: Path, data_file: Path) -> None:
    r = run("stats", "--format", "json", store=loaded)
    assert r.returncode == 0, r.stderr
    stats = json.loads(r.stdout)
    assert stats["datasets"] == 2
    assert stats["publications"] == 1
    assert "https://w3id.org/pan-commons/graph/source/sample" in stats["per_graph"]
    assert stats["per_graph"]["https://w3id.org/pan-commons/graph/source/sample"] == 5
    assert stats["triples"] > 5  # ontologies are loaded at first use
    assert stats["graphs"] >= 6


def test_stats_table(loaded: Path) -> None:
    r = run("stats", store=loaded)
    assert r.returncode == 0
    assert any(line.split() == ["datasets", "2"] for line in r.stdout.splitlines())


def test_load_into_named_graph_and_replace(tmp_path: Path, data_file: Path) -> None:
    store, g = tmp_path / "s", "http://example.org/graph/mine"
    assert run("load", str(data_file), "--graph", g, store=store).returncode == 0
    other = tmp_path / "other.nt"
    other.write_text('<http://example.org/x> <http://purl.org/dc/terms/title> "x" .\n')
    r = run("load", str(other), "--graph", g, "--replace", store=store)
    assert r.returncode == 0, r.stderr
    stats = json.loads(run("stats", "--format", "json", store=store).stdout)
    assert stats["per_graph"][g] == 1
    assert stats["datasets"] == 0


def test_query_json_is_standard_sparql_results(loaded: Path) -> None:
    q = "SELECT ?d ?t WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> ; <http://purl.org/dc/terms/title> ?t } ORDER BY ?t"
    r = run("query", "--format", "json", "--", q, store=loaded)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["head"]["vars"] == ["d", "t"]
    assert [b["t"]["value"] for b in data["results"]["bindings"]] == ["one", "two, with a comma"]
    assert data["results"]["bindings"][0]["d"] == {
        "type": "uri",
        "value": "https://doi.org/10.15151/esrf-es-1",
    }


def test_query_csv_and_tsv(loaded: Path) -> None:
    q = "SELECT ?t WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> ; <http://purl.org/dc/terms/title> ?t } ORDER BY ?t"
    rows = list(
        csv.reader(io.StringIO(run("query", "--format", "csv", "--", q, store=loaded).stdout))
    )
    assert rows == [["t"], ["one"], ["two, with a comma"]]
    tsv = run("query", "--format", "tsv", "--", q, store=loaded).stdout.splitlines()
    assert tsv == ["?t", '"one"', '"two, with a comma"']


def test_query_table_file_and_stdin(loaded: Path, tmp_path: Path) -> None:
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"
    qfile = tmp_path / "count.rq"
    qfile.write_text(q)
    r = run("query", str(qfile), store=loaded)
    assert r.returncode == 0 and "2" in r.stdout and "1 row" in r.stdout
    r = run("query", "--format", "csv", "-", store=loaded, input=q)
    assert r.stdout.splitlines() == ["n", "2"]


def test_named_query(loaded: Path) -> None:
    r = run("query", "datasets-without-publication", "--format", "csv", store=loaded)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == 3  # header + 2 datasets


def test_construct_prints_turtle(loaded: Path) -> None:
    q = "CONSTRUCT { ?d a <http://schema.org/Dataset> } WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"
    r = run("query", "--", q, store=loaded)
    assert r.returncode == 0, r.stderr
    assert len(Graph().parse(data=r.stdout, format="turtle")) == 2
    r = run("query", "--format", "ntriples", "--", q, store=loaded)
    assert len(Graph().parse(data=r.stdout, format="nt")) == 2


def test_ask(loaded: Path) -> None:
    r = run("query", "--format", "json", "--", "ASK { ?s ?p ?o }", store=loaded)
    assert json.loads(r.stdout)["boolean"] is True


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["query", "--", "SELECT ?x WHERE { ?x"], 4, "SPARQL syntax error"),
        (["query", "no-such-query"], 5, "named queries"),
        (["load", "missing.ttl"], 5, "no such file"),
        (["frobnicate"], 2, "No such command"),
    ],
)
def test_errors_are_one_line_with_documented_exit_codes(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    r = run(*args, store=tmp_path / "store")
    assert r.returncode == code, (r.stdout, r.stderr)
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_rdf_is_an_input_error_and_keeps_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text('<http://example.org/a> <http://example.org/p> "ok" .\n<broken')
    store = tmp_path / "store"
    r = run("load", str(bad), store=store)
    assert r.returncode == 5
    assert "bad.ttl" in r.stderr and "Traceback" not in r.stderr
    stats = json.loads(run("stats", "--format", "json", store=store).stdout)
    assert "https://w3id.org/pan-commons/graph/source/bad" not in stats["per_graph"]


def test_unreachable_remote_store_exit_3(tmp_path: Path) -> None:
    r = run("stats", store=f"http://127.0.0.1:{free_port()}/query")
    assert r.returncode == 3
    assert "did not answer" in r.stderr


def test_store_from_environment(loaded: Path) -> None:
    import os

    env = {**os.environ, "PANCOMMONS_STORE": str(loaded)}
    r = run("stats", "--format", "json", env=env)
    assert json.loads(r.stdout)["datasets"] == 2


def test_reads_beside_a_running_writer(loaded: Path) -> None:
    """`stats`/`query` open the store read-only when a server holds the write lock."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import pyoxigraph, time; s = pyoxigraph.Store({str(loaded)!r}); print('ok', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        r = run("stats", "--format", "json", store=loaded)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["datasets"] == 2
        r = run("load", "whatever.ttl", store=loaded)  # a write needs the lock: clear error
        assert r.returncode in (3, 5)
    finally:
        holder.kill()
        holder.communicate()


def _files(store: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in store.iterdir()}


def test_read_commands_never_open_for_writing(loaded: Path) -> None:
    """Regression (CI, 2026-11): a read-only command opened the directory for writing when it
    could take the lock, so RocksDB rewrote and deleted files that a read-only server beside
    it still read (FileNotFoundError on an .sst in the server)."""
    from pancommons.store.embedded import EmbeddedStore

    reader = EmbeddedStore(loaded, read_only=True)
    try:
        before, triples = _files(loaded), reader.count()
        assert triples > 0
        for args in (("stats", "--format", "json"), ("query", "ASK { ?s ?p ?o }")):
            r = run(*args, store=loaded)
            assert r.returncode == 0, r.stderr
        assert _files(loaded) == before
        assert reader.count() == triples
    finally:
        reader.close()


def test_remote_store_through_cli(oxigraph_url: str, data_file: Path) -> None:
    r = run("load", str(data_file), "--graph", "http://example.org/graph/cli", store=oxigraph_url)
    assert r.returncode == 0, r.stderr
    try:
        r = run(
            "query",
            "--format",
            "csv",
            "--",
            "SELECT (COUNT(*) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }",
            store=oxigraph_url,
        )
        assert r.stdout.splitlines() == ["n", "2"]
    finally:
        from pancommons.store.remote import RemoteStore

        remote = RemoteStore(oxigraph_url)
        for g in remote.graphs():
            remote.drop_graph(g)


def test_serve_with_workers_needs_a_remote_store(tmp_path: Path) -> None:
    r = run("serve", "--workers", "2", "--port", str(free_port()), store=tmp_path / "store")
    assert r.returncode == 2
    assert "--workers 2 needs a remote store" in r.stderr and "Traceback" not in r.stderr


def test_serve_with_two_workers_over_a_remote_store(
    oxigraph_url: str, data_file: Path, tmp_path: Path
) -> None:
    """``serve --workers 2``: two server processes over one remote store; each keeps its
    answers, and a write through either retires them in both (the version is in the store)."""
    import httpx

    graph = "https://w3id.org/pan-commons/graph/source/workers-test"
    assert run("load", str(data_file), "--graph", graph, store=oxigraph_url).returncode == 0
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANCOMMONS_")}
    env["PANCOMMONS_UPDATE_TOKEN"] = "workers-token"
    server = subprocess.Popen(
        [EXE, "--store", oxigraph_url, "serve", "--workers", "2", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    json_results = {"Accept": "application/sparql-results+json"}

    def count() -> int:
        r = httpx.get(base + "/sparql", params={"query": query}, headers=json_results)
        assert r.status_code == 200
        return int(r.json()["results"]["bindings"][0]["n"]["value"])

    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        workers = psutil.Process(server.pid).children(recursive=True)
        assert len([p for p in workers if "python" in p.name().lower()]) >= 2
        before = {count() for _ in range(20)}  # answered by both workers, kept in each
        assert len(before) == 1 and before != {0}
        r = httpx.post(
            base + "/sparql",
            content=f"DROP GRAPH <{graph}>",
            headers={
                "Content-Type": "application/sparql-update",
                "Authorization": "Bearer workers-token",
            },
        )
        assert r.status_code == 204
        assert {count() for _ in range(20)} == {0}  # no worker answers from its old answers
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert "(2 worker processes)" in err
