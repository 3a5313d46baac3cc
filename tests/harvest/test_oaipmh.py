"""The oaipmh kind against a real OAI-PMH repository on 127.0.0.1 (tests/harvest/oai_repository.py):
resumption tokens, selective harvesting, deleted records, OAI errors, retries, XSD quarantine,
hostile XML; and the oai_dc and oai_datacite mappings, read back as RDF."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, XSD

from pancommons import vocab
from pancommons.harvest.config import SourceConfig, parse_source
from pancommons.harvest.http import HttpClient, RetryPolicy
from pancommons.harvest.mapping.common import Context, MappingError
from pancommons.harvest.mapping.oai import UnsafeXml, map_record
from pancommons.harvest.prov import RunRecord, last_runs
from pancommons.harvest.runner import HarvestError, harvest
from pancommons.harvest.sources.oaipmh import OaipmhSource, oai_datestamp
from pancommons.store.embedded import EmbeddedStore
from tests.harvest.golden import SNAPSHOTS
from tests.harvest.oai_repository import (
    DAY,
    OaiFault,
    OaiRecord,
    RepoState,
    dc_metadata,
    from_snapshot,
    oai_repository,
)
from tests.harvest.test_runner import triples as graph_triples

NAME = "test-oai"
GRAPH = vocab.source_graph(NAME)
MINT = f"{vocab.DEFAULT_BASE}/id"
SPDX = Namespace("https://spdx.org/licenses/")


def dc_records() -> list[OaiRecord]:
    full = dc_metadata(
        title="Powder diffraction of LaB6",
        creator=["Doe, Jane", "Roe, Rick"],
        description="Calibration data.",
        publisher="Test Facility",
        date="2024-03-01",
        type="Dataset",
        subject=["neutron", "diffraction"],
        rights="CC-BY-4.0",
        relation="info:eu-repo/semantics/altIdentifier/doi/10.5555/PAPER-1",
        identifier=["10.5555/DS-1", "https://data.test.org/ds/1"],
    )
    records = [
        OaiRecord("oai:test.org:10.5555/DS-1", "2024-03-01T10:00:00Z", {"oai_dc": full}, ["raw"]),
        OaiRecord(
            "oai:test.org:ds-2",
            "2024-03-02T10:00:00Z",
            {
                "oai_dc": dc_metadata(
                    title="Handle dataset",
                    identifier="hdl:20.500.12345/ds-2",
                    rights="info:eu-repo/semantics/openAccess",
                    date="2023",
                )
            },
            ["raw"],
        ),
        OaiRecord(
            "oai:test.org:ds-3", "2024-03-03T10:00:00Z", {"oai_dc": dc_metadata(title="No PID")}
        ),
        OaiRecord("oai:test.org:10.5555/GONE", "2024-03-04T10:00:00Z", deleted=True),
        OaiRecord(
            "oai:test.org:bad-4",
            "2024-03-05T10:00:00Z",
            {"oai_dc": dc_metadata(title="ok", titel="not a DC element")},
        ),
    ]
    for i in range(5, 9):
        meta = dc_metadata(title=f"Dataset {i}", identifier=f"doi:10.5555/ds-{i}")
        records.append(
            OaiRecord(f"oai:test.org:10.5555/ds-{i}", f"2024-04-0{i}T00:00:00Z", {"oai_dc": meta})
        )
    return records


LIVE = 8  # records that are not deleted (one of them breaks the XSD)


@pytest.fixture
def repo() -> Iterator[tuple[str, RepoState]]:
    state = RepoState(dc_records(), page_size=3)
    with oai_repository(state) as url:
        yield url, state


def config(url: str, **extra: Any) -> SourceConfig:
    data: dict[str, Any] = {
        "name": NAME,
        "kind": "oaipmh",
        "url": url,
        "metadata_prefix": "oai_dc",
        "retries": 2,
        "timeout": 5,
    }
    data.update(extra)
    return parse_source(data)


def run(
    store: EmbeddedStore,
    cfg: SourceConfig,
    tmp_path: Path,
    sleeps: list[float] | None = None,
    **kw: Any,
) -> RunRecord:
    waits = sleeps if sleeps is not None else []
    http = HttpClient(timeout=5, policy=RetryPolicy(retries=2, backoff=0.01), sleep=waits.append)
    return harvest(
        store, cfg, state_dir=str(tmp_path / "state"), source=OaipmhSource(cfg, http), **kw
    )


def triples(store: EmbeddedStore, graph: str = GRAPH) -> set[str]:
    return graph_triples(store, graph)


def subjects(store: EmbeddedStore, graph: str = GRAPH) -> set[str]:
    return {t.split(" ", 1)[0] for t in triples(store, graph)}


def list_requests(state: RepoState) -> list[dict[str, str]]:
    return [r for r in state.requests if r.get("verb") == "ListRecords"]


# --- paging, selection, deletion ------------------------------------------------------------------


def test_harvest_follows_resumption_tokens(repo, tmp_path: Path) -> None:
    url, state = repo
    with EmbeddedStore(tmp_path / "s") as store:
        result = run(store, config(url), tmp_path)
        got = subjects(store)
    assert result.status == "completed" and result.mode == "replace"
    requests = list_requests(state)
    assert len(requests) == 3, "9 records, 3 per page"
    assert requests[0] == {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    assert all(set(r) == {"verb", "resumptionToken"} for r in requests[1:])
    assert result.seen == LIVE and result.mapped == LIVE - 1 and result.quarantined == 1
    assert "<https://doi.org/10.5555/ds-1>" in got
    assert "<https://hdl.handle.net/20.500.12345/ds-2>" in got
    assert f"<{MINT}/dataset/{NAME}/oai%3Atest.org%3Ads-3>" in got
    assert {f"<https://doi.org/10.5555/ds-{i}>" for i in range(5, 9)} <= got
    assert "<https://doi.org/10.5555/gone>" not in got, "a deleted record is not harvested"


def test_record_breaking_the_xsd_is_quarantined_with_the_schema_message(
    repo, tmp_path: Path
) -> None:
    url, _ = repo
    with EmbeddedStore(tmp_path / "s") as store:
        result = run(store, config(url), tmp_path)
        titles = {t for t in triples(store) if str(DCTERMS.title) in t}
    [entry] = result.quarantine
    assert entry["id"] == "oai:test.org:bad-4"
    assert "oai_dc.xsd" in entry["reason"] and "titel" in entry["reason"]
    assert not any('"ok"' in t for t in titles) and len(titles) == LIVE - 1


def test_set_and_until_select_records(repo, tmp_path: Path) -> None:
    url, state = repo
    cfg = config(url, set="raw", options={"until": "2024-03-01"})
    with EmbeddedStore(tmp_path / "s") as store:
        result = run(store, cfg, tmp_path)
        got = subjects(store)
    first = list_requests(state)[0]
    assert first["set"] == "raw" and first["until"] == "2024-03-01T23:59:59Z"
    assert result.seen == 1 and "<https://doi.org/10.5555/ds-1>" in got


def test_incremental_run_removes_a_newly_deleted_record(repo, tmp_path: Path) -> None:
    url, state = repo
    with EmbeddedStore(tmp_path / "s") as store:
        run(store, config(url), tmp_path)
        before = triples(store)
        gone = next(r for r in state.records if r.identifier.endswith("ds-5"))
        gone.deleted, gone.datestamp, gone.metadata = True, "2025-02-01T08:00:00Z", {}
        changed = state.records[0]
        changed.datestamp = "2025-02-02T00:00:00Z"
        changed.metadata["oai_dc"] = changed.metadata["oai_dc"].replace("LaB6", "CeO2")
        result = run(store, config(url), tmp_path, since="2025-01-15")
        after = triples(store)
    assert result.mode == "merge" and result.seen == 2 and result.quarantined == 0
    assert any(r.get("verb") == "Identify" for r in state.requests), "granularity asked"
    assert list_requests(state)[-1]["from"] == "2025-01-15T00:00:00Z"
    ds5 = "<https://doi.org/10.5555/ds-5>"
    assert any(t.startswith(ds5) for t in before)
    assert not any(t.startswith(ds5) for t in after), "the deleted dataset is removed"
    assert any("CeO2" in t for t in after) and not any("LaB6" in t for t in after)
    untouched = {t for t in before if not t.startswith((ds5, "<https://doi.org/10.5555/ds-1>"))}
    assert untouched <= after


def test_day_granularity_sends_days(repo, tmp_path: Path) -> None:
    url, state = repo
    state.granularity = DAY
    with EmbeddedStore(tmp_path / "s") as store:
        result = run(store, config(url), tmp_path, since="2024-04-06T12:30:00+02:00")
    assert list_requests(state)[0]["from"] == "2024-04-06"
    assert result.seen == 3, "ds-6, ds-7, ds-8 (datestamps compared by day)"


def test_no_records_match_is_an_empty_completed_run(repo, tmp_path: Path) -> None:
    url, _ = repo
    with EmbeddedStore(tmp_path / "s") as store:
        result = run(store, config(url, set="nothing-here"), tmp_path)
        assert store.count(GRAPH) == 0
    assert result.status == "completed" and result.seen == 0


def test_no_records_match_in_an_incremental_run_changes_nothing(repo, tmp_path: Path) -> None:
    url, _ = repo
    with EmbeddedStore(tmp_path / "s") as store:
        run(store, config(url), tmp_path)
        before = triples(store)
        result = run(store, config(url), tmp_path, since="2030-01-01")
        assert triples(store) == before
    assert result.status == "completed" and result.seen == 0


# --- resuming, errors, retries --------------------------------------------------------------------


def test_resume_goes_on_with_the_stored_token(repo, tmp_path: Path) -> None:
    url, state = repo
    with EmbeddedStore(tmp_path / "ref") as store:
        run(store, config(url), tmp_path / "ref")
        expected = triples(store)
    state.requests.clear()
    state.faults.append(OaiFault("500", page=2, times=100))
    with EmbeddedStore(tmp_path / "s") as store:
        with pytest.raises(HarvestError, match="after 2 pages"):
            run(store, config(url), tmp_path)
        state.faults.clear()
        before = len(state.requests)
        result = run(store, config(url), tmp_path, resume=True)
        resumed = state.requests[before:]
        got = triples(store)
    assert result.status == "completed" and result.resumed
    assert resumed == [{"verb": "ListRecords", "resumptionToken": resumed[0]["resumptionToken"]}]
    assert got == expected and result.seen == LIVE


def test_expired_token_on_resume_asks_for_a_fresh_run(repo, tmp_path: Path) -> None:
    url, state = repo
    state.faults.append(OaiFault("500", page=1, times=100))
    with EmbeddedStore(tmp_path / "s") as store:
        with pytest.raises(HarvestError):
            run(store, config(url), tmp_path)
        state.faults.clear()
        state.expire_tokens()
        with pytest.raises(HarvestError, match="fresh harvest") as err:
            run(store, config(url), tmp_path, resume=True)
        assert "without --resume" in str(err.value)
        assert last_runs(store, vocab.DEFAULT_BASE, NAME)[0]["status"] == "failed"
        assert run(store, config(url), tmp_path).status == "completed"


def test_other_oai_errors_name_code_and_message(repo, tmp_path: Path) -> None:
    url, _ = repo
    cfg = config(url, options={"until": "2020-01-01"})  # from > until
    with EmbeddedStore(tmp_path / "s") as store, pytest.raises(HarvestError) as err:
        run(store, cfg, tmp_path, since="2024-01-01")
    assert "OAI-PMH error badArgument" in str(err.value) and "reversed" in str(err.value)


def test_503_with_retry_after_is_retried(repo, tmp_path: Path) -> None:
    url, state = repo
    state.faults.append(OaiFault("503", page=1, retry_after="2"))
    sleeps: list[float] = []
    with EmbeddedStore(tmp_path / "s") as store:
        result = run(store, config(url), tmp_path, sleeps=sleeps)
    assert result.status == "completed" and result.seen == LIVE
    assert state.faults[0].hits == 1 and sleeps == [2.0]


def test_answer_cut_short_is_retried(repo, tmp_path: Path) -> None:
    url, state = repo
    state.faults.append(OaiFault("cut", page=0))
    sleeps: list[float] = []
    with EmbeddedStore(tmp_path / "s") as store:
        result = run(store, config(url), tmp_path, sleeps=sleeps)
    assert result.status == "completed" and result.seen == LIVE and len(sleeps) == 1


@pytest.mark.parametrize("attack", ["laughs", "xxe"])
def test_hostile_xml_is_refused_and_reads_no_file(repo, tmp_path: Path, attack: str) -> None:
    url, state = repo
    state.faults.append(OaiFault(attack, page=0, times=100))
    with EmbeddedStore(tmp_path / "s") as store:
        with pytest.raises(HarvestError, match="declares XML entities") as err:
            run(store, config(url), tmp_path)
        assert store.count(GRAPH) == 0
        runs = last_runs(store, vocab.DEFAULT_BASE, NAME)
        dump = "\n".join(str(q) for q in store.query("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"))
    assert state.faults[0].hits == 1, "refused at once, not retried"
    assert runs[0]["status"] == "failed" and "entities" in runs[0]["error"]
    leaked = [str(err.value), runs[0]["error"], dump]
    leaked += [
        p.read_text(errors="replace") for p in (tmp_path / "state").rglob("*") if p.is_file()
    ]
    assert not any("root:" in text for text in leaked)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE oai_dc:dc [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE oai_dc:dc [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>',
        '<!DOCTYPE oai_dc:dc SYSTEM "file:///etc/passwd">',
    ],
)
def test_stored_record_with_a_doctype_is_quarantined(doctype: str) -> None:
    meta = doctype + dc_metadata(title="x").replace(
        ">x<", ">&x;<" if "x SYSTEM" in doctype else ">x<"
    )
    record = {"identifier": "oai:x:1", "deleted": False, "metadata": meta}
    with pytest.raises(UnsafeXml) as err:
        map_record(Context("t"), "records", record)
    assert "root:" not in str(err.value)


# --- the oai_dc mapping ---------------------------------------------------------------------------


def graph_of(record: dict[str, Any], ctx: Context) -> Graph:
    t = map_record(ctx, "records", record)
    return Graph().parse(data="".join(t.lines), format="nt")


def test_oai_dc_mapping() -> None:
    meta = dc_records()[0].metadata["oai_dc"]
    ctx = Context("t", facility_name="ILL", facility_ror="https://ror.org/01xtjs520")
    g = graph_of({"identifier": "oai:test.org:x", "deleted": False, "metadata": meta}, ctx)
    ds = URIRef("https://doi.org/10.5555/ds-1")
    assert (ds, RDF.type, DCAT.Dataset) in g
    assert (ds, DCTERMS.identifier, Literal("10.5555/DS-1")) in g
    assert (ds, DCTERMS.title, Literal("Powder diffraction of LaB6")) in g
    assert (ds, DCTERMS.description, Literal("Calibration data.")) in g
    assert (ds, DCTERMS.issued, Literal("2024-03-01", datatype=XSD.date)) in g
    assert (ds, DCTERMS.type, Literal("Dataset")) in g
    assert set(g.objects(ds, DCAT.keyword)) == {Literal("neutron"), Literal("diffraction")}
    assert (ds, DCTERMS.license, SPDX["CC-BY-4.0"]) in g
    assert (ds, DCTERMS.relation, URIRef("https://doi.org/10.5555/paper-1")) in g
    assert (ds, DCAT.landingPage, URIRef("https://data.test.org/ds/1")) in g
    assert (ds, DCTERMS.publisher, URIRef("https://ror.org/01xtjs520")) in g
    creators = {str(g.value(c, FOAF.name)) for c in g.objects(ds, DCTERMS.creator)}
    assert creators == {"Doe, Jane", "Roe, Rick"}
    jane = URIRef(f"{MINT}/person/t/Doe%2C%20Jane")
    assert (ds, DCTERMS.creator, jane) in g and (jane, RDF.type, FOAF.Person) in g


def test_oai_dc_without_facility_names_the_publisher_and_reads_access() -> None:
    meta = dc_metadata(
        title="T",
        publisher="Some Lab",
        identifier=["2024/001", "hdl:20.500.12345/ds-2"],
        rights=["info:eu-repo/semantics/openAccess", "Use freely"],
        date=["info:eu-repo/date/embargoEnd/2025-06-30", "2023"],
    )
    g = graph_of(
        {"identifier": "oai:test.org:ds-2", "deleted": False, "metadata": meta}, Context("t")
    )
    ds = URIRef("https://hdl.handle.net/20.500.12345/ds-2")
    org = g.value(ds, DCTERMS.publisher)
    assert (org, FOAF.name, Literal("Some Lab")) in g and (org, RDF.type, FOAF.Organization) in g
    assert (ds, DCTERMS.identifier, Literal("hdl:20.500.12345/ds-2")) in g
    access = URIRef("http://publications.europa.eu/resource/authority/access-right/PUBLIC")
    assert (ds, DCTERMS.accessRights, access) in g
    assert (ds, DCTERMS.rights, Literal("Use freely")) in g
    assert (ds, DCTERMS.available, Literal("2025-06-30", datatype=XSD.date)) in g
    assert (ds, DCTERMS.issued, Literal("2023", datatype=XSD.gYear)) in g


def test_oai_dc_date_that_is_no_date_is_quarantined() -> None:
    meta = dc_metadata(title="T", date="last spring")
    with pytest.raises(MappingError, match="ISO 8601"):
        map_record(
            Context("t"), "records", {"identifier": "oai:x:1", "deleted": False, "metadata": meta}
        )


def test_deleted_record_owns_its_node_and_says_nothing() -> None:
    t = map_record(
        Context("t"), "records", {"identifier": "oai:test.org:10.5555/GONE", "deleted": True}
    )
    assert t.lines == []
    by_record = f"<urn:x-pancommons:sourced-by:{MINT}/record/t/oai%3Atest.org%3A10.5555%2FGONE>"
    assert t.owned == [
        "<https://doi.org/10.5555/gone>",
        by_record,
        f"<{MINT}/experiment/t/10.5555%2Fgone>",
    ]
    t = map_record(Context("t"), "records", {"identifier": "oai:test.org:ds-3", "deleted": True})
    assert t.owned == [
        f"<{MINT}/dataset/t/oai%3Atest.org%3Ads-3>",
        f"<urn:x-pancommons:sourced-by:{MINT}/record/t/oai%3Atest.org%3Ads-3>",
    ]


def test_deleted_oai_dc_record_whose_identifier_has_no_doi_is_removed(tmp_path: Path) -> None:
    """Regression: the live record's node is the DOI of its dc:identifier, the deleted record
    only has its OAI identifier; the deletion must still find the node (through dct:source)."""
    live = {
        "identifier": "oai:zenodo.org:123",
        "datestamp": "2024-01-01",
        "sets": [],
        "deleted": False,
        "metadata": (
            '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ '
            'http://www.openarchives.org/OAI/2.0/oai_dc.xsd">'
            "<dc:title>Kept for a while</dc:title>"
            "<dc:identifier>https://doi.org/10.5281/zenodo.123</dc:identifier>"
            "</oai_dc:dc>"
        ),
    }
    gone = {**live, "deleted": True, "metadata": None}
    folder = tmp_path / "snap"
    folder.mkdir()
    cfg = parse_source({"name": "zen", "kind": "files", "format": "oaipmh", "url": str(folder)})
    graph = vocab.source_graph("zen")
    with EmbeddedStore(tmp_path / "s") as store:
        (folder / "records.json").write_text(json.dumps([live]))
        harvest(store, cfg, state_dir=str(tmp_path / "state"))
        node = "<https://doi.org/10.5281/zenodo.123>"
        assert any(t.startswith(node) for t in graph_triples(store, graph))
        (folder / "records.json").write_text(json.dumps([gone]))
        harvest(store, cfg, state_dir=str(tmp_path / "state"), since="2024-01-02")
        assert not any(node in t for t in graph_triples(store, graph))


def test_datestamps_at_the_repository_granularity() -> None:
    seconds = "YYYY-MM-DDThh:mm:ssZ"
    assert oai_datestamp("2024-05-01", seconds, end_of_day=False) == "2024-05-01T00:00:00Z"
    assert oai_datestamp("2024-05-01", seconds, end_of_day=True) == "2024-05-01T23:59:59Z"
    assert (
        oai_datestamp("2024-05-01T10:00:00+02:00", seconds, end_of_day=False)
        == "2024-05-01T08:00:00Z"
    )
    assert oai_datestamp("2024-05-01T01:00:00+02:00", DAY, end_of_day=False) == "2024-04-30"
    with pytest.raises(ValueError, match="ISO 8601"):
        oai_datestamp("yesterday", DAY, end_of_day=False)


def test_unknown_metadata_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match="oai_datacite, oai_dc"):
        OaipmhSource(config("http://127.0.0.1:1/oai", metadata_prefix="marc21"))


# --- oai_datacite (through mapping/datacite_xml.py and mapping/datacite.py) -----------------------

ESRF_DS = URIRef("https://doi.org/10.15151/esrf-es-2210534378")
ESRF_TITLE = "Swiss consortium in macromolecular X-ray crystallography structure determination"
ESRF = {"name": "ESRF", "ror": "https://ror.org/02550n020"}


def snapshot_records() -> list[dict[str, Any]]:
    return json.loads((SNAPSHOTS / "demo-oai" / "records.json").read_text(encoding="utf-8"))


def needs_datacite() -> None:
    pytest.importorskip("pancommons.harvest.mapping.datacite_xml")
    pytest.importorskip("pancommons.harvest.mapping.datacite")


def test_oai_datacite_of_esrf_over_http_equals_the_demo_snapshot(tmp_path: Path) -> None:
    needs_datacite()
    from pancommons.harvest.config import find_source

    state = RepoState(from_snapshot(snapshot_records()), page_size=1)
    with oai_repository(state) as url, EmbeddedStore(tmp_path / "s") as store:
        cfg = config(url, name="demo-oai", metadata_prefix="oai_datacite", facility=ESRF)
        live = run(store, cfg, tmp_path / "live")
        got = triples(store, vocab.source_graph("demo-oai"))
        files = harvest(store, find_source("demo-oai"), state_dir=str(tmp_path / "files"))
        expected = triples(store, vocab.source_graph("demo-oai"))
    assert live.quarantined == 0 and live.seen == 2 and len(list_requests(state)) == 2
    assert files.quarantined == 0 and got == expected
    g = Graph().parse(data="\n".join(f"{t} ." for t in got), format="nt")
    assert (ESRF_DS, RDF.type, DCAT.Dataset) in g
    title = str(g.value(ESRF_DS, DCTERMS.title))
    assert title.startswith(ESRF_TITLE)
    assert (URIRef("https://doi.org/10.15151/esrf-dc-2493599001"), RDF.type, DCAT.Dataset) in g


def test_bare_resource_maps_like_the_wrapped_one() -> None:
    needs_datacite()
    record = snapshot_records()[0]
    wrapped = record["metadata"]
    bare = wrapped[wrapped.index("<resource") : wrapped.index("</payload>")]
    ctx = Context("demo-oai", facility_name="ESRF", facility_ror=ESRF["ror"])
    a = graph_of(record, ctx)
    b = graph_of({**record, "metadata": bare}, ctx)
    assert len(a) > 10 and set(a) == set(b)
    assert any(str(o).startswith(ESRF_TITLE) for o in a.objects(ESRF_DS, DCTERMS.title))


def test_datacite_resource_breaking_kernel_4_is_quarantined() -> None:
    needs_datacite()
    record = snapshot_records()[0]
    broken = record["metadata"].replace(
        "<publisher>European Synchrotron Radiation Facility</publisher>", ""
    )
    assert broken != record["metadata"]
    with pytest.raises(MappingError, match=r"kernel-4/metadata\.xsd.*publisher"):
        map_record(Context("t"), "records", {**record, "metadata": broken})


def test_deleting_an_esrf_record_removes_its_doi_node(tmp_path: Path) -> None:
    needs_datacite()
    records = from_snapshot(snapshot_records())
    state = RepoState(records, page_size=5)
    with oai_repository(state) as url, EmbeddedStore(tmp_path / "s") as store:
        cfg = config(url, metadata_prefix="oai_datacite", facility=ESRF)
        run(store, cfg, tmp_path)
        experiment = f"<{MINT}/experiment/{NAME}/10.15151%2Fesrf-es-2210534378>"
        assert {f"<{ESRF_DS}>", experiment} <= subjects(store)
        es = next(r for r in records if "ESRF-ES" in r.identifier)
        es.deleted, es.metadata, es.datestamp = True, {}, "2030-01-01T00:00:00Z"
        result = run(store, cfg, tmp_path, since="2029-12-31")
        after = subjects(store)
    assert result.seen == 1 and result.mapped == 1
    assert f"<{ESRF_DS}>" not in after and experiment not in after
    assert "<https://doi.org/10.15151/esrf-dc-2493599001>" in after


def test_shipped_oai_sources_are_well_formed() -> None:
    from pancommons.harvest.config import available_sources

    oai = {n: c for n, c in available_sources().items() if c.kind == "oaipmh"}
    assert {"oai-esrf", "oai-ill", "oai-ess"} <= set(oai)
    assert oai["oai-esrf"].url == "https://icatplus.esrf.fr/oaipmh/request"
    assert oai["oai-ill"].set == "openaire_data"
    for name, cfg in oai.items():
        assert cfg.path is not None and "B2FIND" in cfg.path.read_text(), f"{name}: evidence"
        assert OaipmhSource(cfg).metadata_prefix in ("oai_datacite", "oai_dc")


def test_endless_empty_pages_with_new_tokens_stop_the_run() -> None:
    """Regression: only a repeated token was detected; a repository answering empty pages with
    token n+1 forever was followed forever."""
    from lxml import etree

    from pancommons.harvest.sources.base import PagingError
    from pancommons.harvest.sources.oaipmh import MAX_EMPTY_PAGES

    class Looping(OaipmhSource):
        calls = 0

        def request(self, params: dict[str, str]) -> tuple[Any | None, str]:
            Looping.calls += 1
            xml = (
                '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>'
                f"<resumptionToken>t{Looping.calls}</resumptionToken></ListRecords></OAI-PMH>"
            )
            return etree.fromstring(xml.encode()), "http://127.0.0.1:9/oai"

    cfg = parse_source({"name": "loop", "kind": "oaipmh", "url": "http://127.0.0.1:9/oai"})
    with pytest.raises(PagingError, match="without records"):
        list(Looping(cfg, HttpClient()).pages(None, None))
    assert Looping.calls == MAX_EMPTY_PAGES
