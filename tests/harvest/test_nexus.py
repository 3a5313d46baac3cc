"""The nexus kind: NeXus/HDF5 files read with h5py, one dataset per NXentry (DESIGN §4/§5)."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import h5py
import pytest
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef

from pancommons.demo.nexus_files import write_demo_files
from pancommons.harvest.config import SourceConfig, parse_source, read_source
from pancommons.harvest.mapping.common import Context, MappingError
from pancommons.harvest.mapping.nexus import map_record
from pancommons.harvest.prov import quarantined
from pancommons.harvest.runner import harvest
from pancommons.harvest.sources.nexus import NexusFolderError, NexusSource
from pancommons.harvest.validate import RecordInvalid, validate
from pancommons.store.embedded import EmbeddedStore
from pancommons.vocab import DEFAULT_BASE as BASE
from pancommons.vocab import source_graph
from tests.harvest.golden import REPO, assert_golden

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
PROV = Namespace("http://www.w3.org/ns/prov#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
PAN = Namespace("https://w3id.org/pan-commons/ns#")
NX = Namespace("http://purl.org/nexusformat/definitions/")
PANET = Namespace("http://purl.org/pan-science/PaNET/")
QUDT = Namespace("http://qudt.org/vocab/unit/")
ESRF = {"name": "ESRF", "ror": "https://ror.org/02550n020"}
CTX = Context("demo-nexus", facility_name="ESRF", facility_ror="https://ror.org/02550n020")
ID = "https://w3id.org/pan-commons/id"
LYSOZYME = URIRef(f"{ID}/dataset/demo-nexus/id30a-1%2Fmx2468%2Flysozyme_0001.nxs%2Fentry")
SAXS = URIRef(f"{ID}/dataset/demo-nexus/id02%2Fsc5123%2Fsaxs_sds_0042.nxs%2Fentry")
CARBERRY = URIRef("https://orcid.org/0000-0002-1825-0097")
HAAK = URIRef("https://orcid.org/0000-0001-5109-3700")
HDF5 = URIRef("https://www.iana.org/assignments/media-types/application/vnd.hdfgroup.hdf5")


def config(folder: Path | str, **extra: Any) -> SourceConfig:
    return parse_source(
        {"name": "demo-nexus", "kind": "nexus", "url": str(folder), "facility": ESRF, **extra}
    )


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    write_demo_files(folder)
    return folder


def graph_of(records: list[dict[str, Any]], ctx: Context = CTX) -> Graph:
    lines: list[str] = []
    for rec in records:
        validate("nexus-entries", rec)
        lines.extend(map_record(ctx, "entries", rec).lines)
    return Graph().parse(data="".join(lines), format="nt")


def entry(**fields: Any) -> dict[str, Any]:
    return {"file": "a/b.nxs", "size": 10, "entry": "entry", **fields}


# --- reading files ------------------------------------------------------------------------------


def test_one_record_per_nxentry_with_plain_values(demo: Path) -> None:
    records = NexusSource(config(demo)).records()
    assert [(r["file"], r["entry"]) for r in records] == [
        ("id02/sc5123/saxs_sds_0042.nxs", "entry"),
        ("id19/es1103/limestone_0007.h5", "entry"),
        ("id30a-1/mx2468/lysozyme_0001.nxs", "entry"),
        ("id30a-3/mx2468/thaumatin_0002.nxs", "entry_0001"),
        ("id30a-3/mx2468/thaumatin_0002.nxs", "entry_0002"),
    ]
    for rec in records:
        validate("nexus-entries", rec)
        assert rec["size"] == (demo / rec["file"]).stat().st_size
    lyso = records[2]
    assert lyso["definition"] == "NXmx" and lyso["start_time"] == "2024-03-14T09:12:03+01:00"
    assert lyso["instrument"] == {
        "name": "ID30A-1 MASSIF-1",
        "short_name": "ID30A-1",
        "source": {
            "name": "European Synchrotron Radiation Facility",
            "type": "Synchrotron X-ray Source",
            "probe": "x-ray",
        },
    }
    assert lyso["sample"]["chemical_formula"] == "C613H959N193O185S10"
    params = {p["name"]: (p["value"], p["units"]) for p in lyso["parameters"]}
    # plain Python numbers (not numpy), from NXsample/NXbeam/NXdetector/NXmonochromator/NXsource;
    # NXtransformations and NXdata are not read
    assert params == {
        "detector_count_time": (0.05, "s"),
        "detector_distance": (193.4, "mm"),
        "monochromator_energy": (12.84, "keV"),
        "source_energy": (6.0, "GeV"),
        "sample_temperature": (100.0, "K"),
        "beam_incident_wavelength": (0.9655, "angstrom"),
    }
    assert all(type(p["value"]) is float for p in lyso["parameters"])
    tomo = records[1]
    assert "sample_rotation_angle" not in {p["name"] for p in tomo["parameters"]}  # an array
    saxs = records[0]
    assert {u.get("orcid") for u in saxs["users"]} == {
        "0000-0002-1825-0097",
        "https://orcid.org/0000-0001-5109-3700",
    }


def test_bytes_attributes_doi_links_and_files_without_entries(tmp_path: Path) -> None:
    (tmp_path / "other.h5").write_bytes(b"")  # not HDF5 at all
    with h5py.File(tmp_path / "other.h5", "w") as f:  # plain HDF5, no NXentry
        f.create_dataset("x", data=[1, 2, 3])
    with h5py.File(tmp_path / "scan.nxs.h5", "w") as f:
        e = f.create_group("scan_1")
        e.attrs["NX_class"] = b"NXentry"  # fixed-length bytes, as older writers store it
        e.attrs["DOI"] = "10.5072/Demo-Scan-1"
        e.create_dataset("title", data=[b"one-element array of bytes"])
        e.create_dataset("definition", data=b"NXxas")
        e["linked"] = h5py.ExternalLink("missing.h5", "/entry")  # never followed
        s = e.create_group("sample")
        s.attrs["NX_class"] = "NXsample"
        s.create_dataset("temperature", data=[[4.2]]).attrs["units"] = b"K"
        n = f.create_group("not_an_entry")
        n.attrs["NX_class"] = "NXcollection"
    (tmp_path / "notes.txt").write_text("not NeXus")
    records = NexusSource(config(tmp_path)).records()
    assert records == [
        {
            "file": "scan.nxs.h5",
            "size": (tmp_path / "scan.nxs.h5").stat().st_size,
            "entry": "scan_1",
            "title": "one-element array of bytes",
            "definition": "NXxas",
            "doi": "10.5072/Demo-Scan-1",
            "sample": {"group": "sample"},
            "parameters": [
                {"name": "sample_temperature", "value": 4.2, "units": "K", "path": "/scan_1/sample/temperature"}
            ],
        }
    ]  # fmt: skip
    g = graph_of(records)
    ds = URIRef("https://doi.org/10.5072/demo-scan-1")
    assert (ds, RDF.type, DCAT.Dataset) in g
    assert (ds, DCT.identifier, Literal("10.5072/Demo-Scan-1")) in g
    assert (ds, DCAT.theme, PANET.PaNET01196) in g


def test_missing_folder_fails_the_run_clearly(tmp_path: Path) -> None:
    with pytest.raises(NexusFolderError, match="no such folder"):
        NexusSource(config(tmp_path / "nope")).fetch("entries", 0, 10, None)


def test_relative_url_is_relative_to_the_toml_and_base_url_gives_download_urls(
    demo: Path, tmp_path: Path
) -> None:
    toml = tmp_path / "conf" / "src.toml"
    toml.parent.mkdir()
    toml.write_text(
        'name = "x"\nkind = "nexus"\nurl = "../files/id02"\n'
        '[options]\nbase_url = "https://data.example.org/esrf/"\n'
    )
    src = NexusSource(read_source(toml))
    [rec] = src.records()
    assert rec["file"] == "sc5123/saxs_sds_0042.nxs"
    assert rec["download_url"] == "https://data.example.org/esrf/sc5123/saxs_sds_0042.nxs"
    dist = URIRef(f"{ID}/distribution/demo-nexus/sc5123%2Fsaxs_sds_0042.nxs")
    assert (dist, DCAT.downloadURL, URIRef(rec["download_url"])) in graph_of([rec])


def test_since_keeps_files_modified_after_it(demo: Path) -> None:
    newer = demo / "id19/es1103/limestone_0007.h5"
    stamp = datetime.fromisoformat("2025-02-01T00:00:00+00:00").timestamp()
    os.utime(newer, (stamp, stamp))
    src = NexusSource(config(demo))
    records, _ = src.fetch("entries", 0, 100, "2025-01-01")
    assert [r["file"] for r in records] == ["id19/es1103/limestone_0007.h5"]
    assert src.fetch("entries", 0, 100, "2025-03-01T00:00:00Z")[0] == []
    assert len(src.fetch("entries", 0, 100, "2024-01-01")[0]) == 5  # demo files: 2024 mtimes
    page, _ = src.fetch("entries", 3, 2, None)
    assert [r["entry"] for r in page] == ["entry_0001", "entry_0002"]


def test_demo_files_are_the_same_bytes_every_time(tmp_path: Path) -> None:
    def digests(folder: Path) -> dict[str, str]:
        return {
            p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in write_demo_files(folder)
        }

    assert digests(tmp_path / "a") == digests(tmp_path / "b")


def test_demo_source_generates_its_files_under_the_state_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PANCOMMONS_STATE", str(tmp_path / "state"))
    cfg = read_source(REPO / "harvesters" / "demo-nexus.toml")
    assert cfg.kind == "nexus" and cfg.demo
    src = NexusSource(cfg)
    assert src.folder == (tmp_path / "state" / "_generated" / "demo-nexus").resolve()
    assert len(src.records()) == 5
    lyso = src.folder / "id30a-1/mx2468/lysozyme_0001.nxs"
    before = lyso.stat().st_mtime_ns
    assert len(NexusSource(cfg).records()) == 5  # files present: not written again
    assert lyso.stat().st_mtime_ns == before
    assert lyso.stat().st_mtime == datetime.fromisoformat("2024-03-14T09:13:41+01:00").timestamp()
    lyso.unlink()  # a run that died half-way: the missing file is written again
    assert len(NexusSource(cfg).records()) == 5
    saxs = src.folder / "id02/sc5123/saxs_sds_0042.nxs"
    saxs.write_bytes(b"from an older version")
    (src.folder / ".pancommons-demo-files").write_text("older\n")  # an upgrade: written again
    assert len(NexusSource(cfg).records()) == 5
    assert "error" not in NexusSource(cfg).records()[0]
    assert NexusSource(cfg).location == str(src.folder)


# --- mapping ------------------------------------------------------------------------------------


def test_mapping_of_the_demo_files(demo: Path) -> None:
    records = NexusSource(config(demo)).records()
    g = graph_of(records)
    assert not any(isinstance(term, BNode) for triple in g for term in triple)
    assert len(set(g.subjects(RDF.type, DCAT.Dataset))) == 5
    assert (LYSOZYME, DCT.conformsTo, NX.NXmx) in g
    assert (LYSOZYME, DCAT.theme, PANET.PaNET01164) in g
    assert (SAXS, DCAT.theme, PANET.PaNET01188) in g  # NXsas + x-ray probe: SAXS
    assert (LYSOZYME, DCT.publisher, URIRef("https://ror.org/02550n020")) in g
    [sample] = g.objects(LYSOZYME, PAN.sample)
    assert (sample, PAN.chemicalFormula, Literal("C613H959N193O185S10")) in g
    [exp] = g.objects(LYSOZYME, PROV.wasGeneratedBy)
    assert g.value(exp, PROV.startedAtTime).toPython() == datetime.fromisoformat(
        "2024-03-14T09:12:03+01:00"
    )
    [inst] = g.objects(exp, PROV.used)
    assert (inst, DCT.title, Literal("ID30A-1 MASSIF-1")) in g

    def si(dataset: URIRef, name: str) -> tuple[float, URIRef]:
        [param] = [
            p
            for p in g.objects(g.value(dataset, PROV.wasGeneratedBy), PAN.parameter)
            if g.value(p, PAN.name) == Literal(name)
        ]
        return g.value(param, PAN.siValue).toPython(), g.value(param, PAN.siUnit)

    assert si(LYSOZYME, "sample_temperature") == (100.0, QUDT.K)
    temp, unit = si(SAXS, "sample_temperature")  # 25 degC
    assert temp == pytest.approx(298.15) and unit == QUDT.K
    wavelength, unit = si(SAXS, "monochromator_wavelength")  # 1 angstrom
    assert wavelength == pytest.approx(1e-10) and unit == QUDT.M

    assert set(g.objects(SAXS, DCT.creator)) == {CARBERRY, HAAK}
    assert (CARBERRY, RDF.type, FOAF.Person) in g
    assert (CARBERRY, FOAF.name, Literal("Josiah Carberry")) in g
    [org] = g.objects(CARBERRY, PAN.affiliation)
    assert (org, RDF.type, FOAF.Organization) in g
    assert (org, FOAF.name, Literal("Brown University")) in g
    local_contact = URIRef(f"{ID}/person/demo-nexus/Pierre%20Durand")
    assert (LYSOZYME, DCT.contributor, local_contact) in g
    assert (LYSOZYME, DCT.creator, local_contact) not in g
    # staff: the affiliation names the source's facility, so it is the facility's ROR node
    assert (local_contact, PAN.affiliation, URIRef(ESRF["ror"])) in g

    for rec in records:
        dist = URIRef(f"{ID}/distribution/demo-nexus/" + rec["file"].replace("/", "%2F"))
        size = (demo / rec["file"]).stat().st_size
        assert g.value(dist, DCAT.byteSize).toPython() == size
        assert g.value(dist, DCAT.mediaType) == HDF5
        assert g.value(dist, DCT["format"]) == Literal("application/x-hdf5")
    sweeps = [
        URIRef(f"{ID}/dataset/demo-nexus/id30a-3%2Fmx2468%2Fthaumatin_0002.nxs%2F{e}")
        for e in ("entry_0001", "entry_0002")
    ]
    file = URIRef(f"{ID}/distribution/demo-nexus/id30a-3%2Fmx2468%2Fthaumatin_0002.nxs")
    for sweep in sweeps:  # two entries, one file
        assert set(g.objects(sweep, DCAT.distribution)) == {file}


def test_owned_nodes_are_the_records_own(demo: Path) -> None:
    rec = NexusSource(config(demo)).records()[2]
    t = map_record(CTX, "entries", rec)
    owned = set(t.owned)
    assert f"<{LYSOZYME}>" in owned
    assert all(o.startswith(f"<{ID}/") for o in owned)
    kinds = {o.split("/")[5] for o in owned}
    assert kinds == {"dataset", "experiment", "distribution", "sample", "parameter"}


def test_experiment_doi_is_the_collection_not_the_entry() -> None:
    g = graph_of([entry(experiment_identifier="doi:10.15151/ESRF-ES-12345")])
    [ds] = g.subjects(RDF.type, DCAT.Dataset)
    assert str(ds).startswith(f"{ID}/dataset/")
    assert (ds, DCT.isPartOf, URIRef("https://doi.org/10.15151/esrf-es-12345")) in g


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"start_time": "14/03/2024 09:12"}, "start_time: not an ISO 8601 date"),
        ({"end_time": "2024-02-30T10:00:00"}, "end_time: not a valid date"),
        ({"definition": "mx data"}, "not a NeXus application definition"),
    ],
)
def test_bad_fields_are_refused(fields: dict[str, Any], reason: str) -> None:
    with pytest.raises(MappingError, match=reason):
        map_record(CTX, "entries", entry(**fields))


def test_schema_requires_file_and_entry_unless_error() -> None:
    validate("nexus-entries", {"file": "x.nxs", "error": "bad superblock"})
    with pytest.raises(RecordInvalid):
        validate("nexus-entries", {"file": "x.nxs"})
    with pytest.raises(RecordInvalid):
        validate("nexus-entries", {"entry": "entry"})
    with pytest.raises(RecordInvalid):
        validate("nexus-entries", entry(parameters=[{"name": "t", "value": [1, 2], "units": ""}]))


# --- a whole run ----------------------------------------------------------------------------------


def test_corrupt_file_is_quarantined_and_the_rest_harvested(demo: Path, tmp_path: Path) -> None:
    (demo / "id19/broken.nxs").write_bytes(os.urandom(4096))
    head = (demo / "id30a-1/mx2468/lysozyme_0001.nxs").read_bytes()[:2048]
    (demo / "truncated.nxs").write_bytes(head)  # an HDF5 signature, then nothing
    cfg = config(demo, page_size=2)
    store = EmbeddedStore(tmp_path / "s")
    try:
        run = harvest(store, cfg, state_dir=str(tmp_path / "state"), source=NexusSource(cfg))
        assert (run.seen, run.mapped, run.quarantined) == (7, 5, 2)
        meta = quarantined(store, BASE, run.activity_iri(BASE))  # what the meta graph says
        refused = {q["id"]: q["reason"] for q in meta}
        assert set(refused) == {"id19/broken.nxs", "truncated.nxs"}
        assert all("cannot read as NeXus/HDF5" in r for r in refused.values())
        rows = store.query(
            f"SELECT ?d WHERE {{ GRAPH <{source_graph('demo-nexus')}> {{ ?d a <{DCAT}Dataset> }} }}"
        )
        assert len(list(rows)) == 5  # type: ignore[arg-type]
    finally:
        store.close()


def test_golden(demo: Path) -> None:
    """The demo files' mapping, in full except dcat:byteSize (the file size depends on the HDF5
    library's layout; it is checked against the files themselves above)."""
    src = NexusSource(config(demo))
    g = graph_of(src.records(), src.context(CTX))
    g.remove((None, DCAT.byteSize, None))
    # dct:source: each entry's file, under the temporary folder; written under
    # file:///demo-nexus/ in the golden file
    prefix = demo.as_uri() + "/"
    for s, o in list(g.subject_objects(DCT.source)):
        assert str(o).startswith(prefix), o
        g.remove((s, DCT.source, o))
        g.add((s, DCT.source, URIRef("file:///demo-nexus/" + str(o)[len(prefix) :])))
    assert_golden(g, "golden-demo-nexus")


