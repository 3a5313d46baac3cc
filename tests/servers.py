"""Real SPARQL servers for tests: ``oxigraph serve`` (PyPI oxigraph) and Virtuoso (Debian).

Each starts on 127.0.0.1 with a free port in a temporary directory and is stopped afterwards.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt") or shutil.which("isql")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def oxigraph_binary() -> str:
    candidate = Path(sys.executable).with_name("oxigraph")
    found = str(candidate) if candidate.exists() else shutil.which("oxigraph")
    if not found:
        raise RuntimeError("the `oxigraph` server is not installed: pip install oxigraph")
    return found


def _wait_until_up(
    url: str, proc: subprocess.Popen[bytes], what: str, log: Path, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            r = requests.get(
                url,
                params={"query": "ASK {}"},
                timeout=2,
                headers={"Accept": "application/sparql-results+json"},
            )
            if r.status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up in {timeout}s:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def oxigraph_server(workdir: Path) -> Iterator[str]:
    """Run ``oxigraph serve`` on disk; yields the query endpoint URL (…/query)."""
    port = free_port()
    log = workdir / "oxigraph.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                oxigraph_binary(),
                "serve",
                "--location",
                str(workdir / "db"),
                "--bind",
                f"127.0.0.1:{port}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}/query"
        _wait_until_up(url, proc, "oxigraph serve", log)
        yield url
    finally:
        _stop(proc)


_VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0
[Parameters]
ServerPort = {sql_port}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = ., {d}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
CheckpointInterval = 60
[HTTPServer]
ServerPort = {http_port}
ServerRoot = {d}/vsp
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 0
"""


@contextmanager
def virtuoso_server(workdir: Path) -> Iterator[str]:
    """Run Virtuoso 7 with SPARQL update rights for the anonymous endpoint; yields …/sparql."""
    if not VIRTUOSO or not ISQL:
        raise RuntimeError("Virtuoso is not installed (apt-get install virtuoso-opensource)")
    sql_port, http_port = free_port(), free_port()
    (workdir / "vsp").mkdir(parents=True, exist_ok=True)
    ini = workdir / "virtuoso.ini"
    ini.write_text(_VIRTUOSO_INI.format(d=workdir, sql_port=sql_port, http_port=http_port))
    log = workdir / "virtuoso.out"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [VIRTUOSO, "-f", "-c", str(ini)], cwd=workdir, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        url = f"http://127.0.0.1:{http_port}/sparql"
        _wait_until_up(url, proc, "virtuoso", log, timeout=120)
        grant = (
            'GRANT SPARQL_UPDATE TO "SPARQL"; '
            'GRANT EXECUTE ON DB.DBA.SPARQL_INSERT_DICT_CONTENT TO "SPARQL"; '
            "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);"
        )
        subprocess.run(
            [ISQL, str(sql_port), "dba", "dba", f"exec={grant}"],
            check=True,
            capture_output=True,
            timeout=60,
            env={**os.environ},
        )
        yield url
    finally:
        _stop(proc)
