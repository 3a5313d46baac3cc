"""Fuzzing the harvest record parsers with mutated real records (tests/fuzz/record_inputs.py).

Each target starts from the real records of one kind (the demo snapshots, the PaNOSC federated
search's answers, the Search API documentation's examples, records read from the demo NeXus
files, the ESRF OAI-PMH records) and mutates them: fields dropped or given values of the wrong
type, strings with control characters, lone surrogates, N-Triples syntax or broken IRIs, huge
and non-finite numbers, deep nesting, impossible dates, unit strings that make pint compute
forever. Every record goes through ``validate`` and the source's ``map`` as the runner calls
them; the property is ``record_inputs.check_record``.
"""

from __future__ import annotations

import base64
import json
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pancommons.demo.nexus_files import write_demo_files
from pancommons.harvest.sources.nexus import read_file
from tests.fuzz.budget import counted, fuzz_settings
from tests.fuzz.record_inputs import (
    ANY_TEXT,
    BIG_JSON_VALUES,
    DATA,
    JSON_VALUES,
    NASTY,
    Seeds,
    check_record,
    contexts,
    mutated_or_random,
    panosc_seeds,
    pick,
    snapshot,
    source,
)

PANOSC = source("panosc")
SCICAT = source("scicat")
ICAT = source("icat")
DATACITE = source("datacite", client_id="inist.esrf")
NEXUS = source("nexus", url="/srv/nexus")
OAI = source("oaipmh")


