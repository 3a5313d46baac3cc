"""No secret in logs, messages or answers: a SciCat bearer token (``token_env``), a store URL
with ``user:password``, the store password and the server's update token. Harvests run for
real against a local SciCat API (which checks the token), in-process with every log record
captured and as the ``pancommons`` command with its stdout and stderr captured; the server runs
under uvicorn at debug log level. Each also on errors: the source answering 401 or 500, the
store down."""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from pancommons.harvest.config import parse_source
from pancommons.harvest.http import HttpClient, RetryPolicy
from pancommons.harvest.runner import HarvestError, harvest
from pancommons.harvest.sources.scicat import ScicatSource
from pancommons.store import StoreError
from pancommons.store.embedded import EmbeddedStore
from pancommons.store.remote import RemoteStore
from tests.harvest.catalogue_server import Catalogue, Fault, ServerState, _Handler, load_snapshot
from tests.harvest.golden import SNAPSHOTS
from tests.harvest.local_http import serving
from tests.security.conftest import dump, live_server
from tests.servers import free_port
from tests.test_cli import EXE

SCICAT_TOKEN = "scicat-bearer-Zq81-SECRET"
STORE_PASSWORD = "store-pw-Kx22-SECRET"
ENV_PASSWORD = "env-store-pw-Vb07-SECRET"
UPDATE_TOKEN = "update-token-Mm45-SECRET"
SECRETS = (SCICAT_TOKEN, STORE_PASSWORD, ENV_PASSWORD, UPDATE_TOKEN)


def leaked(*texts: object) -> list[str]:
    """The secrets found in ``texts``."""
    blob = "\n".join(str(t) for t in texts)
    return [s for s in SECRETS if s in blob]


class _TokenScicat(_Handler):
    """The catalogue server's SciCat API, answering 401 without the right bearer token and
    recording the Authorization headers it got."""

    def do_GET(self) -> None:
        state: Any = self.server.state
        got = self.headers.get("Authorization")
        state.auth.append(got)
        if got != f"Bearer {SCICAT_TOKEN}":
            self.send_body(401, b'{"error":{"statusCode":401,"message":"Authorization Required"}}')
            return
        super().do_GET()


class _State(ServerState):
    auth: list[str | None]


@pytest.fixture
def scicat() -> Iterator[tuple[str, _State]]:
    state = _State({"cat": Catalogue("scicat", load_snapshot(SNAPSHOTS / "demo-scicat"))})
    state.auth = []
    with serving(_TokenScicat, state) as server:
        yield server.url + "/cat/api/v3", state


def _config(url: str, name: str = "secret-scicat") -> Any:
    return parse_source(
        {
            "name": name,
            "kind": "scicat",
            "url": url,
            "retries": 1,
            "timeout": 5,
            "options": {"token_env": "TEST_SCICAT_TOKEN"},
        }
    )


def _harvest(store: Any, url: str, tmp_path: Path) -> Any:
    cfg = _config(url)
    http = HttpClient(timeout=5, policy=RetryPolicy(retries=1, backoff=0.01), sleep=lambda _: None)
    try:
        return harvest(
            store, cfg, state_dir=str(tmp_path / "state"), source=ScicatSource(cfg, http)
        )
    except (HarvestError, StoreError) as exc:
        return exc


def _state_files(tmp_path: Path) -> list[str]:
    return [p.read_text(errors="replace") for p in (tmp_path / "state").rglob("*") if p.is_file()]


@pytest.mark.parametrize("fault", [None, "401", "500"])
def test_harvest_in_process_keeps_the_token_out_of_logs(
    tmp_path: Path,
    scicat: tuple[str, _State],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    fault: str | None,
) -> None:
    url, state = scicat
    monkeypatch.setenv("TEST_SCICAT_TOKEN", SCICAT_TOKEN)
    if fault:
        state.faults.append(Fault(fault, collection="Datasets", times=10))
    caplog.set_level(logging.DEBUG)  # every logger, urllib3's included
    with EmbeddedStore(tmp_path / "store") as store:
        outcome = _harvest(store, url, tmp_path)
        written = dump(store)
    assert f"Bearer {SCICAT_TOKEN}" in state.auth, "the token was not even sent"
    if fault:
        assert isinstance(outcome, HarvestError) and f"HTTP {fault}" in str(outcome), outcome
    else:
        assert outcome.status == "completed" and outcome.seen > 0
    assert leaked(caplog.text, outcome, written, *_state_files(tmp_path)) == []


