"""One demo graph (plus a dataset with hostile values) and a TestClient for the page tests."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import rdflib
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat

from pancommons import vocab
from pancommons.api.app import create_app
from pancommons.config import Settings
from pancommons.demo import build_demo
from pancommons.store.embedded import EmbeddedStore
from tests.api.pages.helpers import BASE, EVIL, EVIL_DESCRIPTION, EVIL_TITLE, SHAPES


@pytest.fixture(scope="package")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    root = tmp_path_factory.mktemp("pages")
    s = EmbeddedStore(root / "store")
    build_demo(s, BASE, state_dir=str(root / "state"))
    evil = f"""<{EVIL}> a <{vocab.DCAT}Dataset> ;
        <{vocab.DCT}title> {json.dumps(EVIL_TITLE)} ;
        <{vocab.DCT}description> {json.dumps(EVIL_DESCRIPTION)} ;
        <{vocab.DCAT}keyword> "a</script>b" ."""
    s.load(evil.encode(), graph=vocab.source_graph("test-evil", BASE), format=RdfFormat.TURTLE)
    yield s
    s.close()


@pytest.fixture(scope="package")
def client(store: EmbeddedStore) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(store=str(store.location), base=BASE), store=store)) as c:
        yield c


@pytest.fixture(scope="package")
def shapes() -> rdflib.Graph:
    """The Science-on-Schema.org common shapes and the Google-required shapes."""
    g = rdflib.Graph()
    for name in ("googleRequired.ttl", "soso_common_v1.2.3.ttl"):
        g.parse(SHAPES / name)
    return g
