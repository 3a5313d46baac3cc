"""Headless Chromium against a real ``uvicorn`` serving the demo graph on 127.0.0.1.

Chromium is the system one (Debian ``chromium``, installed by ``make install``), driven by
Playwright with ``executable_path``: ``playwright install`` (a browser download) is never needed.
A missing Chromium is a failure, not a skip, unless ``PANCOMMONS_SKIP_BROWSER=1`` says to skip.
Screenshots go to ``$PANCOMMONS_ARTIFACTS`` (default: a pytest temporary directory).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from pancommons import vocab
from pancommons.demo import build_demo
from pancommons.store.embedded import EmbeddedStore
from tests.servers import _stop, free_port

try:
    from playwright import sync_api as playwright_api
except ImportError:  # reported by the `chromium` fixture: a failure unless skipping is asked for
    playwright_api = None  # type: ignore[assignment]

SKIP = os.environ.get("PANCOMMONS_SKIP_BROWSER") == "1"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_binary() -> str | None:
    """``$PANCOMMONS_CHROMIUM``, else the first Chromium on PATH."""
    explicit = os.environ.get("PANCOMMONS_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_binary()
    message = ""
    if playwright_api is None:
        message = "Playwright is needed for tests/browser: pip install -e '.[test]'"
    elif path is None:
        message = (
            "headless Chromium is needed for tests/browser: `apt-get install chromium` "
            "(`make test` does it) or set PANCOMMONS_CHROMIUM=/path/to/chromium"
        )
    if message:
        message += "; set PANCOMMONS_SKIP_BROWSER=1 to skip these tests deliberately"
        if SKIP:
            pytest.skip(message)
        pytest.fail(message)
    assert path is not None
    return path


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots are saved: ``$PANCOMMONS_ARTIFACTS`` or a pytest temporary folder."""
    folder = os.environ.get("PANCOMMONS_ARTIFACTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``pancommons.api.app`` under uvicorn on 127.0.0.1 (random port) over the demo graph."""
    work = tmp_path_factory.mktemp("browser-site")
    store = EmbeddedStore(work / "store")
    build_demo(store, vocab.DEFAULT_BASE, state_dir=str(work / "state"))
    store.close()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANCOMMONS_")}
    env["PANCOMMONS_STORE"] = str(work / "store")
    log = work / "uvicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "pancommons.api.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"uvicorn exited:\n{log.read_text()[-3000:]}")
            try:
                if requests.get(url + "/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"uvicorn did not come up:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[object]:
    with playwright_api.sync_playwright() as p:  # type: ignore[union-attr]
        b = p.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield b
        b.close()


@dataclass
class Watched:
    """A page with every request it made, console errors and uncaught exceptions recorded."""

    page: object
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def outside(self, host: str = "127.0.0.1") -> list[str]:
        return [
            u for u in self.requests
            if not u.startswith(("data:", "blob:")) and urlsplit(u).hostname != host
        ]  # fmt: skip


@pytest.fixture
def watched(browser: object) -> Iterator[Watched]:
    """A fresh browser context and page; requests off 127.0.0.1 are recorded and refused."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page = context.new_page()
    w = Watched(page)
    page.on("request", lambda r: w.requests.append(r.url))
    page.on("console", lambda m: w.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: w.errors.append(f"uncaught: {e}"))

    def refuse_outside(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if urlsplit(url).hostname in ("127.0.0.1", None):
            route.continue_()  # type: ignore[attr-defined]
        else:
            route.abort()  # type: ignore[attr-defined]

    context.route("**/*", refuse_outside)
    try:
        yield w
    finally:
        context.close()
