"""A real ``uvicorn`` running PaN Commons on 127.0.0.1, for protocol tests over a socket."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.servers import _stop, _wait_until_up, free_port

TOKEN = "test-update-token-0123456789"


@contextmanager
def live_server(workdir: Path, **settings: object) -> Iterator[str]:
    """``pancommons`` under uvicorn with an embedded store in ``workdir/store`` (which must not
    be open elsewhere) and ``settings`` as ``PANCOMMONS_*`` variables; yields the base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANCOMMONS_")}
    env["PANCOMMONS_STORE"] = str(workdir / "store")  # a URL in settings replaces it
    env.update({f"PANCOMMONS_{k.upper()}": str(v) for k, v in settings.items()})
    log = workdir / "uvicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "pancommons.api.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base + "/sparql", proc, "uvicorn", log, timeout=60)
        yield base
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server with updates enabled (token ``TOKEN``), shared by the protocol tests."""
    with live_server(tmp_path_factory.mktemp("live"), update_token=TOKEN, query_timeout=10) as base:
        yield base


@pytest.fixture(scope="session")
def remote_server(tmp_path_factory: pytest.TempPathFactory, oxigraph_url: str) -> Iterator[str]:
    """The same over a remote store: a real ``oxigraph serve`` (SPARQL protocols passed on)."""
    with live_server(
        tmp_path_factory.mktemp("live-remote"), store=oxigraph_url, update_token=TOKEN
    ) as base:
        yield base


@pytest.fixture(params=["embedded", "remote"])
def any_server(request: pytest.FixtureRequest) -> str:
    """Each server in turn: over the embedded store, then over a remote one."""
    name = "server" if request.param == "embedded" else "remote_server"
    url: str = request.getfixturevalue(name)
    return url
