"""OAI-PMH provider fixtures: the demo store (built once), copies to change, an in-process
uvicorn on a real socket over a store object the test can change between pages, and the
OAI-PMH XML Schemas (the protocol's, oai_dc's, DataCite kernel-4's), bundled in the package."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
import uvicorn
from lxml import etree

from pancommons.api.app import create_app
from pancommons.config import Settings
from pancommons.demo import build_demo
from pancommons.harvest.mapping.oai import XSD_DIR, _BundledOnly, safe_parser
from pancommons.store.embedded import EmbeddedStore
from tests.servers import free_port

OAI = "http://www.openarchives.org/OAI/2.0/"
NS = {"o": OAI}


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store and state, built once; tests copy it (``fresh``) before changing it."""
    root = tmp_path_factory.mktemp("oai-demo")
    with EmbeddedStore(root / "store") as store:
        build_demo(store, state_dir=str(root / "state"))
    return root


@pytest.fixture
def fresh(demo_dir: Path, tmp_path: Path) -> Path:
    shutil.copytree(demo_dir / "store", tmp_path / "store")
    return tmp_path


@contextmanager
def serve(store: EmbeddedStore, workdir: Path, **settings: object) -> Iterator[str]:
    """PaN Commons over ``store`` in this process, on a real socket; yields the /oai URL."""
    app = create_app(
        Settings.from_env(store=str(workdir / "store"), state=str(workdir / "state"), **settings),
        store=store,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/oai"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def demo_url(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo over a socket, 10 records a page, read-only (tests that change copy first)."""
    work = tmp_path_factory.mktemp("oai-live")
    store = EmbeddedStore(demo_dir / "store", read_only=True)
    with serve(store, work, oai_page_size=10) as url:
        yield url
    store.close()


@cache
def envelope_schema() -> etree.XMLSchema:
    """OAI-PMH.xsd with the schemas of everything it may carry (``processContents="strict"``):
    oai_dc, DataCite kernel-4 and the oai-identifier description. No network: imports are read
    from the package's bundled copies only."""
    imports = {
        OAI: "oai-pmh/OAI-PMH.xsd",
        "http://www.openarchives.org/OAI/2.0/oai_dc/": "oai-pmh/oai_dc.xsd",
        "http://datacite.org/schema/kernel-4": "datacite/kernel-4/metadata.xsd",
        "http://www.openarchives.org/OAI/2.0/oai-identifier": "oai-pmh/oai-identifier.xsd",
    }
    xs = "http://www.w3.org/2001/XMLSchema"
    wrapper = etree.Element(f"{{{xs}}}schema", nsmap={"xs": xs})
    for ns, path in imports.items():
        etree.SubElement(
            wrapper, f"{{{xs}}}import", namespace=ns, schemaLocation=(XSD_DIR / path).as_uri()
        )
    parser = safe_parser()
    parser.resolvers.add(_BundledOnly())
    doc = etree.fromstring(etree.tostring(wrapper), parser, base_url=(XSD_DIR / "x.xsd").as_uri())
    return etree.XMLSchema(doc.getroottree())


def valid(body: bytes) -> etree._Element:
    """The parsed response, asserted valid against the protocol and metadata schemas."""
    root = etree.fromstring(body, safe_parser())
    schema = envelope_schema()
    assert schema.validate(root), schema.error_log.last_error
    return root
