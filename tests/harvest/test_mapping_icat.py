"""The icat kind: mapping of ICAT entityManager records (golden file over the demo snapshot, then
the properties the golden file would only show by accident), the record schemas, the source's
queries and session against a real local HTTP server, and the snapshot builder."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF

from pancommons import vocab
from pancommons.harvest.config import parse_source
from pancommons.harvest.http import HarvestHttpError, HttpClient, RetryPolicy
from pancommons.harvest.mapping.common import Context, MappingError
from pancommons.harvest.mapping.icat import map_record
from pancommons.harvest.mapping.icat_common import data_publication_iri
from pancommons.harvest.runner import harvest
from pancommons.harvest.sources.icat import IcatSource
from pancommons.harvest.validate import RecordInvalid, validate
from pancommons.store.embedded import EmbeddedStore
from tests.harvest.catalogue_server import Catalogue, Fault, catalogue_server, load_snapshot
from tests.harvest.golden import REPO, SNAPSHOTS, assert_golden, map_snapshot

PAN = Namespace(vocab.PAN)
DCAT = Namespace(vocab.DCAT)
CITO = Namespace(vocab.CITO)
FABIO = Namespace(vocab.FABIO)
QUDT_UNIT = Namespace("http://qudt.org/vocab/unit/")
BASE = vocab.DEFAULT_BASE
SOURCE = "demo-icat"
CTX = Context(SOURCE, facility_name="ESNF")
SNAPSHOT = load_snapshot(SNAPSHOTS / "demo-icat")
# A valid ORCID iD (ORCID's own example); the demo's are truncated and so minted.
ORCID = "0000-0002-1825-0097"


@pytest.fixture(scope="module")
def graph() -> Graph:
    g, refused = map_snapshot("icat", "demo-icat", source=SOURCE, facility={"name": "ESNF"})
    assert refused == []
    prefixes = {"pan": PAN, "cito": CITO, "fabio": FABIO, "unit": QUDT_UNIT}
    for prefix, ns in {**prefixes, "panet": vocab.PANET, "schema": vocab.SCHEMA}.items():
        g.bind(prefix, ns, replace=True)
    return g


def mapped(*records: dict[str, Any]) -> Graph:
    """The wrapped records (each of the collection its key names) mapped into one graph."""
    lines = "".join("".join(map_record(CTX, next(iter(r)), r).lines) for r in records)
    return Graph().parse(data=lines, format="nt")


def record(collection: str, **match: str) -> dict[str, Any]:
    """A deep copy of the snapshot record whose entity has the given attribute values."""
    for rec in SNAPSHOT[collection]:
        if all(rec[collection].get(k) == v for k, v in match.items()):
            return copy.deepcopy(rec)
    raise LookupError(f"no {collection} with {match}")


def minted(kind: str, local: str) -> URIRef:
    return URIRef(vocab.mint(kind, SOURCE, local, BASE))


def test_golden(graph: Graph) -> None:
    assert_golden(graph, "golden-icat")


def test_no_blank_nodes_and_every_node_is_typed(graph: Graph) -> None:
    terms = {t for triple in graph for t in triple}
    assert not any(isinstance(t, BNode) for t in terms)
    subjects = set(graph.subjects())
    typed = set(graph.subjects(RDF.type, None))
    assert subjects <= typed
    minted_iris = f"{BASE}/id/"
    ours = {o for o in graph.objects() if isinstance(o, URIRef) and str(o).startswith(minted_iris)}
    assert ours <= typed


# --- identity ------------------------------------------------------------------------------------


def test_a_user_in_two_investigations_is_one_node() -> None:
    first = record("Investigation", name="08100122-EF")
    second = record("Investigation", name="12100409-ST")
    for inv in (first, second):
        for iu in inv["Investigation"]["investigationUsers"]:
            if iu["user"]["name"] == "db/nbour":
                iu["user"]["orcidId"] = ORCID
    g = mapped(first, second)
    person = URIRef(f"https://orcid.org/{ORCID}")
    assert (minted("proposal", "08100122-EF"), DCTERMS.contributor, person) in g
    assert (minted("proposal", "12100409-ST"), DCTERMS.creator, person) in g
    assert set(g.objects(person, FOAF.name)) == {Literal("Nicolas Bourbaki")}
    assert not list(g.triples((minted("person", "db/nbour"), None, None)))


def test_without_orcid_a_user_is_one_node_across_investigations_and_publications(
    graph: Graph,
) -> None:
    # The demo's ORCID iDs are truncated: the user's unique ICAT name makes the node.
    nbour = minted("person", "db/nbour")
    pub = minted("dataset", "DOI:00.0815/pub-00027")
    assert (minted("proposal", "08100122-EF"), DCTERMS.contributor, nbour) in graph
    assert (minted("proposal", "12100409-ST"), DCTERMS.creator, nbour) in graph
    assert (pub, DCTERMS.creator, nbour) in graph
    assert (nbour, PAN.affiliation, URIRef("https://ror.org/024mw5h28")) in graph


def _renumber(value: Any, offset: int) -> Any:
    if isinstance(value, dict):
        return {k: (v + offset if k == "id" else _renumber(v, offset)) for k, v in value.items()}
    if isinstance(value, list):
        return [_renumber(v, offset) for v in value]
    return value


@pytest.mark.parametrize(
    ("collection", "match"),
    [
        ("Dataset", {"name": "e208945"}),
        ("Investigation", {"name": "10100601-ST"}),
        ("DataPublication", {"title": "Data from OEIS sequence A000027"}),
    ],
)
def test_iris_survive_renumbered_icat_ids(collection: str, match: dict[str, str]) -> None:
    rec = record(collection, **match)
    again = _renumber(rec, 100_000)
    assert again != rec
    before, after = map_record(CTX, collection, rec), map_record(CTX, collection, again)
    assert sorted(before.lines) == sorted(after.lines)
    assert sorted(before.owned) == sorted(after.owned)


def test_dataset_iri_is_its_key_or_its_doi() -> None:
    rec = record("Dataset", name="e208341")
    node = minted("dataset", "10100601-ST/1.1-N/e208341")
    assert (node, RDF.type, DCAT.Dataset) in mapped(rec)
    rec["Dataset"]["doi"] = "DOI:10.5555/ICAT-DS-1"
    g = mapped(rec)
    doi = URIRef("https://doi.org/10.5555/icat-ds-1")
    assert (doi, RDF.type, DCAT.Dataset) in g
    assert (doi, DCTERMS.identifier, Literal("DOI:10.5555/ICAT-DS-1")) in g
    assert not list(g.triples((node, None, None)))


def test_dataset_without_its_investigation_is_refused() -> None:
    rec = record("Dataset", name="e208341")
    del rec["Dataset"]["investigation"]
    with pytest.raises(MappingError, match="investigation"):
        map_record(CTX, "Dataset", rec)


# --- links ---------------------------------------------------------------------------------------


def test_data_publication_links_its_datasets_both_ways_and_a_citing_paper() -> None:
    rec = record("DataPublication", title="Data from OEIS sequence A000027")
    rec["DataPublication"]["relatedItems"].append(
        {
            "id": 9001,
            "identifier": "DOI:10.5555/paper-citing-a000027",
            "relationType": "IsCitedBy",
            "relatedItemType": "JournalArticle",
            "title": "On A000027",
        }
    )
    g = mapped(rec, record("Dataset", name="pub-00027"))
    pub = minted("dataset", "DOI:00.0815/pub-00027")
    ds = minted("dataset", "12100409-ST/1.1-P/pub-00027")
    paper = URIRef("https://doi.org/10.5555/paper-citing-a000027")
    assert (pub, DCTERMS.hasPart, ds) in g and (ds, DCTERMS.isPartOf, pub) in g
    assert (ds, DCAT.inSeries, minted("series", "12100409-ST/1.1-P")) in g  # the same node
    assert (paper, CITO.citesAsDataSource, pub) in g
    assert (pub, DCTERMS.isReferencedBy, paper) in g
    assert (paper, RDF.type, FABIO.Expression) in g
    assert (paper, DCTERMS.title, Literal("On A000027")) in g
    # A "References" item is a reference from the data, not a paper citing it.
    oeis = URIRef("http://oeis.org/A000027")
    assert (pub, DCTERMS.references, oeis) in g
    assert not list(g.triples((oeis, CITO.citesAsDataSource, None)))


def test_the_dataset_record_alone_knows_its_data_publication(graph: Graph) -> None:
    g = mapped(record("Dataset", name="pub-00027"))
    ds = minted("dataset", "12100409-ST/1.1-P/pub-00027")
    pub = minted("dataset", "DOI:00.0815/pub-00027")
    assert (ds, DCTERMS.isPartOf, pub) in g and (pub, DCTERMS.hasPart, ds) in g
    assert not list(
        graph.triples((minted("dataset", "12100409-ST/1.1-P/e208947"), DCTERMS.isPartOf, None))
    )


def test_investigation_publication_cites_the_series(graph: Graph) -> None:
    series = minted("series", "10100601-ST/1.1-N")
    papers = set(graph.subjects(CITO.citesAsDataSource, series))
    assert len(papers) == 1
    (paper,) = papers
    assert (series, DCTERMS.isReferencedBy, paper) in graph
    citation = str(graph.value(paper, DCTERMS.bibliographicCitation))
    assert citation.startswith("A. Hau.  Properties of NiMnGa.")


def test_dataset_links_to_its_visit(graph: Graph) -> None:
    ds = minted("dataset", "08100122-EF/1.1-P/e201215")
    exp = graph.value(ds, PROV.wasGeneratedBy)
    assert exp == minted("experiment", "08100122-EF/1.1-P")
    assert graph.value(exp, PAN.proposal) == minted("proposal", "08100122-EF")
    instrument = graph.value(ds, PAN.instrument)
    assert (exp, PROV.used, instrument) in graph
    assert (ds, DCAT.theme, URIRef(vocab.PANET + "PaNET01103")) in graph
    sample = graph.value(ds, PAN.sample)
    assert graph.value(sample, PAN.chemicalFormula) == Literal("C10H14")


# --- parameters ----------------------------------------------------------------------------------


def _parameters(g: Graph, owner: URIRef) -> dict[str, tuple[float, URIRef, str]]:
    out = {}
    for p in g.objects(owner, PAN.parameter):
        out[str(g.value(p, PAN.unit))] = (
            float(g.value(p, PAN.siValue).toPython()),
            g.value(p, PAN.siUnit),
            str(g.value(p, PAN.name)),
        )
    return out


def test_parameters_get_si_values(graph: Graph) -> None:
    e208945 = _parameters(graph, minted("dataset", "12100409-ST/1.1-P/e208945"))
    # ICAT's unit "C" means Celsius here (unitsFullName), not coulomb; the dataset holds the
    # same temperature in °C and in K.
    celsius, kelvin = e208945["Celsius"], e208945["K"]
    assert celsius[1] == kelvin[1] == QUDT_UNIT.K
    assert celsius[0] == pytest.approx(277.07) == kelvin[0]
    e208339 = _parameters(graph, minted("dataset", "10100601-ST/1.1-N/e208339"))
    assert e208339["MW"][:2] == (pytest.approx(5.0e6), QUDT_UNIT.W)
    assert e208339["T"][:2] == (pytest.approx(7.3), QUDT_UNIT.T)


def test_parameters_of_two_datasets_of_one_visit_stay_apart(graph: Graph) -> None:
    fields = [
        _parameters(graph, minted("dataset", f"10100601-ST/1.1-N/{name}"))["T"][0]
        for name in ("e208339", "e208341")
    ]
    assert fields == [pytest.approx(7.3), pytest.approx(2.7)]


def test_parameter_without_a_unit_keeps_its_text_value(graph: Graph) -> None:
    exp = minted("experiment", "10100601-ST/1.1-N")
    (p,) = graph.objects(exp, PAN.parameter)
    assert graph.value(p, PAN.value) == Literal("neutron")
    assert graph.value(p, PAN.unit) is None  # ICAT's "N/A"


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("collection", "rec"),
    [
        ("Investigation", {"Dataset": {"name": "x"}}),
        ("Investigation", {"Investigation": {"name": "x", "visitId": "1"}, "Dataset": {}}),
        ("Investigation", {"Investigation": ["not", "an", "object"]}),
        ("Investigations", {"Investigations": {"name": "x", "visitId": "1"}}),
        ("Investigation", {"Investigation": {"name": "x"}}),
    ],
)
def test_records_that_cannot_be_mapped_are_refused(collection: str, rec: Any) -> None:
    with pytest.raises(MappingError):
        map_record(CTX, collection, rec)


def test_every_snapshot_record_obeys_its_schema() -> None:
    for collection, records in SNAPSHOT.items():
        for rec in records:
            validate(f"icat-{collection.lower()}", rec)


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", 42), ("startDate", {"date": "2008-03-13"}), ("visitId", ""), ("name", None)],
)
def test_schema_refuses_a_malformed_investigation(field: str, value: Any) -> None:
    rec = record("Investigation", name="08100122-EF")
    rec["Investigation"][field] = value
    with pytest.raises(RecordInvalid):
        validate("icat-investigation", rec)


def test_schema_refuses_a_record_of_another_entity() -> None:
    with pytest.raises(RecordInvalid):
        validate("icat-investigation", record("Dataset", name="e201215"))
    with pytest.raises(RecordInvalid):
        validate("icat-dataset", {"Dataset": {"name": "e1"}})  # no investigation


# --- the source: queries and session against a real HTTP server ---------------------------------


def test_query_has_the_icat_grammar() -> None:
    src = IcatSource(parse_source({"name": "x", "kind": "icat", "url": "http://h"}))
    q = src.query("Investigation", 20, 10, "2024-03-01T12:30:00+01:00")
    assert q.startswith("SELECT o FROM Investigation o WHERE o.modTime > {ts 2024-03-01 11:30:00}")
    # SearchQuery: [WHERE] [ORDER BY] [INCLUDE] [LIMIT]
    assert q.index("ORDER BY o.id") < q.index(" INCLUDE o.facility,") < q.index("LIMIT 20, 10")
    assert "o.investigationUsers.user" in q
    assert src.query("Facility", 0, 5, None) == "SELECT o FROM Facility o ORDER BY o.id LIMIT 0, 5"
    assert "o.datafiles" in src.query("Dataset", 0, 5, None)
    src = IcatSource(
        parse_source(
            {"name": "x", "kind": "icat", "url": "http://h", "options": {"include_files": False}}
        )
    )
    assert "o.datafiles" not in src.query("Dataset", 0, 5, None)


@pytest.fixture
def icat_server() -> Iterator[tuple[str, Any]]:
    with catalogue_server({"esnf": Catalogue("icat", copy.deepcopy(SNAPSHOT))}) as served:
        yield served


def _source(url: str, **options: Any) -> IcatSource:
    config = parse_source(
        {"name": "t-icat", "kind": "icat", "url": f"{url}/esnf", "page_size": 4, "options": options}
    )
    http = HttpClient(timeout=5, policy=RetryPolicy(retries=1, backoff=0.01))
    return IcatSource(config, http)


def test_pages_every_collection_and_hides_the_session(icat_server: tuple[str, Any]) -> None:
    url, state = icat_server
    src = _source(url)
    try:
        pages = list(src.pages(None, None))
    finally:
        src.close()
    got = {c: [r for p in pages if p.collection == c for r in p.records] for c in SNAPSHOT}
    assert got == SNAPSHOT
    assert all("session-1" not in p.url for p in pages)
    assert all("sessionId=session-1" in r for r in state.requests)


def test_a_refused_session_logs_in_again_once(icat_server: tuple[str, Any]) -> None:
    url, state = icat_server
    state.faults.append(Fault("403", collection="Dataset", skip=4))
    src = _source(url)
    records = [r for p in src.pages(None, None) if p.collection == "Dataset" for r in p.records]
    assert records == SNAPSHOT["Dataset"]
    state.faults.append(Fault("403", collection="Instrument", times=2))
    with pytest.raises(HarvestHttpError) as err:
        src.fetch("Instrument", 0, 4, None)
    assert err.value.status == 403 and "session-1" not in str(err.value)


def test_credentials_come_from_the_environment_only(monkeypatch: pytest.MonkeyPatch) -> None:
    anon = IcatSource(parse_source({"name": "x", "kind": "icat", "url": "http://h"}))
    assert anon.plugin == "anon" and anon.credentials() == []
    opts = {"plugin": "db", "username_env": "T_ICAT_USER", "password_env": "T_ICAT_PASS"}
    db = IcatSource(parse_source({"name": "x", "kind": "icat", "url": "http://h", "options": opts}))
    monkeypatch.delenv("T_ICAT_PASS", raising=False)
    monkeypatch.setenv("T_ICAT_USER", "reader")
    with pytest.raises(HarvestHttpError, match="T_ICAT_PASS"):
        db.credentials()
    monkeypatch.setenv("T_ICAT_PASS", "s3cret")
    assert db.credentials() == [{"username": "reader"}, {"password": "s3cret"}]


def test_record_key_is_the_natural_key() -> None:
    src = IcatSource(parse_source({"name": "x", "kind": "icat", "url": "http://h"}))
    rec = record("Dataset", name="e201215")
    assert src.record_key("Dataset", rec) == "Dataset 08100122-EF/1.1-P/e201215"
    assert src.record_key("Dataset", {"Dataset": {"id": 7}}) == "Dataset id 7"
    assert src.schema_name("DataPublication") == "icat-datapublication"


# --- the snapshot builder ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def builder() -> ModuleType:
    path = REPO / "scripts" / "snapshot_icat.py"
    spec = importlib.util.spec_from_file_location("snapshot_icat", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["snapshot_icat"] = module
    spec.loader.exec_module(module)
    return module


TINY = """<?xml version="1.0" encoding="utf-8"?>
{doctype}<icatdata>
<head><date>2025-12-01T16:03:43+00:00</date></head>
<data>
  <facility id="Facility_name-X"><fullName>{full}</fullName><name>X</name></facility>