def test_harvest_without_the_token_says_401_without_naming_the_variable_value(
    tmp_path: Path, scicat: tuple[str, _State], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = scicat
    monkeypatch.setenv("TEST_SCICAT_TOKEN", SCICAT_TOKEN[:-1])  # wrong by one character
    with EmbeddedStore(tmp_path / "store") as store:
        outcome = _harvest(store, url, tmp_path)
    assert isinstance(outcome, HarvestError) and "401" in str(outcome)
    assert SCICAT_TOKEN[:-1] not in str(outcome)


def test_remote_store_password_stays_out_of_messages_and_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    down = f"http://alice:{STORE_PASSWORD}@127.0.0.1:{free_port()}/query"
    store = RemoteStore(down, auth=("bob", ENV_PASSWORD), timeout=2)
    assert "alice:***@" in store.location and leaked(store.location) == []
    with pytest.raises(StoreError) as err:
        store.graphs()
    with pytest.raises(StoreError) as err2:
        store.update("INSERT DATA { <http://e/s> <http://e/p> 1 }")
    store.close()
    assert "alice:***@127.0.0.1" in str(err.value)
    assert leaked(err.value, err2.value, caplog.text) == []


# --- the command line ------------------------------------------------------------------------------


def _cli(tmp_path: Path, store: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANCOMMONS_")}
    env.update(
        TEST_SCICAT_TOKEN=SCICAT_TOKEN,
        PANCOMMONS_STATE=str(tmp_path / "state"),
        PANCOMMONS_STORE_USER="bob",
        PANCOMMONS_STORE_PASSWORD=ENV_PASSWORD,
        PANCOMMONS_UPDATE_TOKEN=UPDATE_TOKEN,
    )
    return subprocess.run(
        [EXE, "--store", store, *args], env=env, capture_output=True, text=True, timeout=120
    )


def _toml(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "secret-scicat.toml"
    path.write_text(
        f'name = "secret-scicat"\nkind = "scicat"\nurl = "{url}"\nretries = 1\ntimeout = 5\n'
        '[options]\ntoken_env = "TEST_SCICAT_TOKEN"\n'
    )
    return path


def _userinfo(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://alice:{STORE_PASSWORD}@{parts.netloc}{parts.path}"


def test_cli_harvest_outputs_hold_no_secret(
    tmp_path: Path, scicat: tuple[str, _State], oxigraph_url: str
) -> None:
    url, state = scicat
    toml = _toml(tmp_path, url)
    state.faults.append(Fault("500", collection="Datasets", times=10))
    failing_source = _cli(tmp_path, _userinfo(oxigraph_url), "harvest", str(toml))
    store_down = _userinfo(f"http://127.0.0.1:{free_port()}/query")
    state.faults.clear()
    failing_store = _cli(tmp_path, store_down, "harvest", str(toml))
    stats_down = _cli(tmp_path, store_down, "stats")
    assert failing_source.returncode == 6 and "HTTP 500" in failing_source.stderr
    assert failing_store.returncode in (3, 6) and "alice:***@" in failing_store.stderr
    assert stats_down.returncode == 3 and "alice:***@" in stats_down.stderr
    assert f"Bearer {SCICAT_TOKEN}" in state.auth
    runs = (failing_source, failing_store, stats_down)
    assert leaked(*(r.stdout + r.stderr for r in runs)) == []


def test_cli_serve_does_not_echo_the_store_password(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANCOMMONS_")}
    store = f"http://alice:{STORE_PASSWORD}@127.0.0.1:{free_port()}/query"
    proc = subprocess.Popen(
        [EXE, "--store", store, "serve", "--port", str(free_port())],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stderr is not None:
            proc.stderr.close()
    assert first.startswith("serving") and leaked(first) == []


# --- the server ---------------------------------------------------------------------------------------


def test_server_answers_and_logs_hold_no_secret(tmp_path: Path, oxigraph_url: str) -> None:
    down = _userinfo(f"http://127.0.0.1:{free_port()}/query")
    bearer = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
    answers: list[str] = []
    with live_server(
        tmp_path / "down",
        log_level="debug",
        store=down,
        store_user="bob",
        store_password=ENV_PASSWORD,
        update_token=UPDATE_TOKEN,
    ) as srv:
        for method, path, kwargs, status in [
            ("GET", "/health", {}, 503),
            ("GET", "/sparql", {"params": {"query": "ASK {}"}}, 503),
            (
                "POST",
                "/sparql",
                {"data": b"INSERT DATA { <http://e/s> <http://e/p> 1 }",
                 "headers": {"Content-Type": "application/sparql-update", **bearer}},
                503,
            ),
            (
                "POST",
                "/sparql",
                {"data": b"INSERT DATA {}",
                 "headers": {"Content-Type": "application/sparql-update",
                             "Authorization": f"Bearer {UPDATE_TOKEN[:-1]}"}},
                403,
            ),
            (
                "PUT",
                "/store",
                {"params": {"graph": "http://e/g"}, "data": b"<http://e/s> <http://e/p> 1 .",
                 "headers": {"Content-Type": "text/turtle", **bearer}},
                503,
            ),
            ("GET", "/", {"headers": {"Accept": "text/html"}}, 503),
        ]:  # fmt: skip
            r = requests.request(method, srv.url + path, timeout=10, **kwargs)
            assert r.status_code == status, (path, r.status_code, r.text)
            answers.append(r.text)
        logged = srv.output()
    assert "alice:***@" in answers[0]
    assert leaked(*answers, logged) == [], leaked(*answers, logged)
    with live_server(
        tmp_path / "up", log_level="debug", store=_userinfo(oxigraph_url), update_token=UPDATE_TOKEN
    ) as srv:
        health = requests.get(srv.url + "/health", timeout=10)
        logged = srv.output()
    assert health.status_code == 200 and health.json()["store"].startswith("http://alice:***@")
    assert leaked(health.text, logged) == []
