"""``assess --online``: the online checks inside an assessment run, against a local web
(tests/fair/online_server.py): outcomes and reasons land in the results graph and read back,
data under embargo is inapplicable, and the CLI runs them with the resolvers from settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat

from pancommons.fair.assess import assess
from pancommons.fair.history import latest_scores, runs
from pancommons.fair.online import ONLINE_TESTS, OnlineConfig
from pancommons.fair.shapes import load_shapes
from pancommons.fair.tests import fair_tests
from pancommons.store.embedded import EmbeddedStore
from pancommons.vocab import DEFAULT_BASE
from tests.fair.online_server import web
from tests.harvest.local_http import StateServer

EXE = str(Path(sys.executable).with_name("pancommons"))
GOOD, MISSING, EMBARGOED = (
    "https://doi.org/10.1234/good",
    "https://doi.org/10.1234/missing",
    "https://doi.org/10.1234/embargoed",
)
DATA = """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://doi.org/10.1234/good> a dcat:Dataset ; dct:identifier "10.1234/GOOD" ;
    dct:title "Good" ; dcat:landingPage <{B}/landing/good> ;
    dcat:distribution [ dcat:accessURL <{B}/data/open> ] .
<https://doi.org/10.1234/missing> a dcat:Dataset ; dct:identifier "10.1234/missing" ;
    dcat:distribution [ dcat:accessURL <{B}/data/404> ] .
<https://doi.org/10.1234/embargoed> a dcat:Dataset ; dct:identifier "10.1234/good" ;
    dct:available "2099-01-01"^^xsd:date ; dcat:landingPage <{B}/landing/good> ;
    dcat:distribution [ dcat:accessURL <{B}/data/404> ] .
"""


@pytest.fixture()
def server() -> Iterator[StateServer]:
    with web() as s:
        yield s


def _config(base: str) -> OnlineConfig:
    return OnlineConfig(doi_resolver=f"{base}/doi/", timeout=2.0, rate=0)


def _outcomes(scores: dict, dataset: str) -> dict[str, tuple[str, str]]:  # type: ignore[type-arg]
    return {o.test.iri.rsplit("/", 1)[1]: (o.outcome, o.detail) for o in scores[dataset].outcomes}


def test_online_run_scores_and_records_the_checks(server: StateServer) -> None:
    with EmbeddedStore(None) as store:
        graph = f"{DEFAULT_BASE}/graph/source/online"
        store.load(DATA.replace("{B}", server.url).encode(), graph=graph, format=RdfFormat.TURTLE)
        offline = assess(store, full=True)
        assert all(
            o.outcome == "untested" for s in offline.scores.values() for o in s.outcomes
            if o.test.iri in ONLINE_TESTS.values()
        )  # fmt: skip
        assert offline.online is None and not server.state.log, "offline: no request at all"

        run = assess(store, full=True, online=_config(server.url))
        assert run.online is not None and run.online.requests == len(server.state.log) > 0
        good, missing, embargoed = (_outcomes(run.scores, d) for d in (GOOD, MISSING, EMBARGOED))
        for name in ONLINE_TESTS:
            assert good[name][0] == "passed", (name, good[name])
        assert missing["F1-pid-resolves"][0] == "failed"
        assert "404" in missing["F1-pid-resolves"][1]
        assert missing["A1-data-retrievable"] == ("failed", missing["A1-data-retrievable"][1])
        assert "/data/404" in missing["A1-data-retrievable"][1]
        assert embargoed["A1-data-retrievable"][0] == "inapplicable", "data under embargo"
        assert embargoed["A1-landing-page-resolves"][0] == "passed", "the page answers anyway"
        assert run.scores[GOOD].score > offline.scores[GOOD].score

        # the results graph holds the same outcomes and the reasons, and the run says online
        assert runs(store)[-1].online and not runs(store)[0].online
        read = latest_scores(store, fair_tests(load_shapes().graph), DEFAULT_BASE)
        for d in (GOOD, MISSING, EMBARGOED):
            got = _outcomes(read, d)
            want = _outcomes(run.scores, d)
            assert {k: v[0] for k, v in got.items()} == {k: v[0] for k, v in want.items()}
        assert _outcomes(read, MISSING)["F1-pid-resolves"][1] == missing["F1-pid-resolves"][1]


def test_cli_assess_online_uses_the_configured_resolver(
    server: StateServer, tmp_path: Path
) -> None:
    data = tmp_path / "online.ttl"
    data.write_text(DATA.replace("{B}", server.url))
    env = {
        **os.environ,
        "PANCOMMONS_STATE": str(tmp_path / "state"),
        "PANCOMMONS_DOI_RESOLVER": f"{server.url}/doi/",
        "PANCOMMONS_ONLINE_RATE": "20",
    }
    store = str(tmp_path / "store")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [EXE, "--store", store, *args], env=env, capture_output=True, text=True, timeout=120
        )

    assert cli("load", str(data)).returncode == 0
    out = cli("assess", "--online", "--full", "--format", "json")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["online"] is True and summary["datasets"] == 3
    assert "requests to 1 hosts" in out.stderr
    first = len(server.state.log)
    assert any(h.path.startswith("/doi/10.1234/good") for h in server.state.log)
    # the answers are cached under {state}/online: a second run within a day sends nothing
    again = cli("assess", "--online", "--full", "--format", "json")
    assert again.returncode == 0, again.stderr
    assert len(server.state.log) == first and "0 requests" in again.stderr
    assert (tmp_path / "state" / "online").is_dir()