</data>
</icatdata>
"""


def test_builder_does_not_expand_entities(builder: ModuleType, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    doctype = (
        f'<!DOCTYPE icatdata [<!ENTITY xxe SYSTEM "{secret.as_uri()}">'
        '<!ENTITY lol "lol-lol-lol">]>\n'
    )
    for full in ("&xxe;", "&lol;"):
        dump = tmp_path / "dump.xml"
        dump.write_text(TINY.format(doctype=doctype, full=full))
        with pytest.raises(builder.DumpError, match=full) as err:
            builder.build(builder.parse_dump(dump))
        assert "TOP-SECRET" not in str(err.value) and "lol-lol" not in str(err.value)


def test_builder_reads_character_references(builder: ModuleType, tmp_path: Path) -> None:
    dump = tmp_path / "dump.xml"
    dump.write_text(TINY.format(doctype="", full="Universit&#233;"))
    out = builder.build(builder.parse_dump(dump))
    assert out["Facility"] == [
        {
            "Facility": {
                "id": 1,
                "createTime": "2025-12-01T16:03:43.000Z",
                "modTime": "2025-12-01T16:03:43.000Z",
                "fullName": "Université",
                "name": "X",
            }
        }
    ]


def test_snapshot_is_what_the_builder_writes(builder: ModuleType) -> None:
    # A copy of the python-icat example dump (Apache-2.0, provenance in demo-icat/README.md).
    dump = REPO / "tests" / "data" / "python-icat-icatdump-6.2.xml"
    built = builder.build(builder.parse_dump(dump))
    on_disk = {c: json.loads((SNAPSHOTS / "demo-icat" / f"{c}.json").read_text()) for c in built}
    assert built == on_disk


# --- dct:source and pan:instrument ---------------------------------------------------------------


def _entity_url(server: str, entity: str, id_: int) -> URIRef:
    query = f"SELECT%20o%20FROM%20{entity}%20o%20WHERE%20o.id%20%3D%20{id_}"
    return URIRef(f"{server}/icat/entityManager?query={query}")


def test_records_name_the_query_of_their_entity_and_the_dataset_its_instrument() -> None:
    ctx = Context(SOURCE, facility_name="ESNF", api="https://icat.example.org")
    inv, ds = record("Investigation", name="08100122-EF"), record("Dataset", name="e201215")
    pub = SNAPSHOT["DataPublication"][0]
    lines = "".join("".join(map_record(ctx, next(iter(r)), r).lines) for r in (inv, ds, pub))
    g = Graph().parse(data=lines, format="nt")
    ds_node, series = (
        minted("dataset", "08100122-EF/1.1-P/e201215"),
        minted("series", "08100122-EF/1.1-P"),
    )
    server = "https://icat.example.org"
    assert set(g.objects(ds_node, DCTERMS.source)) == {_entity_url(server, "Dataset", 325)}
    assert set(g.objects(series, DCTERMS.source)) == {
        _entity_url(server, "Investigation", inv["Investigation"]["id"])
    }
    pub_node = URIRef(data_publication_iri(ctx, pub["DataPublication"]))
    assert set(g.objects(pub_node, DCTERMS.source)) == {
        _entity_url(server, "DataPublication", pub["DataPublication"]["id"])
    }
    # the Dataset record alone: its instrument directly and as used by the visit's experiment
    g = mapped(ds)
    hike = g.value(ds_node, PAN.instrument)
    assert str(g.value(hike, DCTERMS.title)).startswith("HIKE")
    assert (minted("experiment", "08100122-EF/1.1-P"), PROV.used, hike) in g
    # no id, no query: a record read from files still names its file
    del ds["Dataset"]["id"]
    assert not list(mapped(ds).triples((None, DCTERMS.source, None)))
    files = replace(ctx, api=None, files="file:///snap")
    g = Graph().parse(data="".join(map_record(files, "Dataset", ds).lines), format="nt")
    assert set(g.objects(ds_node, DCTERMS.source)) == {URIRef("file:///snap/Dataset.json")}


def test_harvest_with_a_session_writes_no_session_or_credential_into_the_graph(
    icat_server: tuple[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, state = icat_server
    monkeypatch.setenv("T_ICAT_USER", "reader")
    monkeypatch.setenv("T_ICAT_PASS", "s3cret")
    opts = {"plugin": "db", "username_env": "T_ICAT_USER", "password_env": "T_ICAT_PASS"}
    src = _source(url, **opts)
    with EmbeddedStore(tmp_path / "store") as store:
        run = harvest(store, src.config, state_dir=str(tmp_path / "state"), source=src)
        rows = store.query(
            f"SELECT ?s ?o WHERE {{ GRAPH <{vocab.source_graph('t-icat')}> "
            f"{{ ?s <{DCTERMS.source}> ?o }} }}"
        )
        sources = {(str(r["s"].value), str(r["o"].value)) for r in rows}  # type: ignore[union-attr,index]
    assert run.status == "completed" and run.quarantined == 0
    assert any("sessionId=session-1" in r for r in state.requests), "harvested with a session"
    assert len(sources) == 9 + 1 + 3  # datasets, the data publication, investigations
    for _, source in sources:
        assert source.startswith(f"{url}/esnf/icat/entityManager?query=SELECT%20o%20FROM%20")
        for secret in ("session", "reader", "s3cret", "T_ICAT"):
            assert secret not in source