def test_untrusted_file_cannot_read_other_files_or_explode(tmp_path: Path) -> None:
    """Regression: a dataset stored in another file (HDF5 external storage) was read, copying
    any local file into the graph; a tiny compressed file could declare a gigabyte string."""
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"SECRET_CANARY_123\n")
    folder = tmp_path / "in"
    folder.mkdir()
    with h5py.File(folder / "evil.nxs", "w") as f:
        e = f.create_group("entry")
        e.attrs["NX_class"] = "NXentry"
        e.create_dataset("title", shape=(1,), dtype="S18", external=[(str(secret), 0, 18)])
        e.create_dataset("experiment_description", shape=(1,), dtype="S1000000", compression="gzip")
    records = NexusSource(config(folder)).records()
    assert len(records) == 1
    assert "SECRET" not in repr(records)
    assert "title" not in records[0] and "experiment_description" not in records[0]


def test_source_is_the_file_and_the_instrument_a_direct_edge(tmp_path: Path) -> None:
    folder = tmp_path / "beam time #1"  # a space and a '#': percent-encoded in the file: URL
    write_demo_files(folder)
    src = NexusSource(config(folder))
    g = graph_of(src.records(), src.context(CTX))
    assert set(g.objects(LYSOZYME, DCT.source)) == {
        URIRef(f"{tmp_path.as_uri()}/beam%20time%20%231/id30a-1/mx2468/lysozyme_0001.nxs")
    }
    inst = g.value(LYSOZYME, PAN.instrument)
    assert (inst, RDF.type, PAN.Instrument) in g
    assert (g.value(LYSOZYME, PROV.wasGeneratedBy), PROV.used, inst) in g
    assert set(g.subjects(RDF.type, DCAT.Dataset)) == set(g.subjects(PAN.instrument, None))
    src = NexusSource(config(folder, options={"base_url": "https://data.example.org/esrf/"}))
    g = graph_of(src.records(), src.context(CTX))
    assert set(g.objects(LYSOZYME, DCT.source)) == {
        URIRef("https://data.example.org/esrf/id30a-1/mx2468/lysozyme_0001.nxs")
    }
