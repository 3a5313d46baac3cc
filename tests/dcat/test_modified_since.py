"""``modified_since``: a dataset's record changed when the last harvest run replacing a source
graph that holds it ended (PROV of the meta graph; the fixture fixes those times). The expected
sets are worked out here from which graphs hold each dataset, independently of the catalogue's
own query."""

from __future__ import annotations

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from pancommons import vocab
from pancommons.store.embedded import EmbeddedStore
from tests.dcat.conftest import BASE, HARVEST_ENDS


def record_times(store: EmbeddedStore) -> dict[str, str]:
    """Dataset → the latest harvest end of the source graphs that hold it."""
    rows = store.query(
        "SELECT DISTINCT ?d ?g WHERE { GRAPH ?g { ?d a <http://www.w3.org/ns/dcat#Dataset> } }"
    )
    out: dict[str, str] = {}
    prefix = vocab.source_graph("x", BASE)[:-1]
    for r in rows:  # type: ignore[union-attr]
        graph = r["g"].value  # type: ignore[index,union-attr]
        if not graph.startswith(prefix):
            continue
        when = HARVEST_ENDS[graph.removeprefix(prefix)]
        d = r["d"].value  # type: ignore[index,union-attr]
        out[d] = max(out.get(d, ""), when)
    return out


def listed(client: TestClient, since: str) -> tuple[set[str], rdflib.Graph]:
    r = client.get("/dcat", params={"modified_since": since, "limit": "1000"})
    assert r.status_code == 200, r.text
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    catalog = URIRef(f"{BASE}/dcat")
    return {str(d) for d in g.objects(catalog, DCAT.dataset)}, g


@pytest.mark.parametrize(
    ("since", "threshold"),
    [
        ("2024-01-01", "2024-01-01T00:00:00Z"),
        ("2025-03-01", "2025-03-01T00:00:00Z"),
        ("2025-03-02", "2025-03-02T00:00:00Z"),
        ("2025-06-15T10:30:00Z", "2025-06-15T10:30:00Z"),
        ("2025-06-15T12:30:00+02:00", "2025-06-15T10:30:00Z"),
        ("2025-06-15T10:30:01Z", "2025-06-15T10:30:01Z"),
        ("2030-01-01", "2030-01-01T00:00:00Z"),
    ],
)
def test_modified_since_keeps_records_changed_at_or_after(
    client: TestClient, demo_store: EmbeddedStore, since: str, threshold: str
) -> None:
    times = record_times(demo_store)
    expected = {d for d, when in times.items() if when >= threshold}
    found, _ = listed(client, since)
    assert found == expected


def test_filters_something_and_not_everything(
    client: TestClient, demo_store: EmbeddedStore
) -> None:
    times = record_times(demo_store)
    found, _ = listed(client, "2025-03-01")
    assert 0 < len(found) < len(times)


def test_records_carry_the_harvest_time(client: TestClient, demo_store: EmbeddedStore) -> None:
    times = record_times(demo_store)
    _, g = listed(client, "2024-01-01")
    records = set(g.subjects(RDF.type, DCAT.CatalogRecord))
    assert len(records) == len(times)
    for record in records:
        topic = str(g.value(record, FOAF.primaryTopic))
        assert g.value(record, DCTERMS.modified) == Literal(times[topic], datatype=XSD.dateTime)
    catalog = URIRef(f"{BASE}/dcat")
    assert g.value(catalog, DCTERMS.modified) == Literal(
        max(HARVEST_ENDS.values()), datatype=XSD.dateTime
    )


@pytest.mark.parametrize(
    "since",
    [
        "yesterday",
        "2025-02-30",
        "2025-13-01",
        "2025-1-1",
        "2025-01-01T10:00:00",
        "2025-01-01T25:00:00Z",
        "2025-01-01 10:00:00Z",
        '2025-01-01"^^<x> } ; DROP ALL ; #',
        "20250101",
    ],
)
def test_bad_dates_are_400(client: TestClient, since: str) -> None:
    r = client.get("/dcat", params={"modified_since": since})
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "bad parameter" and "modified_since" in body["detail"]
