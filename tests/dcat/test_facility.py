"""``/dcat/{facility}``: exactly the facility's datasets (the same set as the ``facility:``
scope of reports), by name in any case or by ROR; 404 for an unknown facility; and text that
tries to break out of the query is looked up as a name (and not found), never run."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
import rdflib
from fastapi.testclient import TestClient
from pyoxigraph import Literal
from rdflib import URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from pancommons.api.app import create_app
from pancommons.config import Settings
from pancommons.fair.scope import datasets_in, parse_scope
from pancommons.store.embedded import EmbeddedStore
from tests.dcat.conftest import BASE

HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")


def datasets_of(client: TestClient, path: str) -> tuple[URIRef, set[str]]:
    r = client.get(path, params={"limit": "1000"})
    assert r.status_code == 200, r.text
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    (catalog,) = g.subjects(RDF.type, DCAT.Catalog)
    return catalog, {str(d) for d in g.objects(catalog, DCAT.dataset)}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "scope", "name"),
    [
        ("/dcat/ESRF", "facility:ESRF", "ESRF"),
        ("/dcat/esrf", "facility:ESRF", "ESRF"),
        ("/dcat/02550n020", "facility:https://ror.org/02550n020", "ESRF"),
        ("/dcat/https://ror.org/02550n020", "facility:https://ror.org/02550n020", "ESRF"),
        ("/dcat/" + quote("https://ror.org/01wv9cn34", safe=""), "facility:ESS", "ESS"),
        ("/dcat/ess", "facility:ESS", "ESS"),
        (
            "/dcat/" + quote("example synchrotron and neutron facility"),
            "facility:Example Synchrotron and Neutron Facility",
            "Example Synchrotron and Neutron Facility",
        ),
    ],
)
def test_facility_catalogue_holds_exactly_its_datasets(
    client: TestClient, demo_store: EmbeddedStore, path: str, scope: str, name: str
) -> None:
    expected = datasets_in(demo_store, parse_scope(scope), BASE)
    assert expected, f"the demo has datasets of {scope}"
    catalog, found = datasets_of(client, path)
    assert found == expected
    assert str(catalog) == f"{BASE}/dcat/{quote(name, safe='')}"


def test_facility_catalogue_pages_and_names(client: TestClient) -> None:
    r = client.get("/dcat/ess", params={"limit": "4", "page": "2"})
    assert r.status_code == 200
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    catalog = URIRef(f"{BASE}/dcat/ESS")
    view = URIRef("http://testserver/dcat/ESS?page=2&limit=4")
    assert (catalog, HYDRA.view, view) in g
    assert g.value(view, HYDRA.first) == URIRef("http://testserver/dcat/ESS?page=1&limit=4")
    assert "ESS" in str(g.value(catalog, DCTERMS.title))


@pytest.mark.parametrize("name", ["NOPE", "DESY", "0000000000", "https://ror.org/05xyz0000"])
def test_unknown_facility_is_404(client: TestClient, name: str) -> None:
    r = client.get("/dcat/" + quote(name, safe=""))
    assert r.status_code == 404
    body = r.json()
    assert body == {"error": "unknown facility", "detail": body["detail"], "status": 404}


class RecordingStore:
    """The demo store, recording every query the API sends it."""

    def __init__(self, inner: EmbeddedStore) -> None:
        self.inner = inner
        self.queries: list[str] = []

    def query(self, sparql: str, **kwargs: Any) -> Any:
        self.queries.append(sparql)
        return self.inner.query(sparql, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


INJECTIONS = [
    'ESRF" } ; DROP ALL ; SELECT * { ?s ?p ?o',
    'ESRF") || true || ("',
    "ESRF' } DELETE WHERE { ?s ?p ?o } #",
    "<x>",
    "}",
    "{",
    "esrf\\",
    "ESRF\n} ; CLEAR DEFAULT",
    "ESRF\u2028} ; CLEAR DEFAULT",
    "http://x> } ; DROP ALL ; SELECT * { <y",
]


@pytest.mark.parametrize("attempt", INJECTIONS)
def test_injection_in_facility_is_a_404_and_never_alters_a_query(
    demo_store: EmbeddedStore, demo_path: Any, attempt: str
) -> None:
    before = demo_store.count()
    recorder = RecordingStore(demo_store)
    app = create_app(Settings.from_env(store=str(demo_path), base=BASE), store=recorder)  # type: ignore[arg-type]
    with TestClient(app) as c:
        r = c.get("/dcat/" + quote(attempt, safe=""))
    assert r.status_code in (400, 404), r.text
    assert demo_store.count() == before
    if "\n" in attempt:
        # Starlette's path pattern does not match a line break: no route, the app's plain 404
        assert recorder.queries == []
        return
    assert r.json()["status"] == r.status_code
    if attempt.startswith("http://"):
        assert recorder.queries == [], "not a valid IRI: refused before any query"
        return
    (lookup,) = recorder.queries
    assert str(Literal(attempt.lower())) in lookup, "the name is bound as one escaped literal"
    assert "DROP" not in lookup.replace(str(Literal(attempt.lower())), "")
