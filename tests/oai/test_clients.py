"""Real OAI-PMH clients (sickle, EUDAT B2FIND's harvester library, and pyoai) harvest the
provider over a socket; a harvest across graph changes loses and repeats nothing; deletions are
persistent; PaN Commons' own ``oaipmh`` harvester round-trips the provider into a second store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from lxml import etree
from oaipmh import client as oaipmh_client
from oaipmh import metadata as oaipmh_metadata
from oaipmh.client import Client
from oaipmh.metadata import MetadataReader, MetadataRegistry, oai_dc_reader
from sickle import Sickle

from pancommons.harvest.config import parse_source
from pancommons.harvest.runner import harvest
from pancommons.oai import ledger
from pancommons.store.embedded import EmbeddedStore
from tests.oai.conftest import serve

DATASETS = "SELECT DISTINCT ?d WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"
HARVESTERS = Path(__file__).resolve().parents[2] / "harvesters"


def datasets(store: EmbeddedStore) -> set[str]:
    return {r["d"].value for r in store.query(DATASETS)}  # type: ignore[union-attr]


def local(identifier: str) -> str:
    return identifier.split(":", 2)[2]


@pytest.fixture(scope="module")
def expected(demo_dir: Path) -> dict[str, set[str]]:
    """Per set, the datasets the ledger puts in it (and all of them under "")."""
    with EmbeddedStore(demo_dir / "store", read_only=True) as store:
        out: dict[str, set[str]] = {"": datasets(store)}
        for e in ledger.read(store).values():
            for s in e.sets:
                out.setdefault(s, set()).add(e.dataset)
                out.setdefault(s.split(":")[0], set()).add(e.dataset)
    return out


@pytest.mark.parametrize("prefix", ["oai_dc", "oai_datacite"])
def test_sickle_lists_everything_in_every_set(
    demo_url: str, expected: dict[str, set[str]], prefix: str
) -> None:
    sickle = Sickle(demo_url, max_retries=1, timeout=60)
    assert sickle.Identify().repositoryName == "PaN Commons"
    sets = {s.setSpec for s in sickle.ListSets()}
    assert sets == set(expected) - {""}
    records = list(sickle.ListRecords(metadataPrefix=prefix, ignore_deleted=False))
    assert {local(r.header.identifier) for r in records} == expected[""]
    assert len(records) == len(expected[""])
    assert all(r.metadata for r in records)  # sickle read title/identifier fields
    for spec in sorted(sets):
        got = [local(h.identifier) for h in sickle.ListIdentifiers(metadataPrefix=prefix, set=spec)]
        assert len(got) == len(set(got)) and set(got) == expected[spec], spec


class _Evaluator:
    """pyoai 2.5.0 (the newest release) calls ``XPathEvaluator(...).evaluate``, which lxml 5
    removed; calling the evaluator is the same thing. Only the client library is adapted."""

    def __init__(self, *args: object, **kw: object) -> None:
        self.evaluate = etree.XPathEvaluator(*args, **kw)


class _LxmlForPyoai:
    def __getattr__(self, name: str) -> object:
        return _Evaluator if name == "XPathEvaluator" else getattr(etree, name)


def test_pyoai_lists_everything_in_every_set(
    demo_url: str, expected: dict[str, set[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oaipmh_client, "etree", _LxmlForPyoai())
    monkeypatch.setattr(oaipmh_metadata, "etree", _LxmlForPyoai())
    registry = MetadataRegistry()
    registry.registerReader("oai_dc", oai_dc_reader)
    registry.registerReader(
        "oai_datacite",
        MetadataReader(
            fields={
                "identifier": ("textList", "dc4:resource/dc4:identifier/text()"),
                "title": ("textList", "dc4:resource/dc4:titles/dc4:title/text()"),
            },
            namespaces={"dc4": "http://datacite.org/schema/kernel-4"},
        ),
    )
    client = Client(demo_url, registry)
    assert client.identify().repositoryName() == "PaN Commons"
    sets = {spec for spec, _, _ in client.listSets()}
    assert sets == set(expected) - {""}
    for prefix in ("oai_dc", "oai_datacite"):
        records = list(client.listRecords(metadataPrefix=prefix))
        assert {local(h.identifier()) for h, _, _ in records} == expected[""]
        assert all(m is not None and m.getField("identifier") for h, m, _ in records)
    for spec in sorted(sets):
        got = [
            local(h.identifier()) for h in client.listIdentifiers(metadataPrefix="oai_dc", set=spec)
        ]
        assert len(got) == len(set(got)) and set(got) == expected[spec], spec


def test_a_harvest_across_graph_changes_loses_and_repeats_nothing(fresh: Path) -> None:
    store = EmbeddedStore(fresh / "store")
    try:
        order = ledger.select(store)
        gone, changed = order[-1], order[0]
        new = "https://w3id.org/pan-commons/id/dataset/demo-ess/added-mid-harvest"
        with serve(store, fresh, oai_page_size=10) as url:
            sickle = Sickle(url, max_retries=1, timeout=60)
            headers = sickle.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False)
            seen = [next(headers) for _ in range(15)]
            start = seen[0].datestamp
            # meanwhile: one dataset not yet listed leaves its source, one already listed
            # changes, one is added; the ledger catches up (as after a harvest)
            store.update(
                f"DELETE {{ GRAPH ?g {{ <{gone}> ?p ?o }} }} WHERE {{ GRAPH ?g {{ <{gone}> ?p ?o }}"
                ' FILTER(STRSTARTS(STR(?g), "https://w3id.org/pan-commons/graph/source/")) }'
            )
            store.update(
                f"INSERT {{ GRAPH ?g {{ <{changed}> <http://www.w3.org/ns/dcat#keyword> "
                f'"changed" }} }} WHERE {{ GRAPH ?g {{ <{changed}> a '
                "<http://www.w3.org/ns/dcat#Dataset> } }"
            )
            store.update(
                "INSERT DATA { GRAPH <https://w3id.org/pan-commons/graph/source/demo-ess> { "
                f'<{new}> a <http://www.w3.org/ns/dcat#Dataset> ; <http://purl.org/dc/terms/title> "new" }} }}'
            )
            report = ledger.sync(store, at="2999-01-01T00:00:00Z")
            assert (report.added, report.changed, report.deleted) == (1, 1, 1)
            seen += list(headers)
            ids = [local(h.identifier) for h in seen]
            assert ids == order  # the list as it was when the harvest began: no loss, no repeat
            assert [h.deleted for h in seen] == [d == gone for d in ids]
            # the next incremental harvest (from the first one's start) gets the three changes
            later = Sickle(url).ListIdentifiers(
                metadataPrefix="oai_dc", ignore_deleted=False, **{"from": "2999-01-01T00:00:00Z"}
            )
            assert {local(h.identifier): h.deleted for h in later} == {
                gone: True,
                changed: False,
                new: False,
            }
            assert start < "2999"
    finally:
        store.close()


def test_a_dataset_that_leaves_its_source_is_a_persistent_deleted_record(fresh: Path) -> None:
    snapshot = fresh / "demo-ess"
    shutil.copytree(HARVESTERS / "snapshots" / "demo-ess", snapshot)
    records = json.loads((snapshot / "Datasets.json").read_text())
    dropped = records.pop(0)
    (snapshot / "Datasets.json").write_text(json.dumps(records))
    config = parse_source(
        {
            "name": "demo-ess",
            "kind": "files",
            "format": "panosc",
            "url": str(snapshot),
            "facility": {"name": "ESS", "ror": "https://ror.org/01wv9cn34"},
        }
    )
    store = EmbeddedStore(fresh / "store")
    try:
        before = datasets(store)
        harvest(store, config, state_dir=str(fresh / "state"))
        lost = before - datasets(store)
        assert lost == {f"https://hdl.handle.net/{dropped['pid']}"}
        entries = ledger.read(store)
        assert all(entries[d].deleted for d in lost)
        assert all("source:demo-ess" in entries[d].sets for d in lost)
        with serve(store, fresh) as url:
            sickle = Sickle(url)
            for d in lost:
                rec = sickle.GetRecord(identifier=f"oai:w3id.org:{d}", metadataPrefix="oai_dc")
                assert rec.header.deleted
                assert rec.xml.find("{http://www.openarchives.org/OAI/2.0/}metadata") is None
            in_set = {
                local(h.identifier): h.deleted
                for h in sickle.ListIdentifiers(
                    metadataPrefix="oai_dc", set="source:demo-ess", ignore_deleted=False
                )
            }
            assert all(in_set[d] for d in lost)
        # and persistent: another sync, with no change, keeps them deleted
        ledger.sync(store)
        assert all(ledger.read(store)[d].deleted for d in lost)
    finally:
        store.close()


@pytest.mark.parametrize("prefix", ["oai_dc", "oai_datacite"])
def test_our_oaipmh_harvester_round_trips_the_provider(
    demo_url: str, expected: dict[str, set[str]], tmp_path: Path, prefix: str
) -> None:
    config = parse_source(
        {
            "name": "pan-commons-oai",
            "kind": "oaipmh",
            "url": demo_url,
            "metadata_prefix": prefix,
            "rate_limit": 0,
        }
    )
    with EmbeddedStore(tmp_path / "second") as second:
        run = harvest(second, config, state_dir=str(tmp_path / "state"))
        got = datasets(second)
    if prefix == "oai_dc":
        assert got == expected[""]
        assert run.quarantined == 0
    else:  # the DataCite mapping takes DOIs only: the others are quarantined, by name
        dois = {d for d in expected[""] if d.startswith("https://doi.org/")}
        assert dois and dois <= got
        assert run.quarantined == len(expected[""]) - len(got)
