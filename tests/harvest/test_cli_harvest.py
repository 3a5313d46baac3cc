"""``pancommons harvest`` as a user runs it: a subprocess against the local catalogue server,
killed with SIGKILL in the middle of a run and resumed."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pancommons import vocab
from pancommons.store.embedded import EmbeddedStore
from tests.harvest.catalogue_server import Catalogue, Fault, ServerState, catalogue_server
from tests.harvest.test_runner import REFERENCE, triples
from tests.test_cli import EXE, run

GRAPH = vocab.source_graph("killme", vocab.DEFAULT_BASE)


def big_catalogue(n: int, title: str) -> dict[str, list[dict[str, object]]]:
    """``n`` datasets shaped like the reference ones."""
    template = REFERENCE["Datasets"][0]
    datasets = []
    for i in range(n):
        d = copy.deepcopy(template)
        d["pid"] = f"20.500.12269/kill-{i:05d}"
        d["title"] = f"{title} {i}"
        datasets.append(d)
    return {"Datasets": datasets, "Documents": [], "Instruments": []}


@pytest.fixture
def server() -> Iterator[tuple[str, ServerState]]:
    with catalogue_server({"cat": Catalogue("panosc", big_catalogue(60, "first"))}) as s:
        yield s


def toml(tmp_path: Path, url: str, name: str = "killme", page_size: int = 5) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nkind = "panosc"\nurl = "{url}/cat/api"\npage_size = {page_size}\n'
        'retries = 2\ntimeout = 10\n[facility]\nname = "ESS"\nror = "https://ror.org/01wv9cn34"\n'
    )
    return path


def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PANCOMMONS_STATE": str(tmp_path / "state")}


def kill_after_pages(
    store: Path, source: Path, tmp_path: Path, *, pages: int
) -> tuple[subprocess.Popen[bytes], Path]:
    """Run ``pancommons harvest`` and SIGKILL it once its checkpoint counts ``pages`` pages."""
    proc = subprocess.Popen(
        [EXE, "--store", str(store), "harvest", str(source)],
        env=env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    checkpoint = tmp_path / "state" / "killme" / "checkpoint.json"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if checkpoint.exists() and json.loads(checkpoint.read_text())["pages"] >= pages:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    return proc, checkpoint


def test_sigkill_mid_run_keeps_the_graph_and_resume_equals_a_full_run(
    server, tmp_path: Path
) -> None:
    url, state = server
    store = tmp_path / "store"
    source = toml(tmp_path, url)
    first = run("harvest", str(source), store=store, env=env(tmp_path))
    assert first.returncode == 0, first.stderr
    with EmbeddedStore(store) as s:
        before = triples(s, GRAPH)

    # The catalogue changes; every page is now slow, and we kill the run half way.
    state.catalogues["cat"] = Catalogue("panosc", big_catalogue(60, "second"))
    state.faults.append(Fault("slow", collection="Datasets", delay=0.15, times=10**6))
    proc, checkpoint = kill_after_pages(store, source, tmp_path, pages=4)
    assert proc.returncode == -signal.SIGKILL
    pages_done = json.loads(checkpoint.read_text())["pages"]
    assert 4 <= pages_done < 12, "killed in the middle"

    with EmbeddedStore(store) as s:
        assert triples(s, GRAPH) == before, "the killed run changed nothing"

    state.faults.clear()
    n_requests = len(state.requests)
    resumed = run("harvest", str(source), "--resume", store=store, env=env(tmp_path))
    assert resumed.returncode == 0, resumed.stderr
    asked = state.requests[n_requests:]
    assert '"skip":0' not in " ".join(asked).replace("%22", '"').replace("%3A", ":").replace(
        "%2C", ","
    ), "resume did not start over"

    fresh = run("harvest", str(source), store=tmp_path / "fresh", env=env(tmp_path))
    assert fresh.returncode == 0, fresh.stderr
    with EmbeddedStore(store) as s, EmbeddedStore(tmp_path / "fresh") as f:
        assert triples(s, GRAPH) == triples(f, GRAPH)
        assert triples(s, GRAPH) != before
        assert any('"second 59"' in t for t in triples(s, GRAPH))


def test_errors_lists_quarantined_records(server, tmp_path: Path) -> None:
    url, state = server
    state.catalogues["cat"].collections["Datasets"].insert(3, {"pid": "bad/1", "title": 42})
    source = toml(tmp_path, url)
    out = run("harvest", str(source), store=tmp_path / "store", env=env(tmp_path))
    assert out.returncode == 0, out.stderr
    assert "1 quarantined" in out.stdout and "61 records, 60 mapped" in out.stdout
    errors = run("harvest", str(source), "--errors", store=tmp_path / "store", env=env(tmp_path))
    assert errors.returncode == 0
    assert "Datasets[3] bad/1: record.title: must be string" in errors.stdout


def test_failed_harvest_exit_code_and_message(server, tmp_path: Path) -> None:
    url, state = server
    state.faults.append(Fault("500", collection="Datasets", times=100))
    out = run("harvest", str(toml(tmp_path, url)), store=tmp_path / "store", env=env(tmp_path))
    assert out.returncode == 6
    assert "--resume" in out.stderr and "Traceback" not in out.stderr


def test_bad_source_file_is_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "Bad Name"\nkind = "panosc"\nurl = "http://127.0.0.1:9/api"\n')
    out = run("harvest", str(bad), store=tmp_path / "store")
    assert out.returncode == 5
    assert "bad.toml" in out.stderr and "lower-case" in out.stderr
    unknown = run("harvest", "no-such-source", store=tmp_path / "store")
    assert unknown.returncode == 5 and "demo-ess" in unknown.stderr


def test_list_shows_the_bundled_sources(tmp_path: Path) -> None:
    out = run("harvest", "--list")
    names = {line.split("\t")[0] for line in out.stdout.splitlines()}
    assert {"demo-ess", "demo-esrf", "panosc-ill", "panosc-esrf"} <= names


def test_damaged_checkpoint_fails_that_source_and_the_others_still_run(
    server, tmp_path: Path
) -> None:
    url, _ = server
    first, second = toml(tmp_path, url, "first"), toml(tmp_path, url, "second")
    (tmp_path / "state" / "first").mkdir(parents=True)
    (tmp_path / "state" / "first" / "checkpoint.json").write_text("{not json")
    out = run(
        "harvest", str(first), str(second), "--resume", store=tmp_path / "store", env=env(tmp_path)
    )
    assert out.returncode == 6, out.stderr
    assert "damaged" in out.stderr and "Traceback" not in out.stderr
    assert "second: 60 records" in out.stdout


def test_sigkill_during_a_first_harvest_leaves_no_half_graph(server, tmp_path: Path) -> None:
    """The first harvest of a source loads while pages arrive; killed, the half-loaded graph
    is emptied when the store is next opened, and --resume still loads everything."""
    url, state = server
    store = tmp_path / "store"
    source = toml(tmp_path, url)
    state.faults.append(Fault("slow", collection="Datasets", delay=0.15, times=10**6))
    kill_after_pages(store, source, tmp_path, pages=4)
    with EmbeddedStore(store) as s:
        assert GRAPH not in s.graphs() and s.count(GRAPH) == 0
    state.faults.clear()
    resumed = run("harvest", str(source), "--resume", store=store, env=env(tmp_path))
    assert resumed.returncode == 0, resumed.stderr
    fresh = run("harvest", str(source), store=tmp_path / "fresh", env=env(tmp_path))
    assert fresh.returncode == 0, fresh.stderr
    with EmbeddedStore(store) as s, EmbeddedStore(tmp_path / "fresh") as f:
        assert triples(s, GRAPH) == triples(f, GRAPH) and len(triples(s, GRAPH)) > 600
