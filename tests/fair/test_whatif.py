"""What-if assessment and the /fair API: a submitted record is scored without being stored,
diffed against the stored record; the CLI prints exactly what the API returns."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import fastjsonschema
import pytest
from fastapi.testclient import TestClient

from pancommons.fair.whatif import SCHEMA

DATA = Path(__file__).resolve().parents[1] / "data"
RECORD = DATA / "esrf-es-2210534378.datacite-kernel4.xml"
DOI = "https://doi.org/10.15151/esrf-es-2210534378"
EXE = str(Path(sys.executable).with_name("pancommons"))
validate = fastjsonschema.compile(json.loads(SCHEMA.read_text()))


def test_submitted_record_is_scored_and_diffed(demo: tuple[TestClient, Path]) -> None:
    client, _ = demo
    r = client.post(
        "/fair/assess", content=RECORD.read_bytes(), headers={"content-type": "application/xml"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    validate(body)
    assert body["dataset"] == DOI
    outcomes = {t["test"].rsplit("/", 1)[-1]: t["outcome"] for t in body["tests"]}
    assert outcomes["R1.1-license-present"] == "passed"
    assert outcomes["A1-landing-page-resolves"] == "untested"
    assert all("remediation" in t for t in body["tests"] if t["outcome"] == "failed")
    assert "diff" in body and 0 <= body["diff"]["stored_score"] <= 1

    without_licence = (
        RECORD.read_text().split("<rightsList>")[0] + RECORD.read_text().split("</rightsList>")[1]
    )
    r2 = client.post(
        "/fair/assess",
        content=without_licence.encode(),
        headers={"content-type": "application/xml"},
    )
    assert r2.status_code == 200, r2.text
    newly_failed = {t.rsplit("/", 1)[-1] for t in r2.json()["diff"]["newly_failed"]}
    assert {"R1.1-license-present", "I2-license-spdx"} <= newly_failed
    assert r2.json()["score"] < body["score"]


def test_nothing_is_stored(demo: tuple[TestClient, Path]) -> None:
    client, _ = demo
    before = client.get("/health").json()["graphs"]
    client.post(
        "/fair/assess", content=RECORD.read_bytes(), headers={"content-type": "application/xml"}
    )
    assert client.get("/health").json()["graphs"] == before


@pytest.mark.parametrize(
    ("body", "ctype"),
    [
        (b"<resource><oops", "application/xml"),
        (
            b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><resource>&x;</resource>',
            "application/xml",
        ),
        (b'{"data": 3}', "application/json"),
        (b"@prefix : <x> . :a :b", "text/turtle"),
        (b"", "text/turtle"),
    ],
)
def test_bad_submissions_are_400_with_the_parser_message(
    demo: tuple[TestClient, Path], body: bytes, ctype: str
) -> None:
    client, _ = demo
    r = client.post("/fair/assess", content=body, headers={"content-type": ctype})
    assert r.status_code == 400, r.text
    assert r.json()["status"] == 400 and r.json()["detail"]
    assert "passwd" not in r.text or "root:" not in r.text


def test_cli_prints_exactly_what_the_api_returns(demo: tuple[TestClient, Path]) -> None:
    client, store = demo
    api = client.post(
        "/fair/assess", content=RECORD.read_bytes(), headers={"content-type": "application/xml"}
    ).json()
    out = subprocess.run(
        [EXE, "--store", str(store), "assess", "--file", str(RECORD), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == api
    bad = subprocess.run(
        [EXE, "--store", str(store), "assess", "--file", str(DATA / "fair-test-shapes.ttl")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 5 and "datasets" in bad.stderr


def test_metrics_and_dataset_endpoints(demo: tuple[TestClient, Path]) -> None:
    client, _ = demo
    metrics = client.get("/fair/metrics").json()
    assert metrics["metric_set"] == "1.0" and len(metrics["tests"]) >= 40
    assert all(t["mapsTo"] and t["remediation"] for t in metrics["tests"])
    r = client.get("/fair/dataset", params={"iri": DOI})
    assert r.status_code == 200
    validate(r.json())
    assert (
        client.get("/fair/dataset", params={"iri": "https://doi.org/10.1/none"}).status_code == 404
    )
    assert client.get("/fair/dataset", params={"iri": "not an iri"}).status_code == 400
    assert client.get("/fair/dataset").status_code == 400