@cache
def nexus_seeds() -> Seeds:
    """The records the nexus source reads from the demo NeXus files."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        records: list[dict[str, Any]] = []
        for path in write_demo_files(folder):
            rel = path.relative_to(folder).as_posix()
            records += read_file(path, rel)
    records.append(dict(records[0], download_url="https://data.example.org/files/a.nxs"))
    records.append({"file": "broken.nxs", "size": 12, "error": "cannot read as NeXus/HDF5: x"})
    return Seeds("NeXus entries", records)


# --- PaNOSC Search API ----------------------------------------------------------------------------


PANOSC_RECORDS = {c: mutated_or_random(panosc_seeds(c)) for c in PANOSC.collections}
PANOSC_CTX = st.sampled_from(contexts(PANOSC))


@pytest.mark.parametrize("collection", PANOSC.collections)
@fuzz_settings(ci=150, large=4000)
@given(data=st.data())
def test_panosc_records(collection: str, data: st.DataObject) -> None:
    counted(f"records/panosc-{collection}")
    record = data.draw(PANOSC_RECORDS[collection], label="record")
    ctx = data.draw(PANOSC_CTX, label="ctx")
    check_record(PANOSC, ctx, collection, record)


# --- SciCat ---------------------------------------------------------------------------------------

SCICAT_RECORDS = {c: mutated_or_random(snapshot("demo-scicat", c)) for c in SCICAT.collections}
SCICAT_CTX = st.sampled_from(contexts(SCICAT))


@pytest.mark.parametrize("collection", SCICAT.collections)
@fuzz_settings(ci=100, large=2500)
@given(data=st.data())
def test_scicat_records(collection: str, data: st.DataObject) -> None:
    counted(f"records/scicat-{collection}")
    record = data.draw(SCICAT_RECORDS[collection], label="record")
    ctx = data.draw(SCICAT_CTX, label="ctx")
    check_record(SCICAT, ctx, collection, record)


# --- ICAT -----------------------------------------------------------------------------------------


ICAT_RECORDS = {c: mutated_or_random(snapshot("demo-icat", c)) for c in ICAT.collections}
ICAT_CTX = st.sampled_from(contexts(ICAT))


@pytest.mark.parametrize("collection", ICAT.collections)
@fuzz_settings(ci=100, large=2500)
@given(data=st.data())
def test_icat_records(collection: str, data: st.DataObject) -> None:
    counted(f"records/icat-{collection}")
    record = data.draw(ICAT_RECORDS[collection], label="record")
    ctx = data.draw(ICAT_CTX, label="ctx")
    check_record(ICAT, ctx, collection, record)


# --- DataCite REST API ----------------------------------------------------------------------------


KERNEL4 = pick(
    Seeds(
        "kernel-4 XML",
        [
            (DATA / "esrf-dc-2493599001.datacite-kernel4.xml").read_bytes(),
            (DATA / "datacite-example-full-v4.xml").read_bytes(),
        ],
    )
)


@st.composite
def registered_xml(draw: st.DrawFn) -> str:
    """The base64 ``xml`` attribute: of a real kernel-4 record (maybe cut or mutated), of random
    bytes, or no base64 at all."""
    xml = draw(KERNEL4)
    how = draw(st.sampled_from(["cut", "identifier", "bytes", "not-base64"]))
    if how == "cut":
        xml = xml[: draw(st.integers(0, len(xml)))]
    elif how == "identifier":
        new = draw(NASTY | ANY_TEXT).encode("utf-8", "surrogatepass")
        xml = xml.replace(b"</identifier>", new + b"</identifier>", 1)
    elif how == "bytes":
        xml = draw(st.binary(max_size=200))
    else:
        return draw(st.text(max_size=40))
    return base64.b64encode(xml).decode("ascii")


DATACITE_RECORDS = mutated_or_random(snapshot("demo-datacite", "dois"))
DATACITE_XML = st.none() | registered_xml()
DATACITE_CTX = st.sampled_from(contexts(DATACITE))


@fuzz_settings(ci=200, large=5000)
@given(data=st.data())
def test_datacite_json_records(data: st.DataObject) -> None:
    counted("records/datacite-dois")
    record = data.draw(DATACITE_RECORDS, label="record")
    attrs = record.get("attributes") if isinstance(record, dict) else None
    xml = data.draw(DATACITE_XML, label="xml")
    if isinstance(attrs, dict) and xml is not None:
        attrs["xml"] = xml
    ctx = data.draw(DATACITE_CTX, label="ctx")
    check_record(DATACITE, ctx, "dois", record)


# --- NeXus entries (as the nexus source reads them) -----------------------------------------------


@fuzz_settings(ci=150, large=4000)
@given(record=mutated_or_random(nexus_seeds()), ctx=st.sampled_from(contexts(NEXUS)))
def test_nexus_records(record: Any, ctx: Any) -> None:
    counted("records/nexus-entries")
    check_record(NEXUS, ctx, "entries", record)


# --- OAI-PMH records (header fields and the metadata element as XML text) -------------------------


@fuzz_settings(ci=150, large=4000)
@given(
    record=mutated_or_random(snapshot("demo-oai", "records")), ctx=st.sampled_from(contexts(OAI))
)
def test_oai_records(record: Any, ctx: Any) -> None:
    counted("records/oaipmh-records")
    check_record(OAI, ctx, "records", record)


# --- any JSON value as a record of any kind -------------------------------------------------------

KINDS = [(src, c) for src in (PANOSC, SCICAT, ICAT, DATACITE, NEXUS, OAI) for c in src.collections]


@fuzz_settings(ci=300, large=8000)
@given(
    kind=st.sampled_from(KINDS),
    record=BIG_JSON_VALUES | st.dictionaries(st.text(), JSON_VALUES),
    wrap=st.booleans(),
)
def test_any_json_value_as_a_record(kind: tuple[Any, str], record: Any, wrap: bool) -> None:
    """Random JSON where a record is expected; ICAT records are ``{entity: {...}}``."""
    counted("records/any-json")
    src, collection = kind
    if wrap and src is ICAT:
        record = {collection: record}
    check_record(src, contexts(src)[0], collection, json.loads(json.dumps(record)))


def test_every_seed_record_maps() -> None:
    """The seeds are real records that map (so that mutations start from the mapped path)."""
    for src, collection in KINDS:
        if src is NEXUS:
            seeds: list[Any] = nexus_seeds()[:-1]
        elif src is PANOSC:
            seeds = panosc_seeds(collection)
        else:
            folder = {
                "scicat": "demo-scicat",
                "icat": "demo-icat",
                "datacite": "demo-datacite",
                "oaipmh": "demo-oai",
            }[src.kind]
            seeds = snapshot(folder, collection)
        assert seeds, (src.kind, collection)
        for record in seeds:
            assert check_record(src, contexts(src)[0], collection, record) is not None, record
