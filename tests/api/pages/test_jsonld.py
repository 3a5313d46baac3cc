"""The schema.org JSON-LD of landing pages, extracted from the HTML with extruct (as a crawler
would) and validated with pyshacl against the Science-on-Schema.org and Google-required shapes
(``tests/data/schema-org/``)."""

from __future__ import annotations

import rdflib
from fastapi.testclient import TestClient

from pancommons import vocab
from pancommons.store.embedded import EmbeddedStore
from tests.api.pages.helpers import (
    BASE,
    ESRF_DOI,
    HTML,
    SAXS,
    as_graph,
    jsonld,
    violations,
)


def test_json_ld_of_a_complete_record_conforms_to_soso_and_google_shapes(
    client: TestClient, shapes: rdflib.Graph
) -> None:
    r = client.get("/describe", params={"iri": ESRF_DOI}, headers=HTML)
    (data,) = jsonld(r.text, str(r.url))
    assert data["@type"] == "Dataset" and data["@id"] == ESRF_DOI
    assert data["url"] == str(r.url)
    for key in ("name", "description", "identifier", "keywords", "version", "creator", "license"):
        assert data.get(key), key
    assert data["identifier"]["value"] == "doi:10.15151/ESRF-DC-2493599001"  # type: ignore[index]
    assert violations(as_graph(data), shapes) == []


def test_json_ld_carries_technique_variables_distribution_and_catalog(client: TestClient) -> None:
    r = client.get(SAXS.removeprefix(BASE), headers=HTML)
    (data,) = jsonld(r.text, str(r.url))
    (technique,) = data["measurementTechnique"]  # type: ignore[misc]
    assert technique["@id"] == vocab.PANET + "PaNET01188"
    assert technique["name"] == "small angle x-ray scattering"
    assert technique["@type"] == "DefinedTerm"
    variables = data["variableMeasured"]
    assert variables and all(v["@type"] == "PropertyValue" and v["name"] for v in variables)  # type: ignore[union-attr]
    assert {d["@type"] for d in data["distribution"]} == {"DataDownload"}  # type: ignore[union-attr]
    catalog = data["includedInDataCatalog"]
    assert catalog["@type"] == "DataCatalog" and "demo-nexus" in catalog["name"]  # type: ignore[index]
    assert all(c["@type"] in ("Person", "Organization") for c in data["creator"])  # type: ignore[union-attr]


def test_json_ld_of_every_dataset_fails_shapes_only_where_the_graph_lacks_the_metadata(
    client: TestClient, store: EmbeddedStore, shapes: rdflib.Graph
) -> None:
    """Structure always conforms; a violation is a missing required value, and only for a
    dataset whose graph really has none (nothing is made up to please a crawler)."""
    rows = store.query(f"SELECT DISTINCT ?d WHERE {{ ?d a <{vocab.DCAT}Dataset> }} ORDER BY ?d")
    datasets = [r["d"].value for r in rows]  # type: ignore[union-attr,index]
    assert len(datasets) > 50
    missing = {"description": 0, "keywords": 0, "version": 0}
    for iri in datasets:
        r = client.get("/describe", params={"iri": iri}, headers=HTML)
        (data,) = jsonld(r.text, str(r.url))
        for path, component, focus in violations(as_graph(data), shapes):
            assert focus == iri
            assert path in missing, (iri, path, component)
            assert component in ("MinCountConstraintComponent", "MinLengthConstraintComponent")
            missing[path] += 1
            prop = {
                "description": f"<{vocab.DCT}description>",
                "keywords": f"<{vocab.DCAT}keyword>",
                "version": f"<{vocab.DCAT}version>",
            }[path]
            longest = store.query(
                f"SELECT (MAX(STRLEN(STR(?v))) AS ?n) WHERE {{ <{iri}> {prop} ?v }}"
            )
            n = next(iter(longest))["n"]  # type: ignore[call-overload]
            assert n is None or (path == "description" and int(n.value) < 50), (iri, path)
    assert all(missing.values())  # the demo has such gaps; each one was checked above
